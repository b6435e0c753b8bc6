"""What the routes share: the pipeline, the hubs, the PIN, the configuration in force."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from edge.config import Config
from edge.live.pipeline import LivePipeline
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
        recording = [
            getattr(sink, "stats")().as_json()  # noqa: B009 (optional, not in the protocol)
            for sink in self.pipeline.sinks
            if callable(getattr(sink, "stats", None))
        ]
        if recording:
            stats = dict(recording[0])
            stats.pop("session_id", None)  # no handle on stored sessions on a public page
            data["recording"] = stats
        fleet = [
            getattr(sink, "fleet_status")()  # noqa: B009 (the fleet publisher, when on)
            for sink in self.pipeline.sinks
            if callable(getattr(sink, "fleet_status", None))
        ]
        if fleet:
            data["fleet"] = fleet[0]
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


#: Route parameter type: ``state: State``.
State = Annotated[LiveState, Depends(get_state)]
