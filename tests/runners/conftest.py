"""Sessions recorded on a real live server with the demo runner, for the runner tests.

Three short sessions (the server is restarted between them, which ends a session): the
first run by Ana (clips allowed), picked live with "who is running?"; the second by Ben
(no consent to clips), picked live too; the third left as a guest's. Clips are on, and each
session has the demo's overstride phase, so an alert cuts a clip in each.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.recording.live import make_sinks
from server.app import create_app
from server.auth import PIN_HEADER
from tests.support.serving import serve

PIN = "357902"
AUTH = {PIN_HEADER: PIN}
# Clean for 2 s, then overstride: the cue needs evidence over several strides (the cue
# policy), so each session runs until its cue is stored, then long enough for its clip.
CUE_TIMEOUT_S = 30.0
CLIP_AFTER_CUE_S = 2.5


def live_config(db: Path, **recording: Any) -> Config:
    return Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {
                "presence_start_s": 0.0,
                "demo_schedule": ["clean", *["overstride"] * 15],
                "demo_phase_s": 2.0,
            },
            "recording": {
                "db_path": str(db),
                "device_id": "pi-test",
                "clips": True,
                "clip_before_s": 1.0,
                "clip_after_s": 1.0,
                "clips_min_free_mib": 0.0,
                "landmarks_min_free_mib": 0.0,
                "metrics_min_free_mib": 0.0,
                **recording,
            },
        }
    )


def wait_for_session(c: httpx.Client) -> int:
    deadline = time.monotonic() + 15.0
    while True:
        sid = c.get("/api/live/runner", headers=AUTH).json()["session_id"]
        if sid is not None:
            return int(sid)
        assert time.monotonic() < deadline, "no session started"
        time.sleep(0.05)


def wait_for_cue(db: Path, sid: int) -> None:
    """Until the session's first cue is in the database (the recorder commits it)."""
    deadline = time.monotonic() + CUE_TIMEOUT_S
    while True:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            (n,) = conn.execute(
                "SELECT count(*) FROM alerts WHERE session_id = ? AND state = 'raised'", (sid,)
            ).fetchone()
        if n:
            return
        assert time.monotonic() < deadline, "the overstride cue was not raised"
        time.sleep(0.2)


@dataclass
class Recorded:
    dir: Path
    ana: int
    ben: int
    sessions: list[int]  # Ana's, Ben's, the guest's
    live_answers: list[dict[str, Any]]  # what PUT /api/live/runner answered

    @property
    def db(self) -> Path:
        return self.dir / "sessions.db"

    def copy(self, to: Path) -> Path:
        """A copy of the database and its clips (for tests that delete)."""
        shutil.copytree(self.dir, to)
        return to / "sessions.db"


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    d = tmp_path_factory.mktemp("runners") / "data"
    d.mkdir()
    cfg = live_config(d / "sessions.db")
    sessions: list[int] = []
    answers: list[dict[str, Any]] = []
    ana = ben = 0
    for who in ("ana", "ben", "guest"):
        sinks = make_sinks(cfg)
        app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
        try:
            with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=20.0) as c:
                if who == "ana":
                    ana = c.post(
                        "/api/runners",
                        json={"name": "Ana P.", "notes": "knee, week 1", "consent_clips": True},
                        headers=AUTH,
                    ).json()["id"]
                    ben = c.post("/api/runners", json={"name": "Ben K."}, headers=AUTH).json()["id"]
                sid = wait_for_session(c)
                sessions.append(sid)
                if who != "guest":
                    r = c.put(
                        "/api/live/runner",
                        json={"runner_id": ana if who == "ana" else ben},
                        headers=AUTH,
                    )
                    assert r.status_code == 200, r.text
                    answers.append(r.json())
                wait_for_cue(cfg.recording.resolved_db_path(), sid)
                time.sleep(CLIP_AFTER_CUE_S)
        finally:
            sinks.close()
    return Recorded(d, ana, ben, sessions, answers)


@pytest.fixture
def review_host(recorded: Recorded) -> Iterator[str]:
    """The real app on the recorded database (recording off), as the therapist opens it."""
    cfg = live_config(recorded.db, enabled=False)
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host:
        yield f"http://{host}"
