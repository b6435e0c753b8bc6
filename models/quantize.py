"""Writing a float32 landmark network as an all-int8 ``.tflite`` (no TensorFlow).

MediaPipe ships ``pose_landmark_full.tflite`` with float16 weights, each expanded at load
time by a ``DEQUANTIZE`` op. :func:`fold_float16_weights` rewrites the flatbuffer with
float32 constants instead (exact: float16 → float32 loses nothing), drops the tensors that
are no longer used and adds the ``serving_default`` signature the quantizer needs.
:func:`quantize_bytes` runs Google's ``ai-edge-quantizer`` (on ``ai-edge-litert``) with its
full-integer recipe: int8 per-channel symmetric weights and int8 per-tensor activations
with the ranges given; the model's input and outputs stay float32 (a QUANTIZE and
DEQUANTIZEs at the edges), so the engine loads it unchanged. :func:`op_precisions` reads
each op's tensor types from a flatbuffer: int8 in and out with int8 weights is what
XNNPACK runs with its QS8 kernels.

The int8 model the engine runs is trained for int8 (``models/train/``, docs/int8.md) and
committed in ``models/weights/``; this module is what its export (``models.train.export``)
uses. ``ai-edge-quantizer`` is in the ``train`` extra, not in the device's install.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.errors import ModelError

SIGNATURE_KEY = "serving_default"
QUANTIZER_PACKAGE = "ai-edge-quantizer"


def _quantizer_version() -> str:
    try:
        return importlib.metadata.version(QUANTIZER_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"writing an int8 model needs {QUANTIZER_PACKAGE} (no TensorFlow): "
            "pip install -e '.[train]'"
        ) from None


# ---- step 1: float16 weights → float32 constants -----------------------------------------------


def fold_float16_weights(model: bytes) -> bytes:
    """The same network with every ``DEQUANTIZE(float16 constant)`` replaced by a float32
    constant, unused tensors removed and a ``serving_default`` signature added."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    if len(m.subgraphs) != 1:
        raise ModelError(f"expected a single-subgraph model, got {len(m.subgraphs)} subgraphs")
    codes = [fbu.get_builtin_code_from_operator_code(c) for c in m.operatorCodes]
    sg = m.subgraphs[0]
    kept = []
    for op in sg.operators:
        if codes[op.opcodeIndex] == schema.BuiltinOperator.DEQUANTIZE:
            src = sg.tensors[op.inputs[0]]
            data = m.buffers[src.buffer].data
            if src.type == schema.TensorType.FLOAT16 and data is not None and len(data):
                weights = np.frombuffer(bytes(data), dtype="<f2").astype("<f4")
                buf = schema.BufferT()
                buf.data = np.frombuffer(weights.tobytes(), dtype=np.uint8)
                m.buffers.append(buf)
                sg.tensors[op.outputs[0]].buffer = len(m.buffers) - 1
                m.buffers[src.buffer].data = None
                continue
        kept.append(op)
    used = sorted(
        {i for op in kept for i in [*op.inputs, *op.outputs] if i >= 0}
        | set(sg.inputs)
        | set(sg.outputs)
    )
    new_index = {old: new for new, old in enumerate(used)}
    sg.tensors = [sg.tensors[i] for i in used]
    for op in kept:
        op.inputs = [new_index[i] if i >= 0 else i for i in op.inputs]
        op.outputs = [new_index[i] for i in op.outputs]
    sg.inputs = [new_index[i] for i in sg.inputs]
    sg.outputs = [new_index[i] for i in sg.outputs]
    sg.operators = kept

    def tensor_map(i: int) -> Any:
        t = schema.TensorMapT()
        t.name = sg.tensors[i].name
        t.tensorIndex = i
        return t

    sig = schema.SignatureDefT()
    sig.signatureKey = SIGNATURE_KEY
    sig.subgraphIndex = 0
    sig.inputs = [tensor_map(i) for i in sg.inputs]
    sig.outputs = [tensor_map(i) for i in sg.outputs]
    m.signatureDefs = [sig]
    return bytes(fbu.convert_object_to_bytearray(m))


