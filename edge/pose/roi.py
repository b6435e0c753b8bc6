"""Rotated regions of interest: from two alignment points, expanded, and the affine maps
between the frame and the landmark model's square crop.

BlazePose locates a body by two points: the mid-hip centre and a second point whose
distance gives the body's extent and whose direction gives its rotation (from the
detector's keypoints 0 and 1, or the landmark model's two auxiliary landmarks when
tracking). The region is a square, centred on the hips, twice that distance across,
rotated so the second point is straight up, then enlarged by a margin.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from edge.landmarks import Roi

FloatArray = npt.NDArray[np.float32]

#: Margin around the body used when the landmark model was trained.
ROI_SCALE = 1.25
#: The second alignment point is expected straight above the hips.
TARGET_ANGLE = math.pi / 2


def normalize_radians(angle: float) -> float:
    """Wrap an angle to [-π, π)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def roi_from_alignment_points(
    center: tuple[float, float],
    scale_point: tuple[float, float],
    frame_w: int,
    frame_h: int,
    scale: float = ROI_SCALE,
) -> Roi:
    """Square region (in pixels) centred on ``center``, side ``2·|scale_point − center|``,
    rotated to bring ``scale_point`` above ``center``, then enlarged by ``scale``.

    Inputs and output are normalized to the frame; the square is square in pixels.
    """
    cx, cy = center[0] * frame_w, center[1] * frame_h
    sx, sy = scale_point[0] * frame_w, scale_point[1] * frame_h
    side = 2.0 * math.hypot(sx - cx, sy - cy)
    rotation = normalize_radians(TARGET_ANGLE - math.atan2(-(sy - cy), sx - cx))
    side *= scale
    return Roi(
        x_center=cx / frame_w,
        y_center=cy / frame_h,
        width=side / frame_w,
        height=side / frame_h,
        rotation=rotation,
    )


def roi_corners_px(roi: Roi, frame_w: int, frame_h: int) -> FloatArray:
    """The region's corners in pixels: top-left, top-right, bottom-right, bottom-left
    (as seen in the crop, i.e. after undoing the rotation)."""
    cx, cy = roi.x_center * frame_w, roi.y_center * frame_h
    hw, hh = roi.width * frame_w / 2, roi.height * frame_h / 2
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    local = ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))
    return np.array([(cx + c * x - s * y, cy + s * x + c * y) for x, y in local], np.float32)


def crop_matrix(roi: Roi, frame_w: int, frame_h: int, size: int) -> npt.NDArray[np.float64]:
    """2×3 affine matrix taking frame pixels to crop pixels (``size``×``size``)."""
    tl, tr, _, bl = roi_corners_px(roi, frame_w, frame_h).astype(np.float64)
    # Solve [x', y'] = A @ [x, y, 1] from three corner correspondences.
    src = np.array([[*tl, 1.0], [*tr, 1.0], [*bl, 1.0]])
    dst = np.array([[0.0, 0.0], [size, 0.0], [0.0, size]])
    m: npt.NDArray[np.float64] = np.linalg.solve(src, dst).T
    return m


def project_to_frame(points: FloatArray, roi: Roi, out: FloatArray) -> FloatArray:
    """Map landmarks normalized to the crop (x, y in [0, 1], z in crop widths) into
    normalized frame coordinates, writing x, y, z into ``out`` (same shape)."""
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    x = points[:, 0] - 0.5
    y = points[:, 1] - 0.5
    out[:, 0] = (c * x - s * y) * roi.width + roi.x_center
    out[:, 1] = (s * x + c * y) * roi.height + roi.y_center
    out[:, 2] = points[:, 2] * roi.width
    return out
