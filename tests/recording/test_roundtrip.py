"""A synthetic session recorded through the Recorder, read back stride for stride."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from edge.errors import StorageError
from edge.landmarks import PoseResult
from edge.recording.recorder import Recorder
from edge.recording.schema import SCHEMA_VERSION
from edge.recording.store import SessionStore
from tests.recording.synth import STEP_S, SynthSession, landmarks_at, recording_config


def record(tmp_path: Path, synth: SynthSession, uid: str = "s1", **cfg: object) -> Recorder:
    rec = Recorder(recording_config(tmp_path, **cfg))
    rec.session_started(uid, synth.t0, {"gait": {"view": "side-left"}, "source": "test"})
    for pose, update, jpeg in synth:
        rec.frame(pose, update, jpeg)
    rec.session_ended(synth.t_end)
    assert rec.flush()
    return rec


def test_session_read_back_stride_for_stride(tmp_path: Path) -> None:
    synth = SynthSession(duration_s=10.0)
    rec = record(tmp_path, synth)
    stats = rec.stats()
    rec.close()
    assert stats.frames_received == 300
    assert stats.frames_dropped == 0
    assert stats.write_errors == 0
    assert stats.strides_written == len(synth.strides)

    with SessionStore(tmp_path / "sessions.db") as store:
        (info,) = store.list_sessions()
        assert info.uid == "s1"
        assert info.device_id == "pi-test"
        assert info.end_reason == "ended"
        assert info.frames == 300
        assert info.frames_unstored == 0
        assert info.settings["gait"] == {"view": "side-left"}
        assert info.duration_s == pytest.approx(299 / 30.0)
        assert info.n_strides == len(synth.strides) == 28
        assert info.cadence_spm == pytest.approx(60.0 / STEP_S, rel=0.02)
        assert info.n_alerts == 3

        strides = store.strides(info.id)
        assert strides == synth.strides  # every field, every metric, None with its reason
        assert store.events(info.id) == synth.events
        assert store.alerts(info.id) == synth.alerts

        series = store.landmarks(info.id)
        assert len(series.t_s) == 300
        np.testing.assert_allclose(series.t_s, 100.0 + np.arange(300) / 30.0, atol=1e-5)
        np.testing.assert_array_equal(series.frame_index, np.arange(300))
        # Frames with nobody in view are NaN rows; the others match to float16 precision.
        nobody = np.isnan(series.xyzv[:, 0, 0])
        assert nobody.sum() == 15  # 0.5 s gap at 30 fps
        i = 200
        np.testing.assert_allclose(
            series.xyzv[i], landmarks_at(series.t_s[i])[:, :4], atol=2e-3, rtol=1e-3
        )
        window = store.landmarks(info.id, 102.0, 103.0)
        assert len(window.t_s) == 31
        assert window.t_s[0] >= 102.0 - 1e-9


def test_two_sessions_and_lookup_by_uid(tmp_path: Path) -> None:
    rec = record(tmp_path, SynthSession(duration_s=2.0, alert_every=0), uid="a")
    rec.session_started("b", 200.0, {})
    for pose, update, jpeg in SynthSession(duration_s=3.0, t0=200.0):
        rec.frame(pose, update, jpeg)
    rec.mark("knee collapses", t_s=201.5)
    rec.session_ended(203.0)
    rec.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        newest, oldest = store.list_sessions()
        assert (newest.uid, oldest.uid) == ("b", "a")
        assert store.session("b").id == newest.id
        assert store.session(str(oldest.id)).uid == "a"
        (mark,) = store.marks(newest.id)
        assert (mark.t_s, mark.note) == (201.5, "knee collapses")
        with pytest.raises(StorageError, match="no session"):
            store.session("nope")


def test_frames_outside_a_session_are_ignored_and_close_stops_an_open_one(
    tmp_path: Path,
) -> None:
    rec = Recorder(recording_config(tmp_path))
    lm = landmarks_at(0.0)
    rec.frame(PoseResult(0, 0.0, lm), _empty_update(), None)
    rec.session_started("x", 1.0, {})
    for i in range(10):
        rec.frame(PoseResult(i, 1.0 + i / 30, lm), _empty_update(), None)
    rec.close()  # no session_ended: the recorder closes it itself
    with SessionStore(tmp_path / "sessions.db") as store:
        (info,) = store.list_sessions()
        assert info.frames == 10
        assert info.end_reason == "stopped"
        assert info.t_end_s == pytest.approx(1.0 + 9 / 30)


def _empty_update():  # type: ignore[no-untyped-def]
    from edge.gait.records import AnalysisUpdate

    return AnalysisUpdate()


def test_schema_is_versioned_and_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SessionStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer than this treadwatch"):
        SessionStore(path)


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="move the file away"):
        SessionStore(path)
