"""Multiply-accumulates per invoke of each pose model, from the tensor shapes of every
convolution (the operation counts docs/pi-projection.md multiplies by published
throughput). The int8 landmark model has the pruned model's network, every op int8.

Usage: python benchmarks/model_macs.py
"""

from __future__ import annotations

import sys
from typing import Any

from models.fetch import default_cache_dir
from models.quantize import fold_float16_weights, op_scopes
from models.trim import engine_outputs, prune_outputs


def macs(model: bytes) -> list[tuple[str, int]]:
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    sg = m.subgraphs[0]
    out = []
    for (kind, scope), op in zip(op_scopes(model), sg.operators, strict=True):
        o = sg.tensors[op.outputs[0]].shape
        w = sg.tensors[op.inputs[1]].shape if len(op.inputs) > 1 else None
        if kind == "CONV_2D" and w is not None:  # weights O×H×W×I
            out.append((scope, int(o[1] * o[2] * o[3] * w[1] * w[2] * w[3])))
        elif kind == "DEPTHWISE_CONV_2D" and w is not None:  # weights 1×H×W×C
            out.append((scope, int(o[1] * o[2] * o[3] * w[1] * w[2])))
        else:
            out.append((scope, 0))
    return out


def main() -> int:
    cache = default_cache_dir()
    full = fold_float16_weights((cache / "pose_landmark_full.tflite").read_bytes())
    pruned = prune_outputs(full, engine_outputs)
    det = fold_float16_weights((cache / "pose_detection.tflite").read_bytes())
    lm_full = sum(x for _, x in macs(full))
    lm_pruned = macs(pruned)
    total = sum(x for _, x in lm_pruned)
    print(f"landmark model as fetched: {lm_full / 1e6:7.1f} MMAC")
    print(f"landmark model pruned:     {total / 1e6:7.1f} MMAC")
    print(f"detector:                  {sum(x for _, x in macs(det)) / 1e6:7.1f} MMAC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
