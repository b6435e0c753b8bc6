"""The hand-over between capture and analysis: one slot, the newest frame wins.

Locking: ``_cond`` guards ``_item`` and the counters. The capture thread calls :meth:`put`,
the analysis thread calls :meth:`take`; neither holds the lock while working on a frame.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item. A live ``put`` replaces an untaken item and counts it dropped;
    a lossless ``put`` (offline file analysis) waits until the previous item was taken."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T, lossless: bool = False) -> bool:
        """Offer ``item``; returns False when the slot is closed."""
        with self._cond:
            if lossless:
                while self._item is not None and not self._closed:
                    self._cond.wait()
            if self._closed:
                return False
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.put_count += 1
            self._cond.notify_all()
            return True

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` s; None on timeout or when closed."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            if item is not None:
                self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed
