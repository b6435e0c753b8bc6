"""The few lines ``treadwatch analyze`` ends with: what was found in the video."""

from __future__ import annotations

from collections import Counter
from typing import Any

from edge.units import fmt

#: (label, summary field) of the main metrics, in the order a coach reads them.
MAIN: tuple[tuple[str, str], ...] = (
    ("overstride", "overstride"),
    ("shank angle", "shank_angle_deg"),
    ("trunk lean", "trunk_lean_deg"),
    ("head", "head"),
    ("arm crossover", "arm_crossover"),
    ("elbow angle", "elbow_angle_deg"),
    ("foot strike", "foot_strike"),
    ("vertical oscillation", "vertical_oscillation"),
)


def _metric(m: Any) -> str:
    if m.value is None:
        return f"– ({m.reason})" if m.reason else "–"
    text = f"{fmt(m.value, m.unit)} {m.unit}"
    if getattr(m, "label", None):
        text += f" ({m.label})"
    if m.reason:
        text += f"  [{m.reason}]"
    return text


def summary_lines(report: Any) -> list[str]:
    """Cadence (and where it came from), the main metrics, the cues raised and, for a metric
    outside its normal range that raised none, why; then the checks that failed."""
    s = report.summary
    cad = "–" if report.cadence_spm is None else f"{fmt(report.cadence_spm, 'steps/min')}"
    why = getattr(report, "cadence_reason", None)
    lines = [f"  {'cadence':22s}{cad} steps/min" + (f"  [{why}]" if why else "")]
    for label, field in MAIN:
        m = getattr(s, field, None)
        if m is None:
            continue
        name = label
        if field == "head" and getattr(m, "measure", None):
            name = f"head ({m.measure.replace('_deg', '').replace('_', ' ')})"
        lines.append(f"  {name:22s}{_metric(m)}")
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
            name = v.rule.removesuffix("_deg").removesuffix("_spm").replace("_", " ")
            lines.append(f"  no cue for {name} ({m.band}): {v.reason}")
    failed = [f"{c.name} ({c.detail})" for c in report.checks if not c.ok]
    lines.append(f"  checks failed: {'; '.join(failed) or 'none'}")
    return lines
