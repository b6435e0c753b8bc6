"""Instant replay: the last strides (and this session's reference strides) for the tablet.

- ``GET /api/replay?strides=N`` (N = 1…3): the frames around the last N strides' landings,
  packed as one binary answer (:mod:`edge.live.replay_pack`).
- ``GET /api/replay/references``: the reference strides held for a side-by-side replay.
- ``GET /api/replay/reference/{kind}``: one of them, packed the same way. ``earlier_visit``
  (PIN: it is a stored session) is the first kept replay of an earlier visit of the runner
  of the session being recorded.
- ``GET /api/replay/stats``: what the buffer holds (frames, seconds, MiB).
- ``GET /api/replay/kept?runner=N`` or ``?session=S`` (PIN): the kept replays of a runner's
  visits (of the runner of session S), oldest first, for "visit 1 vs today".
- ``GET /api/replay/stored/{clip_id}`` (PIN): a kept replay, packed like the live ones.
- ``POST /api/replay/keep`` (PIN): keep the frames of a replay (first … last frame id) as a
  clip of the session being recorded; the recorder applies the runner's consent (a guest's
  clips follow ``recording.clips``). Only then is anything written to disk.

Viewing a replay needs the same access as the live page (it shows the same video); keeping
one needs the settings PIN. At most
``replay.max_served`` replays are being sent at once; one more is answered 503 (try again).
Nothing to replay is a 409 whose message says why (no landing yet, frames no longer held).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import (
    APIRouter,
    Body,
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Request,
    Response,
    status,
)

from edge.live.replay import NoReplayError, ReplayBuffer, ReplayClip
from edge.live.replay_pack import MEDIA_TYPE, pack_clip
from edge.live.replay_stored import first_kept_replay, stored_clip, visit_label
from edge.recording.store import SessionStore
from server.auth import auth_failure, require_settings
from server.state import State

router = APIRouter(prefix="/api/replay", tags=["replay"])
T = TypeVar("T")


class ReplayService:
    """The buffer and a count of the replays being sent (any thread)."""

    def __init__(self, buffer: ReplayBuffer | None, max_served: int) -> None:
        self.buffer = buffer
        self.max_served = max_served
        self._lock = threading.Lock()
        self.serving = 0
        self.refused = 0

    def acquire(self) -> bool:
        with self._lock:
            if self.serving >= self.max_served:
                self.refused += 1
                return False
            self.serving += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.serving -= 1


def install(app: FastAPI, buffer: ReplayBuffer | None, max_served: int) -> None:
    """Serve ``buffer`` (None: replay is off in the config) under ``/api/replay``."""
    app.state.replay = ReplayService(buffer, max_served)
    app.include_router(router)


def _service(request: Request) -> tuple[ReplayService, ReplayBuffer]:
    service: ReplayService = request.app.state.replay
    if service.buffer is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "replay is off on this device ([replay] enabled = false)"
        )
    return service, service.buffer


def _send(service: ReplayService, make: Any) -> Response:
    if not service.acquire():
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{service.max_served} replays are being sent already; try again in a moment",
            headers={"Retry-After": "1"},
        )
    try:
        try:
            clip: ReplayClip = make()
        except NoReplayError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return Response(
            pack_clip(clip), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"}
        )
    finally:
        service.release()


@router.get("", response_class=Response)
def last_strides(request: Request, strides: Annotated[int, Query(ge=1, le=3)] = 1) -> Response:
    service, buffer = _service(request)
    return _send(service, lambda: buffer.last_strides(strides))


EARLIER_VISIT = "earlier_visit"


def _live_session_id(state: State) -> int | None:
    """The stored id of the session being recorded (None: recording is off or idle)."""
    recorder = state.sinks.recorder
    return None if recorder is None else recorder.stats().session_id


def _earlier_visit(state: State, use: Callable[[SessionStore, int, int], T]) -> T:
    """``use(store, session id, clip id)`` on the first kept replay of an earlier visit of
    today's runner. Raises NoReplayError saying why there is none."""
    from edge.runners.store import runner_session_ids, session_runner

    sid = _live_session_id(state)
    path = state.config.recording.resolved_db_path()
    if sid is None or not path.is_file():
        raise NoReplayError("no session is being recorded, so there is no runner to look up")
    store = SessionStore(path)
    try:
        runner = session_runner(store, sid)
        if runner is None:
            raise NoReplayError("a guest has no earlier visits: pick who is running first")
        found = first_kept_replay(store, runner_session_ids(store, runner), sid)
        if found is None:
            raise NoReplayError("no earlier visit of this runner kept a replay")
        return use(store, *found)
    finally:
        store.close()


