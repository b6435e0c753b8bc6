"""Landmark-model invoke time, paired in one run: the float model as fetched, the same
network trimmed to the outputs the engine reads (the float model the engine runs, see
models/trim.py) and the int8 model trained for int8 (committed in models/weights/).
Rounds are interleaved so machine load hits every model alike.

Also prints the int8 model's op precisions read from its flatbuffer (int8 in and out with
int8 weights is what XNNPACK runs with its QS8 kernels).

Usage: python benchmarks/int8_invoke.py [--threads N] [--rounds N] [--int8 FILE]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from edge.pose.interpreter import TFLiteModel
from models.quantize import op_precisions
from models.resolve import fetched_model, float_landmark_model, int8_landmark_model


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--int8", type=Path, default=None, help="another int8 model to time")
    args = ap.parse_args()
    int8 = args.int8 or int8_landmark_model()
    files = {
        "float (fetched)": fetched_model("pose_landmark_full").read_bytes(),
        "float trimmed": float_landmark_model().read_bytes(),
        "int8 trained": int8.read_bytes(),
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
        print(f"  {k:18s} {v:7.2f} ms   float trimmed/this {ms['float trimmed'] / v:5.2f}x")
    ops = op_precisions(files["int8 trained"])
    kinds = collections.Counter((op.kind, "int8" if op.int8 else op.output_type) for op in ops)
    print(f"int8 model ({int8.name}) ops (type, precision):")
    for (kind, prec), n in sorted(kinds.items()):
        print(f"  {kind:20s} {prec:8s} {n:4d}")
    print(f"(load: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
