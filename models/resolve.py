"""Finding and verifying the model files the pose engine runs.

The engine (:class:`edge.pose.engine.PoseEngine`) is handed paths; this module decides
which files those are (the fetched detector; for landmarks, the fetched float model trimmed
to the outputs the engine reads (:mod:`models.trim`), its fp16 variant (:mod:`models.fp16`)
or the int8 model trained for int8 and committed in ``models/weights/``), which precision
runs (:mod:`edge.pose.precision`: ``pose.precision``, the CPU, and whether the fp16 file
could be made) and checks each file's SHA-256 once per process before it is used, against
``models/manifest.toml`` (or the record beside a file made from a fetched one). A corrupt
or altered file is refused with the command that repairs it, instead of loading and failing
on every frame.
"""

from __future__ import annotations

import logging
from pathlib import Path

from edge.errors import ModelError
from edge.pose.config import PoseConfig
from edge.pose.engine import PoseEngine, PoseModels
from edge.pose.precision import CpuFp16, Precision, choose_precision, read_cpu_fp16
from models.fetch import default_cache_dir, model_path, sha256_of
from models.fp16 import FP16_FILENAME, fp16_landmark_model
from models.manifest import load_manifest
from models.trim import TRIMMED_FILENAME, TrimToolingMissingError, trimmed_landmark_model

log = logging.getLogger(__name__)

LANDMARK_MODEL = "pose_landmark_full"
INT8_LANDMARK_MODEL = "pose_landmark_full_int8"

#: (path, size, mtime_ns) of files verified in this process: verified once per start.
_verified: set[tuple[str, int, int]] = set()


def _key(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def verify_file(path: Path, expected_sha256: str, fix: str) -> Path:
    """``path`` if its SHA-256 is ``expected_sha256`` (checked once per process per file
    version), else a :class:`ModelError` naming ``fix``."""
    key = _key(path)
    if key is None:
        raise ModelError(f"model file {path} is missing: run `{fix}`")
    if key in _verified:
        return path
    digest = sha256_of(path)
    if digest != expected_sha256:
        raise ModelError(
            f"model file {path} is corrupt (SHA-256 {digest[:12]}…, expected "
            f"{expected_sha256[:12]}…): run `{fix}`"
        )
    _verified.add(key)
    return path


def fetched_model(name: str, cache_dir: Path | None = None) -> Path:
    """A fetched model's path, verified against the manifest."""
    spec = load_manifest()[name]
    fix = "treadwatch models fetch"
    return verify_file(model_path(name, cache_dir), spec.sha256, fix)


def float_landmark_model(cache_dir: Path | None = None) -> Path:
    """The float landmark model the engine runs: the verified fetched model trimmed to the
    outputs the engine reads (same landmarks, about 1.5× faster), made on first use; the
    fetched model itself where the trimmed one cannot be made (logged once)."""
    source = fetched_model(LANDMARK_MODEL, cache_dir)
    cache = cache_dir or default_cache_dir()
    key = _key(cache / TRIMMED_FILENAME)
    if key is not None and key in _verified:
        return cache / TRIMMED_FILENAME
    try:
        path = trimmed_landmark_model(source, load_manifest()[LANDMARK_MODEL].sha256, cache)
    except TrimToolingMissingError as exc:
        log.warning("running the untrimmed landmark model (no flatbuffer tooling: %s)", exc)
        return source
    except OSError as exc:
        log.warning("running the untrimmed landmark model (cannot write %s: %s)", cache, exc)
        return source
    made = _key(path)
    if made is not None:
        _verified.add(made)
    return path


def int8_landmark_model(cache_dir: Path | None = None) -> Path:
    """The int8 landmark model trained for int8 (committed in ``models/weights/``),
    verified against its SHA-256 in the manifest. ``cache_dir`` is not used: the file is
    part of the project, not fetched."""
    from models.manifest import load_trained

    spec = load_trained()[INT8_LANDMARK_MODEL]
    fix = f"git checkout -- models/weights/{spec.filename}"
    return verify_file(spec.path, spec.sha256, fix)


def fp16_model(cache_dir: Path | None = None) -> Path:
    """The fp16 variant of the trimmed landmark model (:mod:`models.fp16`), made on first
    use. :class:`TrimToolingMissingError` or :class:`OSError` where it cannot be made; a
    :class:`ModelError` when the trimmed model it is made from cannot be made either."""
    cache = cache_dir or default_cache_dir()
    key = _key(cache / FP16_FILENAME)
    if key is not None and key in _verified:
        return cache / FP16_FILENAME
    source = float_landmark_model(cache_dir)
    if source.name != TRIMMED_FILENAME:
        raise ModelError("the trimmed landmark model could not be made (see the log)")
    path = fp16_landmark_model(source, sha256_of(source), cache)
    made = _key(path)
    if made is not None:
        _verified.add(made)
    return path


def _fp16_or_fp32(precision: Precision, cache_dir: Path | None) -> tuple[Path, Precision]:
    try:
        return fp16_model(cache_dir), precision
    except (TrimToolingMissingError, OSError, ModelError) as exc:
        log.warning("running the landmark model in fp32: the fp16 model cannot be made (%s)", exc)
        reason = f"{precision.reason}; the fp16 model cannot be made ({exc}): running fp32"
        return float_landmark_model(cache_dir), Precision(precision.requested, "fp32", reason)


def pose_models(
    config: PoseConfig, cache_dir: Path | None = None, cpu: CpuFp16 | None = None
) -> PoseModels:
    """The verified files for ``config`` and the precision they run in (``pose.precision``
    on ``cpu``, this machine's CPU unless given)."""
    detector = fetched_model("pose_detection", cache_dir)
    precision = choose_precision(config.precision, cpu or read_cpu_fp16())
    if precision.running == "int8":
        landmarks = int8_landmark_model(cache_dir)
    elif precision.running == "fp16":
        landmarks, precision = _fp16_or_fp32(precision, cache_dir)
    else:
        landmarks = float_landmark_model(cache_dir)
    return PoseModels(detector=detector, landmarks=landmarks, precision=precision)


def pose_engine(
    config: PoseConfig, cache_dir: Path | None = None, cpu: CpuFp16 | None = None
) -> PoseEngine:
    """A pose engine on the verified model files for ``config``."""
    return PoseEngine(config, pose_models(config, cache_dir, cpu))
