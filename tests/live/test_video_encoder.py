"""The live video encoder: frames at most at the video rate (on the clock it is given), the
long side scaled to ``server.video_size``, no burst to catch up after a pause."""

from __future__ import annotations

import cv2
import numpy as np

from edge.live.config import ServerConfig
from edge.live.video import VideoEncoder

CFG = ServerConfig(video_fps=10.0, video_size=320, jpeg_quality=80)


def _offer(enc: VideoEncoder, img: np.ndarray, t_from: float, seconds: float) -> int:
    """Offer a frame every millisecond; how many were encoded."""
    sent = 0
    for k in range(round(seconds * 1000)):
        now = t_from + k / 1000
        if enc.due(now) and enc.encode(img, CFG, now) is not None:
            sent += 1
    return sent


def test_the_video_rate_holds_and_a_pause_brings_no_burst() -> None:
    enc = VideoEncoder()
    img = np.zeros((48, 64, 3), np.uint8)
    # 10 fps; a frame is due again half a period after a late one, so a start (or a pause)
    # may send two frames back to back: at most two more than the rate.
    assert 10 <= _offer(enc, img, 1000.0, 1.0) <= 12
    assert 10 <= _offer(enc, img, 1001.0, 1.0) <= 11  # steady
    # Nothing offered for 2 s, then 0.5 s: about five frames, not the twenty missed.
    assert 5 <= _offer(enc, img, 1004.0, 0.5) <= 7
    assert enc.jpeg_ms.value is not None


def test_frames_are_scaled_to_the_video_size() -> None:
    enc = VideoEncoder()
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, 320:] = 200  # the right half bright: it must stay on the right
    jpeg = enc.encode(img, CFG, 0.0)
    assert jpeg is not None
    out = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert out.shape == (240, 320)  # 640x480 → 320 on the long side
    assert out[:, :150].mean() < 10 and out[:, 170:].mean() > 190
    small = enc.encode(np.zeros((120, 160, 3), np.uint8), CFG, 1.0)  # smaller: as it is
    assert small is not None
    assert cv2.imdecode(np.frombuffer(small, np.uint8), cv2.IMREAD_GRAYSCALE).shape == (120, 160)
