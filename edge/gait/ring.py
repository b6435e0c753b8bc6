"""A preallocated ring buffer of recent frames that evicts by time.

Every array is allocated once, at twice the capacity: each frame is written at slot ``i``
and at its mirror ``i + capacity``, so the latest ``k <= capacity`` frames are always one
contiguous slice and windows are returned as numpy *views* (no copy, no allocation per
frame beyond the view objects).

Eviction is by time: :meth:`push` drops frames older than ``window_s`` before the newest,
so a dropped camera frame shortens the window by one sample instead of stretching it.
The capacity is sized from ``window_s`` and the expected frame rate with headroom; if frames
come faster than that, the oldest are dropped early (counted in ``overflow_drops``).

Threading: none. One thread — the analysis thread that owns the :class:`GaitAnalyzer` —
calls :meth:`push` and reads views; views are only valid until the next push on that thread.
No other thread reads the ring (the live page gets the analyzer's records, not its frames).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.landmarks import NUM_LANDMARKS

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Window:
    """Frames in time order: views into the ring, valid until its next push."""

    t: F64  # (k,) capture time, seconds
    frame: I64  # (k,) frame index
    xyzv: F32  # (k, 33, 4) landmarks in square units (x and z scaled by the aspect ratio)
    signals: F32  # (k, n_signals) per-frame derived signals

    def __len__(self) -> int:
        return int(self.t.shape[0])


class RingBuffer:
    def __init__(self, window_s: float, fps: float, n_signals: int, headroom: float = 1.5):
        if not (window_s > 0 and math.isfinite(window_s)):
            raise ValueError(f"window_s must be positive, got {window_s}")
        if not (fps > 0 and math.isfinite(fps)):
            raise ValueError(f"fps must be positive, got {fps}")
        if n_signals < 0:
            raise ValueError("n_signals must be >= 0")
        self.window_s = float(window_s)
        self.capacity = math.ceil(window_s * fps * headroom) + 8
        c2 = 2 * self.capacity
        self._t = np.zeros(c2, dtype=np.float64)
        self._frame = np.zeros(c2, dtype=np.int64)
        self._xyzv = np.zeros((c2, NUM_LANDMARKS, 4), dtype=np.float32)
        self._sig = np.zeros((c2, n_signals), dtype=np.float32)
        self._head = -1  # slot of the newest frame, 0..capacity-1
        self._size = 0
        self.total = 0  # frames ever pushed
        self.overflow_drops = 0

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._head = -1
        self._size = 0
        self.total = 0
        self.overflow_drops = 0

    @property
    def latest_t(self) -> float:
        return float(self._t[self._head]) if self._size else -math.inf

    def push(self, t_s: float, frame_index: int, xyzv: F32, signals: F32 | None = None) -> int:
        """Store one frame (copied into the preallocated slots); returns its slot."""
        if self._size and not t_s > self.latest_t:
            raise ValueError(f"timestamps must increase: {t_s} after {self.latest_t}")
        cap = self.capacity
        h = (self._head + 1) % cap
        for s in (h, h + cap):
            self._t[s] = t_s
            self._frame[s] = frame_index
            self._xyzv[s] = xyzv
            if signals is not None:
                self._sig[s] = signals
        self._head = h
        if self._size == cap:
            self.overflow_drops += 1
        else:
            self._size += 1
        self.total += 1
        self._evict(t_s - self.window_s)
        return h

    def set_signals(self, back: int, values: F32) -> None:
        """Overwrite the signals of the frame ``back`` frames before the newest (0 = newest)."""
        s = (self._head - back) % self.capacity
        self._sig[s] = values
        self._sig[s + self.capacity] = values

    def _evict(self, t_min: float) -> None:
        if self._size == 0:
            return
        start = self._head + self.capacity - self._size + 1
        ts = self._t[start : self._head + self.capacity + 1]
        drop = int(np.searchsorted(ts, t_min, side="left"))
        self._size -= drop

    def _slice(self, k: int) -> slice:
        end = self._head + self.capacity + 1
        return slice(end - k, end)

    def last(self, k: int | None = None) -> Window:
        """The newest ``k`` frames (all when ``None``) as views."""
        k = self._size if k is None else max(0, min(k, self._size))
        sl = self._slice(k)
        return Window(self._t[sl], self._frame[sl], self._xyzv[sl], self._sig[sl])

    def since(self, t_min: float) -> Window:
        """Frames with ``t >= t_min`` as views."""
        all_t = self._t[self._slice(self._size)]
        k = self._size - int(np.searchsorted(all_t, t_min, side="left"))
        return self.last(k)
