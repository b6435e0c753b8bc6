"""The Pose method's checks of one step: the running pose's alignment at mid-stance (shoulders,
hips and the ball of the support foot on one line, and how far it leans) and the pull (the
swing foot coming up under the hips)."""

from __future__ import annotations

import math

import numpy as np

from edge.gait.metrics import F32, F64, LEG_LMS, L
from edge.gait.records import MetricValue
from edge.gait.step_values import StepContext, frame_at, mean_visibility, metric_value


def _ball(p: F64, heel: int, toe: int) -> F64:
    """Ball of the foot: 70 % of the way from the heel to the foot index (toe tip)."""
    out: F64 = p[..., heel, :2] + BALL_OF_FOOT * (p[..., toe, :2] - p[..., heel, :2])
    return out


#: Where the ball of the foot (the metatarsal heads) lies from heel to toe tip: ~70 % of
#: foot length (foot anthropometry; BlazePose's foot index is the tip of the toes).
BALL_OF_FOOT = 0.7


def pose_method_metrics(
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
    p = frame_at(t, xyzv, t_mid)
    hip = 0.5 * (p[L.LEFT_HIP, :2] + p[L.RIGHT_HIP, :2])
    sh = 0.5 * (p[L.LEFT_SHOULDER, :2] + p[L.RIGHT_SHOULDER, :2])
    ball = _ball(p, heel_c, toe_c)
    vis = min(
        mean_visibility(p, (heel_c, toe_c, ankle_c)), mean_visibility(p, (L.LEFT_HIP, L.RIGHT_HIP))
    )
    if np.isfinite(ball).all() and np.isfinite(sh).all() and ball[1] > sh[1]:
        dx = s * (sh[0] - ball[0]) / fs
        dy = ball[1] - sh[1]
        out["alignment_fall_deg"] = metric_value(
            "alignment_fall_deg", math.degrees(math.atan2(dx, dy)), vis
        )
        line_x = ball[0] + (sh[0] - ball[0]) * (ball[1] - hip[1]) / dy
        out["alignment_offset"] = metric_value(
            "alignment_offset", s * (hip[0] - line_x) / fs / leg, vis
        )
    else:
        for name in ("alignment_fall_deg", "alignment_offset"):
            out[name] = metric_value(
                name, None, 0.0, "support foot or shoulders not found at mid-stance"
            )
    # the swing foot over this step (the other leg lands at t_next)
    sel = (t >= t_contact) & (t <= t_next)
    seg = xyzv[sel].astype(np.float64)
    if seg.shape[0] >= 3:
        hips = 0.5 * (seg[:, L.LEFT_HIP, :2] + seg[:, L.RIGHT_HIP, :2])
        belt = float(p[heel_c, 1])  # the support heel is on the belt at mid-stance
        heel_h = (belt - seg[:, heel_o, 1]) / leg
        ank_fwd = s * (seg[:, ankle_o, 0] - hips[:, 0]) / fs
        vis_o = mean_visibility(seg, (heel_o, ankle_o, toe_o))
        ok = np.isfinite(heel_h) & np.isfinite(ank_fwd)
        cross = np.nonzero(ok[:-1] & ok[1:] & (ank_fwd[:-1] < 0) & (ank_fwd[1:] >= 0))[0]
        if cross.size and math.isfinite(belt):
            i = int(cross[0])
            w = -ank_fwd[i] / (ank_fwd[i + 1] - ank_fwd[i])
            h = (1 - w) * heel_h[i] + w * heel_h[i + 1]
            out["pull_heel_height"] = metric_value("pull_heel_height", h, vis_o)
        else:
            out["pull_heel_height"] = metric_value(
                "pull_heel_height", None, 0.0, "swing foot not seen passing under the hips"
            )
        if ok.any() and math.isfinite(belt):
            j = int(np.nanargmax(np.where(ok, heel_h, -np.inf)))
            behind = s * (hips[j, 0] - seg[j, heel_o, 0]) / fs / leg
            out["pull_heel_behind"] = metric_value("pull_heel_behind", behind, vis_o)
        else:
            out["pull_heel_behind"] = metric_value(
                "pull_heel_behind", None, 0.0, "swing foot not found"
            )
    else:
        for name in ("pull_heel_height", "pull_heel_behind"):
            out[name] = metric_value(name, None, 0.0, "no landmarks in this step")
    return out
