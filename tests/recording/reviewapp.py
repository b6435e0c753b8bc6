"""A FastAPI app with only the review router, on a given database (tests and the browser test)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from server.review.routes import router


def review_app(db: Path) -> FastAPI:
    app = FastAPI()
    app.state.review_db = db
    app.include_router(router)
    return app
