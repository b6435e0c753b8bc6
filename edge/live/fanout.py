"""Hands what the analysis thread produced to the listeners (the page) and the sinks (the
recorder). Listeners and sinks must not block; what they raise is logged and counted in
the :class:`~edge.live.pipeline_status.AnalysisStats` and never stops the pipeline.
Analysis thread only.
"""

from __future__ import annotations

import logging
from typing import Any

from edge.gait.records import AnalysisUpdate
from edge.landmarks import PoseResult
from edge.live.frames import Frame
from edge.live.pipeline_status import AnalysisStats
from edge.live.sink import PipelineSink
from edge.live.stages import LiveListener, wants_video

log = logging.getLogger(__name__)


class Fanout:
    """The pipeline's listeners and sinks (the lists are shared with the pipeline)."""

    def __init__(
        self, listeners: list[LiveListener], sinks: list[PipelineSink], stats: AnalysisStats
    ) -> None:
        self.listeners = listeners
        self.sinks = sinks
        self._stats = stats

    def wants_video(self) -> bool:
        """Someone needs encoded video now."""
        return any(wants_video(x) for x in (*self.listeners, *self.sinks))

    def publish(self, message: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                listener.publish(message)
            except Exception:
                self._stats.listener_errors += 1
                log.exception("listener %r failed", listener)

    def video(self, frame: Frame, jpeg: bytes) -> None:
        for listener in self.listeners:
            try:
                listener.video(frame.index, frame.t_s, frame.captured_wall, jpeg)
            except Exception:
                self._stats.listener_errors += 1
                log.exception("video listener %r failed", listener)

    def frame(
        self, frame_index: int, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None
    ) -> None:
        for sink in self.sinks:
            try:
                sink.frame(pose, update, jpeg)
            except Exception:
                self._stats.sink_errors += 1
                log.exception("sink %r failed on frame %d", sink, frame_index)

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        for sink in self.sinks:
            try:
                sink.session_started(session_id, t_s, settings)
            except Exception:
                self._stats.sink_errors += 1
                log.exception("sink %r failed to start a session", sink)

    def settings_changed(self, t_s: float, changes: dict[str, Any]) -> None:
        """Sinks with a ``settings_changed(t_s, changes)`` method (the recorder) are told what
        changed mid-session: the session records it beside its steps."""
        for sink in self.sinks:
            tell = getattr(sink, "settings_changed", None)
            if not callable(tell):
                continue
            try:
                tell(t_s, changes)
            except Exception:
                self._stats.sink_errors += 1
                log.exception("sink %r failed on a settings change", sink)

    def session_ended(self, t_s: float, *, stopped: bool) -> None:
        for sink in self.sinks:
            # A sink may tell a stop from a runner leaving (optional ``session_stopped``).
            stop_fn = getattr(sink, "session_stopped", None) if stopped else None
            try:
                if callable(stop_fn):
                    stop_fn(t_s)
                else:
                    sink.session_ended(t_s)
            except Exception:
                self._stats.sink_errors += 1
                log.exception("sink %r failed to end a session", sink)
