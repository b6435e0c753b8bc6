"""The one-frame hand-over, the meters, and runner presence."""

from __future__ import annotations

import threading

import pytest

from edge.live.presence import PresenceTracker
from edge.live.slot import LatestSlot
from edge.live.stats import LatencyRing, MovingAverage, RateMeter


def test_newest_item_wins_and_replaced_ones_are_counted() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        assert slot.put(i)
    assert slot.take(timeout=0) == 4
    assert slot.dropped == 4
    assert slot.put_count == 5
    assert slot.take(timeout=0) is None


def test_depth_two_keeps_the_two_newest_in_order() -> None:
    slot: LatestSlot[int] = LatestSlot(depth=2)
    for i in range(5):
        slot.put(i)
    assert len(slot) == 2
    assert [slot.take(timeout=0), slot.take(timeout=0)] == [3, 4]
    assert slot.dropped == 3
    with pytest.raises(ValueError):
        LatestSlot(depth=0)


def test_lossless_put_waits_for_the_consumer() -> None:
    slot: LatestSlot[int] = LatestSlot()
    got: list[int] = []

    def consume() -> None:
        while len(got) < 50:
            item = slot.take(timeout=2.0)
            if item is not None:
                got.append(item)

    t = threading.Thread(target=consume)
    t.start()
    for i in range(50):
        slot.put(i, lossless=True)
    t.join(5.0)
    assert got == list(range(50))
    assert slot.dropped == 0


def test_closed_slot_refuses_and_wakes() -> None:
    slot: LatestSlot[int] = LatestSlot()
    slot.close()
    assert not slot.put(1)
    assert slot.take(timeout=5.0) is None


def test_rate_meter_counts_events_per_second() -> None:
    m = RateMeter(window_s=2.0)
    for i in range(61):
        m.tick(10.0 + i / 30.0)
    assert m.rate(12.0) == pytest.approx(30.0, rel=1e-6)
    assert m.total == 61
    assert m.rate(20.0) == 0.0  # nothing in the window any more


def test_moving_average_and_latency_percentiles() -> None:
    avg = MovingAverage(alpha=0.5)
    for x in (10.0, 20.0, 20.0):
        avg.add(x)
    assert avg.value == pytest.approx(17.5)
    ring = LatencyRing(capacity=100)
    assert ring.percentile(50) is None
    for i in range(200):  # only the last 100 (100..199) are kept
        ring.add(float(i))
    assert ring.percentile(50) == pytest.approx(149.5)
    assert ring.percentile(95) == pytest.approx(194.05)


def test_presence_starts_after_continuous_sighting_and_ends_after_absence() -> None:
    p = PresenceTracker(start_after_s=1.0, absence_timeout_s=2.95)
    # 10 frames per second: seen 0-0.4 s, gone 0.5-1.4, seen 1.5-3.4, gone 3.5-5.4 (a 2 s gap),
    # seen 5.5-6.4, then gone.
    seen = [True] * 5 + [False] * 10 + [True] * 20 + [False] * 20 + [True] * 10 + [False] * 45
    changes = []
    for k, detected in enumerate(seen):
        change = p.update(k / 10, detected)
        if change:
            changes.append((change, k / 10))
    # The first half-second sighting is forgotten after 1 s of absence (> timeout / 4); the
    # runner seen from 1.5 s starts the session at 2.5 s; the 2 s gap does not end it; it
    # ends 2.95 s after the last sighting (6.4 s) on the next frame, 9.4 s.
    assert changes == [("started", 2.5), ("ended", 9.4)]


def test_presence_end_is_idempotent() -> None:
    p = PresenceTracker(0.0, 1.0)
    assert p.update(0.0, True) == "started"
    assert p.end() == "ended"
    assert p.end() is None
    with pytest.raises(ValueError):
        PresenceTracker(-1.0, 1.0)
