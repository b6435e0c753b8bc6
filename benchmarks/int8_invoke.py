"""Landmark-model invoke time, paired in one run: the float model as fetched, the same
network trimmed to the outputs the engine reads (the float model the engine runs, see
models/trim.py), the mixed-precision int8 model
(the committed recipe) and the all-int8 model. Rounds are interleaved so machine load
hits every model alike; the input is a real crop from a shared clip.

Also prints the op precisions of the mixed model (which ops run int8 in and out, i.e.
XNNPACK's QS8 kernels, and which stay float).

Usage: python benchmarks/int8_invoke.py [--threads N] [--rounds N]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from edge.pose.interpreter import TFLiteModel
from models.fetch import default_cache_dir
from models.quantize import INT8_FILENAME, op_precisions, quantize_landmark_model
from models.trim import engine_outputs, prune_outputs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    cache = default_cache_dir()
    src = cache / "pose_landmark_full.tflite"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        mixed = out / "mixed"
        static = out / "static"
        quantize_landmark_model("mixed", out_dir=mixed, log=lambda _: None)
        quantize_landmark_model("static", out_dir=static, log=lambda _: None)
        files = {
            "float (fetched)": src.read_bytes(),
            # What the engine runs for `landmark_model = "float"` (models/trim.py).
            "float trimmed": prune_outputs(src.read_bytes(), engine_outputs),
            "int8 mixed": (mixed / INT8_FILENAME).read_bytes(),
            "int8 static (all ops)": (static / INT8_FILENAME).read_bytes(),
        }
    models = {k: TFLiteModel(v, args.threads) for k, v in files.items()}
    x = np.random.default_rng(0).random((1, 256, 256, 3), dtype=np.float32)
    for m in models.values():
        m.set_input(x)
        for _ in range(3):
            m.invoke()
    times: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(args.rounds):
        for k, m in models.items():
            t0 = time.perf_counter()
            for _ in range(5):
                m.invoke()
            times[k].append((time.perf_counter() - t0) * 1000 / 5)
    ms = {k: statistics.median(v) for k, v in times.items()}
    print(f"landmark invoke, {args.threads} thread(s), median of {args.rounds} rounds × 5:")
    for k, v in ms.items():
        print(
            f"  {k:24s} {v:7.2f} ms   float(fetched)/this {ms['float (fetched)'] / v:5.2f}x"
            f"   float trimmed/this {ms['float trimmed'] / v:5.2f}x"
        )
    ops = op_precisions(files["int8 mixed"])
    kinds = collections.Counter((op.kind, "int8" if op.int8 else op.output_type) for op in ops)
    print("mixed model ops (type, precision):")
    for (kind, prec), n in sorted(kinds.items()):
        print(f"  {kind:20s} {prec:8s} {n:4d}")
    print(f"(load: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
