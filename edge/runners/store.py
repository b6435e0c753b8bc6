"""The runner list and who ran which session, in the session database (schema migration 2).

All functions take an open :class:`~edge.recording.store.SessionStore` (one thread at a
time, as the store itself). Clip files are removed from disk together with their rows.
"""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from edge.errors import StorageError
from edge.recording.rows import SessionInfo
from edge.recording.store import SessionStore

NAME_MAX = 80
NOTES_MAX = 2000
#: What happens to a deleted runner's sessions.
DeleteMode = Literal["delete", "anonymise"]


class RunnerNotFoundError(StorageError):
    """No runner with that id."""


@dataclass(frozen=True, slots=True)
class Runner:
    id: int
    name: str
    notes: str
    consent_clips: bool
    created_at: float
    n_sessions: int
    last_session_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "notes": self.notes,
            "consent_clips": self.consent_clips,
            "created_at": self.created_at,
            "n_sessions": self.n_sessions,
            "last_session_at": self.last_session_at,
        }


def clean_name(name: str) -> str:
    """A runner's name, stripped; one line saying what to do when it is unusable."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a runner needs a name or a pseudonym")
    if len(name) > NAME_MAX:
        raise ValueError(f"a runner's name is at most {NAME_MAX} characters")
    return name


_COLS = (
    "r.id, r.name, r.notes, r.consent_clips, r.created_at,"
    " (SELECT COUNT(*) FROM sessions WHERE runner_id = r.id),"
    " (SELECT MAX(started_at) FROM sessions WHERE runner_id = r.id)"
)


def _runner(row: Any) -> Runner:
    return Runner(
        id=int(row[0]),
        name=str(row[1]),
        notes=str(row[2]),
        consent_clips=bool(row[3]),
        created_at=float(row[4]),
        n_sessions=int(row[5]),
        last_session_at=None if row[6] is None else float(row[6]),
    )


def list_runners(store: SessionStore) -> list[Runner]:
    rows = store.conn.execute(f"SELECT {_COLS} FROM runners r ORDER BY r.name COLLATE NOCASE, r.id")
    return [_runner(r) for r in rows]


def get_runner(store: SessionStore, runner_id: int) -> Runner:
    row = store.conn.execute(f"SELECT {_COLS} FROM runners r WHERE r.id = ?", (runner_id,))
    found = row.fetchone()
    if found is None:
        raise RunnerNotFoundError(f"no runner {runner_id} (see the runner list)")
    return _runner(found)


def add_runner(
    store: SessionStore,
    name: str,
    notes: str = "",
    consent_clips: bool = False,
    created_at: float | None = None,
) -> int:
    with store.transaction():
        cur = store.conn.execute(
            "INSERT INTO runners (name, notes, consent_clips, created_at) VALUES (?, ?, ?, ?)",
            (
                clean_name(name),
                notes[:NOTES_MAX],
                int(consent_clips),
                time.time() if created_at is None else created_at,
            ),
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def update_runner(
    store: SessionStore,
    runner_id: int,
    *,
    name: str | None = None,
    notes: str | None = None,
    consent_clips: bool | None = None,
) -> int:
    """Change a runner; withdrawing consent deletes the clips of all their sessions.
    Returns the number of clips deleted."""
    get_runner(store, runner_id)
    with store.transaction():
        if name is not None:
            store.conn.execute(
                "UPDATE runners SET name = ? WHERE id = ?", (clean_name(name), runner_id)
            )
        if notes is not None:
            store.conn.execute(
                "UPDATE runners SET notes = ? WHERE id = ?", (notes[:NOTES_MAX], runner_id)
            )
        if consent_clips is not None:
            store.conn.execute(
                "UPDATE runners SET consent_clips = ? WHERE id = ?",
                (int(consent_clips), runner_id),
            )
    deleted = 0
    if consent_clips is False:
        for sid in runner_session_ids(store, runner_id):
            deleted += delete_session_clips(store, sid)
    return deleted


def session_runner(store: SessionStore, session_id: int) -> int | None:
    row = store.conn.execute("SELECT runner_id FROM sessions WHERE id = ?", (session_id,))
    found = row.fetchone()
    if found is None:
        raise StorageError(f"no session {session_id}")
    return None if found[0] is None else int(found[0])


def set_session_runner(store: SessionStore, session_id: int, runner_id: int | None) -> None:
    """Write who ran a session (``None``: a guest). Inside the caller's transaction."""
    store.conn.execute("UPDATE sessions SET runner_id = ? WHERE id = ?", (runner_id, session_id))


