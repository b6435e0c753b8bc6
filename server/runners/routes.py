"""Runners, progress and reports: pages and JSON, all behind the settings PIN.

* ``/runners`` (list), ``/runners/runner?id=N`` (progress), ``/runners/report?id=N`` and
  ``/review/report?session=N`` (the printable one-page reports, rendered on the server);
* ``/api/runners…``: the list, one runner, progress, before/after, export, deletion;
* ``/api/review/sessions/{id}/runner``: who ran a stored session (re-assign in review);
* ``/api/live/runner``: who is running the session being recorded ("who is running?").

Ids are checked to be 1 … 2^63 − 1 (SQLite's integer range): anything else is a 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from edge.errors import StorageError
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from edge.runners import store as runners
from edge.runners.export import runner_csv, runner_json
from edge.runners.progress import before_after, progress
from edge.runners.report import runner_report_html, session_report_html
from server.review.deps import db_path, opened_store, parse_day
from server.state import live_recorder
from server.static_files import add_pages

router = APIRouter(tags=["runners"])

STATIC = FsPath(__file__).resolve().parent / "static"
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="a positive id")]


def _query_id(description: str) -> Any:
    return Query(ge=1, le=MAX_ID, description=description)


def open_store(path: Annotated[FsPath, Depends(db_path)]) -> Iterator[SessionStore]:
    """The session database (created if nothing was recorded yet: runners may come first)."""
    yield from opened_store(path)


Store = Annotated[SessionStore, Depends(open_store)]


def _runner(store: SessionStore, runner_id: int) -> runners.Runner:
    try:
        return runners.get_runner(store, runner_id)
    except runners.RunnerNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


def _range(date_from: str | None, date_to: str | None) -> tuple[float | None, float | None]:
    t_from = parse_day(date_from, "date_from")
    t_to = parse_day(date_to, "date_to")
    return t_from, (t_to + 86400.0 if t_to is not None else None)


# --- pages ------------------------------------------------------------------------------------


add_pages(
    router,
    STATIC,
    {"/runners": "runners.html", "/runners/runner": "runner.html"},
    "/runners/static",
)


@router.get("/review/report", include_in_schema=False)
def page_session_report(
    store: Store, session: Annotated[int, _query_id("session id")]
) -> HTMLResponse:
    try:
        store.session(session)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None
    return HTMLResponse(session_report_html(store, session))


@router.get("/runners/report", include_in_schema=False)
def page_runner_report(
    store: Store,
    id: Annotated[int, _query_id("runner id")],
    date_from: str | None = None,
    date_to: str | None = None,
) -> HTMLResponse:
    _runner(store, id)
    t_from, t_to = _range(date_from, date_to)
    return HTMLResponse(runner_report_html(store, id, t_from, t_to))


# --- runners ------------------------------------------------------------------------------------


class RunnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=runners.NAME_MAX)
    notes: str = Field("", max_length=runners.NOTES_MAX)
    consent_clips: bool = False


class RunnerEdit(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=runners.NAME_MAX)
    notes: str | None = Field(None, max_length=runners.NOTES_MAX)
    consent_clips: bool | None = None


@router.get("/api/runners")
def list_runners(store: Store) -> dict[str, Any]:
    return {"runners": [r.as_json() for r in runners.list_runners(store)]}


@router.post("/api/runners", status_code=201)
def add_runner(store: Store, body: Annotated[RunnerIn, Body()]) -> dict[str, Any]:
    try:
        rid = runners.add_runner(store, body.name, body.notes, body.consent_clips)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return runners.get_runner(store, rid).as_json()


@router.get("/api/runners/{runner_id}")
def get_runner(runner_id: PathId, store: Store) -> dict[str, Any]:
    return _runner(store, runner_id).as_json()


@router.put("/api/runners/{runner_id}")
def edit_runner(
    runner_id: PathId, store: Store, body: Annotated[RunnerEdit, Body()]
) -> dict[str, Any]:
    _runner(store, runner_id)
    try:
        deleted = runners.update_runner(
            store, runner_id, name=body.name, notes=body.notes, consent_clips=body.consent_clips
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {**runners.get_runner(store, runner_id).as_json(), "clips_deleted": deleted}


@router.delete("/api/runners/{runner_id}")
def delete_runner(
    runner_id: PathId,
    store: Store,
    sessions: Annotated[
        Literal["delete", "anonymise"],
        Query(description="delete the runner's sessions, or keep them as a guest's"),
    ],
) -> dict[str, Any]:
    _runner(store, runner_id)
    try:
        return runners.delete_runner(store, runner_id, sessions)
    except StorageError as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/api/runners/{runner_id}/progress")
def runner_progress(
    runner_id: PathId,
    store: Store,
    date_from: str | None = None,
    date_to: str | None = None,
) -> dict[str, Any]:
    _runner(store, runner_id)
    t_from, t_to = _range(date_from, date_to)
    return progress(store, runner_id, date_from=t_from, date_to=t_to)


@router.get("/api/runners/{runner_id}/compare")
def runner_compare(
    runner_id: PathId,
    store: Store,
    a: Annotated[int, _query_id("session before")],
    b: Annotated[int, _query_id("session after")],
) -> dict[str, Any]:
    _runner(store, runner_id)
    owned = set(runners.runner_session_ids(store, runner_id))
    for sid in (a, b):
        if sid not in owned:
            raise HTTPException(404, f"session {sid} is not one of this runner's sessions")
    return before_after(store, a, b)


@router.get("/api/runners/{runner_id}/export.json")
def export_json(runner_id: PathId, store: Store) -> Response:
    _runner(store, runner_id)
    return Response(
        runner_json(store, runner_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="runner-{runner_id}.json"'},
    )


@router.get("/api/runners/{runner_id}/export.csv")
def export_csv(runner_id: PathId, store: Store) -> Response:
    _runner(store, runner_id)
    return Response(
        runner_csv(store, runner_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="runner-{runner_id}-steps.csv"'},
    )


# --- who ran a session ------------------------------------------------------------------------


class Assign(BaseModel):
    runner_id: int | None = Field(ge=1, le=MAX_ID, description="null: a guest")


def _assignment(store: SessionStore, session_id: int) -> dict[str, Any]:
    rid = runners.session_runner(store, session_id)
    runner = runners.get_runner(store, rid).as_json() if rid is not None else None
    return {"session_id": session_id, "runner": runner}


@router.get("/api/review/sessions/{session_id}/runner")
def session_runner(session_id: PathId, store: Store) -> dict[str, Any]:
    try:
        return _assignment(store, session_id)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None


@router.put("/api/review/sessions/{session_id}/runner")
def reassign_session(
    session_id: PathId, store: Store, body: Annotated[Assign, Body()]
) -> dict[str, Any]:
    """Give a stored session to a runner, or make it a guest's (review)."""
    try:
        store.session(session_id)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None
    if body.runner_id is not None:
        _runner(store, body.runner_id)
    deleted = runners.assign_session(store, session_id, body.runner_id)
    return {**_assignment(store, session_id), "clips_deleted": deleted}


def _live_session(request: Request) -> tuple[Recorder, int]:
    r = live_recorder(request)
    if r is not None:
        sid = r.stats().session_id
        if r.recording and sid is not None:
            return r, sid
    raise HTTPException(409, "no session is being recorded right now: wait for the runner")


@router.get("/api/live/runner")
def live_runner(request: Request, store: Store) -> dict[str, Any]:
    """Who is running the session being recorded (``session_id`` null: none is)."""
    try:
        _, sid = _live_session(request)
    except HTTPException:
        return {"session_id": None, "runner": None}
    return _assignment(store, sid)


@router.put("/api/live/runner")
def set_live_runner(
    request: Request, store: Store, body: Annotated[Assign, Body()]
) -> dict[str, Any]:
    """ "Who is running?": the runner of the session being recorded (null: a guest)."""
    recorder, sid = _live_session(request)
    keep_clips = True
    if body.runner_id is not None:
        keep_clips = _runner(store, body.runner_id).consent_clips
    recorder.set_runner(body.runner_id, keep_clips=keep_clips)
    if not recorder.flush():
        raise HTTPException(503, "the recorder is not keeping up: try again in a moment")
    return _assignment(store, sid)
