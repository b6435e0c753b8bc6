"""The trained int8 landmark model as a ``.tflite``: learned weights and ranges, every op int8.

A checkpoint of :mod:`models.train.distill` holds each convolution's weights already on
their int8 grid (per output channel, ``max|w| / 127``) and bias, by tensor index of the
trimmed float32 model, and each activation's learned range by tensor name. They are written
into that float32 model, which ``ai-edge-quantizer``'s full-integer recipe
(``static_wi8_ai8``: the same per-channel symmetric weights and per-tensor affine
activations the training simulated) then converts with the learned ranges, so its weight
grid is the trained one exactly. Model input and outputs stay float32 (a QUANTIZE and
DEQUANTIZE at the edges), so the engine loads it unchanged.

    python -m models.train.export --checkpoint /tmp/qat/best --float-model MODEL --out FILE
"""

from __future__ import annotations

import argparse
import collections
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import ModelError

#: Ops that are int8 in and out (QS8 kernels); QUANTIZE / DEQUANTIZE convert at the edges.
EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")


def float32_trimmed(fetched_float_model: bytes) -> bytes:
    """The fetched landmark model with float32 weights, trimmed to the engine's outputs (the
    same network the engine runs, bit for bit in its outputs)."""
    from models.quantize import fold_float16_weights
    from models.trim import engine_outputs, prune_outputs

    return prune_outputs(fold_float16_weights(fetched_float_model), engine_outputs)


def with_weights(float32_model: bytes, weights: dict[int, np.ndarray[Any, Any]]) -> bytes:
    """``float32_model`` with the constant tensors in ``weights`` (by index) replaced."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(float32_model))
    sg = m.subgraphs[0]
    users = collections.Counter(t.buffer for t in sg.tensors)
    for i, w in weights.items():
        t = sg.tensors[i]
        if tuple(int(v) for v in t.shape) != w.shape or t.type != schema.TensorType.FLOAT32:
            raise ModelError(f"tensor {i} ({t.name!r}) does not match the checkpoint")
        data = np.frombuffer(np.ascontiguousarray(w, "<f4").tobytes(), dtype=np.uint8)
        if users[t.buffer] == 1:
            m.buffers[t.buffer].data = data
        else:  # a buffer shared with another tensor: give this one its own
            buf = schema.BufferT()
            buf.data = data
            m.buffers.append(buf)
            t.buffer = len(m.buffers) - 1
    return bytes(fbu.convert_object_to_bytearray(m))


def quantizer_ranges(
    float32_model: bytes, ranges: dict[str, tuple[float, float]]
) -> dict[str, dict[str, np.ndarray[Any, Any]]]:
    """Ranges in the quantizer's form: per tensor name, ``min`` and ``max`` with the
    tensor's rank of kept dimensions."""
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(float32_model))
    rank = {t.name.decode(): len(t.shape) for t in m.subgraphs[0].tensors}
    out = {}
    for name, (lo, hi) in ranges.items():
        shape = (1,) * rank[name]
        out[name] = {
            "min": np.full(shape, lo, np.float32),
            "max": np.full(shape, hi, np.float32),
        }
    return out


def export_arrays(
    float32_model: bytes,
    weights: dict[int, np.ndarray[Any, Any]],
    ranges: dict[str, tuple[float, float]],
) -> bytes:
    """The all-int8 model with these weights (by tensor index, on their int8 grid) and
    activation ranges (by tensor name); a :class:`ModelError` if any op is not int8."""
    from models.quantize import quantize_bytes

    model = with_weights(float32_model, weights)
    data = quantize_bytes(model, quantizer_ranges(model, ranges))
    not_int8 = [
        f"{p.kind} {p.scope}" for p in op_kinds(data) if not p.int8 and p.kind not in EDGE_OPS
    ]
    if not_int8:
        raise ModelError(f"{len(not_int8)} ops are not int8: {not_int8[:3]}")
    return data


def export_int8(float32_model: bytes, checkpoint: Path) -> bytes:
    """The all-int8 model from a training checkpoint (``NAME.npz`` + ``NAME.json``)."""
    with np.load(checkpoint.with_suffix(".npz")) as z:
        weights = {int(k[1:]): z[k] for k in z.files}
    meta = json.loads(checkpoint.with_suffix(".json").read_text(encoding="utf-8"))
    ranges = {k: (float(v[0]), float(v[1])) for k, v in meta["ranges"].items()}
    return export_arrays(float32_model, weights, ranges)


def op_kinds(model: bytes) -> list[Any]:
    from models.quantize import op_precisions

    return op_precisions(model)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", type=Path, required=True, help="path without suffix")
    p.add_argument("--float-model", type=Path, required=True, help="pose_landmark_full.tflite")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    data = export_int8(float32_trimmed(args.float_model.read_bytes()), args.checkpoint)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, every op int8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
