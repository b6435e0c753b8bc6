"""Live gait analysis, frame by frame: ring buffer → legs by continuity → events → metrics
→ alerts. Offline analysis (:mod:`edge.gait.report`) pushes every frame through the same
object.

Delay: a contact or toe-off is reported ``delay_s`` (``GaitConfig.event_delay_s`` rounded
to whole frames of the capture rate) after it happened; a step's metrics (a
:class:`StrideRecord`) are reported once both the *next* contact and this foot's toe-off
are reported (at most one more step later when the toe-off is not found), i.e. one step
plus ``delay_s`` after the step's own contact; alerts come with that stride record.

Time: ``t_s`` passed to :meth:`GaitAnalyzer.push` is playback time; with ``capture_fps``
set (slow-motion footage) every time is converted to capture time, which is what all
records carry.

Threading: one thread (the one consuming pose results) calls :meth:`push`, :meth:`reset`
and reads :attr:`ring` views. Other threads may call :meth:`current` (it returns a fresh
dict built under a lock).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from edge.errors import FrameError
from edge.gait.alerts import AlertEngine
from edge.gait.cadence_choice import CadenceChoice, choose_cadence
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.events import Extremum, ExtremumDetector
from edge.gait.metrics import (
    FOOT_METRICS,
    FRONTAL,
    METRICS,
    N_SIGNALS,
    S_FOOT_VIS,
    S_HEEL_X,
    S_HEEL_Y,
    S_HIP_X,
    S_HIP_Y,
    S_LEG,
    S_TOE_X,
    S_TOE_Y,
    SIDE,
    StepContext,
    ViewGuess,
    cadence_from_contacts,
    detect_view,
    frame_signals,
    periodicity_cadence,
    step_metrics,
    summarize,
)
from edge.gait.records import AnalysisUpdate, Foot, GaitEvent, MetricValue, StrideRecord, View
from edge.gait.ring import RingBuffer, Window
from edge.gait.tracking import ARM_KEYS, ARM_PAIRS, LEG_KEYS, LEG_PAIRS, PairTracker
from edge.landmarks import NUM_LANDMARKS, Landmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

_GAP_RESET_S = 1.0  # nobody in view this long: legs and events start afresh
_VIEW_EVERY_S = 2.0
_SPAN_S = 0.6  # look-back for a contact's prominence
_STRIDE_CADENCE_CONTACTS = 7
_MAX_STEP_S = 1.5  # contacts further apart than this do not make a step
_BACK_S = 0.35  # an event is the extremum of at least this much signal before it
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
_OUTLIER_STEP = 1.5  # a step this many times the usual one has a contact missed in it
_LOOK_BACK_STEPS = 0.7  # ... but of less than a step once the step time is known


#: Frames near a local maximum pass a cheap test before the full check (leg lengths).
_PRECHECK_TOL = 0.015


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


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact or toe-off on leg ``track`` (0/1, by continuity; see ``track_is_left``)."""

    t: float
    frame: float
    track: int
    confidence: float


