"""Coaching cues from per-stride metrics: one focus at a time, as a coach would.

Coaching practice (the seeds behind ``PRODUCT.md``): work on one or two things at a time,
keep the cue short and physical, and there is no perfect form. So:

- **Evidence, not outliers.** Each rule (``AlertsConfig``) watches one metric. It *wants*
  to be raised when at least ``n_of`` of the last ``last_m`` confident strides are past
  ``threshold`` *and* the median of those strides is too: a few odd steps (a missed
  contact, a glitch of the pose model) never raise a cue. A stride counts only when the
  metric's confidence is at least the rule's ``min_confidence`` (the floor).
- **One focus.** At most ``max_active`` cues are shown (default 1). Once a rule wants to
  be raised, the choice waits ``decide_s`` (other faults gather their evidence too); then
  among the rules that want to be raised the lowest ``priority`` number wins, then the
  strongest evidence.
- **Dwell.** A cue stays the focus for at least ``min_dwell_s`` before another may take
  its place, even a more important one; after that a waiting cue replaces it (the
  replaced one is cleared with ``value=None`` and rests for its ``cooldown_s``).
- **Praise.** When the fault is gone (``n_of`` of the last ``last_m`` strides back past
  ``clear``: hysteresis), the cue is cleared with ``feedback`` set to the rule's
  ``praise``, and rests for ``cooldown_s``.
- An active cue whose metric cannot be measured for ``last_m`` strides in a row (the view
  changed, the limb left the frame, confidence fell below the floor) is cleared with
  ``value=None``: a cue is never left on screen about something no longer seen.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field

from edge.gait.config import AlertRule, AlertsConfig
from edge.gait.records import AlertRecord, StrideRecord


@dataclass
class _RuleState:
    rule: AlertRule
    values: deque[float] = field(default_factory=deque)
    active: bool = False
    since: float = float("-inf")  # when it became the focus
    quiet_until: float = float("-inf")
    unmeasured: int = 0  # consecutive strides without a confident value

    def past(self, limit: float, beyond: bool) -> list[bool]:
        above = self.rule.direction == "above"
        if beyond:
            return [v > limit if above else v < limit for v in self.values]
        return [v < limit if above else v > limit for v in self.values]

    def wants(self) -> bool:
        r = self.rule
        if len(self.values) < r.n_of:
            return False
        med = statistics.median(self.values)
        med_past = med > r.threshold if r.direction == "above" else med < r.threshold
        return sum(self.past(r.threshold, True)) >= r.n_of and med_past

    def fixed(self) -> bool:
        return sum(self.past(self.rule.clear, False)) >= self.rule.n_of

    def evidence(self) -> float:
        """How far the median is past the threshold, in units of threshold − clear."""
        r = self.rule
        span = abs(r.threshold - r.clear) or 1.0
        med = statistics.median(self.values)
        return (med - r.threshold if r.direction == "above" else r.threshold - med) / span


class AlertEngine:
    def __init__(self, config: AlertsConfig):
        self.config = config
        self._states = {
            name: _RuleState(r, deque(maxlen=r.last_m)) for name, r in config.rules().items()
        }
        self._deciding_since: float | None = None  # when a cue first could be raised

    def reset(self) -> None:
        for st in self._states.values():
            st.values.clear()
            st.active = False
            st.since = float("-inf")
            st.quiet_until = float("-inf")
            st.unmeasured = 0
        self._deciding_since = None

    @property
    def active(self) -> list[str]:
        return [n for n, st in self._states.items() if st.active]

    def on_stride(self, stride: StrideRecord) -> list[AlertRecord]:
        if not self.config.enabled:
            return []
        out: list[AlertRecord] = []
        t = stride.t_s
        wanting: list[tuple[int, float, str]] = []
        for name, st in self._states.items():
            r = st.rule
            if not r.enabled:
                continue
            mv = stride.metrics.get(r.metric or name)
            if mv is None or mv.value is None or mv.confidence < r.min_confidence:
                st.unmeasured += 1
                if st.active and st.unmeasured >= r.last_m:
                    self._clear(st)
                    st.values.clear()
                    out.append(self._record("cleared", name, st, None, stride))
                continue
            st.unmeasured = 0
            st.values.append(mv.value)
            if st.active and st.fixed():
                self._clear(st)
                st.quiet_until = t + r.cooldown_s
                st.values.clear()
                out.append(self._record("cleared", name, st, mv.value, stride, r.praise))
        for name, st in self._states.items():
            if st.rule.enabled and not st.active and t >= st.quiet_until and st.wants():
                wanting.append((st.rule.priority, -st.evidence(), name))
        if not wanting:
            self._deciding_since = None
            return out
        # a short look before choosing: metrics gather evidence at different speeds (the
        # cadence behind the overstride signs needs a few contacts); the most important of
        # the faults present is chosen, not the first one to be sure of itself
        since = self._deciding_since if self._deciding_since is not None else t
        self._deciding_since = since
        if t - since < self.config.decide_s:
            return out
        self._deciding_since = None
        for _, _, name in sorted(wanting):
            st = self._states[name]
            if len(self.active) >= self.config.max_active:
                # a waiting cue takes the place of one that has had its dwell (the least
                # important of those): the runner moves on to the next thing to work on
                ready = [
                    n for n in self.active if t - self._states[n].since >= self.config.min_dwell_s
                ]
                if not ready:
                    continue
                worst = max(ready, key=lambda n: self._states[n].rule.priority)
                wst = self._states[worst]
                self._clear(wst)
                wst.quiet_until = t + wst.rule.cooldown_s
                out.append(self._record("cleared", worst, wst, None, stride))
            st.active = True
            st.since = t
            out.append(self._record("raised", name, st, statistics.median(st.values), stride))
        return out

    @staticmethod
    def _clear(st: _RuleState) -> None:
        st.active = False
        st.since = float("-inf")

    @staticmethod
    def _record(
        state: str,
        name: str,
        st: _RuleState,
        value: float | None,
        stride: StrideRecord,
        feedback: str | None = None,
    ) -> AlertRecord:
        return AlertRecord(
            state="raised" if state == "raised" else "cleared",
            rule=name,
            cue=st.rule.cue,
            value=value,
            stride_index=stride.index,
            t_s=stride.t_s,
            priority=st.rule.priority,
            feedback=feedback or None,
        )
