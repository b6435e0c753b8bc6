"""What every review route needs: the session database of the request, opened per request
(SQLite WAL: readers never wait for the recorder's writer), ids that fit SQLite's integers,
a 404 for what is not there, and dates in query values.

The database is ``app.state.review_db`` when set (tests, tools), else the
``recording.db_path`` of the configuration in force (``app.state.live.config``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi import Path as PathParam

from edge.errors import StorageError
from edge.recording.store import SessionStore

#: SQLite integers are 64-bit: a larger id cannot name anything (and would overflow).
MAX_DB_ID = 2**63 - 1
SessionId = Annotated[int, PathParam(ge=0, le=MAX_DB_ID, description="session id")]
MarkId = Annotated[int, PathParam(ge=0, le=MAX_DB_ID, description="mark id")]
ClipId = Annotated[int, PathParam(ge=0, le=MAX_DB_ID, description="clip id")]
QueryId = Annotated[int, Query(ge=0, le=MAX_DB_ID, description="session id")]


def db_path(request: Request) -> Path:
    explicit = getattr(request.app.state, "review_db", None)
    if explicit is not None:
        return Path(explicit)
    live = getattr(request.app.state, "live", None)
    if live is None:
        raise HTTPException(500, "no session database configured")
    path: Path = live.config.recording.resolved_db_path()
    return path


def opened_store(path: Path) -> Iterator[SessionStore]:
    """The session database at ``path`` for one request (a 503 saying why if it cannot be
    opened), closed after the answer."""
    try:
        store = SessionStore(path)
    except StorageError as exc:
        raise HTTPException(503, str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def open_store(path: Annotated[Path, Depends(db_path)]) -> Iterator[SessionStore | None]:
    """The session store, or ``None`` when nothing has been recorded yet."""
    if not path.is_file():
        yield None
        return
    yield from opened_store(path)


Store = Annotated[SessionStore | None, Depends(open_store)]


def need(store: SessionStore | None) -> SessionStore:
    if store is None:
        raise HTTPException(404, "no sessions recorded yet")
    return store


def session_or_404(store: SessionStore | None, session_id: SessionId) -> Any:
    try:
        return need(store).session(session_id)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None


MIN_YEAR, MAX_YEAR = 1970, 9998


def parse_day(text: str | None, name: str) -> float | None:
    """A ``YYYY-MM-DD`` query value as the Unix time of that day's start (422 otherwise)."""
    if not text:
        return None
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(422, f"{name}: use YYYY-MM-DD") from None
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise HTTPException(422, f"{name}: a date between {MIN_YEAR} and {MAX_YEAR}")
    return dt.datetime(d.year, d.month, d.day).timestamp()
