"""A FastAPI app with only the review routers, on a given database (tests and the browser test)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from server.review import marks_clips, routes


def review_app(db: Path) -> FastAPI:
    app = FastAPI()
    app.state.review_db = db
    app.include_router(routes.router)
    app.include_router(marks_clips.router)
    return app
