"""Run a real app under uvicorn on a loopback port, in a thread (round-trip and browser
tests)."""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI


@contextmanager
def serve(
    app: FastAPI,
    *,
    lifespan: Literal["on", "off"] = "on",
    ws_ping_interval: float | None = 20.0,
    sndbuf: int | None = None,
    **options: Any,
) -> Iterator[str]:
    """Yields ``host:port``; stops the server (and so the app's pipeline) on exit.

    ``sndbuf`` fixes the kernel send buffer of every connection (Linux: accepted sockets
    inherit it from the listening one), so a client that stops reading backs up into the
    server's own queues within seconds instead of megabytes. ``options`` go to
    ``uvicorn.Config`` (e.g. ``server.limits.uvicorn_options(...)``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sndbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings: dict[str, Any] = {
        "timeout_graceful_shutdown": 2,
        "ws_ping_interval": ws_ping_interval,
        "ws_ping_timeout": 20.0,
        **options,
    }
    config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, **settings)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20.0
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15.0)
        sock.close()


def dead_websocket(host: str) -> socket.socket:
    """A WebSocket handshake on ``/ws/live`` with a tiny receive buffer, then never a read
    (a tablet that stopped reading: the server must not wait on it)."""
    addr, port = host.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((addr, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /ws/live HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return s
