"""``/healthz`` says degraded (503, with the reason) when the device is not doing
its job: recording off because the database is corrupt, or the pose stage failing on every
frame. ``/api/status`` carries the same."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.live.frames import Frame
from edge.recording.live import make_sinks
from server.app import create_app
from tests.support.serving import serve


def _wait(client: httpx.Client, pred: Any, timeout_s: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        r = client.get("/healthz")
        if pred(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_corrupt_database_makes_health_degraded(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    db.write_bytes(b"this is not a database" * 512)
    cfg = Config.model_validate({"recording": {"db_path": str(db)}})
    sinks = make_sinks(cfg, required=False)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10) as c:
            r = c.get("/healthz")
            assert r.status_code == 503
            body = r.json()
            assert (body["ok"], body["status"], body["pipeline"]) == (False, "degraded", "running")
            (reason,) = body["reasons"]
            assert reason.startswith("recording is off:")
            assert str(db) in reason
            status = c.get("/api/status").json()
            assert status["health"] == {"status": "degraded", "reasons": [reason]}
    finally:
        sinks.close()


class BrokenCamera:
    """A camera that delivers frames, every one of them unusable (8×8 pixels)."""

    name = "USB camera 0"
    simulated = False
    live = True
    fps = 30.0

    def __init__(self) -> None:
        self.n = 0

    def open(self) -> None:
        return None

    def read(self) -> Frame:
        time.sleep(1 / 60)
        self.n += 1
        img = np.zeros((8, 8, 3), np.uint8)
        return Frame(self.n, self.n / 30, time.monotonic(), time.time(), img)

    def close(self) -> None:
        return None


def test_failing_pose_stage_makes_health_degraded(model_paths: dict[str, Path]) -> None:
    cfg = Config.model_validate(
        {
            "recording": {"enabled": False},
            "models": {"cache_dir": str(model_paths["pose_detection"].parent)},
        }
    )
    app = create_app(cfg, BrokenCamera())
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10) as c:
        r = _wait(c, lambda r: r.status_code == 503)
        assert r.status_code == 503
        (reason,) = r.json()["reasons"]
        assert reason.startswith("the pose stage fails on every frame (")
        assert "too small" in reason
        assert c.get("/api/status").json()["health"]["status"] == "degraded"


def test_healthy_demo_is_ok() -> None:
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10) as c:
        r = c.get("/healthz")
        assert (r.status_code, r.json()["status"], r.json()["reasons"]) == (200, "ok", [])
