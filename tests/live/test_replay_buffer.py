"""The replay buffer fed the pipeline's own message sequence for a runner with known steps.

A synthetic run at 30 frames/s: every frame publishes its frame message, every other frame
its JPEG (the page's 15 frames/s video), and each landing (every 0.35 s, alternating feet)
is reported as a step three frames after it, as the gait analysis does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from edge.live.replay import NoReplayError, ReplayBuffer, missing_spans, stride_window
from edge.live.replay_config import ReplayConfig
from edge.live.replay_pack import pack_clip, unpack_clip

FPS = 30.0
STEP_S = 0.35
REPORT_LAG = 3  # frames between a landing and its step message


def jpeg_of(i: int, size: int = 2000) -> bytes:
    return b"\xff\xd8" + i.to_bytes(4, "big") + b"\0" * (size - 8) + b"\xff\xd9"


def landmarks_of(i: int) -> list[float]:
    lm = np.zeros((33, 3), dtype=np.float64)
    lm[:, 0] = 0.5 + 0.001 * i
    lm[:, 1] = np.linspace(0.1, 0.9, 33)
    lm[:, 2] = 0.9
    out: list[float] = np.round(lm, 4).ravel().tolist()
    return out


def contact_frames(n_frames: int) -> list[int]:
    return [round(k * STEP_S * FPS) for k in range(1, int(n_frames / FPS / STEP_S) + 1)]


def run(
    buf: ReplayBuffer,
    n_frames: int,
    *,
    start: int = 0,
    jpeg_size: int = 2000,
    clear_at: int | None = None,
    video_pause: tuple[int, int] | None = None,
) -> None:
    contacts = set(contact_frames(start + n_frames))
    reported = {c + REPORT_LAG: c for c in contacts}
    for i in range(start, start + n_frames):
        t = i / FPS
        if i == 0:
            buf.publish({"type": "session", "state": "started", "t": 0.0})
        buf.publish({"type": "frame", "id": i, "t": t, "wall": t, "lm": landmarks_of(i), "ev": []})
        if i in reported:
            c = reported[i]
            k = round(c / (STEP_S * FPS))
            buf.publish(
                {
                    "type": "stride",
                    "index": k,
                    "foot": "left" if k % 2 else "right",
                    "frame_id": c,
                    "t": c / FPS,
                    "metrics": {"overstride": {"value": 0.1 + 0.01 * k, "unit": "leg"}},
                    "current": {},
                }
            )
        if i == clear_at:
            buf.publish(
                {
                    "type": "alert",
                    "state": "cleared",
                    "rule": "overstride",
                    "t": t,
                    "feedback": "nice, landing under you",
                }
            )
        paused = video_pause is not None and video_pause[0] <= i < video_pause[1]
        if i % 2 == 0 and not paused:
            buf.video(i, t, t, jpeg_of(i, jpeg_size))


def test_last_stride_holds_both_landings_and_the_frames_between() -> None:
    buf = ReplayBuffer(ReplayConfig())
    run(buf, 300)  # 10 s
    clip = buf.last_strides(1)
    landings = [c.frame_index for c in clip.contacts]
    all_contacts = [c for c in contact_frames(300) if c + REPORT_LAG < 300]
    assert landings == all_contacts[-2:]
    # Half a step (0.175 s) before the first landing to the newest frame after the last.
    assert clip.frames[0].t_s == pytest.approx(landings[0] / FPS - 0.175, abs=1 / 15)
    assert clip.frames[-1].index == 298
    ids = [f.index for f in clip.frames]
    assert ids == list(range(ids[0], ids[-1] + 1, 2))  # every video frame, in order
    # Each frame carries its own landmarks (the frame message published just before it).
    f = clip.frames[3]
    assert f.landmarks is not None
    assert f.landmarks[0, 0] == pytest.approx(0.5 + 0.001 * f.index, abs=1e-5)
    assert clip.missing == ()
    three = buf.last_strides(3)
    assert [c.frame_index for c in three.contacts] == all_contacts[-6:]


def test_frames_go_by_age_and_by_memory_cap() -> None:
    buf = ReplayBuffer(ReplayConfig(seconds=5.0))
    run(buf, 600)  # 20 s, 5 s kept
    st = buf.stats()
    assert st["seconds"] == pytest.approx(5.0, abs=0.1)
    assert st["frames"] == pytest.approx(5.0 * 15, abs=2)

    capped = ReplayBuffer(ReplayConfig(max_mib=4.0))
    run(capped, 600, jpeg_size=100_000)  # 1.4 MiB/s of video: the cap, not the age, binds
    st = capped.stats()
    assert st["mib"] <= 4.0
    assert st["frames"] == pytest.approx(4 * 2**20 // (100_000 + 640), abs=1)
    assert st["seconds"] < 3.0


def test_nothing_is_held_without_video() -> None:
    buf = ReplayBuffer(ReplayConfig(seconds=5.0))
    run(buf, 900, video_pause=(0, 900))  # 30 s of steps, no page watching the video
    assert buf.stats()["frames"] == 0
    with buf._lock:
        assert not buf._contacts and not buf._events
    with pytest.raises(NoReplayError, match="showing the video"):
        buf.last_strides(1)


def test_steps_are_not_held_longer_than_frames() -> None:
    buf = ReplayBuffer(ReplayConfig(seconds=5.0))
    run(buf, 900)
    with buf._lock:  # the held steps: the last 5 s (plus the 2 s margin) only
        held = list(buf._contacts)
    assert 5.0 <= held[-1].t_s - held[0].t_s <= 7.0
    assert len(held) <= 7.0 / STEP_S + 1


def test_a_new_session_starts_empty() -> None:
    buf = ReplayBuffer(ReplayConfig())
    run(buf, 120)
    buf.publish({"type": "session", "state": "ended", "t": 4.0})
    with pytest.raises(NoReplayError, match="no landing held yet"):
        buf.last_strides(1)
    assert buf.stats()["frames"] == 0


def test_references_first_minute_and_praise() -> None:
    buf = ReplayBuffer(ReplayConfig(reference_after_s=5.0))
    with pytest.raises(NoReplayError, match="first minute"):
        buf.reference("first_minute")
    run(buf, 450, clear_at=330)  # 15 s; a cue clears at 11 s
    kinds = {r["kind"] for r in buf.references()}
    assert kinds == {"first_minute", "praise"}
    first = buf.reference("first_minute")
    # The first landing at least 5 s in, with the landing before it.
    expected = min(c for c in contact_frames(450) if c / FPS >= 5.0) / FPS
    assert first.contacts[-1].t_s == pytest.approx(expected, abs=1e-6)
    assert len(first.contacts) == 2
    assert first.frames[-1].t_s > first.contacts[-1].t_s  # frames after the landing are in
    praise = buf.reference("praise")
    assert praise.contacts[-1].t_s <= 11.0 < praise.contacts[-1].t_s + STEP_S + 0.1
    # Pinned: still there when the live frames of that time have long been evicted.
    small = ReplayBuffer(ReplayConfig(reference_after_s=2.0, seconds=3.0))
    run(small, 450)
    assert small.reference("first_minute").contacts[-1].t_s == pytest.approx(2.1, abs=1e-6)
    with pytest.raises(NoReplayError, match="use one of"):
        small.reference("yesterday")


def test_a_gap_in_the_video_is_reported_missing() -> None:
    buf = ReplayBuffer(ReplayConfig())
    run(buf, 300, video_pause=(283, 292))  # no video from frame 284 to 290
    clip = buf.last_strides(1)
    assert len(clip.missing) == 1
    a, b = clip.missing[0]
    assert a == pytest.approx(282 / FPS, abs=1e-3) and b == pytest.approx(292 / FPS, abs=1e-3)
    assert missing_spans([], 1.0, 2.0) == ((1.0, 2.0),)


def test_no_stride_window_without_landings() -> None:
    with pytest.raises(NoReplayError, match="runner on the belt"):
        stride_window([], 1)


def test_packed_clip_round_trip() -> None:
    buf = ReplayBuffer(ReplayConfig())
    run(buf, 150)
    clip = buf.last_strides(2)
    header, jpegs = unpack_clip(pack_clip(clip))
    assert [f["id"] for f in header["frames"]] == [f.index for f in clip.frames]
    assert jpegs == [f.jpeg for f in clip.frames]
    first: dict[str, Any] = header["frames"][0]
    assert len(first["lm"]) == 99
    assert [c["frame"] for c in header["contacts"]] == [c.frame_index for c in clip.contacts]
    assert header["contacts"][-1]["metrics"]["overstride"]["value"] > 0.1
    assert header["edges"] and header["missing"] == []


def test_events_are_kept_with_their_frames_and_an_event_without_time_is_left_out() -> None:
    buf = ReplayBuffer(ReplayConfig())
    run(buf, 150)
    last = buf.last_strides(1)
    ev = {"kind": "toe_off", "foot": "left", "frame": 140, "t": 140 / FPS, "conf": 0.9}
    timeless = {"kind": "toe_off", "foot": "right", "frame": 141, "t": None, "conf": None}
    buf.publish(
        {"type": "frame", "id": 150, "t": 5.0, "wall": 5.0, "lm": None, "ev": [ev, timeless]}
    )
    buf.video(150, 5.0, 5.0, jpeg_of(150))
    clip = buf.last_strides(1)
    assert [(e.kind, e.frame_index) for e in clip.events] == [("toe_off", 140)]
    with buf._lock:  # the newest frame held: nobody seen on it
        assert buf._frames[-1].index == 150 and buf._frames[-1].landmarks is None
    assert last.events == ()
