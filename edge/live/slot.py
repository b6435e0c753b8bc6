"""The hand-over between capture and analysis: a tiny buffer where the newest frame wins.

The buffer holds at most ``depth`` frames (1 or 2). When it is full, a new frame pushes out
the oldest one, which is counted as dropped: latency can never build up beyond ``depth``
frames. A depth of 2 absorbs scheduling jitter (a frame that arrives while the previous one
is still being handed over) without adding latency in steady state, when analysis keeps up.

Locking: ``_cond`` guards ``_items`` and the counters. The capture thread calls :meth:`put`,
the analysis thread calls :meth:`take`; neither holds the lock while working on a frame.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A live ``put`` never waits: when full the oldest item is dropped and counted. A
    lossless ``put`` (offline file analysis) waits for room instead."""

    def __init__(self, depth: int = 1) -> None:
        if depth < 1:
            raise ValueError("depth must be >= 1")
        self._cond = threading.Condition()
        self._items: deque[T] = deque()
        self._depth = depth
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T, lossless: bool = False) -> bool:
        """Offer ``item``; returns False when the slot is closed."""
        with self._cond:
            if lossless:
                while len(self._items) >= self._depth and not self._closed:
                    self._cond.wait()
            if self._closed:
                return False
            if len(self._items) >= self._depth:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self.put_count += 1
            self._cond.notify_all()
            return True

    def take(self, timeout: float | None = None) -> T | None:
        """The oldest item still held, waiting up to ``timeout`` s; None on timeout or when
        closed and empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._items)
