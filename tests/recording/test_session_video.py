"""``analyze --store``'s copy of the video: as the README promises, longest side 480 px and
small (a few hundred kB for a few seconds), the frames decodable at that size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.gait.report import analyze_landmarks
from edge.recording.analysis_import import store_report_as_session
from edge.recording.session_video import store_session_video
from edge.recording.store import SessionStore

pytestmark = pytest.mark.data

CLIP = "treadmill_side_overstride_A"  # 608 × 1080 portrait, 186 frames at 30 fps


def test_the_copy_is_480_px_on_its_longest_side_and_small(
    tmp_path: Path, shared_data: Path
) -> None:
    ref = np.load(shared_data / "reference" / f"{CLIP}.mediapipe.npz")
    lm = ref["landmarks"].astype(np.float32)
    fps, w, h = float(ref["fps"]), int(ref["width"]), int(ref["height"])
    db = tmp_path / "sessions.db"
    video = shared_data / "videos" / f"{CLIP}.mp4"
    sid = store_report_as_session(
        db, analyze_landmarks(lm, fps, aspect=w / h), lm, video.name, fps=fps, frame_size=(w, h)
    )
    assert store_session_video(db, sid, video, fps) is not None
    store = SessionStore(db)
    try:
        (clip,) = store.clips(sid)
        path = store.clips_dir / clip.path
    finally:
        store.close()
    assert (clip.width, clip.height) == (270, 480)  # 608 × 1080 scaled by 480 / 1080, even
    cap = cv2.VideoCapture(str(path))
    shapes = set()
    while True:
        ok, img = cap.read()
        if not ok:
            break
        shapes.add(img.shape[:2])
    cap.release()
    assert shapes == {(480, 270)}
    seconds = clip.n_frames / fps
    assert clip.n_frames == 186
    # the encoder's default (a bit per pixel per frame) made 330 kB a second, nearly the
    # phone's original; the copy is capped at 800 kbit/s (100 kB/s), with room for the
    # container and the encoder's rate control
    assert path.stat().st_size / seconds < 140_000, path.stat().st_size
