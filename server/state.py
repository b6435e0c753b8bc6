"""What the routes share: the pipeline, the hubs, the PIN, the configuration in force."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from edge.config.root import Config
from edge.live.pipeline import LivePipeline
from edge.recording.live import LiveSinks
from edge.recording.recorder import Recorder
from server.auth import PinAuth
from server.hub import LiveHub, VideoHub
from server.limits import ClientCaps


@dataclass
class LiveState:
    config: Config
    pipeline: LivePipeline
    hub: LiveHub
    video: VideoHub
    auth: PinAuth
    #: The pipeline's sinks by kind: the recorder, the fleet publisher, why recording is off.
    sinks: LiveSinks = field(default_factory=LiveSinks)
    config_lock: threading.Lock = field(default_factory=threading.Lock)
    #: The config file's settings, and where page changes to them are saved (None: kept
    #: in memory until restart).
    base_config: Config | None = None
    settings_file: Path | None = None
    #: Live pages and video viewers being served (server.limits).
    caps: ClientCaps = field(default_factory=ClientCaps)

    def status(self) -> dict[str, Any]:
        data = self.pipeline.status()
        demo_phase = getattr(self.pipeline.source, "phase", None)
        if demo_phase is not None:
            data["source"]["demo_phase"] = demo_phase
        recorder = self.sinks.recorder
        if recorder is not None:
            stats = recorder.stats().as_json()
            stats.pop("session_id", None)  # no handle on stored sessions on a public page
            data["recording"] = stats
        if self.sinks.fleet is not None:
            data["fleet"] = self.sinks.fleet.fleet_status()
        hub = self.hub.stats()
        data["clients"] = {
            "websocket": hub["clients"],
            "video": self.video.viewers,
            "dropped_messages": sum(hub["client_dropped"]),
            **self.caps.as_json(),
        }
        from server.health import check  # (health reads this state)

        health, reasons = check(self, data)
        data["health"] = {"status": health, "reasons": reasons}
        return data


def get_state(request: Request) -> LiveState:
    state: LiveState = request.app.state.live
    return state


def live_recorder(request: Request) -> Recorder | None:
    """The device's session recorder; None when not recording, and on the hub (which
    shares the review and runner routes but records nothing itself)."""
    live = request.app.state.live
    return live.sinks.recorder if isinstance(live, LiveState) else None


#: Route parameter type: ``state: State``.
State = Annotated[LiveState, Depends(get_state)]
