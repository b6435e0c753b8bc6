"""The whole live path on a shared clip, at the clip's real frame rate.

capture (video file, paced at its fps) → pose (PoseEngine) → gait analysis → WebSocket →
a client in this process. Prints frames/s, dropped frames, inference time and the
capture → publish and capture → client latencies (median, p95, max).

Usage: python benchmarks/live_latency.py [CLIP_OR_PATH] [--threads N] [--queue N]
Default clip: $TREADWATCH_SHARED/data/videos/treadmill_side_male_gt.mp4
(TREADWATCH_SHARED defaults to ../shared beside the repository).
Target on a 2-core machine with 30 fps clips: no drops, p95 capture → client ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn
from websockets.asyncio.client import connect

from edge.config import Config
from edge.live.capture import open_source
from edge.live.commands import _estimator_factory
from server.app import create_app

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


async def _client(host: str, app: Any, latencies: list[float], ids: list[int]) -> None:
    pipeline = app.state.live.pipeline
    async with connect(f"ws://{host}/ws/live", max_size=2**22) as ws:
        while True:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=1.0)
            except TimeoutError:
                if not pipeline.running:
                    return
                continue
            now = time.time()
            m = json.loads(text)
            if m["type"] == "frame":
                latencies.append((now - m["wall"]) * 1000.0)
                ids.append(m["id"])


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", nargs="?", default="treadmill_side_male_gt")
    ap.add_argument("--threads", type=int, default=None, help="pose interpreter threads")
    ap.add_argument("--queue", type=int, default=None, help="capture.queue_frames")
    args = ap.parse_args()
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
    app = create_app(config, source, estimator_factory=factory)
    latencies: list[float] = []
    ids: list[int] = []

    server, thread, host = _serve(app)
    pipeline = app.state.live.pipeline
    t0 = time.monotonic()
    try:
        asyncio.run(_client(host, app, latencies, ids))
    finally:
        elapsed = time.monotonic() - t0
        status = pipeline.status()
        server.should_exit = True
        thread.join(10.0)

    cap, ana = status["capture"], status["analysis"]
    received = len(ids)
    print(f"clip                 {path.name} ({source.fps:.2f} fps)")
    print(f"frames captured      {cap['frames']}")
    rate = ana["frames"] / elapsed
    print(f"frames analysed      {ana['frames']}  ({rate:.1f} /s over {elapsed:.1f} s)")
    print(f"frames to the client {received}")
    print(f"dropped (pipeline)   {cap['dropped']}")
    print(f"analysis errors      {ana['errors']}")
    print(f"inference ms (avg)   {ana['inference_ms']}")
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
