"""Draws a stick figure from landmarks: the video of the simulated demo runner.

Only the demo uses this (the live page draws its overlay in the browser). Frames are drawn
into a small pool of preallocated buffers so the render loop does not allocate.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.landmarks import SKELETON_EDGES, Channel, FloatArray, Landmark
from edge.live.frames import Image

_BG = (46, 38, 32)
_BELT = (70, 70, 70)
_BONE = (235, 235, 235)
_HEAD = (200, 200, 200)
_LABEL = (40, 40, 230)


class StickFigureRenderer:
    """Renders ``(33, 4)`` landmarks (normalized x, y) onto ``width`` × ``height`` frames."""

    def __init__(self, width: int, height: int, pool: int = 6, belt_y: float = 0.93) -> None:
        if width < 16 or height < 16:
            raise ValueError("frame too small to draw a runner")
        self.width = width
        self.height = height
        self._template = np.empty((height, width, 3), dtype=np.uint8)
        self._template[:] = _BG
        y = int(belt_y * height)
        cv2.rectangle(self._template, (0, y), (width - 1, height - 1), _BELT, thickness=-1)
        scale = max(0.5, width / 640.0)
        cv2.putText(
            self._template,
            "SIMULATED",
            (int(12 * scale), int(34 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9 * scale,
            _LABEL,
            max(1, int(2 * scale)),
            cv2.LINE_AA,
        )
        self._pool = [np.empty_like(self._template) for _ in range(pool)]
        self._next = 0
        self._thickness = max(2, round(5 * scale))
        self._scale = np.array([width, height], dtype=np.float32)
        self._px = np.zeros((len(Landmark), 2), dtype=np.int32)

    def render(self, xyzv: FloatArray | None) -> Image:
        """A frame with the figure (or the empty belt when ``xyzv`` is None or all NaN).

        The returned buffer is reused after ``pool`` further calls."""
        img = self._pool[self._next]
        self._next = (self._next + 1) % len(self._pool)
        np.copyto(img, self._template)
        if xyzv is None or not np.isfinite(xyzv[Landmark.LEFT_HIP, Channel.X]):
            return img
        np.multiply(xyzv[:, :2], self._scale, out=self._px, casting="unsafe")
        px = self._px
        for a, b in SKELETON_EDGES:
            cv2.line(
                img,
                (int(px[a, 0]), int(px[a, 1])),
                (int(px[b, 0]), int(px[b, 1])),
                _BONE,
                self._thickness,
                cv2.LINE_AA,
            )
        # Head: a circle around the nose/ears.
        nose = px[Landmark.NOSE]
        ear = px[Landmark.LEFT_EAR]
        radius = max(4, int(1.4 * np.hypot(*(nose - ear).astype(np.float64))))
        cv2.circle(img, (int(ear[0]), int(ear[1])), radius, _HEAD, self._thickness, cv2.LINE_AA)
        return img
