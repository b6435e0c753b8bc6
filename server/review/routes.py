"""Session review: pages and JSON under ``/review`` and ``/api/review`` (behind the PIN).

The app factory includes :data:`router` with the settings-PIN dependency, so a gym member
on the live page cannot open other people's sessions. Each request opens its own
read connection (SQLite WAL: readers never wait for the recorder's writer).

The database is ``app.state.review_db`` when set (tests, tools), else the
``recording.db_path`` of the configuration in force (``app.state.live.config``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from edge.catalogue import KEY_METRICS, catalogue_json
from edge.errors import StorageError
from edge.landmarks import SKELETON_EDGES, Channel
from edge.recording.export import (
    clip_json,
    compare,
    export_json,
    export_session_json,
    session_json,
    session_summary,
    strides_csv,
)
from edge.recording.store import SessionStore
from edge.runners.store import list_runners, session_runner
from server.static_files import static_file

router = APIRouter(tags=["review"])

STATIC = Path(__file__).resolve().parent / "static"
#: Most landmark frames one request returns (about 40 s at 30 fps).
MAX_LANDMARK_FRAMES = 1200


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


def open_store(path: Annotated[Path, Depends(db_path)]) -> Iterator[SessionStore | None]:
    """The session store, or ``None`` when nothing has been recorded yet."""
    if not path.is_file():
        yield None
        return
    try:
        store = SessionStore(path)
    except StorageError as exc:
        raise HTTPException(503, str(exc)) from None
    try:
        yield store
    finally:
        store.close()


Store = Annotated[SessionStore | None, Depends(open_store)]


def _need(store: SessionStore | None) -> SessionStore:
    if store is None:
        raise HTTPException(404, "no sessions recorded yet")
    return store


def _session(store: SessionStore | None, session_id: SessionId) -> Any:
    try:
        return _need(store).session(session_id)
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


# --- pages ------------------------------------------------------------------------------------


def _file(name: str) -> FileResponse:
    return static_file(STATIC, name)


@router.get("/review", include_in_schema=False)
def page_list() -> FileResponse:
    return _file("index.html")


@router.get("/review/session", include_in_schema=False)
def page_session() -> FileResponse:
    return _file("session.html")


@router.get("/review/compare", include_in_schema=False)
def page_compare() -> FileResponse:
    return _file("compare.html")


@router.get("/review/static/{name}", include_in_schema=False)
def page_static(name: str) -> FileResponse:
    return _file(name)


# --- data ---------------------------------------------------------------------------------------


@router.get("/api/review/sessions")
def list_sessions(
    store: Store,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, local")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, local, inclusive")] = None,
    device: str | None = None,
) -> dict[str, Any]:
    if store is None:
        return {"sessions": [], "devices": []}
    t_to = parse_day(date_to, "date_to")
    sessions = store.list_sessions(
        date_from=parse_day(date_from, "date_from"),
        date_to=t_to + 86400.0 if t_to is not None else None,
        device_id=device or None,
    )
    names = {r.id: r.name for r in list_runners(store)}
    rows = []
    for s in sessions:
        rid = session_runner(store, s.id)
        rows.append({**s.as_json(), "runner": None if rid is None else names.get(rid)})
    return {"sessions": rows, "devices": store.devices()}


@router.get("/api/review/sessions/ended")
def session_just_ended(
    store: Store, t: Annotated[float, Query(description="its end, capture time (s)")]
) -> dict[str, Any]:
    """The live session of this device that ended at capture time ``t`` (the live page's
    "session ended" message): its id and its figures, as the review page shows them. 404
    until the recorder has stored its end."""
    if store is not None:
        for info in store.list_sessions(date_from=time.time() - 86400.0):
            ended = info.t_end_s
            if info.source == "live" and ended is not None and abs(ended - t) < 0.05:
                return {
                    "session": info.as_json(),
                    "summary": session_summary(info, store.strides(info.id)),
                }
    raise HTTPException(404, "no session ended at that time (yet)")


@router.get("/api/review/sessions/{session_id}")
def get_session(session_id: SessionId, store: Store) -> dict[str, Any]:
    info = _session(store, session_id)
    s = _need(store)
    data = session_json(s, info)
    data["skeleton_edges"] = [[int(a), int(b)] for a, b in SKELETON_EDGES]
    data["catalogue"] = catalogue_json()
    data["key_metrics"] = list(KEY_METRICS)
    data["clips"] = [
        {**clip_json(c), "width": c.width, "height": c.height, "frame_times": list(c.frame_times)}
        for c in s.clips(info.id)
    ]
    return data


@router.get("/api/review/sessions/{session_id}/landmarks")
def get_landmarks(
    session_id: SessionId,
    store: Store,
    t_from: float,
    t_to: float,
) -> dict[str, Any]:
    """Landmarks in [t_from, t_to] (capture time): per frame 33 × (x, y, visibility)
    rounded to 1e-4, or ``null`` when nobody was in view."""
    if not (math.isfinite(t_from) and math.isfinite(t_to)) or t_to < t_from:
        raise HTTPException(422, "t_to must be at or after t_from")
    info = _session(store, session_id)
    series = _need(store).landmarks(info.id, t_from, t_to)
    n = min(len(series.t_s), MAX_LANDMARK_FRAMES)
    xyv = series.xyzv[:n][:, :, [Channel.X, Channel.Y, Channel.VISIBILITY]]
    nobody = np.isnan(xyv[:, 0, 0])  # NaN rows: nobody in view
    # reshape(n, -1) cannot infer the width of zero rows (no landmarks: the hub, or off).
    flat = np.nan_to_num(xyv.astype(np.float64)).reshape(n, xyv[0].size if n else 0)
    rows = np.round(flat, 4).tolist()
    frames: list[list[float] | None] = [None if bool(nobody[i]) else rows[i] for i in range(n)]
    return {
        "t_s": [round(float(t), 5) for t in series.t_s[:n]],
        "frame_index": [int(i) for i in series.frame_index[:n]],
        "frames": frames,
        "truncated": len(series.t_s) > n,
    }


@router.get("/api/review/sessions/{session_id}/export.csv")
def export_csv(session_id: SessionId, store: Store) -> Response:
    info = _session(store, session_id)
    text = strides_csv(_need(store).strides(info.id), info.t_start_s)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{info.id}-strides.csv"'},
    )


@router.get("/api/review/sessions/{session_id}/export.json")
def export_report_json(session_id: SessionId, store: Store) -> Response:
    """The ``treadwatch analyze --report`` schema (stored landmarks analysed again)."""
    info = _session(store, session_id)
    try:
        text = export_json(_need(store), info)
    except StorageError as exc:
        raise HTTPException(409, str(exc)) from None
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="session-{info.id}-report.json"'},
    )


@router.get("/api/review/sessions/{session_id}/export.session.json")
def export_full_session(session_id: SessionId, store: Store) -> Response:
    """Everything recorded live: steps, events, alerts, marks, clips."""
    info = _session(store, session_id)
    return Response(
        export_session_json(_need(store), info),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="session-{info.id}.json"'},
    )


@router.delete("/api/review/sessions/{session_id}", status_code=204)
def delete_session(session_id: SessionId, store: Store) -> Response:
    """Delete a session, its data and its clips (e.g. when a member asks for it)."""
    info = _session(store, session_id)
    if info.ended_at is None:
        raise HTTPException(409, "this session is still being recorded")
    _need(store).delete_session(info.id)
    return Response(status_code=204)


class NewMark(BaseModel):
    t_s: float = Field(
        allow_inf_nan=False,
        description="capture time of the moment, as in the session's data (within the session)",
    )
    note: str = Field("", max_length=2000)


class NoteEdit(BaseModel):
    note: str = Field(max_length=2000)


@router.post("/api/review/sessions/{session_id}/marks", status_code=201)
def add_mark(
    session_id: SessionId, body: Annotated[NewMark, Body()], store: Store
) -> dict[str, Any]:
    info = _session(store, session_id)
    s = _need(store)
    end = info.t_end_s if info.t_end_s is not None else info.t_start_s + info.duration_s
    if not info.t_start_s <= body.t_s <= end:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "t_s"],
                    "msg": f"t_s must be within the session ({info.t_start_s:g} to {end:g})",
                    "type": "value_error",
                }
            ],
        )
    with s.transaction():
        mark_id = s.add_mark(info.id, body.t_s, body.note)
    return {"id": mark_id, "t_s": body.t_s, "note": body.note}


@router.put("/api/review/marks/{mark_id}")
def edit_mark(mark_id: MarkId, body: Annotated[NoteEdit, Body()], store: Store) -> dict[str, Any]:
    s = _need(store)
    with s.transaction():
        found = s.update_mark(mark_id, body.note)
    if not found:
        raise HTTPException(404, f"no mark {mark_id}")
    return {"id": mark_id, "note": body.note}


@router.delete("/api/review/marks/{mark_id}", status_code=204)
def delete_mark(mark_id: MarkId, store: Store) -> Response:
    s = _need(store)
    with s.transaction():
        found = s.delete_mark(mark_id)
    if not found:
        raise HTTPException(404, f"no mark {mark_id}")
    return Response(status_code=204)


@router.get("/api/review/clips/{clip_id}")
def get_clip(clip_id: ClipId, store: Store) -> FileResponse:
    s = _need(store)
    try:
        clip = s.clip(clip_id)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None
    path = (s.clips_dir / clip.path).resolve()
    if s.clips_dir.resolve() not in path.parents or not path.is_file():
        raise HTTPException(404, "clip file missing")
    return FileResponse(path, media_type=clip.mime)


@router.get("/api/review/compare")
def compare_sessions(a: QueryId, b: QueryId, store: Store) -> JSONResponse:
    ia, ib = _session(store, a), _session(store, b)
    s = _need(store)
    return JSONResponse(
        {
            "a": ia.as_json(),
            "b": ib.as_json(),
            "metrics": compare(s.strides(ia.id), s.strides(ib.id), ia, ib),
            "strides": {
                "a": [_stride_point(x, ia.t_start_s) for x in s.strides(ia.id)],
                "b": [_stride_point(x, ib.t_start_s) for x in s.strides(ib.id)],
            },
        }
    )


def _stride_point(s: Any, t0: float) -> dict[str, Any]:
    return {
        "index": s.index,
        "foot": s.foot,
        "t": s.t_s - t0,
        "metrics": {k: m.value for k, m in s.metrics.items()},
    }
