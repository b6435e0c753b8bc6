"""Retention: sessions older than N days go, then the oldest until under M GiB."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.recording.disk import GIB
from edge.recording.recorder import Recorder
from edge.recording.retention import apply_retention, used_bytes
from edge.recording.store import SessionStore
from tests.recording.synth import recording_config

DAY = 86400.0
NOW = 1_800_000_000.0


def make_session(store: SessionStore, uid: str, days_ago: float, seconds: int = 5) -> int:
    """A session with ``seconds`` one-second landmark blocks (about 32 kB each at 30 fps)."""
    with store.transaction():
        sid = store.begin_session(uid, "pi", 0.0, {}, started_at=NOW - days_ago * DAY)
        for b in range(seconds):
            t = b + np.arange(30) / 30.0
            xyzv = np.random.default_rng(b).random((30, 33, 4)).astype(np.float16)
            store.put_landmark_block(sid, b, t, np.arange(30) + 30 * b, xyzv)
        store.end_session(sid, float(seconds), reason="ended", ended_at=NOW - days_ago * DAY)
    return sid


def test_sessions_older_than_the_limit_go_oldest_first(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        ids = {u: make_session(store, u, d) for u, d in [("a", 40), ("b", 31), ("c", 29), ("d", 1)]}
        deleted = apply_retention(store, max_age_days=30, max_bytes=GIB, now=NOW)
        assert deleted == [ids["a"], ids["b"]]
        assert [s.uid for s in store.list_sessions()] == ["d", "c"]


def test_size_limit_deletes_the_oldest_until_under_it(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        schema = used_bytes(store)  # the empty tables and indexes
        ids = [make_session(store, f"s{i}", days_ago=10 - i, seconds=8) for i in range(6)]
        per_session = (used_bytes(store) - schema) / 6
        limit = int(schema + per_session * 3.5)
        deleted = apply_retention(store, max_age_days=0, max_bytes=limit, now=NOW)
        assert deleted == ids[:3]  # oldest first, and no more than needed
        assert used_bytes(store) <= limit
        assert [s.id for s in store.list_sessions()] == ids[:2:-1]
        # The file itself shrinks too (incremental vacuum).
        pages_in_file = store.conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
        assert pages_in_file * page_size < schema + per_session * 4.5


def test_the_session_being_recorded_is_kept(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        old = make_session(store, "old", days_ago=100)
        current = make_session(store, "current", days_ago=200)
        deleted = apply_retention(store, max_age_days=30, max_bytes=1, now=NOW, keep=[current])
        assert deleted == [old]
        assert [s.id for s in store.list_sessions()] == [current]


def test_recorder_applies_retention_at_start(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    with SessionStore(db) as store:
        import time

        real_now = time.time()
        with store.transaction():
            for uid, days in [("old", 10.0), ("new", 1.0)]:
                sid = store.begin_session(uid, "pi", 0.0, {}, started_at=real_now - days * DAY)
                store.end_session(sid, 1.0, reason="ended")
    rec = Recorder(recording_config(tmp_path, retention_days=7))
    assert rec.stats().sessions_deleted == 1
    rec.close()
    with SessionStore(db) as store:
        assert [s.uid for s in store.list_sessions()] == ["new"]
