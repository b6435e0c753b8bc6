"""The fleet outbox: messages for the broker, in the device's session database.

Writing: :class:`OutboxWriter` is a :class:`~edge.recording.commit.CommitHook` of the
recorder, so a step, an alert or a session's start and end is queued in the *same*
transaction that stores it on the device. What the device has, the hub will get, even
across a ``kill -9`` or a power cut; nothing is queued that the device did not keep.

Reading: :class:`OutboxReader` (the publisher's own connection) reads the queue in order
and deletes a message only once the broker acknowledged it (PUBACK).

Sequence numbers: per session, 0 for the start, then one per message, kept in
``fleet_open_sessions`` (in the database, so a rolled-back commit takes its numbers back).
A session whose end was never queued (the device crashed) gets its end queued by
:meth:`OutboxWriter.recover` at the next start, from what the recorder made of it.

The cap (``fleet.outbox_max_mib``): triggers keep the queue's totals in
``fleet_outbox_size`` (messages, topic + payload bytes), so each commit checks the cap with
one row read. Over it, in the same transaction, the oldest *steps and alerts* are dropped
first; session starts and ends stay, so every session the hub gets has its real start (time,
settings) and its end (with the step count the device recorded, against which the hub's
gaps show). Only when nothing but session messages is left do the oldest sessions go, start
and end together. Messages already handed to MQTT (in flight: paho sends them again after a
reconnect) are not dropped. Drops are counted (``fleet_outbox_size.dropped``, in the
status) and logged once per episode. Recording itself is never held up: a failed drop is
undone alone.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.fleet import messages
from edge.recording.commit import CommitBatch
from edge.recording.store import SessionStore
from edge.redact import redact

log = logging.getLogger(__name__)

#: Messages that may be dropped first: anything but a session's start or end.
_DATA = "topic NOT LIKE '%/session'"
_SIZE = "length(CAST(topic AS BLOB)) + length(CAST(payload AS BLOB))"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    seq: int
    topic: str
    payload: str


@dataclass(frozen=True, slots=True)
class OutboxStats:
    messages: int  # queued
    bytes: int  # their topic + payload bytes
    dropped: int  # dropped at the cap since the database was made


def outbox_stats(conn: sqlite3.Connection) -> OutboxStats:
    """The outbox's totals (one row read, kept by triggers)."""
    row = conn.execute(
        "SELECT messages, bytes, dropped FROM fleet_outbox_size WHERE id = 1"
    ).fetchone()
    return OutboxStats(0, 0, 0) if row is None else OutboxStats(*(int(x) for x in row))


def _frame_size(settings: dict[str, Any]) -> tuple[int, int] | None:
    """The frame size kept with the session (its settings' ``frame``), if known."""
    frame = settings.get("frame")
    if not isinstance(frame, dict):
        return None
    w, h = frame.get("width"), frame.get("height")
    if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0:
        return w, h
    return None


