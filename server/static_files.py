"""Serving a page's own files from the package (no CDN: a gym LAN may be offline)."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException
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
