"""``GET /api/status``: per-stage figures, camera state, session state, clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.state import State

router = APIRouter(prefix="/api", tags=["status"])


@router.get("/status")
def get_status(state: State) -> dict[str, Any]:
    return state.status()
