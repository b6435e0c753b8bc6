"""``treadwatch backup DEST`` while a writer is writing: a consistent, openable copy."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from edge.recording.store import SessionStore
from treadwatch.cli import main

STRIDES_PER_SESSION = 20


def _writer(db: Path, stop: threading.Event, written: list[int]) -> None:
    """Like the recorder: one transaction per session with all its strides."""
    with SessionStore(db) as store:
        n = 0
        while not stop.is_set():
            with store.transaction() as conn:
                sid = store.begin_session(f"s{n}", "dev", 0.0, {})
                conn.executemany(
                    "INSERT INTO strides (session_id, idx, foot, frame_index, t_s, metrics)"
                    " VALUES (?, ?, 'left', ?, ?, '{}')",
                    [(sid, i, i, i * 0.5) for i in range(STRIDES_PER_SESSION)],
                )
                conn.execute("UPDATE sessions SET report_json = ? WHERE id = ?", ("x" * 4000, sid))
            n += 1
            written[0] = n


def test_backup_while_writing_is_consistent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sessions.db"
    SessionStore(db).close()
    stop = threading.Event()
    written = [0]
    t = threading.Thread(target=_writer, args=(db, stop, written))
    t.start()
    copies = []
    try:
        while written[0] < 200:
            threading.Event().wait(0.01)
        for i in range(3):
            dest = tmp_path / f"backup{i}.db"
            assert main(["backup", str(dest), "--db", str(db)]) == 0
            copies.append(dest)
    finally:
        stop.set()
        t.join()
    assert "backup written to" in capsys.readouterr().out
    counts = []
    for dest in copies:
        conn = sqlite3.connect(dest)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        per_session = conn.execute(
            "SELECT COUNT(*) FROM sessions s LEFT JOIN strides t ON t.session_id = s.id"
            " GROUP BY s.id"
        ).fetchall()
        conn.close()
        assert per_session, "empty copy"
        assert {c for (c,) in per_session} == {STRIDES_PER_SESSION}  # no torn session
        counts.append(len(per_session))
        with SessionStore(dest) as store:  # opens with the program's own store
            assert len(store.list_sessions()) == len(per_session)
    assert counts == sorted(counts)
    assert not list(tmp_path.glob("*.part"))


def test_backup_into_a_directory_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sessions.db"
    SessionStore(db).close()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert main(["backup", str(out_dir), "--db", str(db)]) == 0
    (made,) = out_dir.glob("sessions-*.db")
    assert made.stat().st_size > 0
    assert main(["backup", str(db), "--db", str(db)]) == 2
    assert main(["backup", str(out_dir), "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(e.startswith("treadwatch: error: ") for e in err)
