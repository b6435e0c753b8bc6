"""Fan-out of the pipeline's output to web clients, without letting one stall the others.

:class:`LiveHub` receives JSON messages from the analysis thread (``publish``) and hands
each WebSocket client its own bounded queue (a ``deque`` with ``maxlen``): when a tablet is
slow or dead its oldest messages are dropped and counted, and the pipeline never waits. The
hub serialises each message once. Waking the clients is one ``call_soon_threadsafe`` per
message into the server's event loop.

:class:`VideoHub` keeps only the newest encoded frame (the MJPEG viewers each take the
latest when they are ready, so a slow viewer sees fewer frames, never older ones).

Locking: ``LiveHub._lock`` guards the client set and the replay state (active alerts,
recent strides, last status); it is taken by the analysis thread in ``publish`` and by the
event loop when clients join or leave, never while sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(message: dict[str, Any]) -> str:
    """Compact JSON; a stray NaN/inf becomes null (browsers cannot parse NaN)."""
    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(message), separators=(",", ":"), allow_nan=False)


@dataclass(eq=False)
class LiveClient:
    """One WebSocket viewer's queue (drop-oldest) and counters.

    ``pinned`` holds what the page cannot do without and is sent first, never dropped: the
    hello (skeleton edges, view), the last status and the active cues at join time.
    ``queue`` holds everything else and loses its oldest when the tablet falls behind.
    """

    maxlen: int
    queue: deque[str] = field(init=False)
    pinned: deque[str] = field(default_factory=deque)
    event: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: int = 0
    queued: int = 0
    closed: bool = False

    def __post_init__(self) -> None:
        self.queue = deque(maxlen=self.maxlen)

    def offer(self, text: str) -> None:
        """Called with the hub lock held (single producer), never blocks."""
        if len(self.queue) == self.maxlen:
            self.dropped += 1
        self.queue.append(text)
        self.queued += 1

    def pin(self, text: str) -> None:
        """A message sent before the queue and never dropped (join time only)."""
        self.pinned.append(text)
        self.queued += 1

    def take(self) -> str | None:
        """The next message to send (pinned ones first), or None (event loop only)."""
        try:
            return self.pinned.popleft()
        except IndexError:
            pass
        try:
            return self.queue.popleft()
        except IndexError:
            return None

    def pending(self) -> list[str]:
        """What is waiting to be sent, in sending order (tests, diagnostics)."""
        return [*self.pinned, *self.queue]


class LiveHub:
    """Broadcasts pipeline messages to WebSocket clients (a :class:`LiveListener`)."""

    #: Strides kept to fill a newly opened page's chart (about a minute of running).
    RECENT_STRIDES = 200
    #: Share of a client's queue the replayed strides may take at join; the rest is room
    #: for the live messages that arrive before the page has read its replay.
    REPLAY_SHARE = 0.75

    def __init__(self, queue_len: int) -> None:
        self._queue_len = queue_len
        self._clients: set[LiveClient] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_pending = False
        self._alerts: dict[str, str] = {}  # rule -> raised message (JSON)
        self._strides: deque[str] = deque(maxlen=self.RECENT_STRIDES)
        self._status: str | None = None
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # --- producer side (any thread) --------------------------------------------------------

    def publish(self, message: dict[str, Any]) -> None:
        text = to_json(message)
        kind = message.get("type")
        with self._lock:
            if kind == "alert":
                rule = str(message.get("rule"))
                if message.get("state") == "raised":
                    self._alerts[rule] = text
                else:
                    self._alerts.pop(rule, None)
            elif kind == "stride":
                self._strides.append(text)
            elif kind == "session":
                # A new runner starts with a clean page: nothing of the previous one is replayed.
                self._alerts.clear()
                self._strides.clear()
            elif kind == "status":
                self._status = text
            for client in self._clients:
                client.offer(text)
            self.published += 1
            schedule = not self._wake_pending and self._loop is not None and bool(self._clients)
            if schedule:
                self._wake_pending = True
        if schedule and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                self._loop.call_soon_threadsafe(self._wake)

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None:
        """Video goes through :class:`VideoHub`, not the WebSocket."""

    wants_video = False

    def _wake(self) -> None:
        with self._lock:
            self._wake_pending = False
            clients = tuple(self._clients)
        for client in clients:
            if client.queue or client.pinned:
                client.event.set()

    # --- consumer side (event loop) --------------------------------------------------------

    def join(self, hello: dict[str, Any]) -> LiveClient:
        """Register a client. It first gets ``hello``, the last status and the active cues
        (pinned: never dropped), then the newest strides that fit in :attr:`REPLAY_SHARE`
        of its queue, then live messages."""
        client = LiveClient(self._queue_len)
        with self._lock:
            client.pin(to_json(hello))
            if self._status is not None:
                client.pin(self._status)
            for text in self._alerts.values():
                client.pin(text)
            room = int(self._queue_len * self.REPLAY_SHARE)
            if room > 0:
                for text in list(self._strides)[-room:]:
                    client.offer(text)
            self._clients.add(client)
        client.event.set()
        return client

    def leave(self, client: LiveClient) -> None:
        with self._lock:
            self._clients.discard(client)
        client.closed = True
        client.event.set()

    def close(self) -> None:
        with self._lock:
            clients = tuple(self._clients)
            self._clients.clear()
        for client in clients:
            client.closed = True
            client.event.set()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            clients = tuple(self._clients)
            replay = len(self._strides)
        return {
            "clients": len(clients),
            "published": self.published,
            "client_dropped": [c.dropped for c in clients],
            "replay_strides": replay,
        }


@dataclass(frozen=True, slots=True)
class VideoFrame:
    seq: int
    frame_index: int
    t_s: float
    wall: float
    jpeg: bytes


class VideoHub:
    """The newest JPEG for the MJPEG viewers (a :class:`LiveListener` for video only)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._latest: VideoFrame | None = None
        self._event = asyncio.Event()
        self._seq = 0
        self._pending: tuple[int, float, float, bytes] | None = None
        self._lock = threading.Lock()
        self.closed = False
        self.viewers = 0
        self._still_wanted_until = 0.0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, message: dict[str, Any]) -> None:
        """Messages go through :class:`LiveHub`."""

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None:
        if self._loop is None:
            return
        with self._lock:
            first = self._pending is None
            self._pending = (frame_index, t_s, wall, jpeg)
        if first:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._publish_pending)

    def _publish_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        self._seq += 1
        self._latest = VideoFrame(self._seq, *pending)
        event, self._event = self._event, asyncio.Event()
        event.set()

    #: After a still (``/video.jpg``) is asked for, keep encoding this long.
    STILL_KEEPALIVE_S = 10.0

    @property
    def wants_video(self) -> bool:
        """Encode only while someone watches (or recently asked for a still)."""
        return self.viewers > 0 or time.monotonic() < self._still_wanted_until

    def want_still(self) -> None:
        self._still_wanted_until = time.monotonic() + self.STILL_KEEPALIVE_S

    @property
    def latest(self) -> VideoFrame | None:
        return self._latest

    async def next_frame(self, after_seq: int) -> VideoFrame | None:
        """The newest frame newer than ``after_seq`` (waits for one); None when closed."""
        while not self.closed:
            latest = self._latest
            if latest is not None and latest.seq > after_seq:
                return latest
            await self._event.wait()
        return None

    def close(self) -> None:
        self.closed = True
        self._event.set()
