"""Choosing a frame source, and the capture thread that keeps it alive.

The capture thread reads frames as they come and offers each to a :class:`LatestSlot`
(the newest frame wins). When a live source fails (camera unplugged, stream dropped) it
closes it and reopens it with exponential backoff, publishing its state for the page; it
never raises out of the thread. Frame indices and capture times are made continuous across
reopenings so downstream stages see one strictly increasing timeline.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.errors import CameraError, TreadwatchError, VideoError
from edge.live.config import CaptureConfig
from edge.live.frames import Frame, FrameSource
from edge.live.slot import LatestSlot
from edge.live.stats import RateMeter

log = logging.getLogger(__name__)

CaptureState = Literal["starting", "running", "retrying", "ended", "failed", "stopped"]

#: A lost camera is reopened after this wait, doubling with every failed try up to
#: :data:`RETRY_MAX_S` (a USB camera re-enumerates in about a second; an RTSP camera that
#: rebooted takes tens of seconds, tried every 10 s at most).
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 10.0
#: Width of the Pi camera's small (lores) stream that the model reads.
PI_MODEL_WIDTH = 320

_URL_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://")


def open_source(spec: str, cfg: CaptureConfig) -> FrameSource:
    """The source named by ``spec``: demo, camera, camera:N / an integer, picamera, a URL or
    a video file path. Raises a :class:`TreadwatchError` naming what to fix."""
    s = spec.strip()
    if s == "demo":
        from edge.live.demo import DemoSource

        return DemoSource.from_config(cfg)
    if s == "picamera":
        if importlib.util.find_spec("picamera2") is None:
            from edge.live.picam import INSTALL_HINT

            raise CameraError(INSTALL_HINT)
        from edge.live.picam import PiCamera

        return PiCamera(cfg.width, cfg.height, cfg.fps, PI_MODEL_WIDTH)
    if s == "camera" or s.startswith("camera:") or s.isdigit():
        from edge.live.sources import OpenCVCamera

        raw = s.partition(":")[2] if s.startswith("camera:") else ("0" if s == "camera" else s)
        if not raw.isdigit():
            raise CameraError(f"camera index must be a number, got {raw!r} (e.g. camera:0)")
        return OpenCVCamera(int(raw), cfg.width, cfg.height, cfg.fps)
    if s.lower().startswith(_URL_SCHEMES):
        from edge.live.sources import StreamSource

        return StreamSource(s)
    path = Path(s).expanduser()
    if not path.is_file():
        raise VideoError(
            f"{s}: not a video file, and not demo, camera, camera:N, picamera or a URL"
        )
    from edge.live.sources import VideoFileSource

    return VideoFileSource(path, pace=cfg.pace_files)


@dataclass(frozen=True, slots=True)
class CaptureStatus:
    state: CaptureState
    source: str
    simulated: bool
    message: str | None
    attempts: int
    frames: int
    fps: float
    dropped: int


class CaptureWorker:
    """Runs ``source`` on its own thread, feeding ``slot``."""

    def __init__(
        self,
        source: FrameSource,
        slot: LatestSlot[Frame],
        cfg: CaptureConfig,
        stop: threading.Event,
    ) -> None:
        self.source = source
        self._slot = slot
        self._cfg = cfg
        self._stop = stop
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state: CaptureState = "starting"
        self._message: str | None = None
        self._attempts = 0
        self._rate = RateMeter()
        self._next_index = 0
        self._last_t: float | None = None
        self._t_offset = 0.0
        self._dt = 1.0 / (source.fps or 30.0)
        self.retry_initial_s = RETRY_INITIAL_S
        self.retry_max_s = RETRY_MAX_S
        self._delay = self.retry_initial_s

    # --- status ----------------------------------------------------------------------------

    def _set(self, state: CaptureState, message: str | None = None) -> None:
        with self._lock:
            self._state = state
            self._message = message

    def status(self) -> CaptureStatus:
        with self._lock:
            state, message, attempts = self._state, self._message, self._attempts
        return CaptureStatus(
            state=state,
            source=self.source.name,
            simulated=self.source.simulated,
            message=message,
            attempts=attempts,
            frames=self._rate.total,
            fps=round(self._rate.rate(time.monotonic()), 2),
            dropped=self._slot.dropped,
        )

    @property
    def finished(self) -> bool:
        return self._state in ("ended", "failed", "stopped")

    # --- thread ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _continuous(self, frame: Frame) -> Frame:
        """Re-index and shift time so the timeline keeps increasing across reopenings."""
        t = frame.t_s + self._t_offset
        if self._last_t is not None and t <= self._last_t:
            self._t_offset = self._last_t + self._dt - frame.t_s
            t = frame.t_s + self._t_offset
        self._last_t = t
        frame.t_s = t
        frame.index = self._next_index
        self._next_index += 1
        return frame

    #: A crashed capture loop (a bug, or a driver raising something unexpected) is restarted
    #: at most this many times within RESTART_WINDOW_S, then reported as failed.
    MAX_RESTARTS = 5
    RESTART_WINDOW_S = 60.0

    def _run(self) -> None:
        restarts: list[float] = []
        while True:
            try:
                self._loop()
                return
            except Exception as exc:  # a bug: report it, restart within budget
                log.exception("capture thread crashed")
                with contextlib.suppress(Exception):
                    self.source.close()
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < self.RESTART_WINDOW_S]
                if len(restarts) >= self.MAX_RESTARTS or self._stop.is_set():
                    self._set("failed", f"capture crashed: {exc!r}")
                    return
                restarts.append(now)
                self._attempts += 1
                self._set("retrying", f"capture crashed ({exc!r}); restarting")
                if self._stop.wait(self.retry_initial_s):
                    self._set("stopped")
                    return

    def _loop(self) -> None:
        self._delay = self.retry_initial_s
        lossless = not self.source.live and not self._cfg.pace_files
        while not self._stop.is_set():
            try:
                self.source.open()
            except CameraError as exc:
                if not self.source.live:
                    self._set("failed", str(exc))
                    return
                self._attempts += 1
                self._set("retrying", f"{exc}; retrying in {self._delay:.1f} s")
                log.warning("%s", exc)
                if self._stop.wait(self._delay):
                    break
                self._delay = min(self._delay * 2.0, self.retry_max_s)
                continue
            except TreadwatchError as exc:
                self._set("failed", str(exc))
                log.error("%s", exc)
                return
            self._set("running")
            try:
                ended = self._pump(lossless)
            except CameraError as exc:
                self._attempts += 1
                self._set("retrying", f"{exc}; retrying in {self._delay:.1f} s")
                log.warning("%s", exc)
                self.source.close()
                if self._stop.wait(self._delay):
                    break
                self._delay = min(self._delay * 2.0, self.retry_max_s)
                continue
            self.source.close()
            if self._stop.is_set():
                break
            if ended and not (self._cfg.loop_files and not self.source.live):
                if self.source.live:  # a live source that "ends" is a lost one
                    self._attempts += 1
                    self._set("retrying", "stream ended; reopening")
                    if self._stop.wait(self._delay):
                        break
                    self._delay = min(self._delay * 2.0, self.retry_max_s)
                    continue
                self._set("ended", "end of video")
                return
        self._set("stopped")

    def _pump(self, lossless: bool) -> bool:
        """Read until stop (False) or end of stream (True). Resets backoff on frames."""
        first = True
        while not self._stop.is_set():
            frame = self.source.read()
            if frame is None:
                return True
            if first:
                self._delay = self.retry_initial_s  # it works again: reset the backoff
                first = False
            frame = self._continuous(frame)
            self._rate.tick(frame.captured_mono)
            if not self._slot.put(frame, lossless=lossless):
                return False
        return False
