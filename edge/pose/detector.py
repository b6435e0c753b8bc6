"""The person detector: letterboxed input, SSD decoding, weighted non-maximum suppression.

Output detections are in normalized frame coordinates (letterbox removed). Each carries
four keypoints; BlazePose's detector puts the mid-hip centre in keypoint 0 and a point
whose distance from it encodes the body's size and whose direction encodes its rotation
in keypoint 1 (keypoints 2 and 3 do the same for the upper body).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.pose.anchors import AnchorOptions, generate_anchors
from edge.pose.interpreter import TFLiteModel

FloatArray = npt.NDArray[np.float32]

INPUT_SIZE = 224
NUM_KEYPOINTS = 4
SCORE_CLIP = 100.0
NMS_IOU = 0.3


@dataclass(frozen=True, slots=True)
class Detection:
    """A detected person: box (x_min, y_min, x_max, y_max), score, keypoints ``(4, 2)``."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: FloatArray

    @property
    def hip_center(self) -> tuple[float, float]:
        return float(self.keypoints[0, 0]), float(self.keypoints[0, 1])


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Padding added on each side, as fractions of the model input."""

    left: float
    top: float
    right: float
    bottom: float


def letterbox_into(
    frame_bgr: npt.NDArray[np.uint8], out: FloatArray, size: int = INPUT_SIZE
) -> Letterbox:
    """Fit ``frame_bgr`` into ``out`` (size×size×3, RGB scaled to [-1, 1]) keeping its
    aspect ratio, centred, with black padding (-1 after scaling).

    The frame is warped, not resized: the square around the frame's centre maps corner to
    corner onto the model input and is sampled bilinearly. This is the sampling the
    detector's reference pipeline uses; a half-pixel-centred resize moves its keypoints
    enough to change the crop the landmark model sees.
    """
    h, w = frame_bgr.shape[:2]
    side = max(w, h)
    x0, y0 = (w - side) / 2.0, (h - side) / 2.0
    s = size / side
    m = np.array([[s, 0.0, -x0 * s], [0.0, s, -y0 * s]])
    warped = cv2.warpAffine(
        frame_bgr,
        m,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    # BGR -> RGB and [0, 255] -> [-1, 1], written into the tensor buffer.
    np.multiply(warped[:, :, ::-1], 2.0 / 255.0, out=out, casting="unsafe")
    out -= 1.0
    pad_x, pad_y = -x0 * s / size, -y0 * s / size
    return Letterbox(left=pad_x, top=pad_y, right=pad_x, bottom=pad_y)


def decode_detections(
    raw_boxes: FloatArray,
    raw_scores: FloatArray,
    anchors: FloatArray,
    min_score: float,
    input_size: int = INPUT_SIZE,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Decode SSD regressors into boxes, scores and keypoints in model-input coordinates.

    ``raw_boxes`` is ``(N, 12)``: x, y, w, h offsets then 4 keypoints (x, y), all in input
    pixels relative to the anchor centre. Returns boxes ``(M, 4)`` as x_min, y_min, x_max,
    y_max, scores ``(M,)`` and keypoints ``(M, 4, 2)``, normalized to the input, for the
    anchors whose sigmoid score reaches ``min_score``.
    """
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -SCORE_CLIP, SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.nonzero(scores >= min_score)[0]
    if keep.size == 0:
        empty = np.zeros((0,), np.float32)
        return empty.reshape(0, 4), empty, empty.reshape(0, NUM_KEYPOINTS, 2)
    r = raw_boxes[keep] / float(input_size)
    a = anchors[keep]
    cx = r[:, 0] * a[:, 2] + a[:, 0]
    cy = r[:, 1] * a[:, 3] + a[:, 1]
    w = r[:, 2] * a[:, 2]
    h = r[:, 3] * a[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kp = r[:, 4 : 4 + 2 * NUM_KEYPOINTS].reshape(-1, NUM_KEYPOINTS, 2).copy()
    kp[:, :, 0] = kp[:, :, 0] * a[:, 2:3] + a[:, 0:1]
    kp[:, :, 1] = kp[:, :, 1] * a[:, 3:4] + a[:, 1:2]
    return boxes.astype(np.float32), scores[keep].astype(np.float32), kp.astype(np.float32)


def iou(box: FloatArray, boxes: FloatArray) -> FloatArray:
    """Intersection over union of one box with many (x_min, y_min, x_max, y_max)."""
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    out: FloatArray = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)
    return out


def weighted_nms(
    boxes: FloatArray, scores: FloatArray, keypoints: FloatArray, iou_threshold: float = NMS_IOU
) -> list[tuple[FloatArray, float, FloatArray]]:
    """Weighted non-maximum suppression: each kept detection is the score-weighted mean of
    the candidates that overlap the best one by more than ``iou_threshold``; its score is
    the best one's."""
    remaining = np.argsort(-scores, kind="stable")
    out: list[tuple[FloatArray, float, FloatArray]] = []
    while remaining.size:
        top = remaining[0]
        in_group = iou(boxes[top], boxes[remaining]) > iou_threshold
        in_group[0] = True  # the best box always belongs to its own group
        group = remaining[in_group]
        w = scores[group][:, None]
        total = float(w.sum())
        box = (boxes[group] * w).sum(axis=0) / total
        kps = (keypoints[group] * w[:, :, None]).sum(axis=0) / total
        out.append((box.astype(np.float32), float(scores[top]), kps.astype(np.float32)))
        remaining = remaining[~in_group]
    return out


def remove_letterbox(points: FloatArray, pad: Letterbox) -> FloatArray:
    """Map normalized model-input coordinates (..., 2) back to normalized frame ones."""
    sx = 1.0 - pad.left - pad.right
    sy = 1.0 - pad.top - pad.bottom
    out = points.copy()
    out[..., 0] = (points[..., 0] - pad.left) / sx
    out[..., 1] = (points[..., 1] - pad.top) / sy
    return out


class PersonDetector:
    """Runs the detector model on a whole frame and returns people, best first."""

    def __init__(self, model: TFLiteModel, min_score: float = 0.5) -> None:
        self.model = model
        self.min_score = min_score
        self.anchors = generate_anchors(AnchorOptions())
        shapes = model.output_shapes
        # The regressor output is the one with 12 values per anchor; the other is scores.
        self._boxes_name = next(n for n, s in shapes.items() if s[-1] == 12)
        self._scores_name = next(n for n, s in shapes.items() if s[-1] == 1)
        if shapes[self._boxes_name][1] != len(self.anchors):
            raise ValueError(
                f"detector has {shapes[self._boxes_name][1]} anchors, expected {len(self.anchors)}"
            )
        self._input = np.zeros((1, INPUT_SIZE, INPUT_SIZE, 3), np.float32)

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> list[Detection]:
        pad = letterbox_into(frame_bgr, self._input[0])
        self.model.set_input(self._input)
        self.model.invoke()
        raw_boxes = self.model.output(self._boxes_name)[0]
        raw_scores = self.model.output(self._scores_name)[0]
        boxes, scores, kps = decode_detections(raw_boxes, raw_scores, self.anchors, self.min_score)
        people = []
        for box, score, kp in weighted_nms(boxes, scores, kps):
            corners = remove_letterbox(box.reshape(2, 2), pad).reshape(4)
            people.append(
                Detection(
                    box=(
                        float(corners[0]),
                        float(corners[1]),
                        float(corners[2]),
                        float(corners[3]),
                    ),
                    score=score,
                    keypoints=remove_letterbox(kp, pad),
                )
            )
        return people
