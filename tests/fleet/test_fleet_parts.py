"""Fleet reporting, part by part: config, outbox, hub ingest, discovery, hub pages.

The outbox and hub tests run against a real Mosquitto (fixture ``mosquitto``)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.config.root import parse_config
from edge.errors import ConfigError
from edge.fleet import messages
from edge.fleet.config import FleetConfig, parse_broker_url
from edge.fleet.discovery import discovery_messages
from edge.fleet.mqtt import stop_client
from edge.fleet.outbox import OutboxWriter
from edge.fleet.publisher import FleetPublisher
from edge.live.config import ServerConfig
from edge.live.demo import DemoSource
from edge.live.pipeline import settings_snapshot
from edge.recording.recorder import Recorder
from edge.recording.schema import MIGRATIONS, SCHEMA_VERSION
from edge.recording.store import SessionStore
from server.fleet.app import create_hub_app
from server.fleet.ingest import HubIngest
from tests.fleet.broker import Mosquitto
from tests.recording.synth import SynthSession, recording_config
from tests.support.serving import serve
from treadwatch.cli import main


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


# --- configuration ------------------------------------------------------------------------


def test_broker_urls() -> None:
    plain = parse_broker_url("mqtt://broker.gym.lan")
    assert (plain.host, plain.port, plain.tls) == ("broker.gym.lan", 1883, False)
    tls = parse_broker_url("mqtts://tw:p%40ss@10.0.0.5")
    assert (tls.host, tls.port, tls.tls, tls.username, tls.password) == (
        "10.0.0.5",
        8883,
        True,
        "tw",
        "p@ss",
    )
    assert parse_broker_url("mqtt://h:1999").port == 1999
    for bad in ("http://h", "h:1883", "mqtt://", "mqtt://h:99999", "mqtt://h/x"):
        with pytest.raises(ConfigError) as err:
            parse_broker_url(bad)
        assert "\n" not in str(err.value) and "mqtt://host:port" in str(err.value)


def test_fleet_config_checked_at_load() -> None:
    assert parse_config({}).fleet.enabled is False  # off by default
    with pytest.raises(ConfigError, match=r"fleet\.broker: .*mqtts://host:port"):
        parse_config({"fleet": {"broker": "tcp://h:1883"}})
    with pytest.raises(ConfigError, match=r"fleet\.device_id: .*letters, digits"):
        parse_config({"fleet": {"device_id": "tread/1"}})
    cfg = FleetConfig(broker="mqtt://a@h", username="dev", password="pw")  # type: ignore[arg-type]
    spec = cfg.broker_spec()
    assert (spec.username, spec.password) == ("dev", "pw")
    assert FleetConfig().resolved_device_id("pi.gym.lan") == "pi-gym-lan"


def test_broker_password_never_leaves_the_device(tmp_path: Path) -> None:
    config = parse_config({"fleet": {"enabled": True, "password": "s3cret-pw", "username": "tw"}})
    source = DemoSource.from_config(config.capture)
    snapshot = settings_snapshot(config, source)
    assert "s3cret-pw" not in json.dumps(snapshot)
    writer = OutboxWriter("dev-a")
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    try:
        rec.session_started("s-1", 1.0, snapshot)
        rec.session_ended(2.0)
        assert rec.flush()
    finally:
        rec.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        rows = store.conn.execute("SELECT topic, payload FROM fleet_outbox ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["treadwatch/dev-a/session"] * 2
    start = json.loads(rows[0][1])
    assert "s3cret-pw" not in rows[0][1] and "password" not in start["settings"]["fleet"]
    assert "username" not in start["settings"]["fleet"]


def test_migration_adds_the_fleet_tables(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions (uid, device_id, source, started_at, t_start_s)"
        " VALUES ('old', 'pi', 'live', 1.0, 0.0)"
    )
    conn.commit()
    conn.close()
    with SessionStore(db) as store:
        (version,) = store.conn.execute("PRAGMA user_version").fetchone()
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert store.list_sessions()[0].uid == "old"
    assert version == SCHEMA_VERSION
    assert {"fleet_outbox", "fleet_open_sessions", "fleet_received"} <= tables
    assert "sessions_device_uid" in tables


# --- device: outbox and publisher ---------------------------------------------------------


class Subscriber:
    """A plain MQTT client that records what arrives (persistent session: survives a
    broker restart, like the hub)."""

    def __init__(self, port: int, topic: str, client_id: str = "test-sub") -> None:
        self.got: list[tuple[str, bytes, bool]] = []
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
        )
        self.ready = False

        def on_connect(c: mqtt.Client, u: Any, f: Any, rc: Any, p: Any) -> None:
            c.subscribe(topic, qos=1)

        def on_subscribe(c: mqtt.Client, u: Any, mid: int, rcs: Any, p: Any) -> None:
            self.ready = True

        def on_message(c: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
            self.got.append((m.topic, bytes(m.payload), bool(m.retain)))

        self.client.on_connect = on_connect
        self.client.on_subscribe = on_subscribe
        self.client.on_message = on_message
        self.client.connect_async("127.0.0.1", port)
        self.client.reconnect_delay_set(1, 1)
        self.client.loop_start()
        wait_for(lambda: self.ready, 10.0, "the test subscriber")

    def close(self) -> None:
        stop_client(self.client)


def _fleet(broker: Mosquitto, **kw: Any) -> FleetConfig:
    return FleetConfig.model_validate(
        {"enabled": True, "broker": broker.url, "device_id": "dev-a", **kw}
    )


def test_outbox_kept_until_the_broker_acknowledges_then_sent_in_order(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    sub = Subscriber(mosquitto.port, "treadwatch/dev-a/#")
    mosquitto.stop()  # the broker is down while the session is recorded
    writer = OutboxWriter("dev-a")
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    pub = FleetPublisher(_fleet(mosquitto, homeassistant=True), "dev-a", writer, rec.db_path)
    pub.start()
    synth = SynthSession(duration_s=6.0, gap=None, alert_every=5)
    try:
        rec.session_started("s-1", synth.t0, {})
        for pose, update, jpeg in synth:
            rec.frame(pose, update, jpeg)
            pub.frame(pose, update, jpeg)
        rec.session_ended(synth.t_end)
        assert rec.flush()
        expected = 1 + len(synth.strides) + len(synth.alerts) + 1
        assert len(synth.strides) == 17 and len(synth.alerts) == 3
        outbox = SessionStore(rec.db_path)
        count = lambda: outbox.conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()[0]  # noqa: E731
        time.sleep(1.5)
        assert count() == expected  # nothing acknowledged, nothing deleted
        mosquitto.start()
        wait_for(lambda: count() == 0, 20.0, "the outbox to drain")
        data = lambda: [m for m in sub.got if not m[0].endswith("/status")]  # noqa: E731
        wait_for(lambda: len(data()) >= expected, 10.0, "the subscriber")
        outbox.close()
        # Home Assistant finds the device from the retained discovery configs.
        ha = Subscriber(mosquitto.port, "homeassistant/#", client_id="ha")
        wait_for(lambda: len(ha.got) == 3, 10.0, "the discovery configs")
        ha.close()
        assert all(retained for _, _, retained in ha.got)
        assert sorted(t.split("/")[1] for t, _, _ in ha.got) == [
            "binary_sensor",
            "sensor",
            "sensor",
        ]
    finally:
        pub.close()
        rec.close()
        sub.close()
    got = data()
    assert len(got) == expected  # each once
    payloads = [json.loads(p) for _, p, _ in got]
    assert [p["seq"] for p in payloads] == list(range(expected))  # in order
    assert {(p["v"], p["device"], p["session"]) for p in payloads} == {(1, "dev-a", "s-1")}
    kinds = [t.rsplit("/", 1)[1] for t, _, _ in got]
    assert kinds.count("step") == 17 and kinds.count("alert") == 3
    assert kinds[0] == kinds[-1] == "session"
    assert [p["index"] for p in payloads if "index" in p] == list(range(17))
    assert payloads[-1]["summary"] == {
        "frames": synth.frames,
        "frames_unstored": 0,
        "steps": 17,
        "alerts": 3,
    }
    status = [json.loads(p) for t, p, _ in sub.got if t.endswith("/status") and p != b"stopped"]
    assert status and status[-1]["v"] == 1 and status[-1]["outbox"] >= 0
    assert sub.got[-1] == ("treadwatch/dev-a/status", b"stopped", False)  # clean stop


# --- hub ----------------------------------------------------------------------------------


def _publish_all(port: int, items: list[tuple[str, str]]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-pub")
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        for topic, payload in items:
            c.publish(topic, payload, qos=1).wait_for_publish(5)
    finally:
        stop_client(c)


def _msg(seq: int, body: dict[str, Any], uid: str = "u-1", v: int = 1) -> str:
    return json.dumps({"v": v, "device": "dev-b", "session": uid, "seq": seq, **body})


STEP = {
    "index": 0,
    "foot": "left",
    "frame_index": 12,
    "t_s": 10.4,
    "metrics": {"cadence_spm": {"value": 171.5, "unit": "steps/min", "confidence": 1.0}},
}
STATUS = {"v": 1, "state": "running", "runner_present": True, "cue": "land under your hips"}
ALERT = {
    "state": "raised",
    "rule": "overstride",
    "cue": "land under your hips",
    "value": 0.31,
    "stride_index": 0,
    "t_s": 10.4,
    "priority": 1,
}


def test_hub_stores_once_and_ignores_duplicates_and_bad_messages(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    hub = HubIngest(tmp_path / "hub.db", parse_broker_url(mosquitto.url), client_id="hub-t")
    hub.start()
    try:
        wait_for(hub.connected.is_set, 10.0, "the hub to subscribe")
        start = {"event": "start", "t_s": 10.0, "started_at": 1.7e9, "settings": {"x": 1}}
        end = {
            "event": "end",
            "t_s": 12.0,
            "ended_at": 1.7e9 + 2,
            "reason": "ended",
            "summary": {"frames": 60, "frames_unstored": 0, "steps": 1, "alerts": 1},
        }
        t = "treadwatch/dev-b/"
        _publish_all(
            mosquitto.port,
            [
                (t + "session", _msg(0, start)),
                (t + "step", _msg(1, STEP)),
                (t + "step", _msg(1, STEP)),  # redelivered
                (t + "alert", _msg(2, ALERT)),
                (t + "alert", _msg(2, ALERT)),  # redelivered
                (t + "step", _msg(9, STEP, v=99)),  # a newer schema: not understood
                (t + "step", "{not json"),
                (t + "step", _msg(8, {**STEP, "metrics": {"cadence_spm": "fast"}}, uid="u-2")),
                (t + "session", _msg(3, end)),
                (t + "status", json.dumps(STATUS)),
            ],
        )
        wait_for(lambda: hub.stats.received == 10 and hub.idle(), 10.0, "the hub to store")
        board = hub.board()
    finally:
        hub.close()
    assert (hub.stats.stored, hub.stats.duplicates, hub.stats.bad) == (4, 2, 3)
    with SessionStore(tmp_path / "hub.db") as store:
        (info,) = store.list_sessions()  # nothing left of the bad step's session "u-2"
        (n_received,) = store.conn.execute("SELECT COUNT(*) FROM fleet_received").fetchone()
        assert n_received == 4
        strides = store.strides(info.id)
        alerts = store.alerts(info.id)
    assert (info.uid, info.device_id, info.t_start_s, info.t_end_s) == ("u-1", "dev-b", 10.0, 12.0)
    assert (info.frames, info.end_reason, info.settings) == (60, "ended", {"x": 1})
    assert len(strides) == 1 and strides[0].metrics["cadence_spm"].value == 171.5
    assert [(a.rule, a.value) for a in alerts] == [("overstride", 0.31)]
    assert board[0]["device"] == "dev-b" and board[0]["state"] == "running"
    assert board[0]["runner_present"] is True and board[0]["cue"] == "land under your hips"


def test_hub_pages_pin_and_device_filter(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    with SessionStore(db) as store, store.transaction():
        for dev, uid in (("dev-a", "a1"), ("dev-b", "b1"), ("dev-b", "b2")):
            store.begin_session(uid, dev, 0.0, {})
    with serve(create_hub_app(db, ServerConfig(), None)) as host:
        locked = httpx.Client(base_url=f"http://{host}", timeout=10.0)
        assert locked.get("/api/board").json()["devices"] == []
        assert locked.get("/api/review/sessions").status_code == 403  # no PIN: review locked
        locked.close()
    app = create_hub_app(db, ServerConfig(settings_pin="246813"), None)
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as client:
        assert client.get("/api/review/sessions").status_code == 401
        r = client.get("/review", headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/settings?next=/review"
        assert "PIN" in client.get("/settings").text
        assert client.post("/api/auth/login", json={"pin": "0000"}).status_code == 401
        assert client.post("/api/auth/login", json={"pin": "246813"}).status_code == 204
        data = client.get("/api/review/sessions").json()
        assert data["devices"] == ["dev-a", "dev-b"] and len(data["sessions"]) == 3
        only_b = client.get("/api/review/sessions", params={"device": "dev-b"}).json()
        assert sorted(s["uid"] for s in only_b["sessions"]) == ["b1", "b2"]
        # Landmarks stay on the devices: a hub session has none, and says so without error.
        sid = only_b["sessions"][0]["id"]
        r = client.get(f"/api/review/sessions/{sid}/landmarks", params={"t_from": 0, "t_to": 5})
        assert r.status_code == 200
        assert r.json() == {"t_s": [], "frame_index": [], "frames": [], "truncated": False}
        assert "Treadmills" in client.get("/").text


def test_discovery_announces_three_entities() -> None:
    msgs = dict(discovery_messages("tm-3", "homeassistant"))
    assert sorted(msgs) == [
        "homeassistant/binary_sensor/treadwatch_tm-3/runner_present/config",
        "homeassistant/sensor/treadwatch_tm-3/cadence/config",
        "homeassistant/sensor/treadwatch_tm-3/cue/config",
    ]
    configs = [json.loads(p) for p in msgs.values()]
    assert {c["state_topic"] for c in configs} == {"treadwatch/tm-3/status"}
    assert len({c["unique_id"] for c in configs}) == 3
    assert {c["device"]["identifiers"][0] for c in configs} == {"treadwatch_tm-3"}


def test_sessions_list_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.db"
    synth = SynthSession(duration_s=2.0)
    for _ in synth:
        pass
    with SessionStore(db) as store, store.transaction():
        store.begin_session("u-8", "dev-c", 1.0, {}, started_at=900.0)  # still open
        sid = store.begin_session("u-9", "dev-c", 5.0, {}, started_at=1000.0)
        store.insert_strides(sid, synth.strides)
        store.end_session(sid, 9.0, reason="ended", ended_at=1004.0)
    assert main(["sessions", "list", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(synth.strides) == 6
    assert rows == [
        {"id": 2, "uid": "u-9", "device": "dev-c", "start": 1000.0, "end": 1004.0, "steps": 6},
        {"id": 1, "uid": "u-8", "device": "dev-c", "start": 900.0, "end": None, "steps": 0},
    ]


def test_topics_and_envelope() -> None:
    env = messages.envelope("dev-a", "u", 4, {"x": 1})
    assert env == {"v": messages.SCHEMA, "device": "dev-a", "session": "u", "seq": 4, "x": 1}
    assert messages.topic("dev-a", "step") == "treadwatch/dev-a/step"


def test_user_mistakes_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from edge.recording.live import make_sinks

    config = parse_config({"fleet": {"enabled": True}, "recording": {"enabled": False}})
    with pytest.raises(ConfigError, match=r"fleet\.enabled needs recording\.enabled"):
        make_sinks(config, required=True)
    assert main(["hub", "--broker", "http://h", "--db", str(tmp_path / "h.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mqtt://host:port" in err
    (tmp_path / "file").write_text("x")
    assert main(["hub", "--broker", "mqtt://h", "--db", str(tmp_path / "file" / "h.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the session database" in err


def test_hub_applies_retention(tmp_path: Path, mosquitto: Mosquitto) -> None:
    db = tmp_path / "hub.db"
    now = time.time()
    with SessionStore(db) as store, store.transaction():
        for uid, days in (("old", 40.0), ("open-old", 50.0), ("new", 2.0), ("open-new", 0.1)):
            sid = store.begin_session(uid, "dev-a", 0.0, {}, started_at=now - days * 86400)
            if not uid.startswith("open"):
                store.end_session(sid, 1.0, reason="ended", ended_at=now - days * 86400)
    hub = HubIngest(db, parse_broker_url(mosquitto.url), client_id="hub-r", retention_days=30)
    hub.start()
    try:
        wait_for(lambda: hub.stats.deleted == 2, 10.0, "retention")
    finally:
        hub.close()
    with SessionStore(db) as store:
        assert sorted(s.uid for s in store.list_sessions()) == ["new", "open-new"]


def test_close_sends_what_was_just_recorded(tmp_path: Path, mosquitto: Mosquitto) -> None:
    """Stopping the device (SIGTERM: recorder closed, then the publisher) sends the session's
    last steps and its end before saying "offline", not at the next start."""
    sub = Subscriber(mosquitto.port, "treadwatch/dev-a/#")
    writer = OutboxWriter("dev-a")
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    pub = FleetPublisher(_fleet(mosquitto), "dev-a", writer, rec.db_path)
    pub.start()
    wait_for(lambda: any(t.endswith("/status") for t, _, _ in sub.got), 10.0, "a status")
    synth = SynthSession(duration_s=3.0, gap=None, alert_every=0)
    rec.session_started("s-2", synth.t0, {})
    for frame in synth:
        rec.frame(*frame)
    rec.close()  # the session ends ("stopped") and is committed with its outbox rows
    pub.close()
    with SessionStore(rec.db_path) as store:
        left = store.conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()[0]
    time.sleep(0.3)
    sub.close()
    assert left == 0
    kinds = [t.rsplit("/", 1)[1] for t, p, _ in sub.got if p != b"stopped"]
    kinds = [k for k in kinds if k != "status"]
    assert kinds == ["session"] + ["step"] * len(synth.strides) + ["session"]
    assert sub.got[-1][1] == b"stopped"
