"""A refused request gets its answer whole, even when its body comes after its headers.

HTTP clients send a request's headers and its body in separate writes. A server that
refuses on the headers alone, answers and closes before the body arrives makes its kernel
answer the late body with a reset, and a reset can destroy the refusal before the client
has read it (schemathesis saw "Connection reset by peer" on ``POST /api/runners`` without
the PIN). The guard now takes the body off the connection (at most the body limit, never
decoded) before it answers.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import pytest

from tests.hardening.proc import serving, write_config

PIN = "739146"
BODY = b'{"name": "0"}'


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("refusal")
    cfg = write_config(
        tmp / "c.toml", f'[server]\nsettings_pin = "{PIN}"\n[recording]\nenabled = false\n'
    )
    with serving(cfg) as (url, _):
        yield url


def _exchange(url: str, head: str) -> tuple[bytes, bytes, str]:
    """Headers, a pause, then the body: (what came before the body was sent, what came
    after, how the connection ended: "eof" or the error)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head.encode())
        early = s.recv(4096) if select.select([s], [], [], 0.5)[0] else b""
        try:
            s.sendall(BODY)
        except OSError as exc:
            return early, b"", type(exc).__name__
        late = b""
        try:
            while select.select([s], [], [], 5.0)[0]:
                piece = s.recv(4096)
                if not piece:
                    return early, late, "eof"
                late += piece
        except OSError as exc:
            return early, late, type(exc).__name__
        return early, late, "timeout"


@pytest.mark.parametrize(
    ("why", "extra", "status"),
    [
        ("no PIN", "Content-Type: application/json\r\n", b"401"),
        ("wrong PIN", "Content-Type: application/json\r\nX-Treadwatch-Pin: 111111\r\n", b"401"),
        ("a form", "Content-Type: text/plain\r\n", b"415"),
    ],
)
def test_the_refusal_waits_for_the_body_and_arrives_whole(
    base: str, why: str, extra: str, status: bytes
) -> None:
    host = base.removeprefix("http://")
    head = (
        f"POST /api/runners HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: {len(BODY)}\r\n\r\n"
    )
    early, late, end = _exchange(base, head)
    assert early == b"", f"{why}: answered before the body came: {early[:60]!r}"
    assert late.startswith(b"HTTP/1.1 " + status), (why, late[:80])
    assert late.endswith(b"}") and b'"detail"' in late, (why, late)
    assert end == "eof", (why, end)
