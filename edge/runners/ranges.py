"""Normal ranges of the metrics, for progress pages and reports.

The ranges themselves, with their sources, are the coaching module's
(:mod:`edge.gait.ranges`); this module shows them as verdicts ("in", "near", "out") on the
progress pages and in the report. A metric without a range shows none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from edge.gait import ranges as gait_ranges

Bounds = tuple[float | None, float | None]
Verdict = Literal["in", "near", "out"]


@dataclass(frozen=True, slots=True)
class MetricRange:
    green: Bounds
    amber: Bounds
    source: str

    def verdict(self, value: float | None) -> Verdict | None:
        """``in`` the green range, ``near`` (amber), ``out``; ``None`` for no value."""
        if value is None or not math.isfinite(value):
            return None
        if _inside(value, self.green):
            return "in"
        if _inside(value, self.amber):
            return "near"
        return "out"

    def as_json(self) -> dict[str, Any]:
        return {"green": list(self.green), "amber": list(self.amber), "source": self.source}

    def text(self, digits: int = 2) -> str:
        return _bounds_text(self.green, digits)


def _inside(x: float, b: Bounds) -> bool:
    lo, hi = b
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _bounds_text(b: Bounds, digits: int) -> str:
    lo, hi = b
    if lo is not None and hi is not None:
        return f"{lo:.{digits}f}–{hi:.{digits}f}"
    if lo is not None:
        return f"≥ {lo:.{digits}f}"
    if hi is not None:
        return f"≤ {hi:.{digits}f}"
    return "any"


def range_for(metric: str) -> MetricRange | None:
    """The normal range of ``metric``, or ``None`` (no range known: none is shown)."""
    found = gait_ranges.range_for(metric)
    if found is None:
        return None
    return MetricRange(found.green, found.amber, found.source)
