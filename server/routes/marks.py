"""``POST /api/mark``: the therapist marks a moment of the running session (PIN required)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status

from server.auth import require_settings
from server.state import State

router = APIRouter(prefix="/api", tags=["marks"])


Note = Annotated[str, Body(embed=True, max_length=200)]


@router.post("/mark", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require_settings)])
def mark(state: State, note: Note = "") -> dict[str, Any]:
    pipeline = state.pipeline
    t_s = pipeline.last_frame_t
    if not pipeline.session_active or t_s is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no session is being recorded")
    recorder = state.sinks.recorder
    if recorder is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "recording is off: nothing to mark")
    recorder.mark(note, t_s)
    # the time into the session, as review and every export show the mark
    t0 = pipeline.session_start_t
    into = None if t0 is None else round(t_s - t0, 3)
    return {"t": round(t_s, 3), "session_time_s": into, "note": note}
