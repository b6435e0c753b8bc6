"""Export (CSV, JSON, CLI) and storing an analysis result as a session."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from edge.gait.records import AnalysisUpdate, MetricValue, StrideRecord
from edge.gait.report import SCHEMA_VERSION
from edge.landmarks import PoseResult
from edge.recording.analysis_import import store_analysis
from edge.recording.export import (
    compare,
    export_json,
    export_session_json,
)
from edge.recording.export_csv import parse_strides_csv, strides_csv
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from tests.recording.synth import SynthSession, as_in_csv, recording_config
from treadwatch.cli import main


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, SynthSession]:
    synth = SynthSession(duration_s=6.0)
    rec = Recorder(recording_config(tmp_path))
    rec.session_started("exp-1", synth.t0, {"gait": {"view": "side-left"}})
    for f in synth:
        rec.frame(*f)
    rec.mark("look at the left knee", t_s=synth.t0 + 2.0)
    rec.session_ended(synth.t_end)
    rec.close()
    return tmp_path / "sessions.db", synth


def test_csv_reads_back_to_the_same_strides(recorded: tuple[Path, SynthSession]) -> None:
    db, synth = recorded
    with SessionStore(db) as store:
        info = store.session("exp-1")
        text = strides_csv(store.strides(info.id), info.t_start_s)
    lines = text.splitlines()
    assert lines[0].startswith(
        "index,foot,frame_index,capture_time_s,session_time_s,overstride [leg],"
    )
    assert len(synth.strides) == 17
    assert len(lines) == 1 + len(synth.strides)
    assert parse_strides_csv(text) == as_in_csv(synth.strides)


def test_csv_of_strides_with_different_metrics() -> None:
    strides = [
        StrideRecord(0, "left", 3, 1.0, {"a": MetricValue(1.5, "deg", 0.5, label="midfoot")}),
        StrideRecord(1, "right", 9, 1.3, {"b": MetricValue(None, "cm", 0.0, "occluded, far leg")}),
    ]
    assert parse_strides_csv(strides_csv(strides)) == as_in_csv(strides)


def test_session_json_export_holds_everything(recorded: tuple[Path, SynthSession]) -> None:
    db, synth = recorded
    with SessionStore(db) as store:
        data = json.loads(export_session_json(store, store.session("exp-1")))
    assert data["schema"] == "treadwatch.session/1"
    assert data["session"]["uid"] == "exp-1"
    assert data["settings"] == {"gait": {"view": "side-left"}}
    assert len(data["strides"]) == len(synth.strides)
    assert data["strides"][3]["metrics"]["overstride"] == {
        "value": 0.13, "unit": "leg", "confidence": 0.9, "reason": None, "label": None,
        "band": "amber",  # edge.gait.ranges: 0.12-0.2 leg lengths ahead
    }  # fmt: skip
    assert "overstride" in data["ranges"] and "source" in data["ranges"]["overstride"]
    assert data["strides"][3]["metrics"]["arm_crossover"]["reason"] == "side view: not measurable"
    assert [a["t_s"] for a in data["alerts"]] == [a.t_s for a in synth.alerts]
    assert len(data["events"]) == len(synth.events)
    assert data["marks"][0]["note"] == "look at the left knee"
    s = data["summary"]["shank_angle_deg"]
    vals = [5.0 + i % 5 for i in range(len(synth.strides))]
    assert s["n"] == len(vals)
    assert s["mean"] == pytest.approx(np.mean(vals))
    assert data["summary"]["arm_crossover"]["n"] == 0


def test_cli_export_and_list(
    recorded: tuple[Path, SynthSession], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, synth = recorded
    out = tmp_path / "out" / "s.csv"
    assert main(["sessions", "export", "exp-1", "--db", str(db), "-o", str(out)]) == 0
    assert parse_strides_csv(out.read_text()) == as_in_csv(synth.strides)
    assert main(["sessions", "export", "1", "--db", str(db), "--format", "session"]) == 0
    assert json.loads(capsys.readouterr().out)["session"]["id"] == 1
    assert main(["sessions", "export", "1", "--db", str(db), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["frames"] == 180
    assert main(["sessions", "list", "--db", str(db)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2
    assert listing[1].split()[0] == "1"
    assert " 17 " in listing[1]  # steps
    assert main(["sessions", "export", "42", "--db", str(db)]) == 2
    assert "no session '42'" in capsys.readouterr().err
    assert main(["sessions", "delete", "1", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "session 1 deleted\n"
    assert main(["sessions", "export", "1", "--db", str(db)]) == 2
    assert main(["sessions", "list", "--db", str(tmp_path / "none.db")]) == 2
    assert "no session database" in capsys.readouterr().err


def test_cli_uses_the_data_dir_from_the_environment(
    recorded: tuple[Path, SynthSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, _ = recorded
    monkeypatch.setenv("TREADWATCH_DATA_DIR", str(db.parent))
    assert main(["sessions", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_live_session_json_is_the_analyze_report_of_its_landmarks(tmp_path: Path) -> None:
    """Recorded live, exported as JSON: the same report `analyze` gives for those landmarks."""
    from edge.gait.report import Report, analyze_landmarks
    from edge.gait.synthetic import RunnerParams, generate

    clip = generate(
        RunnerParams(fps=30.0, overstride=0.15, frame_width=720, frame_height=720), 12.0
    )
    rec = Recorder(recording_config(tmp_path))
    t0 = 1000.0
    rec.session_started("runner", t0, {"gait": {"view": "side-left"}})
    for i, lm in enumerate(clip.landmarks):
        full = np.concatenate([lm, np.ones((33, 1), np.float32)], axis=1)
        if np.isnan(lm).all():
            full = np.zeros((0, 5), np.float32)
        rec.frame(PoseResult(i, t0 + i / 30.0, full), AnalysisUpdate(), None)
    rec.session_ended(t0 + (len(clip.landmarks) - 1) / 30.0)
    rec.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        got = Report.model_validate_json(export_json(store, store.session("runner")))
    want = analyze_landmarks(clip.landmarks, 30.0, view="side-left")
    assert got.frames == want.frames == len(clip.landmarks)
    assert got.fps == 30.0
    assert got.view == "side-left"
    # float16 storage may move a step at the very end of the clip across the cut-off
    assert len(want.strides) > 20
    assert abs(len(got.strides) - len(want.strides)) <= 1
    for a, b in zip(got.strides, want.strides[: len(got.strides)], strict=False):
        assert (a.foot, a.frame) == (b.foot, b.frame)
        assert a.t == pytest.approx(b.t, abs=1 / 30)  # sub-frame fit within a frame
    assert got.cadence_spm == pytest.approx(want.cadence_spm, abs=0.5)
    assert got.cadence_spm == pytest.approx(172.0, abs=3.0)
    o_got, o_want = got.summary.overstride.value, want.summary.overstride.value
    assert o_got is not None and o_want is not None
    assert o_got == pytest.approx(o_want, abs=0.01)  # float16 storage


def test_analysis_stored_as_a_session_exports_its_report(tmp_path: Path) -> None:
    report = {
        "schema_version": 1,
        "fps": 30.0,
        "capture_fps": 240.0,
        "strides": [
            {"index": 0, "foot": "left", "frame": 80, "t": 0.333,
             "metrics": {"overstride": {"value": 0.2, "unit": "leg", "confidence": 0.8,
                                        "reason": None, "label": None}}},
        ],
        "contacts": [{"frame": 80, "t": 0.333, "foot": "left", "confidence": 0.9}],
        "toe_offs": [{"frame": 130, "t": 0.54, "foot": "left", "confidence": 0.7}],
        "alerts": [{"state": "raised", "rule": "overstride", "cue": "land under your hips",
                    "value": 0.2, "stride_index": 0, "t": 0.34, "priority": 1}],
    }  # fmt: skip
    landmarks = np.random.default_rng(0).random((500, 33, 4)).astype(np.float32)
    landmarks[10] = np.nan
    db = tmp_path / "s.db"
    sid = store_analysis(
        recording_config(tmp_path, db_path=db),
        report,
        landmarks,
        "phone.mp4",
        fps=30.0,  # the video's rate; the report's capture rate wins (slow motion)
        settings={"server": {"port": 8000, "settings_pin": "246813"}},
        frame_size=(720, 1280),
    )
    with SessionStore(db) as store:
        info = store.session(sid)
        assert (info.source, info.source_name) == ("analyze", "phone.mp4")
        assert info.device_id == "pi-test"
        assert info.settings == {  # never the PIN
            "server": {"port": 8000},
            "frame": {"width": 720, "height": 1280},
        }
        assert info.frames == 500
        assert info.duration_s == pytest.approx(499 / 240.0)  # capture time (slow motion)
        (stride,) = store.strides(sid)
        assert (stride.frame_index, stride.t_s) == (80, 0.333)
        assert stride.metrics["overstride"].value == 0.2
        assert [(e.kind, e.frame_index) for e in store.events(sid)] == [
            ("contact", 80),
            ("toe_off", 130),
        ]
        assert store.alerts(sid)[0].t_s == 0.34
        series = store.landmarks(sid)
        assert series.xyzv.shape == (500, 33, 4)
        np.testing.assert_allclose(series.t_s[239], 239 / 240.0, atol=1e-6)
        np.testing.assert_allclose(series.xyzv[300], landmarks[300], atol=1e-3)
        assert np.isnan(series.xyzv[10]).all()
        assert json.loads(export_json(store, info)) == report


def test_compare_gives_the_difference_of_means() -> None:
    def strides(vals: list[float]) -> list[StrideRecord]:
        return [
            StrideRecord(i, "left", i, float(i), {"overstride": MetricValue(v, "leg", 1.0)})
            for i, v in enumerate(vals)
        ]

    diff = compare(strides([0.2, 0.3]), strides([0.1, 0.1, 0.1]))["overstride"]
    assert diff["a"]["mean"] == pytest.approx(0.25)
    assert diff["b"]["n"] == 3
    assert diff["diff"] == pytest.approx(-0.15)
    assert diff["diff_pct"] == pytest.approx(-60.0)


def test_exports_name_both_clocks_and_give_every_time_into_the_session(
    recorded: tuple[Path, SynthSession],
) -> None:
    """The CSV's capture time is named for what it is; steps, cues and marks carry the time
    into the session (what the live page and review show: a mark made 2.0 s into the session
    reads 2.0 s), the capture time less the session's start."""
    db, synth = recorded
    with SessionStore(db) as store:
        info = store.session("exp-1")
        rows = list(
            csv.DictReader(io.StringIO(strides_csv(store.strides(info.id), info.t_start_s)))
        )
        data = json.loads(export_session_json(store, info))
    assert synth.t0 > 0.5  # the capture clock started before the session
    assert "t_s" not in rows[0]
    for row, s in zip(rows, synth.strides, strict=True):
        assert float(row["capture_time_s"]) == pytest.approx(s.t_s, abs=5e-4)
        assert float(row["session_time_s"]) == pytest.approx(s.t_s - synth.t0, abs=5e-4)
    assert data["marks"][0]["session_time_s"] == pytest.approx(2.0, abs=1e-3)
    for kind in ("strides", "alerts", "events"):
        assert data[kind], kind
        for item in data[kind]:
            assert item["session_time_s"] == pytest.approx(item["t_s"] - synth.t0, abs=1e-3)
