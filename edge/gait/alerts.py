"""Coaching cues from per-stride metrics.

Each rule (``AlertsConfig``) watches one metric: it is raised when ``n_of`` of the last
``last_m`` confident strides are past ``threshold`` in its ``direction``, and cleared when
``n_of`` of the last ``last_m`` are back past ``clear`` (hysteresis). After clearing, a rule
stays quiet for ``cooldown_s``. At most ``max_active`` cues are active; when more rules
want to raise, the lower ``priority`` number wins: it replaces the least important active
cue (cleared with ``value=None``, no cooldown), and the rest wait.

An active cue whose metric cannot be measured for ``last_m`` strides in a row (the view
changed, the limb left the frame, confidence fell below the rule's minimum) is cleared
with ``value=None``: a cue is never left on screen about something no longer seen.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from edge.gait.config import AlertRule, AlertsConfig
from edge.gait.records import AlertRecord, StrideRecord


@dataclass
class _RuleState:
    rule: AlertRule
    over: deque[bool] = field(default_factory=deque)
    back: deque[bool] = field(default_factory=deque)
    active: bool = False
    quiet_until: float = float("-inf")
    unmeasured: int = 0  # consecutive strides without a confident value


class AlertEngine:
    def __init__(self, config: AlertsConfig):
        self.config = config
        self._states = {
            name: _RuleState(r, deque(maxlen=r.last_m), deque(maxlen=r.last_m))
            for name, r in config.rules().items()
        }

    def reset(self) -> None:
        for st in self._states.values():
            st.over.clear()
            st.back.clear()
            st.active = False
            st.quiet_until = float("-inf")
            st.unmeasured = 0

    @property
    def active(self) -> list[str]:
        return [n for n, st in self._states.items() if st.active]

    def on_stride(self, stride: StrideRecord) -> list[AlertRecord]:
        if not self.config.enabled:
            return []
        out: list[AlertRecord] = []
        wanting: list[tuple[int, str, float]] = []
        for name, st in self._states.items():
            r = st.rule
            mv = stride.metrics.get(name)
            if not r.enabled:
                continue
            if mv is None or mv.value is None or mv.confidence < r.min_confidence:
                st.unmeasured += 1
                if st.active and st.unmeasured >= r.last_m:
                    st.active = False
                    st.over.clear()
                    st.back.clear()
                    out.append(self._record("cleared", name, st, None, stride))
                continue
            st.unmeasured = 0
            v = mv.value
            above = r.direction == "above"
            st.over.append(v > r.threshold if above else v < r.threshold)
            st.back.append(v < r.clear if above else v > r.clear)
            if st.active:
                if sum(st.back) >= r.n_of:
                    st.active = False
                    st.quiet_until = stride.t_s + r.cooldown_s
                    st.over.clear()
                    out.append(self._record("cleared", name, st, v, stride))
            elif sum(st.over) >= r.n_of and stride.t_s >= st.quiet_until:
                wanting.append((r.priority, name, v))
        for prio, name, v in sorted(wanting):
            if len(self.active) >= self.config.max_active:
                # a more important cue takes the place of the least important one shown
                worst = max(self.active, key=lambda n: self._states[n].rule.priority)
                wst = self._states[worst]
                if wst.rule.priority <= prio:
                    continue
                wst.active = False
                wst.over.clear()
                out.append(self._record("cleared", worst, wst, None, stride))
            st = self._states[name]
            st.active = True
            st.back.clear()
            out.append(self._record("raised", name, st, v, stride))
        return out

    @staticmethod
    def _record(
        state: str, name: str, st: _RuleState, value: float | None, stride: StrideRecord
    ) -> AlertRecord:
        return AlertRecord(
            state="raised" if state == "raised" else "cleared",
            rule=name,
            cue=st.rule.cue,
            value=value,
            stride_index=stride.index,
            t_s=stride.t_s,
            priority=st.rule.priority,
        )
