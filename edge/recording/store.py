"""The session database: one SQLite file (WAL), typed reads and batched writes.

Threading: a :class:`SessionStore` wraps one connection and must be used by one thread at a
time. The recorder's writer thread owns one; each review request opens its own (SQLite in
WAL mode lets readers run beside the single writer).

Writes are grouped with :meth:`SessionStore.transaction`; nothing is committed outside it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from edge.errors import StorageError
from edge.gait.cadence import steps_cadence
from edge.gait.records import (
    AlertRecord,
    AlertState,
    EventKind,
    Foot,
    GaitEvent,
    MetricValue,
    StrideRecord,
)
from edge.landmarks import NUM_LANDMARKS
from edge.recording.schema import migrate

#: Capture times are seconds: anything this large is a bad value (±inf, 1e308), not a time.
_SANE_T = "t_s > -1e12 AND t_s < 1e12"

#: Channels stored per landmark: x, y, z, visibility (as ``PoseResult.as_xyzv``).
STORED_CHANNELS = 4
#: The largest id SQLite stores (2^63 - 1): a larger one names nothing (and must not overflow).
MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A stored session with the figures the list page shows."""

    id: int
    uid: str
    device_id: str
    source: str
    source_name: str | None
    started_at: float
    ended_at: float | None
    t_start_s: float
    t_end_s: float | None
    end_reason: str | None
    frames: int
    frames_unstored: int
    n_strides: int
    n_alerts: int
    cadence_spm: float | None
    duration_s: float
    settings: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "device_id": self.device_id,
            "source": self.source,
            "source_name": self.source_name,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "t_start_s": self.t_start_s,
            "t_end_s": self.t_end_s,
            "end_reason": self.end_reason,
            "frames": self.frames,
            "frames_unstored": self.frames_unstored,
            "n_strides": self.n_strides,
            "n_alerts": self.n_alerts,
            "cadence_spm": self.cadence_spm,
            "duration_s": self.duration_s,
        }


@dataclass(frozen=True, slots=True)
class Mark:
    id: int
    session_id: int
    t_s: float
    created_at: float
    note: str


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """Settings changed during a session: ``changes`` maps an option's dotted name to
    ``{"from": old, "to": new}``; they apply from capture time ``t_s``."""

    t_s: float
    created_at: float
    changes: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"t_s": self.t_s, "created_at": self.created_at, "changes": self.changes}


@dataclass(frozen=True, slots=True)
class ClipInfo:
    id: int
    session_id: int
    t_start_s: float
    t_end_s: float
    reason: str
    path: str
    mime: str
    fps: float
    n_frames: int
    width: int
    height: int
    bytes: int
    frame_times: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class LandmarkSeries:
    """Stored landmarks: ``t_s`` (N,), ``frame_index`` (N,), ``xyzv`` (N, 33, 4) float32."""

    t_s: npt.NDArray[np.float64]
    frame_index: npt.NDArray[np.int64]
    xyzv: npt.NDArray[np.float32]


_METRIC_FIELDS = tuple(f.name for f in dataclasses.fields(MetricValue))


def metrics_to_json(metrics: dict[str, MetricValue]) -> str:
    """``{name: {field: value}}`` with ``None`` fields left out (new fields need no migration)."""
    return json.dumps(
        {
            k: {f: v for f in _METRIC_FIELDS if (v := getattr(m, f)) is not None}
            for k, m in metrics.items()
        },
        allow_nan=False,
        separators=(",", ":"),
    )


def metrics_from_json(text: str) -> dict[str, MetricValue]:
    out = {}
    for k, m in cast(dict[str, dict[str, Any]], json.loads(text)).items():
        kw = {f: v for f, v in m.items() if f in _METRIC_FIELDS}
        kw.setdefault("value", None)
        kw.setdefault("unit", "")
        out[k] = MetricValue(**kw)
    return out


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _clean_metrics(metrics: dict[str, MetricValue]) -> dict[str, MetricValue]:
    """NaN/inf become ``None`` with a reason (JSON and the review pages need finite numbers)."""
    out = {}
    for k, m in metrics.items():
        if m.value is not None and not math.isfinite(m.value):
            out[k] = dataclasses.replace(m, value=None, reason=m.reason or "not finite")
        else:
            out[k] = m
    return out


