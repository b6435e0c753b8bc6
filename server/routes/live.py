"""Live data: ``/ws/live`` (landmarks, strides, alerts, status) and ``/video.mjpeg``.

Each WebSocket client drains its own bounded queue (see :mod:`server.hub`); a client that
stops reading blocks only its own sender task. The MJPEG stream sends the newest frame
whenever the viewer is ready, each part labelled with ``X-Frame-Id`` so the page draws the
overlay of the same frame.

Both are capped (``server.max_websocket_clients``, ``server.max_video_clients``): one more
live page is closed with code 1013 and a reason, one more video viewer gets 503. A browser
WebSocket must come from this server's own page (``Origin`` = ``Host``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import Response, StreamingResponse

from edge.catalogue import MIN_CONFIDENCE, catalogue_json
from edge.config.root import Config
from edge.gait.ranges import ranges_json
from edge.landmarks import NUM_LANDMARKS, SKELETON_EDGES, Landmark
from server.hub import LiveClient
from server.limits import WS_POLICY, WS_TRY_LATER
from server.state import LiveState, State

router = APIRouter(tags=["live"])

BOUNDARY = "frame"


def rules_json(config: Config) -> dict[str, Any]:
    """What the page needs to show the number a cue is about and why a cue is or is not
    raised: each rule's metric, unit, threshold and step window."""
    return {
        name: {
            "enabled": rule.enabled and config.alerts.enabled,
            "metric": rule.metric or name,
            "unit": rule.unit,
            "last_m": rule.last_m,
            "n_of": rule.n_of,
            "min_confidence": rule.min_confidence,
            "threshold": rule.threshold,
            "clear": rule.clear,
            "direction": rule.direction,
        }
        for name, rule in config.alerts.rules().items()
    }


def hello_message(state: LiveState) -> dict[str, Any]:
    cfg = state.pipeline.config
    return {
        "type": "hello",
        "source": state.pipeline.source.name,
        "simulated": state.pipeline.source.simulated,
        "view": cfg.gait.view,
        "landmarks": [lm.name.lower() for lm in Landmark][:NUM_LANDMARKS],
        "edges": [[int(a), int(b)] for a, b in SKELETON_EDGES],
        "video_fps": cfg.server.video_fps,
        "rules": rules_json(cfg),
        "belt_zone": None
        if cfg.pose.belt_zone is None
        else cfg.pose.belt_zone.model_dump(mode="json"),
        "ranges": ranges_json(),
        "catalogue": catalogue_json(),
        "min_confidence": MIN_CONFIDENCE,
        "max_active": cfg.alerts.max_active,
    }


async def _send_loop(ws: WebSocket, client: LiveClient) -> None:
    while not client.closed:
        await client.event.wait()
        client.event.clear()
        while (text := client.take()) is not None:
            await ws.send_text(text)


async def _receive_loop(ws: WebSocket) -> None:
    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return


def _same_origin(ws: WebSocket) -> bool:
    """A browser sends ``Origin``; it must name this server (the page's own host). Clients
    without one (scripts, monitoring) are not browsers and carry no cookies of ours."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    host = ws.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


@router.websocket("/ws/live")
async def live_ws(ws: WebSocket) -> None:
    state: LiveState = ws.app.state.live
    if not _same_origin(ws):
        await ws.close(code=WS_POLICY, reason="page from another site")
        return
    cap = state.config.server.max_websocket_clients
    if state.caps.websockets >= cap:
        state.caps.refused_websockets += 1
        await ws.accept()
        await ws.close(
            code=WS_TRY_LATER,
            reason=f"too many live pages open ({cap}); close one and reload",
        )
        return
    state.caps.websockets += 1
    try:
        await ws.accept()
        await _serve_client(ws, state)
    finally:
        state.caps.websockets -= 1


async def _serve_client(ws: WebSocket, state: LiveState) -> None:
    client = state.hub.join(hello_message(state))
    sender = asyncio.create_task(_send_loop(ws, client))
    receiver = asyncio.create_task(_receive_loop(ws))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect | OSError):
                raise exc
    finally:
        state.hub.leave(client)
        for task in (sender, receiver):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await ws.close()


async def _mjpeg(state: LiveState) -> AsyncIterator[bytes]:
    seq = -1
    while True:
        frame = await state.video.next_frame(seq)
        if frame is None:
            return
        seq = frame.seq
        head = (
            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(frame.jpeg)}\r\nX-Frame-Id: {frame.frame_index}\r\n"
            f"X-Timestamp: {frame.t_s:.4f}\r\nX-Wall: {frame.wall:.4f}\r\n\r\n"
        ).encode()
        yield head + frame.jpeg + b"\r\n"


class _ViewerStream(StreamingResponse):
    """The MJPEG response; the viewer counted by the route is released when it ends, however
    it ends (even if the client left before the first frame)."""

    def __init__(self, state: LiveState, **kwargs: Any) -> None:
        super().__init__(_mjpeg(state), **kwargs)
        self._state = state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._state.video.viewers -= 1


@router.get("/video.mjpeg", response_model=None)
async def video_mjpeg(state: State) -> StreamingResponse | Response:
    cap = state.config.server.max_video_clients
    if state.video.viewers >= cap:
        state.caps.refused_video += 1
        return Response(
            f"too many video viewers ({cap}); close one and reload",
            status_code=503,
            media_type="text/plain",
            headers={"Retry-After": "10"},
        )
    state.video.viewers += 1  # counted now: the stream may start a moment later
    return _ViewerStream(
        state,
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/video.jpg")
async def video_still(state: State) -> Response:
    """The newest video frame (for the settings page's belt-zone picture)."""
    video = state.video
    video.want_still()
    frame = video.latest
    if frame is None or time.time() - frame.wall > 1.0:
        with contextlib.suppress(TimeoutError):
            frame = await asyncio.wait_for(video.next_frame(frame.seq if frame else -1), 3.0)
    if frame is None:
        return Response(status_code=503, content=b"no video yet")
    return Response(
        frame.jpeg,
        media_type="image/jpeg",
        headers={"X-Frame-Id": str(frame.frame_index), "Cache-Control": "no-store"},
    )
