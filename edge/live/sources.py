"""OpenCV frame sources: USB cameras by index, video files, RTSP/HTTP streams.

The Pi camera lives in :mod:`edge.live.picam` (imported only when chosen) and the simulated
runner in :mod:`edge.live.demo`.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from edge.errors import CameraError, VideoError
from edge.live.frames import Frame
from edge.redact import redact_url

_STREAM_TIMEOUT_MS = 5000


class _LiveCapture:
    """Reading and closing an opened ``cv2.VideoCapture`` of a live source; capture time is
    ``time.monotonic()`` when the frame arrives. Subclasses open ``_cap`` and say what a
    lost source means in ``_lost_message``."""

    live = True
    simulated = False
    _cap: cv2.VideoCapture | None
    _count: int

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def _lost_message(self) -> str:
        raise NotImplementedError

    def read(self) -> Frame | None:
        if self._cap is None:
            raise CameraError(f"{self.name} is not open")
        ok, image = self._cap.read()
        now = time.monotonic()
        if not ok or image is None:
            raise CameraError(self._lost_message)
        frame = Frame(self._count, now, now, time.time(), np.ascontiguousarray(image))
        self._count += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class OpenCVCamera(_LiveCapture):
    """A USB webcam (V4L2) by device index."""

    def __init__(self, index: int, width: int, height: int, fps: float) -> None:
        self._index = index
        self._width = width
        self._height = height
        self._fps = fps
        self._cap: cv2.VideoCapture | None = None
        self._count = 0

    @property
    def name(self) -> str:
        return f"USB camera {self._index}"

    @property
    def fps(self) -> float | None:
        return self._fps

    def open(self) -> None:
        cap = cv2.VideoCapture(self._index)
        if not cap.isOpened():
            cap.release()
            raise CameraError(
                f"camera {self._index} not found or busy (check the USB cable, `ls /dev/video*`, "
                "and that no other program uses it)"
            )
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._height)
        cap.set(cv2.CAP_PROP_FPS, self._fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap

    @property
    def _lost_message(self) -> str:
        return f"{self.name} stopped delivering frames (unplugged?)"


class StreamSource(_LiveCapture):
    """An RTSP/HTTP stream read through OpenCV's FFmpeg backend."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._cap: cv2.VideoCapture | None = None
        self._count = 0
        self._fps: float | None = None

    @property
    def name(self) -> str:
        return redact_url(self._url)  # never show credentials embedded in the URL

    @property
    def fps(self) -> float | None:
        return self._fps

    def open(self) -> None:
        cap = cv2.VideoCapture(
            self._url,
            cv2.CAP_FFMPEG,
            [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                _STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                _STREAM_TIMEOUT_MS,
            ],
        )
        if not cap.isOpened():
            cap.release()
            raise CameraError(
                f"cannot open stream {self.name} (check the address, the network and that "
                "the camera is powered)"
            )
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self._fps = fps if 1.0 <= fps <= 240.0 else None
        self._cap = cap

    @property
    def _lost_message(self) -> str:
        return f"stream {self.name} stopped delivering frames"


class VideoFileSource:
    """A video file. ``t_s`` is media time (frame index / fps).

    With ``pace=True`` frames are released at the file's own frame rate, like a camera;
    otherwise as fast as they are read. ``capture_fps`` overrides the stored rate for
    slow-motion clips (media time then follows the true capture rate).
    """

    live = False
    simulated = False

    def __init__(self, path: Path, pace: bool = True, capture_fps: float | None = None) -> None:
        self._path = path
        self._pace = pace
        self._capture_fps = capture_fps
        self._cap: cv2.VideoCapture | None = None
        self._fps = 30.0
        self._count = 0
        self._start = 0.0

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def fps(self) -> float | None:
        return self._fps

    def open(self) -> None:
        if not self._path.is_file():
            raise VideoError(f"{self._path}: video file not found")
        cap = cv2.VideoCapture(str(self._path))
        if not cap.isOpened():
            cap.release()
            raise VideoError(f"{self._path}: cannot open as a video (is it an mp4/avi/mkv?)")
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self._fps = fps if 1.0 <= fps <= 1000.0 else 30.0
        self._cap = cap
        self._count = 0
        self._start = time.monotonic()

    def read(self) -> Frame | None:
        if self._cap is None:
            raise VideoError(f"{self._path}: not open")
        if self._pace:
            due = self._start + self._count / self._fps
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        ok, image = self._cap.read()
        now = time.monotonic()
        if not ok or image is None:
            return None
        rate = self._capture_fps or self._fps
        frame = Frame(
            self._count, self._count / rate, now, time.time(), np.asarray(image, np.uint8)
        )
        self._count += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
