"""The synthetic runner's body: a stick figure from a gait phase, projected into a view.

The runner is a stick figure built in body coordinates (metres; ``f`` forward, ``u`` up,
``l`` towards the runner's left; origin on the belt under the hips) from a gait phase, then
projected orthographically into the chosen camera view and written as BlazePose-shaped
landmarks: ``(33, 4)`` float32 = x, y normalized to the frame width/height, z (depth,
same scale as x, smaller = nearer the camera, 0 at the hips) and visibility.

Construction, so the parameters *are* the ground truth:

- Gait phase ``phase`` counts strides (1.0 = one stride = two steps). The right foot
  touches down at integer phases, the left at half-integers; each foot is on the belt for
  ``duty_factor`` of a stride.
- Stance: the foot rides the belt backwards at constant speed. The heel is
  ``overstride * leg_length`` ahead of the hips at initial contact. The foot angle (heel →
  foot-index line against the belt, positive = toes up) at contact is set by
  ``foot_strike``; the foot rolls flat about the heel (rearfoot/midfoot) or the toes
  (forefoot), then rolls onto the toes before toe-off.
- Swing: the foot eases from its toe-off pose to the next contact pose (zero velocity at
  both ends), so initial contact is the heel's most forward point relative to the hips and
  toe-off the toes' most backward point (Zeni et al. 2008's coordinate method is exact here).
  With ``swing_retraction_s`` set, as real runners do, the heel reaches its most forward
  point that long *before* contact and is then pulled back, speeding up until it moves at
  the belt's speed as it lands (no kink: the contact shows only in the heel's height, which
  reaches the belt at the contact time).
- Trunk (hip → shoulder midpoints) leans forward by ``trunk_lean_deg``; the ears sit
  ``head_forward * torso_length`` ahead of the shoulders; the ear → nose line is
  ``NEUTRAL_EAR_NOSE_DEG`` below horizontal when ``head_pitch_deg`` is 0.
- Arms swing opposite to the legs with a fixed elbow angle; at its most forward point each
  wrist is ``arm_crossover * shoulder_width`` past the body's midline (negative = stays on
  its own side).
- The hips rise and fall by ``vertical_oscillation * leg_length`` once per step, lowest at
  mid-stance.

Callers build a :class:`~edge.gait.synthetic.RunnerParams` and draw it with
:func:`edge.gait.synthetic.pose_at_phase` or generate a whole clip there.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from edge.landmarks import LEFT_RIGHT_PAIRS, NUM_LANDMARKS, Landmark

if TYPE_CHECKING:
    from edge.gait.synthetic import RunnerParams

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

# --- body dimensions (metres) --------------------------------------------------------------
THIGH_M = 0.45
SHANK_M = 0.45
LEG_M = THIGH_M + SHANK_M  # the leg length every normalized metric divides by
TORSO_M = 0.50  # hip midpoint → shoulder midpoint
HIP_HALF_M = 0.10
SHOULDER_HALF_M = 0.19
SHOULDER_WIDTH_M = 2 * SHOULDER_HALF_M
UPPER_ARM_M = 0.29
FOREARM_M = 0.26
ANKLE_UP_M = 0.07  # ankle centre above the sole
HEEL_BACK_M = 0.06  # heel behind the ankle
TOE_FWD_M = 0.15  # foot index ahead of the ankle
FOOT_M = HEEL_BACK_M + TOE_FWD_M
NECK_M = 0.20  # shoulder midpoint → ear midpoint, vertical
#: Mean hip height above the belt of a runner landing under the hips: high enough for the
#: legs (thigh + shank + ankle, 0.97 m) to land with the knee bent ~15-20 deg and the shank
#: near vertical, as a good runner does (real side clips: shank -2 deg, knee 13 deg at an
#: overstride of 0.06). A lower hip bends every landing knee ~50 deg and tilts the shank
#: back ~20 deg, outside the shank's normal range.
HIP_HEIGHT_M = 0.96
#: A runner reaching further ahead lands lower, the knee bent to reach the belt: the hips
#: drop this much (m) per leg length of overstride (real clips: shank +5 deg and knee 23 deg
#: at an overstride of 0.29).
OVERSTRIDE_HIP_DROP_M = 0.25
BODY_HEIGHT_M = 1.75
CAMERA_DISTANCE_M = 3.0  # front/rear views only (perspective)
#: Angle of the ear → nose line below horizontal with the head level (gaze forward).
NEUTRAL_EAR_NOSE_DEG = 15.0
_NOSE_FROM_EAR = (
    0.10 * math.cos(math.radians(NEUTRAL_EAR_NOSE_DEG)),
    -0.10 * math.sin(math.radians(NEUTRAL_EAR_NOSE_DEG)),
)
TOE_OFF_FOOT_DEG = -40.0
_ROLL_IN = 0.15  # fraction of stance spent rolling flat after contact
_ROLL_OFF = 0.55  # fraction of stance where the heel starts to rise
_TOE_OFF_BEHIND_M = 0.30  # toes behind the hips at toe-off
_SWING_LIFT_M = 0.25
_ARM_SWING_DEG = 35.0
_ARM_MEAN_DEG = -5.0
_WRIST_OUT_M = 0.17  # wrist's lateral distance from the midline at the back of the swing


def _rot(fx: F64, ux: F64, ang: F64) -> tuple[F64, F64]:
    c, s = np.cos(ang), np.sin(ang)
    return c * fx - s * ux, s * fx + c * ux


def _ease(s: F64) -> F64:
    out: F64 = 0.5 - 0.5 * np.cos(np.pi * s)
    return out


def _stance_foot(tau: F64, p: RunnerParams) -> tuple[F64, F64, F64, F64]:
    """Heel (f, u) and foot angle (rad) and belt speed during stance, ``tau`` = stance fraction."""
    th_s = math.radians(p.strike_angle_deg)
    th_to = math.radians(TOE_OFF_FOOT_DEG)
    x_h0 = p.overstride * LEG_M
    # toes on the belt once the foot is flat; they end _TOE_OFF_BEHIND_M behind the hips
    toe_flat_x0 = x_h0 + FOOT_M if p.foot_strike != "forefoot" else x_h0 + FOOT_M * math.cos(th_s)
    v = (toe_flat_x0 + _TOE_OFF_BEHIND_M) / p.contact_time_s  # belt speed, m/s
    tsec = tau * p.contact_time_s
    roll_in = np.clip(tau / _ROLL_IN, 0.0, 1.0)
    roll_off = np.clip((tau - _ROLL_OFF) / (1.0 - _ROLL_OFF), 0.0, 1.0)
    theta = th_s * (1.0 - _ease(roll_in)) + th_to * _ease(roll_off)
    if p.foot_strike == "forefoot":
        toe_x = toe_flat_x0 - v * tsec
        heel_x = toe_x - FOOT_M * np.cos(theta)
        heel_u = -FOOT_M * np.sin(theta)
    else:
        # heel-anchored while rolling in and flat, toe-anchored while rolling off
        heel_x_roll_in = x_h0 - v * tsec
        toe_x = x_h0 + FOOT_M - v * tsec
        heel_x_roll_off = toe_x - FOOT_M * np.cos(theta)
        heel_u_roll_off = -FOOT_M * np.sin(theta)
        late = tau >= _ROLL_OFF
        heel_x = np.where(late, heel_x_roll_off, heel_x_roll_in)
        heel_u = np.where(late, heel_u_roll_off, 0.0)
    return heel_x, heel_u, theta, np.full_like(tau, v)


def _foot(pf: F64, p: RunnerParams) -> tuple[F64, F64, F64]:
    """Heel (f, u) and foot angle for a foot at local phase ``pf`` in [0, 1)."""
    d = p.duty_factor
    stance = pf < d
    tau = np.clip(pf / d, 0.0, 1.0)
    hx_st, hu_st, th_st, _ = _stance_foot(tau, p)
    one = np.ones(1)
    hx0, hu0, th0, _ = _stance_foot(one, p)  # toe-off pose
    hx1, hu1, th1, _ = _stance_foot(np.zeros(1), p)  # contact pose
    s = np.clip((pf - d) / (1.0 - d), 0.0, 1.0)
    e = _ease(s)
    hx_sw = hx0 + (hx1 - hx0) * e
    swing_s = (1.0 - d) * p.stride_s
    if p.swing_retraction_s > 0.0:
        # forward to ``reach`` ahead of the contact point, then pulled back at constant
        # acceleration from rest to the belt's speed, landing at the contact point
        _, _, _, belt = _stance_foot(np.zeros(1), p)
        r = min(p.swing_retraction_s, 0.5 * swing_s)
        reach = 0.5 * float(belt[0]) * r
        s_r = 1.0 - r / swing_s
        fwd = hx0 + (hx1 + reach - hx0) * _ease(np.clip(s / s_r, 0.0, 1.0))
        back = hx1 + reach - reach * np.clip((s - s_r) / (1.0 - s_r), 0.0, 1.0) ** 2
        hx_sw = np.where(s < s_r, fwd, back)
    hu_sw = hu0 + (hu1 - hu0) * e + _SWING_LIFT_M * np.sin(np.pi * s) ** 2
    th_sw = th0 + (th1 - th0) * e
    return (
        np.where(stance, hx_st, hx_sw),
        np.where(stance, hu_st, hu_sw),
        np.where(stance, th_st, th_sw),
    )


def _knee(hf: F64, hu: F64, af: F64, au: F64) -> tuple[F64, F64]:
    df, du = af - hf, au - hu
    dist = np.clip(np.hypot(df, du), abs(THIGH_M - SHANK_M) + 1e-6, LEG_M - 1e-6)
    cos_a = (THIGH_M**2 + dist**2 - SHANK_M**2) / (2 * THIGH_M * dist)
    alpha = np.arccos(np.clip(cos_a, -1.0, 1.0))
    n = np.hypot(df, du)
    uf, uu = df / n, du / n
    rf, ru = _rot(uf, uu, alpha)  # rotate towards +f: the knee bends forward
    return hf + THIGH_M * rf, hu + THIGH_M * ru


def body_points(phase: F64, p: RunnerParams) -> F64:
    """(N, 33, 3) body coordinates (f, u, l) in metres for an array of gait phases."""
    n = phase.shape[0]
    out = np.zeros((n, NUM_LANDMARKS, 3))
    L = Landmark  # noqa: N806
    stride_phase = np.mod(phase, 1.0)
    q = np.mod(2.0 * phase, 1.0)
    hip_u = (
        HIP_HEIGHT_M
        - OVERSTRIDE_HIP_DROP_M * p.overstride
        - 0.5 * p.vertical_oscillation * LEG_M * np.cos(2 * np.pi * (q - p.duty_factor))
    )
    zero = np.zeros(n)

    def put(lm: Landmark, f: F64, u: F64, lat: F64 | float) -> None:
        out[:, lm, 0] = f
        out[:, lm, 1] = u
        out[:, lm, 2] = lat

    legs = (
        (+1.0, 0.5, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
        (-1.0, 0.0, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
    )
    for side, offset, hip, knee, ankle, heel, toe in legs:
        pf = np.mod(stride_phase - offset, 1.0)
        hx, hu, th = _foot(pf, p)
        ax, au = _rot(np.full(n, HEEL_BACK_M), np.full(n, ANKLE_UP_M), th)
        ax, au = hx + ax, hu + au
        tx, tu = hx + FOOT_M * np.cos(th), hu + FOOT_M * np.sin(th)
        kx, ku = _knee(zero, hip_u, ax, au)
        lat = side * HIP_HALF_M
        put(hip, zero, hip_u, lat)
        put(knee, kx, ku, lat)
        put(ankle, ax, au, lat)
        put(heel, hx, hu, lat)
        put(toe, tx, tu, lat)

    lean = math.radians(p.trunk_lean_deg)
    sh_f = zero + TORSO_M * math.sin(lean)
    sh_u = hip_u + TORSO_M * math.cos(lean)
    arms = (
        (+1.0, 0.875, L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX,
         L.LEFT_THUMB),
        (-1.0, 0.375, L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_PINKY,
         L.RIGHT_INDEX, L.RIGHT_THUMB),
    )  # fmt: skip
    bend = math.pi - math.radians(p.elbow_angle_deg)
    for side, ph0, sh, el, wr, pinky, index, thumb in arms:
        swing = np.sin(2 * np.pi * (stride_phase - ph0))
        beta = np.radians(_ARM_MEAN_DEG + _ARM_SWING_DEG * swing)
        ef, eu = sh_f + UPPER_ARM_M * np.sin(beta), sh_u - UPPER_ARM_M * np.cos(beta)
        ff, fu = _rot(np.sin(beta), -np.cos(beta), np.full(n, bend))
        wf, wu = ef + FOREARM_M * ff, eu + FOREARM_M * fu
        forward = 0.5 * (1.0 + swing)
        wl = side * (_WRIST_OUT_M - (_WRIST_OUT_M + p.arm_crossover * SHOULDER_WIDTH_M) * forward)
        put(sh, sh_f, sh_u, side * SHOULDER_HALF_M)
        put(el, ef, eu, side * (SHOULDER_HALF_M + 0.01))
        put(wr, wf, wu, wl)
        put(pinky, wf + 0.07 * ff, wu + 0.07 * fu, wl + side * 0.02)
        put(index, wf + 0.08 * ff, wu + 0.08 * fu, wl)
        put(thumb, wf + 0.05 * ff, wu + 0.05 * fu + 0.02, wl - side * 0.02)

    ear_f = sh_f + p.head_forward * TORSO_M
    ear_u = sh_u + NECK_M
    pitch = np.full(n, -math.radians(p.head_pitch_deg))

    def face(lm: Landmark, df: float, du: float, lat: float) -> None:
        rf, ru = _rot(np.full(n, df), np.full(n, du), pitch)
        put(lm, ear_f + rf, ear_u + ru, lat)

    put(L.LEFT_EAR, ear_f, ear_u, 0.075)
    put(L.RIGHT_EAR, ear_f, ear_u, -0.075)
    face(L.NOSE, _NOSE_FROM_EAR[0], _NOSE_FROM_EAR[1], 0.0)
    for lm, lat in ((L.LEFT_EYE_INNER, 0.018), (L.LEFT_EYE, 0.032), (L.LEFT_EYE_OUTER, 0.046)):
        face(lm, 0.082, 0.012, lat)
    for lm, lat in ((L.RIGHT_EYE_INNER, -0.018), (L.RIGHT_EYE, -0.032),
                    (L.RIGHT_EYE_OUTER, -0.046)):  # fmt: skip
        face(lm, 0.082, 0.012, lat)
    face(L.MOUTH_LEFT, 0.088, -0.055, 0.025)
    face(L.MOUTH_RIGHT, 0.088, -0.055, -0.025)
    return out


def project(body: F64, p: RunnerParams, t: F64 | None = None) -> F32:
    """Body coordinates (N, 33, 3) → landmarks (N, 33, 4) for ``p.view`` (and ``p.yaw_deg``).

    ``t`` (N,) seconds: the frames' times, for a panning camera (``p.pan``).
    """
    f, u, lat = body[..., 0], body[..., 1], body[..., 2]
    yaw = math.radians(p.yaw_deg) if p.view in ("side-left", "side-right") else 0.0
    cy, sy = math.cos(yaw), math.sin(yaw)
    if p.view == "side-left":  # camera on the runner's left: runner faces image-left
        # turned by ``yaw`` towards the runner's front (the camera moves round to face them)
        right, depth = -f * cy + lat * sy, -lat * cy - f * sy
    elif p.view == "side-right":
        right, depth = f * cy - lat * sy, lat * cy - f * sy
    elif p.view == "front":  # the runner's left appears on the image's right
        right, depth = lat, -f
    else:  # rear
        right, depth = -lat, f
    scale = p.height_frac * p.frame_height / BODY_HEIGHT_M  # px per metre
    if p.view in ("front", "rear") or yaw != 0.0:
        # a camera CAMERA_DISTANCE_M away at hip height: what is nearer looks bigger, and
        # a foot on the belt nearer the camera sits lower in the image
        persp = CAMERA_DISTANCE_M / (CAMERA_DISTANCE_M + depth)
    else:  # side views are orthographic so lengths in the sagittal plane are exact
        persp = np.ones_like(depth)
    out = np.empty((*body.shape[:-1], 4), dtype=np.float32)
    cx: F64 | float = p.center_x
    if p.pan and t is not None:
        cx = p.center_x + 0.5 * p.pan * np.sin(2 * np.pi * t / p.pan_period_s)[:, None]
    out[..., 0] = cx + scale * persp * right / p.frame_width
    out[..., 1] = p.center_y + scale * persp * (HIP_HEIGHT_M - u) / p.frame_height
    out[..., 2] = scale * depth / p.frame_width
    vis = np.full(body.shape[:-1], 0.98)
    if p.view in ("side-left", "side-right"):
        near_left = p.view == "side-left"
        far = p.far_visibility + (0.98 - p.far_visibility) * abs(sy)  # less hidden turned
        for left, right_lm in LEFT_RIGHT_PAIRS:
            vis[..., right_lm if near_left else left] = far
    out[..., 3] = vis
    return out
