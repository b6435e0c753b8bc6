"""What the camera sees of the runner, kept up to date frame by frame: the view (configured
or detected), which way the runner faces, how far the camera is turned from the side, the
leg and torso lengths every distance is divided by, which leg is the near one, and whether
the feet are inside the frame."""

from __future__ import annotations

import math

import numpy as np

from edge.gait.metrics import FRONTAL, S_FOOT_VIS, S_LEG, SIDE
from edge.gait.records import View
from edge.gait.ring import RingBuffer
from edge.gait.views import ViewGuess, detect_view
from edge.landmarks import Landmark

#: Feet drawn at or past the frame's bottom edge in more than this fraction of the frames:
#: the model is guessing where they are (a camera that cuts the feet off), so nothing is
#: measured at foot contact. Feet in frame are at the edge in 0-1 % of frames.
FEET_CUT = 0.25
_FRAME_EDGE_Y = 0.98
_FOOT_LMS = [
    int(lm)
    for lm in (
        Landmark.LEFT_ANKLE,
        Landmark.RIGHT_ANKLE,
        Landmark.LEFT_HEEL,
        Landmark.RIGHT_HEEL,
        Landmark.LEFT_FOOT_INDEX,
        Landmark.RIGHT_FOOT_INDEX,
    )
]
_VIEW_EVERY_S = 2.0  # the view is checked again this often (every 0.25 s until found)
_SCALES_EVERY_S = 0.5  # leg and torso lengths, near leg, feet at the edge


class ViewTracker:
    """The view and the body's scales from the ring's recent frames (one thread)."""

    def __init__(self, rate: float, fixed: View | None):
        self.rate = rate
        self.fixed: View | None = fixed
        self.reset()

    def reset(self) -> None:
        fixed = self.fixed
        self.view: ViewGuess | None = (
            ViewGuess(
                fixed,
                1 if fixed == "side-right" else -1,
                1.0,
                0.0,
                0.0 if fixed in SIDE else 90.0,
                "side" if fixed in SIDE else ("front" if fixed == "front" else "rear"),
            )
            if fixed is not None
            else None
        )
        self._view_checked_t = -math.inf
        self._facing_checked = False
        self.leg_length = math.nan
        self.feet_edge_frac = 0.0
        self.torso_length = math.nan
        self._scale_t = -math.inf
        self.near_track = 0

    @property
    def facing(self) -> int:
        return self.view.facing if self.view is not None else 1

    @property
    def side(self) -> bool:
        return self.view is not None and self.view.view in SIDE

    @property
    def frontal(self) -> bool:
        return self.view is not None and self.view.view in FRONTAL

    @property
    def ready(self) -> bool:
        """View and leg length known: events can be detected."""
        return self.view is not None and math.isfinite(self.leg_length)

    def update(self, ring: RingBuffer, t: float) -> None:
        """After a frame at ``t`` was pushed to ``ring``."""
        if t - self._scale_t > _SCALES_EVERY_S:
            self._update_scales(ring, t)
        every = _VIEW_EVERY_S if self.view is not None else 0.25
        if self.fixed is None and t - self._view_checked_t > every:
            self._update_view(ring, t)
        elif (
            self.fixed in SIDE
            and len(ring) > self.rate
            and (not self._facing_checked or t - self._view_checked_t > _VIEW_EVERY_S)
        ):
            self._check_facing(ring, t)

    def _update_scales(self, ring: RingBuffer, t: float) -> None:
        self._scale_t = t
        w = ring.last()
        legs = w.signals[:, S_LEG]
        legs = legs[np.isfinite(legs)]
        if legs.size >= 5:
            self.leg_length = float(np.median(legs))
        p = w.xyzv
        sh = 0.5 * (p[:, Landmark.LEFT_SHOULDER, :2] + p[:, Landmark.RIGHT_SHOULDER, :2])
        hip = 0.5 * (p[:, Landmark.LEFT_HIP, :2] + p[:, Landmark.RIGHT_HIP, :2])
        torso = np.hypot(*(sh - hip).T)
        torso = torso[np.isfinite(torso)]
        if torso.size >= 5:
            self.torso_length = float(np.median(torso))
        feet = p[:, _FOOT_LMS, 1]
        seen = np.isfinite(feet).all(axis=1)
        if seen.sum() >= 5:
            self.feet_edge_frac = float((feet[seen] > _FRAME_EDGE_Y).any(axis=1).mean())
        vis = [w.signals[:, S_FOOT_VIS[k]] for k in (0, 1)]
        m = [float(np.nanmean(v)) if np.isfinite(v).any() else 0.0 for v in vis]
        self.near_track = 0 if m[0] >= m[1] else 1

    def _update_view(self, ring: RingBuffer, t: float) -> None:
        self._view_checked_t = t
        w = ring.since(t - 3.0)
        if len(w) < max(5, round(0.5 * self.rate)):
            return
        guess = detect_view(w.xyzv)
        if guess is not None:
            self.view = guess

    def _check_facing(self, ring: RingBuffer, t: float) -> None:
        """A configured side view still takes the runner's facing from the landmarks (once)
        and how far the camera is turned from the side (every few seconds)."""
        self._view_checked_t = t
        guess = detect_view(ring.since(t - 3.0).xyzv)
        if guess is None or self.view is None:
            return
        facing = self.view.facing if self._facing_checked else guess.facing
        self._facing_checked = True
        oblique = guess.view_class == "oblique-side"
        self.view = ViewGuess(
            self.view.view,
            facing,
            self.view.confidence,
            guess.shoulder_ratio,
            guess.yaw_deg,
            "oblique-side" if oblique else "side",
        )
