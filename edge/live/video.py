"""The live video: JPEG frames for the page (and the recorder's clips), at most
``server.video_fps`` a second, scaled down to ``server.video_size`` pixels on the long side.

Owned by the analysis thread; its meters are read by the status reporter.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from edge.live.config import ServerConfig
from edge.live.frames import Image
from edge.live.stats import MovingAverage, RateMeter


class VideoEncoder:
    """Encodes the frames due at the video rate; keeps one resize buffer between frames."""

    def __init__(self) -> None:
        self._next = 0.0  # monotonic time the next video frame is due
        self._buf: Image | None = None
        self.rate = RateMeter()
        self.jpeg_ms = MovingAverage()

    def due(self, now: float) -> bool:
        return now >= self._next

    def encode(self, img: Image, cfg: ServerConfig, now: float) -> bytes | None:
        """The JPEG of ``img`` (None if encoding failed); the next frame is due one video
        period later, never more than half a period in the past (no burst to catch up)."""
        self._next = max(self._next + 1.0 / cfg.video_fps, now - 0.5 / cfg.video_fps)
        h, w = img.shape[:2]
        scale = cfg.video_size / max(h, w)
        if scale < 1.0:
            size = (max(2, round(w * scale)), max(2, round(h * scale)))
            if self._buf is None or self._buf.shape[:2] != (size[1], size[0]):
                self._buf = np.empty((size[1], size[0], 3), dtype=np.uint8)
            cv2.resize(img, size, dst=self._buf, interpolation=cv2.INTER_AREA)
            img = self._buf
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
        if not ok:
            return None
        jpeg = buf.tobytes()
        self.jpeg_ms.add((time.monotonic() - now) * 1000.0)
        self.rate.tick(time.monotonic())
        return jpeg
