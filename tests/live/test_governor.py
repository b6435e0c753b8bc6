"""The frame-rate governor: a pose stage slower than the camera switches the pipeline to
analysing every other frame (said in the status), and a recovered one switches it back.

Fakes only at the I/O boundary: a camera that stamps frames on a fake clock (one frame
period per frame) and a pose engine whose processing time is set on that clock."""

from __future__ import annotations

import threading
import time

import numpy as np

from edge.config.root import Config
from edge.landmarks import PoseResult
from edge.live.frames import Frame
from edge.live.governor import HOLD_S, FrameRateGovernor
from edge.live.pipeline import LivePipeline

FPS = 50.0  # a 20 ms frame period


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.t

    def advance(self, s: float) -> None:
        with self.lock:
            self.t += s


class SteppedCamera:
    """A camera delivering ``n`` frames; the next frame is read only after the previous one
    was analysed (so no frame is lost to timing and the test is deterministic)."""

    name = "fake camera"
    simulated = False
    live = False  # ends after n frames, like a file
    fps = FPS

    def __init__(self, clock: FakeClock, n: int) -> None:
        self.clock = clock
        self.n = n
        self.i = 0
        self.consumed = threading.Semaphore(1)
        self.image = np.zeros((64, 48, 3), np.uint8)
        self.index_of: dict[float, int] = {}

    def open(self) -> None:
        return None

    def read(self) -> Frame | None:
        if self.i >= self.n:
            return None
        self.consumed.acquire()
        self.clock.advance(1.0 / FPS)
        f = Frame(self.i, self.clock(), time.monotonic(), time.time(), self.image)
        self.index_of[f.t_s] = self.i
        self.i += 1
        return f

    def close(self) -> None:
        return None


class SlowEngine:
    """A pose engine whose cost per frame (on the fake clock) follows ``cost_ms(i)``."""

    def __init__(self, clock: FakeClock, camera: SteppedCamera, cost_ms: list[float]) -> None:
        self.clock = clock
        self.camera = camera
        self.cost_ms = cost_ms
        self.calls: list[int] = []

    def process(self, frame_bgr: np.ndarray, timestamp_s: float) -> PoseResult:
        i = self.camera.index_of[timestamp_s]
        self.calls.append(i)
        self.clock.advance(self.cost_ms[i] / 1000.0)
        return PoseResult(i, timestamp_s)

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def run(cost_ms: list[float]) -> tuple[SlowEngine, list[dict[str, object]]]:
    clock = FakeClock()
    n = len(cost_ms)
    cam = SteppedCamera(clock, n)
    engine = SlowEngine(clock, cam, cost_ms)
    cfg = Config.model_validate({"capture": {"pace_files": False}})
    statuses: list[dict[str, object]] = []
    pipe = LivePipeline(cfg, cam, estimator_factory=lambda _c: engine, clock=clock)
    original = pipe._process

    def process_and_release(frame: Frame) -> None:
        try:
            original(frame)
            statuses.append({**pipe.status()["governor"], "t": frame.t_s})
        finally:
            cam.consumed.release()

    pipe._process = process_and_release  # type: ignore[method-assign]
    pipe.start()
    assert pipe.wait(30.0)
    pipe.stop()
    return engine, statuses


def test_slow_pose_stage_halves_the_analysis_rate_and_recovers() -> None:
    # 0.6 s fast (5 ms), 2 s slow (30 ms > 20 ms budget), then 3 s fast again.
    cost = [5.0] * 30 + [30.0] * 100 + [5.0] * 150
    engine, statuses = run(cost)
    active = [bool(s["active"]) for s in statuses]
    assert not any(active[:30])
    on = active.index(True)
    t = [float(s["t"]) for s in statuses]  # type: ignore[arg-type]
    # It engages once the slow stage has lasted HOLD_S (plus the moving average's lag) …
    assert HOLD_S <= t[on] - t[30] <= HOLD_S + 0.3, (on, t[on] - t[30])
    assert statuses[on]["analysing_every"] == 2
    assert "every other frame" in str(statuses[on]["reason"])
    # … then only every other frame reaches the pose engine …
    slow_calls = [i for i in engine.calls if on + 2 < i < 130]
    assert slow_calls and all(i % 2 == 0 for i in slow_calls)
    assert int(statuses[129]["skipped"]) >= len(slow_calls) - 1
    # … and it switches back once the stage is fast again for HOLD_S.
    off = on + 1 + active[on + 1 :].index(False)
    assert HOLD_S <= t[off] - t[130] <= HOLD_S + 0.3, (off, t[off] - t[130])
    assert all(not a for a in active[off:])
    tail = [i for i in engine.calls if i > off + 1]
    assert tail == list(range(off + 2, len(cost)))


def test_governor_holds_before_switching() -> None:
    clock = FakeClock()
    gov = FrameRateGovernor(30.0, clock)
    # One very slow frame among fast ones does not engage it.
    for ms in [10.0] * 5 + [200.0] + [10.0] * 40:
        clock.advance(1 / 30)
        assert not gov.observe(ms)
    assert gov.every == 1
    assert gov.state().as_dict()["budget_ms"] == 33.33
