"""``GET /healthz``: 200 when the device does its job, 503 when degraded (see server.health)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.health import check
from server.state import State

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(state: State) -> JSONResponse:
    alive = state.pipeline.running
    health, reasons = check(state)
    body: dict[str, Any] = {
        "ok": health == "ok",
        "status": health,
        "reasons": reasons,
        "pipeline": "running" if alive else "stopped",
        "source": state.pipeline.capture.status().state,
    }
    return JSONResponse(body, status_code=200 if health == "ok" else 503)
