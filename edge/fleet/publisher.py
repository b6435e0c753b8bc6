"""The device's MQTT publisher: drains the outbox in order and publishes the live status.

:class:`FleetPublisher` is a :class:`~edge.live.sink.PipelineSink` for the *status* only
(runner present, current cue, cadence, fps): its sink methods update a few fields and
return; nothing on the analysis thread touches the network or the disk. Steps, alerts and
sessions reach the outbox through the recorder (:mod:`edge.fleet.outbox`).

Threads: paho's network thread (connects, reconnects, calls ``on_connect``,
``on_disconnect``, ``on_publish``) and the publisher thread, which owns the outbox
connection: it reads the next messages after ``_cursor``, publishes them with QoS 1 (at
most :data:`INFLIGHT` unacknowledged), and deletes each when its PUBACK arrives
(``on_publish`` only queues the message id). When the connection drops, paho keeps the
unacknowledged ones and sends them again first on reconnect, so the order holds; after a
restart the cursor starts at the oldest message left in the outbox.

The backlog in the status (``outbox``, ``outbox_dropped``: messages dropped at the cap
``fleet.outbox_max_mib``, see :mod:`edge.fleet.outbox`) is one row the outbox's triggers
keep, read every loop while the broker is away: no count over the queue.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from edge.fleet import messages
from edge.fleet.config import FleetConfig
from edge.fleet.discovery import discovery_messages
from edge.fleet.mqtt import make_client, stop_client
from edge.fleet.outbox import OutboxReader, OutboxWriter
from edge.gait.records import AnalysisUpdate
from edge.landmarks import PoseResult

log = logging.getLogger(__name__)

STATUS_QOS = 1
#: MQTT keep-alive (s): the broker declares the device offline after 1.5 times this.
KEEPALIVE_S = 30
#: Messages handed to the broker and not yet acknowledged, at most.
INFLIGHT = 100


class FleetPublisher:
    """Publishes one device's outbox and status to the broker. Build, then :meth:`start`."""

    #: The pipeline need not encode video for this sink.
    wants_video = False

    def __init__(
        self, config: FleetConfig, device_id: str, writer: OutboxWriter, db_path: Path
    ) -> None:
        self.config = config
        self.device_id = device_id
        self._writer = writer
        self._db_path = db_path
        self._status_topic = messages.topic(device_id, "status")
        self._client = make_client(
            f"treadwatch-{device_id}",
            config.broker_spec(),
            clean_session=True,
            tls_ca_file=config.tls_ca_file,
        )
        self._client.will_set(self._status_topic, messages.OFFLINE, qos=STATUS_QOS, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._acks: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._closing = False
        self._connected = threading.Event()
        self._announce = threading.Event()  # (re)connected: discovery and status again
        self._thread: threading.Thread | None = None
        # Publisher thread only:
        self._inflight: dict[int, int] = {}  # paho message id -> outbox seq
        self._drain_asked = 0  # close() asks (any thread) ...
        self._drained = 0  # ... the thread answers: all acknowledged as of that request
        self._cursor = 0
        self.published = 0
        self.acked = 0
        self.backlog = 0
        self.backlog_bytes = 0
        self.outbox_dropped = 0  # dropped at the cap (fleet.outbox_max_mib), ever
        # Live state, written by the analysis thread (plain attribute writes):
        self._session: str | None = None
        self._present = False
        self._cues: dict[str, tuple[int, str]] = {}
        self._cadence: float | None = None
        self._frames = 0
        self._status_mono = time.monotonic()
        self._changed = threading.Event()
        self.last_error: str | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        spec = self.config.broker_spec()
        self._client.connect_async(spec.host, spec.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, name="fleet-publisher", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop: send what the broker takes within ``timeout_s``, then say "stopped" (the
        hub's board shows it idle, not lost)."""
        deadline = time.monotonic() + timeout_s
        self._drain_asked += 1  # the thread answers after its next full look at the outbox
        asked = self._drain_asked
        self._writer.wake.set()
        while time.monotonic() < deadline and self._connected.is_set() and self._drained < asked:
            time.sleep(0.05)
        self._closing = True
        self._stop.set()
        self._writer.wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._connected.is_set():
            info = self._client.publish(
                self._status_topic, messages.STOPPED, qos=STATUS_QOS, retain=True
            )
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(max(0.1, deadline - time.monotonic()))
        stop_client(self._client)

    # --- PipelineSink (analysis thread) ------------------------------------------------------

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        self._session = session_id
        self._cues = {}
        self._cadence = None
        self._changed.set()

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        self._frames += 1
        if pose.detected != self._present:
            self._present = pose.detected
            self._changed.set()
        if update.alerts:
            cues = dict(self._cues)
            for a in update.alerts:
                if a.state == "raised":
                    cues[a.rule] = (a.priority, a.cue)
                else:
                    cues.pop(a.rule, None)
            self._cues = cues
            self._changed.set()
        for s in update.strides:
            m = s.metrics.get("cadence_spm")
            if m is not None and m.value is not None:
                self._cadence = m.value

    def session_ended(self, t_s: float) -> None:
        self._session = None
        self._present = False
        self._cues = {}
        self._cadence = None
        self._changed.set()

    def fleet_status(self) -> dict[str, Any]:
        """For ``/api/status``: the broker connection and the outbox (any thread)."""
        return {
            "device_id": self.device_id,
            "connected": self._connected.is_set(),
            "outbox": self.backlog,
            "outbox_bytes": self.backlog_bytes,
            "outbox_max_bytes": self._writer.max_bytes,
            "outbox_dropped": self.outbox_dropped,
            "last_error": self.last_error,
        }

    def current_cue(self) -> str | None:
        cues = self._cues
        if not cues:
            return None
        return min(cues.values())[1]  # the lower priority number wins

    # --- paho network thread -----------------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        if rc.is_failure:
            self.last_error = f"broker refused the connection: {rc}"
            log.warning("fleet: %s", self.last_error)
            return
        log.info("fleet: connected to the broker as %s", self.device_id)
        self.last_error = None
        self._connected.set()
        self._announce.set()
        self._writer.wake.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode, props: Any
    ) -> None:
        if self._connected.is_set() and not self._closing:
            log.warning("fleet: lost the broker (%s); messages wait in the outbox", rc)
        self._connected.clear()

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, rc: ReasonCode, props: Any
    ) -> None:
        self._acks.put(mid)
        self._writer.wake.set()

    # --- publisher thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            reader = OutboxReader(self._db_path)
        except Exception as exc:
            self.last_error = f"cannot open the outbox: {exc}"
            log.error("fleet: %s", self.last_error)
            return
        next_status = 0.0
        try:
            while not self._stop.is_set():
                self._writer.wake.wait(0.25)
                self._writer.wake.clear()
                asked = self._drain_asked
                try:
                    self._take_acks(reader)
                    if self._connected.is_set():
                        if self._announce.is_set():
                            self._announce.clear()
                            self._send_discovery()
                            next_status = 0.0
                        if self._send_more(reader) == 0 and not self._inflight:
                            self._drained = asked
                        now = time.monotonic()
                        if self._changed.is_set() or now >= next_status:
                            self._changed.clear()
                            next_status = now + self.config.status_interval_s
                            self._read_backlog(reader)
                            self._send_status()
                    else:
                        self._read_backlog(reader)
                except Exception as exc:  # keep publishing whatever happens
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.exception("fleet publisher error")
                    time.sleep(0.5)
            self._take_acks(reader)
        finally:
            reader.close()

    def _read_backlog(self, reader: OutboxReader) -> None:
        stats = reader.stats()  # one row: the totals the outbox's triggers keep
        self.backlog, self.backlog_bytes = stats.messages, stats.bytes
        self.outbox_dropped = stats.dropped

    def _take_acks(self, reader: OutboxReader) -> None:
        done: list[int] = []
        while True:
            try:
                mid = self._acks.get_nowait()
            except queue.Empty:
                break
            seq = self._inflight.pop(mid, None)
            if seq is not None:
                done.append(seq)
        if done:
            reader.delete(done)
            self.acked += len(done)
        if not self._inflight:
            self._writer.sent_upto = 0  # nothing held by MQTT: the cap may drop any

    def _send_more(self, reader: OutboxReader) -> int:
        """Publish the next messages (as many as the in-flight window allows); how many."""
        room = INFLIGHT - len(self._inflight)
        if room <= 0:
            return 0
        if not self._inflight:
            # Nothing unacknowledged: start again at the oldest message left (first run).
            self._cursor = 0
        batch = reader.after(self._cursor, room)
        for msg in batch:
            self._writer.sent_upto = msg.seq  # MQTT will hold it: not for the cap to drop
            info = self._client.publish(msg.topic, msg.payload, qos=1)
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self.last_error = f"publish failed: {mqtt.error_string(info.rc)}"
                break
            self._inflight[info.mid] = msg.seq
            self._cursor = msg.seq
            self.published += 1
        return len(batch)

    def _send_status(self) -> None:
        now = time.monotonic()
        frames, self._frames = self._frames, 0
        elapsed, self._status_mono = now - self._status_mono, now
        payload = messages.status_payload(
            state="running" if self._session is not None else "idle",
            runner_present=self._present,
            fps=frames / elapsed if elapsed > 0 else 0.0,
            health="ok" if self.last_error is None else self.last_error,
            session=self._session,
            cue=self.current_cue(),
            cadence_spm=self._cadence,
            outbox=self.backlog,
            outbox_dropped=self.outbox_dropped,
            wall=time.time(),
        )
        self._client.publish(self._status_topic, json.dumps(payload), qos=STATUS_QOS, retain=True)

    def _send_discovery(self) -> None:
        if not self.config.homeassistant:
            return
        for topic, payload in discovery_messages(self.device_id, self.config.discovery_prefix):
            self._client.publish(topic, payload, qos=1, retain=True)
