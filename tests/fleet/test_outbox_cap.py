"""The fleet outbox is capped (``fleet.outbox_max_mib``) and the hub's de-duplication
records go with the sessions retention deletes: an unattended device through a long broker
outage, and a hub running for years, both stay within bounded storage.

Device side: a real SQLite outbox fed by the real recorder, a real Mosquitto stopped for the
outage. Hub side: the real ingest on a real Mosquitto."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.config.root import Config, parse_config
from edge.errors import ConfigError
from edge.fleet.config import FleetConfig, parse_broker_url
from edge.fleet.outbox import OutboxReader, OutboxWriter
from edge.fleet.publisher import FleetPublisher
from edge.live.demo import DemoSource
from edge.recording.live import make_sinks
from edge.recording.recorder import Recorder
from edge.recording.schema import MIGRATIONS
from edge.recording.store import SessionStore
from server.app import create_app
from server.fleet.ingest import HubIngest
from tests.fleet.broker import Mosquitto
from tests.fleet.test_fleet_parts import STEP, Subscriber, _msg, _publish_all
from tests.recording.synth import SynthSession, recording_config
from tests.support.serving import serve

CAP = 8_000  # bytes of queued messages (topic + payload)


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


def _outbox(db: Path) -> list[tuple[int, str, dict[str, Any], int]]:
    """(outbox seq, kind, payload, bytes) of every queued message, oldest first; read
    directly, not through the outbox's own counters."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT seq, topic, payload,"
            " length(CAST(topic AS BLOB)) + length(CAST(payload AS BLOB))"
            " FROM fleet_outbox ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [(int(s), str(t).rsplit("/", 1)[1], json.loads(p), int(n)) for s, t, p, n in rows]


def _record(rec: Recorder, uid: str, duration_s: float) -> SynthSession:
    synth = SynthSession(duration_s=duration_s, gap=None, alert_every=5)
    rec.session_started(uid, synth.t0, {})
    for pose, update, jpeg in synth:
        rec.frame(pose, update, jpeg)
    rec.session_ended(synth.t_end)
    assert rec.flush()
    return synth


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "outbox is full" in r.getMessage()
    ]


