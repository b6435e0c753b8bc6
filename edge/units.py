"""How many decimals a value means, by its unit (exports and the command line).

Pose landmarks are good to a few pixels and times to a frame or a fraction of one, so an
angle means a tenth of a degree, a distance in body lengths a thousandth, a duration a
millisecond: more digits (``0.9800000190734863``) are float noise, not information.
"""

from __future__ import annotations

import math

#: Decimals per unit; units not listed get :data:`DEFAULT_DIGITS`.
DIGITS: dict[str, int] = {
    "deg": 1,
    "steps/min": 1,
    "ms": 0,
    "s": 3,
    "leg lengths": 3,
    "torso lengths": 3,
    "shoulder widths": 3,
    "fraction": 3,
    "%": 1,
}
DEFAULT_DIGITS = 3
#: Confidences are shown to two decimals (0..1).
CONFIDENCE_DIGITS = 2


def digits(unit: str) -> int:
    return DIGITS.get(unit, DEFAULT_DIGITS)


def fmt(value: float | None, unit: str = "", places: int | None = None) -> str:
    """``value`` with the decimals its unit means ("" for None or a non-finite value)."""
    if value is None or not math.isfinite(value):
        return ""
    d = digits(unit) if places is None else places
    text = f"{value:.{d}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]  # no "-0.0"
    return text
