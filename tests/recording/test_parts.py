"""Smaller parts: the JPEG ring, clip files going with their session, a full queue."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from edge.recording import writer
from edge.recording.clips import JpegRing
from edge.recording.recorder import Recorder
from edge.recording.retention import used_bytes
from edge.recording.store import SessionStore
from edge.recording.writer import Writer
from edge.recording.writer_messages import Frame
from tests.recording.synth import SynthSession, recording_config


def test_jpeg_ring_evicts_by_age_and_by_bytes() -> None:
    ring = JpegRing(max_s=1.0, max_bytes=1000)
    for i in range(60):
        ring.append(i / 30, b"x" * 10)
    assert len(ring) == 31  # the last second, both ends included
    assert ring.nbytes == 310
    w = ring.window(1.5, 1.7)
    assert [round(t * 30) for t, _ in w] == [45, 46, 47, 48, 49, 50, 51]
    ring.append(2.0, b"y" * 900)  # over the byte budget: the oldest go
    assert ring.nbytes <= 1000
    assert ring.window(0.0, 2.0)[-1] == (2.0, b"y" * 900)
    with pytest.raises(ValueError, match="positive"):
        JpegRing(0.0, 10)


def test_clip_files_are_deleted_with_their_session(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        with store.transaction():
            sid = store.begin_session("a", "pi", 0.0, {})
        clip = store.clips_dir / str(sid) / "001_overstride.webm"
        clip.parent.mkdir(parents=True)
        clip.write_bytes(b"\0" * 5000)
        with store.transaction():
            store.add_clip(
                sid, t_start_s=0.0, t_end_s=1.0, reason="alert:overstride",
                path=f"{sid}/001_overstride.webm", mime="video/webm", fps=30.0,
                width=64, height=48, nbytes=5000, frame_times=[0.0, 1.0],
            )  # fmt: skip
        assert used_bytes(store) > 5000
        (info,) = store.clips(sid)
        assert info.frame_times == (0.0, 1.0)
        store.delete_session(sid)
        assert not clip.exists()
        assert store.clips(sid) == []


def test_a_stalled_writer_never_blocks_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer is stuck (a slow disk): frame() keeps returning; the overflow is counted."""
    release = threading.Event()
    real = Writer._on_frame

    def stuck(self: Writer, frame: Frame) -> None:
        release.wait(30)
        real(self, frame)

    monkeypatch.setattr(Writer, "_on_frame", stuck)
    rec = Recorder(recording_config(tmp_path, queue_frames=10))
    synth = SynthSession(duration_s=2.0)
    frames = list(synth)
    rec.session_started("slow", synth.t0, {})
    for f in frames:
        rec.frame(*f)
    stats = rec.stats()
    release.set()
    rec.session_ended(synth.t_end)
    rec.close()
    assert stats.frames_received == 60
    # At most the queue (10) plus the one frame the writer holds were accepted.
    assert 49 <= stats.frames_dropped <= 50
    with SessionStore(tmp_path / "sessions.db") as store:
        (info,) = store.list_sessions()
        kept = store.landmarks(info.id).frame_index
    assert len(kept) == 60 - stats.frames_dropped
    np.testing.assert_array_equal(kept, np.arange(len(kept)))  # the first ones, in order


def test_startup_housekeeping_failure_does_not_stop_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(store: SessionStore, reason: str = "recovered") -> list[int]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(writer, "close_open_sessions", full)
    rec = Recorder(recording_config(tmp_path))
    assert rec.stats().write_errors == 1
    synth = SynthSession(duration_s=1.0)
    rec.session_started("after", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    rec.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        assert store.session("after").frames == 30


def test_sink_factory_with_an_unusable_database(tmp_path: Path) -> None:
    from edge.config.root import Config
    from edge.errors import StorageError
    from edge.recording.live import make_sinks

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cfg = Config.model_validate({"recording": {"db_path": str(blocker / "sessions.db")}})
    # The live page runs without recording; the health check is told why.
    off_sinks = make_sinks(cfg, required=False)
    assert off_sinks.recorder is None and off_sinks.all() == []
    (problem,) = off_sinks.problems()
    assert problem.startswith("recording is off: cannot open the session database")
    with pytest.raises(StorageError, match="cannot open the session database"):
        make_sinks(cfg, required=True)  # `run`: recording is the point, so say so
    off = Config.model_validate({"recording": {"enabled": False}})
    assert make_sinks(off).all() == []
    sinks = make_sinks(
        Config.model_validate({"recording": {"db_path": str(tmp_path / "ok.db")}}), required=True
    )
    assert isinstance(sinks.recorder, Recorder) and sinks.all() == [sinks.recorder]
    sinks.close()


def test_recorder_asks_for_video_only_when_clips_are_on(tmp_path: Path) -> None:
    from edge.recording.config import RecordingConfig

    for clips in (False, True):
        rec = Recorder(RecordingConfig(db_path=tmp_path / f"s{clips}.db", clips=clips))
        try:
            assert rec.wants_video is clips
        finally:
            rec.close()
