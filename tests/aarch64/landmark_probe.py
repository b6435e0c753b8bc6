"""The landmark model alone on given crops, at given precisions (run under emulation by
``test_emulated_arm64.py``, and in-process on x86 for the same crops).

``python -m tests.aarch64.landmark_probe CROPS.npz OUT.npz PRECISION...`` resolves each
precision as the engine would on this CPU (:func:`models.resolve.pose_models`), runs the
model on every crop (RGB uint8, 256×256) and writes, per precision, the 33 body
landmarks' x, y in crop units (0…1) and what ran, as JSON.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import numpy.typing as npt

from edge.landmarks import NUM_LANDMARKS
from edge.pose.config import PoseConfig
from edge.pose.interpreter import TFLiteModel
from edge.pose.landmarker import INPUT_SIZE, NUM_OUTPUT_LANDMARKS
from models.resolve import pose_models


def body_xy(model: TFLiteModel, crops: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """``(crops, 33, 2)``: each crop's body landmarks in crop units, straight from the model."""
    name = next(n for n, s in model.output_shapes.items() if s == (1, NUM_OUTPUT_LANDMARKS * 5))
    out = np.zeros((len(crops), NUM_LANDMARKS, 2), np.float32)
    for i, crop in enumerate(crops):
        model.set_input((crop.astype(np.float32) / 255.0)[None])
        model.invoke()
        raw = model.output(name).reshape(NUM_OUTPUT_LANDMARKS, 5)
        out[i] = raw[:NUM_LANDMARKS, :2] / INPUT_SIZE
    return out


def main(argv: list[str]) -> int:
    crops_path, out_path, *precisions = argv
    crops = np.load(crops_path)["crops"]
    results: dict[str, object] = {}
    for p in precisions:
        models = pose_models(PoseConfig(precision=p))
        assert models.precision is not None
        results[f"{p}_ran"] = json.dumps(models.precision.as_json())
        results[p] = body_xy(TFLiteModel(models.landmarks, 1), crops)
    np.savez(out_path, **results)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
