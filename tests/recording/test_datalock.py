"""Two treadwatch processes on one data directory: the second refuses to start.

Before, the second server opened the same database and marked the first one's open session
"recovered". Real processes (``python -m treadwatch.cli``), real lock file; ``kill -9`` of the
holder leaves no stale lock (flock dies with the process).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from edge.recording.store import SessionStore
from tests.conftest import REPO

CLI = [sys.executable, "-m", "treadwatch.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _headless(db: Path, seconds: float) -> list[str]:
    return [*CLI, "run", "--source", "demo", "--db", str(db), "--duration",
            str(seconds), "--status-every", "0"]  # fmt: skip


def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=60, check=False
    )


def _start_headless(db: Path, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _headless(db, seconds),
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if needle in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"{needle!r} not printed (exit {proc.poll()})")


def _wait_for_open_session(db: Path, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.is_file():
            with SessionStore(db) as store:
                open_ = [s.id for s in store.list_sessions() if s.ended_at is None]
            if open_:
                return open_[0]
        time.sleep(0.2)
    raise AssertionError("the first instance recorded no session")


def test_a_second_instance_on_the_same_data_dir_refuses_with_the_pid(tmp_path: Path) -> None:
    db = tmp_path / "data" / "sessions.db"
    first = _start_headless(db, 60.0)
    try:
        line = _wait_for_line(first, "recording sessions to")
        assert str(db) in line
        open_session = _wait_for_open_session(db)
        # run --headless, then serve, on the same directory: both refuse, one line each
        for args in (
            ["run", "--source", "demo", "--db", str(db), "--duration", "5"],
            ["serve", "--source", "demo", "--db", str(db), "--port", "0"],
        ):
            second = _cli([*CLI, *args])
            assert second.returncode == 2, second.stderr
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert f"PID {first.pid}" in lines[0]
            assert "--db" in lines[0]
            assert str(db.parent) in lines[0]
        assert first.poll() is None  # the first one is untouched, its session still open
        with SessionStore(db) as store:
            s = store.session(open_session)
            assert s.ended_at is None and s.end_reason is None
        # kill -9: the lock goes with the process; the next start works and finds the session
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        third = _cli(_headless(db, 1.0))
        assert third.returncode == 0, third.stderr
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=10)  # reaps it and closes the pipes
    with SessionStore(db) as store:
        # the killed one's session was recovered by the third start
        assert store.session(open_session).end_reason == "recovered"


def test_another_data_dir_is_not_blocked(tmp_path: Path) -> None:
    first = _start_headless(tmp_path / "a" / "sessions.db", 30.0)
    try:
        _wait_for_line(first, "recording sessions to")
        other = _cli(_headless(tmp_path / "b" / "s.db", 1.0))
        assert other.returncode == 0, other.stderr
    finally:
        first.terminate()
        first.communicate(timeout=15)
    assert first.returncode == 0
