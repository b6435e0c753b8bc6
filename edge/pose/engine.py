"""The pose stage: detect, lock onto the runner, track, decode, smooth.

Per frame: if no person is being tracked, the detector runs on the whole frame and the
runner is chosen (:mod:`edge.pose.runner_lock`); its region of interest is cropped and
the landmark model runs. While the pose-presence score stays above the threshold the
next frame's region comes from this frame's (smoothed) auxiliary landmarks, so the
detector does not run; when presence drops, the detector runs again on the same frame.
Every so often (more often just after acquiring someone) the detector also runs while
tracking, to check that a moving runner has not been passed over for a standing person.

A frame with nobody gives an empty :class:`~edge.landmarks.PoseResult`, never ``None``.
Timestamps must increase (they drive the smoothing filters).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.errors import FrameError
from edge.landmarks import NUM_LANDMARKS, Channel, PoseResult, Roi
from edge.pose.config import PoseConfig
from edge.pose.detector import Detection, PersonDetector
from edge.pose.interpreter import TFLiteModel
from edge.pose.landmarker import LandmarkModel, RawLandmarks
from edge.pose.precision import Precision
from edge.pose.roi import roi_from_alignment_points
from edge.pose.runner_lock import MotionHistory, RunnerLock, in_zone, legs_region
from edge.pose.smoothing import AUX_FILTER, BODY_FILTER, LandmarkSmoother, object_scale

#: Frames between detector re-checks while tracking, just after acquisition and later.
RECHECK_EARLY_FRAMES = 5
RECHECK_FRAMES = 30
EARLY_PERIOD_FRAMES = 45
#: A detection belongs to the current track if its hips are this close (fraction of ROI).
SAME_PERSON_DISTANCE = 0.25
#: Motion ratio needed to leave a first choice made before motion could be measured.
TENTATIVE_SWITCH_RATIO = 1.2
INFERENCE_EMA = 0.1
MIN_FRAME_SIDE = 16


def validate_frame(frame: object) -> npt.NDArray[np.uint8]:
    """The frame as an HxWx3 uint8 array, or a :class:`FrameError` saying what is wrong."""
    if not isinstance(frame, np.ndarray):
        raise FrameError(f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise FrameError(f"a frame must be uint8 (8-bit BGR), got {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise FrameError(f"a frame must be HxWx3 (BGR), got shape {frame.shape}")
    if min(frame.shape[:2]) < MIN_FRAME_SIDE:
        raise FrameError(f"frame {frame.shape[1]}x{frame.shape[0]} is too small")
    return frame


@dataclass(frozen=True, slots=True)
class PoseModels:
    """The two model files the engine runs. Finding and verifying them is the job of
    :func:`models.resolve.pose_models`; the engine only loads what it is handed.
    ``precision`` is what the landmark model runs in, when the resolver chose it (None for
    files handed over directly)."""

    detector: Path
    landmarks: Path
    precision: Precision | None = None


class PoseEngine:
    """BlazePose on LiteRT with runner lock-on, tracking and smoothing (one person)."""

    def __init__(self, config: PoseConfig, models: PoseModels) -> None:
        self.config = config
        self.models = models
        det_model = TFLiteModel(models.detector, config.num_threads)
        lm_model = TFLiteModel(models.landmarks, config.num_threads)
        self.runtime = lm_model.runtime
        #: The landmark model's precision and why (``treadwatch bench``, ``/api/status``).
        self.precision = models.precision
        self._detector = PersonDetector(det_model, config.min_detection_score)
        self._landmarks = LandmarkModel(lm_model)
        self._lock = RunnerLock(config.belt_zone)
        self._motion = MotionHistory()
        self._body = LandmarkSmoother(NUM_LANDMARKS, BODY_FILTER, smooth_visibility=True)
        self._aux = LandmarkSmoother(2, AUX_FILTER, smooth_visibility=False)
        self._roi: Roi | None = None
        self._aux_pts = np.zeros((2, 3), np.float32)
        self._frames = 0
        self._since_acquired = 0
        self._tentative = False  # chosen among several people before motion was measurable
        self._last_t: float | None = None
        self.inference_ms = 0.0
        self.detector_runs = 0
        #: Seconds spent per stage since start (``treadwatch bench`` reads them).
        self.stage_s = {"detector": 0.0, "landmarks": 0.0, "smoothing": 0.0}

    # -- public API ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the tracked person (e.g. a new session)."""
        self._drop_track()
        self._motion.reset()
        self._last_t = None

    def close(self) -> None:
        """Release nothing explicitly: interpreters are freed with the engine."""
        self._roi = None

    def process(self, frame_bgr: npt.NDArray[np.uint8], timestamp_s: float) -> PoseResult:
        frame = validate_frame(frame_bgr)
        if self._last_t is not None and timestamp_s <= self._last_t:
            raise FrameError(f"timestamps must increase: got {timestamp_s} after {self._last_t}")
        self._last_t = timestamp_s
        index = self._frames
        self._frames += 1
        h, w = frame.shape[:2]
        self._motion.push(frame)
        started = time.perf_counter()
        try:
            return self._process(frame, timestamp_s, index, w, h)
        finally:
            ms = (time.perf_counter() - started) * 1000.0
            self.inference_ms += INFERENCE_EMA * (ms - self.inference_ms)

    # -- internals -----------------------------------------------------------------------

    def _process(
        self, frame: npt.NDArray[np.uint8], t: float, index: int, w: int, h: int
    ) -> PoseResult:
        redetected = False
        if self._roi is not None and self._recheck_due():
            self._recheck(frame, w, h)
        if self._roi is None:
            redetected = True
            if not self._acquire(frame, w, h):
                return PoseResult(frame_index=index, timestamp_s=t)
        assert self._roi is not None
        roi = self._roi
        raw = self._run_landmarks(frame, roi)
        if not self._accept(raw):
            self._drop_track()
            if redetected or not self._acquire(frame, w, h):
                return PoseResult(frame_index=index, timestamp_s=t)
            redetected = True
            assert self._roi is not None
            roi = self._roi
            raw = self._run_landmarks(frame, roi)
            if not self._accept(raw):
                self._drop_track()
                return PoseResult(frame_index=index, timestamp_s=t)
        body = raw.body
        ts = time.perf_counter()
        if self.config.smoothing:
            scale = object_scale(raw.aux, w, h)
            self._body.apply(body[:, :3], t, w, h, scale, body[:, Channel.VISIBILITY])
            self._aux_pts[:] = raw.aux
            self._aux.apply(self._aux_pts, t, w, h, scale)
        else:
            self._aux_pts[:] = raw.aux
        self._roi = roi_from_alignment_points(
            (float(self._aux_pts[0, 0]), float(self._aux_pts[0, 1])),
            (float(self._aux_pts[1, 0]), float(self._aux_pts[1, 1])),
            w,
            h,
        )
        self._since_acquired += 1
        self.stage_s["smoothing"] += time.perf_counter() - ts
        return PoseResult(
            frame_index=index,
            timestamp_s=t,
            landmarks=body,
            roi=roi,
            score=raw.presence,
            redetected=redetected,
        )

    def _accept(self, raw: RawLandmarks) -> bool:
        if raw.presence < self.config.min_presence:
            return False
        hip = raw.aux[0]
        return in_zone(self.config.belt_zone, float(hip[0]), float(hip[1]))

    def _drop_track(self) -> None:
        self._roi = None
        self._body.reset()
        self._aux.reset()

    def _start_track(self, det: Detection, w: int, h: int) -> None:
        self._roi = roi_from_alignment_points(
            (float(det.keypoints[0, 0]), float(det.keypoints[0, 1])),
            (float(det.keypoints[1, 0]), float(det.keypoints[1, 1])),
            w,
            h,
        )
        self._since_acquired = 0

    def _detect(self, frame: npt.NDArray[np.uint8]) -> list[Detection]:
        self.detector_runs += 1
        t0 = time.perf_counter()
        try:
            return self._detector.detect(frame)
        finally:
            self.stage_s["detector"] += time.perf_counter() - t0

    def _run_landmarks(self, frame: npt.NDArray[np.uint8], roi: Roi) -> RawLandmarks:
        t0 = time.perf_counter()
        try:
            return self._landmarks.run(frame, roi)
        finally:
            self.stage_s["landmarks"] += time.perf_counter() - t0

    def _acquire(self, frame: npt.NDArray[np.uint8], w: int, h: int) -> bool:
        candidates = self._lock.candidates(self._detect(frame), self._motion, w, h)
        best = self._lock.choose(candidates)
        if best is None:
            return False
        self._tentative = len(candidates) > 1 and not self._motion.ready
        self._body.reset()
        self._aux.reset()
        self._start_track(best.detection, w, h)
        return True

    def _recheck_due(self) -> bool:
        if self._tentative and self._motion.ready:
            return True  # every frame until another person has been compared
        early = self._since_acquired < EARLY_PERIOD_FRAMES
        period = RECHECK_EARLY_FRAMES if early else RECHECK_FRAMES
        return self._since_acquired > 0 and self._since_acquired % period == 0

    def _recheck(self, frame: npt.NDArray[np.uint8], w: int, h: int) -> None:
        """Switch to another person if they show clearly more running motion."""
        if not self._motion.ready:
            return
        cands = self._lock.candidates(self._detect(frame), self._motion, w, h)
        hip = (float(self._aux_pts[0, 0]), float(self._aux_pts[0, 1]))
        sp = (float(self._aux_pts[1, 0]), float(self._aux_pts[1, 1]))
        tracked_motion = self._motion.energy(*legs_region(hip, sp, w, h))
        roi_px = self._roi.width * w if self._roi is not None else float(w)
        others = [
            c
            for c in cands
            if math.hypot(
                (c.detection.hip_center[0] - hip[0]) * w, (c.detection.hip_center[1] - hip[1]) * h
            )
            > SAME_PERSON_DISTANCE * roi_px
        ]
        best = self._lock.choose(others)
        if best is None:
            return
        # The first choice had no motion evidence: the person who moves more simply wins.
        ratio = TENTATIVE_SWITCH_RATIO if self._tentative else None
        self._tentative = False
        if self._lock.should_switch(tracked_motion, best, ratio):
            self._body.reset()
            self._aux.reset()
            self._start_track(best.detection, w, h)
