"""The hub's live board: each device's last status and when it was last heard from.

Written by the hub's writer thread, read by the web app's requests (under one lock).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from edge.fleet import messages
from server.fleet.validate import parse_status


@dataclass
class DeviceBoard:
    """What the live board shows of one device."""

    device: str
    online: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    last_seen: float | None = None  # hub wall clock of the last message
    stopped: bool = False  # switched off cleanly (not lost)

    def as_json(self) -> dict[str, Any]:
        s = self.status
        in_use = self.online and s.get("state") == "running"
        return {
            "device": self.device,
            "online": self.online,
            "state": (
                s.get("state", "offline")
                if self.online
                else ("stopped" if self.stopped else "offline")
            ),
            "runner_present": bool(s.get("runner_present")) if self.online else False,
            "cue": s.get("cue") if in_use else None,
            "cadence_spm": s.get("cadence_spm") if in_use else None,
            "fps": s.get("fps"),
            "health": s.get("health"),
            "outbox": s.get("outbox"),
            "outbox_dropped": s.get("outbox_dropped"),
            "session": s.get("session") if self.online else None,
            "last_seen": self.last_seen,
        }


class Board:
    """All devices heard from, by id."""

    def __init__(self) -> None:
        self._devices: dict[str, DeviceBoard] = {}
        self._lock = threading.Lock()

    def seen(self, device: str, now: float) -> None:
        """A message from ``device`` arrived at hub time ``now``."""
        with self._lock:
            self._devices.setdefault(device, DeviceBoard(device)).last_seen = now

    def status(self, device: str, payload: bytes, now: float) -> None:
        """A status message (JSON, or ``offline``); a bad one still counts as heard from
        (raises :class:`~server.fleet.validate.BadMessageError`)."""
        with self._lock:
            b = self._devices.setdefault(device, DeviceBoard(device))
            b.last_seen = now
            status = parse_status(payload)
            if status is None:
                b.online = False
                b.stopped = payload.strip() == messages.STOPPED.encode()
                return
            b.online = True
            b.stopped = False
            b.status = status

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._devices[d].as_json() for d in sorted(self._devices)]
