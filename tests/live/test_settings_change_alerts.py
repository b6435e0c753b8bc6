"""A settings change mid-session does not leave a cue on screen that nothing will clear.

Saving a setting rebuilds the analyzer; its new alert engine does not know which cues the
old one raised, so they were never cleared (on the page, and in the stored session). The
pipeline now clears them at the change (value ``None``); the new analyzer raises them again
if the fault is still there. The demo runs unpaced and lossless: frames, not timings.
"""

from __future__ import annotations

import threading
from typing import Any

from edge.config.root import Config
from edge.gait.records import AnalysisUpdate
from edge.landmarks import PoseResult
from edge.live.demo import DemoSource
from edge.live.pipeline import LivePipeline


class ChangeOnFirstCue:
    """Saves a setting as soon as the first cue is raised, then collects N more frames."""

    def __init__(self, after: int) -> None:
        self.messages: list[dict[str, Any]] = []
        self.pipeline: LivePipeline | None = None
        self.new_config: Config | None = None
        self.changed_at: float | None = None
        self.after = after
        self.done = threading.Event()
        self._frames_after = 0
        self._last_frame_t = 0.0

    def publish(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if message["type"] == "frame":
            self._last_frame_t = message["t"]
        if message["type"] == "alert" and message["state"] == "raised" and not self.changed_at:
            assert self.pipeline is not None and self.new_config is not None
            self.pipeline.apply_config(self.new_config)  # applies from the next frame
            self.changed_at = self._last_frame_t
        if message["type"] == "frame" and self.changed_at is not None:
            self._frames_after += 1
            if self._frames_after >= self.after:
                self.done.set()

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None:
        return None


class Sink:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str, float | None]] = []

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        return None

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        self.alerts += [(a.state, a.rule, a.value) for a in update.alerts]

    def session_ended(self, t_s: float) -> None:
        return None


def test_cues_raised_before_a_settings_change_are_cleared_at_it() -> None:
    cfg = Config.model_validate(
        {
            "capture": {
                "pace_files": False,
                "presence_start_s": 0.0,
                "demo_schedule": ["overstride"],
            },
        }
    )
    source = DemoSource.from_config(cfg.capture)
    source._pace = False
    listener = ChangeOnFirstCue(after=300)  # 10 s of running after the change
    listener.new_config = cfg.model_copy(
        update={"gait": cfg.gait.model_copy(update={"window_s": 8.0})}
    )
    sink = Sink()
    pipeline = LivePipeline(cfg, source, sinks=[sink], listeners=[listener])
    listener.pipeline = pipeline
    pipeline.start()
    try:
        assert listener.done.wait(120.0)
    finally:
        pipeline.stop()
    alerts = [(m["state"], m["rule"], m["value"], m["t"]) for m in listener.messages
              if m["type"] == "alert"]  # fmt: skip
    assert alerts[0][:2] == ("raised", "overstride")
    cleared = [a for a in alerts if a[0] == "cleared" and a[1] == "overstride"]
    assert cleared, alerts
    _, _, value, t = cleared[0]
    assert value is None
    assert listener.changed_at is not None
    assert 0.0 < t - listener.changed_at < 0.1  # at the next frame, where the change applies
    # still overstriding: the new analyzer raises it again
    assert any(a[0] == "raised" and a[1] == "overstride" and a[3] > t for a in alerts)
    # the sinks (the recorder) get the same clear
    assert ("cleared", "overstride", None) in sink.alerts
