"""The int8 landmark model trained for int8 and committed in models/weights/: verified by
its SHA-256 in the manifest (by `models fetch` and on load), every op int8 in its
flatbuffer, small, and shipped with its license notice."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from edge.errors import ModelError
from edge.pose.config import PoseConfig
from models import resolve
from models.fetch import fetch_models, sha256_of, verify_trained
from models.manifest import WEIGHTS_DIR, load_trained

MAX_BYTES = 8 * 2**20


def test_manifest_names_the_committed_file_with_its_hash_size_and_notice() -> None:
    spec = load_trained()["pose_landmark_full_int8"]
    assert spec.path.parent == WEIGHTS_DIR and spec.path.is_file()
    assert spec.path.stat().st_size == spec.size_bytes <= MAX_BYTES
    assert sha256_of(spec.path) == spec.sha256
    assert spec.license == "Apache-2.0" and spec.derived_from == "pose_landmark_full"
    notice = (WEIGHTS_DIR / spec.notice).read_text(encoding="utf-8")
    assert spec.filename in notice and "Apache License" in notice
    assert (WEIGHTS_DIR / "LICENSE-Apache-2.0.txt").is_file()
    for part in ("models/train/distill.py", "seed"):
        assert part in spec.recipe


def test_every_op_is_int8_from_the_flatbuffer() -> None:
    pytest.importorskip("ai_edge_litert.tools.flatbuffer_utils")
    from models.quantize import op_precisions

    ops = op_precisions(resolve.int8_landmark_model().read_bytes())
    inner = [op for op in ops if op.kind not in ("QUANTIZE", "DEQUANTIZE")]
    assert len(inner) > 100
    assert all(op.int8 for op in inner), [op.kind for op in inner if not op.int8]
    weighted = [op for op in inner if op.weight_type is not None]
    assert weighted and all(op.weight_type == "INT8" for op in weighted)
    # Float only at the edges: the model's input is quantized once, its 3 outputs dequantized.
    assert [op.kind for op in ops].count("QUANTIZE") == 1
    assert [op.kind for op in ops].count("DEQUANTIZE") == 3


def test_altered_committed_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    spec = load_trained()["pose_landmark_full_int8"]
    copy = tmp_path / spec.filename
    shutil.copy2(spec.path, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    moved = replace(spec, filename=spec.filename)
    with pytest.raises(ModelError, match="git checkout"):
        resolve.verify_file(copy, moved.sha256, f"git checkout -- models/weights/{spec.filename}")
    missing = {"x": replace(spec, filename="not-there.tflite")}
    with pytest.raises(ModelError, match=r"missing.*git checkout"):
        verify_trained(missing, log=lambda _: None)


@pytest.mark.model
def test_models_fetch_verifies_the_committed_model(
    model_paths: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "models"
    cache.mkdir()
    for p in model_paths.values():
        shutil.copy2(p, cache / p.name)
    logs: list[str] = []
    fetch_models(cache, log=logs.append)  # everything cached: no network
    assert any(
        "pose_landmark_full_int8.tflite: committed with the project, SHA-256 verified" in m
        for m in logs
    ), logs


@pytest.mark.model
def test_int8_config_runs_the_committed_model(model_paths: dict[str, Path]) -> None:
    models = resolve.pose_models(
        PoseConfig(landmark_model="int8"), model_paths["pose_detection"].parent
    )
    assert models.landmarks == load_trained()["pose_landmark_full_int8"].path
