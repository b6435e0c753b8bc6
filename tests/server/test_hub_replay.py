"""A page opened late still gets the hello (skeleton edges) and the status.

``LiveHub.join`` used to queue hello + status + up to 200 recent strides into a client queue
of 120 that drops its oldest: the hello was the first thing lost, so a tablet connecting
after ~40 s of running never drew the skeleton.
"""

from __future__ import annotations

import json
import time

from websockets.sync.client import connect

from edge.config.root import Config
from edge.landmarks import SKELETON_EDGES
from edge.live.demo import DemoSource
from server.app import create_app
from server.hub import LiveClient, LiveHub
from tests.support.serving import serve


def _pending(client: LiveClient) -> list[dict[str, object]]:
    return [json.loads(t) for t in client.pending()]


def test_a_late_viewer_gets_hello_and_status_and_a_replay_that_fits_its_queue() -> None:
    hub = LiveHub(queue_len=120)
    hub.publish({"type": "session", "state": "started", "t": 0.0})
    for i in range(250):
        hub.publish({"type": "stride", "index": i})
    hub.publish({"type": "alert", "state": "raised", "rule": "overstride", "cue": "x"})
    hub.publish({"type": "status", "n": 7})
    late = hub.join({"type": "hello", "edges": [[11, 12]]})
    got = _pending(late)
    assert got[0] == {"type": "hello", "edges": [[11, 12]]}
    assert got[1] == {"type": "status", "n": 7}
    strides = [m["index"] for m in got if m["type"] == "stride"]
    alerts = [m["rule"] for m in got if m["type"] == "alert"]
    assert alerts == ["overstride"]
    # the newest strides, in order, and fewer than the queue holds (room for live messages)
    assert strides == list(range(250 - len(strides), 250))
    assert 0 < len(strides) <= 120 - 30
    assert late.dropped == 0
    # a burst of live frames before the page reads anything drops replayed strides, never the
    # hello or the status
    for i in range(500):
        hub.publish({"type": "frame", "id": i})
    got = _pending(late)
    assert [m["type"] for m in got[:2]] == ["hello", "status"]
    assert got[-1] == {"type": "frame", "id": 499}
    assert late.dropped > 0
    assert len(got) == 120 + 3  # queue + the pinned hello, status, active alert


def test_the_pinned_messages_are_taken_first_and_once() -> None:
    hub = LiveHub(queue_len=4)
    hub.publish({"type": "status", "n": 1})
    client = hub.join({"type": "hello"})
    for i in range(10):
        hub.publish({"type": "frame", "id": i})
    taken = []
    while (text := client.take()) is not None:
        taken.append(json.loads(text))
    assert [m["type"] for m in taken] == ["hello", "status", "frame", "frame", "frame", "frame"]
    assert [m["id"] for m in taken[2:]] == [6, 7, 8, 9]
    assert client.take() is None


def test_a_page_opened_after_more_strides_than_its_queue_holds_draws_the_skeleton() -> None:
    """The real server and WebSocket: the demo runs until more strides were published than
    a client's queue holds, then a page connects: its first message is the hello (with the
    skeleton edges), then the status."""
    queue = 8
    cfg = Config.model_validate(
        {
            "capture": {"demo_phase_s": 5.0, "presence_start_s": 0.0},
            "recording": {"enabled": False},
        }
    )
    app = create_app(
        cfg, DemoSource.from_config(cfg.capture), client_queue=queue, status_interval_s=0.2
    )
    with serve(app) as host:
        with connect(f"ws://{host}/ws/live") as early:  # an early page counts the strides
            strides_seen = 0
            deadline = time.monotonic() + 30.0
            while strides_seen < 2 * queue and time.monotonic() < deadline:
                strides_seen += json.loads(early.recv(timeout=5.0))["type"] == "stride"
        assert strides_seen >= 2 * queue
        with connect(f"ws://{host}/ws/live") as ws:
            first = json.loads(ws.recv(timeout=5.0))
            second = json.loads(ws.recv(timeout=5.0))
            assert first["type"] == "hello"
            assert len(first["edges"]) == len(SKELETON_EDGES)
            assert second["type"] == "status"
            strides = 0
            while strides < 3:
                m = json.loads(ws.recv(timeout=5.0))
                strides += m["type"] == "stride"
