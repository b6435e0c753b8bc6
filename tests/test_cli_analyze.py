"""``treadwatch analyze`` as a new user meets it, through the real command.

A text file was "analyzed" as 24–32 frames; an unwritable ``--report`` was a traceback after
the whole analysis; LiteRT's and ffmpeg's native chatter reached the terminal; the run ended
without saying what it found; the progress bar had no time left; the CSV export wrote
``0.9800000190734863``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.gait.records import MetricValue, StrideRecord
from edge.offline.analyze import Progress
from edge.recording.export_csv import strides_csv
from tests.conftest import REPO

NOISE = ("XNNPACK", "moov atom", "Traceback", "INFO:")


def _analyze(*args: str, models: Path | None = None, cwd: Path = REPO) -> tuple[int, str, str]:
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "treadwatch.cli", "analyze", *args]
    if models is not None:
        cfg = cwd / "empty-models.toml"
        cfg.write_text(f'[models]\ncache_dir = "{models}"\n', encoding="utf-8")
        cmd += ["--config", str(cfg)]
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("treadwatch: error: "), stderr
    for noise in NOISE:
        assert noise not in stderr
    return lines[0]


@pytest.mark.parametrize("name", ["notes.txt", "notes.mp4", "short.mp4"])
def test_a_text_file_is_not_a_video(name: str, tmp_path: Path) -> None:
    """Checked before the model loads: the models directory here is empty, so a model load
    would fail with another message."""
    text = "not a video at all" if name == "short.mp4" else "My running notes.\n" * 200
    (tmp_path / name).write_text(text, encoding="utf-8")
    empty = tmp_path / "no-models"
    empty.mkdir()
    code, _, err = _analyze(
        str(tmp_path / name), "--report", str(tmp_path / "r.json"), models=empty, cwd=tmp_path
    )
    assert code == 2
    line = _one_error_line(err)
    assert "not a video" in line and name in line
    assert not (tmp_path / "r.json").exists()


def test_a_single_image_is_not_a_video(tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    cv2.imwrite(str(image), np.full((120, 160, 3), 128, np.uint8))
    empty = tmp_path / "no-models"
    empty.mkdir()
    code, _, err = _analyze(
        str(image), "--report", str(tmp_path / "r.json"), models=empty, cwd=tmp_path
    )
    assert code == 2
    assert "not a video" in _one_error_line(err)


def _blank_video(path: Path, frames: int = 6) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 120))
    for i in range(frames):
        writer.write(np.full((120, 160, 3), (20 * i) % 250, np.uint8))
    writer.release()
    return path


@pytest.mark.parametrize("option", ["--report", "--landmarks"])
def test_an_unwritable_output_is_refused_before_the_analysis(option: str, tmp_path: Path) -> None:
    """Refused before the model loads (an empty models directory) and before any frame."""
    video = _blank_video(tmp_path / "clip.avi")
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "out.json"  # its parent is a file: cannot be created
    empty = tmp_path / "no-models"
    empty.mkdir()
    code, _, err = _analyze(str(video), option, str(target), models=empty, cwd=tmp_path)
    assert code == 2
    line = _one_error_line(err)
    assert option in line and str(target) in line


@pytest.mark.model
def test_analyze_ends_with_a_summary_and_no_native_chatter(
    tmp_path: Path, shared_data: Path, model_paths: dict[str, Path]
) -> None:
    clip = shared_data / "videos" / "front_jog_single.mp4"
    code, out, err = _analyze(str(clip), "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    for noise in NOISE:
        assert noise not in err and noise not in out
    assert "cadence" in out and "steps/min" in out
    assert "cues raised:" in out
    assert "checks failed:" in out
    assert "arm crossover" in out  # a front view: the metrics it can see
    assert (tmp_path / "r.json").is_file()


def test_the_progress_bar_shows_time_left() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [100.0]
    stream = Tty()
    bar = Progress(300, stream, clock=lambda: now[0])
    now[0] = 110.0
    bar.update(100)  # 10 frames/s: 200 frames left = 20 s
    assert "0:20 left" in stream.getvalue()
    now[0] = 160.0
    bar.update(295)
    assert "0:01 left" in stream.getvalue().split("\r")[-1]


def test_csv_values_are_rounded_per_unit() -> None:
    stride = StrideRecord(
        index=0,
        foot="left",
        frame_index=12,
        t_s=1.2345678901,
        metrics={
            "overstride": MetricValue(0.9800000190734863, "leg lengths", 0.876543),
            "trunk_lean_deg": MetricValue(7.123456, "deg", 0.5),
            "cadence_spm": MetricValue(171.428571, "steps/min", 0.9),
            "contact_time_ms": MetricValue(251.66666, "ms", 0.9),
            "duty_factor": MetricValue(0.3567891, "fraction", 0.9),
            "knee_flexion_deg": MetricValue(-0.00001, "deg", 0.9),
        },
    )
    row = next(csv.DictReader(io.StringIO(strides_csv([stride], 1.0))))
    assert row["capture_time_s"] == "1.235"
    assert row["session_time_s"] == "0.235"
    assert row["overstride [leg lengths]"] == "0.980"
    assert row["overstride confidence"] == "0.88"
    assert row["trunk_lean_deg [deg]"] == "7.1"
    assert row["cadence_spm [steps/min]"] == "171.4"
    assert row["contact_time_ms [ms]"] == "252"
    assert row["duty_factor [fraction]"] == "0.357"
    assert row["knee_flexion_deg [deg]"] == "0.0"  # no "-0.0"


@pytest.mark.model
def test_on_a_terminal_the_bar_shows_time_left_and_no_native_chatter(
    tmp_path: Path, model_paths: dict[str, Path]
) -> None:
    """stderr on a real pseudo-terminal, as a user sees it."""
    import pty

    video = _blank_video(tmp_path / "clip.avi", frames=20)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "treadwatch.cli", "analyze", str(video), "--landmarks",
             str(tmp_path / "lm.npz")],
            cwd=REPO, stdout=subprocess.PIPE, stderr=slave, text=True, timeout=300, check=False,
        )  # fmt: skip
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, terminal
    assert "20/20 frames" in terminal or "/20 frames" in terminal
    assert " left" in terminal
    for noise in NOISE:
        assert noise not in terminal
    assert "20 frames at 25.00 fps" in proc.stdout
