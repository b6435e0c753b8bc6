"""The Pi camera adapter against a fake ``Picamera2`` (the boundary picamera2 defines)."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

from edge.errors import CameraError
from edge.live.capture import open_source
from edge.live.config import CaptureConfig
from edge.live.picam import INSTALL_HINT, PiCamera, lores_size


class FakeRequest:
    def __init__(self, main: np.ndarray, yuv: np.ndarray, ts_ns: int) -> None:
        self.main, self.yuv, self.ts_ns = main, yuv, ts_ns
        self.released = False

    def make_array(self, name: str) -> np.ndarray:
        return {"main": self.main, "lores": self.yuv}[name]

    def get_metadata(self) -> dict[str, Any]:
        return {"SensorTimestamp": self.ts_ns}

    def release(self) -> None:
        self.released = True


class FakePicamera2:
    def __init__(self, fail_start: bool = False, fail_after: int | None = None) -> None:
        self.config: dict[str, Any] | None = None
        self.started = self.closed = False
        self.fail_start = fail_start
        self.fail_after = fail_after
        self.requests: list[FakeRequest] = []

    def create_video_configuration(self, **kw: Any) -> dict[str, Any]:
        return kw

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("Camera __init__ sequence did not complete")
        self.started = True

    def capture_request(self) -> FakeRequest:
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            raise RuntimeError("camera frontend has timed out")
        w, h = self.config["main"]["size"] if self.config else (0, 0)
        lw, lh = self.config["lores"]["size"] if self.config else (0, 0)
        main = np.zeros((h, w, 4), np.uint8)  # XRGB8888-like padding is cut to 3 channels
        main[..., 0] = 200  # blue in OpenCV order
        yuv = np.full((lh * 3 // 2, lw), 128, np.uint8)
        yuv[:lh] = 90  # luma
        req = FakeRequest(main, yuv, 1_000_000_000 + 33_333_333 * len(self.requests))
        self.requests.append(req)
        return req

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


def test_two_streams_sensor_time_and_bgr_frames() -> None:
    fake = FakePicamera2()
    cam = PiCamera(1280, 720, 30.0, 320, factory=lambda: fake)
    cam.open()
    assert fake.config is not None
    assert fake.config["main"] == {"size": (1280, 720), "format": "RGB888"}
    assert fake.config["lores"] == {"size": (320, 180), "format": "YUV420"}
    assert fake.config["controls"] == {"FrameRate": 30.0}
    f0 = cam.read()
    f1 = cam.read()
    assert f0 is not None and f1 is not None
    assert (f0.index, f1.index) == (0, 1)
    assert f1.t_s - f0.t_s == pytest.approx(0.033333333)
    assert f0.t_s == pytest.approx(1.0)
    assert f0.image.shape == (180, 320, 3)  # the model's small stream, converted to BGR
    # Luma 90 in video range (BT.601): (90 - 16) * 255 / 219 = 86.
    assert int(f0.image.mean()) == pytest.approx(86, abs=1)
    assert f0.view_image is not None and f0.view_image.shape == (720, 1280, 3)
    assert f0.view_image[0, 0].tolist() == [200, 0, 0]
    assert all(r.released for r in fake.requests)
    cam.close()
    assert fake.closed


def test_start_failure_and_lost_camera_are_camera_errors() -> None:
    fake = FakePicamera2(fail_start=True)
    cam = PiCamera(640, 480, 30.0, 320, factory=lambda: fake)
    with pytest.raises(CameraError, match="ribbon cable"):
        cam.open()
    assert fake.closed
    fake2 = FakePicamera2(fail_after=1)
    cam2 = PiCamera(640, 480, 30.0, 320, factory=lambda: fake2)
    cam2.open()
    assert cam2.read() is not None
    with pytest.raises(CameraError, match="stopped delivering"):
        cam2.read()


def test_lores_size_keeps_aspect_and_even_sides() -> None:
    assert lores_size(1920, 1080, 320) == (320, 180)
    assert lores_size(640, 480, 321) == (320, 240)
    assert lores_size(200, 150, 320) == (200, 150)


@pytest.mark.skipif(
    importlib.util.find_spec("picamera2") is not None, reason="picamera2 is installed here"
)
def test_without_picamera2_choosing_it_says_how_to_install() -> None:
    with pytest.raises(CameraError) as err:
        open_source("picamera", CaptureConfig())
    assert str(err.value) == INSTALL_HINT
    assert "apt install" in INSTALL_HINT
