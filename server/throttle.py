"""Wrong-PIN throttling per client address, with a back-off that grows.

A few wrong PINs from one address are free (typos); after that the address waits
``base_s`` seconds, doubling with every further failure up to ``max_s``. Only that address
waits: a member's phone sending a wrong PIN twice a second locks out the phone, not the
therapist's tablet. A success clears the address. Entries forget themselves after
``forget_s`` without failures, and at most ``max_addresses`` are kept (the oldest go
first), so a flood of addresses cannot grow memory.

Thread-safe (one lock; the routes run in a thread pool).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Entry:
    failures: int
    last: float
    blocked_until: float


class Throttle:
    def __init__(
        self,
        *,
        free: int = 3,
        base_s: float = 1.0,
        max_s: float = 300.0,
        forget_s: float = 3600.0,
        max_addresses: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.base_s = base_s
        self.max_s = max_s
        self.forget_s = forget_s
        self.max_addresses = max_addresses
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, address: str) -> float:
        """Seconds ``address`` must still wait before its next try (0: may try now)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(address)
            if entry is None:
                return 0.0
            if now - entry.last > self.forget_s:
                del self._entries[address]
                return 0.0
            return max(0.0, entry.blocked_until - now)

    def failure(self, address: str) -> float:
        """Count a wrong PIN; returns the wait now imposed on ``address`` (seconds)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.pop(address, None)
            if entry is None or now - entry.last > self.forget_s:
                entry = _Entry(0, now, now)
            entry.failures += 1
            entry.last = now
            over = entry.failures - self.free
            wait = 0.0 if over < 0 else min(self.max_s, self.base_s * 2.0**over)
            entry.blocked_until = now + wait
            self._entries[address] = entry
            while len(self._entries) > self.max_addresses:
                self._entries.popitem(last=False)
            return wait

    def success(self, address: str) -> None:
        with self._lock:
            self._entries.pop(address, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
