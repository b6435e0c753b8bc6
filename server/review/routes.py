"""Session review: pages, sessions, their exports and comparisons, under ``/review`` and
``/api/review`` (behind the PIN); marks and clips are in :mod:`server.review.marks_clips`.

The app factory includes :data:`router` with the settings-PIN dependency, so a gym member
on the live page cannot open other people's sessions. Each request opens its own
read connection (:mod:`server.review.deps`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response

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
)
from edge.recording.export_csv import strides_csv
from edge.runners.store import list_runners, session_runner
from server.review.deps import QueryId, SessionId, Store, need, parse_day, session_or_404
from server.static_files import add_pages

router = APIRouter(tags=["review"])

STATIC = Path(__file__).resolve().parent / "static"
#: Most landmark frames one request returns (about 40 s at 30 fps).
MAX_LANDMARK_FRAMES = 1200


# --- pages ------------------------------------------------------------------------------------


add_pages(
    router,
    STATIC,
    {"/review": "index.html", "/review/session": "session.html", "/review/compare": "compare.html"},
    "/review/static",
)


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
    info = session_or_404(store, session_id)
    s = need(store)
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
    info = session_or_404(store, session_id)
    series = need(store).landmarks(info.id, t_from, t_to)
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
    info = session_or_404(store, session_id)
    text = strides_csv(need(store).strides(info.id), info.t_start_s)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{info.id}-strides.csv"'},
    )


@router.get("/api/review/sessions/{session_id}/export.json")
def export_report_json(session_id: SessionId, store: Store) -> Response:
    """The ``treadwatch analyze --report`` schema (stored landmarks analysed again)."""
    info = session_or_404(store, session_id)
    try:
        text = export_json(need(store), info)
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
    info = session_or_404(store, session_id)
    return Response(
        export_session_json(need(store), info),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="session-{info.id}.json"'},
    )


@router.delete("/api/review/sessions/{session_id}", status_code=204)
def delete_session(session_id: SessionId, store: Store) -> Response:
    """Delete a session, its data and its clips (e.g. when a member asks for it)."""
    info = session_or_404(store, session_id)
    if info.ended_at is None:
        raise HTTPException(409, "this session is still being recorded")
    need(store).delete_session(info.id)
    return Response(status_code=204)


@router.get("/api/review/compare")
def compare_sessions(a: QueryId, b: QueryId, store: Store) -> JSONResponse:
    ia, ib = session_or_404(store, a), session_or_404(store, b)
    s = need(store)
    return JSONResponse(
        {
            "a": ia.as_json(),
            "b": ib.as_json(),
            "metrics": compare(s.strides(ia.id), s.strides(ib.id), ia, ib),
            "catalogue": catalogue_json(),
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
