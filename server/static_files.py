"""Serving a page's own files from the package (no CDN: a gym LAN may be offline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


def static_file(directory: Path, name: str) -> FileResponse:
    """``name`` from ``directory`` (never outside it, only the types above), not cached."""
    path = (directory / name).resolve()
    if directory not in path.parents or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise HTTPException(404, "not found")
    return FileResponse(
        path, media_type=MEDIA_TYPES[path.suffix], headers={"Cache-Control": "no-cache"}
    )


def add_pages(router: APIRouter, directory: Path, pages: dict[str, str], assets: str) -> None:
    """Serve each ``pages`` path as its file from ``directory``, and the directory's other
    files under ``assets`` + ``/{name}`` (scripts, styles), none of them in the API schema."""

    def page(name: str) -> Callable[[], FileResponse]:
        def serve() -> FileResponse:
            return static_file(directory, name)

        return serve

    for path, name in pages.items():
        router.add_api_route(path, page(name), methods=["GET"], include_in_schema=False)

    def asset(name: str) -> FileResponse:
        return static_file(directory, name)

    router.add_api_route(assets + "/{name}", asset, methods=["GET"], include_in_schema=False)
