"""The real-time pipeline: capture → pose → gait analysis → listeners and sinks.

Two threads. The capture thread (:class:`~edge.live.capture.CaptureWorker`) offers every
frame to a one-frame :class:`~edge.live.slot.LatestSlot`; the analysis thread takes the
newest, so latency never builds up and skipped frames are counted, not queued. For the
simulated runner the landmarks come from the generator (``Frame.truth``), not the model.

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
from typing import Any, Protocol

import cv2
import numpy as np

from edge.config import Config
from edge.gait.records import AlertRecord, AnalysisUpdate, MetricValue
from edge.landmarks import NUM_LANDMARKS, Channel, FloatArray, PoseResult
from edge.live import messages
from edge.live.capture import CaptureWorker
from edge.live.frames import Frame, FrameSource, Image
from edge.live.governor import FrameRateGovernor
from edge.live.presence import PresenceTracker
from edge.live.sink import PipelineSink
from edge.live.slot import LatestSlot
from edge.live.stats import LatencyRing, MovingAverage, RateMeter
from edge.pose.config import PoseConfig

log = logging.getLogger(__name__)


class Estimator(Protocol):
    """What the pipeline needs of the pose engine (``edge.pose.engine.PoseEngine``)."""

    def process(self, frame_bgr: Image, timestamp_s: float) -> PoseResult: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class Analyzer(Protocol):
    """What the pipeline needs of gait analysis (``edge.gait.analyzer.GaitAnalyzer``)."""

    def push(self, frame_index: int, t_s: float, xyzv: FloatArray) -> AnalysisUpdate: ...

    def current(self) -> dict[str, MetricValue]: ...

    def reset(self) -> None: ...


class LiveListener(Protocol):
    """Receives what the page shows. Called on the analysis thread; must not block.

    An optional ``wants_video`` attribute (bool) on a listener or sink tells whether it
    needs encoded video at the moment; without it, video is assumed wanted."""

    def publish(self, message: dict[str, Any]) -> None: ...

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None: ...


EstimatorFactory = Callable[[PoseConfig], Estimator]
#: ``(config, fps, aspect)`` → analyzer; ``aspect`` is the frame's width / height.
AnalyzerFactory = Callable[[Config, float, float], Analyzer]


def default_estimator_factory(models_dir: Path | None) -> EstimatorFactory:
    def make(cfg: PoseConfig) -> Estimator:
        from models.resolve import pose_engine

        engine: Estimator = pose_engine(cfg, models_dir)
        return engine

    return make


def default_analyzer_factory(config: Config, fps: float, aspect: float) -> Analyzer:
    from edge.gait.analyzer import GaitAnalyzer

    analyzer: Analyzer = GaitAnalyzer(config.gait, config.alerts, fps, aspect=aspect)
    return analyzer


def _wants_video(consumer: object) -> bool:
    """Listeners and sinks may say they need no video right now (``wants_video``), e.g. no
    page is watching: then no JPEG is encoded, saving CPU on the Pi."""
    return bool(getattr(consumer, "wants_video", True))


def new_session_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def settings_snapshot(config: Config, source: FrameSource) -> dict[str, object]:
    """The configuration in force, JSON-ready, without secrets."""
    data: dict[str, object] = config.model_dump(mode="json")
    server = data.get("server")
    if isinstance(server, dict):
        server.pop("settings_pin", None)
    data["source"] = source.name
    data["simulated"] = source.simulated
    return data


def truth_pose(frame: Frame, truth: FloatArray) -> PoseResult:
    """A PoseResult carrying the simulated runner's known landmarks (NaN rows = nobody)."""
    if not np.isfinite(truth[:, :2]).all():
        return PoseResult(frame.index, frame.t_s)
    lm = np.empty((NUM_LANDMARKS, len(Channel)), dtype=np.float32)
    lm[:, :4] = truth
    lm[:, Channel.PRESENCE] = 1.0
    return PoseResult(frame.index, frame.t_s, landmarks=lm, score=1.0)


