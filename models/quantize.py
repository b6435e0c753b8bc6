"""An int8 version of the BlazePose landmark model, made here from the verified float one.

MediaPipe ships ``pose_landmark_full.tflite`` with float16 weights, each expanded at load
time by a ``DEQUANTIZE`` op. Quantizers skip such weights, so the first step rewrites the
flatbuffer with float32 constants instead (exact: float16 → float32 loses nothing), drops
the tensors that are no longer used and adds the ``serving_default`` signature the
calibrator needs. The outputs the engine never reads (the 256×256 segmentation mask and
the world landmarks) are pruned with the ops that only they need. The second step is
Google's ``ai-edge-quantizer`` (no TensorFlow; it runs on ``ai-edge-litert``):

- ``mixed`` (default): full-integer int8 (int8 weights and activations, so XNNPACK runs its
  QS8 kernels) except the ops whose error contribution is largest, kept float. Which ops,
  and every activation's range, are in ``models/int8_recipe.json``, made once with
  ``--calibrate VIDEO --search`` from crops the engine itself makes from real footage.
- ``static``: every op int8 (measurably less accurate: see docs/int8.md).
- ``weight-only``: int8 per-channel weights, float32 compute; no speed gain.

Input and outputs stay float32, so the engine loads any of them unchanged. The result goes
to the model cache as ``pose_landmark_full_int8.tflite``, written to a temporary name and
renamed, with a JSON record beside it (its SHA-256, the float model's SHA-256, the recipe
and the quantizer's version); :mod:`models.resolve` checks that SHA-256 before it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from edge.errors import ModelError
from models.fetch import write_atomic
from models.manifest import load_manifest
from models.trim import engine_outputs, prune_outputs

SOURCE_MODEL = "pose_landmark_full"
INT8_FILENAME = "pose_landmark_full_int8.tflite"
RECORD_FILENAME = "pose_landmark_full_int8.json"
SIGNATURE_KEY = "serving_default"
QUANTIZER_PACKAGE = "ai-edge-quantizer"

Mode = Literal["mixed", "static", "weight-only"]
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
    float_ops: int = 0


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


def _recipe(mode: Mode, float_scopes: Sequence[str] = ()) -> Any:
    from ai_edge_quantizer import algorithm_manager, qtyping, recipe, recipe_manager

    if mode == "weight-only":
        return recipe.weight_only_wi8_afp32()
    if mode not in ("static", "mixed"):
        raise ModelError(f"unknown int8 mode {mode!r} (known: {', '.join(MODES)})")
    manager = recipe_manager.RecipeManager()
    manager.load_quantization_recipe(recipe.static_wi8_ai8())
    # Keep the model's input and outputs float32: the engine feeds [0, 1] floats and reads
    # float landmarks; QUANTIZE / DEQUANTIZE ops are added at the edges.
    no_quantize = algorithm_manager.AlgorithmName.NO_QUANTIZE
    for edge_op in (qtyping.TFLOperationName.INPUT, qtyping.TFLOperationName.OUTPUT):
        manager.add_quantization_config(".*", edge_op, None, no_quantize)
    # Mixed precision: these ops stay float (a later, more specific rule wins).
    for scope in float_scopes if mode == "mixed" else ():
        manager.add_quantization_config(
            "^" + re.escape(scope) + "$", qtyping.TFLOperationName.ALL_SUPPORTED, None, no_quantize
        )
    return manager.get_quantization_recipe()


def calibrate(float32_model: bytes, calibration: Sequence[FloatArray]) -> dict[str, Any]:
    """Activation ranges of every tensor over ``calibration`` inputs (min/max per tensor),
    as ``ai-edge-quantizer`` records them."""
    _quantizer_version()
    from ai_edge_quantizer import calibrator, recipe_manager
    from ai_edge_quantizer.utils import qsv_utils

    if not calibration:
        raise ModelError("static int8 needs calibration frames: pass --calibrate VIDEO")
    manager = recipe_manager.RecipeManager()
    manager.load_quantization_recipe(_recipe("static"))
    name = _input_name(float32_model)
    samples = [{name: np.ascontiguousarray(x, np.float32)} for x in calibration]
    with _quiet():
        # The quantizer's default update is a moving average of each tensor's min/max
        # (weight 0.95 on the past), so the ranges would mostly describe the last ~20
        # crops, i.e. the last clip, and clip every other clip's activations. The range
        # over all crops is what a model for every runner needs.
        calib = calibrator.Calibrator(
            bytearray(float32_model), num_threads=1, qsv_update_func=qsv_utils.min_max_update
        )
        calib.calibrate({SIGNATURE_KEY: samples}, manager)
        result: dict[str, Any] = calib.get_model_qsvs()
    return result


def quantize_bytes(
    float32_model: bytes,
    mode: Mode,
    calibration: Sequence[FloatArray] = (),
    float_scopes: Sequence[str] = (),
    ranges: dict[str, Any] | None = None,
) -> bytes:
    """Quantize a float32 model (from :func:`fold_float16_weights`). ``static`` and ``mixed``
    need activation ranges: ``ranges`` (from :func:`calibrate`) or ``calibration`` inputs."""
    _quantizer_version()
    from ai_edge_quantizer import quantizer

    q = quantizer.Quantizer(bytearray(float32_model))
    q.load_quantization_recipe(_recipe(mode, float_scopes))
    with _quiet():
        if q.need_calibration and ranges is None:
            ranges = calibrate(float32_model, calibration)
        result = q.quantize(
            ranges if q.need_calibration else None,
            enable_progress_bar=False,
            enable_progress_report=False,
        )
    if result.quantized_model is None:
        raise ModelError(f"{QUANTIZER_PACKAGE} returned no model")
    return bytes(result.quantized_model)


@dataclass(frozen=True, slots=True)
class ErrorFigures:
    median: float
    p95: float

    def within(self, median: float, p95: float) -> bool:
        return self.median <= median and self.p95 <= p95


def error_figures(err: FloatArray) -> ErrorFigures:
    return ErrorFigures(float(np.median(err)), float(np.percentile(err, 95)))


def search_float_layers(
    float32_model: bytes,
    ranges: dict[str, Any],
    crops: Sequence[Uint8Array],
    target: ErrorFigures,
    log: Callable[[str], None] = print,
) -> tuple[list[str], ErrorFigures]:
    """The ops to keep float so that the int8 model's landmarks on ``crops`` stay within
    ``target`` (torso lengths) of the float model's.

    Each op's error contribution is measured alone: the model with only that op quantized,
    against the float model. Ops are then returned to float in order of contribution, the
    smallest such prefix that meets the target found by bisection."""
    reference = crop_landmarks(float32_model, crops)
    # Every op is a candidate: a RESHAPE that emits the landmarks, left int8, rounds them
    # to its 8-bit grid as surely as a convolution would.
    candidates = [scope for _, scope in op_scopes(float32_model)]

    def error_with(float_scopes: Sequence[str]) -> ErrorFigures:
        model = quantize_bytes(float32_model, "mixed", float_scopes=float_scopes, ranges=ranges)
        return error_figures(torso_errors(reference, crop_landmarks(model, crops)))

    contribution: list[tuple[float, str]] = []
    others = set(candidates)
    for k, scope in enumerate(candidates):
        fig = error_with(sorted(others - {scope}))
        contribution.append((fig.p95, scope))
        if k % 10 == 0:
            log(f"sensitivity: {k + 1}/{len(candidates)} ops measured")
    ranked = [s for _, s in sorted(contribution, reverse=True)]
    log(
        "ranking: "
        + json.dumps([[round(p95, 5), s] for p95, s in sorted(contribution, reverse=True)])
    )
    full = error_with(())
    log(f"all int8: median {full.median:.4f}, p95 {full.p95:.4f} torso lengths")
    if full.within(target.median, target.p95):
        return [], full
    lo, hi = 0, len(ranked)  # error_with(ranked[:hi]) meets the target (all float does)
    best = ErrorFigures(0.0, 0.0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        fig = error_with(ranked[:mid])
        log(f"{mid} ops float: median {fig.median:.4f}, p95 {fig.p95:.4f}")
        if fig.within(target.median, target.p95):
            hi, best = mid, fig
        else:
            lo = mid
    return ranked[:hi], best


def _input_name(model: bytes) -> str:
    from ai_edge_litert.tools import flatbuffer_utils as fbu

    m: Any = fbu.read_model_from_bytearray(bytearray(model))
    name = m.signatureDefs[0].inputs[0].name
    return name.decode() if isinstance(name, bytes) else str(name)


# ---- calibration data: the crops the engine really feeds the model -----------------------------

#: Region variants added to every tracked region for calibration: (rotation rad, scale).
VARIANTS: tuple[tuple[float, float], ...] = ((0.3, 1.0), (-0.3, 1.0), (0.0, 0.85), (0.0, 1.2))

Uint8Array = npt.NDArray[np.uint8]


def collect_crops(
    videos: Sequence[Path],
    detector: Path,
    landmarks: Path,
    start: int = 0,
    every: int = 12,
    max_frames: int = 360,
    variants: bool = True,
) -> list[Uint8Array]:
    """Landmark-model input crops (256×256 BGR uint8) from real footage: the float engine
    tracks the runner over the first ``max_frames`` frames of each video, and on frames
    ``start``, ``start + every``, … the region it used is cropped exactly as the engine
    crops it; with ``variants``, also rotated and scaled versions of that region."""
    from dataclasses import replace

    from edge.pose.config import PoseConfig
    from edge.pose.engine import PoseEngine, PoseModels
    from edge.pose.interpreter import TFLiteModel
    from edge.pose.landmarker import LandmarkModel
    from edge.video import VideoFile

    cropper = LandmarkModel(TFLiteModel(landmarks, num_threads=1))
    crops: list[Uint8Array] = []
    for video in videos:
        engine = PoseEngine(PoseConfig(num_threads=1), PoseModels(detector, landmarks))
        with VideoFile(video) as vf:
            fps = vf.info.fps
            for i, frame in enumerate(vf):
                if i >= max_frames:
                    break
                result = engine.process(frame, (i + 1) / fps)
                if result.roi is None or not result.detected or i < start or (i - start) % every:
                    continue
                rois = [result.roi]
                if variants:
                    rois += [
                        replace(
                            result.roi,
                            rotation=result.roi.rotation + rot,
                            width=result.roi.width * sc,
                            height=result.roi.height * sc,
                        )
                        for rot, sc in VARIANTS
                    ]
                crops.extend(cropper.crop(frame, r).copy() for r in rois)
        engine.close()
    if not crops:
        raise ModelError(
            "no runner was found in the calibration videos: use footage with a person in it"
        )
    return crops


def model_inputs(crops: Sequence[Uint8Array]) -> list[FloatArray]:
    """BGR crops as the model's (1, 256, 256, 3) RGB float32 [0, 1] inputs."""
    return [
        (np.ascontiguousarray(c[..., ::-1]).astype(np.float32) * np.float32(1.0 / 255.0))[None]
        for c in crops
    ]