def assign_session(store: SessionStore, session_id: int, runner_id: int | None) -> int:
    """Give a session to a runner (``None``: a guest). A runner without consent to keep
    clips gets none: the session's clips are deleted. Returns the number deleted."""
    session_runner(store, session_id)  # raises when the session does not exist
    runner = get_runner(store, runner_id) if runner_id is not None else None
    with store.transaction():
        set_session_runner(store, session_id, runner_id)
    if runner is not None and not runner.consent_clips:
        return delete_session_clips(store, session_id)
    return 0


def runner_session_ids(store: SessionStore, runner_id: int) -> list[int]:
    rows = store.conn.execute(
        "SELECT id FROM sessions WHERE runner_id = ? ORDER BY started_at, id", (runner_id,)
    )
    return [int(r[0]) for r in rows]


def runner_sessions(
    store: SessionStore,
    runner_id: int,
    *,
    date_from: float | None = None,
    date_to: float | None = None,
) -> list[SessionInfo]:
    """A runner's sessions, oldest first; ``date_from``/``date_to`` are Unix times."""
    get_runner(store, runner_id)
    out = []
    for sid in runner_session_ids(store, runner_id):
        info = store.session(sid)
        if date_from is not None and info.started_at < date_from:
            continue
        if date_to is not None and info.started_at >= date_to:
            continue
        out.append(info)
    return out


def delete_session_clips(store: SessionStore, session_id: int) -> int:
    """Delete a session's clips: rows and files (and the session's clip folder if empty)."""
    paths = [
        str(r[0])
        for r in store.conn.execute("SELECT path FROM clips WHERE session_id = ?", (session_id,))
    ]
    with store.transaction():
        store.conn.execute("DELETE FROM clips WHERE session_id = ?", (session_id,))
    for rel in paths:
        with suppress(OSError):
            (store.clips_dir / rel).unlink(missing_ok=True)
    with suppress(OSError):
        (store.clips_dir / str(session_id)).rmdir()  # only when empty
    return len(paths)


def delete_runner(store: SessionStore, runner_id: int, mode: DeleteMode) -> dict[str, int]:
    """Delete a runner (a patient's request). ``delete``: their sessions go too, with clips.
    ``anonymise``: the sessions stay as a guest's, without clips, mark notes or video file
    name (any could identify the person). Refused while one of their sessions is being
    recorded."""
    get_runner(store, runner_id)
    ids = runner_session_ids(store, runner_id)
    open_ids = [
        int(r[0])
        for r in store.conn.execute(
            "SELECT id FROM sessions WHERE runner_id = ? AND ended_at IS NULL", (runner_id,)
        )
    ]
    if open_ids:
        raise StorageError(
            f"session {open_ids[0]} of this runner is being recorded: wait until it ends "
            "(or set the runner to guest on the live page) and delete again"
        )
    clips = 0
    for sid in ids:
        clips += len(store.clips(sid))
        delete_session_clips(store, sid)  # files, rows and the session's clip folder
        if mode == "delete":
            store.delete_session(sid)
        else:
            with store.transaction():
                store.conn.execute("UPDATE marks SET note = '' WHERE session_id = ?", (sid,))
                # A video's file name (``analyze --store``) may name the person too.
                store.conn.execute(
                    "UPDATE sessions SET source_name = NULL, uid = 'anonymised:' || id"
                    " WHERE id = ? AND source_name IS NOT NULL",
                    (sid,),
                )
                set_session_runner(store, sid, None)
    with store.transaction():
        store.conn.execute("DELETE FROM runners WHERE id = ?", (runner_id,))
    return {
        "sessions_deleted": len(ids) if mode == "delete" else 0,
        "sessions_anonymised": len(ids) if mode == "anonymise" else 0,
        "clips_deleted": clips,
    }
