"""The demo runner and the real-time pipeline, end to end without a server.

The demo runs unpaced and lossless here (capture.pace_files = False), so every frame is
analysed and the results are deterministic: the tests read numbers, not timings.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from edge.config.root import Config
from edge.gait.records import AnalysisUpdate
from edge.landmarks import Landmark, PoseResult
from edge.live.demo import DemoSource
from edge.live.pipeline import LivePipeline, settings_snapshot


class Collector:
    """A listener that keeps everything and signals after ``n`` frames."""

    def __init__(self, n: int) -> None:
        self.messages: list[dict[str, Any]] = []
        self.videos: list[tuple[int, bytes]] = []
        self.n = n
        self.done = threading.Event()
        self.frames = 0

    def publish(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if message["type"] == "frame":
            self.frames += 1
            if self.frames >= self.n:
                self.done.set()

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None:
        self.videos.append((frame_index, jpeg))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]


class RecordingSink:
    def __init__(self, fail_frames: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_frames = fail_frames

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        self.calls.append(("start", (session_id, t_s, settings)))

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        self.calls.append(("frame", (pose.frame_index, jpeg is not None)))
        if self.fail_frames:
            raise RuntimeError("disk on fire")

    def session_ended(self, t_s: float) -> None:
        self.calls.append(("end", t_s))


def _config(**capture: Any) -> Config:
    return Config.model_validate(
        {
            "capture": {"pace_files": False, "presence_start_s": 1.0, **capture},
            "server": {"settings_pin": "975318"},
        }
    )


def _run(
    config: Config, frames: int, sinks: list[Any] | None = None
) -> tuple[Collector, LivePipeline]:
    source = DemoSource.from_config(config.capture)
    source._pace = False  # as fast as analysis takes it (lossless with pace_files=False)
    collector = Collector(frames)
    pipeline = LivePipeline(config, source, sinks=sinks or [], listeners=[collector])
    pipeline.start()
    assert collector.done.wait(120.0), "pipeline produced too few frames"
    pipeline.stop()
    return collector, pipeline


def test_demo_frames_carry_the_generator_landmarks_and_say_simulated() -> None:
    cfg = _config(demo_schedule=["clean"], demo_phase_s=10.0)
    a = DemoSource.from_config(cfg.capture)
    a._pace = False
    a.open()
    frames = [a.read() for _ in range(31)]  # the renderer reuses a pool of 6 buffers
    assert a.simulated and "simulated" in a.name
    f = frames[30]
    assert f is not None and f.truth is not None
    assert f.t_s == pytest.approx(1.0)
    # The stick figure is drawn where the landmarks are: bright pixels at the left knee.
    h, w = f.image.shape[:2]
    x, y = f.truth[Landmark.LEFT_KNEE, :2] * (w, h)
    assert f.image[int(y), int(x)].min() >= 150
    # And the frame background is dark where nobody is (top right corner).
    assert f.image[h // 4, w - 10].max() < 80


def test_demo_phases_follow_the_schedule() -> None:
    cfg = _config(demo_schedule=["clean", "overstride", "absent"], demo_phase_s=2.0)
    src = DemoSource.from_config(cfg.capture)
    assert [src.phase_at(t) for t in (0.0, 1.9, 2.0, 4.5, 6.1)] == [
        "clean",
        "clean",
        "overstride",
        "absent",
        "clean",
    ]


def test_pipeline_analyses_every_frame_raises_and_clears_overstride() -> None:
    # a cue needs evidence over several strides and a short look before it is chosen
    # (edge.gait.alerts): the fault phase lasts 8 s
    cfg = _config(demo_schedule=["clean", "overstride", "clean", "clean"], demo_phase_s=8.0)
    sink = RecordingSink()
    col, pipeline = _run(cfg, frames=30 * 25, sinks=[sink])
    status = pipeline.status()

    frames = col.of("frame")
    ids = [m["id"] for m in frames]
    assert ids[: 30 * 25] == list(range(30 * 25))  # nothing skipped
    assert status["capture"]["dropped"] == 0
    assert status["analysis"]["errors"] == 0
    lm = frames[100]["lm"]
    assert len(lm) == 33 * 3
    # The frame message carries the generator's landmarks (demo mode bypasses the model).
    src = DemoSource.from_config(cfg.capture)
    src._pace = False
    src.open()
    for _ in range(100):
        src.read()
    truth = src.read()
    assert truth is not None and truth.truth is not None
    np.testing.assert_allclose(np.array(lm).reshape(33, 3)[:, :2], truth.truth[:, :2], atol=1e-4)

    strides = col.of("stride")
    assert len(strides) >= 50  # ~170 steps/min for 25 s
    cadences = [
        s["metrics"]["cadence_spm"]["value"]
        for s in strides
        if s["metrics"].get("cadence_spm", {}).get("value") is not None
    ]
    assert np.median(cadences) == pytest.approx(170.0, abs=3.0)
    # Angles come out right only if the analyzer knows the frame's shape (640 x 480): the
    # demo runner leans 5° and holds the head level.
    leans = [s["metrics"]["trunk_lean_deg"]["value"] for s in strides]
    assert np.median([v for v in leans if v is not None]) == pytest.approx(5.0, abs=0.5)

    overs = [a for a in col.of("alert") if a["rule"] == "overstride"]
    raised = [a for a in overs if a["state"] == "raised"]
    cleared = [a for a in overs if a["state"] == "cleared"]
    assert len(raised) == 1 and len(cleared) == 1
    assert 8.0 < raised[0]["t"] < 16.0  # during the overstride phase (8-16 s)
    assert raised[0]["value"] >= 2.0  # landing signs: heel ahead and slow steps
    assert 16.0 < cleared[0]["t"] < 24.0  # after it
    assert cleared[0]["value"] < 1.0  # the heel lands under the hips again
    assert cleared[0]["feedback"]  # praise

    # The sink saw one session from the 1 s presence mark, with every frame after it.
    kinds = [c[0] for c in sink.calls]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.count("start") == 1 and kinds.count("end") == 1
    session_id, t0, settings = sink.calls[0][1]
    assert t0 == pytest.approx(1.0)
    assert settings["simulated"] is True
    assert "settings_pin" not in settings["server"]  # type: ignore[operator]
    sink_frames = [c[1][0] for c in sink.calls if c[0] == "frame"]
    assert sink_frames[0] == 30  # the frame at 1.0 s started the session
    assert sink_frames == list(range(30, 30 + len(sink_frames)))
    assert len(session_id) > 16
    # The video (at most video_fps) carries frame ids the landmarks were published for.
    assert col.videos and {i for i, _ in col.videos} <= set(ids)
    assert col.videos[0][1][:2] == b"\xff\xd8"  # JPEG


def test_absent_runner_ends_the_session_and_a_new_one_starts() -> None:
    cfg = _config(demo_schedule=["clean", "absent"], demo_phase_s=3.0, absence_timeout_s=1.0)
    sink = RecordingSink()
    col, _ = _run(cfg, frames=30 * 8, sinks=[sink])
    starts = [c[1][1] for c in sink.calls if c[0] == "start"]
    ends = [c[1] for c in sink.calls if c[0] == "end"]
    # Runner 0-3 s (session from 1 s), nobody 3-6 s (ends 1 s after the last sighting),
    # runner again from 6 s (new session from 7 s).
    assert starts[:2] == pytest.approx([1.0, 7.0], abs=0.05)
    assert ends[0] == pytest.approx(3.0, abs=0.1)
    sessions = [m["state"] for m in col.of("session")]
    assert sessions[:3] == ["started", "ended", "started"]
    assert all(m["lm"] is None for m in col.of("frame") if 3.1 < m["t"] < 5.9)


def test_a_failing_sink_is_counted_and_does_not_stop_the_pipeline() -> None:
    cfg = _config(demo_schedule=["clean"])
    sink = RecordingSink(fail_frames=True)
    col, pipeline = _run(cfg, frames=90, sinks=[sink])
    status = pipeline.status()
    assert col.frames >= 90
    assert status["errors"]["sinks"] >= 60 - 1  # every frame after the 1 s session start
    assert status["analysis"]["errors"] == 0


def test_settings_applied_at_runtime_are_used_from_the_next_frame() -> None:
    cfg = _config(demo_schedule=["overstride"], demo_phase_s=60.0)
    off = cfg.model_copy(deep=True)
    off.alerts.overstride.enabled = False
    source = DemoSource.from_config(cfg.capture)
    source._pace = False
    col = Collector(30 * 8)
    pipeline = LivePipeline(cfg, source, listeners=[col])
    pipeline.apply_config(off)
    pipeline.start()
    assert col.done.wait(120.0)
    pipeline.stop()
    assert pipeline.config.alerts.overstride.enabled is False
    assert [a for a in col.of("alert") if a["rule"] == "overstride"] == []
    assert len(col.of("stride")) >= 14  # the overstride phase runs at 158 steps/min


def test_settings_snapshot_has_no_secret() -> None:
    cfg = _config()
    snap = settings_snapshot(cfg, DemoSource.from_config(cfg.capture))
    assert "settings_pin" not in snap["server"]  # type: ignore[operator]
    assert snap["source"] == "demo (simulated runner)"


def test_no_video_is_encoded_when_nobody_wants_it() -> None:
    cfg = _config(demo_schedule=["clean"])

    class NoVideo(Collector):
        wants_video = False

    source = DemoSource.from_config(cfg.capture)
    source._pace = False
    col = NoVideo(60)
    pipeline = LivePipeline(cfg, source, listeners=[col])
    pipeline.start()
    assert col.done.wait(60.0)
    pipeline.stop()
    assert col.videos == []
    assert pipeline.status()["video"]["frames"] == 0
