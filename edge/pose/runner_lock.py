"""Choosing which person to track: the runner on the belt, not a coach or a passer-by.

Two rules, in order:

1. **Belt zone** (configured): only a person whose mid-hip point is inside the zone can be
   tracked; a track whose hips leave the zone is dropped.
2. **Running motion** (always): among the candidates, the one whose legs move most wins.
   Motion is the mean absolute grey-level change, over a few frames, inside the region
   below the hips where the legs are (a runner's legs and the belt under them change every
   frame; a standing person's barely do). Measured on a small greyscale copy of each frame
   (:class:`MotionHistory`), a few microseconds per frame.

The detector's own ranking (MediaPipe tracks its top-scoring person) is only the
tie-breaker, used when there is no motion history yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.pose.config import BeltZone
from edge.pose.detector import Detection

#: Width of the greyscale copy used for motion (pixels).
MOTION_WIDTH = 160
#: Compare each frame with the one this many frames earlier.
MOTION_LAG = 3
#: Switch to another candidate only if it moves this many times more than the track.
SWITCH_RATIO = 2.0
#: Ignore motion below this (grey levels), e.g. sensor noise.
MOTION_FLOOR = 2.0


class MotionHistory:
    """A ring of small greyscale frames to measure motion in regions."""

    def __init__(self) -> None:
        self._frames: npt.NDArray[np.uint8] | None = None
        self._count = 0
        self._size = (0, 0)
        self._small = np.zeros((1, 1, 3), np.uint8)

    def reset(self) -> None:
        self._count = 0

    def push(self, frame_bgr: npt.NDArray[np.uint8]) -> None:
        h, w = frame_bgr.shape[:2]
        mh = max(2, round(MOTION_WIDTH * h / w))
        if self._frames is None or self._size != (w, h):
            self._frames = np.zeros((MOTION_LAG + 1, mh, MOTION_WIDTH), np.uint8)
            self._small = np.zeros((mh, MOTION_WIDTH, 3), np.uint8)
            self._size = (w, h)
            self._count = 0
        slot = self._frames[self._count % (MOTION_LAG + 1)]
        # Nearest-neighbour sampling: motion is averaged over whole regions, so aliasing
        # does not matter, and it costs tens of microseconds instead of milliseconds.
        cv2.resize(frame_bgr, (MOTION_WIDTH, mh), dst=self._small, interpolation=cv2.INTER_NEAREST)
        cv2.cvtColor(self._small, cv2.COLOR_BGR2GRAY, dst=slot)
        self._count += 1

    @property
    def ready(self) -> bool:
        return self._count > MOTION_LAG

    def energy(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Mean absolute change (grey levels) in a normalized rectangle; 0 if not ready."""
        if not self.ready or self._frames is None:
            return 0.0
        n = MOTION_LAG + 1
        cur = self._frames[(self._count - 1) % n]
        old = self._frames[self._count % n]
        h, w = cur.shape
        c0, c1 = int(max(0.0, x0) * w), int(min(1.0, x1) * w)
        r0, r1 = int(max(0.0, y0) * h), int(min(1.0, y1) * h)
        if c1 <= c0 or r1 <= r0:
            return 0.0
        a = cur[r0:r1, c0:c1].astype(np.int16)
        b = old[r0:r1, c0:c1].astype(np.int16)
        return float(np.abs(a - b).mean())


@dataclass(frozen=True, slots=True)
class Candidate:
    detection: Detection
    motion: float


def legs_region(
    hip: tuple[float, float], scale_point: tuple[float, float], frame_w: int, frame_h: int
) -> tuple[float, float, float, float]:
    """Normalized rectangle below the hips, one body-half tall and wide (where legs swing)."""
    d = math.hypot((scale_point[0] - hip[0]) * frame_w, (scale_point[1] - hip[1]) * frame_h)
    dx, dy = d / frame_w, d / frame_h
    return hip[0] - 0.6 * dx, hip[1], hip[0] + 0.6 * dx, hip[1] + 1.0 * dy


def in_zone(zone: BeltZone | None, x: float, y: float) -> bool:
    if zone is None:
        return True
    return zone.x_min <= x <= zone.x_max and zone.y_min <= y <= zone.y_max


class RunnerLock:
    """Picks the runner among detections, and says when a track should be abandoned."""

    def __init__(self, zone: BeltZone | None) -> None:
        self.zone = zone

    def candidates(
        self, detections: list[Detection], motion: MotionHistory, frame_w: int, frame_h: int
    ) -> list[Candidate]:
        out = []
        for det in detections:
            hip = det.hip_center
            if not in_zone(self.zone, *hip):
                continue
            sp = (float(det.keypoints[1, 0]), float(det.keypoints[1, 1]))
            out.append(Candidate(det, motion.energy(*legs_region(hip, sp, frame_w, frame_h))))
        return out

    def choose(self, candidates: list[Candidate]) -> Candidate | None:
        """The candidate that moves most (detector score breaks ties / no history)."""
        if not candidates:
            return None
        return max(
            candidates, key=lambda c: (round(max(c.motion, MOTION_FLOOR), 1), c.detection.score)
        )

    def should_switch(
        self, tracked_motion: float, best: Candidate, ratio: float | None = None
    ) -> bool:
        """Whether ``best`` moves enough more than the tracked person to take over."""
        needed = SWITCH_RATIO if ratio is None else ratio
        return best.motion > MOTION_FLOOR and best.motion > needed * max(
            tracked_motion, MOTION_FLOOR / 2
        )
