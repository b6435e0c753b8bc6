"""The metric catalogue: how every screen and report names, rounds and judges a metric.

One entry per metric a person reads: its label, the unit as shown, how many decimals it is
shown with, and its normal range (:mod:`edge.gait.ranges`). The live page receives the
catalogue in its ``hello`` message; the review, progress and report pages and the exports
read it here. A figure is judged against its range as shown (rounded to its digits), so a
value shown as "12" is inside "normal −12 to 12".

The session's figure of a metric (what the session list, review, progress page, report,
exports and the live page at the end of a session show) is :func:`session_figure`: the
median of the steps measured confidently (at least :data:`MIN_CONFIDENCE`), and for cadence
the steps per minute of running (``edge.gait.cadence``), replaced by the cadence chosen for
the session where one was (``edge.recording.export.session_summary``). A metric that no
step measured confidently (arm crossover from depth in a side view) has no figure and is
never judged.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edge.gait.cadence import steps_cadence
from edge.gait.ranges import Band, range_for
from edge.gait.records import StrideRecord
from edge.units import CONFIDENCE_DIGITS

#: Steps measured less surely than this do not count towards a session's figure (the live
#: tiles' default too: the cue rules' ``min_confidence``).
MIN_CONFIDENCE = 0.5


def is_sure(confidence: float | None) -> bool:
    """Whether a step's value is sure enough to count and be judged: its confidence as shown
    (two decimals, as in the exports and the live messages) is at least the floor."""
    return confidence is None or round(float(confidence), CONFIDENCE_DIGITS) >= MIN_CONFIDENCE


@dataclass(frozen=True, slots=True)
class MetricInfo:
    name: str
    label: str  # what a person reads ("Trunk lean")
    unit: str  # as shown ("°", "× leg length")
    digits: int  # decimals shown
    chart: str = ""  # short label of a strip chart ("trunk lean °"); "" = the label

    def round(self, value: float) -> float:
        return round(float(value), self.digits)

    def text(self, value: float | None) -> str:
        """``value`` as shown: its digits, "–" for none, no "-0"."""
        if value is None or not math.isfinite(value):
            return "–"
        s = f"{value:.{self.digits}f}"
        if s.startswith("-") and float(s) == 0.0:
            s = s[1:]
        return s

    def band(self, value: float | None) -> Band | None:
        """The band of ``value`` as shown (rounded to its digits); None without a range."""
        r = range_for(self.name)
        if r is None or value is None or not math.isfinite(value):
            return None
        return r.band(self.round(value))

    def as_json(self) -> dict[str, Any]:
        r = range_for(self.name)
        return {
            "label": self.label,
            "unit": self.unit,
            "digits": self.digits,
            "chart": self.chart or self.label.lower(),
            "range": None if r is None else r.as_json(),
        }


def _m(name: str, label: str, unit: str, digits: int, chart: str = "") -> MetricInfo:
    return MetricInfo(name, label, unit, digits, chart)


CATALOGUE: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        _m("cadence_spm", "Cadence", "steps/min", 0),
        _m("step_time_ms", "Step time", "ms", 0),
        _m("overstride", "Overstride", "× leg length", 2, "overstride"),
        _m("overstride_landing", "Overstride signs at landing", "landing signs", 0),
        _m("shank_angle_deg", "Shank angle at contact", "°", 1, "shank °"),
        _m("knee_flexion_deg", "Knee bend at contact", "°", 0, "knee °"),
        _m("foot_strike", "Foot angle at contact", "°", 0, "foot °"),
        _m("contact_time_ms", "Contact time", "ms", 0),
        _m("duty_factor", "Time on the ground", "of the stride", 2),
        _m("trunk_lean_deg", "Trunk lean", "°", 1, "trunk lean °"),
        _m("head_forward", "Head forward", "× torso length", 2, "head fwd"),
        _m("head_pitch_deg", "Gaze down", "°", 0, "head °"),
        _m("head_tilt_deg", "Head tilt", "°", 1),
        _m("head_ear_nose_deg", "Head angle, ear to nose", "°", 0),
        _m("head_sway", "Head sway", "× shoulder width", 2),
        _m("head_bob", "Head bob", "× leg length", 2),
        _m("arm_crossover", "Arm crossover", "× shoulder width", 2, "arms"),
        _m("elbow_angle_deg", "Elbow angle", "°", 0, "elbow °"),
        _m("vertical_oscillation", "Bounce", "× leg length", 2, "bounce"),
        _m("alignment_fall_deg", "Body line lean", "°", 1),
        _m("alignment_offset", "Hip off the body line", "× leg length", 2),
        _m("pull_heel_height", "Heel lift in swing", "× leg length", 2),
        _m("pull_heel_behind", "Heel behind the hip in swing", "× leg length", 2),
    )
}

#: Metrics shown first (in this order) on the progress page, the report and the live page.
KEY_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "overstride",
    "shank_angle_deg",
    "knee_flexion_deg",
    "trunk_lean_deg",
    "head_pitch_deg",
    "head_forward",
    "arm_crossover",
    "elbow_angle_deg",
    "vertical_oscillation",
)


def info(name: str) -> MetricInfo:
    """The catalogue entry of ``name``; an unknown metric gets a readable label (never the
    raw key with underscores) and two decimals."""
    found = CATALOGUE.get(name)
    if found is not None:
        return found
    words = name.replace("_deg", "").replace("_ms", "").replace("_", " ")
    return MetricInfo(name, words.capitalize(), "", 2)


def step_band(name: str, value: float | None, confidence: float | None) -> Band | None:
    """The band of one step's value, as shown; None when it was not measured surely enough
    to be judged (confidence below :data:`MIN_CONFIDENCE`)."""
    if not is_sure(confidence):
        return None
    return info(name).band(value)


def catalogue_json() -> dict[str, dict[str, Any]]:
    """The catalogue as the pages receive it (``hello``, the review and progress APIs)."""
    return {name: m.as_json() for name, m in CATALOGUE.items()}


def session_figure(name: str, strides: Sequence[StrideRecord]) -> dict[str, Any]:
    """The session's figure of metric ``name`` over its steps: ``value`` (None when no step
    measured it confidently), ``n`` (steps it stands on), ``low_confidence`` (measured, but
    never surely enough to show or judge), ``band`` of the value as shown."""
    measured: list[tuple[float, float]] = []
    for step in strides:
        m = step.metrics.get(name)
        if m is not None and m.value is not None and math.isfinite(m.value):
            measured.append((m.value, m.confidence))
    sure = [v for v, c in measured if is_sure(c)]
    value: float | None
    if name == "cadence_spm":
        value = steps_cadence([(s.t_s, s.foot) for s in strides]) if measured else None
    else:
        value = float(statistics.median(sure)) if sure else None
    return {
        "value": value,
        "n": len(sure),
        "low_confidence": bool(measured) and not sure,
        "band": info(name).band(value),
    }
