"""A clip's summary: each metric's median over strides (or over one-step windows when no
contacts were found), left/right symmetry, and the head and arm figures by view."""

from __future__ import annotations

import math
import statistics

import numpy as np
import numpy.typing as npt

from edge.gait.analyzer import GaitAnalyzer
from edge.gait.config import GaitConfig
from edge.gait.metrics import (
    FRONTAL,
    FRONTAL_ONLY_REASON,
    METRICS,
    SIDE,
    SIDE_ONLY_REASON,
    summarize,
)
from edge.gait.records import MetricValue, StrideRecord, View
from edge.gait.report_model import HeadMetric, Metric, Summary, Symmetry
from edge.gait.step_metrics import step_metrics
from edge.gait.step_values import StepContext
from edge.gait.tuning import MIN_CONTACTS
from edge.gait.views import ViewGuess

#: A frontal view turned further than this from square-on (yaw from the side below it)
#: sees part of the arms' forward swing as crossover.
FRONT_SQUARE_YAW_DEG = 60.0
F32 = npt.NDArray[np.float32]


def _m(strides: list[StrideRecord], name: str, gait: GaitConfig, view: View | None) -> Metric:
    spec = METRICS[name]
    if view is not None and view not in spec.views + spec.low_confidence_views:
        reason = SIDE_ONLY_REASON if view in FRONTAL else FRONTAL_ONLY_REASON
        return Metric(value=None, unit=spec.unit, confidence=0.0, reason=reason)
    if view is None:
        return Metric(value=None, unit=spec.unit, confidence=0.0, reason="no runner found")
    return Metric.of(summarize(strides, name, min_strides=MIN_CONTACTS))


def _symmetry(strides: list[StrideRecord], name: str) -> Symmetry:
    side: dict[str, list[float]] = {"left": [], "right": []}
    for s in strides:
        mv = s.metrics.get(name)
        if mv is not None and mv.value is not None:
            side[s.foot].append(mv.value)
    left = statistics.median(side["left"]) if side["left"] else None
    right = statistics.median(side["right"]) if side["right"] else None
    idx = None
    if left is not None and right is not None and abs(left + right) > 1e-9:
        idx = 100.0 * abs(left - right) / abs(0.5 * (left + right))
    return Symmetry(left=left, right=right, index_pct=idx)


def _crossing_rate(strides: list[StrideRecord], summary: Metric) -> Metric:
    vals = [
        mv.value
        for s in strides
        if (mv := s.metrics.get("arm_crossover")) is not None and mv.value is not None
    ]
    if not vals:
        return Metric(
            value=None, unit="fraction", confidence=0.0, reason=summary.reason or "no strides"
        )
    rate = sum(v > 0.0 for v in vals) / len(vals)
    return Metric(value=rate, unit="fraction", confidence=summary.confidence, reason=summary.reason)


#: Metrics measured over a step's frames (not at a contact): when no contacts are found
#: (feet out of frame, a clip too short) they are measured over fixed one-step windows.
WINDOW_METRICS = (
    "trunk_lean_deg",
    "head_forward",
    "head_pitch_deg",
    "head_tilt_deg",
    "head_sway",
    "arm_crossover",
    "elbow_angle_deg",
)


