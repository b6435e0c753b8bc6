"""The pages and their assets, served from the package (no CDN: the gym LAN may be offline)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from server.static_files import static_file

router = APIRouter(tags=["pages"])

STATIC = Path(__file__).resolve().parent.parent / "static"


def _file(name: str) -> FileResponse:
    return static_file(STATIC, name)


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return _file("index.html")


@router.get("/settings", include_in_schema=False)
def settings() -> FileResponse:
    return _file("settings.html")


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    return _file(name)
