"""The recording sink for the live pipeline (found by ``edge.live.sink.load_sinks``)."""

from __future__ import annotations

import logging

from edge.config import Config
from edge.errors import StorageError
from edge.live.sink import PipelineSink
from edge.recording.config import RecordingConfig
from edge.recording.recorder import Recorder

log = logging.getLogger(__name__)


def make_sinks(config: Config, *, headless: bool = False) -> list[PipelineSink]:
    """The recorder when ``recording.enabled``; with ``fleet.enabled`` also the fleet
    publisher, its outbox written in the recorder's transactions (``edge.fleet.live``).

    Headless, recording is the point of running: a database that cannot be opened stops the
    start with its message. With the page, the live view goes on without recording.
    """
    if not config.recording.enabled and not config.fleet.enabled:
        return []
    recording = named_recording(config)
    try:
        if config.fleet.enabled:
            from edge.fleet.live import with_fleet  # the recorder with the fleet outbox

            return with_fleet(config, lambda h: Recorder.from_config(recording, h))
        return [Recorder.from_config(recording)]
    except StorageError as exc:
        if headless:
            raise
        log.error("recording (and fleet reporting) is off: %s", exc)
        return [RecordingOff(str(exc))]


def named_recording(config: Config) -> RecordingConfig:
    """The recording settings with the device's configured name: ``recording.device_id``,
    else the name the gym gave it for the hub (``fleet.device_id``); the host name only
    when neither is set. The session list then names the treadmill as the hub board does."""
    rec = config.recording
    if rec.device_id or not config.fleet.device_id:
        return rec
    return rec.model_copy(update={"device_id": config.fleet.device_id})


class RecordingOff:
    """Stands in for the recorder when the database could not be opened: records nothing,
    and tells the health check why (``problem``), so ``/healthz`` says degraded."""

    def __init__(self, reason: str) -> None:
        self.problem = f"recording is off: {reason}"

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        """Nothing is recorded."""

    def frame(self, pose: object, update: object, jpeg: bytes | None) -> None:
        """Nothing is recorded."""

    def session_ended(self, t_s: float) -> None:
        """Nothing is recorded."""

    wants_video = False
