"""The Raspberry Pi camera through ``picamera2``.

``picamera2`` is imported only when this source is opened, so machines without it start
fine; choosing it there gives a message saying how to install it. The camera is configured
with two streams (as picamera2's own examples do): a full-size ``main`` stream for viewing
and a small ``lores`` stream for the pose model. Capture time is the sensor timestamp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from edge.errors import CameraError
from edge.live.frames import Frame

INSTALL_HINT = (
    "picamera2 is not installed: on Raspberry Pi OS run `sudo apt install -y python3-picamera2` "
    "and create the venv with `python3 -m venv --system-site-packages .venv`"
)


def _import_picamera2() -> Any:
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise CameraError(INSTALL_HINT) from None
    return Picamera2()


def lores_size(width: int, height: int, model_width: int) -> tuple[int, int]:
    """Small-stream size with the main stream's aspect ratio, both sides even."""
    w = min(model_width, width) // 2 * 2
    h = max(2, round(w * height / width / 2) * 2)
    return w, h


class PiCamera:
    """Pi camera source. ``factory`` builds the ``Picamera2`` object (replaced in tests)."""

    live = True
    simulated = False

    def __init__(
        self,
        width: int,
        height: int,
        fps: float,
        model_width: int,
        factory: Callable[[], Any] = _import_picamera2,
    ) -> None:
        self._size = (width // 2 * 2, height // 2 * 2)
        self._lores = lores_size(width, height, model_width)
        self._fps = fps
        self._factory = factory
        self._cam: Any = None
        self._count = 0

    @property
    def name(self) -> str:
        return "Pi camera"

    @property
    def fps(self) -> float | None:
        return self._fps

    def open(self) -> None:
        cam = self._factory()
        try:
            config = cam.create_video_configuration(
                main={"size": self._size, "format": "RGB888"},
                lores={"size": self._lores, "format": "YUV420"},
                controls={"FrameRate": self._fps},
                buffer_count=4,
            )
            cam.configure(config)
            cam.start()
        except CameraError:
            raise
        except Exception as exc:  # picamera2 raises RuntimeError/IndexError when absent
            try:
                cam.close()
            finally:
                raise CameraError(
                    f"Pi camera could not be started ({exc}); check the ribbon cable and "
                    "`rpicam-hello --list-cameras`"
                ) from None
        self._cam = cam

    def read(self) -> Frame | None:
        if self._cam is None:
            raise CameraError("Pi camera is not open")
        try:
            request = self._cam.capture_request()
        except Exception as exc:
            raise CameraError(f"Pi camera stopped delivering frames ({exc})") from None
        try:
            main = np.ascontiguousarray(request.make_array("main")[:, :, :3])
            yuv = request.make_array("lores")
            metadata = request.get_metadata()
        finally:
            request.release()
        # picamera2's "RGB888" is B, G, R in memory: already OpenCV's order.
        small = cv2.cvtColor(yuv, cv2.COLOR_YUV420p2BGR)
        now = time.monotonic()
        stamp_ns = metadata.get("SensorTimestamp")
        t_s = float(stamp_ns) / 1e9 if stamp_ns is not None else now
        frame = Frame(self._count, t_s, now, time.time(), small, view_image=main)
        self._count += 1
        return frame

    def close(self) -> None:
        if self._cam is not None:
            try:
                self._cam.stop()
            finally:
                self._cam.close()
                self._cam = None
