"""Model fetching: verification, atomic writes, offline reuse, clear errors.

Uses a small wheel built here (a zip with a made-up member) and a manifest pointing at
it, so the real extraction and checksum code runs without the network.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from edge.errors import ModelError
from models import fetch
from models.manifest import ModelSpec, load_manifest

PAYLOAD = b"not really a tflite model, but bytes with a known hash"


def _spec(sha: str | None = None) -> ModelSpec:
    base = load_manifest()["pose_detection"]
    return replace(
        base,
        name="tiny",
        member="pkg/tiny.tflite",
        sha256=sha or hashlib.sha256(PAYLOAD).hexdigest(),
        size_bytes=len(PAYLOAD),
    )


def _wheel(tmp_path: Path, payload: bytes = PAYLOAD) -> Path:
    whl = tmp_path / "mediapipe-0.10.14-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("pkg/tiny.tflite", payload)
    return whl


def test_manifest_pins_both_models() -> None:
    specs = load_manifest()
    for name in fetch.REQUIRED_MODELS:
        s = specs[name]
        assert (s.package, s.version, s.license) == ("mediapipe", "0.10.14", "Apache-2.0")
        assert len(s.sha256) == 64 and s.member.endswith(".tflite")


def test_fetch_from_wheel_verifies_and_is_idempotent(tmp_path: Path) -> None:
    spec = _spec()
    cache = tmp_path / "cache"
    out = fetch.fetch_models(cache, ["tiny"], _wheel(tmp_path), {"tiny": spec}, log=lambda m: None)
    assert out["tiny"].read_bytes() == PAYLOAD
    assert fetch.is_cached(spec, cache)
    # second run: cached and verified, no wheel and no network needed
    logs: list[str] = []

    def no_network(*_: object) -> Path:
        raise AssertionError("must not download when cached")

    orig = fetch.download_wheel
    fetch.download_wheel = no_network  # type: ignore[assignment]
    try:
        fetch.fetch_models(cache, ["tiny"], None, {"tiny": spec}, log=logs.append)
    finally:
        fetch.download_wheel = orig
    assert any("cached and verified" in m for m in logs)


def test_checksum_mismatch_writes_nothing(tmp_path: Path) -> None:
    spec = _spec(sha="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="SHA-256"):
        fetch.fetch_models(cache, ["tiny"], _wheel(tmp_path), {"tiny": spec}, log=lambda m: None)
    assert not (cache / "tiny.tflite").exists()
    assert list(cache.glob("*")) == []  # no temp file left behind either


def test_corrupt_wheel_and_missing_member(tmp_path: Path) -> None:
    bad = tmp_path / "mediapipe-0.10.14-bad.whl"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(ModelError, match="not a readable wheel"):
        fetch.extract_verified(_spec(), bad, tmp_path / "c")
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("other", b"x")
    with pytest.raises(ModelError, match="does not contain"):
        fetch.extract_verified(_spec(), empty, tmp_path / "c")


def test_corrupt_cached_file_is_replaced(tmp_path: Path) -> None:
    spec = _spec()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny.tflite").write_bytes(b"truncated")
    assert not fetch.is_cached(spec, cache)
    fetch.fetch_models(cache, ["tiny"], _wheel(tmp_path), {"tiny": spec}, log=lambda m: None)
    assert (cache / "tiny.tflite").read_bytes() == PAYLOAD


def test_missing_network_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pip pointed at an index that does not exist fails fast, like a machine offline
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_INDEX", "")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    spec = replace(_spec(), version="0.0.0.dev0")
    with pytest.raises(ModelError, match="failed"):
        fetch.download_wheel(spec, tmp_path)


def test_model_path_explains_how_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="treadwatch models fetch"):
        fetch.model_path("pose_detection", tmp_path)