def _visit_entry(store: SessionStore, session_id: int, clip_id: int) -> dict[str, Any]:
    return {"kind": EARLIER_VISIT, "label": visit_label(store, session_id), "t": None}


def _visit_clip(store: SessionStore, session_id: int, clip_id: int) -> ReplayClip:
    return stored_clip(store, clip_id, EARLIER_VISIT, visit_label(store, session_id))


@router.get("/references")
def references(request: Request, state: State) -> dict[str, Any]:
    _, buffer = _service(request)
    refs = buffer.references()
    if auth_failure(request) is None:  # a stored visit: only for the therapist
        try:
            entry = _earlier_visit(state, _visit_entry)
        except NoReplayError:
            pass
        else:
            refs.append(entry)
    return {"references": refs}


@router.get("/reference/{kind}", response_class=Response)
def reference(request: Request, state: State, kind: str) -> Response:
    service, buffer = _service(request)
    if kind == EARLIER_VISIT:
        require_settings(request)
        return _send(service, lambda: _earlier_visit(state, _visit_clip))
    return _send(service, lambda: buffer.reference(kind))


@router.get("/stats")
def stats(request: Request) -> dict[str, Any]:
    service, buffer = _service(request)
    return {**buffer.stats(), "serving": service.serving, "refused": service.refused}


FrameId = Annotated[int, Body(ge=0, le=2**53)]


@router.post(
    "/keep", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_settings)]
)
def keep(request: Request, state: State, first: FrameId, last: FrameId) -> dict[str, Any]:
    """Keep a replay as a clip of the session (written by the recorder, encoded on its own
    thread); the answer says how many frames went, or why nothing was kept."""
    _, buffer = _service(request)
    if not state.pipeline.session_active:
        raise HTTPException(status.HTTP_409_CONFLICT, "no session is being recorded")
    recorder = state.sinks.recorder
    if recorder is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "recording is off: a replay cannot be kept")
    try:
        frames = buffer.frames_between(first, last)
    except NoReplayError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    if len(frames) < 2:
        raise HTTPException(status.HTTP_409_CONFLICT, "a replay needs at least two frames")
    refused = recorder.keep_clip(frames, "replay")
    if refused is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"not kept: {refused}")
    return {
        "frames": len(frames),
        "t_from": round(frames[0][0], 3),
        "t_to": round(frames[-1][0], 3),
    }


def _store(state: State) -> SessionStore:
    path = state.config.recording.resolved_db_path()
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "nothing has been recorded on this device")
    return SessionStore(path)


DbId = Annotated[int | None, Query(ge=0, le=2**53)]


@router.get("/kept", dependencies=[Depends(require_settings)])
def kept(state: State, runner: DbId = None, session: DbId = None) -> dict[str, Any]:
    """The kept replays of a runner's visits, oldest visit first."""
    from edge.errors import StorageError
    from edge.live.replay_stored import is_kept_replay
    from edge.runners.store import runner_session_ids, session_runner

    if (runner is None) == (session is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give runner or session")
    store = _store(state)
    try:
        if session is not None:
            runner = session_runner(store, session)
        sids = [] if runner is None else runner_session_ids(store, runner)
        out = [
            {
                "session_id": sid,
                "clip_id": c.id,
                "t": round(c.t_start_s, 3),
                "label": visit_label(store, sid),
            }
            for sid in sids
            for c in store.clips(sid)
            if is_kept_replay(c.reason) and (store.clips_dir / c.path).is_file()
        ]
    except StorageError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    finally:
        store.close()
    return {"runner": runner, "kept": out}


@router.get("/stored/{clip_id}", response_class=Response, dependencies=[Depends(require_settings)])
def stored(request: Request, state: State, clip_id: int) -> Response:
    """A kept replay read back (its frames, landmarks and steps)."""
    from edge.errors import StorageError
    from edge.live.replay_stored import is_kept_replay

    service: ReplayService = request.app.state.replay

    def read() -> ReplayClip:
        store = _store(state)
        try:
            try:
                clip = store.clip(clip_id)
            except StorageError:
                raise NoReplayError(f"no kept replay {clip_id}") from None
            if not is_kept_replay(clip.reason):
                raise NoReplayError(f"clip {clip_id} is not a kept replay")
            return stored_clip(store, clip_id, "stored", visit_label(store, clip.session_id))
        finally:
            store.close()

    return _send(service, read)
