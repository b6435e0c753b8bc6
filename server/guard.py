"""What every request that changes something passes before the app reads a byte of its body.

:class:`RequestGuard` is a plain ASGI middleware (it sees the request before FastAPI parses
anything). For ``POST``/``PUT``/``PATCH``/``DELETE`` it checks, in this order:

1. **Cross-site forms** (CSRF): a browser form from another page (another port on the same
   host counts as the same site for cookies) can only send ``text/plain``,
   ``application/x-www-form-urlencoded`` or ``multipart/form-data`` without the page's
   consent. So a state-changing request must say ``Content-Type: application/json`` or
   carry a custom header (``X-Requested-With`` or the PIN header), which a form cannot add
   and which a cross-origin script may only send after a CORS preflight we never answer.
   Anything else: **415**.
2. **Size**: a declared ``Content-Length`` above the limit is refused with **413** before
   the body is read; a streamed (chunked) body is counted as it arrives and cut off with
   413 at the limit. Either way at most ``limit`` bytes of a body are ever held.
3. **PIN first**: every state-changing route but the login is behind the settings PIN
   (the routes also say so with ``Depends(require_settings)``); without it the answer is
   401/403/429 here, before the body is decoded, so nobody without the PIN can make the
   server parse anything.

A refusal is sent only once the request's body (at most ``limit`` bytes) has arrived, and
then discarded unread: a server that answers and closes while the client is still sending
makes the client's kernel see a reset, which can destroy the answer before the client
reads it (what schemathesis caught as "Connection reset by peer" on a refused POST). A body
that has not come within ``DRAIN_S`` is not waited for: the refusal goes out then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException
from starlette.requests import Request

from server.auth import PIN_HEADER, auth_failure

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The only state-changing routes open without the PIN.
PUBLIC_STATE_CHANGING = frozenset({"/api/auth/login", "/api/auth/logout"})
#: The header the pages send with requests that have no JSON body (logout, delete).
CUSTOM_HEADER = "X-Requested-With"


def _needs_pin(path: str) -> bool:
    """Every state-changing route is behind the settings PIN except the login itself: a new
    route is protected unless it is added here on purpose (fail closed)."""
    return path not in PUBLIC_STATE_CHANGING


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


#: How long a refusal waits for the rest of the request's body before it is sent anyway.
DRAIN_S = 1.0


async def _discard_body(receive: Receive, limit: int) -> None:
    """Take the request's body off the connection without keeping it (stops past ``limit``
    bytes or after :data:`DRAIN_S`)."""

    async def drain() -> None:
        seen = 0
        while seen <= limit:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), DRAIN_S)


class RequestGuard:
    """ASGI middleware: CSRF (415), body size (413) and the PIN before the body (401/403)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        custom = CUSTOM_HEADER.lower() in headers or PIN_HEADER.lower() in headers
        if not _is_json(content_type) and not custom:
            await _discard_body(receive, self.limit)
            await _answer(
                send,
                415,
                "send the body as application/json (or, without a body, the header "
                f"{CUSTOM_HEADER}); forms from other pages are refused",
                [],
            )
            return
        declared = headers.get("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _answer(send, 400, "Content-Length is not a number", [])
                return
            if length > self.limit:
                await _answer(send, 413, f"request body over {self.limit} bytes", [])
                return
        if _needs_pin(scope["path"]):
            refused = auth_failure(Request(scope))
            if refused is not None:
                await _discard_body(receive, self.limit)
                await _answer(send, refused[0], refused[1], [])
                return
            scope["treadwatch.pin_ok"] = True
        await self.app(scope, self._capped(receive), send)

    def _capped(self, receive: Receive) -> Receive:
        limit = self.limit
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI lets its own HTTPException through its body parsing.
                    raise HTTPException(413, f"request body over {limit} bytes")
            return message

        return capped
