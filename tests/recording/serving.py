"""Serve an app on a loopback port for the review API and browser tests (base URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import FastAPI

from tests.support import serving


@contextmanager
def serve(app: FastAPI, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """Yields ``http://host:port``; stops the server on exit."""
    with serving.serve(app, lifespan=lifespan) as host:
        yield f"http://{host}"
