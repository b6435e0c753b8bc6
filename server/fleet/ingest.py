"""The hub's ingest: subscribe to ``treadwatch/+/#`` and store every device's sessions.

The hub connects with a fixed client id and ``clean_session = False``: the broker keeps its
subscription and queues its QoS 1 messages while the hub is down. Messages are acknowledged
by hand (paho ``manual_ack``) only after the transaction that stores them committed, so a
hub crash loses nothing either: the broker sends the unacknowledged ones again.

Threads: paho's network thread puts each message on a queue; the writer thread owns the
database connection, stores messages in batches (one transaction each), then acks them.

Storage is the device's own schema (:class:`~edge.recording.store.SessionStore`); each
session is tagged with the device id from its topic. ``fleet_received`` holds
(device, session uid, seq) of every stored message: a message seen before is ignored. A
session's records are deleted with it (a trigger, schema version 6): retention bounds them
as it bounds the sessions, and a duplicate can only come while its session is kept.
Steps, alerts and session start/end are stored; landmarks and clips stay on the device.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from edge.fleet import messages
from edge.fleet.config import DEVICE_ID_RE, BrokerSpec
from edge.fleet.mqtt import make_client, stop_client
from edge.gait.records import AlertRecord, AlertState
from edge.recording.retention import apply_retention
from edge.recording.store import SessionStore

log = logging.getLogger(__name__)

SUBSCRIPTION = f"{messages.ROOT}/+/#"
BATCH_MAX = 1000


class BadMessageError(ValueError):
    """A payload the hub cannot use (counted, acknowledged, dropped)."""


@dataclass
class DeviceBoard:
    """What the live board shows of one device."""

    device: str
    online: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    last_seen: float | None = None  # hub wall clock of the last message

    def as_json(self) -> dict[str, Any]:
        s = self.status
        in_use = self.online and s.get("state") == "running"
        return {
            "device": self.device,
            "online": self.online,
            "state": s.get("state", "offline") if self.online else "offline",
            "runner_present": bool(s.get("runner_present")) if self.online else False,
            "cue": s.get("cue") if in_use else None,
            "cadence_spm": s.get("cadence_spm") if in_use else None,
            "fps": s.get("fps"),
            "health": s.get("health"),
            "outbox": s.get("outbox"),
            "outbox_dropped": s.get("outbox_dropped"),
            "session": s.get("session") if self.online else None,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True, slots=True)
class _Incoming:
    topic: str
    payload: bytes
    mid: int
    qos: int


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0
    steps: int = 0
    duplicates: int = 0
    bad: int = 0
    batches: int = 0
    deleted: int = 0  # sessions removed by retention
    last_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _num(data: dict[str, Any], key: str) -> float:
    v = data.get(key)
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise BadMessageError(f"{key} is not a number")
    return float(v)


def _metrics_text(metrics: dict[str, Any]) -> str:
    """A step's metrics checked (the stored form: ``{name: {value, unit, ...}}``, finite
    numbers) and encoded once, without building records."""
    for name, m in metrics.items():
        if not isinstance(m, dict):  # fields this hub does not know are kept (and ignored)
            raise BadMessageError(f"metric {name!r} is not {{value, unit, ...}}")
        for key in ("value", "confidence"):
            v = m.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise BadMessageError(f"metric {name!r}: {key} is not a number")
        for key in ("unit", "reason", "label"):
            if m.get(key) is not None and not isinstance(m[key], str):
                raise BadMessageError(f"metric {name!r}: {key} is not text")
    try:
        return json.dumps(metrics, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise BadMessageError(f"bad metrics: {exc}") from None


class HubIngest:
    """Subscribes and stores. :meth:`start`, then :meth:`close`."""

    def __init__(
        self,
        db_path: Path,
        broker: BrokerSpec,
        *,
        client_id: str = "treadwatch-hub",
        tls_ca_file: Path | None = None,
        retention_days: float = 0.0,
        max_bytes: int | None = None,
        retention_interval_s: float = 600.0,
    ) -> None:
        """``retention_days`` (0: keep) and ``max_bytes`` (None: no limit) are applied at
        start and every ``retention_interval_s``, as on a device (the oldest go first)."""
        self.db_path = Path(db_path)
        self._retention = (retention_days, max_bytes, retention_interval_s)
        self.broker = broker
        self.stats = IngestStats()
        self._store = SessionStore(self.db_path)  # opened now: a bad path fails at start
        self._queue: queue.SimpleQueue[_Incoming | None] = queue.SimpleQueue()
        self._board: dict[str, DeviceBoard] = {}
        self._board_lock = threading.Lock()
        self._sids: dict[tuple[str, str], int] = {}
        self._pending = 0  # messages queued and not yet stored (any thread reads)
        self._pending_lock = threading.Lock()
        self.connected = threading.Event()
        self._client = make_client(
            client_id, broker, clean_session=False, tls_ca_file=tls_ca_file, manual_ack=True
        )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._thread = threading.Thread(target=self._run, name="hub-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()

    def close(self, timeout_s: float = 10.0) -> None:
        stop_client(self._client)
        self._queue.put(None)
        self._thread.join(timeout_s)

    def idle(self) -> bool:
        """Nothing received is waiting to be stored."""
        with self._pending_lock:
            return self._pending == 0

    def board(self) -> list[dict[str, Any]]:
        with self._board_lock:
            return [self._board[d].as_json() for d in sorted(self._board)]

    # --- paho network thread -------------------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        if rc.is_failure:
            self.stats.last_error = f"broker refused the connection: {rc}"
            log.warning("hub: %s", self.stats.last_error)
            return
        client.subscribe(SUBSCRIPTION, qos=1)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, codes: list[ReasonCode], props: Any
    ) -> None:
        """Connected means subscribed: a message published before the broker granted the
        subscription (on a first connection) would not reach this hub."""
        if any(c.is_failure for c in codes):
            self.stats.last_error = f"broker refused the subscription to {SUBSCRIPTION}"
            log.error("hub: %s (check the broker's ACL for this user)", self.stats.last_error)
            return
        self.connected.set()
        log.info("hub: subscribed to %s", SUBSCRIPTION)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._pending_lock:
            self._pending += 1
        self._queue.put(_Incoming(msg.topic, bytes(msg.payload), msg.mid, msg.qos))

    # --- writer thread -------------------------------------------------------------------------

    def _apply_retention(self, store: SessionStore) -> None:
        days, max_bytes, _ = self._retention
        if days <= 0 and max_bytes is None:
            return
        try:
            # Sessions still coming in stay; one left open for a day (its device never came
            # back to close it) is old data like any other.
            keep = [
                r[0]
                for r in store.conn.execute(
                    "SELECT id FROM sessions WHERE ended_at IS NULL AND started_at > ?",
                    (time.time() - 86400.0,),
                )
            ]
            deleted = apply_retention(
                store,
                max_age_days=days,
                max_bytes=max_bytes if max_bytes is not None else 2**62,
                keep=keep,
            )
        except Exception as exc:
            self.stats.last_error = f"retention: {type(exc).__name__}: {exc}"
            log.warning("hub: %s", self.stats.last_error)
            return
        if deleted:
            self._sids.clear()
            self.stats.deleted += len(deleted)
            log.info("hub: retention deleted %d session(s)", len(deleted))

    def _run(self) -> None:
        store = self._store
        interval = self._retention[2]
        next_retention = 0.0
        try:
            while True:
                if time.monotonic() >= next_retention:
                    self._apply_retention(store)
                    next_retention = time.monotonic() + interval
                try:
                    first = self._queue.get(timeout=min(interval, 5.0))
                except queue.Empty:
                    continue
                if first is None:
                    return
                batch = [first]
                stop = False
                while len(batch) < BATCH_MAX:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    batch.append(nxt)
                self._store_batch(store, batch)
                if stop:
                    return
        finally:
            store.close()

    def _store_batch(self, store: SessionStore, batch: list[_Incoming]) -> None:
        self.stats.received += len(batch)
        try:
            with store.transaction():
                for m in batch:
                    self._apply_safely(store, m)
        except Exception as exc:  # the whole batch rolled back: one by one, to keep the rest
            self._sids.clear()
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("hub: batch of %d failed (%s); storing one by one", len(batch), exc)
            for m in batch:
                try:
                    with store.transaction():
                        self._apply_safely(store, m)
                except Exception as exc2:
                    self._sids.clear()
                    self.stats.bad += 1
                    self.stats.last_error = f"{type(exc2).__name__}: {exc2}"
                    log.error("hub: message on %s dropped: %s", m.topic, exc2)
        self.stats.batches += 1
        for m in batch:
            if m.qos > 0:
                self._client.ack(m.mid, m.qos)
        with self._pending_lock:
            self._pending -= len(batch)

    def _apply_safely(self, store: SessionStore, m: _Incoming) -> None:
        """Apply one message inside the batch's transaction; a bad one leaves no trace."""
        store.conn.execute("SAVEPOINT message")
        try:
            self._apply(store, m)
        except BadMessageError as exc:
            store.conn.execute("ROLLBACK TO message")
            self._sids.clear()  # a session row made for it is gone again
            self.stats.bad += 1
            log.warning("hub: bad message on %s: %s", m.topic, exc)
        store.conn.execute("RELEASE message")

    def _apply(self, store: SessionStore, m: _Incoming) -> None:
        parts = m.topic.split("/")
        if len(parts) != 3 or parts[0] != messages.ROOT or not DEVICE_ID_RE.match(parts[1]):
            raise BadMessageError("unexpected topic")
        device, kind = parts[1], parts[2]
        now = time.time()
        if kind == "status":
            self._on_status(device, m.payload, now)
            return
        if kind not in messages.KINDS:
            raise BadMessageError(f"unknown message kind {kind!r}")
        try:
            data = json.loads(m.payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadMessageError(f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadMessageError("not a JSON object")
        version, uid, seq = data.get("v"), data.get("session"), data.get("seq")
        if not isinstance(version, int) or version > messages.SCHEMA:
            raise BadMessageError(f"schema version {version!r} is newer than this hub's")
        if not isinstance(uid, str) or not uid or not isinstance(seq, int):
            raise BadMessageError("no session uid or sequence number")
        cur = store.conn.execute(
            "INSERT OR IGNORE INTO fleet_received (device_id, session_uid, seq) VALUES (?, ?, ?)",
            (device, uid, seq),
        )
        if cur.rowcount == 0:
            self.stats.duplicates += 1
            return
        with self._board_lock:
            self._board.setdefault(device, DeviceBoard(device)).last_seen = now
        if kind == "session":
            self._on_session(store, device, uid, data, now)
        elif kind == "step":
            self._on_step(store, device, uid, data, now)
        else:
            self._on_alert(store, device, uid, data, now)
        self.stats.stored += 1

    def _on_status(self, device: str, payload: bytes, now: float) -> None:
        text = payload.decode("utf-8", "replace").strip()
        with self._board_lock:
            b = self._board.setdefault(device, DeviceBoard(device))
            b.last_seen = now
            if text == messages.OFFLINE or not text:
                b.online = False
                return
            try:
                status = json.loads(text)
            except json.JSONDecodeError:
                raise BadMessageError("status is neither JSON nor 'offline'") from None
            if not isinstance(status, dict):
                raise BadMessageError("status is not a JSON object")
            b.online = True
            b.status = status

    def _sid(self, store: SessionStore, device: str, uid: str, t_s: float, now: float) -> int:
        """The hub's id of a device's session (a placeholder when its start is not here)."""
        key = (device, uid)
        sid = self._sids.get(key)
        if sid is not None:
            return sid
        row = store.conn.execute(
            "SELECT id FROM sessions WHERE device_id = ? AND uid = ? ORDER BY id DESC",
            (device, uid),
        ).fetchone()
        sid = (
            int(row[0])
            if row is not None
            else store.begin_session(uid, device, t_s, {}, started_at=now)
        )
        self._sids[key] = sid
        return sid

    def _on_session(
        self, store: SessionStore, device: str, uid: str, data: dict[str, Any], now: float
    ) -> None:
        event = data.get("event")
        t_s = _num(data, "t_s")
        if event == "start":
            key = (device, uid)
            row = store.conn.execute(
                "SELECT id FROM sessions WHERE device_id = ? AND uid = ?", (device, uid)
            ).fetchone()
            settings = data.get("settings")
            settings_json = json.dumps(settings if isinstance(settings, dict) else {})
            started_at = _num(data, "started_at")
            if row is None:
                self._sids[key] = store.begin_session(
                    uid,
                    device,
                    t_s,
                    settings if isinstance(settings, dict) else {},
                    started_at=started_at,
                )
            else:  # a step came first: complete the placeholder
                store.conn.execute(
                    "UPDATE sessions SET t_start_s = ?, started_at = ?, settings_json = ?"
                    " WHERE id = ?",
                    (t_s, started_at, settings_json, row[0]),
                )
        elif event == "end":
            sid = self._sid(store, device, uid, t_s, now)
            summary = data.get("summary")
            summary = summary if isinstance(summary, dict) else {}
            reason = data.get("reason")
            store.end_session(
                sid,
                t_s,
                reason=reason if isinstance(reason, str) else "ended",
                ended_at=_num(data, "ended_at"),
            )
            frames, unstored = summary.get("frames"), summary.get("frames_unstored")
            if isinstance(frames, int) and isinstance(unstored, int):
                store.set_counts(sid, frames, unstored)
        else:
            raise BadMessageError(f"unknown session event {event!r}")

    def _on_step(
        self, store: SessionStore, device: str, uid: str, data: dict[str, Any], now: float
    ) -> None:
        t_s = _num(data, "t_s")
        metrics = data.get("metrics")
        foot, index, frame_index = data.get("foot"), data.get("index"), data.get("frame_index")
        if foot not in ("left", "right") or not isinstance(index, int):
            raise BadMessageError("a step needs foot (left/right) and index")
        if not isinstance(frame_index, int) or not isinstance(metrics, dict):
            raise BadMessageError("a step needs frame_index and metrics")
        text = _metrics_text(metrics)
        sid = self._sid(store, device, uid, t_s, now)
        store.insert_stride_json(sid, index, foot, frame_index, t_s, text)
        self.stats.steps += 1

    def _on_alert(
        self, store: SessionStore, device: str, uid: str, data: dict[str, Any], now: float
    ) -> None:
        t_s = _num(data, "t_s")
        state, rule, cue = data.get("state"), data.get("rule"), data.get("cue")
        stride_index, priority = data.get("stride_index"), data.get("priority")
        value = data.get("value")
        if state not in ("raised", "cleared") or not isinstance(rule, str):
            raise BadMessageError("an alert needs state (raised/cleared) and rule")
        if not isinstance(cue, str) or not isinstance(stride_index, int):
            raise BadMessageError("an alert needs cue and stride_index")
        if not isinstance(priority, int):
            raise BadMessageError("an alert needs priority")
        if value is not None and not isinstance(value, int | float):
            raise BadMessageError("alert value is not a number")
        feedback = data.get("feedback")  # absent from older devices' messages
        if feedback is not None and not isinstance(feedback, str):
            raise BadMessageError("alert feedback is not text")
        sid = self._sid(store, device, uid, t_s, now)
        store.insert_alerts(
            sid,
            [
                AlertRecord(
                    cast(AlertState, state),
                    rule,
                    cue,
                    None if value is None else float(value),
                    stride_index,
                    t_s,
                    priority,
                    feedback or None,
                )
            ],
        )
