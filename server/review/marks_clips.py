"""Session review: marks (notes at moments of a session) and the sessions' video clips,
under ``/api/review`` behind the settings PIN like the rest of review.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from edge.errors import StorageError
from server.review.deps import ClipId, MarkId, SessionId, Store, need, session_or_404

router = APIRouter(tags=["review"])


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
    info = session_or_404(store, session_id)
    s = need(store)
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
    s = need(store)
    with s.transaction():
        found = s.update_mark(mark_id, body.note)
    if not found:
        raise HTTPException(404, f"no mark {mark_id}")
    return {"id": mark_id, "note": body.note}


@router.delete("/api/review/marks/{mark_id}", status_code=204)
def delete_mark(mark_id: MarkId, store: Store) -> Response:
    s = need(store)
    with s.transaction():
        found = s.delete_mark(mark_id)
    if not found:
        raise HTTPException(404, f"no mark {mark_id}")
    return Response(status_code=204)


@router.get("/api/review/clips/{clip_id}")
def get_clip(clip_id: ClipId, store: Store) -> FileResponse:
    s = need(store)
    try:
        clip = s.clip(clip_id)
    except StorageError as exc:
        raise HTTPException(404, str(exc)) from None
    path = (s.clips_dir / clip.path).resolve()
    if s.clips_dir.resolve() not in path.parents or not path.is_file():
        raise HTTPException(404, "clip file missing")
    return FileResponse(path, media_type=clip.mime)
