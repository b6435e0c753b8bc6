"""The few lines ``treadwatch analyze`` ends with: what was found in the video.

Numbers are named and rounded as every screen shows them (:mod:`edge.catalogue`); one
outside its normal range is flagged, and a cue that was not raised for it says why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from edge.catalogue import info, is_sure
from edge.gait.ranges import range_for

#: Summary fields of the main metrics (catalogue names), in the order a coach reads them.
MAIN: tuple[str, ...] = (
    "overstride",
    "shank_angle_deg",
    "trunk_lean_deg",
    "head",
    "arm_crossover",
    "elbow_angle_deg",
    "foot_strike",
    "vertical_oscillation",
)


def _metric(name: str, m: Any) -> str:
    """The value as every screen shows it (the catalogue's digits and unit)."""
    if m.value is None:
        return f"– ({m.reason})" if m.reason else "–"
    meta = info(name)
    text = meta.text(m.value) + (meta.unit if meta.unit == "°" else f" {meta.unit}")
    if getattr(m, "label", None):
        text += f" ({m.label})"
    if m.reason:
        text += f"  [{m.reason}]"
    return text


def _outside(name: str, value: float | None, confidence: float | None = None) -> str:
    """ "← outside the normal a to b" for a value outside its range as shown; a value not
    measured surely enough is said so, never judged."""
    if value is None:
        return ""
    if not is_sure(confidence):
        return "  (low confidence: not judged)"
    r = range_for(name)
    if r is None or info(name).band(value) in (None, "green"):
        return ""
    lo, hi = (info(name).text(x) for x in r.green)
    return f"  ← outside the normal {lo} to {hi}"


def summary_lines(report: Any) -> list[str]:
    """Cadence (and where it came from), the main metrics (flagged when outside their normal
    range), the cues raised and, for a metric outside its normal range that raised none,
    why; then the checks that failed."""
    s = report.summary
    cad = "–" if report.cadence_spm is None else info("cadence_spm").text(report.cadence_spm)
    why = getattr(report, "cadence_reason", None)
    lines = [
        f"  {'cadence':22s}{cad} steps/min"
        + (f"  [{why}]" if why else "")
        + _outside("cadence_spm", report.cadence_spm)
    ]
    for field in MAIN:
        m = getattr(s, field, None)
        if m is None:
            continue
        name = field
        label = info(name).label.lower()
        if field == "head":
            name = f"head_{getattr(m, 'measure', None) or 'pitch_deg'}"
            label = f"head ({info(name).label.lower()})"
        lines.append(f"  {label:22s}{_metric(name, m)}{_outside(name, m.value, m.confidence)}")
    verdicts = getattr(report, "cues", None) or []
    raised_v = [v for v in verdicts if v.raised]
    if raised_v:
        cues = ", ".join(f'"{v.cue}" ({v.rule}: {v.reason})' for v in raised_v)
    else:
        raised = Counter((a.rule, a.cue) for a in report.alerts if a.state == "raised")
        cues = ", ".join(
            f'"{cue}" ({rule}{f", {n}×" if n > 1 else ""})' for (rule, cue), n in raised.items()
        )
    lines.append(f"  cues raised: {cues or 'none'}")
    for v in verdicts:
        m = getattr(s, v.rule, None)
        if not v.raised and m is not None and getattr(m, "band", None) in ("amber", "red"):
            lines.append(f"  no cue for {info(v.rule).label.lower()} ({m.band}): {v.reason}")
    failed = [f"{c.name} ({c.detail})" for c in report.checks if not c.ok]
    lines.append(f"  checks failed: {'; '.join(failed) or 'none'}")
    return lines
