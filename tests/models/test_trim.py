"""The float landmark model the engine runs: the fetched model trimmed to the outputs the
engine reads. Same landmarks bit for bit, made once, remade when stale, and the fetched
model where it cannot be made."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from edge.pose.config import PoseConfig
from edge.pose.interpreter import TFLiteModel
from models import resolve, trim
from models.trim import TRIMMED_FILENAME, TRIMMED_RECORD
from tests.conftest import copy_models


@pytest.fixture
def cache(model_paths: dict[str, Path], tmp_path: Path) -> Path:
    return copy_models(model_paths, tmp_path / "models")


def _outputs(model: TFLiteModel, x: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    model.set_input(x)
    model.invoke()
    return {model.output_shapes[n]: model.output(n).copy() for n in model.outputs}


def test_trimmed_model_gives_the_fetched_models_outputs_bit_for_bit(cache: Path) -> None:
    path = resolve.pose_models(PoseConfig(precision="fp32"), cache).landmarks
    assert path == cache / TRIMMED_FILENAME
    full = TFLiteModel(cache / "pose_landmark_full.tflite", num_threads=1)
    trimmed = TFLiteModel(path, num_threads=1)
    # The mask (1×256×256×1) and the world landmarks (1×117) are gone; the rest is kept.
    assert sorted(full.output_shapes.values(), key=len) == [
        (1, 195),
        (1, 1),
        (1, 117),
        (1, 256, 256, 1),
        (1, 64, 64, 39),
    ]
    assert sorted(trimmed.output_shapes.values(), key=len) == [(1, 195), (1, 1), (1, 64, 64, 39)]
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.random((1, 256, 256, 3), dtype=np.float32)
        want = _outputs(full, x)
        got = _outputs(trimmed, x)
        for shape, value in got.items():
            np.testing.assert_array_equal(value, want[shape])
    assert path.stat().st_size < (cache / "pose_landmark_full.tflite").stat().st_size
    record = json.loads((cache / TRIMMED_RECORD).read_text())
    assert record["outputs"] == [[1, 195], [1, 1], [1, 64, 64, 39]]


def test_made_once_then_reused(cache: Path) -> None:
    first = resolve.float_landmark_model(cache)
    stamp = first.stat().st_mtime_ns
    resolve._verified.clear()  # a new process: the record and the file are checked again
    assert resolve.float_landmark_model(cache) == first
    assert first.stat().st_mtime_ns == stamp


def test_an_altered_or_stale_trimmed_model_is_remade(cache: Path) -> None:
    path = resolve.float_landmark_model(cache)
    good = path.read_bytes()
    path.write_bytes(good[:-100])  # truncated on disk
    resolve._verified.clear()
    assert resolve.float_landmark_model(cache).read_bytes() == good
    record = json.loads((cache / TRIMMED_RECORD).read_text())
    record["source_sha256"] = "0" * 64  # made from another float model
    (cache / TRIMMED_RECORD).write_text(json.dumps(record))
    resolve._verified.clear()
    assert resolve.float_landmark_model(cache).read_bytes() == good
    assert json.loads((cache / TRIMMED_RECORD).read_text())["source_sha256"] != "0" * 64


def test_without_tooling_or_a_writable_cache_the_fetched_model_runs(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_tooling(model: bytes, keep: object) -> bytes:
        raise trim.TrimToolingMissingError("No module named 'ai_edge_litert.tools'")

    monkeypatch.setattr(trim, "prune_outputs", no_tooling)
    with caplog.at_level(logging.WARNING, logger="models.resolve"):
        assert resolve.float_landmark_model(cache) == cache / "pose_landmark_full.tflite"
    assert "untrimmed landmark model (no flatbuffer tooling" in caplog.text
    monkeypatch.undo()

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(trim, "write_atomic", full_disk)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="models.resolve"):
        assert resolve.float_landmark_model(cache) == cache / "pose_landmark_full.tflite"
    assert "No space left on device" in caplog.text
    assert not (cache / TRIMMED_FILENAME).exists()


def test_models_fetch_makes_the_trimmed_model_too(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from treadwatch.cli import main

    assert main(["models", "fetch", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "pose_landmark_full.tflite: cached and verified" in out
    assert f"{TRIMMED_FILENAME}: the landmark model as the engine runs it" in out
    assert (cache / TRIMMED_FILENAME).is_file() and (cache / TRIMMED_RECORD).is_file()
