"""Checks across fields: settings that validate one by one but cannot mean anything together.

Run by :class:`edge.config.Config` after its fields are validated, so ``check-config``, the
start-up, the saved page settings and ``PUT /api/config`` all refuse the same things, each
naming its field (``alerts.overstride.clear``):

- an alert rule whose ``clear`` is on the wrong side of its ``threshold`` (a rule raised
  *above* its threshold must clear at or below it; a *below* rule at or above it), checked
  once both values are inside their metric's range (else the range is what is named);
- a belt zone whose right (bottom) edge is not right of (below) its left (top) edge;
- ``fleet.outbox_max_mib`` above a quarter of ``recording.max_gib`` with fleet reporting on
  (the outbox is in the session database, whose size retention bounds, and takes about 1.6×
  its counted bytes in database pages: ``benchmarks/outbox_cap.py``);
- a rule's ``threshold`` or ``clear`` outside what its metric can measure. The limits go by
  the metric's unit (:data:`UNIT_LIMITS`), read from the metric table
  (``edge.gait.metrics.METRICS``) or from a ``unit`` attribute on the rule; a unit without
  limits is not range-checked (the field's own bounds still apply).

Limits per unit, and why:

=================  ==============  ===========================================================
unit               limits          meaning
=================  ==============  ===========================================================
deg                −90 … 90        an angle from the vertical or the horizontal (trunk lean,
                                   shank, head pitch and tilt, foot strike)
deg (joint)        0 … 180         an angle at a joint (elbow, knee flexion): see
                                   :data:`JOINT_ANGLES`
steps/min          60 … 260        walking slowly to the fastest sprint cadences
ms                 0 … 2000        a step or a contact lasts well under two seconds
leg lengths        −1 … 1          horizontal or vertical distances at the hips and feet
torso lengths      −1 … 1          head ahead of the shoulders
shoulder widths    −2 … 2          hands or head across the midline
fraction           0 … 1           a share (duty factor)
%                  0 … 100         a percentage
signs              0 … 4           overstride's landing signs (heel ahead of the hips, then
                                   shank forward, knee straight, low cadence)
=================  ==============  ===========================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from edge.config.root import Config

UNIT_LIMITS: dict[str, tuple[float, float]] = {
    "deg": (-90.0, 90.0),
    "steps/min": (60.0, 260.0),
    "ms": (0.0, 2000.0),
    "leg lengths": (-1.0, 1.0),
    "torso lengths": (-1.0, 1.0),
    "shoulder widths": (-2.0, 2.0),
    "fraction": (0.0, 1.0),
    "%": (0.0, 100.0),
    "signs": (0.0, 4.0),
}
#: Angles measured at a joint (0° folded, 180° straight) rather than from a reference line.
JOINT_ANGLES: frozenset[str] = frozenset({"elbow_angle_deg", "knee_flexion_deg"})
JOINT_LIMITS = (0.0, 180.0)


def _error(loc: tuple[str, ...], kind: str, msg: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, msg), loc=loc, input=value)


def metric_limits(metric: str, unit: str | None = None) -> tuple[float, float, str] | None:
    """(low, high, unit) a threshold on ``metric`` must lie in, or None when unknown."""
    if unit is None:
        from edge.gait.metrics import METRICS

        spec = METRICS.get(metric)
        if spec is None:
            return None
        unit = spec.unit
    if unit == "deg" and metric in JOINT_ANGLES:
        return (*JOINT_LIMITS, "deg at the joint")
    limits = UNIT_LIMITS.get(unit)
    return None if limits is None else (*limits, unit)


def _rule_problems(name: str, rule: Any) -> list[InitErrorDetails]:
    out: list[InitErrorDetails] = []
    threshold = getattr(rule, "threshold", None)
    clear = getattr(rule, "clear", None)
    direction = getattr(rule, "direction", None)
    metric = str(getattr(rule, "metric", None) or name)
    unit = getattr(rule, "unit", None)
    limits = metric_limits(metric, unit if isinstance(unit, str) and unit else None)
    if limits is not None:
        lo, hi, what = limits
        for field, value in (("threshold", threshold), ("clear", clear)):
            if isinstance(value, int | float) and not lo <= value <= hi:
                out.append(
                    _error(
                        ("alerts", name, field),
                        "out_of_metric_range",
                        f"{value:g} is outside the range of {metric} ({what}): use {lo:g}–{hi:g}",
                        value,
                    )
                )
    if not out and isinstance(threshold, int | float) and isinstance(clear, int | float):
        # a value outside its metric's range is named with that range first: the pair's
        # order means nothing until both values can be measured
        inverted = (direction == "above" and clear > threshold) or (
            direction == "below" and clear < threshold
        )
        if inverted:
            side = "at or below" if direction == "above" else "at or above"
            out.append(
                _error(
                    ("alerts", name, "clear"),
                    "inverted_pair",
                    f"{clear:g} is past the threshold {threshold:g}: a cue raised {direction} "
                    f"its threshold must clear {side} it",
                    clear,
                )
            )
    return out


def problems(config: Config) -> list[InitErrorDetails]:
    """Everything wrong across fields, each located at the field to change."""
    out: list[InitErrorDetails] = []
    for name, rule in config.alerts.rules().items():
        out += _rule_problems(str(name), rule)
    zone = config.pose.belt_zone
    if zone is not None:
        for low, high, edges in (
            ("x_min", "x_max", "left/right"),
            ("y_min", "y_max", "top/bottom"),
        ):
            a, b = getattr(zone, low), getattr(zone, high)
            if not b > a:
                out.append(
                    _error(
                        ("pose", "belt_zone", high),
                        "inverted_zone",
                        f"{high} {b:g} must be greater than {low} {a:g} "
                        f"(the zone's {edges} edges are swapped or equal)",
                        b,
                    )
                )
    fleet, recording = config.fleet, config.recording
    if fleet.enabled:
        # The outbox lives in the session database, whose size retention keeps under
        # recording.max_gib; full, it takes ~1.6x its counted bytes in pages: at most a
        # quarter of recording.max_gib leaves more than half of it to the sessions.
        room_mib = recording.max_gib * 1024 / 4
        if fleet.outbox_max_mib > room_mib:
            out.append(
                _error(
                    ("fleet", "outbox_max_mib"),
                    "outbox_too_big",
                    f"{fleet.outbox_max_mib:g} MiB is more than a quarter of recording.max_gib "
                    f"({recording.max_gib:g} GiB): the outbox is in the session database, "
                    f"lower it to {room_mib:g} or less, or raise recording.max_gib",
                    fleet.outbox_max_mib,
                )
            )
    return out
