"""Form metrics of one step (contact to the next contact), by view: overstride and its
landing signs, shank and knee at contact, foot strike, contact time, trunk lean, head, arms,
vertical oscillation, the Pose method's alignment and pull."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

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
from edge.gait.records import MetricValue, View
from edge.gait.tuning import HEAD_PITCH_NEUTRAL_DEG, MIN_FPS_CONTACT_TIME
from edge.landmarks import Landmark

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


def _mean_vis(p: F64, lms: Iterable[Landmark]) -> float:
    v = p[..., list(lms), 3]
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else 0.0


@dataclass(frozen=True)
class StepContext:
    view: View
    facing: int
    leg_length: float
    torso_length: float
    capture_rate: float  # frames per second of capture time
    track_is_left: tuple[bool, bool]
    near_track: int  # 0 or 1 in side views: the leg/arm nearer the camera
    cadence_spm: MetricValue
    view_fit: float = 1.0  # 0.5..1: how clearly the landmarks show the view in use
    head_baseline_deg: float | None = None  # the runner's level-gaze ear→nose angle
    #: cos(camera yaw) in an oblique-side view (fore-aft distances look this much shorter);
    #: 1 in side views
    foreshortening: float = 1.0


def _interp_frame(t: F64, xyzv: F32, tc: float) -> F64:
    i = int(np.searchsorted(t, tc))
    i = min(max(i, 1), t.shape[0] - 1)
    t0, t1 = float(t[i - 1]), float(t[i])
    w = 0.0 if t1 <= t0 else min(1.0, max(0.0, (tc - t0) / (t1 - t0)))
    out: F64 = (1.0 - w) * xyzv[i - 1].astype(np.float64) + w * xyzv[i].astype(np.float64)
    return out


ARM_LMS = (
    (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
)


def _mv(
    spec: str, value: float | None, confidence: float, reason: str | None = None
) -> MetricValue:
    unit = METRICS[spec].unit
    if value is None or not math.isfinite(value):
        return MetricValue(None, unit, 0.0, reason or "not measurable in this step")
    return MetricValue(float(value), unit, float(max(0.0, min(1.0, confidence))), reason)


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
    m["step_time_ms"] = _mv("step_time_ms", 1000.0 * step_s, event_conf)
    if seg.shape[0] < 2:
        for name in METRICS:
            m.setdefault(name, _mv(name, None, 0.0, "no landmarks in this step"))
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
    p = _interp_frame(t, xyzv, t_contact)
    hip_c, knee_c, ankle_c, heel_c, toe_c = LEG_LMS[track]
    vis_leg = min(_mean_vis(p, LEG_LMS[track][1:]), event_conf)
    fs = ctx.foreshortening
    if side and np.isfinite(p[heel_c, 0]):
        hip_x = 0.5 * (p[L.LEFT_HIP, 0] + p[L.RIGHT_HIP, 0])
        if fs < 1.0:
            # oblique: a leg moves in its own sagittal plane, seen turned by the yaw; measured
            # from its own hip (same sideways offset) and stretched back by 1 / cos(yaw)
            hip_x = float(p[hip_c, 0])
            p = p.copy()
            p[:, 0] = hip_x + (p[:, 0] - hip_x) / fs
        m["overstride"] = _mv("overstride", s * (p[heel_c, 0] - hip_x) / leg, vis_leg)
        dx, dy = s * (p[ankle_c, 0] - p[knee_c, 0]), p[ankle_c, 1] - p[knee_c, 1]
        m["shank_angle_deg"] = _mv("shank_angle_deg", math.degrees(math.atan2(dx, dy)), vis_leg)
        knee = float(_angle_at(p[hip_c, :2], p[knee_c, :2], p[ankle_c, :2]))
        m["knee_flexion_deg"] = _mv("knee_flexion_deg", 180.0 - knee, vis_leg)
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
            m["contact_time_ms"] = _mv("contact_time_ms", 1000.0 * ct, conf, reason)
            m["duty_factor"] = _mv("duty_factor", ct / stride_s, conf, reason)
        else:
            for name in ("contact_time_ms", "duty_factor"):
                m[name] = _mv(name, None, 0.0, "toe-off of this foot not found")
    else:
        reason = SIDE_ONLY_REASON if not side else "heel not found at contact"
        for name in (
            "overstride",
            "shank_angle_deg",
            "knee_flexion_deg",
            "foot_strike",
            "overstride_landing",
        ):
            m[name] = _mv(name, None, 0.0, reason)
        for name in ("contact_time_ms", "duty_factor"):
            m[name] = _mv(name, None, 0.0, reason)

    # --- over the step ---
    vis_trunk = _mean_vis(seg, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP))
    vis_head = _mean_vis(seg, (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR))
    if side:
        d = sh - hip
        lean = np.degrees(np.arctan2(s * d[:, 0], -d[:, 1]))
        m["trunk_lean_deg"] = _mv("trunk_lean_deg", _nanmedian(lean), vis_trunk * cov)
        fwd = s * (ears[:, 0] - sh[:, 0]) / ctx.torso_length
        m["head_forward"] = _mv("head_forward", _nanmedian(fwd), vis_head * cov)
        nd = seg[:, L.NOSE, :2] - ears
        up = np.degrees(np.arctan2(-nd[:, 1], s * nd[:, 0]))
        raw = _nanmedian(-up)
        base = HEAD_PITCH_NEUTRAL_DEG if ctx.head_baseline_deg is None else ctx.head_baseline_deg
        m["head_ear_nose_deg"] = _mv("head_ear_nose_deg", raw, vis_head * cov)
        pitch = None if raw is None else raw - base
        m["head_pitch_deg"] = _mv("head_pitch_deg", pitch, vis_head * cov)
        for name in ("head_tilt_deg", "head_sway"):
            m[name] = _mv(name, None, 0.0, FRONTAL_ONLY_REASON)
    else:
        for name in ("trunk_lean_deg", "head_forward", "head_pitch_deg", "head_ear_nose_deg"):
            m[name] = _mv(name, None, 0.0, SIDE_ONLY_REASON)
        eye = seg[:, L.RIGHT_EYE, :2] - seg[:, L.LEFT_EYE, :2]
        tilt = np.degrees(np.arctan2(eye[:, 1], eye[:, 0]))
        tilt = (tilt + 90.0) % 180.0 - 90.0  # a left/right label swap must not flip it
        vis_eyes = _mean_vis(seg, (L.LEFT_EYE, L.RIGHT_EYE))
        m["head_tilt_deg"] = _mv("head_tilt_deg", _nanmedian(tilt), vis_eyes * cov)
        sw = float(np.nanmedian(np.abs(seg[:, L.LEFT_SHOULDER, 0] - seg[:, L.RIGHT_SHOULDER, 0])))
        sway = _smooth_short(seg[:, L.NOSE, 0] - hip[:, 0], ctx.capture_rate)
        sway = sway[np.isfinite(sway)]
        value = float(sway.max() - sway.min()) / sw if sway.size and sw > 0 else None
        m["head_sway"] = _mv("head_sway", value, vis_head * cov)
    # leg length is foreshortened from the front: bounce per leg length is approximate there
    bounce_note = None if side else "frontal view: leg length foreshortened, approximate"
    fit = 1.0 if side else 0.5
    bob = peak_to_peak_fit(seg_t, ears[:, 1], period)
    m["head_bob"] = _mv(
        "head_bob", None if bob is None else bob / leg, fit * vis_head * cov, bounce_note
    )
    vo = peak_to_peak_fit(seg_t, hip[:, 1], period)
    m["vertical_oscillation"] = _mv(
        "vertical_oscillation", None if vo is None else vo / leg, fit * vis_trunk * cov, bounce_note
    )

    # --- the Pose method's own checks: alignment at mid-stance, the pull in swing ---
    for name, mv in _pose_method(t, xyzv, t_contact, t_next, track, toe_off_t, ctx).items():
        m[name] = mv if side else _mv(name, None, 0.0, SIDE_ONLY_REASON)

    # --- arms ---
    m["arm_crossover"] = _arm_crossover(seg, side, cov, ctx.capture_rate)
    if side:
        arm = ARM_LMS[ctx.near_track]
        ea = _angle_at(seg[:, arm[0], :2], seg[:, arm[1], :2], seg[:, arm[2], :2])
        m["elbow_angle_deg"] = _mv("elbow_angle_deg", _nanmedian(ea), _mean_vis(seg, arm) * cov)
    else:
        m["elbow_angle_deg"] = _mv("elbow_angle_deg", None, 0.0, SIDE_ONLY_REASON)
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
        return _mv("overstride_landing", None, 0.0, "heel not found at contact")
    if heel < cfg.overstride_heel_ahead:
        return _mv("overstride_landing", 0.0, conf)
    signs = 1.0
    shank, knee = m["shank_angle_deg"].value, m["knee_flexion_deg"].value
    if shank is not None and shank > cfg.overstride_shank_deg:
        signs += 1.0
    if knee is not None and knee < cfg.overstride_knee_flexion_deg:
        signs += 1.0
    cad = ctx.cadence_spm.value
    if cad is not None and cad < cfg.overstride_cadence_spm:
        signs += 1.0
    return _mv("overstride_landing", signs, conf)


def _ball(p: F64, heel: int, toe: int) -> F64:
    """Ball of the foot: 70 % of the way from the heel to the foot index (toe tip)."""
    out: F64 = p[..., heel, :2] + BALL_OF_FOOT * (p[..., toe, :2] - p[..., heel, :2])
    return out


#: Where the ball of the foot (the metatarsal heads) lies from heel to toe tip: ~70 % of
#: foot length (foot anthropometry; BlazePose's foot index is the tip of the toes).
BALL_OF_FOOT = 0.7


def _pose_method(
    t: F64,
    xyzv: F32,
    t_contact: float,
    t_next: float,
    track: int,
    toe_off_t: float | None,
    ctx: StepContext,
) -> dict[str, MetricValue]:
    """The Pose method's checks, from the seeds (the running pose, the fall, the pull).

    Alignment at mid-stance (half-way from contact to toe-off, or 35 % of the step when
    the toe-off is not known): shoulders, hips and the ball of the support foot on one line
    (``alignment_offset``: how far the hips are off it, + = ahead) and how far that line
    leans forward (``alignment_fall_deg``). The pull: while the support foot is down the
    other foot swings through; it should come up under the hips, not trail behind:
    ``pull_heel_height`` is the swing heel's height above the belt when its ankle passes
    under the hips, ``pull_heel_behind`` how far behind the hips the heel is at its highest.
    """
    out: dict[str, MetricValue] = {}
    s = float(ctx.facing)
    leg = ctx.leg_length
    fs = ctx.foreshortening
    _, _, ankle_c, heel_c, toe_c = LEG_LMS[track]
    _, _, ankle_o, heel_o, toe_o = LEG_LMS[1 - track]
    t_mid = (
        0.5 * (t_contact + toe_off_t)
        if toe_off_t is not None and t_contact < toe_off_t < t_next + 0.5 * (t_next - t_contact)
        else t_contact + 0.35 * (t_next - t_contact)
    )
    p = _interp_frame(t, xyzv, t_mid)
    hip = 0.5 * (p[L.LEFT_HIP, :2] + p[L.RIGHT_HIP, :2])
    sh = 0.5 * (p[L.LEFT_SHOULDER, :2] + p[L.RIGHT_SHOULDER, :2])
    ball = _ball(p, heel_c, toe_c)
    vis = min(_mean_vis(p, (heel_c, toe_c, ankle_c)), _mean_vis(p, (L.LEFT_HIP, L.RIGHT_HIP)))
    if np.isfinite(ball).all() and np.isfinite(sh).all() and ball[1] > sh[1]:
        dx = s * (sh[0] - ball[0]) / fs
        dy = ball[1] - sh[1]
        out["alignment_fall_deg"] = _mv("alignment_fall_deg", math.degrees(math.atan2(dx, dy)), vis)
        line_x = ball[0] + (sh[0] - ball[0]) * (ball[1] - hip[1]) / dy
        out["alignment_offset"] = _mv("alignment_offset", s * (hip[0] - line_x) / fs / leg, vis)
    else:
        for name in ("alignment_fall_deg", "alignment_offset"):
            out[name] = _mv(name, None, 0.0, "support foot or shoulders not found at mid-stance")
    # the swing foot over this step (the other leg lands at t_next)
    sel = (t >= t_contact) & (t <= t_next)
    seg = xyzv[sel].astype(np.float64)
    if seg.shape[0] >= 3:
        hips = 0.5 * (seg[:, L.LEFT_HIP, :2] + seg[:, L.RIGHT_HIP, :2])
        belt = float(p[heel_c, 1])  # the support heel is on the belt at mid-stance
        heel_h = (belt - seg[:, heel_o, 1]) / leg
        ank_fwd = s * (seg[:, ankle_o, 0] - hips[:, 0]) / fs
        vis_o = _mean_vis(seg, (heel_o, ankle_o, toe_o))
        ok = np.isfinite(heel_h) & np.isfinite(ank_fwd)
        cross = np.nonzero(ok[:-1] & ok[1:] & (ank_fwd[:-1] < 0) & (ank_fwd[1:] >= 0))[0]
        if cross.size and math.isfinite(belt):
            i = int(cross[0])
            w = -ank_fwd[i] / (ank_fwd[i + 1] - ank_fwd[i])
            h = (1 - w) * heel_h[i] + w * heel_h[i + 1]
            out["pull_heel_height"] = _mv("pull_heel_height", h, vis_o)
        else:
            out["pull_heel_height"] = _mv(
                "pull_heel_height", None, 0.0, "swing foot not seen passing under the hips"
            )
        if ok.any() and math.isfinite(belt):
            j = int(np.nanargmax(np.where(ok, heel_h, -np.inf)))
            behind = s * (hips[j, 0] - seg[j, heel_o, 0]) / fs / leg
            out["pull_heel_behind"] = _mv("pull_heel_behind", behind, vis_o)
        else:
            out["pull_heel_behind"] = _mv("pull_heel_behind", None, 0.0, "swing foot not found")
    else:
        for name in ("pull_heel_height", "pull_heel_behind"):
            out[name] = _mv(name, None, 0.0, "no landmarks in this step")
    return out


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
        return _mv("arm_crossover", None, 0.0, "shoulder width not measurable")
    # +1 when the runner's left appears at larger coordinate; robust to a consistent swap
    lat = float(np.sign(np.nanmedian(shl - shr)))
    cross_l = _smooth_short(lat * (mid - seg[:, L.LEFT_WRIST, axis]) / width, rate)
    cross_r = _smooth_short(lat * (seg[:, L.RIGHT_WRIST, axis] - mid) / width, rate)
    both = np.concatenate([cross_l, cross_r])
    both = both[np.isfinite(both)]
    if both.size == 0:
        return _mv("arm_crossover", None, 0.0, "wrists not found")
    vis = _mean_vis(seg, (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    if side:
        return _mv(
            "arm_crossover",
            float(both.max()),
            0.3 * vis * cov,
            "from depth in a side view: low confidence",
        )
    return _mv("arm_crossover", float(both.max()), vis * cov)
