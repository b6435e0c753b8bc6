"""The HTTP/RTSP stream source against a real MJPEG stream (this server's own video)."""

from __future__ import annotations

import numpy as np
import pytest

from edge.config.root import Config
from edge.errors import CameraError
from edge.live.demo import DemoSource
from edge.live.sources import StreamSource
from server.app import create_app
from tests.support.serving import serve


def test_stream_frames_then_loss_is_a_camera_error() -> None:
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    src = StreamSource("http://user:pw@127.0.0.1:1/video.mjpeg")
    assert src.name == "http://127.0.0.1:1/video.mjpeg"  # credentials never shown
    with pytest.raises(CameraError, match="cannot open stream"):
        src.open()
    with serve(app) as host:
        src = StreamSource(f"http://{host}/video.mjpeg")
        src.open()
        frames = [src.read() for _ in range(5)]
    assert [f.index for f in frames if f is not None] == [0, 1, 2, 3, 4]
    first = frames[0]
    assert first is not None and first.image.shape == (480, 640, 3)
    # The demo's frames: dark background with the light stick figure.
    assert first.image.mean() < 100 and first.image.max() > 200
    times = np.array([f.t_s for f in frames if f is not None])
    assert np.all(np.diff(times) > 0)
    with pytest.raises(CameraError, match="stopped delivering"):
        for _ in range(200):  # whatever was buffered, then the end of the stream
            src.read()
    src.close()