class GaitAnalyzer:
    def __init__(
        self,
        gait: GaitConfig,
        alerts: AlertsConfig,
        fps: float,
        capture_fps: float | None = None,
        *,
        aspect: float = 1.0,
        view: View | None = None,
        keep_strides: int = 256,
        backfill: bool = False,
    ):
        """``aspect``: frame width / height (normalized x is scaled by it before any
        distance or angle). ``view`` overrides ``gait.view`` (e.g. detected offline over a
        whole clip). ``keep_strides``: how many stride records :attr:`strides` keeps.
        ``backfill`` (offline analysis of a file): once detection can start, the frames
        before it are examined too, so contacts are reported from the first frame."""
        if not (fps > 0 and math.isfinite(fps)):
            raise FrameError(f"frame rate must be positive, got {fps}")
        if capture_fps is not None and not (capture_fps > 0 and math.isfinite(capture_fps)):
            raise FrameError(f"capture fps must be positive, got {capture_fps}")
        self.gait = gait
        self.alerts_config = alerts
        self.fps = float(fps)
        self.capture_fps = capture_fps
        self.rate = float(capture_fps) if capture_fps else self.fps  # frames per capture-second
        self.time_scale = self.fps / self.rate  # playback seconds → capture seconds
        self.aspect = float(aspect)
        self.delay_frames = max(2, round(gait.event_delay_s * self.rate))
        self.delay_s = self.delay_frames / self.rate
        fixed = view if view is not None else (None if gait.view == "auto" else gait.view)
        self._fixed_view: View | None = fixed
        self.ring = RingBuffer(gait.window_s, self.rate, N_SIGNALS)
        self._buf = np.zeros((NUM_LANDMARKS, 4), dtype=np.float32)
        self._sig = np.zeros(N_SIGNALS, dtype=np.float32)
        self._legs = PairTracker(LEG_PAIRS, LEG_KEYS)
        self._arms = PairTracker(ARM_PAIRS, ARM_KEYS)
        back = max(2, round(_BACK_S * self.rate))
        self._base_back = back
        span = round(_SPAN_S * self.rate)
        stride_gap = 2.0 * gait.min_step_s
        self._contact_det = [
            ExtremumDetector(self.rate, self.delay_frames, back, span, stride_gap) for _ in range(2)
        ]
        self._toe_det = [
            ExtremumDetector(self.rate, self.delay_frames, back, span, stride_gap) for _ in range(2)
        ]
        self._keep = keep_strides
        self._backfill_enabled = backfill
        self._hip_smooth = max(3, 2 * round(0.06 * self.rate) + 1)
        self._lock = threading.Lock()
        self.reset()

    # --- session ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: a new runner / session."""
        self.ring.clear()
        self._legs.reset()
        self._arms.reset()
        for d in (*self._contact_det, *self._toe_det):
            d.reset()
            d.back = self._base_back
        fixed = self._fixed_view
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
        self._last_person_t = -math.inf
        keep_events = max(64, 2 * self._keep)
        self._contacts: deque[Contact] = deque(maxlen=keep_events)
        self._toe_offs: deque[Contact] = deque(maxlen=keep_events)
        self.events: deque[GaitEvent] = deque(maxlen=4096)
        self.strides: deque[StrideRecord] = deque(maxlen=self._keep)
        self._stride_index = 0
        self._gaze_t0: float | None = None
        self._gaze_raw: list[float] = []
        self._pending: deque[tuple[Contact, Contact]] = deque()
        self.duplicates_dropped = 0
        self._near_track = 0
        self.alerts = AlertEngine(self.alerts_config)
        self.frames = 0
        self.frames_with_person = 0
        self._backfill_pending = self._backfill_enabled

    @property
    def contacts(self) -> list[Contact]:
        """Initial contacts kept so far (track = leg by continuity), oldest first."""
        return list(self._contacts)

    @property
    def toe_offs(self) -> list[Contact]:
        return list(self._toe_offs)

    @property
    def facing(self) -> int:
        return self.view.facing if self.view is not None else 1

    def track_is_left(self, track: int) -> bool:
        return self._legs.track0_is_left == (track == 0)

    # --- per frame -------------------------------------------------------------------------

    def push(self, frame_index: int, t_s: float, xyzv: F32) -> AnalysisUpdate:
        """Add one frame's landmarks ((33, 4), NaN when nobody) and return what it produced."""
        if xyzv.ndim != 2 or xyzv.shape[0] != NUM_LANDMARKS or xyzv.shape[1] < 4:
            raise FrameError(f"landmarks must be (33, 4), got {xyzv.shape}")
        t = float(t_s) * self.time_scale
        if not math.isfinite(t) or (len(self.ring) and t <= self.ring.latest_t):
            raise FrameError(f"timestamps must increase: got {t_s} s after a later frame")
        upd = AnalysisUpdate()
        buf = self._buf
        buf[:] = xyzv[:, :4]
        buf[:, 0] *= self.aspect
        buf[:, 2] *= self.aspect
        self.frames += 1
        person = bool(
            np.isfinite(buf[Landmark.LEFT_HIP, 0]) and np.isfinite(buf[Landmark.RIGHT_HIP, 0])
        )
        if person:
            if t - self._last_person_t > _GAP_RESET_S:
                self._legs.reset()
                self._arms.reset()
            self._last_person_t = t
            self.frames_with_person += 1
            self._legs.update(buf, self.leg_length)
            self._arms.update(buf, self.leg_length)
            frame_signals(buf, self._sig)
        else:
            self._sig[:] = np.nan
        self.ring.push(t, frame_index, buf, self._sig)
        if t - self._scale_t > 0.5:
            self._update_scales(t)
        every = _VIEW_EVERY_S if self.view is not None else 0.25
        if self._fixed_view is None and t - self._view_checked_t > every:
            self._update_view(t)
        elif (
            self._fixed_view in SIDE
            and len(self.ring) > self.rate
            and (not self._facing_checked or t - self._view_checked_t > _VIEW_EVERY_S)
        ):
            self._check_facing(t)
        if self.view is not None and math.isfinite(self.leg_length):
            self._detect(upd)
        return upd

    def _update_scales(self, t: float) -> None:
        self._scale_t = t
        w = self.ring.last()
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
        self._near_track = 0 if m[0] >= m[1] else 1

    def _update_view(self, t: float) -> None:
        self._view_checked_t = t
        w = self.ring.since(t - 3.0)
        if len(w) < max(5, round(0.5 * self.rate)):
            return
        guess = detect_view(w.xyzv)
        if guess is not None:
            self.view = guess

    def _check_facing(self, t: float) -> None:
        """A configured side view still takes the runner's facing from the landmarks (once)
        and how far the camera is turned from the side (every few seconds)."""
        self._view_checked_t = t
        guess = detect_view(self.ring.since(t - 3.0).xyzv)
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

    def _detect(self, upd: AnalysisUpdate) -> None:
        assert self.view is not None
        det0 = self._contact_det[0]
        k = det0.span + det0.delay + det0.back + 1
        if self._backfill_pending and len(self.ring) >= k:
            # offline: the frames before the ring first filled are examined once, with the
            # frames after them, so a file's contacts are reported from its first frame
            self._backfill_pending = False
            self._backfill(upd, k)
        w = self.ring.last(k)
        if len(w) < k:
            return
        side = self.view.view in SIDE
        s = float(self.facing)
        prom = self._prominence()
        tol = _PRECHECK_TOL * self.leg_length
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
                    self._take_contact(w, sig, ext, track, upd)
            toe_near = [v + j for v, j in zip(near[:, S_TOE_X[track]].tolist(), jit, strict=True)]
            if side and _maybe_peak(toe_near, -s, tol):
                hip_jitter = hip_jitter if hip_jitter is not None else self._hip_jitter(sig)
                toe, lift = self._toe_signals(sig, track, hip_jitter)
                ext = self._toe_det[track].check(w.t, toe, prom, linear_after=False, lift=lift)
                if ext is not None:
                    self._take_toe_off(w, sig, ext, track, upd)

    def _prominence(self) -> float:
        assert self.view is not None
        side = self.view.view in SIDE
        return self.gait.contact_prominence * self.leg_length * (1.0 if side else 0.25)

    def _heel_signal(self, sig: F32, track: int, hip_jitter: F64) -> F64:
        """Heel forward of the hips (side; the hips' own jitter removed) or nearness (frontal)."""
        assert self.view is not None
        if self.view.view in SIDE:
            # the hips barely move on a treadmill: measuring the feet against a smoothed
            # hip position keeps the hips' own jitter out of event times
            out: F64 = (sig[:, S_HEEL_X[track]] + hip_jitter) * float(self.facing)
            return out
        # nearer the camera = lower in the image
        return sig[:, S_HEEL_Y[track]].astype(np.float64)

    def _toe_signals(self, sig: F32, track: int, hip_jitter: F64) -> tuple[F64, F64]:
        toe: F64 = -float(self.facing) * (sig[:, S_TOE_X[track]] + hip_jitter)
        lift = (sig[:, S_TOE_Y[track]] + sig[:, S_HIP_Y]).astype(np.float64)
        return toe, lift

    def _take_contact(
        self, w: Window, sig: F32, ext: Extremum, track: int, upd: AnalysisUpdate
    ) -> None:
        if not self._foot_usable(sig[-1 - ext.back], track):
            return
        if self._on_contact(w.t, w.frame, sig, back=ext.back, tc=ext.t, track=track, upd=upd):
            self._contact_det[track].accept(ext)

    def _take_toe_off(
        self, w: Window, sig: F32, ext: Extremum, track: int, upd: AnalysisUpdate
    ) -> None:
        if not self._foot_usable(sig[-1 - ext.back], track):
            return
        self._toe_det[track].accept(ext)
        conf = self._event_conf(sig, ext.back, track)
        fr = self._frame_at(w.t, w.frame, ext.t)
        self._toe_offs.append(Contact(ext.t, fr, track, conf))
        ev = GaitEvent("toe_off", self._foot(track), round(fr), ext.t, conf)
        self.events.append(ev)
        upd.events.append(ev)
        self._flush(upd)

    def _backfill(self, upd: AnalysisUpdate, k: int) -> None:
        """Events in the frames before live detection could start (offline warm-up).

        Live detection examines a frame once ``k`` frames are in the ring and the view and
        leg length are known, which takes about a second: in a file, the contacts of that
        first second would be lost. Here each earlier frame is examined as the live
        detector would, but a maximum may use the frames after it (they are there) for its
        prominence and needs only two frames before it. Events are taken in time order.
        """
        assert self.view is not None
        w = self.ring.last()
        n = len(w)
        det0 = self._contact_det[0]
        first_live = max(det0.back + 1 + det0.median_half, k - 1 - det0.delay)
        stop = min(first_live, n - 1 - det0.delay)
        if stop <= 0:
            return
        sig = w.signals
        hip_jitter = self._hip_jitter(sig)
        prom = self._prominence()
        side = self.view.view in SIDE
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
        window = self._dup_window()
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
            if kind == 0:
                self._take_contact(w, sig, ext, track, upd)
            else:
                self._take_toe_off(w, sig, ext, track, upd)

    def _hip_jitter(self, sig: F32) -> F64:
        hip_x = sig[:, S_HIP_X].astype(np.float64)
        out: F64 = hip_x - _smooth(hip_x, self._hip_smooth)
        return out

    def _foot_usable(self, row: F32, track: int) -> bool:
        """A foot outside the frame or barely visible gives no events (never invented)."""
        y = float(row[S_HEEL_Y[track]] + row[S_HIP_Y])
        x = float(row[S_HEEL_X[track]] + row[S_HIP_X])
        vis = float(row[S_FOOT_VIS[track]])
        return y <= 1.0 and 0.0 <= x <= self.aspect and vis >= self.gait.min_visibility

    def _event_conf(self, sig: F32, back: int, track: int) -> float:
        v = float(sig[-1 - back, S_FOOT_VIS[track]])
        conf = v if math.isfinite(v) else 0.0
        assert self.view is not None
        if self.view.view in FRONTAL:
            conf *= 0.5  # frontal contacts are approximate
        elif track != self._near_track:
            conf *= 0.8  # the far leg is often occluded
        return max(0.0, min(1.0, conf))

    @staticmethod
    def _frame_at(t: F64, frames: npt.NDArray[np.int64], tc: float) -> float:
        return float(np.interp(tc, t, frames.astype(np.float64)))

    def _foot(self, track: int) -> Foot:
        return "left" if self.track_is_left(track) else "right"

    def _on_contact(
        self,
        t: F64,
        frames: npt.NDArray[np.int64],
        sig: F32,
        *,
        back: int,
        tc: float,
        track: int,
        upd: AnalysisUpdate,
    ) -> bool:
        """Keep a contact (True) unless it duplicates the other leg's last one (False)."""
        prev = self._contacts[-1] if self._contacts else None
        if prev is not None and prev.track != track and tc - prev.t < self._dup_window():
            # both legs "landing" at once: the model has put the hidden far leg onto the
            # near one; the first contact keeps the left/right alternation
            self.duplicates_dropped += 1
            return False
        conf = self._event_conf(sig, back, track)
        fr = self._frame_at(t, frames, tc)
        c = Contact(tc, fr, track, conf)
        ev = GaitEvent("contact", self._foot(track), round(fr), tc, conf)
        self.events.append(ev)
        upd.events.append(ev)
        self._contacts.append(c)
        if prev is not None and self.gait.min_step_s <= tc - prev.t <= _MAX_STEP_S:
            self._pending.append((prev, c))
        self._fit_look_back()
        self._flush(upd)
        return True

    def _fit_look_back(self) -> None:
        """Keep the detectors' look-back shorter than a step.

        A contact must be the foot's most forward point over the look-back before it. When
        that reaches back a whole step, it covers the other foot's landing, where the model
        often draws the hidden far leg onto the landing one for a few frames: those frames
        are as far forward as a real landing and would veto the far foot's own contact one
        step later (a left contact followed by a left contact). 0.7 of the recent step
        time covers the swing's approach and stops short of the other foot's landing.
        """
        if len(self._contacts) < 3:
            return
        recent = [c.t for c in list(self._contacts)[-6:]]
        step = float(np.median(np.diff(recent)))
        back = max(2, min(self._base_back, round(_LOOK_BACK_STEPS * step * self.rate)))
        for d in (*self._contact_det, *self._toe_det):
            d.back = back
            d.span = max(back, d.span)

    def _dup_window(self) -> float:
        if len(self._contacts) >= 3:
            recent = [c.t for c in list(self._contacts)[-6:]]
            step = float(np.median(np.diff(recent)))
            return max(0.5 * self.gait.min_step_s, 0.5 * step)
        return self.gait.min_step_s

    def _find_toe_off(self, a: Contact, b: Contact) -> float | None:
        """Toe-off of ``a``'s foot after ``a`` (before that foot could land again)."""
        toe = None
        limit = b.t + 0.5 * (b.t - a.t)
        for to in reversed(self._toe_offs):
            if to.t <= a.t:
                break
            if to.track == a.track and to.t < limit:
                toe = to.t
        return toe

    def _flush(self, upd: AnalysisUpdate) -> None:
        """Emit steps whose toe-off is known, or that a later contact has closed for good."""
        newest = self._contacts[-1].t if self._contacts else -math.inf
        while self._pending:
            a, b = self._pending[0]
            toe = self._find_toe_off(a, b)
            if toe is None and newest <= b.t:
                break
            self._pending.popleft()
            stride = self._make_stride(a, b, toe)
            self.strides.append(stride)
            upd.strides.append(stride)
            upd.alerts.extend(self.alerts.on_stride(stride))

    def _rolling_cadence(self, max_contacts: int | None = None) -> MetricValue:
        """Cadence over the ring window, or over the last ``max_contacts`` contacts."""
        t_min = self._contacts[-1].t - self.gait.window_s
        recent: list[Contact] = []
        for c in reversed(self._contacts):
            if c.t < t_min or (max_contacts is not None and len(recent) >= max_contacts):
                break
            recent.append(c)
        recent.reverse()
        got = cadence_from_contacts([c.t for c in recent], [c.track for c in recent])
        if got is None:
            return MetricValue(None, "steps/min", 0.0, "fewer than three contacts")
        spm, steps = got
        conf = min(1.0, steps / 8.0) * float(np.mean([c.confidence for c in recent]))
        return MetricValue(spm, "steps/min", conf)

    def _make_stride(self, prev: Contact, nxt: Contact, toe: float | None) -> StrideRecord:
        assert self.view is not None
        # a stride's cadence: the last few steps, so a change shows within a few strides
        cad = self._rolling_cadence(_STRIDE_CADENCE_CONTACTS)
        stride_s = 120.0 / cad.value if cad.value else None
        w = self.ring.since(prev.t - 2.0 / self.rate)
        ctx = StepContext(
            view=self.view.view,
            facing=self.facing,
            leg_length=self.leg_length,
            torso_length=self.torso_length if math.isfinite(self.torso_length) else 1.0,
            capture_rate=self.rate,
            track_is_left=(self.track_is_left(0), self.track_is_left(1)),
            near_track=self._near_track,
            cadence_spm=cad,
            view_fit=(1.0 if self._fixed_view is not None else 0.5 + 0.5 * self.view.confidence)
            * (self.view.side_fit if self.view.view_class == "oblique-side" else 1.0),
            foreshortening=math.cos(math.radians(self.view.yaw_deg))
            if self.view.view_class == "oblique-side"
            else 1.0,
        )
        metrics = step_metrics(
            w.t,
            w.xyzv,
            t_contact=prev.t,
            t_next=nxt.t,
            track=prev.track,
            event_conf=prev.confidence,
            toe_off_t=toe,
            stride_s=stride_s,
            ctx=ctx,
            cfg=self.gait,
        )
        metrics = self._level_gaze(metrics, prev.t)
        if self.feet_edge_frac > FEET_CUT:
            why = (
                f"feet at or past the frame's bottom edge in {100 * self.feet_edge_frac:.0f} % "
                "of frames: move the camera back or lower"
            )
            metrics = {
                k: MetricValue(None, v.unit, 0.0, why) if k in FOOT_METRICS else v
                for k, v in metrics.items()
            }
        step_s = nxt.t - prev.t
        typical = self._typical_step()
        if typical is not None and step_s > _OUTLIER_STEP * typical:
            # a contact was missed in between: this "step" is two; nothing it measured
            # may raise a cue (confidence 0), the values stay visible with the reason
            why = (
                f"step of {1000 * step_s:.0f} ms, {step_s / typical:.1f}x the usual: "
                "a contact missed?"
            )
            metrics = {
                k: v if k == "cadence_spm" else replace(v, confidence=0.0, reason=why)
                for k, v in metrics.items()
            }
        rec = StrideRecord(
            index=self._stride_index,
            foot=self._foot(prev.track),
            frame_index=round(prev.frame),
            t_s=prev.t,
            metrics=metrics,
        )
        self._stride_index += 1
        return rec

    def _typical_step(self) -> float | None:
        """Median step time of the recent contacts that alternate feet."""
        cs = list(self._contacts)[-9:]
        alt = [b.t - a.t for a, b in pairwise(cs) if a.track != b.track]
        return float(np.median(alt)) if len(alt) >= 3 else None

    def _level_gaze(self, metrics: dict[str, MetricValue], t: float) -> dict[str, MetricValue]:
        """Head pitch against the runner's own level gaze (``GaitConfig.head_baseline_s``).

        The ear→nose line points below horizontal even with the gaze level (the nose tip
        sits below the ear), by an amount that depends on the person and on where the model
        puts the ear. The median over the runner's first seconds is their level; it is kept
        within ``head_pitch_neutral_deg ± head_baseline_tolerance_deg`` so a runner who
        looks down from the start is still seen looking down.
        """
        raw = metrics.get("head_ear_nose_deg")
        pitch = metrics.get("head_pitch_deg")
        if raw is None or pitch is None or raw.value is None or self.gait.head_baseline_s <= 0:
            return metrics
        if self._gaze_t0 is None:
            self._gaze_t0 = t
        if t - self._gaze_t0 <= self.gait.head_baseline_s and raw.confidence >= 0.3:
            self._gaze_raw.append(raw.value)
        neutral = self.gait.head_pitch_neutral_deg
        tol = self.gait.head_baseline_tolerance_deg
        base = float(np.median(self._gaze_raw)) if self._gaze_raw else neutral
        base = min(neutral + tol, max(neutral - tol, base))
        out = dict(metrics)
        out["head_pitch_deg"] = replace(pitch, value=raw.value - base)
        return out

    # --- reading ---------------------------------------------------------------------------

    def periodicity_cadence(self) -> float | None:
        w = self.ring.last()
        return periodicity_cadence(w.t.astype(np.float64), w.signals[:, S_HIP_Y].astype(np.float64))

    def current(self) -> dict[str, MetricValue]:
        """Latest values over the ring window: medians over its strides, with confidence."""
        with self._lock:
            t_end = self.ring.latest_t
            recent = [s for s in self.strides if s.t_s >= t_end - self.gait.window_s]
            out = {name: summarize(recent, name) for name in METRICS if name != "cadence_spm"}
            out["cadence_spm"] = self._cadence_summary()
            return out

    def _cadence_summary(self) -> MetricValue:
        """Cadence over the ring window, from contacts or the hips' bounce: the same choice
        as a clip's report (:func:`edge.gait.cadence_choice.choose_cadence`)."""
        t_min = (self._contacts[-1].t if self._contacts else 0.0) - self.gait.window_s
        recent = [c for c in self._contacts if c.t >= t_min]
        choice = self.cadence_choice(recent)
        return MetricValue(choice.spm, "steps/min", choice.confidence, choice.reason)

    def cadence_choice(self, contacts: list[Contact]) -> CadenceChoice:
        """The cadence rule applied to ``contacts`` and the ring window's hip bounce."""
        return choose_cadence(
            [c.t for c in contacts],
            [c.track for c in contacts],
            [c.confidence for c in contacts],
            self.periodicity_cadence(),
            frontal=self.view is not None and self.view.view in FRONTAL,
            feet_cut=self.feet_edge_frac > FEET_CUT,
            min_contacts=self.gait.min_contacts,
            agreement_spm=self.gait.cadence_agreement_spm,
        )
