"""Holding the camera's frame rate when the pose stage cannot keep up.

The pose stage must finish within one camera frame period, or frames pile up and the
newest-frame slot silently drops whichever frames it cannot take: analysis then sees an
irregular, jittery sample rate. The governor watches the pose stage's time per frame and,
when it is over the frame period, degrades on purpose: the pipeline analyses every other
frame (regularly, so the gait analyzer is rebuilt for half the rate and interpolates its
events between samples at their true capture times: contact timing stays sub-frame). When
the stage is fast again (under :data:`RELEASE_FRACTION` of the frame period, i.e. it would
fit with headroom), every frame is analysed again. Both switches need the condition to hold
for :data:`HOLD_S` seconds, so one slow frame does not flip it back and forth.

Its state is in ``/api/status`` (``governor``) and shown on the live page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: Engage when the pose stage takes more than this fraction of the frame period.
ENGAGE_FRACTION = 0.95
#: Release when it would take less than this fraction of the (full-rate) frame period.
RELEASE_FRACTION = 0.7
#: How long a condition must hold before switching (seconds of capture time).
HOLD_S = 1.0
#: Smoothing of the pose-stage time (exponential moving average weight per sample).
EMA = 0.2


@dataclass(frozen=True, slots=True)
class GovernorState:
    active: bool
    every: int  # analyse one frame in ``every``
    pose_ms: float | None
    budget_ms: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "active": self.active,
            "analysing_every": self.every,
            "pose_ms": None if self.pose_ms is None else round(self.pose_ms, 2),
            "budget_ms": round(self.budget_ms, 2),
            "reason": self.reason,
        }


class FrameRateGovernor:
    """Chooses whether every frame or every other frame goes through the pose stage."""

    def __init__(self, camera_fps: float, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.budget_ms = 1000.0 / max(camera_fps, 1e-3)
        self.every = 1
        self._pose_ms: float | None = None
        self._since: float | None = None  # when the switch condition started to hold

    @property
    def active(self) -> bool:
        return self.every > 1

    def take(self, frame_index: int) -> bool:
        """Whether this frame goes through pose and analysis."""
        return frame_index % self.every == 0

    def observe(self, pose_ms: float) -> bool:
        """Record one pose-stage time; True when the analysis rate changed."""
        prev = self._pose_ms
        self._pose_ms = pose_ms if prev is None else prev + EMA * (pose_ms - prev)
        now = self.clock()
        if self.every == 1:
            want = self._pose_ms > ENGAGE_FRACTION * self.budget_ms
        else:
            want = self._pose_ms < RELEASE_FRACTION * self.budget_ms
        if not want:
            self._since = None
            return False
        if self._since is None:
            self._since = now
        if now - self._since < HOLD_S:
            return False
        self._since = None
        self.every = 2 if self.every == 1 else 1
        return True

    def state(self) -> GovernorState:
        ms = self._pose_ms
        if self.active:
            reason = (
                f"pose stage {ms:.0f} ms per frame, over the camera's {self.budget_ms:.0f} ms: "
                "analysing every other frame"
            )
        elif ms is None:
            reason = "no pose timing yet"
        else:
            reason = f"pose stage {ms:.0f} ms per frame, within {self.budget_ms:.0f} ms"
        return GovernorState(self.active, self.every, ms, self.budget_ms, reason)
