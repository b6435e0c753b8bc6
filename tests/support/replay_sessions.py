"""Live sessions with the real recorder in which the tests keep replays (runner tests)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.live.replay_pack import unpack_clip
from edge.recording.live import make_sinks
from server.app import create_app
from server.auth import PIN_HEADER
from tests.support.serving import serve
from tests.support.video_viewer import VideoViewer, wait_for


@contextlib.contextmanager
def live(cfg: Config) -> Iterator[tuple[httpx.Client, str]]:
    """A live server with the recorder; the session ends (and is committed) on exit."""
    sinks = make_sinks(cfg)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=20.0) as c:
            viewer = VideoViewer(host)
            try:
                yield c, host
            finally:
                viewer.close()
    finally:
        sinks.close()


def last_stride(c: httpx.Client) -> dict[str, Any]:
    wait_for(lambda: c.get("/api/replay").status_code == 200)
    header, _ = unpack_clip(c.get("/api/replay").content)
    return header


def keep(c: httpx.Client, header: dict[str, Any], pin: str) -> httpx.Response:
    """Keeps the replay ``header`` describes (its first to last frame)."""
    body = {"first": header["frames"][0]["id"], "last": header["frames"][-1]["id"]}
    return c.post("/api/replay/keep", json=body, headers={PIN_HEADER: pin})
