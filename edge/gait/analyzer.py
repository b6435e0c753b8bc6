"""Live gait analysis, frame by frame: ring buffer → legs by continuity → view
(:mod:`edge.gait.view_track`) → contacts and toe-offs (:mod:`edge.gait.contact_detect`) →
steps, their metrics and alerts (:mod:`edge.gait.step_build`). Offline analysis
(:mod:`edge.gait.report`) pushes every frame through the same object.

Delay: a contact or toe-off is reported ``delay_s`` (``tuning.EVENT_DELAY_S`` rounded
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
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from edge.errors import FrameError
from edge.gait.alerts import AlertEngine
from edge.gait.bounce import periodicity_cadence as _periodicity_cadence
from edge.gait.cadence_choice import CadenceChoice, choose_cadence
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.contact_detect import FootEvent, FootEventDetector
from edge.gait.metrics import METRICS, N_SIGNALS, S_HIP_Y, frame_signals, summarize
from edge.gait.records import AnalysisUpdate, GaitEvent, MetricValue, StrideRecord, View
from edge.gait.ring import RingBuffer
from edge.gait.step_build import Contact, StepBuilder
from edge.gait.tracking import ARM_KEYS, ARM_PAIRS, LEG_KEYS, LEG_PAIRS, PairTracker
from edge.gait.tuning import CADENCE_AGREEMENT_SPM, EVENT_DELAY_S, MIN_CONTACTS
from edge.gait.view_track import FEET_CUT, ViewTracker
from edge.gait.views import ViewGuess
from edge.landmarks import NUM_LANDMARKS, Landmark

__all__ = ["FEET_CUT", "Contact", "GaitAnalyzer"]

F32 = npt.NDArray[np.float32]

_GAP_RESET_S = 1.0  # nobody in view this long: legs and events start afresh


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
        self.delay_frames = max(2, round(EVENT_DELAY_S * self.rate))
        self.delay_s = self.delay_frames / self.rate
        fixed = view if view is not None else (None if gait.view == "auto" else gait.view)
        self.ring = RingBuffer(gait.window_s, self.rate, N_SIGNALS)
        self._buf = np.zeros((NUM_LANDMARKS, 4), dtype=np.float32)
        self._sig = np.zeros(N_SIGNALS, dtype=np.float32)
        self._legs = PairTracker(LEG_PAIRS, LEG_KEYS)
        self._arms = PairTracker(ARM_PAIRS, ARM_KEYS)
        self._view = ViewTracker(self.rate, fixed)
        self._events = FootEventDetector(
            gait, self.rate, self.delay_frames, self.aspect, self._view, backfill=backfill
        )
        self.alerts = AlertEngine(alerts)
        self._steps = StepBuilder(
            gait, self.rate, self.ring, self._view, self.alerts, self.track_is_left, keep_strides
        )
        self._lock = threading.Lock()
        self.reset()

    # --- session ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: a new runner / session."""
        self.ring.clear()
        self._legs.reset()
        self._arms.reset()
        self._view.reset()
        self._events.reset()
        self.alerts.reset()
        self._steps.reset()
        self._last_person_t = -math.inf
        self.frames = 0
        self.frames_with_person = 0

    @property
    def view(self) -> ViewGuess | None:
        return self._view.view

    @property
    def leg_length(self) -> float:
        return self._view.leg_length

    @property
    def torso_length(self) -> float:
        return self._view.torso_length

    @property
    def feet_edge_frac(self) -> float:
        return self._view.feet_edge_frac

    @property
    def facing(self) -> int:
        return self._view.facing

    @property
    def contacts(self) -> list[Contact]:
        """Initial contacts kept so far (track = leg by continuity), oldest first."""
        return list(self._steps.contacts)

    @property
    def toe_offs(self) -> list[Contact]:
        return list(self._steps.toe_offs)

    @property
    def events(self) -> list[GaitEvent]:
        return list(self._steps.events)

    @property
    def strides(self) -> list[StrideRecord]:
        return list(self._steps.strides)

    @property
    def duplicates_dropped(self) -> int:
        return self._steps.duplicates_dropped

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
        self._view.update(self.ring, t)
        if self._view.ready:
            self._events.detect(self.ring, lambda ev: self._take(ev, upd), self._steps.dup_window())
        return upd

    def _take(self, ev: FootEvent, upd: AnalysisUpdate) -> bool:
        if ev.kind == "toe_off":
            return self._steps.on_toe_off(ev, upd)
        if not self._steps.on_contact(ev, upd):
            return False
        step = self._steps.recent_step()
        if step is not None:
            self._events.fit_look_back(step)
        return True

    # --- reading ---------------------------------------------------------------------------

    def periodicity_cadence(self) -> float | None:
        w = self.ring.last()
        return _periodicity_cadence(
            w.t.astype(np.float64), w.signals[:, S_HIP_Y].astype(np.float64)
        )

    def current(self) -> dict[str, MetricValue]:
        """Latest values over the ring window: medians over its strides, with confidence."""
        with self._lock:
            t_end = self.ring.latest_t
            recent = [s for s in self._steps.strides if s.t_s >= t_end - self.gait.window_s]
            out = {name: summarize(recent, name) for name in METRICS if name != "cadence_spm"}
            out["cadence_spm"] = self._cadence_summary(recent)
            return out

    def _cadence_summary(self, recent: list[StrideRecord]) -> MetricValue:
        """Cadence over the ring window's steps, from contacts or the hips' bounce: the same
        choice as a clip's report (:meth:`cadence_choice`)."""
        choice = self.cadence_choice(recent, self.periodicity_cadence())
        return MetricValue(choice.spm, "steps/min", choice.confidence, choice.reason)

    def cadence_choice(
        self, strides: Sequence[StrideRecord], bounce_spm: float | None
    ) -> CadenceChoice:
        """The cadence rule (:func:`edge.gait.cadence_choice.choose_cadence`) on the steps'
        contacts, the very series a stored session's cadence is computed from (its steps'
        times and feet), and the hips' bounce."""
        confs = [
            mv.confidence if (mv := s.metrics.get("step_time_ms")) is not None else 0.0
            for s in strides
        ]
        return choose_cadence(
            [s.t_s for s in strides],
            [s.foot for s in strides],
            confs,
            bounce_spm,
            frontal=self._view.frontal,
            feet_cut=self.feet_edge_frac > FEET_CUT,
            min_contacts=MIN_CONTACTS,
            agreement_spm=CADENCE_AGREEMENT_SPM,
        )
