"""Soak: the demo served for N minutes to 5 live pages and 2 video viewers.

Runs the real ``treadwatch serve --source demo`` in its own process (recording on, into a
temporary directory), connects 5 WebSocket clients and 2 MJPEG viewers from this process,
and every 30 s prints the server's resident memory (RSS and its peak), open file
descriptors, threads, the analysed frame rate and what the viewers received. A leak shows
as RSS or descriptors climbing from one line to the next.

Usage: python benchmarks/soak.py [--minutes 10] [--every 30] [--pages 5] [--videos 2]
(run it under ``nice -n 10`` on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_figures(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            out[key] = int(value.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


class Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ws_messages = 0
        self.video_bytes = 0
        self.errors = 0

    def add(self, name: str, n: int) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + n)


def _page(url: str, stop: threading.Event, c: Counters) -> None:
    while not stop.is_set():
        try:
            with connect(url, open_timeout=10) as ws:
                while not stop.is_set():
                    ws.recv(timeout=10)
                    c.add("ws_messages", 1)
        except Exception:
            if not stop.is_set():
                c.add("errors", 1)
                time.sleep(1)


def _video(host: str, port: int, stop: threading.Event, c: Counters) -> None:
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=10) as s:
                s.sendall(f"GET /video.mjpeg HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                while not stop.is_set():
                    data = s.recv(65536)
                    if not data:
                        break
                    c.add("video_bytes", len(data))
        except OSError:
            if not stop.is_set():
                c.add("errors", 1)
                time.sleep(1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between lines")
    ap.add_argument("--pages", type=int, default=5, help="WebSocket clients")
    ap.add_argument("--videos", type=int, default=2, help="MJPEG viewers")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "soak.toml"
        cfg.write_text(f'[recording]\ndb_path = "{Path(tmp) / "sessions.db"}"\n')
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "treadwatch.cli", "serve", "--source", "demo", "--config",
             str(cfg), "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        stop = threading.Event()
        c = Counters()
        try:
            for _ in range(300):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            threads = [
                threading.Thread(target=_page, args=(f"ws://127.0.0.1:{port}/ws/live", stop, c))
                for _ in range(args.pages)
            ] + [
                threading.Thread(target=_video, args=("127.0.0.1", port, stop, c))
                for _ in range(args.videos)
            ]
            for t in threads:
                t.daemon = True
                t.start()
            t0 = time.monotonic()
            end = t0 + args.minutes * 60
            print(
                f"{'t_s':>6} {'rss_MiB':>8} {'peak_MiB':>8} {'fds':>5} {'threads':>7} "
                f"{'fps':>5} {'frames':>7} {'ws_msgs':>8} {'video_MB':>8} {'pages':>5} "
                f"{'videos':>6} {'errors':>6} health",
                flush=True,
            )
            next_line = t0
            while True:
                now = time.monotonic()
                if now >= next_line:
                    f = _proc_figures(proc.pid)
                    st = httpx.get(base + "/api/status", timeout=10).json()
                    health = httpx.get(base + "/healthz", timeout=10).json()["status"]
                    print(
                        f"{now - t0:6.0f} {f['VmRSS'] / 1024:8.1f} {f['VmHWM'] / 1024:8.1f} "
                        f"{f['fds']:5d} {f['Threads']:7d} {st['analysis']['fps']:5.1f} "
                        f"{st['analysis']['frames']:7d} {c.ws_messages:8d} "
                        f"{c.video_bytes / 1e6:8.1f} {st['clients']['websocket']:5d} "
                        f"{st['clients']['video']:6d} {c.errors:6d} {health}",
                        flush=True,
                    )
                    next_line += args.every
                if now >= end:
                    break
                time.sleep(min(1.0, max(0.0, next_line - now)))
        finally:
            stop.set()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(30)
            print(f"server stopped with exit code {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
