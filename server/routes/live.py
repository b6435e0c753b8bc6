"""Live data: ``/ws/live`` (landmarks, strides, alerts, status) and ``/video.mjpeg``.

Each WebSocket client drains its own bounded queue (see :mod:`server.hub`); a client that
stops reading blocks only its own sender task. The MJPEG stream sends the newest frame
whenever the viewer is ready, each part labelled with ``X-Frame-Id`` so the page draws the
overlay of the same frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import Response, StreamingResponse

from edge.gait.ranges import ranges_json
from edge.landmarks import NUM_LANDMARKS, SKELETON_EDGES, Landmark
from server.hub import LiveClient
from server.state import LiveState, State

router = APIRouter(tags=["live"])

BOUNDARY = "frame"


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
        "belt_zone": None
        if cfg.pose.belt_zone is None
        else cfg.pose.belt_zone.model_dump(mode="json"),
        "ranges": ranges_json(),
    }


async def _send_loop(ws: WebSocket, client: LiveClient) -> None:
    while not client.closed:
        await client.event.wait()
        client.event.clear()
        while client.queue:
            try:
                text = client.queue.popleft()
            except IndexError:
                break
            await ws.send_text(text)


async def _receive_loop(ws: WebSocket) -> None:
    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return


@router.websocket("/ws/live")
async def live_ws(ws: WebSocket) -> None:
    state: LiveState = ws.app.state.live
    await ws.accept()
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
    state.video.viewers += 1
    try:
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
    finally:
        state.video.viewers -= 1


@router.get("/video.mjpeg")
def video_mjpeg(state: State) -> StreamingResponse:
    return StreamingResponse(
        _mjpeg(state),
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