class _Stage:
    """Figures of the analysis stage (written by the analysis thread only)."""

    def __init__(self) -> None:
        self.rate = RateMeter()
        self.video_rate = RateMeter()
        self.inference_ms = MovingAverage()
        self.analysis_ms = MovingAverage()
        self.jpeg_ms = MovingAverage()
        self.latency = LatencyRing()
        self.errors = 0
        self.consecutive_errors = 0  # frames failed in a row (0 after any good frame)
        self.listener_errors = 0
        self.sink_errors = 0
        self.last_error: str | None = None
        self.governed_skips = 0  # frames left out on purpose by the frame-rate governor


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
        self._thread: threading.Thread | None = None
        self._stage = _Stage()
        self._session_id: str | None = None
        self._started_mono = time.monotonic()
        self._next_video = 0.0
        self._video_buf: Image | None = None
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
        simulated = frame.truth is not None or self.source.simulated
        if not simulated and not self._governor.take(frame.index):
            stage.governed_skips += 1
            return
        _, analyzer = self._ensure_stages()
        governor_changed = False
        if simulated:
            pose = (
                truth_pose(frame, frame.truth)
                if frame.truth is not None
                else PoseResult(frame.index, frame.t_s)
            )
        else:
            if self._estimator is None:
                self._estimator = self._estimator_factory(self._config.pose)
            ti = time.monotonic()
            tg = self._governor.clock()
            pose = self._estimator.process(frame.image, frame.t_s)
            stage.inference_ms.add((time.monotonic() - ti) * 1000.0)
            governor_changed = self._governor.observe((self._governor.clock() - tg) * 1000.0)

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
        if governor_changed:
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
            for sink in self.sinks:
                try:
                    sink.frame(pose, update, jpeg)
                except Exception:
                    stage.sink_errors += 1
                    log.exception("sink %r failed on frame %d", sink, frame.index)
        if change == "ended":
            # The session ends when the runner was last seen, not when the timeout noticed it.
            self._end_session(self._presence.last_seen or frame.t_s, already_ended=True)
        stage.rate.tick(time.monotonic())

    def _encode_video(self, frame: Frame) -> bytes | None:
        cfg = self._config.server
        now = time.monotonic()
        if now < self._next_video or not any(
            _wants_video(x) for x in (*self.listeners, *self.sinks)
        ):
            return None
        self._next_video = max(self._next_video + 1.0 / cfg.video_fps, now - 0.5 / cfg.video_fps)
        t0 = now
        img = frame.viewing
        h, w = img.shape[:2]
        scale = cfg.video_size / max(h, w)
        if scale < 1.0:
            size = (max(2, round(w * scale)), max(2, round(h * scale)))
            if self._video_buf is None or self._video_buf.shape[:2] != (size[1], size[0]):
                self._video_buf = np.empty((size[1], size[0], 3), dtype=np.uint8)
            cv2.resize(img, size, dst=self._video_buf, interpolation=cv2.INTER_AREA)
            img = self._video_buf
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
        if not ok:
            return None
        jpeg = buf.tobytes()
        self._stage.jpeg_ms.add((time.monotonic() - t0) * 1000.0)
        self._stage.video_rate.tick(time.monotonic())
        for listener in self.listeners:
            try:
                listener.video(frame.index, frame.t_s, frame.captured_wall, jpeg)
            except Exception:
                self._stage.listener_errors += 1
                log.exception("video listener %r failed", listener)
        return jpeg

    def _publish(self, message: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                listener.publish(message)
            except Exception:
                self._stage.listener_errors += 1
                log.exception("listener %r failed", listener)

    def _start_session(self, t_s: float) -> None:
        self._active_alerts.clear()
        self._clears = []
        self._session_id = new_session_id()
        settings = settings_snapshot(self._config, self.source)
        log.info("runner on the belt: session started")
        self._publish(messages.session_message("started", t_s))
        for sink in self.sinks:
            try:
                sink.session_started(self._session_id, t_s, settings)
            except Exception:
                self._stage.sink_errors += 1
                log.exception("sink %r failed to start a session", sink)

    def _tell_sinks_settings_changed(self, t_s: float, old: Config, new: Config) -> None:
        """Sinks with a ``settings_changed(t_s, changes)`` method (the recorder) are told what
        changed mid-session: the session records it beside its steps."""
        from edge.config_changes import changed_options

        changes = changed_options(old, new)
        if not changes:
            return
        log.info("settings changed mid-session: %s", ", ".join(changes))
        for sink in self.sinks:
            tell = getattr(sink, "settings_changed", None)
            if not callable(tell):
                continue
            try:
                tell(t_s, changes)
            except Exception:
                self._stage.sink_errors += 1
                log.exception("sink %r failed on a settings change", sink)

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
        for sink in self.sinks:
            # A sink may tell a stop from a runner leaving (optional ``session_stopped``).
            stop_fn = getattr(sink, "session_stopped", None) if stopped else None
            try:
                if callable(stop_fn):
                    stop_fn(t_s)
                else:
                    sink.session_ended(t_s)
            except Exception:
                self._stage.sink_errors += 1
                log.exception("sink %r failed to end a session", sink)

    # --- status ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        cap = self.capture.status()
        st = self._stage

        def ms(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {
            "source": {
                "name": cap.source,
                "simulated": cap.simulated,
                "state": cap.state,
                "message": cap.message,
                "attempts": cap.attempts,
            },
            "capture": {"fps": cap.fps, "frames": cap.frames, "dropped": cap.dropped},
            "analysis": {
                "fps": round(st.rate.rate(now), 2),
                "frames": st.rate.total,
                "inference_ms": ms(st.inference_ms.value),
                "analysis_ms": ms(st.analysis_ms.value),
                "errors": st.errors,
                "consecutive_errors": st.consecutive_errors,
                "last_error": st.last_error,
            },
            "latency_ms": {
                "capture_to_publish_p50": ms(st.latency.percentile(50)),
                "capture_to_publish_p95": ms(st.latency.percentile(95)),
            },
            "video": {
                "fps": round(st.video_rate.rate(now), 2),
                "frames": st.video_rate.total,
                "jpeg_ms": ms(st.jpeg_ms.value),
            },
            "session": {
                "active": self._presence.active,
                "runner_present": self._present
                and self._last_frame_mono is not None
                and now - self._last_frame_mono < 1.0,
            },
            "errors": {"listeners": st.listener_errors, "sinks": st.sink_errors},
            "governor": {**self._governor.state().as_dict(), "skipped": st.governed_skips},
            "uptime_s": round(now - self._started_mono, 1),
            "view": self._config.gait.view,
        }
