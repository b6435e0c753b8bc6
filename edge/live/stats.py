"""Small, allocation-free meters for the pipeline's published figures.

Each meter is written by one thread (the stage that owns it) and read by the status
reporter; reads take a consistent-enough snapshot under the GIL (single float/int loads,
and a copy of the ring for percentiles).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np


class RateMeter:
    """Events per second over a sliding window of ``window_s`` seconds."""

    def __init__(self, window_s: float = 2.0, capacity: int = 512) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be > 0")
        self._window = window_s
        self._times: deque[float] = deque(maxlen=capacity)
        self.total = 0

    def tick(self, now: float) -> None:
        self._times.append(now)
        self.total += 1

    def rate(self, now: float) -> float:
        times = list(self._times)
        recent = [t for t in times if now - t <= self._window]
        if len(recent) < 2:
            return 0.0
        span = recent[-1] - recent[0]
        # Use the window when the stream is steady; the span when it has just started.
        return (len(recent) - 1) / span if span > 0 else 0.0


class MovingAverage:
    """Exponential moving average (``alpha`` = weight of the newest sample)."""

    def __init__(self, alpha: float = 0.1) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self._alpha = alpha
        self.value: float | None = None

    def add(self, x: float) -> None:
        self.value = x if self.value is None else self.value + self._alpha * (x - self.value)


class LatencyRing:
    """The last ``capacity`` latencies in milliseconds, for median / p95."""

    def __init__(self, capacity: int = 300) -> None:
        self._buf = np.full(capacity, np.nan, dtype=np.float64)
        self._i = 0

    def add(self, ms: float) -> None:
        self._buf[self._i % self._buf.size] = ms
        self._i += 1

    def percentile(self, q: float) -> float | None:
        data = self._buf[~np.isnan(self._buf)]
        if data.size == 0:
            return None
        value = float(np.percentile(data, q))
        return None if math.isnan(value) else value
