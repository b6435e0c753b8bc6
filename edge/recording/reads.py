"""Reading the session database: typed records for the pages, exports and analysis.

:class:`SessionReader` is the read half of :class:`~edge.recording.store.SessionStore`;
it only needs the open connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from edge.errors import StorageError
from edge.gait.cadence import steps_cadence
from edge.gait.records import (
    AlertRecord,
    AlertState,
    EventKind,
    Foot,
    GaitEvent,
    StrideRecord,
)
from edge.landmarks import NUM_LANDMARKS
from edge.recording.codec import block_last_offset, decode_block, decode_times
from edge.recording.rows import ClipInfo, LandmarkSeries, Mark, SessionInfo, SettingsChange
from edge.wire import metrics_from_json

#: Capture times are seconds: anything this large is a bad value (±inf, 1e308), not a time.
SANE_T = "t_s > -1e12 AND t_s < 1e12"
#: The largest id SQLite stores (2^63 - 1): a larger one names nothing (and must not overflow).
MAX_ID = 2**63 - 1


def _chosen_cadence(text: str | None) -> tuple[float | None, str | None, str | None]:
    """(steps/min, source, reason) of the cadence stored with a session; all None when it
    has none (its cadence is then computed from its steps)."""
    if not text:
        return None, None, None
    data = json.loads(text)
    spm, source, reason = data.get("spm"), data.get("source"), data.get("reason")
    if not isinstance(source, str):
        return None, None, None
    return (
        float(spm) if isinstance(spm, int | float) else None,
        source,
        reason if isinstance(reason, str) else None,
    )


class SessionReader:
    """Typed reads over an open session database connection."""

    conn: sqlite3.Connection

    def last_data_t(self, session_id: int) -> float | None:
        """Capture time of the latest thing stored for a session (landmarks, strides, events)."""
        best: float | None = None
        row = self.conn.execute(
            "SELECT t0_s, t_offsets FROM landmark_blocks WHERE session_id = ?"
            " ORDER BY block DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        if row is not None:
            best = float(row[0]) + block_last_offset(row[1])
        for table in ("strides", "events", "alerts", "marks"):
            (t,) = self.conn.execute(
                f"SELECT MAX(t_s) FROM {table} WHERE session_id = ? AND {SANE_T}", (session_id,)
            ).fetchone()
            if t is not None and (best is None or t > best):
                best = float(t)
        return best

    _SESSION_COLS = (
        "s.id, s.uid, s.device_id, s.source, s.source_name, s.started_at, s.ended_at,"
        " s.t_start_s, s.t_end_s, s.end_reason, s.frames, s.frames_unstored, s.settings_json,"
        " (SELECT COUNT(*) FROM strides WHERE session_id = s.id),"
        " (SELECT MIN(t_s) FROM strides WHERE session_id = s.id),"
        " (SELECT MAX(t_s) FROM strides WHERE session_id = s.id),"
        " (SELECT COUNT(*) FROM alerts WHERE session_id = s.id AND state = 'raised'),"
        " s.cadence_json"
    )

    def _session_from_row(self, row: Sequence[Any]) -> SessionInfo:
        (sid, uid, dev, src, src_name, started, ended, t0, t1, reason, frames, unstored) = row[:12]
        settings_json, n_strides, _t_first, _t_last, n_alerts, cadence_json = row[12:]
        cadence, source, why = _chosen_cadence(cadence_json)
        if source is None and n_strides >= 3:
            steps = self.conn.execute(
                "SELECT t_s, foot FROM strides WHERE session_id = ? ORDER BY t_s", (sid,)
            ).fetchall()
            cadence = steps_cadence([(float(t), str(f)) for t, f in steps])
        if t1 is None:
            last = self.last_data_t(sid)
            duration = (last - t0) if last is not None else 0.0
        else:
            duration = t1 - t0
        return SessionInfo(
            id=sid,
            uid=uid,
            device_id=dev,
            source=src,
            source_name=src_name,
            started_at=started,
            ended_at=ended,
            t_start_s=t0,
            t_end_s=t1,
            end_reason=reason,
            frames=frames,
            frames_unstored=unstored,
            n_strides=n_strides,
            n_alerts=n_alerts,
            cadence_spm=cadence,
            cadence_source=source,
            cadence_reason=why,
            duration_s=max(0.0, duration),
            settings=cast(dict[str, Any], json.loads(settings_json)),
        )

    def list_sessions(
        self,
        *,
        date_from: float | None = None,
        date_to: float | None = None,
        device_id: str | None = None,
    ) -> list[SessionInfo]:
        """Sessions newest first; ``date_from``/``date_to`` are Unix times on ``started_at``."""
        where: list[str] = []
        args: list[Any] = []
        if date_from is not None:
            where.append("s.started_at >= ?")
            args.append(date_from)
        if date_to is not None:
            where.append("s.started_at < ?")
            args.append(date_to)
        if device_id:
            where.append("s.device_id = ?")
            args.append(device_id)
        sql = f"SELECT {self._SESSION_COLS} FROM sessions s"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY s.started_at DESC, s.id DESC"
        return [self._session_from_row(r) for r in self.conn.execute(sql, args)]

    def devices(self) -> list[str]:
        return [
            r[0] for r in self.conn.execute("SELECT DISTINCT device_id FROM sessions ORDER BY 1")
        ]

    def session(self, key: int | str) -> SessionInfo:
        """A session by numeric id, or by the pipeline's uid (the latest with that uid)."""
        row = None
        numeric = isinstance(key, int) or (isinstance(key, str) and key.isdigit())
        if numeric and 0 <= int(key) <= MAX_ID:  # beyond SQLite's integers: no such session
            row = self.conn.execute(
                f"SELECT {self._SESSION_COLS} FROM sessions s WHERE s.id = ?", (int(key),)
            ).fetchone()
        if row is None:
            row = self.conn.execute(
                f"SELECT {self._SESSION_COLS} FROM sessions s WHERE s.uid = ? ORDER BY s.id DESC",
                (str(key),),
            ).fetchone()
        if row is None:
            raise StorageError(f"no session {key!r} (see `treadwatch sessions list`)")
        return self._session_from_row(row)

    def report_json(self, session_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT report_json FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return None if row is None else cast(str | None, row[0])

    def strides(self, session_id: int) -> list[StrideRecord]:
        rows = self.conn.execute(
            "SELECT idx, foot, frame_index, t_s, metrics FROM strides WHERE session_id = ?"
            " ORDER BY idx",
            (session_id,),
        )
        return [
            StrideRecord(
                index=i, foot=cast(Foot, f), frame_index=fi, t_s=t, metrics=metrics_from_json(m)
            )
            for i, f, fi, t, m in rows
        ]

    def events(self, session_id: int) -> list[GaitEvent]:
        rows = self.conn.execute(
            "SELECT kind, foot, frame_index, t_s, confidence FROM events WHERE session_id = ?"
            " ORDER BY t_s, rowid",
            (session_id,),
        )
        return [GaitEvent(cast(EventKind, k), cast(Foot, f), fi, t, c) for k, f, fi, t, c in rows]

    def alerts(self, session_id: int) -> list[AlertRecord]:
        rows = self.conn.execute(
            "SELECT state, rule, cue, value, stride_index, t_s, priority, feedback, evidence"
            " FROM alerts WHERE session_id = ? ORDER BY t_s, rowid",
            (session_id,),
        )
        return [
            AlertRecord(cast(AlertState, st), r, c, v, si, t, p, fb, ev)
            for st, r, c, v, si, t, p, fb, ev in rows
        ]

    def settings_changes(self, session_id: int) -> list[SettingsChange]:
        rows = self.conn.execute(
            "SELECT t_s, created_at, changes FROM settings_changes WHERE session_id = ?"
            " ORDER BY t_s, rowid",
            (session_id,),
        )
        return [SettingsChange(t, c, json.loads(ch)) for t, c, ch in rows]

    def marks(self, session_id: int) -> list[Mark]:
        """The session's marks; a time that cannot be in the session (infinite, or outside
        it: written by an older version) is left out, so it cannot break an export."""
        rows = self.conn.execute(
            "SELECT m.id, m.session_id, m.t_s, m.created_at, m.note FROM marks m"
            " JOIN sessions s ON s.id = m.session_id"
            f" WHERE m.session_id = ? AND {SANE_T.replace('t_s', 'm.t_s')}"
            " AND m.t_s >= s.t_start_s - 1.0"
            " AND (s.t_end_s IS NULL OR m.t_s <= s.t_end_s + 1.0)"
            " ORDER BY m.t_s, m.id",
            (session_id,),
        )
        return [Mark(*r) for r in rows]

    def _clip_from_row(self, r: Sequence[Any]) -> ClipInfo:
        times = decode_times(r[12])
        return ClipInfo(
            id=r[0],
            session_id=r[1],
            t_start_s=r[2],
            t_end_s=r[3],
            reason=r[4],
            path=r[5],
            mime=r[6],
            fps=r[7],
            n_frames=r[8],
            width=r[9],
            height=r[10],
            bytes=r[11],
            frame_times=times,
        )

    _CLIP_COLS = (
        "id, session_id, t_start_s, t_end_s, reason, path, mime, fps, n_frames, width, height,"
        " bytes, frame_times"
    )

    def clips(self, session_id: int) -> list[ClipInfo]:
        rows = self.conn.execute(
            f"SELECT {self._CLIP_COLS} FROM clips WHERE session_id = ? ORDER BY t_start_s",
            (session_id,),
        )
        return [self._clip_from_row(r) for r in rows]

    def clip(self, clip_id: int) -> ClipInfo:
        if not 0 <= clip_id <= MAX_ID:
            raise StorageError(f"no clip {clip_id}")
        row = self.conn.execute(
            f"SELECT {self._CLIP_COLS} FROM clips WHERE id = ?", (clip_id,)
        ).fetchone()
        if row is None:
            raise StorageError(f"no clip {clip_id}")
        return self._clip_from_row(row)

    def landmarks(
        self, session_id: int, t_from: float | None = None, t_to: float | None = None
    ) -> LandmarkSeries:
        """Landmarks stored for a session, optionally only capture times in [t_from, t_to]."""
        sql = "SELECT t0_s, n, t_offsets, frame_indices, data FROM landmark_blocks"
        sql += " WHERE session_id = ?"
        args: list[Any] = [session_id]
        if t_from is not None:
            sql += " AND t0_s >= ? - 2.0"  # a block spans about one second
            args.append(t_from)
        if t_to is not None:
            sql += " AND t0_s <= ?"
            args.append(t_to)
        sql += " ORDER BY block"
        ts, fis, datas = [], [], []
        for t0, n, toff, fidx, data in self.conn.execute(sql, args):
            t, fi, xyzv = decode_block(t0, n, toff, fidx, data)
            ts.append(t)
            fis.append(fi)
            datas.append(xyzv)
        if not ts:
            return LandmarkSeries(
                np.zeros(0), np.zeros(0, np.int64), np.zeros((0, NUM_LANDMARKS, 4), np.float32)
            )
        t = np.concatenate(ts)
        fi = np.concatenate(fis)
        xyzv = np.concatenate(datas)
        keep = np.ones(len(t), dtype=bool)
        if t_from is not None:
            keep &= t >= t_from
        if t_to is not None:
            keep &= t <= t_to
        return LandmarkSeries(t[keep], fi[keep], xyzv[keep])
