"""A provider of normal ranges with the interface ``edge.runners.ranges`` expects from
``edge.gait.ranges`` (issue 10's module, not in this branch): ``range_for(metric)``.

The figures are the product brief's own (cadence near 170–180 steps/min, elbows near 90°,
a trunk lean of a few degrees); the real ranges come from issue 10.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

SOURCE = "product brief (example until issue 10's ranges are merged)"
RANGES = {
    "cadence_spm": ((170.0, 180.0), (160.0, 190.0)),
    "elbow_angle_deg": ((80.0, 100.0), (70.0, 110.0)),
    "trunk_lean_deg": ((2.0, 8.0), (0.0, 12.0)),
}


def range_for(metric: str) -> tuple[tuple[float, float], tuple[float, float], str] | None:
    found = RANGES.get(metric)
    return None if found is None else (found[0], found[1], SOURCE)


@contextmanager
def installed() -> Iterator[None]:
    """``edge.gait.ranges`` is this module while inside (it is absent from this branch)."""
    module = types.ModuleType("edge.gait.ranges")
    module.range_for = range_for  # type: ignore[attr-defined]
    old = sys.modules.get("edge.gait.ranges")
    sys.modules["edge.gait.ranges"] = module
    try:
        yield
    finally:
        if old is None:
            del sys.modules["edge.gait.ranges"]
        else:
            sys.modules["edge.gait.ranges"] = old
