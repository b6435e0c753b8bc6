"""The real-time pipeline: capture → pose → gait analysis → listeners and sinks.

Two threads. The capture thread (:class:`~edge.live.capture.CaptureWorker`) offers every
frame to a one-frame :class:`~edge.live.slot.LatestSlot`; the analysis thread takes the
newest, so latency never builds up and skipped frames are counted, not queued. For the
simulated runner the landmarks come from the generator (:func:`edge.live.demo.truth_pose`),
not the model; the choice is made once, when the pipeline is built.

The analysis thread then publishes, in this order: the frame message (landmarks), stride
and alert messages, the encoded video frame (at the configured video rate), and finally
hands the frame to the sinks while a session is on. Listeners and sinks must not block;
their exceptions are logged and counted and never stop the pipeline.

Stopping: one stop event; :meth:`LivePipeline.stop` sets it, closes the slot, joins the
capture thread then the analysis thread (which ends the session and closes the engine).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.config.root import Config
from edge.gait.records import AlertRecord
from edge.landmarks import PoseResult
from edge.live import messages
from edge.live.capture import CaptureWorker
from edge.live.demo import truth_pose
from edge.live.fanout import Fanout
from edge.live.frames import Frame, FrameSource
from edge.live.governor import FrameRateGovernor
from edge.live.pipeline_status import AnalysisStats, pipeline_status
from edge.live.presence import PresenceTracker
from edge.live.sink import PipelineSink
from edge.live.slot import LatestSlot
from edge.live.stages import (
    Analyzer,
    AnalyzerFactory,
    Estimator,
    EstimatorFactory,
    LiveListener,
    default_analyzer_factory,
    default_estimator_factory,
)
from edge.live.video import VideoEncoder
from edge.redact import redact

log = logging.getLogger(__name__)


def new_session_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def settings_snapshot(config: Config, source: FrameSource) -> dict[str, object]:
    """The configuration in force, JSON-ready, without secrets."""
    data: dict[str, object] = redact(config.model_dump(mode="json"))
    data["source"] = source.name
    data["simulated"] = source.simulated
    return data


class LivePipeline:
    """Runs one source through pose and gait analysis, feeding listeners and sinks."""

    def __init__(
        self,
        config: Config,
        source: FrameSource,
        *,
        sinks: Sequence[PipelineSink] = (),
        listeners: Sequence[LiveListener] = (),
        estimator_factory: EstimatorFactory | None = None,
        analyzer_factory: AnalyzerFactory = default_analyzer_factory,
        models_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        # Times the pose stage for the frame-rate governor (a fake clock in its tests).
        self._governor = FrameRateGovernor(source.fps or 30.0, clock)
        self._pending_config: Config | None = None
        self._config_lock = threading.Lock()
        self.source = source
        self.sinks: list[PipelineSink] = list(sinks)
        self.listeners: list[LiveListener] = list(listeners)
        self._estimator_factory = estimator_factory or default_estimator_factory(
            models_dir or config.models.cache_dir
        )
        self._analyzer_factory = analyzer_factory
        self._stop = threading.Event()
        self._slot: LatestSlot[Frame] = LatestSlot(config.capture.queue_frames)
        self.capture = CaptureWorker(source, self._slot, config.capture, self._stop)
        self._presence = PresenceTracker(
            config.capture.presence_start_s, config.capture.absence_timeout_s
        )
        self._estimator: Estimator | None = None
        self._analyzer: Analyzer | None = None
        self._aspect = 1.0  # frame width / height, known from the first frame
        self._frame_size: tuple[int, int] | None = None  # (width, height) of the frames
        self._thread: threading.Thread | None = None
        self._stage = AnalysisStats()
        self._video = VideoEncoder()
        self._fanout = Fanout(self.listeners, self.sinks, self._stage)
        # The demo's simulated runner comes with its true landmarks: they stand in for the
        # pose model (chosen here, once, not per frame).
        self._pose_of: Callable[[Frame], PoseResult] = (
            truth_pose if source.simulated else self._model_pose
        )
        self._rate_changed = False  # the governor changed the analysis rate (model only)
        self._session_id: str | None = None
        self._session_t0: float | None = None  # capture time the session started at
        self._started_mono = time.monotonic()
        self._done = threading.Event()
        self._last_frame_mono: float | None = None
        self._present = False
        self._last_t: float | None = None
        # Cues raised in the session so far (analysis thread only): a rebuilt analyzer does
        # not know them, so they are cleared when it is rebuilt mid-session.
        self._active_alerts: dict[str, AlertRecord] = {}
        self._clears: list[AlertRecord] = []

    # --- configuration ---------------------------------------------------------------------

    @property
    def config(self) -> Config:
        with self._config_lock:
            return self._pending_config or self._config

    def apply_config(self, config: Config) -> None:
        """Use ``config`` from the next frame on (called from any thread)."""
        with self._config_lock:
            self._pending_config = config

    def _take_pending_config(self, t_s: float) -> None:
        with self._config_lock:
            new, self._pending_config = self._pending_config, None
        if new is None:
            return
        old = self._config
        self._config = new
        if self._session_id is not None:
            self._tell_sinks_settings_changed(t_s, old, new)
        if new.gait != old.gait or new.alerts != old.alerts:
            self._drop_analyzer(t_s)  # rebuilt with the new settings on this frame
        if new.pose != old.pose and self._estimator is not None:
            self._estimator.close()
            self._estimator = None
        self._presence.start_after_s = new.capture.presence_start_s
        self._presence.absence_timeout_s = new.capture.absence_timeout_s

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Build the analyzer (a setup error is raised here, not per frame), then start
        analysis and capture (so no frame waits for a consumer)."""
        self._ensure_stages()
        self._started_mono = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="analysis", daemon=True)
        self._thread.start()
        self.capture.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop capture first, then analysis (which ends any session and frees the model)."""
        self._stop.set()
        self._slot.close()
        self.capture.join(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the analysis thread finished (source ended); True if it did."""
        return self._done.wait(timeout)

    @property
    def last_frame_t(self) -> float | None:
        """Capture time of the newest analysed frame."""
        return self._last_t

    @property
    def session_active(self) -> bool:
        return self._session_id is not None

    @property
    def session_start_t(self) -> float | None:
        """Capture time the running session started at (its time 0 on every screen)."""
        return self._session_t0 if self._session_id is not None else None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- analysis thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self._slot.take(timeout=0.25)
                if frame is None:
                    if self.capture.finished and not self._stop.is_set():
                        break
                    self._check_absence()
                    continue
                try:
                    self._process(frame)
                    self._stage.consecutive_errors = 0
                except Exception as exc:  # a bad frame is skipped and counted
                    self._stage.errors += 1
                    self._stage.consecutive_errors += 1
                    self._stage.last_error = f"{type(exc).__name__}: {exc}"
                    if self._stage.errors <= 5 or self._stage.errors % 100 == 0:
                        log.exception("frame %d skipped", frame.index)
        finally:
            # Stopped (service stop, Ctrl-C) rather than the runner leaving or a file ending.
            self._end_session(self._presence.last_seen or 0.0, stopped=self._stop.is_set())
            if self._estimator is not None:
                self._estimator.close()
                self._estimator = None
            self._done.set()

    def _check_absence(self) -> None:
        """No frames at all (camera lost): end the session after the absence timeout."""
        if self._last_frame_mono is None or not self._presence.active:
            return
        idle = time.monotonic() - self._last_frame_mono
        if idle >= self._config.capture.absence_timeout_s:
            self._presence.end()
            self._end_session(self._presence.last_seen or 0.0, already_ended=True)

    def _ensure_stages(self) -> tuple[Estimator | None, Analyzer]:
        if self._analyzer is None:
            # Governed: every other frame is analysed, so the analyzer runs at half the rate.
            fps = (self.source.fps or 30.0) / self._governor.every
            self._analyzer = self._analyzer_factory(self._config, fps, self._aspect)
        return self._estimator, self._analyzer

    def _check_aspect(self, frame: Frame) -> None:
        """Distances and angles need square units: rebuild the analyzer for the frame's shape
        (the first frame, or a camera that came back with another size)."""
        h, w = frame.image.shape[:2]
        self._frame_size = (int(w), int(h))
        aspect = w / h
        if abs(aspect - self._aspect) > 1e-3:
            self._aspect = aspect
            self._drop_analyzer(frame.t_s)

    def _drop_analyzer(self, t_s: float) -> None:
        """The analyzer is rebuilt on this frame. Mid-session, the cues it had raised are
        cleared (value None) with this frame's update: the new one raises them again if the
        fault is still there, and no cue stays on screen that nothing would clear."""
        self._analyzer = None
        if self._session_id is not None:
            self._clears = [
                dataclasses.replace(a, state="cleared", value=None, t_s=t_s)
                for a in self._active_alerts.values()
            ]
        self._active_alerts.clear()

    def _process(self, frame: Frame) -> None:
        t0 = time.monotonic()
        self._last_frame_mono = t0
        self._take_pending_config(frame.t_s)
        self._check_aspect(frame)
        stage = self._stage
        # The demo's governor never sees a pose time, so it never leaves a frame out.
        if not self._governor.take(frame.index):
            stage.governed_skips += 1
            return
        _, analyzer = self._ensure_stages()
        pose = self._pose_of(frame)

        self._present = pose.detected
        self._last_t = frame.t_s
        change = self._presence.update(frame.t_s, pose.detected)
        if change == "started":
            analyzer.reset()
            self._start_session(frame.t_s)
        update = analyzer.push(frame.index, frame.t_s, pose.as_xyzv())
        if self._clears:
            update.alerts[:0] = self._clears
            self._clears = []
        for alert in update.alerts:
            if alert.state == "raised":
                self._active_alerts[alert.rule] = alert
            else:
                self._active_alerts.pop(alert.rule, None)
        stage.analysis_ms.add((time.monotonic() - t0) * 1000.0)
        if self._rate_changed:
            self._rate_changed = False
            gov = self._governor.state()
            log.warning("frame-rate governor: %s", gov.reason)
            self._analyzer = None  # rebuilt for the new analysis rate on the next frame

        self._publish(messages.frame_message(pose, frame.captured_wall, update.events))
        stage.latency.add((time.monotonic() - frame.captured_mono) * 1000.0)
        if update.strides:
            current = analyzer.current()
            for stride in update.strides:
                self._publish(messages.stride_message(stride, current))
        for alert in update.alerts:
            self._publish(messages.alert_message(alert))

        jpeg = self._encode_video(frame)
        if self._session_id is not None:
            self._fanout.frame(frame.index, pose, update, jpeg)
        if change == "ended":
            # The session ends when the runner was last seen, not when the timeout noticed it.
            self._end_session(self._presence.last_seen or frame.t_s, already_ended=True)
        stage.rate.tick(time.monotonic())

    def _model_pose(self, frame: Frame) -> PoseResult:
        """The pose model's landmarks for ``frame``; its time goes to the governor."""
        if self._estimator is None:
            self._estimator = self._estimator_factory(self._config.pose)
        ti = time.monotonic()
        tg = self._governor.clock()
        pose = self._estimator.process(frame.image, frame.t_s)
        self._stage.inference_ms.add((time.monotonic() - ti) * 1000.0)
        if self._governor.observe((self._governor.clock() - tg) * 1000.0):
            self._rate_changed = True
        return pose

    def _encode_video(self, frame: Frame) -> bytes | None:
        now = time.monotonic()
        if not self._video.due(now) or not self._fanout.wants_video():
            return None
        jpeg = self._video.encode(frame.viewing, self._config.server, now)
        if jpeg is not None:
            self._fanout.video(frame, jpeg)
        return jpeg

    def _publish(self, message: dict[str, Any]) -> None:
        self._fanout.publish(message)

    def _start_session(self, t_s: float) -> None:
        self._active_alerts.clear()
        self._clears = []
        self._session_id = new_session_id()
        self._session_t0 = t_s
        settings = settings_snapshot(self._config, self.source)
        if self._frame_size is not None:  # kept with the session: its landmarks' shape
            settings["frame"] = {"width": self._frame_size[0], "height": self._frame_size[1]}
        log.info("runner on the belt: session started")
        self._publish(messages.session_message("started", t_s))
        self._fanout.session_started(self._session_id, t_s, settings)

    def _tell_sinks_settings_changed(self, t_s: float, old: Config, new: Config) -> None:
        from edge.config.changes import changed_options

        changes = changed_options(old, new)
        if not changes:
            return
        log.info("settings changed mid-session: %s", ", ".join(changes))
        self._fanout.settings_changed(t_s, changes)

    def _end_session(self, t_s: float, already_ended: bool = False, stopped: bool = False) -> None:
        if not already_ended:
            self._presence.end()
        if self._session_id is None:
            return
        self._session_id = None
        log.info("nobody on the belt: session ended")
        self._publish(messages.session_message("ended", t_s))
        if self._analyzer is not None:
            self._analyzer.reset()
        self._fanout.session_ended(t_s, stopped=stopped)

    # --- status ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        status = pipeline_status(
            now=now,
            capture=self.capture.status(),
            stats=self._stage,
            video=self._video,
            governor=self._governor.state(),
            session_active=self._presence.active,
            runner_present=self._present
            and self._last_frame_mono is not None
            and now - self._last_frame_mono < 1.0,
            uptime_s=now - self._started_mono,
            view=self._config.gait.view,
        )
        status["pose"] = {"precision": self._precision()}
        return status

    def _precision(self) -> dict[str, str] | None:
        """What the landmark model runs in and why (None until the model is loaded, and
        for a simulated source, which has no model)."""
        precision = getattr(self._estimator, "precision", None)
        as_json = getattr(precision, "as_json", None)
        return as_json() if callable(as_json) else None
