"""Region-of-interest geometry and the affine round trip frame → crop → frame."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from edge.landmarks import Roi
from edge.pose.roi import (
    ROI_SCALE,
    crop_matrix,
    normalize_radians,
    project_to_frame,
    roi_corners_px,
    roi_from_alignment_points,
)


def test_upright_person_gives_unrotated_square() -> None:
    w, h = 1280, 720
    # hips at the centre, scale point 180 px straight above
    roi = roi_from_alignment_points((0.5, 0.5), (0.5, 0.25), w, h)
    assert roi.rotation == pytest.approx(0.0, abs=1e-9)
    side = 2 * 180 * ROI_SCALE
    assert roi.width * w == pytest.approx(side)
    assert roi.height * h == pytest.approx(side)  # square in pixels
    assert (roi.x_center, roi.y_center) == (0.5, 0.5)


@pytest.mark.parametrize(
    ("dx", "dy", "expected"),
    [(1.0, 0.0, math.pi / 2), (-1.0, 0.0, -math.pi / 2), (0.0, 1.0, -math.pi)],
)
def test_rotation_brings_scale_point_up(dx: float, dy: float, expected: float) -> None:
    # body lying to the right (scale point right of the hips): rotate by +90°
    roi = roi_from_alignment_points((0.5, 0.5), (0.5 + 0.1 * dx, 0.5 + 0.1 * dy), 100, 100)
    assert normalize_radians(roi.rotation - expected) == pytest.approx(0.0, abs=1e-9)


def test_normalize_radians() -> None:
    assert normalize_radians(3 * math.pi / 2) == pytest.approx(-math.pi / 2)
    assert normalize_radians(-3 * math.pi / 2) == pytest.approx(math.pi / 2)
    assert normalize_radians(math.pi) == pytest.approx(-math.pi)


@pytest.mark.parametrize("rotation", [0.0, 0.3, -1.2, math.pi / 2, 2.9])
def test_affine_round_trip(rotation: float) -> None:
    w, h, size = 640, 480, 256
    roi = Roi(0.45, 0.55, 300 / w, 300 / h, rotation)
    m = crop_matrix(roi, w, h, size)
    rng = np.random.default_rng(0)
    crop_pts = rng.random((20, 2)) * size  # points in the crop, pixels
    inv = cv2.invertAffineTransform(m)
    frame_px = crop_pts @ inv[:, :2].T + inv[:, 2]
    pts = np.zeros((20, 3), np.float32)
    pts[:, :2] = crop_pts / size
    out = np.zeros_like(pts)
    project_to_frame(pts, roi, out)
    np.testing.assert_allclose(out[:, 0] * w, frame_px[:, 0], atol=1e-3)
    np.testing.assert_allclose(out[:, 1] * h, frame_px[:, 1], atol=1e-3)


def test_crop_maps_corners() -> None:
    w, h, size = 640, 480, 256
    roi = Roi(0.5, 0.5, 200 / w, 200 / h, 0.4)
    m = crop_matrix(roi, w, h, size)
    corners = roi_corners_px(roi, w, h).astype(np.float64)
    mapped = corners @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(mapped, [[0, 0], [size, 0], [size, size], [0, size]], atol=1e-6)


def test_crop_samples_the_right_pixels() -> None:
    # A bright square in the frame appears in the middle of an unrotated crop.
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[220:260, 300:340] = 255
    roi = Roi(320 / 640, 240 / 480, 160 / 640, 160 / 480, 0.0)
    crop = cv2.warpAffine(frame, crop_matrix(roi, 640, 480, 256), (256, 256))
    assert crop[128, 128].min() == 255
    assert crop[10, 10].max() == 0
    # rotated by 90°: a bar to the right of the centre ends up above it in the crop
    frame2 = np.zeros((480, 640, 3), np.uint8)
    frame2[235:245, 340:390] = 255
    roi2 = Roi(0.5, 0.5, 200 / 640, 200 / 480, math.pi / 2)
    crop2 = cv2.warpAffine(frame2, crop_matrix(roi2, 640, 480, 256), (256, 256))
    ys, xs = np.nonzero(crop2[:, :, 0] > 128)
    assert ys.mean() < 128 - 20 and abs(xs.mean() - 128) < 10


def test_z_scales_with_roi_width() -> None:
    roi = Roi(0.5, 0.5, 0.4, 0.3, 0.0)
    out = np.zeros((1, 3), np.float32)
    project_to_frame(np.array([[0.5, 0.5, 0.25]], np.float32), roi, out)
    np.testing.assert_allclose(out[0], [0.5, 0.5, 0.1], atol=1e-7)
