"""Steps from kept contacts: each pair of consecutive contacts of different feet is a step;
once that foot's toe-off is known (or a later contact has closed the step for good) its
metrics are measured over the ring's frames and a :class:`StrideRecord` is emitted, with
the alerts it raises. The contacts and toe-offs kept, the events reported and the
runner's level-gaze baseline live here.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from edge.gait.alerts import AlertEngine
from edge.gait.cadence import cadence_from_contacts
from edge.gait.config import GaitConfig
from edge.gait.contact_detect import FootEvent
from edge.gait.metrics import FOOT_METRICS
from edge.gait.records import AnalysisUpdate, Foot, GaitEvent, MetricValue, StrideRecord
from edge.gait.ring import RingBuffer
from edge.gait.step_metrics import step_metrics
from edge.gait.step_values import StepContext
from edge.gait.tuning import (
    HEAD_BASELINE_S,
    HEAD_BASELINE_TOLERANCE_DEG,
    HEAD_PITCH_NEUTRAL_DEG,
    MIN_STEP_S,
)
from edge.gait.view_track import FEET_CUT, ViewTracker

_STRIDE_CADENCE_CONTACTS = 7
_MAX_STEP_S = 1.5  # contacts further apart than this do not make a step
_OUTLIER_STEP = 1.5  # a step this many times the usual one has a contact missed in it


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact or toe-off on leg ``track`` (0/1, by continuity; see ``track_is_left``)."""

    t: float
    frame: float
    track: int
    confidence: float


