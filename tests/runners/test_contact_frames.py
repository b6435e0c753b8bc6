"""Frames at foot contact on the report: the video frame under the skeleton is the clip's
frame nearest the contact, read with the one video file reader."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge.gait.records import GaitEvent
from edge.landmarks import NUM_LANDMARKS, Channel
from edge.recording.clips import ClipJob, encode_clip
from edge.recording.commit import add_encoded_clip
from edge.recording.store import SessionStore
from edge.runners.contact_frames import contact_frames

FPS = 30.0
N = 12
GRAY = [20 * i for i in range(N)]  # frame i is a flat gray of level 20·i


def _jpeg(level: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((96, 128, 3), level, np.uint8))
    assert ok
    return bytes(buf.tobytes())


def _session(tmp_path: Path, with_clip: bool) -> tuple[SessionStore, int]:
    store = SessionStore(tmp_path / "sessions.db")
    t = 100.0 + np.arange(N) / FPS
    xyzv = np.zeros((N, NUM_LANDMARKS, 4), np.float16)
    xyzv[:, :, Channel.X] = 0.5
    xyzv[:, :, Channel.Y] = np.linspace(0.2, 0.8, NUM_LANDMARKS)
    xyzv[:, :, Channel.VISIBILITY] = 1.0
    with store.transaction():
        sid = store.begin_session("u", "dev", 100.0, {"frame": {"width": 128, "height": 96}})
        store.put_landmark_block(sid, 0, t, np.arange(N, dtype=np.int64), xyzv)
        store.insert_events(sid, [GaitEvent("contact", "left", 7, float(t[7]), 0.9)])
        store.end_session(sid, float(t[-1]), reason="ended")
    if with_clip:
        job = ClipJob(
            sid,
            "mark",
            [(float(ti), _jpeg(g)) for ti, g in zip(t, GRAY, strict=True)],
            store.clips_dir / str(sid) / "001_mark",
            str(sid),
        )
        clip = encode_clip(job)
        assert clip is not None
        with store.transaction():
            add_encoded_clip(store, clip)
    return store, sid


def test_the_contact_frame_comes_from_the_clip_at_that_moment(tmp_path: Path) -> None:
    store, sid = _session(tmp_path, with_clip=True)
    with store:
        (frame,) = contact_frames(store, store.session(sid))
    assert frame["foot"] == "left" and abs(frame["t"] - 7 / FPS) < 1e-3
    img = cv2.imdecode(np.frombuffer(frame["jpeg"], np.uint8), cv2.IMREAD_GRAYSCALE)
    # Frame 7 (gray 140), not a neighbour (±20): lossy codecs stay well within ±8.
    assert abs(float(np.median(img)) - GRAY[7]) <= 8
    assert frame["size"] == (128, 96) and len(frame["points"]) == NUM_LANDMARKS


def test_without_a_clip_the_skeleton_alone(tmp_path: Path) -> None:
    store, sid = _session(tmp_path, with_clip=False)
    with store:
        (frame,) = contact_frames(store, store.session(sid))
    assert frame["jpeg"] is None
