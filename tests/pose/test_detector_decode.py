"""Detector decoding: regressors to boxes and keypoints, scores, weighted NMS, letterbox."""

from __future__ import annotations

import numpy as np
import pytest

from edge.pose.detector import (
    Letterbox,
    decode_detections,
    iou,
    letterbox_into,
    remove_letterbox,
    weighted_nms,
)


def _raw(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    anchors = np.zeros((n, 4), np.float32)
    anchors[:, 2:] = 1.0
    anchors[:, 0] = np.linspace(0.1, 0.9, n)
    anchors[:, 1] = 0.5
    return np.zeros((n, 12), np.float32), np.full((n, 1), -10.0, np.float32), anchors


def test_decode_box_and_keypoints_relative_to_anchor() -> None:
    boxes, scores, anchors = _raw(3)
    scores[1] = 3.0  # sigmoid(3) ≈ 0.953
    # centre offset (+22.4, -11.2) px on a 224 input = (+0.1, -0.05); size 44.8×67.2 px
    boxes[1, :4] = [22.4, -11.2, 44.8, 67.2]
    boxes[1, 4:6] = [0.0, 22.4]  # keypoint 0: anchor centre + (0, 0.1)
    b, s, k = decode_detections(boxes, scores, anchors, min_score=0.5)
    assert b.shape == (1, 4) and k.shape == (1, 4, 2)
    assert s[0] == pytest.approx(1 / (1 + np.exp(-3.0)), rel=1e-6)
    cx, cy = anchors[1, 0] + 0.1, 0.5 - 0.05
    np.testing.assert_allclose(b[0], [cx - 0.1, cy - 0.15, cx + 0.1, cy + 0.15], atol=1e-6)
    np.testing.assert_allclose(k[0, 0], [anchors[1, 0], 0.6], atol=1e-6)


def test_decode_threshold_and_clipping() -> None:
    boxes, scores, anchors = _raw(4)
    scores[:, 0] = [-1e6, 0.0, 1e6, 0.4]  # clipped logits must not overflow
    _, s, _ = decode_detections(boxes, scores, anchors, min_score=0.5)
    np.testing.assert_allclose(np.sort(s), [0.5, 1 / (1 + np.exp(-0.4)), 1.0], atol=1e-6)


def test_iou() -> None:
    a = np.array([0, 0, 2, 2], np.float32)
    others = np.array([[1, 1, 3, 3], [2, 2, 3, 3], [0, 0, 2, 2]], np.float32)
    np.testing.assert_allclose(iou(a, others), [1 / 7, 0.0, 1.0], atol=1e-6)


def test_weighted_nms_averages_overlapping_and_keeps_separate() -> None:
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [0.1, 0.0, 1.1, 1.0], [5.0, 5.0, 6.0, 6.0]], np.float32)
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    kps = np.zeros((3, 4, 2), np.float32)
    kps[1] += 1.0
    out = weighted_nms(boxes, scores, kps, iou_threshold=0.3)
    assert len(out) == 2
    box0, score0, kp0 = out[0]
    assert score0 == pytest.approx(0.9)
    np.testing.assert_allclose(box0[0], 0.1 * 0.6 / 1.5, atol=1e-6)
    np.testing.assert_allclose(kp0, np.full((4, 2), 0.6 / 1.5), atol=1e-6)
    assert out[1][1] == pytest.approx(0.7)
    np.testing.assert_allclose(out[1][0], boxes[2])


def test_letterbox_round_trip_portrait() -> None:
    frame = np.zeros((200, 100, 3), np.uint8)
    frame[:, :, 2] = 255  # red in BGR
    out = np.empty((224, 224, 3), np.float32)
    pad = letterbox_into(frame, out)
    assert pad.left == pytest.approx(0.25) and pad.right == pytest.approx(0.25)
    assert pad.top == pytest.approx(0.0)
    # padding is black (-1); the image is red in RGB order, scaled to [-1, 1]
    np.testing.assert_allclose(out[112, 10], [-1, -1, -1])
    np.testing.assert_allclose(out[112, 112], [1.0, -1.0, -1.0], atol=1e-6)
    # a point at the frame's right edge, middle height, maps there and back
    pts = np.array([[0.75, 0.5]], np.float32)
    np.testing.assert_allclose(remove_letterbox(pts, pad), [[1.0, 0.5]], atol=1e-6)


def test_remove_letterbox_identity_without_padding() -> None:
    pts = np.random.default_rng(1).random((5, 2)).astype(np.float32)
    np.testing.assert_allclose(remove_letterbox(pts, Letterbox(0, 0, 0, 0)), pts)
