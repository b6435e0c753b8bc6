"""The WebSocket fan-out hub and the video slot, without a network."""

from __future__ import annotations

import asyncio
import json
import threading

from server.hub import LiveHub, VideoHub


def _texts(client_queue: object) -> list[dict[str, object]]:
    return [json.loads(t) for t in client_queue]  # type: ignore[attr-defined]


def test_a_full_queue_loses_its_oldest_messages_and_counts_them() -> None:
    hub = LiveHub(queue_len=5)
    slow = hub.join({"type": "hello"})
    fast = hub.join({"type": "hello"})
    fast.queue.clear()
    for i in range(12):
        hub.publish({"type": "frame", "id": i})
        if i % 2 == 0:
            fast.queue.clear()  # this one keeps up
    assert [m["id"] for m in _texts(slow.queue)] == [7, 8, 9, 10, 11]
    assert slow.dropped == 12 - 5  # 12 frames through a queue of 5 (the hello is pinned)
    assert json.loads(slow.pending()[0]) == {"type": "hello"}
    assert fast.dropped == 0
    assert hub.stats()["clients"] == 2
    hub.leave(slow)
    assert hub.stats()["clients"] == 1 and slow.closed


def test_a_new_viewer_gets_the_current_runner_state_but_nothing_of_the_previous_one() -> None:
    hub = LiveHub(queue_len=100)
    hub.publish({"type": "session", "state": "started", "t": 0.0})
    hub.publish({"type": "stride", "index": 1})
    hub.publish({"type": "alert", "state": "raised", "rule": "overstride", "cue": "x"})
    hub.publish({"type": "alert", "state": "raised", "rule": "head_pitch_deg", "cue": "y"})
    hub.publish({"type": "alert", "state": "cleared", "rule": "head_pitch_deg", "cue": "y"})
    hub.publish({"type": "status", "n": 1})
    hub.publish({"type": "frame", "id": 3})  # frames are not replayed
    late = hub.join({"type": "hello"})
    kinds = [(m["type"], m.get("rule")) for m in _texts(late.pending())]
    assert kinds == [
        ("hello", None),
        ("status", None),
        ("alert", "overstride"),
        ("stride", None),
    ]
    hub.publish({"type": "session", "state": "ended", "t": 9.0})
    next_member = hub.join({"type": "hello"})
    assert [m["type"] for m in _texts(next_member.pending())] == ["hello", "status"]


def test_publishing_from_another_thread_wakes_the_event_loop() -> None:
    async def scenario() -> list[int]:
        hub = LiveHub(queue_len=50)
        hub.bind(asyncio.get_running_loop())
        client = hub.join({"type": "hello"})
        client.pinned.clear()
        client.event.clear()
        t = threading.Thread(
            target=lambda: [hub.publish({"type": "frame", "id": i}) for i in range(10)]
        )
        t.start()
        got: list[int] = []
        while len(got) < 10:
            await asyncio.wait_for(client.event.wait(), timeout=5.0)
            client.event.clear()
            while client.queue:
                got.append(json.loads(client.queue.popleft())["id"])
        t.join()
        return got

    assert asyncio.run(scenario()) == list(range(10))


def test_video_viewers_get_the_newest_frame_only() -> None:
    async def scenario() -> tuple[int, int, bool]:
        video = VideoHub()
        video.bind(asyncio.get_running_loop())
        for i in range(5):
            video.video(i, i / 30, 0.0, b"\xff\xd8" + bytes([i]))
        first = await asyncio.wait_for(video.next_frame(-1), timeout=5.0)
        assert first is not None
        waiter = asyncio.create_task(video.next_frame(first.seq))
        await asyncio.sleep(0)
        threading.Thread(target=video.video, args=(7, 0.2, 0.0, b"\xff\xd8\x07")).start()
        second = await asyncio.wait_for(waiter, timeout=5.0)
        assert second is not None
        video.close()
        closed = await video.next_frame(second.seq)
        return first.frame_index, second.frame_index, closed is None

    assert asyncio.run(scenario()) == (4, 7, True)


def test_a_stray_nan_reaches_the_page_as_null() -> None:
    hub = LiveHub(queue_len=5)
    client = hub.join({"type": "hello"})
    hub.publish({"type": "status", "recording": {"free_mib": float("nan")}, "x": [float("inf")]})
    expected = {"type": "status", "recording": {"free_mib": None}, "x": [None]}
    assert json.loads(client.queue[-1]) == expected
