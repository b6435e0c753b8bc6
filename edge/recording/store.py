"""The session database: one SQLite file (WAL), typed reads and batched writes.

Threading: a :class:`SessionStore` wraps one connection and must be used by one thread at a
time. The recorder's writer thread owns one; each review request opens its own (SQLite in
WAL mode lets readers run beside the single writer).

Writes are grouped with :meth:`SessionStore.transaction`; nothing is committed outside it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.errors import StorageError
from edge.gait.records import AlertRecord, GaitEvent, StrideRecord
from edge.recording.codec import clean_metrics, encode_block, encode_times
from edge.recording.reads import MAX_ID, SessionReader
from edge.recording.schema import migrate
from edge.redact import redact
from edge.wire import finite, metrics_to_json


class SessionStore(SessionReader):
    """The session database. Opening it creates or migrates the schema; reads are
    :class:`~edge.recording.reads.SessionReader` 's."""

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
        settings = redact(settings)  # exported and shown to staff
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

    def set_cadence(self, session_id: int, spm: float, source: str, reason: str) -> None:
        """The cadence chosen for the session (by ``edge.gait.cadence_choice``: from the foot
        contacts or the hips' bounce, and why): the figure every screen shows for it."""
        cadence = {"spm": spm, "source": source, "reason": reason}
        self.conn.execute(
            "UPDATE sessions SET cadence_json = ? WHERE id = ?", (json.dumps(cadence), session_id)
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
                    metrics_to_json(clean_metrics(s.metrics)),
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
            " (session_id, state, rule, cue, value, stride_index, t_s, priority, feedback,"
            " evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    a.state,
                    a.rule,
                    a.cue,
                    finite(a.value),
                    a.stride_index,
                    a.t_s,
                    a.priority,
                    a.feedback,
                    a.evidence,
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
        self.conn.execute(
            "INSERT OR REPLACE INTO landmark_blocks"
            " (session_id, block, t0_s, n, t_offsets, frame_indices, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session_id, block, *encode_block(t_s, frame_index, xyzv)),
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
                encode_times(frame_times),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    # --- deleting -------------------------------------------------------------------------------

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
