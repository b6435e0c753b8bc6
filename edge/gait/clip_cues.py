"""The cue policy for a clip: every confident stride is evidence, and every rule says why.

Live, a cue needs ``n_of`` of the last ``last_m`` strides, a short look before choosing and
a dwell (:mod:`edge.gait.alerts`): the evidence window slides over a run of minutes. A
phone clip of a few seconds, or a session shorter than the live window, is judged the way
a coach watching it would: on all its confident strides at once. A rule's fault is named
when it is past the threshold on most of them, at least the share the live rule asks of
its window (``n_of`` / ``last_m``, 5 of 8 by default), and their median is past it too,
with how many strides showed it; the most important such fault is the focus (``max_active`` of
them), as live.

Each rule also gets a verdict that says why it raised no cue: turned off, not measurable
in this view, low confidence, too few strides, below the cue's threshold, or another cue
was the focus. A report never says "no cue was needed" beside a metric outside its range.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from edge.gait.config import AlertRule, AlertsConfig
from edge.gait.metrics import measured
from edge.gait.records import AlertRecord, StrideRecord

#: A recording shorter than this (a clip, a short session) is judged on all its confident
#: strides; a longer one by the live cue policy.
CLIP_POLICY_S = 60.0
#: A clip needs at least this many confident strides of a metric to name its fault.
CLIP_MIN_STRIDES = 4


@dataclass(frozen=True, slots=True)
class CueVerdict:
    """What the clip's strides say about one rule."""

    rule: str
    cue: str
    raised: bool
    past: int  # confident strides past the threshold
    confident: int  # strides measured at the rule's confidence floor or above
    measured: int  # strides with a value at all
    median: float | None  # of the confident strides
    reason: str  # why it was raised, or why not


def _past(rule: AlertRule, v: float) -> bool:
    return v > rule.threshold if rule.direction == "above" else v < rule.threshold


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def _judge(name: str, rule: AlertRule, strides: Sequence[StrideRecord]) -> CueVerdict:
    got, reasons = measured(strides, rule.metric or name)
    values = [mv.value for mv in got if mv.value is not None]
    confident = [
        mv.value for mv in got if mv.value is not None and mv.confidence >= rule.min_confidence
    ]
    past = sum(_past(rule, v) for v in confident)
    median = statistics.median(confident) if confident else None
    unit = f" {rule.unit}" if rule.unit else ""
    side = "above" if rule.direction == "above" else "below"

    def verdict(raised: bool, reason: str) -> CueVerdict:
        return CueVerdict(name, rule.cue, raised, past, len(confident), len(values), median, reason)

    if not rule.enabled:
        return verdict(False, "cue turned off")
    if not values:
        why = statistics.mode(reasons) if reasons else "no strides measured"
        return verdict(False, f"not measured: {why}")
    if not confident:
        return verdict(
            False,
            f"low confidence: {len(values)} strides measured, none at confidence "
            f"{rule.min_confidence:g} or more",
        )
    if len(confident) < CLIP_MIN_STRIDES:
        return verdict(
            False,
            f"too few strides: {len(confident)} confident (at least {CLIP_MIN_STRIDES} needed)",
        )
    assert median is not None
    share = max(0.5, rule.n_of / rule.last_m)
    seen = f"on {past} of {len(confident)} confident strides, median {_fmt(median)}{unit}"
    limit = f"{side} {_fmt(rule.threshold)}{unit}"
    if past > 0 and past >= share * len(confident) and _past(rule, median):
        return verdict(True, f"past the cue's threshold ({limit}) {seen}")
    if _past(rule, median):
        return verdict(
            False,
            f"past the cue's threshold ({limit}) on too few strides: {past} of "
            f"{len(confident)} confident (a cue needs {rule.n_of} in {rule.last_m}), "
            f"median {_fmt(median)}{unit}",
        )
    return verdict(False, f"below the cue's threshold ({limit}): past it {seen}")


def _unraised(v: CueVerdict, reason: str) -> CueVerdict:
    return CueVerdict(v.rule, v.cue, False, v.past, v.confident, v.measured, v.median, reason)


def judge_clip(strides: Sequence[StrideRecord], config: AlertsConfig) -> list[CueVerdict]:
    """A verdict for every rule, the focus cue(s) raised (most important first)."""
    rules = config.rules()
    verdicts = {name: _judge(name, rule, strides) for name, rule in rules.items()}
    if not config.enabled:
        return [_unraised(v, "cues turned off") for v in verdicts.values()]
    wanting = sorted(
        (n for n, v in verdicts.items() if v.raised),
        key=lambda n: (rules[n].priority, -verdicts[n].past / max(1, verdicts[n].confident)),
    )
    focus = wanting[: config.max_active]
    out: list[CueVerdict] = [verdicts[n] for n in focus]
    for name, v in verdicts.items():
        if name in focus:
            continue
        if v.raised:
            cues = ", ".join(f'"{rules[n].cue}"' for n in focus)
            out.append(_unraised(v, f"{v.reason}; one cue at a time, the focus is {cues}"))
        else:
            out.append(v)
    return out


def clip_alerts(
    verdicts: Sequence[CueVerdict], strides: Sequence[StrideRecord], config: AlertsConfig
) -> list[AlertRecord]:
    """The focus cue(s) of a clip as alert records, at the clip's first stride."""
    if not strides:
        return []
    first = strides[0]
    rules = config.rules()
    return [
        AlertRecord(
            state="raised",
            rule=v.rule,
            cue=v.cue,
            value=v.median,
            stride_index=first.index,
            t_s=first.t_s,
            priority=rules[v.rule].priority,
            evidence=f"on {v.past} of {v.confident} confident strides",
        )
        for v in verdicts
        if v.raised
    ]