class OutboxWriter:
    """Queues the fleet messages of what the recorder commits (recorder writer thread)."""

    def __init__(
        self,
        device_id: str,
        wall_clock: Callable[[], float] = time.time,
        max_bytes: int | None = None,
    ) -> None:
        """``max_bytes``: the cap on queued topic + payload bytes (None: no cap)."""
        self.device_id = device_id
        self._wall = wall_clock
        self.max_bytes = max_bytes
        #: Set by the publisher (its thread): messages up to this seq were handed to MQTT,
        #: which sends them again after a reconnect; the cap does not drop them (0: none).
        self.sent_upto = 0
        self._full = False  # dropping since the last commit that fitted (writer thread)
        self._episode_dropped = 0
        #: Set after every commit that may have queued messages (the publisher waits on it).
        self.wake = threading.Event()

    def _rows(
        self, uid: str, seq: int, kind: str, body: dict[str, Any], now: float
    ) -> tuple[str, str, float]:
        payload = messages.dumps(messages.envelope(self.device_id, uid, seq, body))
        return (messages.topic(self.device_id, kind), payload, now)

    def on_commit(self, store: SessionStore, batch: CommitBatch) -> None:
        conn = store.conn
        now = self._wall()
        rows: list[tuple[str, str, float]] = []
        if batch.created:
            conn.execute(
                "INSERT OR REPLACE INTO fleet_open_sessions (uid, next_seq) VALUES (?, 0)",
                (batch.uid,),
            )
        found = conn.execute(
            "SELECT next_seq FROM fleet_open_sessions WHERE uid = ?", (batch.uid,)
        ).fetchone()
        if found is None:
            return  # a session begun before fleet reporting was on
        seq = int(found[0])
        if batch.created:
            start = messages.session_start(
                batch.uid,
                batch.t_start_s,
                batch.started_at,
                redact(batch.settings),
                _frame_size(batch.settings),
            )
            rows.append(self._rows(batch.uid, seq, "session", start, now))
            seq += 1
        # Steps and alerts in capture-time order (a cue raised at a step follows the step).
        items: list[tuple[float, int, str, dict[str, Any]]] = [
            (s.t_s, 0, "step", messages.step(s)) for s in batch.strides
        ]
        items += [(a.t_s, 1, "alert", messages.alert(a)) for a in batch.alerts]
        items.sort(key=lambda x: (x[0], x[1]))
        for _, _, kind, body in items:
            rows.append(self._rows(batch.uid, seq, kind, body, now))
            seq += 1
        if batch.end is not None:
            rows.append(self._rows(batch.uid, seq, "session", self._end_body(store, batch), now))
            conn.execute("DELETE FROM fleet_open_sessions WHERE uid = ?", (batch.uid,))
        else:
            conn.execute(
                "UPDATE fleet_open_sessions SET next_seq = ? WHERE uid = ?", (seq, batch.uid)
            )
        conn.executemany(
            "INSERT INTO fleet_outbox (topic, payload, created_at) VALUES (?, ?, ?)", rows
        )
        if rows:
            self._cap(conn)

    # --- the cap ---------------------------------------------------------------------------

    def _cap(self, conn: sqlite3.Connection) -> None:
        """Drop the oldest messages while the outbox is over :attr:`max_bytes` (inside the
        recorder's transaction, after this commit's messages were queued)."""
        if self.max_bytes is None:
            return
        stats = outbox_stats(conn)
        excess = stats.bytes - self.max_bytes
        if excess <= 0:
            # The episode ends once the broker took a good part of the queue (a drop may
            # free more than needed: a small message fitting in that slack does not count).
            if self._full and stats.bytes <= self.max_bytes // 2:
                self._full = False
                log.info(
                    "fleet: the outbox is under its cap again: %d message(s) dropped while it "
                    "was full (%d in all)",
                    self._episode_dropped,
                    stats.dropped,
                )
            return
        conn.execute("SAVEPOINT fleet_cap")
        try:
            n = self._drop_data(conn, excess, self.sent_upto)
            conn.execute("UPDATE fleet_outbox_size SET dropped = dropped + ? WHERE id = 1", (n,))
        except sqlite3.Error as exc:  # never fail the recorder's commit over the outbox
            conn.execute("ROLLBACK TO fleet_cap")
            conn.execute("RELEASE fleet_cap")
            log.warning("fleet: could not drop messages from the full outbox: %s", exc)
            return
        conn.execute("RELEASE fleet_cap")
        if not self._full:
            self._full = True
            self._episode_dropped = 0
            log.warning(
                "fleet: the outbox is full (%.3g MiB, fleet.outbox_max_mib): the broker has "
                "not taken messages for a while; dropping the oldest steps and alerts (sessions "
                "stay recorded on this device; count in the status as outbox_dropped)",
                self.max_bytes / 1024 / 1024,
            )
        self._episode_dropped += n

    @staticmethod
    def _drop_data(conn: sqlite3.Connection, excess: int, after: int) -> int:
        """Drop the oldest steps and alerts queued after seq ``after`` until ``excess`` bytes
        are freed, then (only session messages left) the oldest sessions whole. Returns how
        many were dropped."""
        freed = 0
        first = last = -1
        n = 0
        cur = conn.execute(
            f"SELECT seq, {_SIZE} FROM fleet_outbox WHERE seq > ? AND {_DATA} ORDER BY seq",
            (after,),
        )
        try:
            while freed < excess:
                chunk = cur.fetchmany(64)
                if not chunk:
                    break
                for seq, size in chunk:
                    if n == 0:
                        first = seq
                    last = seq
                    freed += int(size)
                    n += 1
                    if freed >= excess:
                        break
        finally:
            cur.close()
        if n:
            conn.execute(
                f"DELETE FROM fleet_outbox WHERE seq BETWEEN ? AND ? AND {_DATA}", (first, last)
            )
        while freed < excess:  # nothing but session starts and ends left
            row = conn.execute(
                "SELECT seq, json_extract(payload, '$.session') FROM fleet_outbox"
                " WHERE seq > ? ORDER BY seq LIMIT 1",
                (after,),
            ).fetchone()
            if row is None:
                break
            gone = conn.execute(
                f"SELECT seq, {_SIZE} FROM fleet_outbox"
                " WHERE seq > ? AND (seq = ? OR json_extract(payload, '$.session') = ?)",
                (after, row[0], row[1]),
            ).fetchall()
            conn.executemany("DELETE FROM fleet_outbox WHERE seq = ?", [(g[0],) for g in gone])
            freed += sum(int(g[1]) for g in gone)
            n += len(gone)
        return n

    def committed(self) -> None:
        self.wake.set()

    @staticmethod
    def _counts(store: SessionStore, session_id: int) -> tuple[int, int]:
        (steps,) = store.conn.execute(
            "SELECT COUNT(*) FROM strides WHERE session_id = ?", (session_id,)
        ).fetchone()
        (alerts,) = store.conn.execute(
            "SELECT COUNT(*) FROM alerts WHERE session_id = ? AND state = 'raised'",
            (session_id,),
        ).fetchone()
        return int(steps), int(alerts)

    def _end_body(self, store: SessionStore, batch: CommitBatch) -> dict[str, Any]:
        assert batch.end is not None
        t_end, wall, reason = batch.end
        steps, alerts = self._counts(store, batch.session_id)
        return messages.session_end(
            t_end,
            wall,
            reason,
            frames=batch.frames,
            frames_unstored=batch.frames_unstored,
            steps=steps,
            alerts=alerts,
        )

    def recover(self, store: SessionStore) -> list[str]:
        """Queue the end of sessions a crash left without one (run at start, after the
        recorder closed them). Returns their uids."""
        done: list[str] = []
        now = self._wall()
        with store.transaction() as conn:
            open_rows = conn.execute("SELECT uid, next_seq FROM fleet_open_sessions").fetchall()
            for uid, seq in open_rows:
                row = conn.execute(
                    "SELECT id, t_end_s, ended_at, end_reason, frames, frames_unstored, t_start_s"
                    " FROM sessions WHERE uid = ? ORDER BY id DESC",
                    (uid,),
                ).fetchone()
                conn.execute("DELETE FROM fleet_open_sessions WHERE uid = ?", (uid,))
                if row is None:
                    continue  # deleted on the device meanwhile: nothing to report
                sid, t_end, ended_at, reason, frames, unstored, t_start = row
                steps, alerts = self._counts(store, sid)
                body = messages.session_end(
                    t_end if t_end is not None else t_start,
                    ended_at if ended_at is not None else now,
                    reason or "recovered",
                    frames=frames,
                    frames_unstored=unstored,
                    steps=steps,
                    alerts=alerts,
                )
                conn.execute(
                    "INSERT INTO fleet_outbox (topic, payload, created_at) VALUES (?, ?, ?)",
                    self._rows(str(uid), int(seq), "session", body, now),
                )
                done.append(str(uid))
            if done:
                self._cap(conn)
        if done:
            self.wake.set()
        return done


class OutboxReader:
    """The publisher's view of the outbox: its own connection to the device database."""

    def __init__(self, db_path: Path) -> None:
        self._store = SessionStore(db_path)

    def after(self, seq: int, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages queued after ``seq``, oldest first."""
        rows = self._store.conn.execute(
            "SELECT seq, topic, payload FROM fleet_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [OutboxMessage(int(s), str(t), str(p)) for s, t, p in rows]

    def delete(self, seqs: Sequence[int]) -> None:
        """The broker acknowledged these."""
        if not seqs:
            return
        with self._store.transaction() as conn:
            conn.executemany("DELETE FROM fleet_outbox WHERE seq = ?", [(s,) for s in seqs])

    def count(self) -> int:
        return self.stats().messages

    def stats(self) -> OutboxStats:
        return outbox_stats(self._store.conn)

    def close(self) -> None:
        self._store.close()
