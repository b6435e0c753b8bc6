"""The device's sinks for the live pipeline, typed: the recorder, the fleet publisher beside
it, or why recording is off. Built by the composition root (:mod:`treadwatch.compose`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.config.root import Config
from edge.errors import StorageError
from edge.fleet.publisher import FleetPublisher
from edge.live.sink import PipelineSink
from edge.recording.config import RecordingConfig
from edge.recording.recorder import Recorder

log = logging.getLogger(__name__)


@dataclass
class LiveSinks:
    """What the live pipeline hands its sessions and frames to, by kind.

    ``recorder``: the session recorder (None: not recording); ``fleet``: the fleet
    publisher (its outbox written in the recorder's transactions); ``off``: why recording
    is off although it was asked for (the database could not be opened); ``others``: any
    further sink (tests, tools)."""

    recorder: Recorder | None = None
    fleet: FleetPublisher | None = None
    off: str | None = None
    others: tuple[PipelineSink, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, sinks: Sequence[PipelineSink]) -> LiveSinks:
        """A list of sinks sorted by kind (the first recorder and publisher count)."""
        recorder = next((s for s in sinks if isinstance(s, Recorder)), None)
        fleet = next((s for s in sinks if isinstance(s, FleetPublisher)), None)
        others = tuple(s for s in sinks if s is not recorder and s is not fleet)
        return cls(recorder=recorder, fleet=fleet, others=others)

    def all(self) -> list[PipelineSink]:
        """Every sink, in the order the pipeline calls them (the recorder first)."""
        first: list[PipelineSink] = [s for s in (self.recorder, self.fleet) if s is not None]
        return [*first, *self.others]

    def problems(self) -> list[str]:
        """Why recording is not doing its job (for the health check); empty when fine."""
        out = [f"recording is off: {self.off}"] if self.off else []
        if self.recorder is not None and self.recorder.problem:
            out.append(self.recorder.problem)
        return out

    def close(self) -> None:
        """Close what holds resources, after the pipeline stopped (the publisher after the
        recorder: the last commits go to the outbox first)."""
        if self.recorder is not None:
            self.recorder.close()
        if self.fleet is not None:
            self.fleet.close()


def make_sinks(config: Config, *, required: bool = False) -> LiveSinks:
    """The recorder when ``recording.enabled``; with ``fleet.enabled`` also the fleet
    publisher (``edge.fleet.live``).

    ``required`` (``treadwatch run``: recording is the point of running): a database that
    cannot be opened stops the start with its message. Otherwise (``serve``) the live view
    goes on without recording and the health check says why.
    """
    if not config.recording.enabled and not config.fleet.enabled:
        return LiveSinks()
    recording = named_recording(config)
    try:
        if config.fleet.enabled:
            from edge.fleet.live import with_fleet  # the recorder with the fleet outbox

            recorder, publisher = with_fleet(config, lambda h: Recorder.from_config(recording, h))
            return LiveSinks(recorder=recorder, fleet=publisher)
        return LiveSinks(recorder=Recorder.from_config(recording))
    except StorageError as exc:
        if required:
            raise
        log.error("recording (and fleet reporting) is off: %s", exc)
        return LiveSinks(off=str(exc))


def named_recording(config: Config) -> RecordingConfig:
    """The recording settings with the device's configured name: ``recording.device_id``,
    else the name the gym gave it for the hub (``fleet.device_id``); the host name only
    when neither is set. The session list then names the treadmill as the hub board does."""
    rec = config.recording
    if rec.device_id or not config.fleet.device_id:
        return rec
    return rec.model_copy(update={"device_id": config.fleet.device_id})
