"""Connection limits: what one device on the gym's network cannot exhaust.

* **Live clients** (:class:`ClientCaps`): at most ``server.max_websocket_clients`` live
  pages and ``server.max_video_clients`` MJPEG viewers at once; one more is refused at
  once (WebSocket close code 1013 "try again later", HTTP 503 with ``Retry-After``), so the
  pipeline's fan-out and the file-descriptor table stay bounded.
* **Slow and idle connections** (the uvicorn protocol classes from :func:`protocols`):
  a connection that has not sent a complete request line and headers within
  ``server.idle_timeout_s`` of opening (or of its previous response), or the body of its
  request within that time of the headers, is dropped; a
  connection whose peer stops reading (its send buffer stays full for
  ``server.send_timeout_s``) is aborted, not closed: ``close()`` would wait for a buffer
  that never drains and keep the socket for ever. This covers the MJPEG stream and the
  WebSocket alike (a live page that never reads is dropped).

:func:`uvicorn_options` gathers these with uvicorn's own limits (keep-alive timeout,
h11's header-size cap) for ``treadwatch serve`` and the tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from edge.live.config import ServerConfig

#: WebSocket close code for "server overloaded, try again later" (RFC 6455 registry).
WS_TRY_LATER = 1013
#: WebSocket close code for "policy violation" (a page from another site).
WS_POLICY = 1008
#: Largest request line + headers accepted (h11 answers 431 above it).
MAX_HEADER_BYTES = 16 * 1024


@dataclass
class ClientCaps:
    """Live connections counted as they are accepted (event loop only: no lock needed)."""

    websockets: int = 0
    video: int = 0
    refused_websockets: int = 0
    refused_video: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "refused_websocket": self.refused_websockets,
            "refused_video": self.refused_video,
        }


class _StallGuard:
    """Aborts a transport whose write buffer stays above the high-water mark too long."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> None:
        self._loop = loop
        self._timeout = timeout_s
        self._timer: asyncio.TimerHandle | None = None

    def paused(self, transport: asyncio.BaseTransport) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(self._timeout, _abort, transport)

    def resumed(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _abort(transport: asyncio.BaseTransport) -> None:
    if isinstance(transport, asyncio.WriteTransport):
        transport.abort()
    else:
        transport.close()


def protocols(send_timeout_s: float, header_timeout_s: float) -> tuple[type[Any], type[Any]]:
    """uvicorn ``http`` and ``ws`` protocol classes with the stall and header deadlines."""

    class GuardedH11Protocol(H11Protocol):
        _stall: _StallGuard
        _deadline: asyncio.TimerHandle | None = None
        _deadline_cycle: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._stall = _StallGuard(self.loop, send_timeout_s)
            self._arm_deadline()

        def _arm_deadline(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline_cycle = self.cycle
            self._deadline = self.loop.call_later(header_timeout_s, self._deadline_hit)

        def _deadline_hit(self) -> None:
            self._deadline = None
            if self.transport.get_protocol() is not self or self.transport.is_closing():
                return  # upgraded to a WebSocket (no longer ours), or closing anyway
            if self.cycle is self._deadline_cycle:
                if self._body_pending():
                    self.transport.abort()  # a body dripping in (slowloris on the body)
                elif self.cycle is None or self.cycle.response_complete:
                    self.transport.abort()  # no complete request in time (idle, slowloris)

        def _body_pending(self) -> bool:
            return self.cycle is not None and self.conn.their_state is h11.SEND_BODY

        def handle_events(self) -> None:
            super().handle_events()
            # A request whose body is still to come gets the same deadline for its body.
            if self.cycle is not self._deadline_cycle and self._body_pending():
                self._arm_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            if hasattr(self, "_stall"):
                self._stall.resumed()
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            super().pause_writing()
            self._stall.paused(self.transport)

        def resume_writing(self) -> None:
            super().resume_writing()
            self._stall.resumed()

    class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
        _stall: _StallGuard

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._stall = _StallGuard(self.loop, send_timeout_s)

        def connection_lost(self, exc: Exception | None) -> None:
            if hasattr(self, "_stall"):
                self._stall.resumed()
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            super().pause_writing()
            self._stall.paused(self.transport)

        def resume_writing(self) -> None:
            super().resume_writing()
            self._stall.resumed()

    return GuardedH11Protocol, GuardedWebSocketProtocol


def uvicorn_options(server: ServerConfig) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` that apply the server limits."""
    http, ws = protocols(server.send_timeout_s, server.idle_timeout_s)
    options: dict[str, Any] = {
        "http": http,
        "ws": ws,
        "timeout_keep_alive": int(max(1, server.idle_timeout_s)),
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "ws_max_size": 64 * 1024,
        "ws_ping_interval": 10.0,
        "ws_ping_timeout": 20.0,
        "timeout_graceful_shutdown": 3,
        # Live clients are capped per kind; this bounds everything else (requests in
        # flight + open connections) with a 503 instead of running out of descriptors.
        "limit_concurrency": 8 * (server.max_websocket_clients + server.max_video_clients) + 64,
        "backlog": 128,
    }
    if server.tls_certfile is not None and server.tls_keyfile is not None:
        options["ssl_certfile"] = str(server.tls_certfile)
        options["ssl_keyfile"] = str(server.tls_keyfile)
    return options
