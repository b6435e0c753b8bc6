"""Initial contact and toe-off from foot trajectories relative to the hips.

On a treadmill the runner stays in place and the belt carries the stance foot backwards,
so relative to the hips each foot traces a loop: forward in swing, backward in stance.
Following Zeni et al. (2008, coordinate method), initial contact is the heel's most
forward point relative to the hips and toe-off the toes' most backward point.

Timing is refined below the frame interval by fitting the shape of the trajectory around
the extremum: at contact the heel decelerates smoothly to a stop (a parabola) and then
moves back at belt speed (a straight line); at toe-off the toes move back at belt speed and
then accelerate forward. The break point of that piecewise model, fitted by least squares
over a grid of candidate times, is the event time. On clean data this is exact; with
noise it is far steadier than the raw extremum (which sits on a flat top).

Front and rear views see no belt motion, only the foot coming nearer (lower in the image)
as it lands: the same extremum logic runs on the foot's height relative to the hips, and
the events are flagged approximate (lower confidence).

Live: :class:`ExtremumDetector` examines the frame ``delay`` frames before the newest,
so every event is reported exactly ``delay`` frames (``GaitConfig.event_delay_s``) after it
happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


def refine_break(t: F64, y: F64, t0: float, dt: float, linear_after: bool) -> float:
    """Time of the break between a parabola and a line in ``y(t)``, searched near ``t0``.

    ``linear_after``: the peak is followed by a straight descent (contact); otherwise it is
    preceded by a straight ascent (toe-off on the negated signal). ``dt`` is one frame.
    """
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if t.shape[0] < 5:
        return t0
    taus = t0 + dt * np.arange(-2.0, 2.0001, 0.1)
    d = t[None, :] - taus[:, None]
    if linear_after:
        a1, a2 = -(np.minimum(d, 0.0) ** 2), -np.maximum(d, 0.0)
    else:
        a1, a2 = np.minimum(d, 0.0), -(np.maximum(d, 0.0) ** 2)
    a = np.stack([np.ones_like(d), a1, a2], axis=-1)
    ata = np.einsum("kni,knj->kij", a, a) + 1e-12 * np.eye(3)
    aty = np.einsum("kni,n->ki", a, y)
    sol = np.linalg.solve(ata, aty[..., None])[..., 0]
    res = ((np.einsum("kni,ki->kn", a, sol) - y) ** 2).sum(axis=1)
    return float(taus[int(np.argmin(res))])


@dataclass(frozen=True, slots=True)
class Extremum:
    t: float  # refined time
    frame: float  # refined (fractional) frame index
    back: int  # how many frames before the newest the sample extremum is


class ExtremumDetector:
    """Finds maxima of a per-frame signal, ``delay`` frames after they happen.

    A maximum counts when it is the largest value from ``back`` frames before it to
    ``delay`` frames after, stands ``prominence`` above the lowest value of the preceding
    ``span`` frames, and is at least ``refractory_s`` after the previous one.
    """

    def __init__(self, rate: float, delay: int, back: int, span: int, refractory_s: float):
        self.rate = rate
        self.delay = max(2, delay)
        self.back = max(2, back)
        self.span = max(self.back, span)
        self.refractory_s = refractory_s
        self.last_t = -math.inf
        self.fit_before = max(4, round(0.1 * rate))
        self.fit_after = max(3, min(self.delay, round(0.08 * rate)))

    def reset(self) -> None:
        self.last_t = -math.inf

    def check(self, t: F64, sig: F64, prominence: float, linear_after: bool) -> Extremum | None:
        """``t`` and ``sig``: the newest frames (oldest first). Returns a confirmed maximum."""
        n = sig.shape[0]
        c = n - 1 - self.delay
        if c < self.back:
            return None
        v = sig[c]
        if not math.isfinite(v):
            return None
        w = sig[c - self.back : n]
        if v < np.nanmax(w):
            return None
        before = sig[max(0, c - self.span) : c]
        if before.shape[0] == 0 or not np.isfinite(before).any():
            return None
        if v - float(np.nanmin(before)) < prominence:
            return None
        if t[c] - self.last_t < self.refractory_s:
            return None
        lo = max(0, c - self.fit_before - 2)
        hi = min(n, c + self.fit_after + 3)
        dt = 1.0 / self.rate
        tau = refine_break(t[lo:hi], sig[lo:hi], float(t[c]), dt, linear_after)
        self.last_t = tau
        frame = c + (tau - float(t[c])) / dt
        return Extremum(t=tau, frame=frame, back=n - 1 - c)
