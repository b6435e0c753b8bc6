"""The hub's ingest: subscribe to ``treadwatch/+/#`` and store every device's sessions.

The hub connects with a fixed client id and ``clean_session = False``: the broker keeps its
subscription and queues its QoS 1 messages while the hub is down. Messages are acknowledged
by hand (paho ``manual_ack``) only after the transaction that stores them committed, so a
hub crash loses nothing either: the broker sends the unacknowledged ones again.

Threads: paho's network thread puts each message on a queue; the writer thread owns the
database connection, stores messages in batches (one transaction each), then acks them.

Storage is the device's own schema (:class:`~edge.recording.store.SessionStore`), written
by :mod:`server.fleet.hub_sessions` after :mod:`server.fleet.validate` checked the message;
each session is tagged with the device id from its topic; statuses go to the live board
(:mod:`server.fleet.board`). ``fleet_received`` holds
(device, session uid, seq) of every stored message: a message seen before is ignored. A
session's records are deleted with it (a trigger, schema version 6): retention bounds them
as it bounds the sessions, and a duplicate can only come while its session is kept.
Steps, alerts and session start/end are stored; landmarks and clips stay on the device.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from edge.fleet import messages
from edge.fleet.config import BrokerSpec
from edge.fleet.mqtt import make_client, stop_client
from edge.recording.retention import apply_retention
from edge.recording.store import SessionStore
from server.fleet.board import Board
from server.fleet.hub_sessions import HubSessions
from server.fleet.validate import (
    BadMessageError,
    parse_alert,
    parse_envelope,
    parse_session,
    parse_step,
    parse_topic,
)

log = logging.getLogger(__name__)

SUBSCRIPTION = f"{messages.ROOT}/+/#"
BATCH_MAX = 1000


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
        self._board = Board()
        self._sessions = HubSessions(self._store)
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
        return self._board.as_json()

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
            keep = self._sessions.open_recently()
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
            self._sessions.forget()
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
            self._sessions.forget()
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("hub: batch of %d failed (%s); storing one by one", len(batch), exc)
            for m in batch:
                try:
                    with store.transaction():
                        self._apply_safely(store, m)
                except Exception as exc2:
                    self._sessions.forget()
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
            self._sessions.forget()  # a session row made for it is gone again
            self.stats.bad += 1
            log.warning("hub: bad message on %s: %s", m.topic, exc)
        store.conn.execute("RELEASE message")

    def _apply(self, store: SessionStore, m: _Incoming) -> None:
        device, kind = parse_topic(m.topic)
        now = time.time()
        if kind == "status":
            self._board.status(device, m.payload, now)
            return
        data, uid, seq = parse_envelope(kind, m.payload)
        if not self._sessions.first_time(device, uid, seq):
            self.stats.duplicates += 1
            return
        self._board.seen(device, now)
        if kind == "session":
            self._sessions.session(device, uid, parse_session(data), now)
        elif kind == "step":
            self._sessions.step(device, uid, parse_step(data), now)
            self.stats.steps += 1
        else:
            self._sessions.alert(device, uid, parse_alert(data), now)
        self.stats.stored += 1
