"""Frame sources and the capture thread: choosing a source, retry with backoff, continuity.

The camera is faked at its boundary (a FrameSource that fails the way hardware does)."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import CameraError, VideoError
from edge.live.capture import CaptureWorker, open_source
from edge.live.config import CaptureConfig
from edge.live.demo import DemoSource
from edge.live.frames import Frame
from edge.live.slot import LatestSlot
from edge.live.sources import OpenCVCamera, StreamSource, VideoFileSource


class FlakyCamera:
    """Fails to open ``fail_opens`` times, then delivers ``burst`` frames and 'unplugs'."""

    live = True
    simulated = False
    fps = 30.0
    name = "flaky"

    def __init__(self, fail_opens: int, burst: int, bursts: int) -> None:
        self.fail_opens = fail_opens
        self.burst = burst
        self.bursts = bursts
        self.opens = 0
        self.closes = 0
        self._left = 0
        self._i = 0
        self.open_times: list[float] = []
        self.hold = threading.Event()

    def open(self) -> None:
        self.open_times.append(time.monotonic())
        self.opens += 1
        if self.opens <= self.fail_opens:
            raise CameraError("camera 0 not found")
        self._left = self.burst
        self._i = 0  # a reopened camera restarts its own counters and clock

    def read(self) -> Frame | None:
        if self._left == 0:
            if self.opens - self.fail_opens >= self.bursts:
                self.hold.wait(10.0)  # the last burst: a healthy camera, idle until the end
                return None
            raise CameraError("camera 0 stopped delivering frames")
        self._left -= 1
        img = np.zeros((8, 8, 3), np.uint8)
        f = Frame(self._i, self._i / 30.0, time.monotonic(), time.time(), img)
        self._i += 1
        return f

    def close(self) -> None:
        self.closes += 1


def _collect(worker: CaptureWorker, slot: LatestSlot[Frame], n: int) -> list[Frame]:
    frames: list[Frame] = []
    deadline = time.monotonic() + 10.0
    while len(frames) < n and time.monotonic() < deadline:
        f = slot.take(timeout=0.5)
        if f is not None:
            frames.append(f)
    return frames


def test_lost_camera_is_retried_with_backoff_and_timeline_stays_continuous() -> None:
    cam = FlakyCamera(fail_opens=3, burst=4, bursts=3)
    cfg = CaptureConfig(pace_files=False)
    slot: LatestSlot[Frame] = LatestSlot()
    stop = threading.Event()
    worker = CaptureWorker(cam, slot, cfg, stop)
    worker.retry_initial_s, worker.retry_max_s = 0.05, 0.2
    seen: list[tuple[int, float]] = []
    states: set[str] = set()

    def take_all() -> None:
        while not stop.is_set():
            f = slot.take(timeout=0.05)
            states.add(worker.status().state)
            if f is not None:
                seen.append((f.index, f.t_s))

    taker = threading.Thread(target=take_all)
    taker.start()
    worker.start()
    deadline = time.monotonic() + 10.0
    while cam.opens < 3 + 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    stop.set()
    cam.hold.set()
    worker.join(5.0)
    taker.join(5.0)

    assert cam.opens == 6  # 3 failed opens + 3 bursts (2 losses)
    gaps = np.diff(cam.open_times[:4])
    # Backoff doubles: 0.05, 0.1, 0.2 (capped at retry_max_s).
    assert gaps == pytest.approx([0.05, 0.1, 0.2], abs=0.04)
    assert worker.status().attempts == 5  # 3 failed opens + 2 losses
    assert "retrying" in states
    indices = [i for i, _ in seen]
    times = [t for _, t in seen]
    assert indices == sorted(set(indices))  # unique and increasing across reopenings
    assert all(b > a for a, b in itertools.pairwise(times))
    assert worker.status().frames == 12


def test_file_source_ends_and_is_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(20):
        img = np.full((48, 64, 3), i * 10, np.uint8)
        writer.write(img)
    writer.release()
    src = open_source(str(path), CaptureConfig(pace_files=False))
    assert isinstance(src, VideoFileSource)
    slot: LatestSlot[Frame] = LatestSlot()
    stop = threading.Event()
    worker = CaptureWorker(src, slot, CaptureConfig(pace_files=False), stop)
    worker.start()
    frames = _collect(worker, slot, 20)
    worker.join(5.0)
    assert worker.status().state == "ended"
    assert [f.index for f in frames] == list(range(20))  # lossless: none dropped
    assert [f.t_s for f in frames] == pytest.approx([i / 25.0 for i in range(20)])
    assert worker.status().dropped == 0
    assert int(frames[5].image.mean()) == pytest.approx(50, abs=3)


def test_paced_file_is_released_at_its_frame_rate(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 20.0, (32, 32))
    for _ in range(10):
        writer.write(np.zeros((32, 32, 3), np.uint8))
    writer.release()
    src = VideoFileSource(path, pace=True)
    src.open()
    stamps = []
    while (f := src.read()) is not None:
        stamps.append(f.captured_mono)
    src.close()
    # 10 frames at 20 fps: the last leaves 0.45 s after the first (no timing assertion beyond
    # the pacing itself: reading can only be later, never earlier).
    assert len(stamps) == 10
    assert stamps[-1] - stamps[0] >= 0.45 - 0.005


def test_open_source_names() -> None:
    cfg = CaptureConfig()
    assert isinstance(open_source("demo", cfg), DemoSource)
    cam = open_source("camera:2", cfg)
    assert isinstance(cam, OpenCVCamera)
    assert cam.name == "USB camera 2"
    assert isinstance(open_source("1", cfg), OpenCVCamera)
    stream = open_source("rtsp://user:secret@10.0.0.5/stream", cfg)
    assert isinstance(stream, StreamSource)
    assert "secret" not in stream.name
    with pytest.raises(VideoError, match="not a video file"):
        open_source("/nonexistent/clip.mp4", cfg)
    with pytest.raises(CameraError, match="must be a number"):
        open_source("camera:x", cfg)


def test_missing_file_fails_the_worker_with_the_message() -> None:
    src = VideoFileSource(Path("/nonexistent.mp4"))
    slot: LatestSlot[Frame] = LatestSlot()
    worker = CaptureWorker(src, slot, CaptureConfig(), threading.Event())
    worker.start()
    worker.join(5.0)
    status = worker.status()
    assert status.state == "failed"
    assert status.message is not None and "not found" in status.message


class BuggyDriver:
    """Raises an unexpected error (not a CameraError) on the first ``crashes`` reads."""

    live = True
    simulated = False
    fps = 30.0
    name = "buggy"

    def __init__(self, crashes: int) -> None:
        self.crashes = crashes
        self.reads = 0
        self.opens = 0

    def open(self) -> None:
        self.opens += 1

    def read(self) -> Frame | None:
        self.reads += 1
        if self.reads <= self.crashes:
            raise RuntimeError("driver returned garbage")
        time.sleep(0.005)
        img = np.zeros((4, 4, 3), np.uint8)
        return Frame(self.reads, self.reads / 30.0, time.monotonic(), time.time(), img)

    def close(self) -> None:
        return None


@pytest.mark.parametrize(("crashes", "state"), [(2, "running"), (50, "failed")])
def test_a_crashing_capture_loop_is_restarted_within_a_budget(crashes: int, state: str) -> None:
    cam = BuggyDriver(crashes)
    slot: LatestSlot[Frame] = LatestSlot()
    stop = threading.Event()
    worker = CaptureWorker(cam, slot, CaptureConfig(), stop)
    worker.retry_initial_s = 0.05
    worker.start()
    deadline = time.monotonic() + 5.0

    def settled() -> bool:
        st = worker.status()
        return st.state == "failed" if state == "failed" else st.frames > 0

    while not settled() and time.monotonic() < deadline:
        time.sleep(0.01)
    status = worker.status()
    stop.set()
    worker.join(5.0)
    assert status.state == state
    if state == "running":
        assert cam.opens == 3  # two crashes, two restarts
    else:
        assert cam.opens == CaptureWorker.MAX_RESTARTS + 1
        assert status.message is not None and "driver returned garbage" in status.message
