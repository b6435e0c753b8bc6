"""Ring buffer: preallocated, evicts by time, windows are views, contiguous across the wrap."""

from __future__ import annotations

import numpy as np
import pytest

from edge.gait.ring import RingBuffer


def _frame(v: float) -> np.ndarray:
    return np.full((33, 4), v, dtype=np.float32)


def test_capacity_from_window_and_rate() -> None:
    ring = RingBuffer(window_s=2.0, fps=30.0, n_signals=3)
    assert ring.capacity == 2 * 30 * 1.5 + 8
    assert len(ring) == 0


def test_evicts_by_time_not_by_count() -> None:
    ring = RingBuffer(window_s=1.0, fps=8.0, n_signals=1)
    for i in range(20):
        ring.push(i * 0.125, i, _frame(i))  # binary-exact times
    w = ring.last()
    # frames within 1 s of the newest (t = 2.375): 1.375 .. 2.375
    assert w.t[0] == 1.375
    assert w.t[-1] == 2.375
    assert len(w) == 9
    # a gap (dropped frames) shortens the window instead of stretching it in time
    ring.push(3.0, 24, _frame(24))
    w = ring.last()
    assert list(w.frame) == [16, 17, 18, 19, 24]


def test_windows_are_contiguous_views_across_the_wrap() -> None:
    ring = RingBuffer(window_s=100.0, fps=2.0, n_signals=2)
    cap = ring.capacity
    before = ring._xyzv  # the preallocated storage
    for i in range(3 * cap + 5):
        ring.push(i * 0.25, i, _frame(i), np.array([i, -i], dtype=np.float32))
    assert ring._xyzv is before  # never reallocated
    w = ring.last(cap)
    assert np.shares_memory(w.xyzv, before)
    assert w.xyzv.flags["C_CONTIGUOUS"]
    expected = np.arange(3 * cap + 5 - cap, 3 * cap + 5)
    assert list(w.frame) == list(expected)
    assert np.array_equal(w.xyzv[:, 0, 0], expected.astype(np.float32))
    assert np.array_equal(w.signals[:, 1], -expected.astype(np.float32))
    assert ring.overflow_drops == 2 * cap + 5


def test_since() -> None:
    ring = RingBuffer(window_s=10.0, fps=8.0, n_signals=0)
    for i in range(50):
        ring.push(i * 0.125, i, _frame(i))
    w = ring.since(4.0)
    assert w.t[0] == 4.0
    assert np.shares_memory(w.t, ring._t)
    assert len(ring.since(49 * 0.125 - 1.0)) == 9


def test_timestamps_must_increase_and_arguments_are_checked() -> None:
    ring = RingBuffer(window_s=1.0, fps=10.0, n_signals=0)
    ring.push(1.0, 0, _frame(0))
    with pytest.raises(ValueError, match="increase"):
        ring.push(1.0, 1, _frame(1))
    with pytest.raises(ValueError):
        RingBuffer(window_s=0.0, fps=10.0, n_signals=0)
    with pytest.raises(ValueError):
        RingBuffer(window_s=1.0, fps=-1.0, n_signals=0)
