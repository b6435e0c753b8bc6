"""Fake frame sources at the hardware boundary."""

from __future__ import annotations

import threading
from pathlib import Path

from edge.errors import CameraError
from edge.live.sources import VideoFileSource


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


class HeldVideoFile(VideoFileSource):
    """A real video file, played at its own rate once the test releases it: the page and
    the runner list are ready before the clip's first frame (a camera switched on then)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, pace=True)
        self.release = threading.Event()

    def open(self) -> None:
        if not self.release.wait(120.0):
            raise CameraError("the test never released the video")
        super().open()