# ---- error in torso lengths, on crops ------------------------------------------------------------


def crop_landmarks(model: bytes | Path, crops: Sequence[Uint8Array]) -> FloatArray:
    """(n, 33, 2) body landmarks in crop pixels, decoded as the engine decodes them
    (heatmap refinement included)."""
    from edge.landmarks import Roi
    from edge.pose.interpreter import TFLiteModel
    from edge.pose.landmarker import INPUT_SIZE, LandmarkModel

    full = Roi(x_center=0.5, y_center=0.5, width=1.0, height=1.0, rotation=0.0)
    lm = LandmarkModel(TFLiteModel(model, num_threads=2))
    out = np.empty((len(crops), 33, 2), np.float32)
    for k, c in enumerate(crops):
        out[k] = lm.run(c, full).body[:, :2] * np.float32(INPUT_SIZE)
    return out


def torso_lengths(points: FloatArray) -> FloatArray:
    """Distance from mid-shoulder to mid-hip for (n, 33, ≥2) points."""
    from edge.landmarks import Landmark

    sh = (points[:, Landmark.LEFT_SHOULDER, :2] + points[:, Landmark.RIGHT_SHOULDER, :2]) / 2
    hip = (points[:, Landmark.LEFT_HIP, :2] + points[:, Landmark.RIGHT_HIP, :2]) / 2
    out: FloatArray = np.linalg.norm(sh - hip, axis=1).astype(np.float32)
    return out


