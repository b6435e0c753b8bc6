"""``GET /healthz``: the process is up and the pipeline thread is alive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.state import State

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(state: State) -> JSONResponse:
    alive = state.pipeline.running
    body: dict[str, Any] = {
        "ok": alive,
        "pipeline": "running" if alive else "stopped",
        "source": state.pipeline.capture.status().state,
    }
    return JSONResponse(body, status_code=200 if alive else 503)
