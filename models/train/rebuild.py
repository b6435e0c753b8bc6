"""The landmark network rebuilt in PyTorch, op for op, from its flatbuffer.

The trimmed float model (float16 weights folded to float32, only the outputs the engine
reads: :func:`float32_trimmed`) uses eight op types: CONV_2D, DEPTHWISE_CONV_2D, ADD, PAD,
MAX_POOL_2D, RESIZE_BILINEAR (half-pixel centres), RESHAPE and LOGISTIC. :class:`TfliteGraph`
walks the same op list in the same order on NCHW tensors; every convolution's weights and
bias become trainable parameters.

TFLite's SAME padding is not PyTorch's: the total padding of a dimension is
``max((out - 1)·stride + k - in, 0)`` with ``out = ceil(in / stride)``, and the smaller half
goes *before* (top/left). It is applied explicitly (zeros for convolutions; ignored cells
for max pooling).

With :meth:`TfliteGraph.enable_fake_quant`, the graph computes what the all-int8 model
computes, in the form ``ai-edge-quantizer``'s ``static_wi8_ai8`` writes it: each
convolution's weights rounded per output channel, symmetric, to the int8 grid
``max|w| / 127``; the model input and the output of every CONV_2D, DEPTHWISE_CONV_2D and
ADD rounded per tensor, affine, to 256 levels between a learnable minimum and maximum (the
range always includes 0, as the quantizer makes it); PAD, MAX_POOL_2D, RESHAPE and
RESIZE_BILINEAR keep their input's grid (the resize re-rounds to it); LOGISTIC gives
steps of 1/256. Rounding passes gradients straight through; clipping gives the range its
gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

CONV = "CONV_2D"
DWCONV = "DEPTHWISE_CONV_2D"
#: Ops whose output gets its own int8 range.
RANGED = (CONV, DWCONV, "ADD")
#: Ops whose output keeps its input's int8 grid.
SHARED = ("PAD", "MAX_POOL_2D", "RESHAPE", "RESIZE_BILINEAR")
LOGISTIC_SCALE = 1.0 / 256.0
SAME, VALID = 0, 1
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3


def _same_pad(size: int, k: int, stride: int) -> tuple[int, int]:
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def _act(x: torch.Tensor, code: int) -> torch.Tensor:
    if code == ACT_NONE:
        return x
    if code == ACT_RELU:
        return F.relu(x)
    if code == ACT_RELU6:
        return F.relu6(x)
    raise ValueError(f"fused activation {code} is not supported")


def fake_quant_weight(w: torch.Tensor) -> torch.Tensor:
    """Per output channel (dim 0), symmetric, int8 in [-127, 127], scale ``max|w| / 127``."""
    bound = w.detach().abs().flatten(1).amax(1).clamp_min(1e-9)
    zero = torch.zeros(w.shape[0], dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(w, bound / 127.0, zero, 0, -127, 127)


class ActRange(nn.Module):  # type: ignore[misc]
    """A per-tensor int8 grid: ``scale`` (learned, as its logarithm) and a zero point fixed
    at its initial value, so the range is [(-128 - zp)·scale, (127 - zp)·scale]; made from
    a range [lo, hi] as the quantizer makes it (widened to include 0, scale = (hi - lo) /
    255, zero point = rint(-128 - lo / scale)). Rounding passes gradients straight through;
    the scale learns from the rounding and clipping error (LSQ)."""

    def __init__(self, lo: float, hi: float, learn: bool = True) -> None:
        super().__init__()
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = max(hi - lo, 1e-9) / 255.0
        zp = float(np.clip(np.rint(-128.0 - lo / scale), -128, 127))
        self.log_scale = nn.Parameter(torch.tensor([math.log(scale)]), requires_grad=learn)
        self.register_buffer("zero_point", torch.tensor([zp]))

    def bounds(self) -> tuple[float, float]:
        scale = float(torch.exp(self.log_scale.detach())[0])
        zp = float(self.zero_point[0])
        return (-128.0 - zp) * scale, (127.0 - zp) * scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.exp(self.log_scale)
        return torch._fake_quantize_learnable_per_tensor_affine(
            x, scale, self.zero_point, -128, 127, 1.0
        )


class TfliteGraph(nn.Module):  # type: ignore[misc]
    """The flatbuffer's op list as a PyTorch module (NCHW; input (N, 3, 256, 256) RGB in
    [0, 1]); ``forward`` returns the model's outputs by tensor name, in TFLite layout
    (NHWC for 4-D outputs)."""

    def __init__(self, model: bytes) -> None:
        super().__init__()
        from ai_edge_litert import schema_py_generated as schema
        from ai_edge_litert.tools import flatbuffer_utils as fbu

        kinds = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
        m: Any = fbu.read_model_from_bytearray(bytearray(model))
        sg = m.subgraphs[0]
        codes = [fbu.get_builtin_code_from_operator_code(c) for c in m.operatorCodes]
        self.names = [t.name.decode() for t in sg.tensors]
        self.shapes = [tuple(int(v) for v in t.shape) for t in sg.tensors]
        self.input_index = int(sg.inputs[0])
        self.output_indices = [int(i) for i in sg.outputs]

        def const(i: int) -> np.ndarray[Any, Any] | None:
            data = m.buffers[sg.tensors[i].buffer].data
            if data is None or not len(data):
                return None
            dtype = {0: "<f4", 2: "<i4"}[int(sg.tensors[i].type)]
            return np.frombuffer(bytes(data), dtype=dtype).reshape(self.shapes[i])

        self.ops: list[tuple[str, list[int], int, dict[str, Any]]] = []
        self.weights = nn.ParameterDict()
        self.biases = nn.ParameterDict()
        #: op index -> (weight tensor index, bias tensor index) for export.
        self.weight_tensors: dict[str, tuple[int, int]] = {}
        self.ranges = nn.ModuleDict()
        self.quant_source: dict[int, int] = {}  # tensor -> tensor whose range it uses
        for k, op in enumerate(sg.operators):
            kind = kinds[codes[op.opcodeIndex]]
            ins = [int(i) for i in op.inputs]
            out = int(op.outputs[0])
            opt = {} if op.builtinOptions is None else dict(vars(op.builtinOptions))
            key = str(k)
            if kind in (CONV, DWCONV):
                w, b = const(ins[1]), const(ins[2])
                assert w is not None and b is not None
                # TFLite: CONV [out, kh, kw, in]; DEPTHWISE [1, kh, kw, C].
                # PyTorch: [out, in, kh, kw].
                tw = w.transpose(0, 3, 1, 2) if kind == CONV else w.transpose(3, 0, 1, 2)
                self.weights[key] = nn.Parameter(torch.from_numpy(tw.copy()))
                self.biases[key] = nn.Parameter(torch.from_numpy(b.copy()))
                self.weight_tensors[key] = (ins[1], ins[2])
                opt["k"] = (int(w.shape[1]), int(w.shape[2]))
            elif kind == "PAD":
                pads = const(ins[1])
                assert pads is not None
                opt["pads"] = [int(v) for v in pads.reshape(-1)]
            elif kind == "RESIZE_BILINEAR":
                if not opt.get("halfPixelCenters") or opt.get("alignCorners"):
                    raise ValueError("only half-pixel-centre bilinear resizing is rebuilt")
                opt["size"] = self.shapes[out][1:3]
            elif kind == "RESHAPE":
                opt["shape"] = self.shapes[out]
            elif kind not in ("ADD", "MAX_POOL_2D", "LOGISTIC"):
                raise ValueError(f"op {kind} is not rebuilt")
            self.ops.append((kind, ins, out, opt))
        self.fake_quant = False

    # ---- int8 form ---------------------------------------------------------------------------

    def enable_fake_quant(self, ranges: dict[str, tuple[float, float]]) -> None:
        """Compute as the all-int8 model does, starting from ``ranges`` (tensor name ->
        (min, max), e.g. calibrated)."""

        def add(i: int) -> None:
            lo, hi = ranges[self.names[i]]
            self.ranges[str(i)] = ActRange(lo, hi)
            self.quant_source[i] = i

        add(self.input_index)
        for kind, ins, out, _ in self.ops:
            if kind in RANGED:
                add(out)
            elif kind in SHARED:
                self.quant_source[out] = self.quant_source[ins[0]]
            elif kind == "LOGISTIC":  # fixed grid: steps of 1/256 from 0
                self.ranges[str(out)] = ActRange(0.0, 255.0 * LOGISTIC_SCALE, learn=False)
                self.quant_source[out] = out
        self.fake_quant = True

    def observe_ranges(self, x: torch.Tensor) -> dict[str, tuple[float, float]]:
        """Min and max of the input and of every op output over the batch ``x`` (float
        compute): a calibration from which :meth:`enable_fake_quant` can start."""
        seen: dict[str, tuple[float, float]] = {}
        was = self.fake_quant
        self.fake_quant = False
        try:
            with torch.no_grad():
                self.forward(x, observe=seen)
        finally:
            self.fake_quant = was
        return seen

    def activation_ranges(self) -> dict[str, tuple[float, float]]:
        """Each quantized tensor's range by name (shared-grid tensors repeat their source's)."""
        out = {}
        for i, src in self.quant_source.items():
            r = self.ranges[str(src)]
            assert isinstance(r, ActRange)
            out[self.names[i]] = r.bounds()
        return out

    def _q(self, i: int, x: torch.Tensor) -> torch.Tensor:
        if not self.fake_quant:
            return x
        r = self.ranges[str(self.quant_source[i])]
        return r(x)

    def conv_weight(self, key: str) -> torch.Tensor:
        w: torch.Tensor = self.weights[key]
        return fake_quant_weight(w) if self.fake_quant else w

    # ---- forward -----------------------------------------------------------------------------

    def forward(
        self, x: torch.Tensor, observe: dict[str, tuple[float, float]] | None = None
    ) -> dict[str, torch.Tensor]:
        env: dict[int, torch.Tensor] = {self.input_index: self._q(self.input_index, x)}
        if observe is not None:
            observe[self.names[self.input_index]] = (float(x.min()), float(x.max()))
        for k, (kind, ins, out, opt) in enumerate(self.ops):
            a = env[ins[0]]
            if kind in (CONV, DWCONV):
                key = str(k)
                w = self.conv_weight(key)
                sh, sw = opt["strideH"], opt["strideW"]
                if opt["padding"] == SAME:
                    top, bottom = _same_pad(a.shape[2], opt["k"][0], sh)
                    left, right = _same_pad(a.shape[3], opt["k"][1], sw)
                    if top or bottom or left or right:
                        a = F.pad(a, (left, right, top, bottom))
                groups = a.shape[1] if kind == DWCONV else 1
                y = F.conv2d(a, w, self.biases[key], stride=(sh, sw), groups=groups)
                y = self._q(out, _act(y, opt["fusedActivationFunction"]))
            elif kind == "ADD":
                y = self._q(out, _act(a + env[ins[1]], opt["fusedActivationFunction"]))
            elif kind == "PAD":
                p = opt["pads"]  # NHWC: [n0, n1, h0, h1, w0, w1, c0, c1]
                if p[0] or p[1]:
                    raise ValueError("padding the batch dimension is not rebuilt")
                y = F.pad(a, (p[4], p[5], p[2], p[3], p[6], p[7]))
            elif kind == "MAX_POOL_2D":
                kh, kw = opt["filterHeight"], opt["filterWidth"]
                sh, sw = opt["strideH"], opt["strideW"]
                if opt["padding"] == SAME:
                    top, bottom = _same_pad(a.shape[2], kh, sh)
                    left, right = _same_pad(a.shape[3], kw, sw)
                    a = F.pad(a, (left, right, top, bottom), value=-math.inf)
                y = _act(F.max_pool2d(a, (kh, kw), (sh, sw)), opt["fusedActivationFunction"])
            elif kind == "RESIZE_BILINEAR":
                y = F.interpolate(a, size=opt["size"], mode="bilinear", align_corners=False)
                y = self._q(out, y)
            elif kind == "RESHAPE":
                # Only (1, 1, 1, C) -> (1, C) occurs: the same values in NCHW order.
                if len(opt["shape"]) != 2 or a.shape[2:] != (1, 1):
                    raise ValueError(f"reshape to {opt['shape']} is not rebuilt")
                y = a.reshape(a.shape[0], -1)
            elif kind == "LOGISTIC":
                y = self._q(out, torch.sigmoid(a))
            else:  # pragma: no cover - rejected in __init__
                raise AssertionError(kind)
            env[out] = y
            if observe is not None:
                observe[self.names[out]] = (float(y.min()), float(y.max()))
        outs = {}
        for i in self.output_indices:
            t = env[i]
            outs[self.names[i]] = t.permute(0, 2, 3, 1) if t.dim() == 4 else t
        return outs

    # ---- export ------------------------------------------------------------------------------

    def quantized_weights(self) -> dict[int, np.ndarray[Any, Any]]:
        """Every convolution's weights (on their int8 grid when fake-quantized) and bias, by
        tensor index, in TFLite layout."""
        out: dict[int, np.ndarray[Any, Any]] = {}
        with torch.no_grad():
            for key, (wi, bi) in self.weight_tensors.items():
                kind = self.ops[int(key)][0]
                w = self.conv_weight(key).numpy()
                tw = w.transpose(0, 2, 3, 1) if kind == CONV else w.transpose(1, 2, 3, 0)
                out[wi] = np.ascontiguousarray(tw, np.float32)
                out[bi] = self.biases[key].detach().numpy().astype(np.float32)
        return out
