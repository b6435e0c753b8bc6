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
so every event is reported exactly ``delay`` frames (``tuning.EVENT_DELAY_S``) after it
happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: The break (contact) is searched within this many seconds of the sampled extremum. The
#: foot's most forward point comes before it lands (the swing leg is pulled back first):
#: the break that marks the landing lies up to ~0.1 s away at any frame rate.
SEARCH_S = 0.1


def refine_break(
    t: F64, y: F64, t0: float, dt: float, *, linear_after: bool, search: tuple[float, float]
) -> float:
    """Time of the break between a straight segment and a curved one in ``y(t)``.

    Model: a line on one side of ``tau``, a parabola on the other, meeting at ``tau``
    (``y = p + v1 (t - tau)`` on the straight side, ``p + v2 (t - tau) + a (t - tau)^2`` on
    the curved side). ``linear_after``: the line follows the break (contact: the belt
    carries the foot back); otherwise it precedes it (toe-off). The slopes may differ (a
    kink, as when the heel strikes) or match (a smooth lift-off). ``tau`` is searched on a
    grid of 0.1 frame over ``t0 + search * dt``; ``dt`` is one frame.
    """
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if t.shape[0] < 6:
        return t0
    taus = t0 + dt * np.arange(search[0], search[1] + 1e-9, 0.1)
    # at least three samples on each side of the break, or the fit can bend to anything
    taus = taus[(taus >= t[2]) & (taus <= t[-3])]
    if taus.shape[0] == 0:
        return t0
    d = t[None, :] - taus[:, None]
    straight = d >= 0 if linear_after else d <= 0
    curved = ~straight
    one = np.ones_like(d)
    if linear_after:  # heel strike: the swing ends at rest, the belt then carries the foot
        a = np.stack([one, np.where(straight, d, 0.0), np.where(curved, d * d, 0.0)], axis=-1)
    else:
        a = np.stack([one, np.where(straight, d, 0.0), np.where(curved, d, 0.0),
                      np.where(curved, d * d, 0.0)], axis=-1)  # fmt: skip
    ata = np.einsum("kni,knj->kij", a, a) + 1e-12 * np.eye(a.shape[-1])
    aty = np.einsum("kni,n->ki", a, y)
    sol = np.linalg.solve(ata, aty[..., None])[..., 0]
    res = ((np.einsum("kni,ki->kn", a, sol) - y) ** 2).sum(axis=1)
    return float(taus[int(np.argmin(res))])


def running_median(x: F64, half: int) -> F64:
    """Running median over ``2 * half + 1`` samples (same length; the ends kept as they are)."""
    out = x.copy()
    k = 2 * half + 1
    if half == 1 and x.shape[0] >= 3:  # the common case, without a sort
        a, b, c = x[:-2], x[1:-1], x[2:]
        out[1:-1] = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
    elif half >= 1 and x.shape[0] >= k:
        win = np.lib.stride_tricks.sliding_window_view(x, k)
        out[half:-half] = np.median(win, axis=1)
    return out


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
        self.median_half = max(1, round(0.015 * rate))  # a ~30 ms running median
        self.fit_before = max(4, round(0.1 * rate))
        self.fit_after = max(3, min(self.delay, round(0.08 * rate)))
        #: the break is searched this many frames either side of the sampled extremum: a
        #: fixed span of time (SEARCH_S), so the event's time does not depend on the rate
        self.search_frames = max(3.0, SEARCH_S * rate)

    def reset(self) -> None:
        self.last_t = -math.inf

    def check(
        self,
        t: F64,
        sig: F64,
        prominence: float,
        linear_after: bool,
        lift: F64 | None = None,
    ) -> Extremum | None:
        """``t`` and ``sig``: the newest frames (oldest first). Returns a confirmed maximum.

        ``lift`` (toe-off): the toe's height signal; when given, the time is refined to
        where the toe leaves the belt (the end of its flat stretch), searched up to five
        frames before the extremum: the foot keeps travelling back for a moment after it
        has lifted, so the most backward point is late.

        The refractory period is not started here: the caller calls :meth:`accept` once the
        event is kept. An event that is found and then discarded (a duplicate, a foot out of
        frame) must not hide the true event that follows it.
        """
        n = sig.shape[0]
        c = n - 1 - self.delay
        if c < self.back + 1 + self.median_half:
            return None
        return self.check_at(t, sig, c, prominence, linear_after, lift)

    def check_at(
        self,
        t: F64,
        sig: F64,
        c: int,
        prominence: float,
        linear_after: bool,
        lift: F64 | None = None,
        *,
        stream_start: bool = False,
    ) -> Extremum | None:
        """Is sample ``c`` of ``sig`` a maximum (see :meth:`check`)?

        ``stream_start``: ``sig[0]`` is the first frame of the stream (offline warm-up), so a
        maximum near the start has fewer than ``back`` frames before it: it must then be the
        largest of all frames before it, and its prominence may be measured against the
        lowest value within ``span`` frames after it (the foot carried back by the belt).
        """
        n = sig.shape[0]
        h = self.median_half
        if c < 1 + h or c > n - 1 - self.delay:
            return None
        if not stream_start and c < self.back + 1 + h:
            return None
        # cheap rejections first: too soon after the last event, or not prominent
        if t[c] - self.last_t < self.refractory_s:
            return None
        before = sig[max(0, c - self.span) : c]
        if stream_start:
            before = np.concatenate([before, sig[c + 1 : min(n, c + 1 + self.span)]])
        if before.shape[0] == 0 or not np.isfinite(before).any():
            return None
        low = float(np.nanmin(before))
        if not float(sig[c]) - low >= 0.5 * prominence:
            return None
        # candidates on a short running median: single-frame glitches (a far foot the
        # model flicks onto the near one) are not events; the fit below uses raw samples
        lo_m = max(0, c - self.back - h)
        hi_m = n if not stream_start else min(n, c + self.delay + 1 + h)
        med = running_median(sig[lo_m:hi_m], h)
        v = med[c - lo_m]
        if not math.isfinite(v):
            return None
        if v < np.nanmax(med[: (c - lo_m) + self.delay + 1]):
            return None
        if v - low < prominence:
            return None
        dt = 1.0 / self.rate
        if lift is None:
            reach = self.search_frames
            search = (-reach, reach)
            lo = max(0, c - self.fit_before - math.ceil(reach))
            hi = min(n, c + self.fit_after + math.ceil(reach))
            tau = refine_break(
                t[lo:hi], sig[lo:hi], float(t[c]), dt, linear_after=linear_after, search=search
            )
        else:
            search = (-5.0, 1.0)
            lo = max(0, c - self.fit_before - 5)
            hi = min(n, c + self.fit_after + 2)
            tau = refine_break(
                t[lo:hi], lift[lo:hi], float(t[c]), dt, linear_after=False, search=search
            )
        frame = c + (tau - float(t[c])) / dt
        return Extremum(t=tau, frame=frame, back=n - 1 - c)

    def accept(self, ext: Extremum) -> None:
        """The event ``ext`` was kept: start the refractory period from it."""
        self.last_t = ext.t
