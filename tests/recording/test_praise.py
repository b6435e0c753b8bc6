"""The praise shown when a cue clears because the fault is gone is recorded with the alert:
stored in the session database, served by the review API, written by the session export and
kept when an analysis is stored as a session; a database from before (schema 4) upgrades in
place with its alerts intact."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from edge.recording.analysis_import import store_report_as_session
from edge.recording.export import export_session_json
from edge.recording.recorder import Recorder
from edge.recording.schema import MIGRATIONS, SCHEMA_VERSION
from edge.recording.store import SessionStore
from tests.recording.reviewapp import review_app
from tests.recording.serving import serve
from tests.recording.synth import STEP_S, SynthSession, recording_config
from treadwatch.cli import main

PRAISE = "good: landing under your hips"  # edge.gait.config: the overstride rule's praise
CUE = "land under your hips"


@pytest.fixture(scope="module")
def coached(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSession]:
    """A session whose first 20 steps overstride: the real alert engine raises the cue, and
    clears it with its praise once 5 of the last 8 steps land under the hips again."""
    tmp = tmp_path_factory.mktemp("praise")
    synth = SynthSession(duration_s=10.0, fault_steps=20)
    rec = Recorder(recording_config(tmp))
    rec.session_started("coached", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    rec.close()
    # What the runner was told live: the cue at step 13 (5 bad steps, then the 3 s look
    # before choosing), the praise at step 24 (the 5th step under the hips).
    assert [(a.state, a.stride_index, a.feedback) for a in synth.alerts] == [
        ("raised", 13, None),
        ("cleared", 24, PRAISE),
    ]
    assert synth.alerts[1].t_s == pytest.approx(synth.t0 + 0.2 + 24 * STEP_S, abs=1 / 30)
    return tmp / "sessions.db", synth


def test_the_clearing_alert_row_holds_the_praise(coached: tuple[Path, SynthSession]) -> None:
    db, synth = coached
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT state, cue, stride_index, t_s, feedback FROM alerts ORDER BY t_s"
        ).fetchall()
    finally:
        conn.close()
    raised, cleared = synth.alerts
    assert rows == [
        ("raised", CUE, 13, raised.t_s, None),
        ("cleared", CUE, 24, cleared.t_s, PRAISE),
    ]
    with SessionStore(db) as store:
        assert store.alerts(store.session("coached").id) == synth.alerts


@pytest.fixture(scope="module")
def client(coached: tuple[Path, SynthSession]) -> Iterator[httpx.Client]:
    with serve(review_app(coached[0])) as url, httpx.Client(base_url=url, timeout=10) as c:
        yield c


def _alerts(data: dict[str, object]) -> list[tuple[str, int, float, str | None]]:
    alerts = data["alerts"]
    assert isinstance(alerts, list)
    return [(a["state"], a["stride_index"], a["t_s"], a["feedback"]) for a in alerts]


def test_review_api_shows_the_praise_when_it_was_given(
    client: httpx.Client, coached: tuple[Path, SynthSession]
) -> None:
    _, synth = coached
    sid = client.get("/api/review/sessions").json()["sessions"][0]["id"]
    data = client.get(f"/api/review/sessions/{sid}").json()
    raised, cleared = synth.alerts
    assert _alerts(data) == [
        ("raised", 13, raised.t_s, None),
        ("cleared", 24, cleared.t_s, PRAISE),
    ]
    # at the step where the runner's landing came right
    assert data["strides"][24]["t_s"] == cleared.t_s
    assert data["strides"][24]["metrics"]["overstride_landing"]["value"] == 0.0
    assert data["strides"][23]["metrics"]["overstride_landing"]["value"] == 0.0
    assert data["strides"][19]["metrics"]["overstride_landing"]["value"] == 2.0


def test_session_export_holds_the_praise(
    client: httpx.Client, coached: tuple[Path, SynthSession], tmp_path: Path
) -> None:
    db, synth = coached
    raised, cleared = synth.alerts
    want = [("raised", 13, raised.t_s, None), ("cleared", 24, cleared.t_s, PRAISE)]
    sid = client.get("/api/review/sessions").json()["sessions"][0]["id"]
    http = client.get(f"/api/review/sessions/{sid}/export.session.json").json()
    assert _alerts(http) == want
    with SessionStore(db) as store:
        assert _alerts(json.loads(export_session_json(store, store.session(sid)))) == want
    out = tmp_path / "session.json"
    argv = ["sessions", "export", str(sid), "--db", str(db), "--format", "session", "-o", str(out)]
    assert main(argv) == 0
    assert _alerts(json.loads(out.read_text())) == want


def test_an_analysis_stored_as_a_session_keeps_its_praise(tmp_path: Path) -> None:
    report = {
        "fps": 30.0,
        "strides": [],
        "alerts": [
            {"state": "raised", "rule": "overstride", "cue": CUE, "value": 2.0,
             "stride_index": 3, "t": 1.5, "priority": 1, "feedback": None},
            {"state": "cleared", "rule": "overstride", "cue": CUE, "value": 0.0,
             "stride_index": 9, "t": 3.25, "priority": 1, "feedback": PRAISE},
        ],
    }  # fmt: skip
    landmarks = np.zeros((120, 33, 4), dtype=np.float32)
    sid = store_report_as_session(tmp_path / "a.db", report, landmarks, "phone.mp4")
    with SessionStore(tmp_path / "a.db") as store:
        alerts = store.alerts(sid)
    assert [(a.state, a.stride_index, a.t_s, a.feedback) for a in alerts] == [
        ("raised", 3, 1.5, None),
        ("cleared", 9, 3.25, PRAISE),
    ]


def test_a_schema_4_database_upgrades_in_place_with_its_alerts(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    conn = sqlite3.connect(db)
    for version, migration in enumerate(MIGRATIONS[:4]):
        conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {version + 1}")
    conn.execute(
        "INSERT INTO sessions (uid, device_id, source, started_at, t_start_s, t_end_s,"
        " ended_at, end_reason) VALUES ('old', 'pi', 'live', 1.0, 100.0, 130.0, 31.0, 'ended')"
    )
    old = [
        (1, "raised", "overstride", CUE, 2.0, 13, 104.75, 1),
        (1, "cleared", "overstride", CUE, 0.0, 24, 108.5, 1),
        (1, "raised", "head_pitch_deg", "eyes forward", 24.5, 30, 111.0, 2),
        (1, "cleared", "head_pitch_deg", "eyes forward", None, 40, 114.5, 2),
    ]
    conn.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", old)
    conn.commit()
    conn.close()
    assert SCHEMA_VERSION >= 5  # the praise column came with migration 5

    with SessionStore(db) as store:
        (version,) = store.conn.execute("PRAGMA user_version").fetchone()
        rows = store.conn.execute(
            "SELECT session_id, state, rule, cue, value, stride_index, t_s, priority, feedback"
            " FROM alerts ORDER BY t_s"
        ).fetchall()
        info = store.session("old")
        assert info.n_alerts == 2
        before = [(a.state, a.stride_index, a.t_s, a.feedback) for a in store.alerts(info.id)]
    assert version == SCHEMA_VERSION
    assert rows == [(*r, None) for r in old]  # nothing lost; no praise known for old rows
    assert before == [
        ("raised", 13, 104.75, None),
        ("cleared", 24, 108.5, None),
        ("raised", 30, 111.0, None),
        ("cleared", 40, 114.5, None),
    ]

    # The upgraded database records praise from now on.
    rec = Recorder(recording_config(tmp_path, db_path=db))
    synth = SynthSession(duration_s=10.0, t0=200.0, fault_steps=20)
    rec.session_started("new", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    rec.close()
    with SessionStore(db) as store:
        new = store.alerts(store.session("new").id)
        assert len(store.alerts(info.id)) == 4
    assert [(a.state, a.feedback) for a in new] == [("raised", None), ("cleared", PRAISE)]
