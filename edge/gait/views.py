"""Which view the camera has of the runner, from the landmarks: side (and which way the
runner faces), oblique-side, front or rear, and how far the camera is turned from the side."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edge.gait.metrics import F32, L
from edge.gait.records import View

#: (shoulder width + hip width) / torso length of an adult seen square from the front. The
#: shoulder and hip landmarks are joint centres: about 0.20 and 0.10 of body height apart,
#: the torso (mid-shoulder to mid-hip) about 0.29 (Winter, Biomechanics and Motor Control of
#: Human Movement, segment proportions); measured 0.97 on the shared front clip.
FRONT_WIDTH_RATIO = 1.05
#: Camera yaw from the side (degrees) below which the view is a side view, and from which
#: on it is frontal; in between it is oblique-side: side metrics, lowered confidence.
SIDE_MAX_YAW_DEG = 20.0
FRONT_MIN_YAW_DEG = 55.0
#: Side metrics in an oblique-side view: confidence times this at the side limit, falling
#: linearly to half of it at the frontal limit (fore-aft distances shrink by cos(yaw)).
OBLIQUE_CONFIDENCE = 0.75
#: Kept for configs and callers that compare ratios: the ratio at FRONT_MIN_YAW_DEG.
FRONTAL_WIDTH_RATIO = FRONT_WIDTH_RATIO * math.sin(math.radians(FRONT_MIN_YAW_DEG))

ViewClass = Literal["side", "oblique-side", "front", "rear"]


@dataclass(frozen=True)
class ViewGuess:
    view: View
    facing: int  # +1 runner faces image-right, -1 image-left (side views)
    confidence: float
    shoulder_ratio: float  # (shoulder + hip width) / torso length seen in the image
    yaw_deg: float = 0.0  # camera turned from the side view, 0..90 (from the widths)
    view_class: ViewClass = "side"

    @property
    def side_fit(self) -> float:
        """Confidence factor of side metrics in this view (1 side, lower oblique, 0 front)."""
        if self.view_class == "side":
            return 1.0
        if self.view_class != "oblique-side":
            return 0.0
        x = (self.yaw_deg - SIDE_MAX_YAW_DEG) / (FRONT_MIN_YAW_DEG - SIDE_MAX_YAW_DEG)
        return OBLIQUE_CONFIDENCE * (1.0 - 0.5 * min(1.0, max(0.0, x)))


def view_yaw_deg(shoulder_ratio: float) -> float:
    """Camera yaw from the side view, from how wide shoulders and hips look (0..90)."""
    return math.degrees(math.asin(min(1.0, max(0.0, shoulder_ratio / FRONT_WIDTH_RATIO))))


def detect_view(xyzv: F32) -> ViewGuess | None:
    """Guess the camera view from frames (k, 33, 4), square units; None without a person.

    Shoulders and hips look wide from the front or back and narrow from the side: their
    width over the torso length gives the camera's yaw from the side (``view_yaw_deg``).
    BlazePose's depth (z) would say it more directly but is too coarse (it puts the
    shoulders two torso lengths apart in depth in a side view), so widths are used.
    Between side and front (``SIDE_MAX_YAW_DEG``..``FRONT_MIN_YAW_DEG``) the view is
    oblique-side: the feet's travel is still seen, so side metrics are kept with lower
    confidence (:attr:`ViewGuess.side_fit`); ``view`` is then side-left/right by facing.
    """
    ok = np.isfinite(xyzv[:, L.LEFT_SHOULDER, 0]) & np.isfinite(xyzv[:, L.LEFT_HIP, 0])
    if ok.sum() < 3:
        return None
    p = xyzv[ok].astype(np.float64)
    sh_w = p[:, L.LEFT_SHOULDER, :2] - p[:, L.RIGHT_SHOULDER, :2]
    sh_mid = 0.5 * (p[:, L.LEFT_SHOULDER, :2] + p[:, L.RIGHT_SHOULDER, :2])
    hip_mid = 0.5 * (p[:, L.LEFT_HIP, :2] + p[:, L.RIGHT_HIP, :2])
    torso = float(np.median(np.hypot(*(sh_mid - hip_mid).T)))
    if torso <= 0:
        return None
    hip_w = np.abs(p[:, L.LEFT_HIP, 0] - p[:, L.RIGHT_HIP, 0])
    ratio = (float(np.median(np.abs(sh_w[:, 0]))) + float(np.median(hip_w))) / torso
    yaw = view_yaw_deg(ratio)
    ear_mid_x = 0.5 * (p[:, L.LEFT_EAR, 0] + p[:, L.RIGHT_EAR, 0])
    nose_ahead = float(np.median(p[:, L.NOSE, 0] - ear_mid_x))
    facing = 1 if nose_ahead > 0 else -1
    if yaw >= FRONT_MIN_YAW_DEG:
        # the runner's left shoulder appears on the image's right when they face the camera
        front = float(np.median(sh_w[:, 0])) > 0
        conf = min(1.0, (yaw - FRONT_MIN_YAW_DEG) / 10.0 + 0.5)
        view: View = "front" if front else "rear"
        return ViewGuess(view, facing, conf, ratio, yaw, "front" if front else "rear")
    nose_conf = min(1.0, abs(nose_ahead) / (0.05 * torso))
    side_view: View = "side-right" if facing > 0 else "side-left"
    if yaw >= SIDE_MAX_YAW_DEG:
        conf = min(1.0, 0.5 + min(yaw - SIDE_MAX_YAW_DEG, FRONT_MIN_YAW_DEG - yaw) / 20.0)
        return ViewGuess(side_view, facing, conf * nose_conf, ratio, yaw, "oblique-side")
    conf = min(1.0, 0.5 + (SIDE_MAX_YAW_DEG - yaw) / 20.0) * nose_conf
    return ViewGuess(side_view, facing, conf, ratio, yaw, "side")