class StepBuilder:
    """Contacts and toe-offs kept, and the steps (strides) they make (one thread)."""

    def __init__(
        self,
        gait: GaitConfig,
        rate: float,
        ring: RingBuffer,
        view: ViewTracker,
        alerts: AlertEngine,
        track_is_left: Callable[[int], bool],
        keep_strides: int,
    ):
        self.gait = gait
        self.rate = rate
        self._ring = ring
        self._vt = view
        self.alerts = alerts
        self._track_is_left = track_is_left
        self._keep = keep_strides
        self.reset()

    def reset(self) -> None:
        keep_events = max(64, 2 * self._keep)
        self.contacts: deque[Contact] = deque(maxlen=keep_events)
        self.toe_offs: deque[Contact] = deque(maxlen=keep_events)
        self.events: deque[GaitEvent] = deque(maxlen=4096)
        self.strides: deque[StrideRecord] = deque(maxlen=self._keep)
        self._stride_index = 0
        self._gaze_t0: float | None = None
        self._gaze_raw: list[float] = []
        self._pending: deque[tuple[Contact, Contact]] = deque()
        self.duplicates_dropped = 0

    def _foot(self, track: int) -> Foot:
        return "left" if self._track_is_left(track) else "right"

    def on_contact(self, ev: FootEvent, upd: AnalysisUpdate) -> bool:
        """Keep a contact (True) unless it duplicates the other leg's last one (False)."""
        prev = self.contacts[-1] if self.contacts else None
        if prev is not None and prev.track != ev.track and ev.t - prev.t < self.dup_window():
            # both legs "landing" at once: the model has put the hidden far leg onto the
            # near one; the first contact keeps the left/right alternation
            self.duplicates_dropped += 1
            return False
        c = Contact(ev.t, ev.frame, ev.track, ev.confidence)
        event = GaitEvent("contact", self._foot(ev.track), round(ev.frame), ev.t, ev.confidence)
        self.events.append(event)
        upd.events.append(event)
        self.contacts.append(c)
        if prev is not None and MIN_STEP_S <= ev.t - prev.t <= _MAX_STEP_S:
            self._pending.append((prev, c))
        self.flush(upd)
        return True

    def on_toe_off(self, ev: FootEvent, upd: AnalysisUpdate) -> bool:
        self.toe_offs.append(Contact(ev.t, ev.frame, ev.track, ev.confidence))
        event = GaitEvent("toe_off", self._foot(ev.track), round(ev.frame), ev.t, ev.confidence)
        self.events.append(event)
        upd.events.append(event)
        self.flush(upd)
        return True

    def recent_step(self) -> float | None:
        """Median time between the last few contacts (None before three)."""
        if len(self.contacts) < 3:
            return None
        recent = [c.t for c in list(self.contacts)[-6:]]
        return float(np.median(np.diff(recent)))

    def dup_window(self) -> float:
        """Two legs' contacts closer than this are one landing drawn twice."""
        step = self.recent_step()
        if step is None:
            return MIN_STEP_S
        return max(0.5 * MIN_STEP_S, 0.5 * step)

    def _find_toe_off(self, a: Contact, b: Contact) -> float | None:
        """Toe-off of ``a``'s foot after ``a`` (before that foot could land again)."""
        toe = None
        limit = b.t + 0.5 * (b.t - a.t)
        for to in reversed(self.toe_offs):
            if to.t <= a.t:
                break
            if to.track == a.track and to.t < limit:
                toe = to.t
        return toe

    def flush(self, upd: AnalysisUpdate) -> None:
        """Emit steps whose toe-off is known, or that a later contact has closed for good."""
        newest = self.contacts[-1].t if self.contacts else -math.inf
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

    def rolling_cadence(self, max_contacts: int | None = None) -> MetricValue:
        """Cadence over the ring window, or over the last ``max_contacts`` contacts."""
        t_min = self.contacts[-1].t - self.gait.window_s
        recent: list[Contact] = []
        for c in reversed(self.contacts):
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
        vt = self._vt
        view = vt.view
        assert view is not None
        # a stride's cadence: the last few steps, so a change shows within a few strides
        cad = self.rolling_cadence(_STRIDE_CADENCE_CONTACTS)
        stride_s = 120.0 / cad.value if cad.value else None
        w = self._ring.since(prev.t - 2.0 / self.rate)
        ctx = StepContext(
            view=view.view,
            facing=vt.facing,
            leg_length=vt.leg_length,
            torso_length=vt.torso_length if math.isfinite(vt.torso_length) else 1.0,
            capture_rate=self.rate,
            track_is_left=(self._track_is_left(0), self._track_is_left(1)),
            near_track=vt.near_track,
            cadence_spm=cad,
            view_fit=(1.0 if vt.fixed is not None else 0.5 + 0.5 * view.confidence)
            * (view.side_fit if view.view_class == "oblique-side" else 1.0),
            foreshortening=math.cos(math.radians(view.yaw_deg))
            if view.view_class == "oblique-side"
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
        if vt.feet_edge_frac > FEET_CUT:
            why = (
                f"feet at or past the frame's bottom edge in {100 * vt.feet_edge_frac:.0f} % "
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
            foot="left" if self._track_is_left(prev.track) else "right",
            frame_index=round(prev.frame),
            t_s=prev.t,
            metrics=metrics,
        )
        self._stride_index += 1
        return rec

    def _typical_step(self) -> float | None:
        """Median step time of the recent contacts that alternate feet."""
        cs = list(self.contacts)[-9:]
        alt = [b.t - a.t for a, b in pairwise(cs) if a.track != b.track]
        return float(np.median(alt)) if len(alt) >= 3 else None

    def _level_gaze(self, metrics: dict[str, MetricValue], t: float) -> dict[str, MetricValue]:
        """Head pitch against the runner's own level gaze (``HEAD_BASELINE_S``).

        The ear→nose line points below horizontal even with the gaze level (the nose tip
        sits below the ear), by an amount that depends on the person and on where the model
        puts the ear. The median over the runner's first seconds is their level; it is kept
        within ``HEAD_PITCH_NEUTRAL_DEG ± HEAD_BASELINE_TOLERANCE_DEG`` so a runner who
        looks down from the start is still seen looking down.
        """
        raw = metrics.get("head_ear_nose_deg")
        pitch = metrics.get("head_pitch_deg")
        if raw is None or pitch is None or raw.value is None or HEAD_BASELINE_S <= 0:
            return metrics
        if self._gaze_t0 is None:
            self._gaze_t0 = t
        if t - self._gaze_t0 <= HEAD_BASELINE_S and raw.confidence >= 0.3:
            self._gaze_raw.append(raw.value)
        neutral = HEAD_PITCH_NEUTRAL_DEG
        tol = HEAD_BASELINE_TOLERANCE_DEG
        base = float(np.median(self._gaze_raw)) if self._gaze_raw else neutral
        base = min(neutral + tol, max(neutral - tol, base))
        out = dict(metrics)
        out["head_pitch_deg"] = replace(pitch, value=raw.value - base)
        return out
