"""The fleet outbox: messages for the broker, in the device's session database.

Writing: :class:`OutboxWriter` is a :class:`~edge.recording.recorder.CommitHook` of the
recorder, so a step, an alert or a session's start and end is queued in the *same*
transaction that stores it on the device. What the device has, the hub will get, even
across a ``kill -9`` or a power cut; nothing is queued that the device did not keep.

Reading: :class:`OutboxReader` (the publisher's own connection) reads the queue in order
and deletes a message only once the broker acknowledged it (PUBACK).

Sequence numbers: per session, 0 for the start, then one per message, kept in
``fleet_open_sessions`` (in the database, so a rolled-back commit takes its numbers back).
A session whose end was never queued (the device crashed) gets its end queued by
:meth:`OutboxWriter.recover` at the next start, from what the recorder made of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.fleet import messages
from edge.recording.recorder import CommitBatch
from edge.recording.store import SessionStore


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    seq: int
    topic: str
    payload: str


def _settings_for_hub(settings: dict[str, Any]) -> dict[str, Any]:
    """The session's settings snapshot without anything secret (PIN, broker password)."""
    out = dict(settings)
    for section, key in (("server", "settings_pin"), ("fleet", "password"), ("fleet", "username")):
        sub = out.get(section)
        if isinstance(sub, dict) and key in sub:
            out[section] = {k: v for k, v in sub.items() if k != key}
    return out


class OutboxWriter:
    """Queues the fleet messages of what the recorder commits (recorder writer thread)."""

    def __init__(self, device_id: str, wall_clock: Callable[[], float] = time.time) -> None:
        self.device_id = device_id
        self._wall = wall_clock
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
                batch.uid, batch.t_start_s, batch.started_at, _settings_for_hub(batch.settings)
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
        (n,) = self._store.conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()
        return int(n)

    def close(self) -> None:
        self._store.close()
