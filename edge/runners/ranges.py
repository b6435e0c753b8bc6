"""Normal ranges of the metrics, for progress pages and reports.

The ranges themselves belong to the coaching work (``edge.gait.ranges``, issue 10). This
module is the one place that reads them, through the interface it assumes:

    edge.gait.ranges.range_for(metric: str) -> (green, amber, source) | None

where ``green`` and ``amber`` are ``(low, high)`` pairs in the metric's own unit (either
bound may be ``None``: open), amber containing green, and ``source`` a short text saying
where the range comes from. An object with ``green``/``amber``/``source`` attributes is
accepted too. When that module is absent (or has no range for a metric) no range is shown.
"""

from __future__ import annotations

import importlib
import logging
import math
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

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


def _bounds(x: Any) -> Bounds:
    lo, hi = x
    return (None if lo is None else float(lo), None if hi is None else float(hi))


def _provider() -> Any:
    try:
        return importlib.import_module("edge.gait.ranges")
    except ImportError:
        return None


def range_for(metric: str) -> MetricRange | None:
    """The normal range of ``metric``, or ``None`` (no range known: none is shown)."""
    module = _provider()
    fn = getattr(module, "range_for", None)
    if not callable(fn):
        return None
    try:
        found = fn(metric)
        if found is None:
            return None
        if isinstance(found, tuple):
            green, amber, source = found
        else:
            green, amber, source = found.green, found.amber, found.source
        return MetricRange(_bounds(green), _bounds(amber), str(source))
    except Exception as exc:  # a range we cannot read is not shown, and said in the log
        log.warning("normal range of %s unreadable (%s): not shown", metric, exc)
        return None
