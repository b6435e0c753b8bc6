"""HTTP API of the live server: health, status, config (validation, PIN), pages, WebSocket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from edge.config.root import Config
from edge.gait.config import AlertsConfig
from edge.landmarks import SKELETON_EDGES
from edge.live import capture
from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import COOKIE, PIN_HEADER
from tests.support.serving import serve
from tests.support.sources import UnpluggedCamera

PIN = "481293"


def _app(pin: str | None = PIN, **capture: Any) -> Any:
    cfg = Config.model_validate(
        {
            "server": {"settings_pin": pin} if pin else {},
            "capture": {"demo_phase_s": 5.0, **capture},
            "recording": {"enabled": False},
        }
    )
    return create_app(cfg, DemoSource.from_config(cfg.capture))


class Client(httpx.Client):
    """An HTTP client on a real uvicorn server, with the app at hand."""

    app: Any
    host: str


@contextmanager
def running(pin: str | None = PIN) -> Iterator[Client]:
    app = _app(pin)
    with serve(app) as host, Client(base_url=f"http://{host}", timeout=10.0) as c:
        c.app = app
        c.host = host
        yield c


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with running() as c:
        yield c


def _wait_frames(client: Client, n: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20.0
    while True:
        status: dict[str, Any] = client.get("/api/status").json()
        if status["analysis"]["frames"] >= n or time.monotonic() > deadline:
            return status


def test_health_and_status(client: Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {
        "ok": True,
        "status": "ok",
        "reasons": [],
        "pipeline": "running",
        "source": "running",
    }
    status = _wait_frames(client, 40)
    assert status["analysis"]["frames"] >= 10
    assert status["source"]["simulated"] is True
    assert status["source"]["state"] == "running"
    assert status["source"]["demo_phase"] in {"clean", "overstride", "arms", "head_down"}
    assert status["analysis"]["inference_ms"] is None  # demo: landmarks from the generator
    for key in ("capture_to_publish_p50", "capture_to_publish_p95"):
        assert key in status["latency_ms"]
    assert {"websocket", "video", "dropped_messages"} <= set(status["clients"])


def test_config_get_hides_the_pin(client: Client) -> None:
    data = client.get("/api/config").json()
    assert "settings_pin" not in data["server"]
    assert data["gait"]["view"] == "auto"
    schema = client.get("/api/config/schema").json()
    assert schema["editable"] == ["gait", "alerts", "pose"]
    assert set(schema["properties"]) == {"gait", "alerts", "pose"}


def test_put_config_needs_the_pin(client: Client) -> None:
    assert client.put("/api/config", json={"gait": {"view": "front"}}).status_code == 401
    r = client.put("/api/config", json={"gait": {"view": "front"}}, headers={PIN_HEADER: "0000"})
    assert r.status_code == 401


def test_put_config_validates_and_names_the_field(client: Client) -> None:
    h = {PIN_HEADER: PIN}
    r = client.put("/api/config", json={"gait": {"view": "upside-down"}}, headers=h)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["detail"]] == ["gait.view"]
    r = client.put("/api/config", json={"alerts": {"overstride": {"treshold": 0.3}}}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "alerts.overstride.treshold"
    assert r.json()["detail"][0]["msg"] == "unknown option"
    r = client.put("/api/config", json={"alerts": {"overstride": {"n_of": 0}}}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "alerts.overstride.n_of"
    r = client.put("/api/config", json={"server": {"settings_pin": "1"}}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "server"
    belt = {"x_min": 0.2, "x_max": 0.8, "y_min": 0.1, "y_max": 0.95}
    r = client.put(
        "/api/config",
        json={"gait": {"view": "side-left"}, "pose": {"belt_zone": belt}},
        headers=h,
    )
    assert r.status_code == 200
    assert r.json()["gait"]["view"] == "side-left"
    app_state = client.app.state.live
    assert app_state.pipeline.config.gait.view == "side-left"
    assert app_state.pipeline.config.pose.belt_zone.x_min == 0.2
    assert client.get("/api/config").json()["pose"]["belt_zone"] == belt
    # Other sections and options are kept.
    assert app_state.config.alerts.overstride.threshold == AlertsConfig().overstride.threshold


def test_login_cookie_logout_and_lockout() -> None:
    with running() as c:
        assert c.get("/api/auth").json() == {"enabled": True, "authenticated": False}
        assert c.post("/api/auth/login", json={"pin": "1234"}).status_code == 401
        r = c.post("/api/auth/login", json={"pin": PIN})
        assert r.status_code == 204
        assert COOKIE in r.cookies
        assert c.get("/api/auth").json()["authenticated"] is True
        assert c.put("/api/config", json={"alerts": {"enabled": False}}).status_code == 200
        logout = c.post("/api/auth/logout", headers={"X-Requested-With": "treadwatch"})
        assert logout.status_code == 204
        assert c.put("/api/config", json={"alerts": {"enabled": True}}).status_code == 401
        for _ in range(3):  # the 3rd wrong PIN in a row makes this address wait
            assert c.post("/api/auth/login", json={"pin": "0000"}).status_code == 401
        assert c.post("/api/auth/login", json={"pin": PIN}).status_code == 429


def test_without_a_pin_settings_are_locked() -> None:
    with running(pin=None) as c:
        assert c.get("/api/auth").json()["enabled"] is False
        assert c.post("/api/auth/login", json={"pin": "anything"}).status_code == 403
        r = c.put("/api/config", json={"gait": {"view": "front"}})
        assert r.status_code == 403
        assert "settings_pin" in r.json()["detail"]


def test_pages_are_served_from_the_package(client: Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/static/live.js" in r.text
    assert "http" not in r.text.replace("http-equiv", "")  # no CDN or external asset
    js = client.get("/static/live.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/settings").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_review_is_behind_the_pin(client: Client) -> None:
    r = client.get("/api/review/sessions")
    assert r.status_code == 401
    r = client.get("/review", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/settings")
    assert client.get("/api/review/sessions", headers={PIN_HEADER: PIN}).status_code == 200


def test_websocket_hello_then_frames(client: Client) -> None:
    with connect(f"ws://{client.host}/ws/live") as ws:
        hello = json.loads(ws.recv())
        assert hello["type"] == "hello"
        assert hello["simulated"] is True
        assert len(hello["edges"]) == len(SKELETON_EDGES)
        over = hello["ranges"]["overstride"]  # normal ranges for the tiles (edge.gait.ranges)
        assert over["unit"] == "leg lengths" and over["source"]
        assert over["amber"][0] <= over["green"][0] < over["green"][1] <= over["amber"][1]
        ids: list[int] = []
        while len(ids) < 10:
            m = json.loads(ws.recv())
            if m["type"] == "frame":
                ids.append(m["id"])
                assert len(m["lm"]) == 99
        assert ids == list(range(ids[0], ids[0] + 10))


def test_mjpeg_parts_are_labelled_with_frame_ids(client: Client) -> None:
    host = client.host
    with httpx.Client(timeout=10.0) as http:
        with http.stream("GET", f"http://{host}/video.mjpeg") as r:
            assert r.status_code == 200
            assert r.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
            buf = b""
            for chunk in r.iter_bytes():
                buf += chunk
                if buf.count(b"--frame") >= 3:
                    break
        parts = [p for p in buf.split(b"--frame\r\n") if p]
        ids = []
        for part in parts[:2]:
            head, _, body = part.partition(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line
            )
            assert headers["Content-Type"] == "image/jpeg"
            n = int(headers["Content-Length"])
            assert body[:2] == b"\xff\xd8" and body[n - 2 : n] == b"\xff\xd9"
            ids.append(int(headers["X-Frame-Id"]))
        assert ids[1] > ids[0]
        still = http.get(f"http://{host}/video.jpg")
        assert still.status_code == 200 and still.content[:2] == b"\xff\xd8"
        assert int(still.headers["X-Frame-Id"]) >= ids[1]


def test_a_missing_camera_is_reported_and_the_server_keeps_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(capture, "RETRY_INITIAL_S", 0.05)  # retried within the test's time
    monkeypatch.setattr(capture, "RETRY_MAX_S", 0.1)
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, UnpluggedCamera())  # never opens, so no pose model is loaded
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
        deadline = time.monotonic() + 10.0
        while True:
            status = c.get("/api/status").json()
            if status["source"]["attempts"] >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert status["source"]["state"] == "retrying"
        assert "not found" in status["source"]["message"]
        assert status["source"]["attempts"] >= 3
        health = c.get("/healthz").json()
        assert (health["ok"], health["pipeline"], health["source"]) == (True, "running", "retrying")
        with connect(f"ws://{host}/ws/live") as ws:
            kinds = []
            while "status" not in kinds:
                m = json.loads(ws.recv(timeout=5.0))
                kinds.append(m["type"])
            assert m["source"]["state"] == "retrying"


def test_marks_need_the_pin_and_a_recorded_session(tmp_path: Path) -> None:
    from edge.recording.live import make_sinks
    from edge.recording.store import SessionStore

    cfg = Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {"presence_start_s": 0.0},
            "recording": {"db_path": str(tmp_path / "s.db")},
        }
    )
    sinks = make_sinks(cfg)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
            assert c.post("/api/mark", json={"note": "x"}).status_code == 401
            deadline = time.monotonic() + 10.0
            while not c.get("/api/status").json()["session"]["active"]:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            r = c.post("/api/mark", json={"note": "knee drift"}, headers={PIN_HEADER: PIN})
            assert r.status_code == 201
            t_mark = r.json()["t"]
            assert t_mark > 0
            into = r.json()["session_time_s"]  # what the live page shows
            status = c.get("/api/status").json()
            assert status["recording"]["write_errors"] == 0
            assert "session_id" not in status["recording"]
    finally:
        sinks.close()
    store = SessionStore(tmp_path / "s.db")
    try:
        sessions = store.list_sessions()
        marks = store.marks(sessions[0].id)
    finally:
        store.close()
    assert [(m.note, round(m.t_s, 3)) for m in marks] == [("knee drift", t_mark)]
    # the live page's time of the mark is review's: the stored time less the session's start
    assert into == pytest.approx(marks[0].t_s - sessions[0].t_start_s, abs=1e-3)