# ---- step 2: ai-edge-quantizer ----------------------------------------------------------------


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The calibrator builds its interpreter with ``experimental_preserve_all_tensors``
    (to read every activation), which LiteRT warns about; that is intended here. Its
    progress bars (tqdm, on stderr) are not shown: the command logs its own steps."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.filterwarnings("ignore", message=".*experimental_preserve_all_tensors.*")
        yield


def op_scopes(model: bytes) -> list[tuple[str, str]]:
    """(op type, scope) of every op, in order; the scope is how ``ai-edge-quantizer`` names an
    op in a recipe: its output tensor names joined by ``;``, with a trailing ``;``."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    codes = [fbu.get_builtin_code_from_operator_code(c) for c in m.operatorCodes]
    sg = m.subgraphs[0]
    out = []
    for op in sg.operators:
        tensor_names = [sg.tensors[i].name.decode() for i in op.outputs if i >= 0]
        out.append((names[codes[op.opcodeIndex]], ";".join(tensor_names) + ";"))
    return out


@dataclass(frozen=True, slots=True)
class OpPrecision:
    """One op of a model as the runtime sees it: its type, scope, and the element types of
    its first input and output (int8 in and out: XNNPACK runs its QS8 kernel)."""

    kind: str
    scope: str
    input_type: str
    output_type: str
    weight_type: str | None

    @property
    def int8(self) -> bool:
        return self.input_type == "INT8" and self.output_type == "INT8"


def op_precisions(model: bytes) -> list[OpPrecision]:
    """Each op's tensor types, read from the flatbuffer (the LiteRT schema)."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    types = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    sg = m.subgraphs[0]
    out = []
    for (kind, scope), op in zip(op_scopes(model), sg.operators, strict=True):
        ins = [sg.tensors[i] for i in op.inputs if i >= 0]
        weight = ins[1] if kind in ("CONV_2D", "DEPTHWISE_CONV_2D") and len(ins) > 1 else None
        out.append(
            OpPrecision(
                kind=kind,
                scope=scope,
                input_type=types[ins[0].type] if ins else "-",
                output_type=types[sg.tensors[op.outputs[0]].type],
                weight_type=None if weight is None else types[weight.type],
            )
        )
    return out


def _static_recipe() -> Any:
    """Every op int8 (weights per channel, activations per tensor); the model's input and
    outputs stay float32 (QUANTIZE / DEQUANTIZE ops are added at the edges)."""
    from ai_edge_quantizer import algorithm_manager, qtyping, recipe, recipe_manager

    manager = recipe_manager.RecipeManager()
    manager.load_quantization_recipe(recipe.static_wi8_ai8())
    no_quantize = algorithm_manager.AlgorithmName.NO_QUANTIZE
    for edge_op in (qtyping.TFLOperationName.INPUT, qtyping.TFLOperationName.OUTPUT):
        manager.add_quantization_config(".*", edge_op, None, no_quantize)
    return manager.get_quantization_recipe()


def quantize_bytes(float32_model: bytes, ranges: dict[str, Any]) -> bytes:
    """The all-int8 version of a float32 model (from :func:`fold_float16_weights`) with
    the activation ranges ``ranges`` (per tensor name: ``min`` and ``max`` arrays)."""
    _quantizer_version()
    from ai_edge_quantizer import quantizer

    q = quantizer.Quantizer(bytearray(float32_model))
    q.load_quantization_recipe(_static_recipe())
    with _quiet():
        result = q.quantize(ranges, enable_progress_bar=False, enable_progress_report=False)
    if result.quantized_model is None:
        raise ModelError(f"{QUANTIZER_PACKAGE} returned no model")
    return bytes(result.quantized_model)
