"""kill -9 in the middle of a session: at most the last 2 s are lost, the database opens
cleanly, and the session is closed on the next start."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from tests.conftest import REPO
from tests.recording.synth import recording_config

MAX_LOSS_S = 2.0


def test_kill_9_mid_session_loses_at_most_two_seconds(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.recording.crash_child", str(db)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    handed: list[tuple[float, int]] = []  # (frame time, strides handed over so far)
    try:
        for line in child.stdout:
            t_str, k_str = line.split()
            handed.append((float(t_str), int(k_str)))
            if handed[-1][0] - handed[0][0] >= 4.5:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    first_t, last_t = handed[0][0], handed[-1][0]

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (ended,) = conn.execute("SELECT ended_at FROM sessions").fetchone()
    assert ended is None  # the crash left it open
    conn.close()

    with SessionStore(db) as store:
        sid = store.session("crash-1").id
        stored_t = store.landmarks(sid).t_s
        strides = store.strides(sid)
    # Landmarks: continuous from the start up to within 2 s of what had been delivered.
    assert stored_t[0] == first_t or abs(stored_t[0] - first_t) < 1e-5
    assert stored_t[-1] >= last_t - MAX_LOSS_S
    # Strides: every stride handed over more than 2 s before the kill is there, in order.
    assert [s.index for s in strides] == list(range(len(strides)))
    strides_by_then = max(k for t, k in handed if t <= last_t - MAX_LOSS_S)
    assert strides_by_then >= 6
    assert len(strides) >= strides_by_then

    # Next start: the open session is closed at its last stored data.
    rec = Recorder(recording_config(tmp_path))
    assert rec.stats().sessions_recovered == 1
    rec.close()
    with SessionStore(db) as store:
        info = store.session("crash-1")
        assert info.end_reason == "recovered"
        assert info.t_end_s is not None
        assert info.t_end_s >= last_t - MAX_LOSS_S
        assert info.duration_s >= 4.5 - MAX_LOSS_S
