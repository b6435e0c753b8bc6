"""How far the float landmark model moves for changes no one can see, against how far
int8 moves it: the figures behind docs/int8.md's "noise floor".

1. Crops (the landmark model alone, on crops the engine makes from the shared clips):
   float against float with ±1 grey-level noise on the input, and against the float model
   with its weights rounded per channel to 8, 9, 10 and 12 bits (float compute): how the
   error grows with the weight rounding alone.
2. Whole clips (the whole engine and the gait report, ``models/evaluate.py``): float against
   float on frames with ±1 grey-level noise, and int8 (the model in the cache, made by
   ``treadwatch quantize-models``) against float.

Usage: python benchmarks/int8_noise_floor.py [--frames N] [--skip-clips]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from edge.pose.engine import PoseModels
from models.evaluate import SensorNoise, compare_with_noise_floor
from models.fetch import default_cache_dir
from models.quantize import (
    INT8_FILENAME,
    collect_crops,
    crop_landmarks,
    error_figures,
    torso_errors,
)
from models.resolve import fetched_model, float_landmark_model


def rounded_weights(model: bytes, bits: int) -> bytes:
    """The model with every convolution's weights rounded to ``bits`` (symmetric, one
    scale per output channel, as int8 quantizers do), kept in float32."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    from models.quantize import fold_float16_weights

    m: Any = fbu.read_model_from_bytearray(bytearray(fold_float16_weights(model)))
    conv = schema.BuiltinOperator.CONV_2D
    depthwise = schema.BuiltinOperator.DEPTHWISE_CONV_2D
    codes = [fbu.get_builtin_code_from_operator_code(c) for c in m.operatorCodes]
    sg = m.subgraphs[0]
    levels = 2 ** (bits - 1) - 1
    for op in sg.operators:
        if codes[op.opcodeIndex] not in (conv, depthwise):
            continue
        t = sg.tensors[op.inputs[1]]
        w = np.frombuffer(bytes(m.buffers[t.buffer].data), "<f4").reshape(t.shape)
        axis = 0 if codes[op.opcodeIndex] == conv else 3  # the output-channel axis
        rows = np.moveaxis(w, axis, 0)
        peak = np.abs(rows).reshape(rows.shape[0], -1).max(axis=1)
        scale = np.where(peak > 0, peak / levels, 1.0).reshape((-1,) + (1,) * (rows.ndim - 1))
        q = np.moveaxis(np.round(rows / scale) * scale, 0, axis).astype("<f4")
        buf = schema.BufferT()
        buf.data = np.frombuffer(q.tobytes(), np.uint8)
        m.buffers.append(buf)
        t.buffer = len(m.buffers) - 1
    return bytes(fbu.convert_object_to_bytearray(m))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100_000, help="frames per clip (default all)")
    ap.add_argument("--skip-clips", action="store_true", help="crops only")
    args = ap.parse_args()
    default_shared = Path(__file__).resolve().parents[2] / "shared"
    shared = Path(os.environ.get("TREADWATCH_SHARED", default_shared))
    videos = sorted((shared / "data/videos").glob("*.mp4"))
    if not videos:
        print(f"no clips in {shared / 'data/videos'} (set TREADWATCH_SHARED)")
        return 1
    cache = default_cache_dir()
    detector = fetched_model("pose_detection", cache)
    fetched = fetched_model("pose_landmark_full", cache)
    crops = collect_crops(videos, detector, fetched, start=7, variants=False)
    model = float_landmark_model(cache).read_bytes()
    ref = crop_landmarks(model, crops)
    noise = SensorNoise()
    noisy = [noise(c) for c in crops]
    print(f"crops: {len(crops)} from {len(videos)} clips; landmark error in torso lengths")
    fig = error_figures(torso_errors(ref, crop_landmarks(model, noisy)))
    print(f"  float, ±1 grey-level input noise  median {fig.median:.4f}  p95 {fig.p95:.4f}")
    for bits in (8, 9, 10, 12):
        rounded = crop_landmarks(rounded_weights(model, bits), crops)
        fig = error_figures(torso_errors(ref, rounded))
        print(f"  weights rounded to {bits:2d} bits     median {fig.median:.4f}  p95 {fig.p95:.4f}")
    if args.skip_clips:
        return 0
    int8 = cache / INT8_FILENAME
    if not int8.is_file():
        print(f"no int8 model in {cache}: run `treadwatch quantize-models`")
        return 1
    float_models = PoseModels(detector, float_landmark_model(cache))
    int8_models = PoseModels(detector, int8)
    print("whole clips (engine + gait report):")
    for video in videos:
        got, floor = compare_with_noise_floor(video, float_models, int8_models, args.frames)
        print("  int8 vs float:       ", got.line())
        print("  float, ±1 grey noise:", floor.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
