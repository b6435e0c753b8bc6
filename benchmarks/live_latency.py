"""The whole live path on a shared clip, at the clip's real frame rate.

capture (video file, paced at its fps) → pose (PoseEngine) → gait analysis → WebSocket →
a client in another process (as the tablet is another machine). The clip starts when the
client is connected. Prints frames/s, dropped frames, inference time and the capture →
publish and capture → client latencies (median, p95, max).

Usage: python benchmarks/live_latency.py [CLIP_OR_PATH] [--threads N] [--queue N]
Default clip: $TREADWATCH_SHARED/data/videos/treadmill_side_male_gt.mp4
(TREADWATCH_SHARED defaults to ../shared beside the repository).
Target on a 2-core machine with 30 fps clips: no drops, p95 capture → client ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from websockets.asyncio.client import connect

from edge.config.root import Config
from edge.live.capture import open_source
from edge.live.frames import Frame, FrameSource
from server.app import create_app
from treadwatch.compose import estimator_factory as _estimator_factory

REPO = Path(__file__).resolve().parent.parent


def shared_videos() -> Path:
    env = os.environ.get("TREADWATCH_SHARED")
    return (Path(env) if env else REPO.parent / "shared") / "data" / "videos"


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, f"127.0.0.1:{port}"


async def _video(host: str, out: dict[str, list[float]]) -> None:
    """Pulls the MJPEG video like the page does (so the server encodes it)."""
    async with (
        httpx.AsyncClient(timeout=None) as http,
        http.stream("GET", f"http://{host}/video.mjpeg") as r,
    ):
        async for chunk in r.aiter_bytes():
            out["video_bytes"].append(float(len(chunk)))


async def _client(host: str) -> dict[str, list[float]]:
    """A tablet (run in its own process, as a tablet would be): the WebSocket and the video;
    frame latencies until the pipeline reports the end of the clip."""
    out: dict[str, list[float]] = {"latency_ms": [], "id": [], "wall": [], "video_bytes": []}
    video = asyncio.create_task(_video(host, out))
    try:
        return await _ws(host, out)
    finally:
        video.cancel()
        with contextlib.suppress(BaseException):
            await video


async def _ws(host: str, out: dict[str, list[float]]) -> dict[str, list[float]]:
    async with connect(f"ws://{host}/ws/live", max_size=2**22) as ws:
        while True:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=5.0)
            except TimeoutError:
                return out
            now = time.time()
            m = json.loads(text)
            if m["type"] == "frame":
                out["latency_ms"].append((now - m["wall"]) * 1000.0)
                out["id"].append(m["id"])
                out["wall"].append(m["wall"])
            elif m["type"] == "status" and m["source"]["state"] in ("ended", "failed"):
                return out


class _StartWhenWatched:
    """The clip, opened only once a viewer is connected (so it sees every frame)."""

    def __init__(self, source: FrameSource, watched: Callable[[], bool]) -> None:
        self._source = source
        self._watched = watched
        self.name, self.simulated, self.live = source.name, source.simulated, source.live

    @property
    def fps(self) -> float | None:
        return self._source.fps

    def open(self) -> None:
        while not self._watched():
            time.sleep(0.01)
        self._source.open()

    def read(self) -> Frame | None:
        return self._source.read()

    def close(self) -> None:
        self._source.close()


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", nargs="?", default="treadmill_side_male_gt")
    ap.add_argument("--threads", type=int, default=None, help="pose interpreter threads")
    ap.add_argument("--queue", type=int, default=None, help="capture.queue_frames")
    ap.add_argument(
        "--switch-ms", type=float, default=None, help="Python thread switch interval (ms)"
    )
    ap.add_argument("--client", default=None, help=argparse.SUPPRESS)  # internal: viewer mode
    args = ap.parse_args()
    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000.0)
    if args.client:
        print(json.dumps(asyncio.run(_client(args.client))))
        return 0
    path = Path(args.clip)
    if not path.is_file():
        path = shared_videos() / f"{args.clip}.mp4"
    if not path.is_file():
        raise SystemExit(f"clip not found: {path} (set TREADWATCH_SHARED)")

    data: dict[str, Any] = {
        "capture": {"source": str(path), "pace_files": True},
        "recording": {"enabled": False},
    }
    if args.threads:
        data["pose"] = {"num_threads": args.threads}
    if args.queue:
        data["capture"]["queue_frames"] = args.queue
    config = Config.model_validate(data)
    source = open_source(config.capture.source, config.capture)
    factory = _estimator_factory(config, source)  # loads the model before the clock starts
    holder: list[Any] = []
    gated = _StartWhenWatched(source, lambda: bool(holder and holder[0].hub.stats()["clients"]))
    app = create_app(config, gated, estimator_factory=factory)
    holder.append(app.state.live)

    server, thread, host = _serve(app)
    pipeline = app.state.live.pipeline
    try:
        viewer = subprocess.run(
            [sys.executable, __file__, "--client", host],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        )
        got = json.loads(viewer.stdout)
        latencies, ids, walls = got["latency_ms"], got["id"], got["wall"]
        video_mib = sum(got["video_bytes"]) / 2**20
    finally:
        status = pipeline.status()
        server.should_exit = True
        thread.join(10.0)

    cap, ana = status["capture"], status["analysis"]
    received = len(ids)
    print(f"clip                 {path.name} ({source.fps:.2f} fps)")
    print(f"frames captured      {cap['frames']}")
    span = walls[-1] - walls[0] if len(walls) > 1 else float("nan")
    rate = (len(walls) - 1) / span
    print(f"frames analysed      {ana['frames']}  ({rate:.1f} /s, captured over {span:.1f} s)")
    print(f"frames to the client {received}")
    print(f"dropped (pipeline)   {cap['dropped']}")
    print(f"analysis errors      {ana['errors']}")
    print(f"inference ms (avg)   {ana['inference_ms']}  (pose + gait: {ana['analysis_ms']} ms)")
    vid = status["video"]
    print(
        f"video to the page    {vid['frames']} JPEG frames, {vid['jpeg_ms']} ms each, "
        f"{video_mib:.1f} MiB received"
    )
    lat = status["latency_ms"]
    print(
        f"capture→publish ms   p50 {lat['capture_to_publish_p50']}  "
        f"p95 {lat['capture_to_publish_p95']}  (last 300 frames)"
    )
    print(
        f"capture→client ms    median {statistics.median(latencies):.1f}  "
        f"p95 {_pct(latencies, 95):.1f}  max {max(latencies):.1f}"
    )
    steady = latencies[30:]
    if steady:
        print(
            f"  after the first 30  median {statistics.median(steady):.1f}  "
            f"p95 {_pct(steady, 95):.1f}  max {max(steady):.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