def _without_secrets(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings snapshot without the PIN (sessions are exported and shown to staff)."""
    server = settings.get("server")
    if isinstance(server, dict) and "settings_pin" in server:
        settings = {**settings, "server": {k: v for k, v in server.items() if k != "settings_pin"}}
    return settings


def is_disk_full(exc: BaseException) -> bool:
    """True for the errors that mean "no space": SQLITE_FULL and ENOSPC/EDQUOT."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return True
        return "full" in str(exc).lower()
    if isinstance(exc, OSError):
        import errno

        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False


class SessionStore:
    """The session database. Opening it creates or migrates the schema."""

    def __init__(self, path: Path | str, *, timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"cannot open the session database {self.path}: {exc} "
                "(check recording.db_path and that the directory is writable)"
            ) from None
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            (version,) = self.conn.execute("PRAGMA user_version").fetchone()
            if version == 0:
                # Must precede the first table: lets retention give space back to the disk.
                self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self.conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit survives a power cut too (one fsync of the WAL per flush).
            self.conn.execute("PRAGMA synchronous = FULL")
            # Keep the WAL small (it is disk space the headroom check has to count on).
            self.conn.execute("PRAGMA wal_autocheckpoint = 256")
            self.conn.execute("PRAGMA journal_size_limit = 1048576")
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            from edge.recording.readonly import read_only_reason

            read_only = read_only_reason(self.path, exc)
            if read_only is not None:
                raise StorageError(read_only) from None
            raise StorageError(
                f"the session database {self.path} cannot be used: {exc} "
                "(move the file away to start a new one)"
            ) from None

    @property
    def clips_dir(self) -> Path:
        return self.path.parent / "clips"

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def checkpoint(self) -> None:
        """Move the WAL into the database and truncate it (gives disk space back)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    # --- writing (inside a transaction) -----------------------------------------------------

    def begin_session(
        self,
        uid: str,
        device_id: str,
        t_start_s: float,
        settings: dict[str, Any],
        *,
        started_at: float | None = None,
        source: str = "live",
        source_name: str | None = None,
    ) -> int:
        settings = _without_secrets(settings)
        cur = self.conn.execute(
            "INSERT INTO sessions (uid, device_id, source, source_name, started_at, t_start_s,"
            " settings_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                device_id,
                source,
                source_name,
                time.time() if started_at is None else started_at,
                t_start_s,
                json.dumps(settings, default=str),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def end_session(
        self, session_id: int, t_end_s: float, *, reason: str, ended_at: float | None = None
    ) -> None:
        self.conn.execute(
            "UPDATE sessions SET t_end_s = ?, ended_at = ?, end_reason = ? WHERE id = ?",
            (t_end_s, time.time() if ended_at is None else ended_at, reason, session_id),
        )

    def set_counts(self, session_id: int, frames: int, frames_unstored: int) -> None:
        self.conn.execute(
            "UPDATE sessions SET frames = ?, frames_unstored = ? WHERE id = ?",
            (frames, frames_unstored, session_id),
        )

    def set_report(self, session_id: int, report_json: str) -> None:
        self.conn.execute(
            "UPDATE sessions SET report_json = ? WHERE id = ?", (report_json, session_id)
        )

    def insert_strides(self, session_id: int, strides: Sequence[StrideRecord]) -> None:
        """Append steps. A step is never replaced: an index already stored is an
        ``IntegrityError`` (the recorder numbers a session's steps itself)."""
        self.conn.executemany(
            "INSERT INTO strides (session_id, idx, foot, frame_index, t_s, metrics)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    s.index,
                    s.foot,
                    s.frame_index,
                    s.t_s,
                    metrics_to_json(_clean_metrics(s.metrics)),
                )
                for s in strides
            ],
        )

    def insert_stride_json(
        self, session_id: int, index: int, foot: str, frame_index: int, t_s: float, metrics: str
    ) -> None:
        """One step whose metrics are already JSON in the stored form (``metrics_to_json``),
        e.g. as received by the fleet hub: no decoding and encoding again."""
        self.conn.execute(
            "INSERT OR REPLACE INTO strides (session_id, idx, foot, frame_index, t_s, metrics)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, index, foot, frame_index, t_s, metrics),
        )

    def insert_events(self, session_id: int, events: Sequence[GaitEvent]) -> None:
        self.conn.executemany(
            "INSERT INTO events (session_id, kind, foot, frame_index, t_s, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(session_id, e.kind, e.foot, e.frame_index, e.t_s, e.confidence) for e in events],
        )

    def insert_alerts(self, session_id: int, alerts: Sequence[AlertRecord]) -> None:
        self.conn.executemany(
            "INSERT INTO alerts"
            " (session_id, state, rule, cue, value, stride_index, t_s, priority, feedback)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    a.state,
                    a.rule,
                    a.cue,
                    _finite(a.value),
                    a.stride_index,
                    a.t_s,
                    a.priority,
                    a.feedback,
                )
                for a in alerts
            ],
        )

    def add_settings_change(
        self,
        session_id: int,
        t_s: float,
        changes: dict[str, dict[str, Any]],
        created_at: float | None = None,
    ) -> None:
        """A settings change during the session: ``{"gait.view": {"from": .., "to": ..}}``."""
        self.conn.execute(
            "INSERT INTO settings_changes (session_id, t_s, created_at, changes)"
            " VALUES (?, ?, ?, ?)",
            (
                session_id,
                t_s,
                time.time() if created_at is None else created_at,
                json.dumps(changes, default=str, allow_nan=False),
            ),
        )

    def put_landmark_block(
        self,
        session_id: int,
        block: int,
        t_s: npt.NDArray[np.float64],
        frame_index: npt.NDArray[np.int64],
        xyzv: npt.NDArray[np.float16],
    ) -> None:
        """Insert or replace one block (a second of frames); ``xyzv`` is (n, 33, 4) float16."""
        n = len(t_s)
        if n == 0:
            return
        t0 = float(t_s[0])
        self.conn.execute(
            "INSERT OR REPLACE INTO landmark_blocks"
            " (session_id, block, t0_s, n, t_offsets, frame_indices, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                block,
                t0,
                n,
                (t_s - t0).astype("<f4").tobytes(),
                frame_index.astype("<i4").tobytes(),
                np.ascontiguousarray(xyzv, dtype="<f2").tobytes(),
            ),
        )

    def add_mark(
        self, session_id: int, t_s: float, note: str, created_at: float | None = None
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO marks (session_id, t_s, created_at, note) VALUES (?, ?, ?, ?)",
            (session_id, t_s, time.time() if created_at is None else created_at, note),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def delete_mark(self, mark_id: int) -> bool:
        cur = self.conn.execute("DELETE FROM marks WHERE id = ?", (mark_id,))
        return cur.rowcount > 0

    def update_mark(self, mark_id: int, note: str) -> bool:
        if not 0 <= mark_id <= MAX_ID:
            return False
        cur = self.conn.execute("UPDATE marks SET note = ? WHERE id = ?", (note, mark_id))
        return cur.rowcount > 0

    def add_clip(
        self,
        session_id: int,
        *,
        t_start_s: float,
        t_end_s: float,
        reason: str,
        path: str,
        mime: str,
        fps: float,
        width: int,
        height: int,
        nbytes: int,
        frame_times: Sequence[float],
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO clips (session_id, t_start_s, t_end_s, reason, path, mime, fps,"
            " n_frames, width, height, bytes, frame_times) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                session_id,
                t_start_s,
                t_end_s,
                reason,
                path,
                mime,
                fps,
                len(frame_times),
                width,
                height,
                nbytes,
                np.asarray(frame_times, dtype="<f8").tobytes(),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    # --- crash recovery and retention --------------------------------------------------------

    def last_data_t(self, session_id: int) -> float | None:
        """Capture time of the latest thing stored for a session (landmarks, strides, events)."""
        best: float | None = None
        row = self.conn.execute(
            "SELECT t0_s, t_offsets FROM landmark_blocks WHERE session_id = ?"
            " ORDER BY block DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        if row is not None:
            offsets = np.frombuffer(row[1], dtype="<f4")
            best = float(row[0]) + (float(offsets[-1]) if len(offsets) else 0.0)
        for table in ("strides", "events", "alerts", "marks"):
            (t,) = self.conn.execute(
                f"SELECT MAX(t_s) FROM {table} WHERE session_id = ? AND {_SANE_T}", (session_id,)
            ).fetchone()
            if t is not None and (best is None or t > best):
                best = float(t)
        return best

    def close_open_sessions(self, reason: str = "recovered") -> list[int]:
        """Close sessions left open (a crash or power cut): end = the last stored data."""
        closed = []
        with self.transaction():
            rows = self.conn.execute(
                "SELECT id, t_start_s, started_at FROM sessions WHERE ended_at IS NULL"
            ).fetchall()
            for sid, t_start, started_at in rows:
                t_end = self.last_data_t(sid)
                if t_end is None:
                    t_end = t_start
                self.end_session(sid, t_end, reason=reason, ended_at=started_at + (t_end - t_start))
                closed.append(int(sid))
        return closed

    def used_bytes(self) -> int:
        """Bytes the sessions take: database pages in use plus clip files."""
        (page_size,) = self.conn.execute("PRAGMA page_size").fetchone()
        (pages,) = self.conn.execute("PRAGMA page_count").fetchone()
        (free,) = self.conn.execute("PRAGMA freelist_count").fetchone()
        (clip_bytes,) = self.conn.execute("SELECT COALESCE(SUM(bytes), 0) FROM clips").fetchone()
        return int((pages - free) * page_size + clip_bytes)

    def delete_session(self, session_id: int) -> None:
        """Delete a session, its rows and its clip files."""
        paths = [
            r[0]
            for r in self.conn.execute("SELECT path FROM clips WHERE session_id = ?", (session_id,))
        ]
        with self.transaction():
            self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        for rel in paths:
            with suppress(OSError):
                (self.clips_dir / rel).unlink(missing_ok=True)

    def apply_retention(
        self,
        *,
        max_age_days: float,
        max_bytes: int,
        now: float | None = None,
        keep: Sequence[int] = (),
    ) -> list[int]:
        """Delete sessions older than ``max_age_days`` (0: no age limit), then the oldest
        until the store is under ``max_bytes``. Sessions in ``keep`` (recording now) stay.
        Returns the deleted ids, oldest first."""
        now = time.time() if now is None else now
        deleted: list[int] = []
        keep_set = set(keep)
        rows = self.conn.execute("SELECT id, started_at FROM sessions ORDER BY started_at, id")
        candidates = [(int(i), float(s)) for i, s in rows if int(i) not in keep_set]
        if max_age_days > 0:
            cutoff = now - max_age_days * 86400.0
            while candidates and candidates[0][1] < cutoff:
                sid, _ = candidates.pop(0)
                self.delete_session(sid)
                deleted.append(sid)
        while candidates and self.used_bytes() > max_bytes:
            sid, _ = candidates.pop(0)
            self.delete_session(sid)
            deleted.append(sid)
        if deleted:
            self.conn.executescript("PRAGMA incremental_vacuum;")  # runs every step
        return deleted

    # --- reading ------------------------------------------------------------------------------

    _SESSION_COLS = (
        "s.id, s.uid, s.device_id, s.source, s.source_name, s.started_at, s.ended_at,"
        " s.t_start_s, s.t_end_s, s.end_reason, s.frames, s.frames_unstored, s.settings_json,"
        " (SELECT COUNT(*) FROM strides WHERE session_id = s.id),"
        " (SELECT MIN(t_s) FROM strides WHERE session_id = s.id),"
        " (SELECT MAX(t_s) FROM strides WHERE session_id = s.id),"
        " (SELECT COUNT(*) FROM alerts WHERE session_id = s.id AND state = 'raised')"
    )

    def _session_from_row(self, row: Sequence[Any]) -> SessionInfo:
        (sid, uid, dev, src, src_name, started, ended, t0, t1, reason, frames, unstored) = row[:12]
        settings_json, n_strides, _t_first, _t_last, n_alerts = row[12:]
        cadence = None
        if n_strides >= 3:
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
            "SELECT state, rule, cue, value, stride_index, t_s, priority, feedback FROM alerts"
            " WHERE session_id = ? ORDER BY t_s, rowid",
            (session_id,),
        )
        return [
            AlertRecord(cast(AlertState, st), r, c, v, si, t, p, fb)
            for st, r, c, v, si, t, p, fb in rows
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
            f" WHERE m.session_id = ? AND {_SANE_T.replace('t_s', 'm.t_s')}"
            " AND m.t_s >= s.t_start_s - 1.0"
            " AND (s.t_end_s IS NULL OR m.t_s <= s.t_end_s + 1.0)"
            " ORDER BY m.t_s, m.id",
            (session_id,),
        )
        return [Mark(*r) for r in rows]

    def _clip_from_row(self, r: Sequence[Any]) -> ClipInfo:
        times = tuple(float(x) for x in np.frombuffer(r[12], dtype="<f8"))
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
            ts.append(t0 + np.frombuffer(toff, dtype="<f4").astype(np.float64))
            fis.append(np.frombuffer(fidx, dtype="<i4").astype(np.int64))
            datas.append(
                np.frombuffer(data, dtype="<f2")
                .reshape(n, NUM_LANDMARKS, STORED_CHANNELS)
                .astype(np.float32)
            )
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
