"""The landmark model: crop a region of interest, run BlazePose, decode 39 landmarks.

Decoding: the model returns each landmark's x, y, z in input pixels (256×256) and
visibility / presence logits; x and y are then refined by the 64×64 heatmap (the
confidence-weighted mean position in a 7×7 window around the regressed point, where the
heatmap is confident), and everything is projected back to the frame. Landmarks 0–32 are
the body; 33 and 34 are the auxiliary alignment points used to place the next frame's
region when tracking.

All buffers are allocated once; a steady-state call allocates only small temporaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.landmarks import NUM_LANDMARKS, Roi
from edge.pose.interpreter import TFLiteModel
from edge.pose.roi import crop_matrix, project_to_frame

FloatArray = npt.NDArray[np.float32]

INPUT_SIZE = 256
NUM_OUTPUT_LANDMARKS = 39  # 33 body + 2 auxiliary + 4 unused
NUM_USED = 35
AUX_CENTER, AUX_SCALE = 33, 34
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class RawLandmarks:
    """Landmarks of one frame before smoothing.

    ``body`` is ``(33, 5)`` (x, y normalized to the frame, z, visibility, presence);
    ``aux`` is ``(2, 3)`` (the two alignment points); ``presence`` is the pose-flag score.
    """

    body: FloatArray
    aux: FloatArray
    presence: float


def sigmoid(x: FloatArray) -> FloatArray:
    out: FloatArray = (1.0 / (1.0 + np.exp(-x))).astype(np.float32, copy=False)
    return out


class HeatmapRefiner:
    """Vectorised heatmap refinement for the first ``n`` landmarks."""

    def __init__(self, n: int, hm_size: int, kernel: int = HEATMAP_KERNEL) -> None:
        self.n, self.size, self.half = n, hm_size, (kernel - 1) // 2
        offsets = np.arange(-self.half, self.half + 1)
        self._offsets = offsets
        self._channels = np.arange(n)[:, None, None]
        # Padded heatmap: cells outside the map have logit -inf (confidence 0).
        self._padded = np.full(
            (hm_size + 2 * self.half, hm_size + 2 * self.half, n), -np.inf, np.float32
        )

    def refine(self, xy: FloatArray, heatmap: FloatArray, min_conf: float) -> None:
        """Refine ``xy`` (n, 2), normalized to the crop, in place."""
        h = self.half
        self._padded[h:-h, h:-h, :] = heatmap[:, :, : self.n]
        # Truncation toward zero, as the reference implementation converts to int.
        col = np.trunc(xy[:, 0] * self.size).astype(np.intp)
        row = np.trunc(xy[:, 1] * self.size).astype(np.intp)
        inside = (col >= 0) & (col < self.size) & (row >= 0) & (row < self.size)
        col_c = np.clip(col, 0, self.size - 1)
        row_c = np.clip(row, 0, self.size - 1)
        rows = row_c[:, None] + self._offsets[None, :]  # (n, k) in unpadded coordinates
        cols = col_c[:, None] + self._offsets[None, :]
        win = self._padded[rows[:, :, None] + h, cols[:, None, :] + h, self._channels]
        conf = sigmoid(win)  # (n, k, k)
        total = conf.sum(axis=(1, 2))
        peak = conf.max(axis=(1, 2))
        wx = (conf * cols[:, None, :]).sum(axis=(1, 2))
        wy = (conf * rows[:, :, None]).sum(axis=(1, 2))
        ok = inside & (peak >= min_conf) & (total > 0)
        safe = np.where(total > 0, total, 1.0)
        xy[ok, 0] = (wx / safe / self.size)[ok]
        xy[ok, 1] = (wy / safe / self.size)[ok]


class LandmarkModel:
    """BlazePose landmark model on a region of interest."""

    def __init__(self, model: TFLiteModel) -> None:
        self.model = model
        shapes = model.output_shapes
        self._lm_name = next(n for n, s in shapes.items() if s == (1, NUM_OUTPUT_LANDMARKS * 5))
        self._flag_name = next(n for n, s in shapes.items() if s == (1, 1))
        self._hm_name = next(
            n for n, s in shapes.items() if len(s) == 4 and s[-1] == NUM_OUTPUT_LANDMARKS
        )
        hm_size = shapes[self._hm_name][1]
        self._crop = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
        self._rgb = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
        self._input = np.zeros((1, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
        self._refiner = HeatmapRefiner(NUM_USED, hm_size)
        self._roi_points = np.zeros((NUM_USED, 3), np.float32)
        self._frame_points = np.zeros((NUM_USED, 3), np.float32)

    def crop(self, frame_bgr: npt.NDArray[np.uint8], roi: Roi) -> npt.NDArray[np.uint8]:
        """Warp the region into the model's input crop (BGR uint8, reused buffer)."""
        h, w = frame_bgr.shape[:2]
        m = crop_matrix(roi, w, h, INPUT_SIZE)
        cv2.warpAffine(
            frame_bgr,
            m,
            (INPUT_SIZE, INPUT_SIZE),
            dst=self._crop,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return self._crop

    def run(self, frame_bgr: npt.NDArray[np.uint8], roi: Roi) -> RawLandmarks:
        crop = self.crop(frame_bgr, roi)
        # BGR -> RGB, then [0, 255] -> [0, 1] into the input buffer (contiguous, no temporaries).
        cv2.cvtColor(crop, cv2.COLOR_BGR2RGB, dst=self._rgb)
        np.multiply(self._rgb, np.float32(1.0 / 255.0), out=self._input[0], casting="unsafe")
        self.model.set_input(self._input)
        self.model.invoke()
        presence = float(self.model.output(self._flag_name).reshape(-1)[0])
        raw = self.model.output(self._lm_name).reshape(NUM_OUTPUT_LANDMARKS, 5)
        pts = self._roi_points
        np.multiply(raw[:NUM_USED, :3], 1.0 / INPUT_SIZE, out=pts)
        heatmap = self.model.output(self._hm_name)[0]
        self._refiner.refine(pts[:, :2], heatmap, HEATMAP_MIN_CONFIDENCE)
        project_to_frame(pts, roi, self._frame_points)
        body = np.empty((NUM_LANDMARKS, 5), np.float32)
        body[:, :3] = self._frame_points[:NUM_LANDMARKS]
        body[:, 3:5] = sigmoid(raw[:NUM_LANDMARKS, 3:5])
        aux = self._frame_points[NUM_LANDMARKS:NUM_USED].copy()
        return RawLandmarks(body=body, aux=aux, presence=presence)
