"""Crop-level comparison of a landmark model with the float one, without PyTorch.

Both models run on the same crops through LiteRT; landmarks are decoded as the engine
decodes them (heatmap refinement included) and compared in the float model's torso lengths
(mid-shoulder to mid-hip), over the 33 body landmarks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUM_USED = 35
NUM_BODY = 33
INPUT_SIZE = 256
HEATMAP_MIN_CONFIDENCE = 0.5
LANDMARKS_OUT, FLAG_OUT, HEATMAP_OUT = "Identity", "Identity_1", "Identity_3"


def model_input(crops_bgr: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """(N, 256, 256, 3) BGR uint8 -> (N, 256, 256, 3) RGB float32 in [0, 1] (as the engine)."""
    return np.ascontiguousarray(crops_bgr[..., ::-1], dtype=np.float32) * np.float32(1 / 255)


def _output_name(shape: tuple[int, ...]) -> str:
    if shape == (1, 39 * 5):
        return LANDMARKS_OUT
    if shape == (1, 1):
        return FLAG_OUT
    return HEATMAP_OUT


class Teacher:
    """A landmark model on LiteRT: its outputs by name for a batch of model inputs."""

    def __init__(self, model: bytes) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interp = Interpreter(model_content=model, num_threads=1)
        self.interp.allocate_tensors()
        self.input = self.interp.get_input_details()[0]["index"]
        # By shape, as the engine finds them (names differ between converted models).
        self.outputs = {
            _output_name(tuple(d["shape"])): d["index"] for d in self.interp.get_output_details()
        }

    def __call__(self, x: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
        outs: dict[str, list[np.ndarray[Any, Any]]] = {k: [] for k in self.outputs}
        for row in x:
            self.interp.set_tensor(self.input, row[None])
            self.interp.invoke()
            for k, i in self.outputs.items():
                outs[k].append(self.interp.get_tensor(i)[0].copy())
        return {k: np.stack(v) for k, v in outs.items()}


def engine_xy(out: dict[str, np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """(N, 33, 2) body landmarks in crop pixels, decoded as the engine decodes them."""
    from edge.pose.landmarker import HeatmapRefiner

    lm = out[LANDMARKS_OUT].reshape(-1, 39, 5)
    hm = out[HEATMAP_OUT]
    refiner = HeatmapRefiner(NUM_USED, hm.shape[1])
    res = np.empty((len(lm), NUM_BODY, 2), np.float32)
    for k in range(len(lm)):
        pts = (lm[k, :NUM_USED, :2] / INPUT_SIZE).astype(np.float32)
        refiner.refine(pts, hm[k].astype(np.float32), HEATMAP_MIN_CONFIDENCE)
        res[k] = pts[:NUM_BODY] * INPUT_SIZE
    return res


def torso_error(
    reference: np.ndarray[Any, Any], test: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Per-landmark distance in the reference's torso lengths (mid-shoulder to mid-hip)."""
    from edge.landmarks import Landmark

    sh = (reference[:, Landmark.LEFT_SHOULDER] + reference[:, Landmark.RIGHT_SHOULDER]) / 2
    hip = (reference[:, Landmark.LEFT_HIP] + reference[:, Landmark.RIGHT_HIP]) / 2
    torso = np.maximum(np.linalg.norm(sh - hip, axis=1), 1e-6)
    return np.linalg.norm(test - reference, axis=2) / torso[:, None]  # type: ignore[no-any-return]


def crop_errors(model: bytes, reference: bytes, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """(N, 33) errors of ``model`` against ``reference`` on model inputs ``x``."""
    return torso_error(engine_xy(Teacher(reference)(x)), engine_xy(Teacher(model)(x)))
