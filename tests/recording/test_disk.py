"""Disk nearly full or full: clips stop first, then landmarks, metrics last, and the
pipeline's calls never raise."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.recording.disk import MIB, DiskUsage
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from tests.recording.synth import SynthSession, recording_config


class FakeDisk:
    """Free space as the recorder sees it (the OS boundary), set by the test."""

    def __init__(self, free_mib: float) -> None:
        self.free_mib = free_mib

    def __call__(self, path: Path) -> DiskUsage:
        free = int(self.free_mib * MIB)
        return DiskUsage(10_000 * MIB, 10_000 * MIB - free, free)


def feed(rec: Recorder, frames: list[tuple[object, ...]]) -> None:
    for pose, update, jpeg in frames:
        rec.frame(pose, update, jpeg)  # type: ignore[arg-type]
    assert rec.flush()


def test_storage_degrades_landmarks_before_metrics(tmp_path: Path) -> None:
    disk = FakeDisk(free_mib=5000)
    cfg = recording_config(
        tmp_path, clips_min_free_mib=1000, landmarks_min_free_mib=500, metrics_min_free_mib=50
    )
    rec = Recorder(cfg, disk_usage=disk)
    synth = SynthSession(duration_s=12.0, gap=None, alert_every=0)
    frames = list(synth)
    rec.session_started("d", synth.t0, {})
    feed(rec, frames[:90])  # plenty of space: everything stored
    assert rec.stats().level == "all"
    disk.free_mib = 700  # clips would stop here; landmarks and metrics continue
    feed(rec, frames[90:150])
    assert rec.stats().level == "no_clips"
    disk.free_mib = 200  # landmarks stop, metrics continue
    feed(rec, frames[150:180])  # the level is read at the commit ending this chunk
    feed(rec, frames[180:210])
    assert rec.stats().level == "metrics_only"
    disk.free_mib = 10  # nothing more is stored, the pipeline keeps going
    feed(rec, frames[210:240])
    feed(rec, frames[240:270])
    stats = rec.stats()
    assert stats.level == "paused"
    assert stats.frames_received == 270
    assert stats.frames_dropped == 0
    assert stats.free_mib == 10
    assert stats.strides_unstored > 0
    disk.free_mib = 5000  # space is back: recording resumes
    feed(rec, frames[270:300])  # the commit ending this chunk sees the space
    feed(rec, frames[300:])
    rec.session_ended(synth.t_end)
    rec.close()

    with SessionStore(cfg.resolved_db_path()) as store:
        (info,) = store.list_sessions()
        stored_frames = set(store.landmarks(info.id).frame_index.tolist())
        stored_strides = store.strides(info.id)
    # The level is read at each commit and applies from then until the next one.
    # (A periodic commit inside the first chunk after the space came back may already
    # have resumed landmarks there; the chunk before is the last one certainly paused.)
    resumed = min(f for f in stored_frames if f >= 150)
    assert 270 <= resumed <= 300
    assert stored_frames == set(range(150)) | set(range(resumed, 360))
    assert info.frames == len(frames) == 360
    assert info.frames_unstored == resumed - 150
    # Metrics continue while landmarks are off; only the paused chunks lack them.
    paused = [s for s in synth.strides if 210 <= s.frame_index < 270]
    assert stored_strides == [s for s in synth.strides if s not in paused]
    assert stats.strides_unstored == len(paused) == 6


def test_sqlite_disk_full_error_keeps_metrics_and_never_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLITE_FULL from the landmark write: retried without landmarks, metrics committed."""
    calls = {"n": 0}

    def full(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SessionStore, "put_landmark_block", full)
    cfg = recording_config(tmp_path)
    rec = Recorder(cfg)
    synth = SynthSession(duration_s=3.0, gap=None)
    rec.session_started("f", synth.t0, {})
    feed(rec, list(synth))
    rec.session_ended(synth.t_end)
    stats = rec.stats()
    rec.close()
    assert calls["n"] >= 1
    assert stats.write_errors >= 1
    assert stats.last_error is not None and "full" in stats.last_error
    assert stats.frames_received == 90
    with SessionStore(cfg.resolved_db_path()) as store:
        (info,) = store.list_sessions()
        assert store.strides(info.id) == synth.strides
        assert info.frames_unstored > 0
        assert len(store.landmarks(info.id).t_s) == 0


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", f"tw-{uuid.uuid4().hex[:8]}", path],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc}); the fault-injection tests cover this")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False, capture_output=True)


@pytest.mark.parametrize("landmarks_min_free_mib", [0.4, 0.0], ids=["headroom", "enospc"])
def test_real_full_filesystem_keeps_the_pipeline_running(
    tmp_path: Path, landmarks_min_free_mib: float
) -> None:
    """A 1 MiB tmpfs fills up with landmarks; frame() keeps returning, nothing is dropped
    from the queue, every stride is either stored or counted, the database stays sound.
    With a headroom threshold, landmarks stop before the disk is full and metrics go on;
    without one, SQLite's "disk is full" is met and handled."""
    with small_tmpfs(tmp_path / "mnt", "1m") as mnt:
        cfg = recording_config(
            mnt, landmarks_min_free_mib=landmarks_min_free_mib, metrics_min_free_mib=0.0
        )
        rec = Recorder(cfg)
        synth = SynthSession(duration_s=60.0, gap=None, alert_every=4)
        frames = list(synth)
        rec.session_started("tmpfs", synth.t0, {})
        for i in range(0, len(frames), 30):
            feed(rec, frames[i : i + 30])
        rec.session_ended(synth.t_end)
        stats = rec.stats()
        rec.close()
        assert stats.frames_received == len(frames)
        assert stats.frames_dropped == 0
        assert stats.frames_unstored > 0  # landmarks stopped
        with SessionStore(cfg.resolved_db_path()) as store:
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            (info,) = store.list_sessions()
            n_lm = len(store.landmarks(info.id).t_s)
            strides = store.strides(info.id)
        assert 0 < n_lm < len(frames)
        assert len(strides) + stats.strides_unstored == len(synth.strides)
        if landmarks_min_free_mib > 0:
            # Metrics kept going well after landmarks stopped, and nothing failed.
            assert stats.write_errors == 0
            assert strides == synth.strides
        else:
            assert stats.write_errors > 0
            assert stats.last_error is not None and "full" in stats.last_error
