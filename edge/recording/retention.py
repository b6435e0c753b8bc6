"""Housekeeping on the session database: closing sessions a crash left open, and
retention (an age limit, then a size limit that deletes the oldest sessions first).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from edge.recording.store import SessionStore


def close_open_sessions(store: SessionStore, reason: str = "recovered") -> list[int]:
    """Close sessions left open (a crash or power cut): end = the last stored data."""
    closed = []
    with store.transaction():
        rows = store.conn.execute(
            "SELECT id, t_start_s, started_at FROM sessions WHERE ended_at IS NULL"
        ).fetchall()
        for sid, t_start, started_at in rows:
            t_end = store.last_data_t(sid)
            if t_end is None:
                t_end = t_start
            store.end_session(sid, t_end, reason=reason, ended_at=started_at + (t_end - t_start))
            closed.append(int(sid))
    return closed


def used_bytes(store: SessionStore) -> int:
    """Bytes the sessions take: database pages in use plus clip files."""
    (page_size,) = store.conn.execute("PRAGMA page_size").fetchone()
    (pages,) = store.conn.execute("PRAGMA page_count").fetchone()
    (free,) = store.conn.execute("PRAGMA freelist_count").fetchone()
    (clip_bytes,) = store.conn.execute("SELECT COALESCE(SUM(bytes), 0) FROM clips").fetchone()
    return int((pages - free) * page_size + clip_bytes)


def apply_retention(
    store: SessionStore,
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
    rows = store.conn.execute("SELECT id, started_at FROM sessions ORDER BY started_at, id")
    candidates = [(int(i), float(s)) for i, s in rows if int(i) not in keep_set]
    if max_age_days > 0:
        cutoff = now - max_age_days * 86400.0
        while candidates and candidates[0][1] < cutoff:
            sid, _ = candidates.pop(0)
            store.delete_session(sid)
            deleted.append(sid)
    while candidates and used_bytes(store) > max_bytes:
        sid, _ = candidates.pop(0)
        store.delete_session(sid)
        deleted.append(sid)
    if deleted:
        store.conn.executescript("PRAGMA incremental_vacuum;")  # runs every step
    return deleted