def test_outbox_capped_during_an_outage_oldest_steps_first_then_resumes_in_order(
    tmp_path: Path, mosquitto: Mosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.fleet")
    sub = Subscriber(mosquitto.port, "treadwatch/dev-a/#")
    mosquitto.stop()  # the broker is down for the whole of both sessions
    writer = OutboxWriter("dev-a", max_bytes=CAP)
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    fleet = FleetConfig.model_validate(
        {"enabled": True, "broker": mosquitto.url, "device_id": "dev-a", "status_interval_s": 0.5}
    )
    pub = FleetPublisher(fleet, "dev-a", writer, rec.db_path)
    pub.start()
    try:
        queued: list[tuple[str, int, str]] = []  # (session, seq, kind) in queue order
        sizes: list[int] = []
        synths = {}
        for uid, duration in (("s-1", 20.0), ("s-2", 12.0)):
            synth = _record(rec, uid, duration)
            synths[uid] = synth
            n = 1 + len(synth.strides) + len(synth.alerts)
            queued += [(uid, 0, "session")]
            queued += [(uid, k, "data") for k in range(1, n)]
            queued += [(uid, n, "session")]
            left = _outbox(rec.db_path)
            sizes.append(sum(r[3] for r in left))
            assert sizes[-1] <= CAP  # under the cap after every session
        assert len(synths["s-1"].strides) == 57 and len(synths["s-2"].strides) == 34
        biggest = max(r[3] for r in left)
        assert sizes[-1] > CAP - biggest  # no more dropped than needed
        kept = [(p["session"], p["seq"]) for _, _, p, _ in left]
        data_kept = sum(1 for _, kind, _, _ in left if kind != "session")
        dropped = len(queued) - len(left)
        assert dropped > 80  # the cap did bite: most of the steps are gone
        # Every session start and end stays (no orphan on the hub); the steps and alerts
        # left are the newest ones, in the order they were queued.
        sessions = [(u, s) for u, s, k in queued if k == "session"]
        newest_data = [(u, s) for u, s, k in queued if k == "data"][-data_kept:]
        expected = [(u, s) for u, s, _ in queued if (u, s) in set(sessions) | set(newest_data)]
        assert kept == expected
        assert [k for _, k, _, _ in left].count("session") == 4
        # Counted, reported, logged once for the episode; recording untouched.
        reader = OutboxReader(rec.db_path)
        stats = reader.stats()
        reader.close()
        assert (stats.messages, stats.bytes, stats.dropped) == (len(left), sizes[-1], dropped)
        wait_for(
            lambda: pub.fleet_status()["outbox_dropped"] == dropped, 5.0, "the publisher's count"
        )
        assert pub.fleet_status()["outbox"] == len(left)
        assert pub.fleet_status()["connected"] is False
        assert len(_warnings(caplog)) == 1
        with SessionStore(rec.db_path) as store:
            stored = {s.uid: s.n_strides for s in store.list_sessions()}
        assert stored == {"s-1": 57, "s-2": 34}

        mosquitto.start()  # the broker is back: what was kept goes out, in order
        wait_for(lambda: not _outbox(rec.db_path), 20.0, "the outbox to drain")
        got = lambda: [  # noqa: E731
            json.loads(p) for t, p, _ in sub.got if not t.endswith("/status")
        ]
        wait_for(lambda: len(got()) >= len(kept), 10.0, "the subscriber")
        time.sleep(0.3)
        assert [(p["session"], p["seq"]) for p in got()] == kept
        wait_for(
            lambda: any(
                json.loads(p).get("outbox_dropped") == dropped
                for t, p, _ in sub.got
                if t.endswith("/status") and p not in (b"offline", b"stopped")
            ),
            10.0,
            "a status with the dropped count",
        )

        # Delivery is back to normal: a new session arrives whole, nothing more dropped.
        s3 = _record(rec, "s-3", 3.0)
        n3 = 1 + len(s3.strides) + len(s3.alerts) + 1
        wait_for(lambda: len(got()) == len(kept) + n3, 10.0, "session s-3")
        assert [p["seq"] for p in got()[len(kept) :]] == list(range(n3))
        assert any("under its cap again" in r.getMessage() for r in caplog.records)

        # A second outage is a second episode: one more warning, not one per drop.
        mosquitto.stop()
        _record(rec, "s-4", 20.0)
        assert sum(r[3] for r in _outbox(rec.db_path)) <= CAP
        assert len(_warnings(caplog)) == 2
    finally:
        pub.close(timeout_s=1.0)
        rec.close()
        sub.close()


def test_only_session_messages_left_then_whole_sessions_go(tmp_path: Path) -> None:
    """With no step or alert left to drop, the oldest sessions go whole (start and end
    together), so the hub never gets an end without its start."""
    writer = OutboxWriter("dev-a", max_bytes=1500)
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    try:
        for k in range(8):
            rec.session_started(f"e-{k}", 10.0 * k, {"k": k})
            rec.session_ended(10.0 * k + 1.0)
            assert rec.flush()
    finally:
        rec.close()
    left = _outbox(rec.db_path)
    assert sum(r[3] for r in left) <= 1500
    per_session: dict[str, list[int]] = {}
    for _, _, p, _ in left:
        per_session.setdefault(p["session"], []).append(p["seq"])
    assert all(seqs == [0, 1] for seqs in per_session.values())  # starts with their ends
    uids = list(per_session)
    assert uids == [f"e-{k}" for k in range(8 - len(uids), 8)]  # the newest kept
    assert len(uids) >= 3
    with SessionStore(rec.db_path) as store:
        (dropped,) = store.conn.execute("SELECT dropped FROM fleet_outbox_size").fetchone()
    assert dropped == 2 * (8 - len(uids))


def test_messages_in_flight_are_not_dropped(tmp_path: Path) -> None:
    """What the publisher already handed to MQTT (sent again after a reconnect) is not
    counted as dropped: the cap drops the oldest of the rest."""
    writer = OutboxWriter("dev-a", max_bytes=CAP)
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    try:
        rec.session_started("s-i", 100.0, {})
        assert rec.flush()
        writer.sent_upto = 6  # the start and the first 5 messages are in flight
        synth = SynthSession(duration_s=20.0, gap=None, alert_every=5)
        for frame in synth:
            rec.frame(*frame)
        rec.session_ended(synth.t_end)
        assert rec.flush()
    finally:
        rec.close()
    left = _outbox(rec.db_path)
    assert sum(r[3] for r in left) <= CAP
    seqs = [r[0] for r in left]
    assert seqs[:6] == [1, 2, 3, 4, 5, 6]  # in flight: kept
    assert seqs[6] > 7 and seqs[6:] == list(range(seqs[6], seqs[-1] + 1))  # then the newest


def test_a_failing_drop_never_costs_the_recording(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The drop runs in the recorder's transaction: when it fails (here the database refuses
    deletes from the outbox), only the drop is undone; the steps are stored all the same."""
    caplog.set_level(logging.WARNING, logger="edge.fleet")
    db = tmp_path / "sessions.db"
    with SessionStore(db) as store:
        store.conn.execute(
            "CREATE TRIGGER no_drop BEFORE DELETE ON fleet_outbox"
            " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    writer = OutboxWriter("dev-a", max_bytes=CAP)
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    try:
        synth = _record(rec, "s-f", 20.0)
    finally:
        rec.close()
    with SessionStore(db) as store:
        (info,) = store.list_sessions()
        (dropped,) = store.conn.execute("SELECT dropped FROM fleet_outbox_size").fetchone()
    assert info.n_strides == len(synth.strides) == 57 and info.ended_at is not None
    assert dropped == 0
    assert len(_outbox(db)) == 1 + 57 + len(synth.alerts) + 1  # all queued, none dropped
    failed = [r for r in caplog.records if "could not drop" in r.getMessage()]
    assert failed and "disk trouble" in failed[0].getMessage()


def test_migration_counts_what_an_older_outbox_holds(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    conn = sqlite3.connect(db)
    for version, script in enumerate(MIGRATIONS[:4], start=1):
        for statement in script.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    rows = [("treadwatch/d/step", "x" * 100 + "é", 1.0), ("treadwatch/d/session", "{}", 2.0)]
    conn.executemany("INSERT INTO fleet_outbox (topic, payload, created_at) VALUES (?, ?, ?)", rows)
    conn.commit()
    conn.close()
    SessionStore(db).close()  # migrates
    reader = OutboxReader(db)
    try:
        stats = reader.stats()
        assert (stats.messages, stats.bytes, stats.dropped) == (2, 17 + 102 + 20 + 2, 0)
        reader.delete([1])
        stats = reader.stats()
        assert (stats.messages, stats.bytes) == (1, 22)
    finally:
        reader.close()


# --- configuration ------------------------------------------------------------------------


def test_outbox_cap_setting() -> None:
    assert parse_config({}).fleet.outbox_max_mib == 256.0
    assert parse_config({"fleet": {"outbox_max_mib": 1}}).fleet.outbox_max_mib == 1.0
    for bad in (0, 0.5, -3, 1e7):
        with pytest.raises(ConfigError, match=r"fleet\.outbox_max_mib"):
            parse_config({"fleet": {"outbox_max_mib": bad}})
    # The outbox lives in the session database: it must leave room for the sessions.
    with pytest.raises(ConfigError, match=r"fleet\.outbox_max_mib: .*recording\.max_gib"):
        parse_config(
            {"fleet": {"enabled": True, "outbox_max_mib": 300}, "recording": {"max_gib": 1.0}}
        )
    ok = parse_config(
        {"fleet": {"enabled": True, "outbox_max_mib": 256}, "recording": {"max_gib": 1.0}}
    )
    assert ok.fleet.outbox_max_mib == 256.0
    example = Path(__file__).parents[2] / "config.example.toml"
    assert "outbox_max_mib = 256.0" in example.read_text(encoding="utf-8")


def test_api_status_reports_the_outbox(tmp_path: Path, mosquitto: Mosquitto) -> None:
    mosquitto.stop()
    cfg = Config.model_validate(
        {
            "capture": {"demo_phase_s": 5.0},
            "recording": recording_config(tmp_path).model_dump(),
            "fleet": {"enabled": True, "broker": mosquitto.url, "device_id": "dev-s"},
        }
    )
    sinks = make_sinks(cfg)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host:
            status = httpx.get(f"http://{host}/api/status", timeout=10.0).json()
    finally:
        sinks.close()
    fleet = status["fleet"]
    assert fleet["connected"] is False and fleet["device_id"] == "dev-s"
    assert fleet["outbox_max_bytes"] == 256 * 1024 * 1024
    assert fleet["outbox"] >= 0 and fleet["outbox_dropped"] == 0
    assert status["health"]["status"] == "ok"  # a broker outage does not degrade the device


# --- hub ----------------------------------------------------------------------------------


def test_hub_retention_purges_old_dedup_records_and_keeps_recent_ones(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    db = tmp_path / "hub.db"
    now = time.time()
    with SessionStore(db) as store, store.transaction() as conn:
        for uid, days in (("old", 40.0), ("new", 2.0)):
            sid = store.begin_session(uid, "dev-b", 0.0, {}, started_at=now - days * 86400)
            store.end_session(sid, 1.0, reason="ended", ended_at=now - days * 86400 + 60)
            conn.executemany(
                "INSERT INTO fleet_received (device_id, session_uid, seq) VALUES (?, ?, ?)",
                [("dev-b", uid, k) for k in range(500)],
            )
    hub = HubIngest(db, parse_broker_url(mosquitto.url), client_id="hub-p", retention_days=30)
    hub.start()
    try:
        wait_for(lambda: hub.stats.deleted == 1, 10.0, "retention")
        wait_for(hub.connected.is_set, 10.0, "the hub to subscribe")
        with SessionStore(db) as store:
            left = store.conn.execute(
                "SELECT session_uid, COUNT(*) FROM fleet_received GROUP BY session_uid"
            ).fetchall()
        assert left == [("new", 500)]  # the old session's records went with it
        # De-duplication of what is kept still works; a new message is stored.
        t = "treadwatch/dev-b/step"
        _publish_all(
            mosquitto.port,
            [(t, _msg(7, STEP, uid="new")), (t, _msg(500, {**STEP, "index": 500}, uid="new"))],
        )
        wait_for(lambda: hub.stats.received == 2 and hub.idle(), 10.0, "the hub to store")
    finally:
        hub.close()
    assert (hub.stats.stored, hub.stats.duplicates) == (1, 1)
    with SessionStore(db) as store:
        (n,) = store.conn.execute("SELECT COUNT(*) FROM fleet_received").fetchone()
    assert n == 501
