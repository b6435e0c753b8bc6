"""A broker URL with a login (``mqtt://user:password@host``, the form the config example
offers) takes the device through a whole session, to a real Mosquitto and the hub, and the
password (or the user name) appears nowhere it goes: not in the device's database (every
byte of it), not in the session's CSV/JSON export, not in any fleet message, not in the
hub's database or review, not in ``/api/status`` or ``/api/config``, not in the logs nor
on the console."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import httpx
import pytest

from edge.config.root import parse_config
from edge.recording.store import SessionStore
from edge.redact import redact, redact_url
from tests.fleet.broker import Mosquitto
from tests.fleet.test_fleet_parts import Subscriber, wait_for
from tests.support.serving import serve
from treadwatch.cli import main
from treadwatch.compose import device_app, hub_app, hub_broker, open_device

PIN = "582039"
USER = "tw-login-user"
SECRET = "S3cret-broker-pw"


def _ended_sessions(db: Path) -> int:
    if not db.is_file():
        return 0
    with SessionStore(db) as store:
        return sum(1 for s in store.list_sessions() if s.ended_at is not None)


def _all_bytes(db: Path) -> bytes:
    """The database file and its WAL/shared-memory companions, as stored on disk."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())


def test_a_broker_password_goes_nowhere(
    tmp_path: Path,
    mosquitto: Mosquitto,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "device" / "sessions.db"
    db.parent.mkdir()
    broker = f"mqtt://{USER}:{SECRET}@127.0.0.1:{mosquitto.port}"
    config = parse_config(
        {
            "server": {"settings_pin": PIN},
            "capture": {
                "source": "demo",
                "demo_phase_s": 2.0,
                "demo_schedule": ["clean", "absent"],
                "presence_start_s": 0.3,
                "absence_timeout_s": 0.5,
                "demo_width": 320,
                "demo_height": 240,
            },
            "recording": {"db_path": str(db), "flush_interval_s": 0.25},
            "fleet": {"enabled": True, "broker": broker, "device_id": "dev-s"},
        }
    )
    hub_db = tmp_path / "hub.db"
    seen: list[str] = []
    sub = Subscriber(mosquitto.port, "treadwatch/#", client_id="secret-watch")
    device = open_device(config, recording_required=True)
    hub = hub_app(config, hub_db, hub_broker(config, None), "hub-secret-test")
    pin = {"X-Treadwatch-Pin": PIN}
    try:
        with (
            serve(hub) as hub_host,
            serve(device_app(device, config)) as host,
            httpx.Client(base_url=f"http://{host}", timeout=10) as c,
        ):
            wait_for(lambda: _ended_sessions(db) >= 1, 30.0, "a recorded session")
            seen += [c.get(p).text for p in ("/api/status", "/api/config", "/healthz")]
            review = c.get("/api/review/sessions/1/export.session.json", headers=pin)
            assert review.json()["settings"]["fleet"]["device_id"] == "dev-s"
            seen += [review.text, c.get("/api/review/sessions/1/export.csv", headers=pin).text]
            with httpx.Client(base_url=f"http://{hub_host}", timeout=10) as h:

                def hub_has_it() -> bool:
                    return bool(h.get("/api/review/sessions", headers=pin).json()["sessions"])

                wait_for(hub_has_it, 20.0, "the session at the hub")
                (stored,) = h.get("/api/review/sessions", headers=pin).json()["sessions"][:1]
                hub_session = h.get(
                    f"/api/review/sessions/{stored['id']}/export.session.json", headers=pin
                )
                assert hub_session.json()["settings"]["fleet"]["device_id"] == "dev-s"
                seen += [hub_session.text, h.get("/api/board").text, h.get("/api/health").text]
            time.sleep(0.5)  # a status message or two more
    finally:
        device.close()
        sub.close()
    for fmt in ("json", "csv"):
        assert main(["sessions", "export", "1", "--format", fmt, "--db", str(db)]) == 0
    out = capsys.readouterr()
    seen += [out.out, out.err, caplog.text]
    messages = [payload.decode() for _, payload, _ in sub.got]
    kinds = {topic.rsplit("/", 1)[1] for topic, _, _ in sub.got}
    assert {"session", "step", "status"} <= kinds  # the fleet messages were all seen
    start = next(json.loads(m) for m in messages if '"settings"' in m)
    assert start["settings"]["fleet"]["broker"] == f"mqtt://127.0.0.1:{mosquitto.port}"
    seen += messages
    for where, text in enumerate(seen):
        assert SECRET not in text and USER not in text, (where, text[:300])
    for path in (db, hub_db):
        stored_bytes = _all_bytes(path)
        assert b'"dev-s"' in stored_bytes or b"dev-s" in stored_bytes
        assert SECRET.encode() not in stored_bytes and USER.encode() not in stored_bytes


def test_redact_finds_every_secret_key_and_every_url_login() -> None:
    data = {
        "server": {"settings_pin": "582039", "port": 8000},
        "fleet": {"broker": "mqtts://u:p%40ss@b.lan:8883", "username": "u", "password": "pw"},
        "capture": {"source": "rtsp://cam:pw@10.0.0.9:554/stream1"},
        "changes": {"fleet.password": {"from": "a", "to": "b"}, "note": "see http://a:b@h/x"},
        "list": ["rtmp://user@host/live", "camera:0"],
    }
    assert redact(data) == {
        "server": {"port": 8000},
        "fleet": {"broker": "mqtts://b.lan:8883"},
        "capture": {"source": "rtsp://10.0.0.9:554/stream1"},
        "changes": {"note": "see http://h/x"},
        "list": ["rtmp://host/live", "camera:0"],
    }
    # A password with an unencoded "@" is still all removed; no login: unchanged.
    assert redact_url("rtsp://admin:p@ss@cam/s") == "rtsp://cam/s"
    assert redact_url("mqtt://broker.gym.lan:1883") == "mqtt://broker.gym.lan:1883"


def test_a_camera_login_stays_out_of_snapshots_settings_changes_and_the_public_config() -> None:
    from edge.config.changes import changed_options
    from edge.live.demo import DemoSource
    from edge.live.pipeline import settings_snapshot
    from server.routes.config import public_config

    old = parse_config({"capture": {"source": "rtsp://admin:Cam-Pw-77@10.0.0.9:554/s1"}})
    new = parse_config({"capture": {"source": "rtsp://admin:Cam-Pw-88@10.0.0.9:554/s2"}})
    snapshot = settings_snapshot(old, DemoSource.from_config(old.capture))
    assert snapshot["capture"]["source"] == "rtsp://10.0.0.9:554/s1"  # type: ignore[index]
    assert public_config(old)["capture"]["source"] == "rtsp://10.0.0.9:554/s1"
    assert changed_options(old, new) == {
        "capture.source": {"from": "rtsp://10.0.0.9:554/s1", "to": "rtsp://10.0.0.9:554/s2"}
    }
    for text in (json.dumps(snapshot), json.dumps(public_config(new))):
        assert "Cam-Pw" not in text and "admin" not in text
