"""A big body without the PIN must not reach the JSON decoder (nor memory).

Parsed before the PIN check, one 5-million-key ``PUT /api/config`` without the PIN took the
server from ~330 MiB to a 1.2 GiB peak. Here a real ``treadwatch serve`` process gets 2 million
keys (about 28 MB), declared and streamed (chunked), without the PIN; its peak resident
set (``VmHWM``) may not grow by more than a few MiB, and the answer is 413 or 401 before the
body is read.
"""

from __future__ import annotations

import contextlib
import select
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.hardening.proc import peak_rss_kib, reset_peak_rss, serving, write_config

PIN = "739146"
KEYS = 2_000_000


def _body() -> bytes:
    return ("{" + ",".join(f'"k{i:07d}":0' for i in range(KEYS)) + "}").encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("limits")
    cfg = write_config(
        tmp / "c.toml",
        f'[server]\nsettings_pin = "{PIN}"\n[recording]\nenabled = false\n',
    )
    with serving(cfg) as (base, proc):
        yield base, proc.pid


def _send_raw(base: str, head: str, chunks: Iterator[bytes]) -> tuple[int, int]:
    """Sends ``head`` then the chunks, stopping as soon as the server answers; returns
    (status, bytes of body sent)."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    data = b""
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(head.encode())

        def answered(wait_s: float) -> bool:
            nonlocal data
            if select.select([s], [], [], wait_s)[0]:
                with contextlib.suppress(OSError):
                    data += s.recv(4096)
                return True
            return False

        if not answered(0.3):
            for chunk in chunks:
                try:
                    s.sendall(chunk)
                except OSError:
                    break  # the server answered and closed: the rest was never read
                sent += len(chunk)
                if answered(0.0):
                    break
        while b"\r\n" not in data and answered(10.0) and data:
            pass
        if not data:
            answered(10.0)
    return int(data.split(b" ", 2)[1]), sent


def _pieces(body: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


def _chunked(body: bytes, size: int = 65536) -> Iterator[bytes]:
    for piece in _pieces(body, size):
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def _grown_mib(pid: int, before_kib: int) -> float:
    return (peak_rss_kib(pid) - before_kib) / 1024


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_unauthenticated_big_body_does_not_grow_the_server(
    server: tuple[str, int], framing: str
) -> None:
    base, pid = server
    body = _body()
    assert len(body) > 25_000_000
    reset_peak_rss(pid)
    before = peak_rss_kib(pid)
    host = base.removeprefix("http://")
    if framing == "content-length":
        head = (
            f"PUT /api/config HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        status, sent = _send_raw(base, head, _pieces(body))
    else:
        head = (
            f"PUT /api/config HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        status, sent = _send_raw(base, head, _chunked(body))
    grown = _grown_mib(pid, before)
    print(f"{framing}: status {status}, sent {sent / 1e6:.1f} MB, peak RSS +{grown:.1f} MiB")
    assert status in (401, 413)
    assert grown < 8.0
    # The server is fine afterwards.
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200


def test_with_the_pin_a_big_body_is_refused_413_before_decoding(server: tuple[str, int]) -> None:
    base, pid = server
    body = _body()
    reset_peak_rss(pid)
    before = peak_rss_kib(pid)
    host = base.removeprefix("http://")
    head = (
        f"PUT /api/config HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-Treadwatch-Pin: {PIN}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    status, _ = _send_raw(base, head, _chunked(body))
    assert status == 413
    assert _grown_mib(pid, before) < 8.0
    declared = httpx.put(
        base + "/api/config",
        content=b"{" + b" " * 70_000 + b"}",
        headers={"Content-Type": "application/json", "X-Treadwatch-Pin": PIN},
        timeout=10,
    )
    assert declared.status_code == 413
    assert "65536 bytes" in declared.json()["detail"]
    # A normal settings change still works.
    ok = httpx.put(
        base + "/api/config",
        json={"gait": {"view": "front"}},
        headers={"X-Treadwatch-Pin": PIN},
        timeout=10,
    )
    assert ok.status_code == 200


def test_every_body_route_checks_the_pin_before_reading(server: tuple[str, int]) -> None:
    """The routes behind the PIN answer 401 to a body declared too big to ever send."""
    base, _ = server
    host = base.removeprefix("http://")
    for method, path in [
        ("PUT", "/api/config"),
        ("POST", "/api/mark"),
        ("POST", "/api/review/sessions/1/marks"),
        ("PUT", "/api/review/marks/1"),
    ]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 60000\r\n\r\n"
        )
        status, _ = _send_raw(base, head, iter([b"{"]))
        print(path, status)
        assert (path, status) == (path, 401)
