"""``/api/replay`` over real HTTP against a demo server.

The buffer holds only the video the page already receives: without a viewer of
``/video.mjpeg`` nothing is encoded for it, and the replay says there is nothing held.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2
import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.live.replay_pack import MEDIA_TYPE, unpack_clip
from server.app import create_app
from server.routes.replay import ReplayService
from tests.support.serving import serve
from tests.support.video_viewer import VideoViewer, wait_for


def demo_app(**replay: object) -> FastAPI:
    cfg = Config.model_validate({"recording": {"enabled": False}, "replay": replay})
    return create_app(cfg, DemoSource.from_config(cfg.capture))


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with serve(demo_app(reference_after_s=3.0)) as h:
        yield h


def test_nothing_held_without_a_page_watching_the_video(host: str) -> None:
    with httpx.Client(base_url=f"http://{host}") as c:
        wait_for(lambda: c.get("/api/status").json()["session"]["active"])
        time.sleep(1.5)  # steps are being measured, but no page shows the video
        assert c.get("/api/replay/stats").json()["frames"] == 0
        r = c.get("/api/replay")
        assert r.status_code == 409
        assert "showing the video" in r.json()["detail"]


def test_last_strides_packed_with_landmarks_and_landings(host: str) -> None:
    viewer = VideoViewer(host)
    try:
        with httpx.Client(base_url=f"http://{host}") as c:
            wait_for(lambda: c.get("/api/replay/stats").json()["seconds"] > 4.0)
            r = c.get("/api/replay", params={"strides": 2})
            assert r.status_code == 200
            assert r.headers["content-type"] == MEDIA_TYPE
            header, jpegs = unpack_clip(r.content)
            contacts = header["contacts"]
            assert len(contacts) == 4
            assert [c["foot"] for c in contacts[::2]] == [contacts[0]["foot"]] * 2
            times = [f["t"] for f in header["frames"]]
            assert times == sorted(times) and len(set(times)) == len(times)
            assert times[0] < contacts[0]["t"] and times[-1] >= contacts[-1]["t"]
            # 15 frames/s of page video over two strides (about 1.5 s).
            assert (
                0.8 * 15 * (times[-1] - times[0])
                <= len(times) - 1
                <= 1.2 * 15 * (times[-1] - times[0])
            )
            img = cv2.imdecode(np.frombuffer(jpegs[0], np.uint8), cv2.IMREAD_COLOR)
            assert img is not None and img.shape == (480, 640, 3)
            assert all(f["lm"] is not None and len(f["lm"]) == 99 for f in header["frames"])
            assert "overstride" in contacts[-1]["metrics"]
            assert header["missing"] == []

            assert c.get("/api/replay", params={"strides": 4}).status_code == 422
            r = c.get("/api/replay/reference/praise")
            assert r.status_code == 409
            assert "just before the cue cleared" in r.json()["detail"]
            wait_for(lambda: c.get("/api/replay/references").json()["references"])
            ref = c.get("/api/replay/reference/first_minute")
            assert ref.status_code == 200
            ref_header, _ = unpack_clip(ref.content)
            assert ref_header["label"] == "This session's first minute"
            assert ref_header["contacts"][-1]["t"] - ref_header["session_t"] >= 3.0
    finally:
        viewer.close()


def test_at_most_max_served_replays_at_once() -> None:
    app = demo_app(max_served=2)
    service: ReplayService = app.state.replay
    with serve(app) as h:
        held = 0
        while service.acquire():  # replays being sent (their requests still running)
            held += 1
        try:
            assert held == 2
            r = httpx.get(f"http://{h}/api/replay")
            assert r.status_code == 503
            assert "try again" in r.json()["detail"]
            assert r.headers["retry-after"] == "1"
        finally:
            for _ in range(held):
                service.release()
        assert httpx.get(f"http://{h}/api/replay").status_code in (200, 409)  # served again


def test_replay_off_in_the_config_says_so() -> None:
    with serve(demo_app(enabled=False)) as h:
        r = httpx.get(f"http://{h}/api/replay")
    assert r.status_code == 404
    assert "[replay] enabled = false" in r.json()["detail"]
