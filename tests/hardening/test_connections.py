"""Connection exhaustion and log flood.

Without limits, 1,000 WebSocket clients made ``/healthz`` take 27 s and 1,100 half-open
connections made it time out. Live pages and video viewers are capped (refused with close
code 1013 / 503), a connection that never sends a request or never reads is dropped, and a
flood of one log line is collapsed. Counts stay modest (loopback, bounded loops).
"""

from __future__ import annotations

import contextlib
import io
import logging
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.logfilter import RepeatFilter
from server.app import create_app
from server.limits import uvicorn_options
from tests.hardening.proc import free_port, start, wait_http, write_config
from tests.support.serving import dead_websocket, serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real ``treadwatch serve`` with the default caps (16 pages, 8 videos), started with
    a low soft open-files limit (as a shell would give it)."""
    tmp = tmp_path_factory.mktemp("conn")
    cfg = write_config(
        tmp / "c.toml", "[server]\nidle_timeout_s = 1.0\n[recording]\nenabled = false\n"
    )
    port = free_port()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    def low_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    proc = start(
        [
            "serve",
            "--source",
            "demo",
            "--config",
            str(cfg),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        preexec_fn=low_soft_limit,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base, proc)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def _ws(base: str) -> ClientConnection:
    return connect(base.replace("http://", "ws://") + "/ws/live", open_timeout=10)


def _health_s(base: str) -> float:
    t0 = time.monotonic()
    r = httpx.get(base + "/healthz", timeout=30)
    assert r.status_code == 200
    return time.monotonic() - t0


def test_open_files_limit_raised_to_the_hard_limit(server: tuple[str, int]) -> None:
    _, pid = server
    line = next(
        ln for ln in Path(f"/proc/{pid}/limits").read_text().splitlines() if "open files" in ln
    )
    soft, hard = line.split()[3:5]
    assert int(soft) > 256
    assert soft == hard


def test_websocket_cap_refuses_with_1013_and_health_stays_fast(server: tuple[str, int]) -> None:
    base, _ = server
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(_ws(base)) for _ in range(16)]
        for c in clients:
            assert '"type":"hello"' in str(c.recv(timeout=10))
        extra = stack.enter_context(_ws(base))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                extra.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013
        assert "too many live pages" in closed.value.rcvd.reason
        status = httpx.get(base + "/api/status", timeout=10).json()
        assert status["clients"]["websocket"] == 16
        assert status["clients"]["refused_websocket"] >= 1
        assert _health_s(base) < 2.0
    # A place is free again once a page closes.
    deadline = time.monotonic() + 10
    while httpx.get(base + "/api/status").json()["clients"]["websocket"] and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    with _ws(base) as again:
        assert '"type":"hello"' in str(again.recv(timeout=10))


def test_live_pages_and_video_outlast_the_idle_timeout(server: tuple[str, int]) -> None:
    """The idle deadline (1 s here) is for connections without a request, not for a live
    page or a video that is being streamed."""
    base, _ = server
    video, head = _video(base)
    try:
        assert head.startswith(b"HTTP/1.1 200")
        with _ws(base) as ws:
            t0 = time.monotonic()
            n = 0
            while time.monotonic() - t0 < 3.0:
                ws.recv(timeout=5)
                n += 1
            assert n > 30
        got = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.5:
            got += len(video.recv(65536))
        assert got > 0
    finally:
        video.close()


def _video(base: str) -> tuple[socket.socket, bytes]:
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(f"GET /video.mjpeg HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        more = s.recv(4096)
        if not more:
            break
        head += more
    return s, head


def test_video_cap_answers_503_and_health_stays_fast(server: tuple[str, int]) -> None:
    base, _ = server
    viewers = [_video(base) for _ in range(8)]
    try:
        assert all(head.startswith(b"HTTP/1.1 200") for _, head in viewers)
        extra, head = _video(base)
        extra.close()
        assert head.startswith(b"HTTP/1.1 503")
        assert b"retry-after: 10" in head.lower()
        assert httpx.get(base + "/api/status").json()["clients"]["video"] == 8
        assert _health_s(base) < 2.0
    finally:
        for s, _ in viewers:
            s.close()


def test_idle_connections_are_dropped(server: tuple[str, int]) -> None:
    """Connections that never send a request (half-open, slowloris) are closed after
    ``server.idle_timeout_s`` (1 s here); meanwhile health answers."""
    base, _ = server
    host, port = base.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(100)]
    slow = socket.create_connection((host, int(port)), timeout=10)
    slow.sendall(b"GET /healthz HTTP/1.1\r\n")  # and never the rest
    try:
        assert _health_s(base) < 2.0
        time.sleep(1.5)
        closed = 0
        for s in [*idle, slow]:
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
        assert closed == 101
    finally:
        for s in [*idle, slow]:
            s.close()


def test_a_dripping_body_is_dropped(server: tuple[str, int]) -> None:
    """Headers, then a body one byte at a time (slowloris on the body): dropped after the
    idle timeout (1 s here), not held for as long as the client likes."""
    base, _ = server
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(
        f"POST /api/auth/login HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode()
    )
    t0 = time.monotonic()
    closed_after = None
    try:
        while time.monotonic() - t0 < 6.0:
            s.sendall(b" ")
            time.sleep(0.2)
    except OSError:
        closed_after = time.monotonic() - t0
    finally:
        s.close()
    assert closed_after is not None
    assert closed_after < 3.0


def test_a_websocket_that_never_reads_is_dropped() -> None:
    cfg = Config.model_validate(
        {
            "server": {"send_timeout_s": 2.0},
            "capture": {"demo_phase_s": 5.0},
            "recording": {"enabled": False},
        }
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    state = app.state.live
    options = {**uvicorn_options(cfg.server), "ws_ping_interval": None}
    with serve(app, sndbuf=16384, **options) as host:
        dead = dead_websocket(host)
        try:
            deadline = time.monotonic() + 5
            while state.hub.stats()["clients"] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert state.hub.stats()["clients"] == 1
            t0 = time.monotonic()
            while state.hub.stats()["clients"] and time.monotonic() - t0 < 30:
                time.sleep(0.1)
            print(f"dead WebSocket dropped after {time.monotonic() - t0:.1f} s")
            assert state.hub.stats()["clients"] == 0
            assert state.caps.websockets == 0
        finally:
            dead.close()


def test_repeated_log_lines_collapse() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    now = [0.0]
    handler.addFilter(RepeatFilter(burst=3, window_s=10.0, clock=lambda: now[0]))
    logger = logging.getLogger("tests.flood")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(10_000):
            now[0] = i * 0.001  # 10,000 lines in 10 s
            logger.error("socket.accept() out of system resource")
        logger.error("something else")
        now[0] = 20.0
        logger.error("socket.accept() out of system resource")
    finally:
        logger.removeHandler(handler)
    lines = out.getvalue().splitlines()
    print(lines)
    assert len(lines) == 5  # 3 of the flood, the other one, the summary
    assert lines[:3] == ["socket.accept() out of system resource"] * 3
    assert lines[3] == "something else"
    assert lines[4] == (
        "socket.accept() out of system resource (repeated 9997 times in the last 10 s)"
    )
