"""A settings change mid-session keeps every recorded step.

Saving a threshold on the settings page rebuilt the analyzer, whose step numbering restarted
at 0; steps were stored with ``INSERT OR REPLACE`` keyed on that number, so the session's
first steps were overwritten by later ones and its CSV went back in time. Here: the real
server, a real SQLite file, the demo runner, ``PUT /api/config`` mid-session.
"""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from edge.config.root import Config
from edge.gait.records import StrideRecord
from edge.live.demo import DemoSource
from edge.recording.live import make_sinks
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from server.app import create_app
from server.auth import PIN_HEADER
from tests.support.serving import serve

PIN = "735104"


def _stored(db: Path) -> list[StrideRecord]:
    with SessionStore(db) as store:
        sessions = store.list_sessions()
        return store.strides(sessions[0].id) if sessions else []


def _wait_steps(rec: Recorder, n: int, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while rec.stats().strides_written < n:
        assert time.monotonic() < deadline, f"only {rec.stats().strides_written} steps"
        time.sleep(0.1)
        rec.flush()


def test_a_settings_change_mid_session_keeps_every_step(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    cfg = Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {"demo_phase_s": 30.0, "presence_start_s": 0.0},
            "recording": {"db_path": str(db), "flush_interval_s": 0.2, "retention_days": 0},
        }
    )
    sinks = make_sinks(cfg)
    rec = sinks.recorder
    assert rec is not None and sinks.fleet is None
    assert isinstance(rec, Recorder)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
            _wait_steps(rec, 12)
            before = _stored(db)
            assert len(before) >= 12
            h = {PIN_HEADER: PIN}
            patch = {"alerts": {"overstride": {"threshold": 2.5}}}
            r = c.put("/api/config", json=patch, headers=h)
            assert r.status_code == 200
            t_change = app.state.live.pipeline.last_frame_t
            _wait_steps(rec, len(before) + 12)
            r = c.put("/api/config", json={"gait": {"window_s": 8.0}}, headers=h)
            assert r.status_code == 200
            _wait_steps(rec, len(before) + 24)
            sid = c.get("/api/review/sessions", headers=h).json()["sessions"][0]["id"]
            data = c.get(f"/api/review/sessions/{sid}", headers=h).json()
            csv_text = c.get(f"/api/review/sessions/{sid}/export.csv", headers=h).text
        written = rec.stats().strides_written
        unstored = rec.stats().strides_unstored
    finally:
        sinks.close()

    after = _stored(db)
    assert unstored == 0
    # every step written is there: none replaced, the first ones unchanged
    assert len(after) >= written
    assert after[: len(before)] == before
    indexes = [s.index for s in after]
    assert indexes == list(range(len(after)))
    times = [s.t_s for s in after]
    assert all(b > a for a, b in itertools.pairwise(times))
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) >= len(before) + 24
    csv_times = [float(r["capture_time_s"]) for r in rows]
    assert all(b > a for a, b in itertools.pairwise(csv_times))
    assert [int(r["index"]) for r in rows] == list(range(len(rows)))
    # the review data carries both changes, in order, with what changed
    changes = data["settings_changes"]
    assert [list(ch["changes"]) for ch in changes] == [
        ["alerts.overstride.threshold"],
        ["gait.window_s"],
    ]
    assert changes[0]["changes"]["alerts.overstride.threshold"] == {"from": 1.5, "to": 2.5}
    assert changes[0]["t_s"] == pytest.approx(t_change, abs=0.5)
    assert changes[0]["t_s"] < changes[1]["t_s"]
    # steps after each change are recorded on (the session is whole around the change)
    assert sum(t > changes[0]["t_s"] for t in times) >= 12
    assert sum(t > changes[1]["t_s"] for t in times) >= 1


def test_the_store_never_replaces_a_step(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        with store.transaction():
            sid = store.begin_session("u", "d", 0.0, {})
            store.insert_strides(sid, [StrideRecord(0, "left", 0, 1.0)])
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), store.transaction():
            store.insert_strides(sid, [StrideRecord(0, "right", 30, 9.0)])
        assert store.strides(sid) == [StrideRecord(0, "left", 0, 1.0)]
