"""Fake frame sources at the hardware boundary."""

from __future__ import annotations

from edge.errors import CameraError


class UnpluggedCamera:
    """A camera that is not there (the boundary where hardware fails): every open fails."""

    name = "USB camera 0"
    simulated = False
    live = True
    fps = 30.0

    def open(self) -> None:
        raise CameraError("camera 0 not found or busy")

    def read(self) -> None:
        raise AssertionError("never opened")

    def close(self) -> None:
        return None
