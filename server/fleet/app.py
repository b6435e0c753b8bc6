"""The hub's web app: the live board of all devices (``/``) and the same session review as
on a device (``/review``, every device's sessions, a device filter), behind the same PIN."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse

from edge import __version__
from edge.live.config import ServerConfig
from server.auth import PinAuth
from server.fleet.ingest import HubIngest
from server.static_files import static_file
from server.web import include_review, make_auth, secure

STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class HubState:
    """``app.state.live`` on the hub: what the shared PIN dependency and review read."""

    auth: PinAuth
    ingest: HubIngest | None


router = APIRouter()


def _state(request: Request) -> HubState:
    state: HubState = request.app.state.live
    return state


def _file(name: str) -> FileResponse:
    return static_file(STATIC, name)


@router.get("/", include_in_schema=False)
def board_page() -> FileResponse:
    return _file("board.html")


@router.get("/settings", include_in_schema=False)
def login_page() -> FileResponse:
    """Where a locked review page sends the browser: the PIN form."""
    return _file("login.html")


@router.get("/fleet/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    return _file(name)


@router.get("/api/board")
def board(request: Request) -> dict[str, Any]:
    """Every device the hub has heard of: online, in use, runner present, current cue.
    Public, like each device's live page (no member data: no names, no sessions)."""
    st = _state(request)
    ingest = st.ingest
    return {
        "devices": ingest.board() if ingest is not None else [],
        "broker_connected": ingest is not None and ingest.connected.is_set(),
        "t": time.time(),
    }


@router.get("/api/health")
def health(request: Request) -> dict[str, Any]:
    ingest = _state(request).ingest
    return {
        "ok": True,
        "version": __version__,
        "broker_connected": ingest is not None and ingest.connected.is_set(),
        "ingest": ingest.stats.as_json() if ingest is not None else None,
    }


def create_hub_app(db_path: Path, server: ServerConfig, ingest: HubIngest | None) -> FastAPI:
    """The hub app over ``db_path``; ``ingest`` (started and closed with the app) fills it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ingest is not None:
            ingest.start()
        try:
            yield
        finally:
            if ingest is not None:
                ingest.close()

    app = FastAPI(
        title="treadwatch hub",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.live = HubState(auth=make_auth(server), ingest=ingest)
    app.state.review_db = Path(db_path)
    secure(app, server)  # the same guard, PIN throttle and cookie as a device's app
    app.include_router(router)
    include_review(app)
    return app
