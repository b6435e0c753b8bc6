"""Fleet reporting wired to the recorder (called by ``edge.recording.live.make_sinks``)."""

from __future__ import annotations

from collections.abc import Callable

from edge.config.root import Config
from edge.errors import ConfigError
from edge.fleet.outbox import OutboxWriter
from edge.fleet.publisher import FleetPublisher
from edge.recording.commit import CommitHook
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore


def fleet_device_id(config: Config) -> str:
    return config.fleet.resolved_device_id(config.recording.device_id)


def with_fleet(
    config: Config, make_recorder: Callable[[tuple[CommitHook, ...]], Recorder]
) -> tuple[Recorder, FleetPublisher]:
    """The recorder, with the fleet outbox on its commits, and the publisher beside it
    (started)."""
    if not config.recording.enabled:
        raise ConfigError(
            "fleet.enabled needs recording.enabled: the outbox lives in the session database"
        )
    writer = OutboxWriter(fleet_device_id(config), max_bytes=config.fleet.outbox_max_bytes())
    recorder = make_recorder((writer,))
    with SessionStore(recorder.db_path) as store:
        writer.recover(store)
    publisher = FleetPublisher(config.fleet, writer.device_id, writer, recorder.db_path)
    publisher.start()
    return recorder, publisher
