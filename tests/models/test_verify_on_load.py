"""A corrupt cached model is refused when it is loaded, with the command that repairs it:
without the check, flipped weight bytes loaded, `serve` reported healthy while
every frame failed and `analyze` ended in a ValueError traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edge.errors import ModelError
from edge.pose.config import PoseConfig
from models import resolve
from tests.conftest import copy_models
from treadwatch.cli import main


@pytest.fixture
def corrupt_cache(model_paths: dict[str, Path], tmp_path: Path) -> Path:
    """A model cache whose landmark model has weight bytes flipped (same size)."""
    cache = copy_models(model_paths, tmp_path / "models")
    lm = cache / "pose_landmark_full.tflite"
    data = bytearray(lm.read_bytes())
    for k in range(len(data) // 2, len(data) // 2 + 4096):
        data[k] ^= 0x5A
    lm.write_bytes(bytes(data))
    return cache


def _config(tmp_path: Path, cache: Path) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[models]\ncache_dir = "{cache}"\n', encoding="utf-8")
    return cfg


@pytest.mark.data
def test_analyze_refuses_corrupt_model_in_one_line(
    corrupt_cache: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = shared_data / "videos" / "front_jog_single.mp4"
    cfg = _config(tmp_path, corrupt_cache)
    code = main(["analyze", str(clip), "--report", str(tmp_path / "r.json"), "--config", str(cfg)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "pose_landmark_full.tflite is corrupt" in lines[0]
    assert "treadwatch models fetch" in lines[0]
    assert not (tmp_path / "r.json").exists()


@pytest.mark.data
def test_serve_refuses_corrupt_model_before_serving(
    corrupt_cache: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = shared_data / "videos" / "front_jog_single.mp4"
    cfg = _config(tmp_path, corrupt_cache)
    code = main(["serve", "--source", str(clip), "--config", str(cfg), "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert "corrupt" in err and "treadwatch models fetch" in err


def test_each_file_is_hashed_once_per_process(
    model_paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "models"
    cache.mkdir()
    for p in model_paths.values():
        shutil.copy2(p, cache / p.name)
    hashed: list[Path] = []
    real = resolve.sha256_of

    def counting(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(resolve, "sha256_of", counting)
    first = resolve.pose_models(PoseConfig(), cache)
    again = resolve.pose_models(PoseConfig(), cache)
    assert first == again
    assert sorted(p.name for p in hashed) == ["pose_detection.tflite", "pose_landmark_full.tflite"]
    # A file replaced afterwards (new size or time) is checked again, and refused if bad.
    lm = cache / "pose_landmark_full.tflite"
    lm.write_bytes(lm.read_bytes()[:-10])
    with pytest.raises(ModelError, match=r"corrupt.*treadwatch models fetch"):
        resolve.pose_models(PoseConfig(), cache)