def window_metrics(
    sq: F32,
    rate: float,
    *,
    step_s: float,
    view: View,
    analyzer: GaitAnalyzer,
    gait: GaitConfig,
) -> dict[str, Metric]:
    t = np.arange(sq.shape[0], dtype=np.float64) / rate
    if t.shape[0] < 2:
        return {}
    ctx = StepContext(
        view=view,
        facing=analyzer.facing,
        leg_length=analyzer.leg_length if math.isfinite(analyzer.leg_length) else 1.0,
        torso_length=analyzer.torso_length if math.isfinite(analyzer.torso_length) else 1.0,
        capture_rate=rate,
        track_is_left=(analyzer.track_is_left(0), analyzer.track_is_left(1)),
        near_track=0,
        cadence_spm=MetricValue(None, "steps/min", 0.0, "not used"),
        view_fit=analyzer.view.side_fit
        if analyzer.view is not None and analyzer.view.view_class == "oblique-side"
        else 1.0,
    )
    values: dict[str, list[MetricValue]] = {n: [] for n in WINDOW_METRICS}
    t0 = float(t[0])
    while t0 + step_s <= float(t[-1]) + 1e-9:
        got = step_metrics(
            t,
            sq,
            t_contact=t0,
            t_next=t0 + step_s,
            track=0,
            event_conf=0.0,
            toe_off_t=None,
            stride_s=None,
            ctx=ctx,
            cfg=gait,
        )
        for n in WINDOW_METRICS:
            if got[n].value is not None:
                values[n].append(got[n])
        t0 += step_s
    out: dict[str, Metric] = {}
    for n, mvs in values.items():
        if not mvs:
            continue
        vals = [mv.value for mv in mvs if mv.value is not None]
        conf = 0.7 * statistics.median(mv.confidence for mv in mvs)
        conf *= min(1.0, len(vals) / MIN_CONTACTS)
        out[n] = Metric(
            value=float(statistics.median(vals)),
            unit=METRICS[n].unit,
            confidence=round(conf, 3),
            reason="no foot contacts found: measured over one-step windows"
            + (f"; {mvs[0].reason}" if mvs[0].reason else ""),
        )
    return out


def build_summary(
    strides: list[StrideRecord],
    *,
    gait: GaitConfig,
    view: View | None,
    guess: ViewGuess | None,
    fallback: dict[str, Metric],
    cadence: Metric,
) -> Summary:
    """Medians over ``strides`` (``fallback``: one-step-window values where strides gave
    none), the head figure of the view, and arm crossover's confidence at an angle."""

    def m(name: str) -> Metric:
        got = _m(strides, name, gait, view)
        if got.value is None and name in fallback:
            return fallback[name].banded(name)
        return got.banded(name)

    side = view in SIDE
    pitch, tilt = m("head_pitch_deg"), m("head_tilt_deg")
    primary = pitch if side else tilt
    head = HeadMetric(
        **primary.model_dump(),
        measure="pitch_deg" if side else "tilt_deg",
        pitch_deg=pitch,
        forward=m("head_forward"),
        tilt_deg=tilt,
        sway=m("head_sway"),
        bob=m("head_bob"),
    )
    arms = m("arm_crossover")
    if view in FRONTAL and guess is not None and guess.yaw_deg < FRONT_SQUARE_YAW_DEG:
        # seen at an angle, the forward-and-back swing shows up as sideways travel
        arms = arms.model_copy(
            update={
                "confidence": round(0.5 * arms.confidence, 3),
                "reason": "oblique camera: part of the forward swing looks like crossover",
            }
        )
    return Summary(
        cadence_spm=cadence,
        overstride=m("overstride"),
        shank_angle_deg=m("shank_angle_deg"),
        knee_flexion_deg=m("knee_flexion_deg"),
        arm_crossover=arms,
        arm_crossover_rate=_crossing_rate(strides, arms),
        elbow_angle_deg=m("elbow_angle_deg"),
        head=head,
        trunk_lean_deg=m("trunk_lean_deg"),
        foot_strike=m("foot_strike"),
        contact_time_ms=m("contact_time_ms"),
        duty_factor=m("duty_factor"),
        vertical_oscillation=m("vertical_oscillation"),
        overstride_landing=m("overstride_landing"),
        alignment_fall_deg=m("alignment_fall_deg"),
        alignment_offset=m("alignment_offset"),
        pull_heel_height=m("pull_heel_height"),
        pull_heel_behind=m("pull_heel_behind"),
    )


def symmetry(strides: list[StrideRecord]) -> dict[str, Symmetry]:
    return {
        name: _symmetry(strides, name) for name in ("contact_time_ms", "overstride", "step_time_ms")
    }
