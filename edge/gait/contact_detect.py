"""Foot contacts and toe-offs found in the ring's frames, as they are confirmed.

Each leg (tracked by continuity) has a detector for its contacts (the heel's most forward
point relative to the hips in a side view, its lowest point in a front or rear view) and
one for its toe-offs (the toes' most backward point, side views). Live, the frame
``delay`` frames before the newest is examined; a cheap test on a few frames lets the full
check (:class:`~edge.gait.events.ExtremumDetector`) run only near a maximum. Offline, the
frames before live detection could start are examined once (backfill). A foot outside the
frame or barely visible gives no events; each event found is handed to the caller, which
keeps it or not (a duplicate); a kept event starts its detector's refractory period.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge.gait.config import GaitConfig
from edge.gait.events import Extremum, ExtremumDetector
from edge.gait.metrics import (
    S_FOOT_VIS,
    S_HEEL_X,
    S_HEEL_Y,
    S_HIP_X,
    S_HIP_Y,
    S_TOE_X,
    S_TOE_Y,
)
from edge.gait.ring import RingBuffer, Window
from edge.gait.tuning import CONTACT_PROMINENCE, MIN_STEP_S, MIN_VISIBILITY
from edge.gait.view_track import ViewTracker

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

_SPAN_S = 0.6  # look-back for a contact's prominence
_BACK_S = 0.35  # an event is the extremum of at least this much signal before it
_LOOK_BACK_STEPS = 0.7  # ... but of less than a step once the step time is known
#: Frames near a local maximum pass a cheap test before the full check (leg lengths).
_PRECHECK_TOL = 0.015

EventKind = Literal["contact", "toe_off"]


@dataclass(frozen=True, slots=True)
class FootEvent:
    """A contact or toe-off found on leg ``track`` (0/1, by continuity)."""

    kind: EventKind
    track: int
    t: float  # capture time, sub-frame
    frame: float  # fractional frame index
    confidence: float


#: Keeps an event (True) or drops it (False: e.g. a duplicate of the other leg's contact).
Take = Callable[[FootEvent], bool]


def _maybe_peak(v: list[float], sign: float, tol: float) -> bool:
    """Could the middle of ``v`` (``2 h + 3`` samples) be a maximum of the running median of
    ``2 h + 1`` samples of ``sign * v`` (the detector's own median)?

    A loose, allocation-light filter so the full detector runs on few frames: on a slope the
    middle sample's median is well below one of its neighbours'. It must use the detector's
    median length: at a high frame rate the foot's top is flat for many frames, and a
    shorter median here would reject the frame the detector's median peaks on (a contact
    lost).
    """
    x = [sign * a for a in v]
    m = len(x) // 2
    if math.isnan(x[m]):
        return False
    if any(math.isnan(a) for a in x):  # a dropped frame nearby: let the full check decide
        return True
    k = len(x) - 2
    mid = sorted(x[1 : 1 + k])[k // 2]
    left = sorted(x[0:k])[k // 2]
    right = sorted(x[2 : 2 + k])[k // 2]
    return mid + tol >= left and mid + tol >= right


def _smooth(x: F64, k: int) -> F64:
    """Centred moving average of odd length ``k``; the ends use what is available."""
    if x.shape[0] < k or not np.isfinite(x).all():
        return x
    kernel = np.ones(k) / k
    out: F64 = np.convolve(x, kernel, mode="same")
    norm = np.convolve(np.ones_like(x), kernel, mode="same")
    return out / norm


class FootEventDetector:
    """Contacts and toe-offs of both legs, ``delay`` frames after they happen."""

    def __init__(
        self,
        gait: GaitConfig,
        rate: float,
        delay_frames: int,
        aspect: float,
        view: ViewTracker,
        *,
        backfill: bool,
    ):
        """``view``: the view and body scales events are detected with (kept current by
        its owner)."""
        self.gait = gait
        self.rate = rate
        self.aspect = aspect
        back = max(2, round(_BACK_S * rate))
        self._base_back = back
        span = round(_SPAN_S * rate)
        stride_gap = 2.0 * MIN_STEP_S
        self._contact_det = [
            ExtremumDetector(rate, delay_frames, back, span, stride_gap) for _ in range(2)
        ]
        self._toe_det = [
            ExtremumDetector(rate, delay_frames, back, span, stride_gap) for _ in range(2)
        ]
        self._backfill_enabled = backfill
        self._hip_smooth = max(3, 2 * round(0.06 * rate) + 1)
        self._vt = view
        self.reset()

    def reset(self) -> None:
        for d in (*self._contact_det, *self._toe_det):
            d.reset()
            d.back = self._base_back
        self._backfill_pending = self._backfill_enabled

    def fit_look_back(self, step_s: float) -> None:
        """Keep the detectors' look-back shorter than a step (``step_s``: the recent one).

        A contact must be the foot's most forward point over the look-back before it. When
        that reaches back a whole step, it covers the other foot's landing, where the model
        often draws the hidden far leg onto the landing one for a few frames: those frames
        are as far forward as a real landing and would veto the far foot's own contact one
        step later (a left contact followed by a left contact). 0.7 of the recent step
        time covers the swing's approach and stops short of the other foot's landing.
        """
        back = max(2, min(self._base_back, round(_LOOK_BACK_STEPS * step_s * self.rate)))
        for d in (*self._contact_det, *self._toe_det):
            d.back = back
            d.span = max(back, d.span)

    def detect(self, ring: RingBuffer, take: Take, dup_window: float) -> None:
        """Examine the frame ``delay`` frames before the newest (and, once, offline, the
        frames before live detection could start); hand each usable event to ``take``."""
        vt = self._vt
        det0 = self._contact_det[0]
        k = det0.span + det0.delay + det0.back + 1
        if self._backfill_pending and len(ring) >= k:
            # offline: the frames before the ring first filled are examined once, with the
            # frames after them, so a file's contacts are reported from its first frame
            self._backfill_pending = False
            self._backfill(ring, take, k, dup_window)
        w = ring.last(k)
        if len(w) < k:
            return
        side = vt.side
        s = float(vt.facing)
        prom = self._prominence()
        tol = _PRECHECK_TOL * vt.leg_length
        c = k - 1 - det0.delay  # the frame examined now
        sig = w.signals
        hip_jitter: F64 | None = None
        h = det0.median_half
        width = 2 * h + 3
        near = sig[c - h - 1 : c + h + 2]
        hips = near[:, S_HIP_X].tolist()
        hip_mean = sum(hips) / width
        # the hips' own jitter: their departure from a straight line through these frames
        # (not from their mean: a panning camera moves the hips steadily, and the feet must
        # be followed relative to the body, not to the image)
        mid = h + 1
        den = sum((i - mid) ** 2 for i in range(width))
        slope = sum((i - mid) * x for i, x in enumerate(hips)) / den
        jit = (
            [x - hip_mean - slope * (i - mid) for i, x in enumerate(hips)]
            if side and not math.isnan(hip_mean)
            else [0.0] * width
        )
        for track in (0, 1):
            heel_col = S_HEEL_X[track] if side else S_HEEL_Y[track]
            sign = s if side else 1.0
            heel_near = [v + j for v, j in zip(near[:, heel_col].tolist(), jit, strict=True)]
            if _maybe_peak(heel_near, sign, tol):
                hip_jitter = hip_jitter if hip_jitter is not None else self._hip_jitter(sig)
                heel = self._heel_signal(sig, track, hip_jitter)
                ext = self._contact_det[track].check(w.t, heel, prom, linear_after=True)
                if ext is not None:
                    self._take(w, ext, "contact", track, take)
            toe_near = [v + j for v, j in zip(near[:, S_TOE_X[track]].tolist(), jit, strict=True)]
            if side and _maybe_peak(toe_near, -s, tol):
                hip_jitter = hip_jitter if hip_jitter is not None else self._hip_jitter(sig)
                toe, lift = self._toe_signals(sig, track, hip_jitter)
                ext = self._toe_det[track].check(w.t, toe, prom, linear_after=False, lift=lift)
                if ext is not None:
                    self._take(w, ext, "toe_off", track, take)

    def _backfill(self, ring: RingBuffer, take: Take, k: int, dup_window: float) -> None:
        """Events in the frames before live detection could start (offline warm-up).

        Live detection examines a frame once ``k`` frames are in the ring and the view and
        leg length are known, which takes about a second: in a file, the contacts of that
        first second would be lost. Here each earlier frame is examined as the live
        detector would, but a maximum may use the frames after it (they are there) for its
        prominence and needs only two frames before it. Events are taken in time order.
        """
        w = ring.last()
        n = len(w)
        det0 = self._contact_det[0]
        first_live = max(det0.back + 1 + det0.median_half, k - 1 - det0.delay)
        stop = min(first_live, n - 1 - det0.delay)
        if stop <= 0:
            return
        sig = w.signals
        hip_jitter = self._hip_jitter(sig)
        prom = self._prominence()
        side = self._vt.side
        found: list[tuple[float, int, int, Extremum]] = []  # (t, kind 0=contact/1=toe, track)
        heels = [self._heel_signal(sig, track, hip_jitter) for track in (0, 1)]
        contacts: list[tuple[float, int, Extremum, float]] = []
        for track in (0, 1):
            heel = heels[track]
            toe, lift = self._toe_signals(sig, track, hip_jitter)
            for c in range(stop):
                ext = self._contact_det[track].check_at(w.t, heel, c, prom, True, stream_start=True)
                if ext is not None:
                    contacts.append((ext.t, track, ext, float(heel[c])))
                if side:
                    ext = self._toe_det[track].check_at(
                        w.t, toe, c, prom, False, lift, stream_start=True
                    )
                    if ext is not None:
                        found.append((ext.t, 1, track, ext))
        # two legs "landing" at once: the model has put one foot's landmarks onto the other
        # for a few frames; the foot that lands is the one further forward (nearer, frontal)
        window = dup_window
        for tc, track, ext, reach in contacts:
            rival = [
                r for r in contacts if r[1] != track and abs(r[0] - tc) < window and r[3] > reach
            ]
            if not rival:
                found.append((tc, 0, track, ext))
        for _, kind, track, ext in sorted(found, key=lambda f: (f[0], f[1], f[2])):
            det = (self._contact_det if kind == 0 else self._toe_det)[track]
            if ext.t - det.last_t < det.refractory_s:
                continue  # within the refractory of one taken just before
            self._take(w, ext, "contact" if kind == 0 else "toe_off", track, take)

    def _take(self, w: Window, ext: Extremum, kind: EventKind, track: int, take: Take) -> None:
        sig = w.signals
        if not self._foot_usable(sig[-1 - ext.back], track):
            return
        conf = self._event_conf(sig, ext.back, track)
        frame = float(np.interp(ext.t, w.t, w.frame.astype(np.float64)))
        if take(FootEvent(kind, track, ext.t, frame, conf)):
            (self._contact_det if kind == "contact" else self._toe_det)[track].accept(ext)

    def _prominence(self) -> float:
        vt = self._vt
        return CONTACT_PROMINENCE * vt.leg_length * (1.0 if vt.side else 0.25)

    def _heel_signal(self, sig: F32, track: int, hip_jitter: F64) -> F64:
        """Heel forward of the hips (side; the hips' own jitter removed) or nearness (frontal)."""
        if self._vt.side:
            # the hips barely move on a treadmill: measuring the feet against a smoothed
            # hip position keeps the hips' own jitter out of event times
            out: F64 = (sig[:, S_HEEL_X[track]] + hip_jitter) * float(self._vt.facing)
            return out
        # nearer the camera = lower in the image
        return sig[:, S_HEEL_Y[track]].astype(np.float64)

    def _toe_signals(self, sig: F32, track: int, hip_jitter: F64) -> tuple[F64, F64]:
        toe: F64 = -float(self._vt.facing) * (sig[:, S_TOE_X[track]] + hip_jitter)
        lift = (sig[:, S_TOE_Y[track]] + sig[:, S_HIP_Y]).astype(np.float64)
        return toe, lift

    def _hip_jitter(self, sig: F32) -> F64:
        hip_x = sig[:, S_HIP_X].astype(np.float64)
        out: F64 = hip_x - _smooth(hip_x, self._hip_smooth)
        return out

    def _foot_usable(self, row: F32, track: int) -> bool:
        """A foot outside the frame or barely visible gives no events (never invented)."""
        y = float(row[S_HEEL_Y[track]] + row[S_HIP_Y])
        x = float(row[S_HEEL_X[track]] + row[S_HIP_X])
        vis = float(row[S_FOOT_VIS[track]])
        return y <= 1.0 and 0.0 <= x <= self.aspect and vis >= MIN_VISIBILITY

    def _event_conf(self, sig: F32, back: int, track: int) -> float:
        v = float(sig[-1 - back, S_FOOT_VIS[track]])
        conf = v if math.isfinite(v) else 0.0
        if self._vt.frontal:
            conf *= 0.5  # frontal contacts are approximate
        elif track != self._vt.near_track:
            conf *= 0.8  # the far leg is often occluded
        return max(0.0, min(1.0, conf))
