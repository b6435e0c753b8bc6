"""The metric catalogue (units, the views each is valid in), the per-frame signals events
are found in, and summaries over steps. One step's metrics: :mod:`edge.gait.step_metrics`.

Coordinates are square units: x (and z) multiplied by the frame's width/height, y as is,
so distances and angles mean the same horizontally and vertically (a portrait clip has
very different pixel scales for normalized x and y). ``facing`` is +1 when the runner faces
image-right, -1 image-left; "forward" below always means the runner's forward.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.gait.records import MetricValue, StrideRecord, View
from edge.landmarks import Landmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
SIDE: tuple[View, ...] = ("side-left", "side-right")
FRONTAL: tuple[View, ...] = ("front", "rear")
ALL_VIEWS: tuple[View, ...] = SIDE + FRONTAL
L = Landmark


@dataclass(frozen=True)
class MetricSpec:
    unit: str
    views: tuple[View, ...]  # where the metric is valid (full confidence)
    low_confidence_views: tuple[View, ...] = ()  # estimable, flagged low confidence
    description: str = ""


#: Every per-step metric: its unit and the camera views where it means something.
METRICS: dict[str, MetricSpec] = {
    "cadence_spm": MetricSpec("steps/min", ALL_VIEWS, (), "steps per minute (rolling)"),
    "step_time_ms": MetricSpec("ms", ALL_VIEWS, (), "this contact to the next"),
    "overstride": MetricSpec("leg lengths", SIDE, (), "heel ahead of hips at contact"),
    "shank_angle_deg": MetricSpec("deg", SIDE, (), "knee→ankle from vertical at contact"),
    "knee_flexion_deg": MetricSpec("deg", SIDE, (), "knee bend at contact"),
    "foot_strike": MetricSpec("deg", SIDE, (), "heel→toe angle at contact, + = toes up"),
    "contact_time_ms": MetricSpec("ms", SIDE, (), "contact to toe-off"),
    "duty_factor": MetricSpec("fraction", SIDE, (), "contact time / stride time"),
    "trunk_lean_deg": MetricSpec("deg", SIDE, (), "hip→shoulder line from vertical"),
    "head_forward": MetricSpec("torso lengths", SIDE, (), "ears ahead of shoulders"),
    "head_pitch_deg": MetricSpec("deg", SIDE, (), "gaze below the runner's level gaze"),
    "head_ear_nose_deg": MetricSpec("deg", SIDE, (), "ear→nose line below horizontal (raw)"),
    "overstride_landing": MetricSpec(
        "signs", SIDE, (), "0: heel under the hips; else 1 + forward shank, straight knee, slow"
    ),
    "head_tilt_deg": MetricSpec("deg", FRONTAL, (), "eye line from horizontal"),
    "head_sway": MetricSpec("shoulder widths", FRONTAL, (), "side-to-side head travel"),
    "head_bob": MetricSpec("leg lengths", ALL_VIEWS, (), "head rise and fall per step"),
    "arm_crossover": MetricSpec(
        "shoulder widths", FRONTAL, SIDE, "wrist past the midline (+ = crosses)"
    ),
    "elbow_angle_deg": MetricSpec("deg", SIDE, (), "angle at the elbow"),
    "vertical_oscillation": MetricSpec("leg lengths", ALL_VIEWS, (), "hip rise and fall"),
    "alignment_fall_deg": MetricSpec(
        "deg", SIDE, (), "mid-stance: ball of foot → shoulders from vertical (+ = forward)"
    ),
    "alignment_offset": MetricSpec(
        "leg lengths", SIDE, (), "mid-stance: hips off the ball→shoulder line (+ = ahead)"
    ),
    "pull_heel_height": MetricSpec(
        "leg lengths", SIDE, (), "swing heel above the belt as it passes under the hips"
    ),
    "pull_heel_behind": MetricSpec(
        "leg lengths", SIDE, (), "swing heel behind the hips at its highest (+ = behind)"
    ),
}

#: Measured at foot contact or from the foot's travel: meaningless when the feet are not seen.
FOOT_METRICS = frozenset(
    {
        "overstride",
        "shank_angle_deg",
        "knee_flexion_deg",
        "foot_strike",
        "contact_time_ms",
        "duty_factor",
        "overstride_landing",
        "alignment_fall_deg",
        "alignment_offset",
        "pull_heel_height",
        "pull_heel_behind",
    }
)

SIDE_ONLY_REASON = "needs a side view (camera beside the treadmill)"
FRONTAL_ONLY_REASON = "needs a front or rear view (camera facing the runner)"

# per-frame signals kept in the ring (columns)
S_HIP_X, S_HIP_Y, S_SH_X, S_SH_Y, S_HEAD_Y = 0, 1, 2, 3, 4
S_HEEL_X = (5, 6)  # per track, relative to the hip midpoint
S_HEEL_Y = (7, 8)
S_TOE_X = (9, 10)
S_TOE_Y = (11, 12)
S_LEG = 13
S_FOOT_VIS = (14, 15)
N_SIGNALS = 16

LEG_LMS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
)


def frame_signals(frame: F32, out: F32) -> None:
    """Fill ``out`` (N_SIGNALS,) from one tracked frame (33, 4), square units."""
    p = frame.tolist()  # plain floats: far cheaper than numpy scalars for a few sums
    lh, rh = p[L.LEFT_HIP], p[L.RIGHT_HIP]
    hx = 0.5 * (lh[0] + rh[0])
    hy = 0.5 * (lh[1] + rh[1])
    ls, rs = p[L.LEFT_SHOULDER], p[L.RIGHT_SHOULDER]
    out[S_HIP_X] = hx
    out[S_HIP_Y] = hy
    out[S_SH_X] = 0.5 * (ls[0] + rs[0])
    out[S_SH_Y] = 0.5 * (ls[1] + rs[1])
    out[S_HEAD_Y] = 0.5 * (p[L.LEFT_EAR][1] + p[L.RIGHT_EAR][1])
    legs = 0.0
    for k, (hip, knee, ankle, heel, toe) in enumerate(LEG_LMS):
        hp, kn, an, he, to = p[hip], p[knee], p[ankle], p[heel], p[toe]
        out[S_HEEL_X[k]] = he[0] - hx
        out[S_HEEL_Y[k]] = he[1] - hy
        out[S_TOE_X[k]] = to[0] - hx
        out[S_TOE_Y[k]] = to[1] - hy
        legs += math.hypot(hp[0] - kn[0], hp[1] - kn[1]) + math.hypot(kn[0] - an[0], kn[1] - an[1])
        out[S_FOOT_VIS[k]] = (he[3] + to[3] + an[3]) / 3.0
    out[S_LEG] = 0.5 * legs


# --- summaries ----------------------------------------------------------------------------


def measured(strides: Sequence[StrideRecord], name: str) -> tuple[list[MetricValue], list[str]]:
    """The values of metric ``name`` the strides measured, and the reasons given where a
    stride measured none (or qualified its value)."""
    values: list[MetricValue] = []
    reasons: list[str] = []
    for st in strides:
        mv = st.metrics.get(name)
        if mv is None:
            continue
        if mv.reason:
            reasons.append(mv.reason)
        if mv.value is not None:
            values.append(mv)
    return values, reasons


def summarize(strides: Sequence[StrideRecord], name: str, min_strides: int = 6) -> MetricValue:
    """Median over strides of one metric, confidence scaled by how many strides it stands on."""
    unit = METRICS[name].unit if name in METRICS else ""
    got, reasons = measured(strides, name)
    vals = [mv.value for mv in got if mv.value is not None]
    confs = [mv.confidence for mv in got]
    labels = [mv.label for mv in got if mv.label]
    if not vals:
        why = statistics.mode(reasons) if reasons else "no strides measured yet"
        return MetricValue(None, unit, 0.0, why)
    conf = statistics.median(confs) * min(1.0, len(vals) / min_strides)
    label = statistics.mode(labels) if labels else None
    reason = statistics.mode(reasons) if reasons and len(reasons) * 2 >= len(vals) else None
    return MetricValue(float(statistics.median(vals)), unit, conf, reason, label=label)
