"""Runners on a real SQLite file: picked live on a real server with the demo runner,
re-assigned in review, progress equal to the sessions' own numbers, consent and clips,
deletion (the sessions or their anonymisation) with the clip files, export, ids checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from edge.errors import StorageError
from edge.gait.cadence import running_cadence
from edge.recording.schema import MIGRATIONS
from edge.recording.store import SessionStore
from edge.runners import store as runners
from tests.runners.conftest import AUTH, Recorded, live_config
from tests.support.serving import serve

BIG = 2**63


def _rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _clip_files(d: Path, sid: int) -> list[Path]:
    folder = d / "clips" / str(sid)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _medians(store: SessionStore, sid: int) -> dict[str, tuple[float, int]]:
    """Each metric's session figure, computed here from the stored steps: the median of the
    steps measured at least 0.5 sure (the live tiles' and the cue rules' floor), and for
    cadence the steps per minute of running over the contacts (the one definition)."""
    values: dict[str, list[float]] = {}
    steps = store.strides(sid)
    for s in steps:
        for name, m in s.metrics.items():
            if m.value is not None and m.confidence >= 0.5:
                values.setdefault(name, []).append(m.value)
    out = {k: (float(np.median(v)), len(v)) for k, v in values.items()}
    running = running_cadence([s.t_s for s in steps], [s.foot for s in steps])
    if running is not None and "cadence_spm" in out:
        out["cadence_spm"] = (running.spm, out["cadence_spm"][1])
    return out


def test_runner_picked_live_and_clips_only_with_consent(recorded: Recorded) -> None:
    ana_sid, ben_sid, guest_sid = recorded.sessions
    # The live page's answer named the session being recorded and its runner.
    assert [a["session_id"] for a in recorded.live_answers] == [ana_sid, ben_sid]
    assert [a["runner"]["name"] for a in recorded.live_answers] == ["Ana P.", "Ben K."]
    got = _rows(recorded.db, "SELECT id, runner_id FROM sessions ORDER BY id")
    assert got == [(ana_sid, recorded.ana), (ben_sid, recorded.ben), (guest_sid, None)]
    # Every session had the overstride alert, which cuts a clip when clips are kept...
    for sid in recorded.sessions:
        (raised,) = _rows(
            recorded.db,
            "SELECT COUNT(*) FROM alerts WHERE session_id = ? AND state = 'raised'",
            sid,
        )[0]
        assert raised >= 1
    clips = dict(_rows(recorded.db, "SELECT session_id, COUNT(*) FROM clips GROUP BY session_id"))
    # ... but Ben did not consent: none of his session is kept, on disk or in the database.
    assert clips.get(ana_sid, 0) >= 1
    assert clips.get(guest_sid, 0) >= 1
    assert ben_sid not in clips
    assert len(_clip_files(recorded.dir, ana_sid)) == clips[ana_sid]
    assert _clip_files(recorded.dir, ben_sid) == []


def test_pin_and_ids_are_checked(review_host: str, recorded: Recorded) -> None:
    with httpx.Client(base_url=review_host, timeout=10.0) as c:
        for method, url in [
            ("GET", "/api/runners"),
            ("POST", "/api/runners"),
            ("GET", f"/api/runners/{recorded.ana}/progress"),
            ("GET", f"/api/runners/{recorded.ana}/export.json"),
            ("DELETE", f"/api/runners/{recorded.ana}?sessions=delete"),
            ("GET", "/api/live/runner"),
            ("PUT", "/api/live/runner"),
            ("PUT", "/api/review/sessions/1/runner"),
            ("GET", "/review/report?session=1"),
            ("GET", f"/runners/report?id={recorded.ana}"),
            ("GET", "/runners"),
        ]:
            # Sent as the page sends it (a JSON body, or the page's header), so that the PIN,
            # not the cross-site rule, is what refuses it.
            if method in ("POST", "PUT"):
                r = c.request(method, url, json={})
            else:
                r = c.request(method, url, headers={"X-Requested-With": "treadwatch"})
            assert r.status_code == 401, url
        # A locked page sends the browser to the PIN form.
        r = c.get("/runners/runner?id=1", headers={"accept": "text/html"})
        assert r.status_code == 303
        assert r.headers["location"] == "/settings?next=/runners/runner%3Fid%3D1"

        for method, url, body in [
            ("GET", f"/api/runners/{BIG}", None),
            ("GET", "/api/runners/0", None),
            ("GET", "/api/runners/-1", None),
            ("GET", "/api/runners/abc", None),
            ("GET", f"/api/runners/{BIG}/progress", None),
            ("GET", f"/api/runners/{recorded.ana}/compare?a={BIG}&b=1", None),
            ("DELETE", f"/api/runners/{BIG}?sessions=delete", None),
            ("DELETE", f"/api/runners/{recorded.ana}?sessions=forget", None),
            ("PUT", f"/api/review/sessions/{BIG}/runner", {"runner_id": None}),
            ("PUT", "/api/review/sessions/1/runner", {"runner_id": BIG}),
            ("PUT", "/api/review/sessions/1/runner", {"runner_id": 0}),
            ("GET", f"/review/report?session={BIG}", None),
            ("GET", f"/runners/report?id={BIG}", None),
            ("GET", f"/runners/report?id={recorded.ana}&date_from=June", None),
            ("POST", "/api/runners", {"name": ""}),
            ("POST", "/api/runners", {"name": "x" * 81}),
            ("POST", "/api/runners", {"name": "   "}),
        ]:
            r = c.request(method, url, json=body, headers=AUTH)
            assert r.status_code == 422, (url, body, r.status_code, r.text)
        for method, url, body in [
            ("GET", "/api/runners/999", None),
            ("GET", "/review/report?session=999", None),
            ("PUT", "/api/review/sessions/999/runner", {"runner_id": None}),
            ("PUT", "/api/review/sessions/1/runner", {"runner_id": 999}),
            ("GET", f"/api/runners/{recorded.ana}/compare?a=1&b={recorded.sessions[1]}", None),
        ]:
            r = c.request(method, url, json=body, headers=AUTH)
            assert r.status_code == 404, (url, r.status_code, r.text)
        # The review routes too: an id beyond SQLite's integers is refused, naming the field
        # (was a 500).
        for method, url, body in [
            ("GET", f"/api/review/sessions/{BIG}", None),
            ("GET", f"/api/review/sessions/{BIG}/landmarks?t_from=0&t_to=1", None),
            ("GET", f"/api/review/sessions/{BIG}/export.csv", None),
            ("DELETE", f"/api/review/sessions/{BIG}", None),
            ("POST", f"/api/review/sessions/{BIG}/marks", {"t_s": 1.0}),
            ("PUT", f"/api/review/marks/{BIG}", {"note": "x"}),
            ("GET", f"/api/review/clips/{BIG}", None),
            ("GET", f"/api/review/compare?a={BIG}&b=1", None),
        ]:
            r = c.request(method, url, json=body, headers=AUTH)
            assert r.status_code == 422, (url, r.status_code, r.text)
            assert '"loc":[' in r.text, url  # the field is named
        # Nobody is running here (recording is off): nothing to assign.
        r = c.put("/api/live/runner", json={"runner_id": recorded.ana}, headers=AUTH)
        assert r.status_code == 409
        assert c.get("/api/live/runner", headers=AUTH).json() == {
            "session_id": None,
            "runner": None,
        }


def test_reassign_in_review(recorded: Recorded, tmp_path: Path) -> None:
    db = recorded.copy(tmp_path / "copy")
    ana_sid, ben_sid, guest_sid = recorded.sessions
    cfg = live_config(db, enabled=False)
    from edge.live.demo import DemoSource
    from server.app import create_app

    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        # The guest's session was Ana's after all.
        r = c.put(
            f"/api/review/sessions/{guest_sid}/runner",
            json={"runner_id": recorded.ana},
            headers=AUTH,
        )
        assert r.status_code == 200
        assert r.json()["runner"]["id"] == recorded.ana
        assert r.json()["clips_deleted"] == 0  # Ana consented: the clips stay
        got = c.get(f"/api/review/sessions/{guest_sid}/runner", headers=AUTH).json()
        assert got["runner"]["name"] == "Ana P."
        # Ana's first session was in fact Ben's: he did not consent, its clips go.
        n_clips = len(_clip_files(db.parent, ana_sid))
        assert n_clips >= 1
        r = c.put(
            f"/api/review/sessions/{ana_sid}/runner",
            json={"runner_id": recorded.ben},
            headers=AUTH,
        )
        assert r.json()["clips_deleted"] == n_clips
        # And Ben's becomes a guest's: no name kept.
        r = c.put(f"/api/review/sessions/{ben_sid}/runner", json={"runner_id": None}, headers=AUTH)
        assert r.json()["runner"] is None
    assert _rows(db, "SELECT id, runner_id FROM sessions ORDER BY id") == [
        (ana_sid, recorded.ben),
        (ben_sid, None),
        (guest_sid, recorded.ana),
    ]
    assert _clip_files(db.parent, ana_sid) == []
    assert _rows(db, "SELECT COUNT(*) FROM clips WHERE session_id = ?", ana_sid) == [(0,)]


def test_progress_numbers_are_the_sessions_own(review_host: str, recorded: Recorded) -> None:
    with httpx.Client(base_url=review_host, timeout=10.0) as c:
        data = c.get(f"/api/runners/{recorded.ana}/progress", headers=AUTH).json()
        ben = c.get(f"/api/runners/{recorded.ben}/progress", headers=AUTH).json()
        listed = c.get("/api/runners", headers=AUTH).json()["runners"]
    assert [(r["name"], r["n_sessions"]) for r in listed] == [("Ana P.", 1), ("Ben K.", 1)]
    assert [p["session"]["id"] for p in data["sessions"]] == [recorded.sessions[0]]
    assert [p["session"]["id"] for p in ben["sessions"]] == [recorded.sessions[1]]
    with SessionStore(recorded.db) as store:
        for point in data["sessions"] + ben["sessions"]:
            sid = point["session"]["id"]
            own = _medians(store, sid)
            got = {k: (m["median"], m["n"]) for k, m in point["metrics"].items() if m["n"]}
            assert got == own
            assert len(own) >= 10
            raised = Counter(a.cue for a in store.alerts(sid) if a.state == "raised")
            assert point["focus"]["cue"] == raised.most_common(1)[0][0]
            assert point["focus"]["times"] == raised.most_common(1)[0][1]
            info = store.session(sid)
            assert point["session"]["n_strides"] == info.n_strides == len(store.strides(sid))
    assert data["runner"]["notes"] == "knee, week 1"


def test_before_after_between_two_sessions(recorded: Recorded, tmp_path: Path) -> None:
    db = recorded.copy(tmp_path / "copy")
    ana_sid, _, guest_sid = recorded.sessions
    with SessionStore(db) as store:
        runners.assign_session(store, guest_sid, recorded.ana)
        from edge.runners.progress import before_after

        got = before_after(store, ana_sid, guest_sid)
        a, b = _medians(store, ana_sid), _medians(store, guest_sid)
        with pytest.raises(StorageError, match="different runners"):
            before_after(store, ana_sid, recorded.sessions[1])
    rows = {r["name"]: r for r in got["rows"]}
    assert set(rows) == set(a) | set(b)
    for name, r in rows.items():
        assert r["before"] == a[name][0]
        assert r["after"] == b[name][0]
        assert r["diff"] == pytest.approx(b[name][0] - a[name][0], abs=1e-12)


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_deleting_a_runner_removes_their_data_and_clips(
    recorded: Recorded, tmp_path: Path, mode: str
) -> None:
    db = recorded.copy(tmp_path / "copy")
    ana_sid, ben_sid, guest_sid = recorded.sessions
    with SessionStore(db) as store, store.transaction():
        store.add_mark(ana_sid, 1.0, "Ana said her left knee hurts")
    n_clips = len(_clip_files(db.parent, ana_sid))
    assert n_clips >= 1
    before = _rows(db, "SELECT COUNT(*) FROM strides WHERE session_id = ?", ana_sid)[0][0]
    others = _rows(db, "SELECT session_id, COUNT(*) FROM strides GROUP BY session_id")

    cfg = live_config(db, enabled=False)
    from edge.live.demo import DemoSource
    from server.app import create_app

    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        r = c.delete(f"/api/runners/{recorded.ana}?sessions={mode}", headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json() == {
            "sessions_deleted": 1 if mode == "delete" else 0,
            "sessions_anonymised": 1 if mode == "anonymise" else 0,
            "clips_deleted": n_clips,
        }
        assert c.get(f"/api/runners/{recorded.ana}", headers=AUTH).status_code == 404
        assert c.get(f"/api/runners/{recorded.ben}", headers=AUTH).status_code == 200

    assert _rows(db, "SELECT COUNT(*) FROM runners WHERE id = ?", recorded.ana) == [(0,)]
    assert _clip_files(db.parent, ana_sid) == []
    assert not (db.parent / "clips" / str(ana_sid)).exists()
    assert _rows(db, "SELECT COUNT(*) FROM clips WHERE session_id = ?", ana_sid) == [(0,)]
    if mode == "delete":
        for table in ("sessions", "strides", "events", "alerts", "landmark_blocks", "marks"):
            col = "id" if table == "sessions" else "session_id"
            assert _rows(db, f"SELECT COUNT(*) FROM {table} WHERE {col} = ?", ana_sid) == [(0,)]
        assert _rows(db, "SELECT session_id, COUNT(*) FROM strides GROUP BY session_id") == [
            o for o in others if o[0] != ana_sid
        ]
    else:
        # Kept as a guest's session: the numbers stay, nothing that names the person.
        assert _rows(db, "SELECT runner_id FROM sessions WHERE id = ?", ana_sid) == [(None,)]
        assert _rows(db, "SELECT note FROM marks WHERE session_id = ?", ana_sid) == [("",)]
        n = _rows(db, "SELECT COUNT(*) FROM strides WHERE session_id = ?", ana_sid)[0][0]
        assert n == before
    # The others' sessions and clips are untouched.
    assert _rows(db, "SELECT id, runner_id FROM sessions WHERE id IN (?, ?) ORDER BY id",
                 ben_sid, guest_sid) == [(ben_sid, recorded.ben), (guest_sid, None)]  # fmt: skip
    assert len(_clip_files(db.parent, guest_sid)) >= 1


def test_withdrawing_consent_deletes_the_clips(recorded: Recorded, tmp_path: Path) -> None:
    db = recorded.copy(tmp_path / "copy")
    ana_sid = recorded.sessions[0]
    n = len(_clip_files(db.parent, ana_sid))
    with SessionStore(db) as store:
        assert runners.update_runner(store, recorded.ana, consent_clips=False) == n
        assert store.clips(ana_sid) == []
        assert runners.get_runner(store, recorded.ana).consent_clips is False
    assert _clip_files(db.parent, ana_sid) == []


def test_export_of_a_runners_whole_history(review_host: str, recorded: Recorded) -> None:
    with httpx.Client(base_url=review_host, timeout=10.0) as c:
        j = c.get(f"/api/runners/{recorded.ana}/export.json", headers=AUTH)
        t = c.get(f"/api/runners/{recorded.ana}/export.csv", headers=AUTH)
    assert j.status_code == t.status_code == 200
    assert j.headers["content-disposition"] == f'attachment; filename="runner-{recorded.ana}.json"'
    data = json.loads(j.text)
    assert data["schema"] == "treadwatch.runner/1"
    assert data["runner"]["name"] == "Ana P."
    with SessionStore(recorded.db) as store:
        sid = recorded.sessions[0]
        strides = store.strides(sid)
        assert [s["session"]["id"] for s in data["sessions"]] == [sid]
        assert len(data["sessions"][0]["strides"]) == len(strides)
        assert len(data["sessions"][0]["clips"]) == len(store.clips(sid))
        rows = list(csv.DictReader(io.StringIO(t.text)))
        assert len(rows) == len(strides)
        for row, s in zip(rows, strides, strict=True):
            assert int(row["session_id"]) == sid
            assert int(row["index"]) == s.index
            m = s.metrics["overstride"]
            # rounded like the session export: a thousandth of a leg length, 1 ms
            shown = row["overstride [leg lengths]"]
            if m.value is None:
                assert shown == ""
            else:
                assert len(shown.split(".")[1]) == 3 and float(shown) == round(m.value, 3)
            assert row["capture_time_s"] == f"{s.t_s:.3f}"
            # an ISO 8601 time with its offset, not Unix seconds
            started = dt.datetime.fromisoformat(row["session_started_at"])
            assert started.utcoffset() is not None
            assert started.timestamp() == pytest.approx(store.session(sid).started_at, abs=1.0)


def test_an_older_database_gains_the_runner_tables(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    for statement in MIGRATIONS[0].split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(
        "INSERT INTO sessions (uid, device_id, source, started_at, t_start_s)"
        " VALUES ('u', 'pi', 'live', 1.0, 0.0)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with SessionStore(db) as store:
        assert runners.session_runner(store, 1) is None
        rid = runners.add_runner(store, "  Cleo   M. ", consent_clips=True)
        assert runners.assign_session(store, 1, rid) == 0
        assert runners.get_runner(store, rid).name == "Cleo M."
        assert runners.get_runner(store, rid).n_sessions == 1
    assert _rows(db, "PRAGMA user_version") == [(len(MIGRATIONS),)]
