"""Storing what devices sent in the hub's database (the device's own schema): each session
tagged with the device id from its topic, a message stored at most once per (device,
session uid, seq), a step or alert that arrives before its session's start stored under a
placeholder session the start completes later. Writer thread only, inside the caller's
transaction.
"""

from __future__ import annotations

import json
import time

from edge.recording.store import SessionStore
from edge.wire import AlertWire, SessionEndWire, SessionStartWire, StepWire


class HubSessions:
    """The hub's writes; caches the database id of each (device, session uid)."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._sids: dict[tuple[str, str], int] = {}

    def forget(self) -> None:
        """Drop the id cache (a rolled-back transaction may have made ids that are gone)."""
        self._sids.clear()

    def first_time(self, device: str, uid: str, seq: int) -> bool:
        """Record (device, session, seq) as received; False when it was received before."""
        cur = self.store.conn.execute(
            "INSERT OR IGNORE INTO fleet_received (device_id, session_uid, seq) VALUES (?, ?, ?)",
            (device, uid, seq),
        )
        return cur.rowcount != 0

    def open_recently(self, within_s: float = 86400.0) -> list[int]:
        """Sessions still coming in (not ended, started within ``within_s``): retention
        keeps them; one left open longer (its device never came back) is old data."""
        return [
            r[0]
            for r in self.store.conn.execute(
                "SELECT id FROM sessions WHERE ended_at IS NULL AND started_at > ?",
                (time.time() - within_s,),
            )
        ]

    def _sid(self, device: str, uid: str, t_s: float, now: float) -> int:
        """The hub's id of a device's session (a placeholder when its start is not here)."""
        key = (device, uid)
        sid = self._sids.get(key)
        if sid is not None:
            return sid
        row = self.store.conn.execute(
            "SELECT id FROM sessions WHERE device_id = ? AND uid = ? ORDER BY id DESC",
            (device, uid),
        ).fetchone()
        sid = (
            int(row[0])
            if row is not None
            else self.store.begin_session(uid, device, t_s, {}, started_at=now)
        )
        self._sids[key] = sid
        return sid

    def session(
        self, device: str, uid: str, msg: SessionStartWire | SessionEndWire, now: float
    ) -> None:
        store = self.store
        match msg:
            case SessionStartWire(t_s=t_s, started_at=started_at, settings=settings):
                if msg.frame is not None:  # the landmarks' shape, as the device keeps it
                    frame = {"width": msg.frame.width, "height": msg.frame.height}
                    settings = {**settings, "frame": frame}
                row = store.conn.execute(
                    "SELECT id FROM sessions WHERE device_id = ? AND uid = ?", (device, uid)
                ).fetchone()
                if row is None:
                    self._sids[(device, uid)] = store.begin_session(
                        uid, device, t_s, settings, started_at=started_at
                    )
                else:  # a step came first: complete the placeholder
                    store.conn.execute(
                        "UPDATE sessions SET t_start_s = ?, started_at = ?, settings_json = ?"
                        " WHERE id = ?",
                        (t_s, started_at, json.dumps(settings), row[0]),
                    )
            case SessionEndWire(t_s=t_s, ended_at=ended_at, reason=reason, summary=summary):
                sid = self._sid(device, uid, t_s, now)
                store.end_session(sid, t_s, reason=reason, ended_at=ended_at)
                if summary.frames is not None and summary.frames_unstored is not None:
                    store.set_counts(sid, summary.frames, summary.frames_unstored)

    def step(self, device: str, uid: str, step: StepWire, now: float) -> None:
        sid = self._sid(device, uid, step.t_s, now)
        self.store.insert_stride_json(
            sid, step.index, step.foot, step.frame_index, step.t_s, step.metrics_json()
        )

    def alert(self, device: str, uid: str, alert: AlertWire, now: float) -> None:
        sid = self._sid(device, uid, alert.t_s, now)
        self.store.insert_alerts(sid, [alert.to_record()])
