"""Offline report: versioned schema kept in sync, JSON round trip, the CLI command."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.errors import FrameError
from edge.gait.report import SCHEMA_VERSION, Report, analyze_landmarks, report_schema
from edge.gait.synthetic import RunnerParams, generate
from treadwatch.cli import main

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "edge" / "gait" / "report.schema.json"
# an overstride: heel well ahead of the hips with slow, long steps (two landing signs)
PARAMS = RunnerParams(noise=0.002, swap_prob=0.05, overstride=0.25, fps=60.0, cadence_spm=158.0)


def test_schema_file_in_sync() -> None:
    """Regenerate with TREADWATCH_REGENERATE=1 after changing the Report model."""
    text = report_schema()
    if os.environ.get("TREADWATCH_REGENERATE") == "1":
        SCHEMA_FILE.write_text(text, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == text, (
        "edge/gait/report.schema.json is stale: run "
        "TREADWATCH_REGENERATE=1 pytest tests/gait/test_report.py"
    )
    schema = json.loads(text)
    assert schema["properties"]["schema_version"]["default"] == SCHEMA_VERSION
    for key in ("frames", "fps", "capture_fps", "view", "cadence_spm", "contacts"):
        assert key in schema["properties"]


def test_report_on_a_synthetic_runner() -> None:
    clip = generate(PARAMS, 15.0)
    rep = analyze_landmarks(clip.landmarks, clip.fps, aspect=PARAMS.aspect)
    assert rep.view == "side-left" and rep.view_source == "detected"
    assert rep.frames == clip.landmarks.shape[0]
    assert rep.cadence_spm == pytest.approx(158.0, abs=1.0)
    assert rep.summary.overstride.value == pytest.approx(0.25, abs=0.03)
    assert rep.summary.foot_strike.label == "rearfoot"
    assert rep.summary.head.measure == "pitch_deg"
    assert rep.summary.head.value == pytest.approx(0.0, abs=2.0)
    assert [a.rule for a in rep.alerts if a.state == "raised"] == ["overstride"]
    truth = [s.contact_t for s in clip.steps]
    assert len(rep.contacts) >= len(truth) - 4
    assert {c.foot for c in rep.contacts} == {"left", "right"}
    assert len(rep.strides) >= len(rep.contacts) - 2
    sym = rep.symmetry["contact_time_ms"]
    assert sym.index_pct is not None and sym.index_pct < 10.0
    checks = {c.name: c.ok for c in rep.checks}
    assert checks == {
        "cadence_agreement": True,
        "cadence_plausible": True,
        "feet_in_frame": True,
        "person_found": True,
        "runner_in_place": True,
        "runner_size": True,
        "contacts": True,
        "fps_for_contact_time": True,
        "frame_aspect": True,
        "view": True,
    }
    again = Report.model_validate_json(rep.model_dump_json())
    assert again == rep


def test_footage_checks_catch_low_fps_tiny_runner_and_slow_motion() -> None:
    small = replace(PARAMS, fps=30.0, height_frac=0.15)
    clip = generate(small, 10.0)
    rep = analyze_landmarks(clip.landmarks, 30.0, aspect=small.aspect)
    checks = {c.name: c for c in rep.checks}
    assert not checks["runner_size"].ok
    assert not checks["fps_for_contact_time"].ok
    assert rep.summary.contact_time_ms.reason is not None
    assert "approximate" in rep.summary.contact_time_ms.reason
    # slow motion: 240 fps capture played at 30 fps; time is converted to capture time
    fast = replace(PARAMS, fps=240.0)
    clip = generate(fast, 5.0)
    rep = analyze_landmarks(clip.landmarks, 30.0, capture_fps=240.0, aspect=fast.aspect)
    assert rep.cadence_spm == pytest.approx(158.0, abs=1.0)
    assert rep.capture_fps == 240.0
    wrong = analyze_landmarks(clip.landmarks, 30.0, aspect=fast.aspect)
    assert wrong.cadence_spm is None or wrong.cadence_spm < 60.0


def test_configured_view_is_checked_and_frontal_metrics_are_null_in_side_views() -> None:
    clip = generate(replace(PARAMS, view="front"), 8.0)
    rep = analyze_landmarks(clip.landmarks, clip.fps, view="side-left", aspect=PARAMS.aspect)
    view_check = next(c for c in rep.checks if c.name == "view")
    assert not view_check.ok and "front" in view_check.detail
    rep = analyze_landmarks(clip.landmarks, clip.fps, aspect=PARAMS.aspect)
    assert rep.summary.overstride.value is None
    assert rep.summary.overstride.reason == "needs a side view (camera beside the treadmill)"
    assert rep.summary.arm_crossover.value is not None


def test_front_view_crossing_rate_and_unknown_aspect_is_flagged() -> None:
    clip = generate(replace(PARAMS, view="front", arm_crossover=0.2), 10.0)
    rep = analyze_landmarks(clip.landmarks, clip.fps, aspect=PARAMS.aspect)
    assert rep.summary.arm_crossover_rate.value == pytest.approx(1.0)
    clip = generate(replace(PARAMS, view="front", arm_crossover=-0.2), 10.0)
    # frame size not given: widths are squeezed, so the view is given too
    rep = analyze_landmarks(clip.landmarks, clip.fps, view="front")
    assert rep.summary.arm_crossover_rate.value == pytest.approx(0.0)
    aspect_check = next(c for c in rep.checks if c.name == "frame_aspect")
    assert not aspect_check.ok and "width / height" in aspect_check.detail


def test_bad_input_is_a_frame_error() -> None:
    with pytest.raises(FrameError):
        analyze_landmarks(np.zeros((10, 17, 3), dtype=np.float32), 30.0)
    rep = analyze_landmarks(np.full((40, 33, 4), np.nan, dtype=np.float32), 30.0)
    assert rep.view is None and rep.cadence_spm is None
    assert rep.summary.overstride.value is None and rep.summary.overstride.reason


def test_report_landmarks_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = generate(PARAMS, 8.0)
    npz = tmp_path / "run.npz"
    np.savez(npz, landmarks=clip.landmarks, fps=60.0, width=1280, height=720)
    out = tmp_path / "report.json"
    assert main(["report-landmarks", str(npz), "--report", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["cadence_spm"] == pytest.approx(158.0, abs=1.5)
    assert data["summary"]["overstride"]["value"] == pytest.approx(0.25, abs=0.03)
    assert f"cadence {data['cadence_spm']:.1f}" in capsys.readouterr().out
    assert main(["report-landmarks", str(tmp_path / "missing.npz"), "--report", str(out)]) == 2
    assert "not found" in capsys.readouterr().err
    np.savez(tmp_path / "bad.npz", other=np.zeros(3))
    assert main(["report-landmarks", str(tmp_path / "bad.npz"), "--report", str(out)]) == 2
    assert "landmarks" in capsys.readouterr().err