def torso_errors(reference: FloatArray, test: FloatArray) -> FloatArray:
    """Per-landmark distance from ``test`` to ``reference`` in the reference's torso lengths."""
    torso = np.maximum(torso_lengths(reference), np.float32(1e-6))
    err: FloatArray = (np.linalg.norm(test - reference, axis=2) / torso[:, None]).astype(np.float32)
    return err


# ---- the committed recipe: which ops stay float, and the activation ranges ----------------------

#: The mixed-precision recipe made by ``treadwatch quantize-models --search`` from the shared
#: clips (ops kept float and each tensor's calibrated range). Committed, so any machine (a Pi
#: without footage) makes the same int8 model from the fetched float one.
RECIPE_PATH = Path(__file__).with_name("int8_recipe.json")


@dataclass(frozen=True, slots=True)
class SavedRecipe:
    source_sha256: str
    tool: str
    calibration_samples: int
    float_scopes: list[str]
    ranges: dict[str, dict[str, Any]]
    search_target: dict[str, float]
    search_result: dict[str, float]


def load_recipe(path: Path = RECIPE_PATH) -> SavedRecipe:
    try:
        return SavedRecipe(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelError(
            f"no int8 recipe at {path}: run `treadwatch quantize-models --calibrate VIDEO "
            "--search` once to make one"
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(f"{path} is unreadable ({exc}): restore it from git") from None


def _ranges_json(ranges: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {k: np.asarray(v, np.float32).tolist() for k, v in qsv.items()}
        for name, qsv in sorted(ranges.items())
    }


def _ranges_arrays(raw: dict[str, dict[str, Any]]) -> dict[str, Any]:
    # Nested lists keep each range's kept-dims shape ((1, 1, 1, 1) for 4-D activations).
    return {
        name: {k: np.asarray(v, np.float32) for k, v in qsv.items()} for name, qsv in raw.items()
    }


# ---- the command's work ----------------------------------------------------------------------

#: What the mixed-precision search aims for, on crops, in torso lengths: half the accuracy
#: bar on whole clips (median 0.02, p95 0.05), since tracking feeds errors back.
SEARCH_TARGET = ErrorFigures(median=0.01, p95=0.025)


def quantize_landmark_model(
    mode: Mode = "mixed",
    models_dir: Path | None = None,
    out_dir: Path | None = None,
    calibration_videos: Sequence[Path] = (),
    search: bool = False,
    recipe_path: Path = RECIPE_PATH,
    log: Callable[[str], None] = print,
) -> Int8Record:
    """Make ``pose_landmark_full_int8.tflite`` (and its record) from the verified float model
    in ``models_dir``, into ``out_dir`` (both default to the model cache).

    ``mixed`` and ``static`` use the activation ranges in ``recipe_path`` unless calibration
    videos are given (then ranges are measured on crops the engine makes from them, with
    rotated and scaled variants); ``search`` (needs videos) measures each op's error
    contribution and rewrites ``recipe_path`` with the ops to keep float."""
    from models.fetch import default_cache_dir
    from models.resolve import fetched_model

    tool = f"{QUANTIZER_PACKAGE}=={_quantizer_version()}"
    spec = load_manifest()[SOURCE_MODEL]
    src_dir = models_dir or default_cache_dir()
    src = fetched_model(SOURCE_MODEL, src_dir)
    dest_dir = out_dir or src_dir
    dest_dir.mkdir(parents=True, exist_ok=True)
    float32 = prune_outputs(fold_float16_weights(src.read_bytes()), engine_outputs)
    if search and not calibration_videos:
        raise ModelError("--search needs footage: pass --calibrate VIDEO (repeatable)")
    ranges: dict[str, Any] | None = None
    float_scopes: list[str] = []
    samples = 0
    if mode != "weight-only":
        if calibration_videos:
            detector = fetched_model("pose_detection", src_dir)
            log(f"calibration: tracking the runner in {len(calibration_videos)} video(s) ...")
            crops = collect_crops(calibration_videos, detector, src)
            samples = len(crops)
            log(f"calibration: {samples} crops (tracked regions, rotated and scaled)")
            ranges = calibrate(float32, model_inputs(crops))
            if mode == "mixed" and not search:
                float_scopes = load_recipe(recipe_path).float_scopes
        else:
            saved = load_recipe(recipe_path)
            if saved.source_sha256 != spec.sha256:
                raise ModelError(
                    f"{recipe_path} was made for another float model: run "
                    "`treadwatch quantize-models --calibrate VIDEO --search`"
                )
            ranges = _ranges_arrays(saved.ranges)
            float_scopes = saved.float_scopes if mode == "mixed" else []
            samples = saved.calibration_samples
        if search:
            held_out = collect_crops(
                calibration_videos, fetched_model("pose_detection", src_dir), src,
                start=7, variants=False,
            )  # fmt: skip
            log(f"search: {len(held_out)} held-out crops; measuring each op's contribution")
            assert ranges is not None
            float_scopes, fig = search_float_layers(
                float32, ranges, held_out, SEARCH_TARGET, log=log
            )
            saved = SavedRecipe(
                source_sha256=spec.sha256,
                tool=tool,
                calibration_samples=samples,
                float_scopes=float_scopes,
                ranges=_ranges_json(ranges),
                search_target={"median": SEARCH_TARGET.median, "p95": SEARCH_TARGET.p95},
                search_result={"median": fig.median, "p95": fig.p95},
            )
            write_atomic(recipe_path, (json.dumps(asdict(saved), indent=1) + "\n").encode())
            log(f"{recipe_path}: {len(float_scopes)} ops kept float")
    log(f"quantizing {src.name} ({mode}) with {tool} ...")
    data = quantize_bytes(float32, mode, float_scopes=float_scopes, ranges=ranges)
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
        calibration_samples=samples,
        float_ops=len(float_scopes),
    )
    write_atomic(dest_dir / RECORD_FILENAME, (json.dumps(asdict(record), indent=2) + "\n").encode())
    log(
        f"{target}: {len(data) / 2**20:.2f} MiB (float: {spec.size_bytes / 2**20:.2f} MiB), "
        f"{len(float_scopes)} ops float, sha256={record.sha256}"
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
    from models.resolve import int8_landmark_model

    return int8_landmark_model(cache_dir)
