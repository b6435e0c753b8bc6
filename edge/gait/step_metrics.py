"""Form metrics of one step (contact to the next contact), by view: overstride and its
landing signs, shank and knee at contact, foot strike, contact time, trunk lean, head, arms,
vertical oscillation, the Pose method's alignment and pull."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from edge.gait.bounce import peak_to_peak_fit
from edge.gait.config import GaitConfig
from edge.gait.metrics import (
    F32,
    F64,
    FRONTAL_ONLY_REASON,
    LEG_LMS,
    METRICS,
    SIDE,
    SIDE_ONLY_REASON,
    L,
)
from edge.gait.pose_method import pose_method_metrics
from edge.gait.records import MetricValue
from edge.gait.step_values import StepContext, frame_at, mean_visibility, metric_value
from edge.gait.tuning import HEAD_PITCH_NEUTRAL_DEG, MIN_FPS_CONTACT_TIME

# --- small geometry -----------------------------------------------------------------------


def _angle_at(a: F64, b: F64, c: F64) -> F64:
    """Angle ABC in degrees for arrays (..., 2)."""
    v1, v2 = a - b, c - b
    cos = (v1 * v2).sum(-1) / (np.hypot(v1[..., 0], v1[..., 1]) * np.hypot(v2[..., 0], v2[..., 1]))
    out: F64 = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return out


def _nanmedian(x: F64) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else None


ARM_LMS = (
    (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
)


def step_metrics(
    t: F64,
    xyzv: F32,
    *,
    t_contact: float,
    t_next: float,
    track: int,
    event_conf: float,
    toe_off_t: float | None,
    stride_s: float | None,
    ctx: StepContext,
    cfg: GaitConfig,
) -> dict[str, MetricValue]:
    """Metrics of the step from ``t_contact`` (foot ``track``) to ``t_next``.

    ``t``/``xyzv``: frames covering the step (square units, tracked), oldest first.
    """
    m: dict[str, MetricValue] = {}
    side = ctx.view in SIDE
    s = float(ctx.facing)
    leg = ctx.leg_length
    in_step = (t >= t_contact) & (t < t_next)
    seg = xyzv[in_step].astype(np.float64)
    seg_t = t[in_step]
    valid = np.isfinite(seg[:, L.LEFT_HIP, 0])
    seg, seg_t = seg[valid], seg_t[valid]
    coverage = seg.shape[0] / max(1.0, (t_next - t_contact) * ctx.capture_rate)
    cov = min(1.0, coverage)
    step_s = t_next - t_contact
    m["cadence_spm"] = ctx.cadence_spm
    m["step_time_ms"] = metric_value("step_time_ms", 1000.0 * step_s, event_conf)
    if seg.shape[0] < 2:
        for name in METRICS:
            m.setdefault(name, metric_value(name, None, 0.0, "no landmarks in this step"))
        return m
    hip = 0.5 * (seg[:, L.LEFT_HIP, :2] + seg[:, L.RIGHT_HIP, :2])
    sh = 0.5 * (seg[:, L.LEFT_SHOULDER, :2] + seg[:, L.RIGHT_SHOULDER, :2])
    ears = 0.5 * (seg[:, L.LEFT_EAR, :2] + seg[:, L.RIGHT_EAR, :2])
    if ctx.foreshortening < 1.0 and side:
        # midpoints sit on the body's midline: fore-aft offsets shrink by cos(yaw) only
        sh[:, 0] = hip[:, 0] + (sh[:, 0] - hip[:, 0]) / ctx.foreshortening
        ears[:, 0] = hip[:, 0] + (ears[:, 0] - hip[:, 0]) / ctx.foreshortening
    period = max(step_s, 1e-3)

    # --- at initial contact (side views) ---
    p = frame_at(t, xyzv, t_contact)
    hip_c, knee_c, ankle_c, heel_c, toe_c = LEG_LMS[track]
    vis_leg = min(mean_visibility(p, LEG_LMS[track][1:]), event_conf)
    fs = ctx.foreshortening
    if side and np.isfinite(p[heel_c, 0]):
        hip_x = 0.5 * (p[L.LEFT_HIP, 0] + p[L.RIGHT_HIP, 0])
        if fs < 1.0:
            # oblique: a leg moves in its own sagittal plane, seen turned by the yaw; measured
            # from its own hip (same sideways offset) and stretched back by 1 / cos(yaw)
            hip_x = float(p[hip_c, 0])
            p = p.copy()
            p[:, 0] = hip_x + (p[:, 0] - hip_x) / fs
        m["overstride"] = metric_value("overstride", s * (p[heel_c, 0] - hip_x) / leg, vis_leg)
        dx, dy = s * (p[ankle_c, 0] - p[knee_c, 0]), p[ankle_c, 1] - p[knee_c, 1]
        m["shank_angle_deg"] = metric_value(
            "shank_angle_deg", math.degrees(math.atan2(dx, dy)), vis_leg
        )
        knee = float(_angle_at(p[hip_c, :2], p[knee_c, :2], p[ankle_c, :2]))
        m["knee_flexion_deg"] = metric_value("knee_flexion_deg", 180.0 - knee, vis_leg)
        fx, fy = s * (p[toe_c, 0] - p[heel_c, 0]), -(p[toe_c, 1] - p[heel_c, 1])
        angle = math.degrees(math.atan2(fy, fx))
        if angle > cfg.rearfoot_above_deg:
            label = "rearfoot"
        elif angle < cfg.forefoot_below_deg:
            label = "forefoot"
        else:
            label = "midfoot"
        m["foot_strike"] = MetricValue(angle, "deg", vis_leg, None, label=label)
        m["overstride_landing"] = _landing_signs(m, ctx, cfg, vis_leg)
        if toe_off_t is not None and stride_s is not None:
            ct = toe_off_t - t_contact
            approx = ctx.capture_rate < MIN_FPS_CONTACT_TIME
            reason = (
                f"approximate: {ctx.capture_rate:.0f} fps is below {MIN_FPS_CONTACT_TIME:.0f} fps"
                if approx
                else None
            )
            conf = vis_leg * (0.6 if approx else 1.0)
            m["contact_time_ms"] = metric_value("contact_time_ms", 1000.0 * ct, conf, reason)
            m["duty_factor"] = metric_value("duty_factor", ct / stride_s, conf, reason)
        else:
            for name in ("contact_time_ms", "duty_factor"):
                m[name] = metric_value(name, None, 0.0, "toe-off of this foot not found")
    else:
        reason = SIDE_ONLY_REASON if not side else "heel not found at contact"
        for name in (
            "overstride",
            "shank_angle_deg",
            "knee_flexion_deg",
            "foot_strike",
            "overstride_landing",
        ):
            m[name] = metric_value(name, None, 0.0, reason)
        for name in ("contact_time_ms", "duty_factor"):
            m[name] = metric_value(name, None, 0.0, reason)

    # --- over the step ---
    vis_trunk = mean_visibility(seg, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP))
    vis_head = mean_visibility(seg, (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR))
    if side:
        d = sh - hip
        lean = np.degrees(np.arctan2(s * d[:, 0], -d[:, 1]))
        m["trunk_lean_deg"] = metric_value("trunk_lean_deg", _nanmedian(lean), vis_trunk * cov)
        fwd = s * (ears[:, 0] - sh[:, 0]) / ctx.torso_length
        m["head_forward"] = metric_value("head_forward", _nanmedian(fwd), vis_head * cov)
        nd = seg[:, L.NOSE, :2] - ears
        up = np.degrees(np.arctan2(-nd[:, 1], s * nd[:, 0]))
        raw = _nanmedian(-up)
        base = HEAD_PITCH_NEUTRAL_DEG if ctx.head_baseline_deg is None else ctx.head_baseline_deg
        m["head_ear_nose_deg"] = metric_value("head_ear_nose_deg", raw, vis_head * cov)
        pitch = None if raw is None else raw - base
        m["head_pitch_deg"] = metric_value("head_pitch_deg", pitch, vis_head * cov)
        for name in ("head_tilt_deg", "head_sway"):
            m[name] = metric_value(name, None, 0.0, FRONTAL_ONLY_REASON)
    else:
        for name in ("trunk_lean_deg", "head_forward", "head_pitch_deg", "head_ear_nose_deg"):
            m[name] = metric_value(name, None, 0.0, SIDE_ONLY_REASON)
        eye = seg[:, L.RIGHT_EYE, :2] - seg[:, L.LEFT_EYE, :2]
        tilt = np.degrees(np.arctan2(eye[:, 1], eye[:, 0]))
        tilt = (tilt + 90.0) % 180.0 - 90.0  # a left/right label swap must not flip it
        vis_eyes = mean_visibility(seg, (L.LEFT_EYE, L.RIGHT_EYE))
        m["head_tilt_deg"] = metric_value("head_tilt_deg", _nanmedian(tilt), vis_eyes * cov)
        sw = float(np.nanmedian(np.abs(seg[:, L.LEFT_SHOULDER, 0] - seg[:, L.RIGHT_SHOULDER, 0])))
        sway = _smooth_short(seg[:, L.NOSE, 0] - hip[:, 0], ctx.capture_rate)
        sway = sway[np.isfinite(sway)]
        value = float(sway.max() - sway.min()) / sw if sway.size and sw > 0 else None
        m["head_sway"] = metric_value("head_sway", value, vis_head * cov)
    # leg length is foreshortened from the front: bounce per leg length is approximate there
    bounce_note = None if side else "frontal view: leg length foreshortened, approximate"
    fit = 1.0 if side else 0.5
    bob = peak_to_peak_fit(seg_t, ears[:, 1], period)
    m["head_bob"] = metric_value(
        "head_bob", None if bob is None else bob / leg, fit * vis_head * cov, bounce_note
    )
    vo = peak_to_peak_fit(seg_t, hip[:, 1], period)
    m["vertical_oscillation"] = metric_value(
        "vertical_oscillation", None if vo is None else vo / leg, fit * vis_trunk * cov, bounce_note
    )

    # --- the Pose method's own checks: alignment at mid-stance, the pull in swing ---
    for name, mv in pose_method_metrics(t, xyzv, t_contact, t_next, track, toe_off_t, ctx).items():
        m[name] = mv if side else metric_value(name, None, 0.0, SIDE_ONLY_REASON)

    # --- arms ---
    m["arm_crossover"] = _arm_crossover(seg, side, cov, ctx.capture_rate)
    if side:
        arm = ARM_LMS[ctx.near_track]
        ea = _angle_at(seg[:, arm[0], :2], seg[:, arm[1], :2], seg[:, arm[2], :2])
        m["elbow_angle_deg"] = metric_value(
            "elbow_angle_deg", _nanmedian(ea), mean_visibility(seg, arm) * cov
        )
    else:
        m["elbow_angle_deg"] = metric_value("elbow_angle_deg", None, 0.0, SIDE_ONLY_REASON)
    if ctx.view_fit < 1.0:
        m = {
            k: v if k == "cadence_spm" else replace(v, confidence=v.confidence * ctx.view_fit)
            for k, v in m.items()
        }
    return m


def _landing_signs(
    m: dict[str, MetricValue], ctx: StepContext, cfg: GaitConfig, conf: float
) -> MetricValue:
    """Overstride from the landing geometry together, not one distance.

    0 when the heel lands within ``overstride_heel_ahead`` of the hips; otherwise 1 plus one
    for each sign that comes with a real overstride: the shank inclined forward, the knee
    nearly straight, a low cadence. A heel ahead of the hips with a vertical shank at a
    quick cadence is a long-legged or fast runner landing well, not an overstride.
    """
    heel = m["overstride"].value
    if heel is None:
        return metric_value("overstride_landing", None, 0.0, "heel not found at contact")
    if heel < cfg.overstride_heel_ahead:
        return metric_value("overstride_landing", 0.0, conf)
    signs = 1.0
    shank, knee = m["shank_angle_deg"].value, m["knee_flexion_deg"].value
    if shank is not None and shank > cfg.overstride_shank_deg:
        signs += 1.0
    if knee is not None and knee < cfg.overstride_knee_flexion_deg:
        signs += 1.0
    cad = ctx.cadence_spm.value
    if cad is not None and cad < cfg.overstride_cadence_spm:
        signs += 1.0
    return metric_value("overstride_landing", signs, conf)


def _smooth_short(x: F64, rate: float) -> F64:
    """~50 ms centred moving average (keeps landmark jitter out of maxima and ranges)."""
    k = max(1, round(0.05 * rate)) | 1
    if k == 1 or x.shape[0] < k:
        return x
    out: F64 = np.convolve(x, np.ones(k) / k, mode="valid")
    return out


def _arm_crossover(seg: F64, side: bool, cov: float, rate: float) -> MetricValue:
    """How far a wrist passes the shoulder–hip midline, in shoulder widths (max over the step).

    Frontal views see it directly; side views can only estimate it from landmark depth,
    which BlazePose guesses, so the value is flagged low confidence.
    """
    axis = 2 if side else 0  # side: the body's left-right axis is the camera's depth
    shl, shr = seg[:, L.LEFT_SHOULDER, axis], seg[:, L.RIGHT_SHOULDER, axis]
    mid = 0.25 * (shl + shr + seg[:, L.LEFT_HIP, axis] + seg[:, L.RIGHT_HIP, axis])
    width = float(np.nanmedian(np.abs(shl - shr)))
    if not math.isfinite(width) or width <= 1e-6:
        return metric_value("arm_crossover", None, 0.0, "shoulder width not measurable")
    # +1 when the runner's left appears at larger coordinate; robust to a consistent swap
    lat = float(np.sign(np.nanmedian(shl - shr)))
    cross_l = _smooth_short(lat * (mid - seg[:, L.LEFT_WRIST, axis]) / width, rate)
    cross_r = _smooth_short(lat * (seg[:, L.RIGHT_WRIST, axis] - mid) / width, rate)
    both = np.concatenate([cross_l, cross_r])
    both = both[np.isfinite(both)]
    if both.size == 0:
        return metric_value("arm_crossover", None, 0.0, "wrists not found")
    vis = mean_visibility(seg, (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    if side:
        return metric_value(
            "arm_crossover",
            float(both.max()),
            0.3 * vis * cov,
            "from depth in a side view: low confidence",
        )
    return metric_value("arm_crossover", float(both.max()), vis * cov)
