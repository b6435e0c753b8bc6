"""Out-of-range input is a 4xx naming the field, never a 500; a bad value
already stored does not break a session's export or compare; a mark can be deleted."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.recording.recorder import Recorder
from server.app import create_app
from server.auth import PIN_HEADER
from tests.recording.synth import SynthSession, recording_config
from tests.support.serving import serve

PIN = "582039"
HUGE = 2**63
H = {PIN_HEADER: PIN}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bad")
    rec = Recorder(recording_config(tmp))
    for n in range(2):
        synth = SynthSession(duration_s=4.0, t0=100.0 + 50 * n)
        rec.session_started(f"s{n}", synth.t0, {})
        for f in synth:
            rec.frame(*f)
        rec.session_ended(synth.t_end)
    rec.close()
    return tmp / "sessions.db"


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[httpx.Client]:
    cfg = Config.model_validate(
        {"server": {"settings_pin": PIN}, "recording": {"db_path": str(db)}}
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with (
        serve(app, lifespan="off") as host,
        httpx.Client(base_url=f"http://{host}", timeout=10, headers=H) as c,
    ):
        yield c


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"/api/review/sessions/{HUGE}", "session_id"),
        ("GET", f"/api/review/sessions/{HUGE}/landmarks?t_from=0&t_to=1", "session_id"),
        ("GET", f"/api/review/sessions/{HUGE}/export.csv", "session_id"),
        ("GET", f"/api/review/sessions/{HUGE}/export.json", "session_id"),
        ("GET", f"/api/review/sessions/{HUGE}/export.session.json", "session_id"),
        ("DELETE", f"/api/review/sessions/{HUGE}", "session_id"),
        ("POST", f"/api/review/sessions/{HUGE}/marks", "session_id"),
        ("PUT", f"/api/review/marks/{HUGE}", "mark_id"),
        ("DELETE", f"/api/review/marks/{HUGE}", "mark_id"),
        ("GET", f"/api/review/clips/{HUGE}", "clip_id"),
        ("GET", f"/api/review/compare?a={HUGE}&b=1", "a"),
        ("GET", f"/api/review/compare?a=1&b=-{HUGE}", "b"),
        ("GET", "/api/review/sessions?date_from=0001-01-01", "date_from"),
        ("GET", "/api/review/sessions?date_to=9999-12-31", "date_to"),
    ],
)
def test_out_of_range_ids_and_dates_are_4xx_naming_the_field(
    client: httpx.Client, method: str, path: str, field: str
) -> None:
    body = {"t_s": 101.0, "note": "x"} if method in ("POST", "PUT") else None
    r = client.request(method, path, json=body)
    assert 400 <= r.status_code < 500, r.text
    assert field in r.text


def _raw_mark(client: httpx.Client, sid: int, t_text: str) -> httpx.Response:
    return client.post(
        f"/api/review/sessions/{sid}/marks",
        content=f'{{"t_s": {t_text}, "note": "x"}}',
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize("t_text", ["NaN", "Infinity", "-Infinity", "1e308", "99.0", "105.0"])
def test_a_mark_outside_the_session_is_refused(client: httpx.Client, t_text: str) -> None:
    # Session 1 spans capture times 100 .. 104.
    r = _raw_mark(client, 1, t_text)
    assert r.status_code == 422, r.text
    assert "t_s" in r.text


def test_a_mark_inside_is_kept_and_can_be_deleted(client: httpx.Client) -> None:
    r = _raw_mark(client, 1, "102.5")
    assert r.status_code == 201
    mark_id = r.json()["id"]
    marks = client.get("/api/review/sessions/1").json()["marks"]
    assert [m["id"] for m in marks] == [mark_id]
    assert (
        client.delete(f"/api/review/marks/{mark_id}", headers={PIN_HEADER: ""}).status_code == 401
    )
    assert client.delete(f"/api/review/marks/{mark_id}").status_code == 204
    assert client.get("/api/review/sessions/1").json()["marks"] == []
    assert client.delete(f"/api/review/marks/{mark_id}").status_code == 404


def test_bad_values_already_stored_do_not_break_export(db: Path, client: httpx.Client) -> None:
    """Marks stored by older versions with t_s = inf / 1e308 (NaN cannot be stored: the
    column is NOT NULL)."""
    conn = sqlite3.connect(db)
    with conn:
        for t in (float("inf"), 1e308, float("-inf")):
            conn.execute(
                "INSERT INTO marks (session_id, t_s, created_at, note) VALUES (2, ?, 0, 'old')",
                (t,),
            )
    conn.close()
    for path in (
        "/api/review/sessions/2",
        "/api/review/sessions/2/export.session.json",
        "/api/review/sessions/2/export.json",
        "/api/review/sessions/2/export.csv",
        "/api/review/compare?a=1&b=2",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        if path.endswith("json") or "compare" in path:
            json.loads(r.text)  # strict JSON (no Infinity)
    marks = client.get("/api/review/sessions/2").json()["marks"]
    assert marks == []  # the values cannot be placed in the session: left out
