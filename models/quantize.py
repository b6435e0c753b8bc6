"""An int8 version of the BlazePose landmark model, made here from the verified float one.

MediaPipe ships ``pose_landmark_full.tflite`` with float16 weights, each expanded at load
time by a ``DEQUANTIZE`` op. Quantizers skip such weights, so the first step rewrites the
flatbuffer with float32 constants instead (exact: float16 → float32 loses nothing), drops
the tensors that are no longer used and adds the ``serving_default`` signature the
calibrator needs. The second step is Google's ``ai-edge-quantizer`` (no TensorFlow; it runs
on ``ai-edge-litert``), with one of two recipes:

- ``weight-only``: int8 per-channel weights, float32 compute (dequantized once at load).
  Half the file, landmarks within a pixel or two of the float model, no calibration data.
- ``static``: int8 weights and activations (float32 input and outputs kept, so the engine
  can load it unchanged), calibrated on crops the engine itself makes from real footage.

The result goes to the model cache as ``pose_landmark_full_int8.tflite``, written to a
temporary name and renamed, with a JSON record beside it (its SHA-256, the float model's
SHA-256, the recipe and the quantizer's version). :func:`int8_model_path` re-checks that
SHA-256 before the file is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from edge.errors import ModelError
from models.fetch import write_atomic

SOURCE_MODEL = "pose_landmark_full"
INT8_FILENAME = "pose_landmark_full_int8.tflite"
RECORD_FILENAME = "pose_landmark_full_int8.json"
SIGNATURE_KEY = "serving_default"
QUANTIZER_PACKAGE = "ai-edge-quantizer"

Mode = Literal["weight-only", "static"]
MODES: tuple[str, ...] = get_args(Mode)

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Int8Record:
    """What was made, from what, and how (stored as JSON beside the model)."""

    filename: str
    sha256: str
    size_bytes: int
    mode: str
    source_filename: str
    source_sha256: str
    tool: str
    calibration_samples: int


def _quantizer_version() -> str:
    try:
        return importlib.metadata.version(QUANTIZER_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"making the int8 model needs {QUANTIZER_PACKAGE} (no TensorFlow): "
            f"pip install {QUANTIZER_PACKAGE}"
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
    (to read every activation), which LiteRT warns about; that is intended here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*experimental_preserve_all_tensors.*")
        yield


def quantize_bytes(
    float32_model: bytes, mode: Mode, calibration: Sequence[FloatArray] = ()
) -> bytes:
    """Quantize a float32 model (from :func:`fold_float16_weights`)."""
    _quantizer_version()
    from ai_edge_quantizer import algorithm_manager, qtyping, quantizer, recipe, recipe_manager

    if mode == "weight-only":
        rec = recipe.weight_only_wi8_afp32()
    elif mode == "static":
        if not calibration:
            raise ModelError("static int8 needs calibration frames: pass --calibrate VIDEO")
        manager = recipe_manager.RecipeManager()
        manager.load_quantization_recipe(recipe.static_wi8_ai8())
        # Keep the model's input and outputs float32: the engine feeds [0, 1] floats and
        # reads float landmarks; QUANTIZE / DEQUANTIZE ops are added at the edges.
        for edge_op in (qtyping.TFLOperationName.INPUT, qtyping.TFLOperationName.OUTPUT):
            manager.add_quantization_config(
                ".*", edge_op, None, algorithm_manager.AlgorithmName.NO_QUANTIZE
            )
        rec = manager.get_quantization_recipe()
    else:
        raise ModelError(f"unknown int8 mode {mode!r} (known: {', '.join(MODES)})")
    q = quantizer.Quantizer(bytearray(float32_model))
    q.load_quantization_recipe(rec)
    with _quiet():
        qsv = None
        if q.need_calibration:
            name = _input_name(float32_model)
            samples = [{name: np.ascontiguousarray(x, np.float32)} for x in calibration]
            qsv = q.calibrate({SIGNATURE_KEY: samples}, num_threads=1)
        result = q.quantize(qsv, enable_progress_bar=False, enable_progress_report=False)
    if result.quantized_model is None:
        raise ModelError(f"{QUANTIZER_PACKAGE} returned no model")
    return bytes(result.quantized_model)


def _input_name(model: bytes) -> str:
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    name = m.signatureDefs[0].inputs[0].name
    return name.decode() if isinstance(name, bytes) else str(name)


# ---- calibration data: the crops the engine really feeds the model -----------------------------


def calibration_crops(
    videos: Sequence[Path],
    models_dir: Path | None = None,
    max_frames: int = 120,
    every: int = 6,
) -> list[FloatArray]:
    """Landmark-model inputs ((1, 256, 256, 3) float32 in [0, 1]) from real footage: the float
    engine tracks the runner over the first ``max_frames`` frames of each video, and every
    ``every``-th region it used is cropped exactly as the engine crops it."""
    import cv2

    from edge.pose.config import PoseConfig
    from edge.pose.engine import PoseEngine
    from edge.pose.interpreter import TFLiteModel
    from edge.pose.landmarker import LandmarkModel
    from edge.video import VideoFile
    from models.fetch import model_path

    cropper = LandmarkModel(TFLiteModel(model_path(SOURCE_MODEL, models_dir), num_threads=1))
    crops: list[FloatArray] = []
    for video in videos:
        engine = PoseEngine(PoseConfig(), models_dir)
        with VideoFile(video) as vf:
            fps = vf.info.fps
            for i, frame in enumerate(vf):
                if i >= max_frames:
                    break
                result = engine.process(frame, (i + 1) / fps)
                if result.roi is None or not result.detected or i % every:
                    continue
                rgb = cv2.cvtColor(cropper.crop(frame, result.roi), cv2.COLOR_BGR2RGB)
                crops.append((rgb.astype(np.float32) * np.float32(1.0 / 255.0))[None])
        engine.close()
    if not crops:
        raise ModelError(
            "no runner was found in the calibration videos: use footage with a person in it"
        )
    return crops


# ---- the command's work ----------------------------------------------------------------------


def quantize_landmark_model(
    mode: Mode = "weight-only",
    models_dir: Path | None = None,
    out_dir: Path | None = None,
    calibration_videos: Sequence[Path] = (),
    log: Callable[[str], None] = print,
) -> Int8Record:
    """Make ``pose_landmark_full_int8.tflite`` (and its record) from the verified float model
    in ``models_dir``, into ``out_dir`` (both default to the model cache)."""
    from models.fetch import default_cache_dir, is_cached, model_path
    from models.manifest import load_manifest

    tool = f"{QUANTIZER_PACKAGE}=={_quantizer_version()}"
    spec = load_manifest()[SOURCE_MODEL]
    src_dir = models_dir or default_cache_dir()
    src = model_path(SOURCE_MODEL, src_dir)
    if not is_cached(spec, src_dir):
        raise ModelError(
            f"{src} does not match the manifest's SHA-256: delete it and run "
            "`treadwatch models fetch` again"
        )
    dest_dir = out_dir or src_dir
    dest_dir.mkdir(parents=True, exist_ok=True)
    crops: list[FloatArray] = []
    if mode == "static":
        if not calibration_videos:
            raise ModelError("static int8 needs calibration footage: pass --calibrate VIDEO")
        log(f"calibration: tracking the runner in {len(calibration_videos)} video(s) ...")
        crops = calibration_crops(calibration_videos, src_dir)
        log(f"calibration: {len(crops)} crops")
    float32 = fold_float16_weights(src.read_bytes())
    log(f"quantizing {src.name} ({mode}) with {tool} ...")
    data = quantize_bytes(float32, mode, crops)
    target = dest_dir / INT8_FILENAME
    write_atomic(target, data)
    record = Int8Record(
        filename=INT8_FILENAME,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        mode=mode,
        source_filename=spec.filename,
        source_sha256=spec.sha256,
        tool=tool,
        calibration_samples=len(crops),
    )
    write_atomic(dest_dir / RECORD_FILENAME, (json.dumps(asdict(record), indent=2) + "\n").encode())
    log(
        f"{target}: {len(data) / 2**20:.2f} MiB (float: {spec.size_bytes / 2**20:.2f} MiB), "
        f"sha256={record.sha256}"
    )
    return record


def load_record(cache_dir: Path | None = None) -> Int8Record:
    from models.fetch import default_cache_dir

    path = (cache_dir or default_cache_dir()) / RECORD_FILENAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Int8Record(**raw)
    except FileNotFoundError:
        raise ModelError(
            f"no int8 model in {path.parent}: run `treadwatch quantize-models`"
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(
            f"{path} is unreadable ({exc}): run `treadwatch quantize-models`"
        ) from None


def int8_model_path(cache_dir: Path | None = None) -> Path:
    """Path of the int8 model after checking its SHA-256 against its record."""
    from models.fetch import default_cache_dir, sha256_of

    cache = cache_dir or default_cache_dir()
    record = load_record(cache)
    path = cache / record.filename
    if not path.is_file():
        raise ModelError(f"{path} is missing: run `treadwatch quantize-models`")
    digest = sha256_of(path)
    if digest != record.sha256:
        raise ModelError(
            f"{path} has SHA-256 {digest}, its record says {record.sha256}: "
            "run `treadwatch quantize-models` again"
        )
    return path
