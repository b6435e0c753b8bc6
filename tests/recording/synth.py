"""A small synthetic session for recording tests: frames, events, strides and alerts whose
values are known, built directly as the pipeline's records (no model, no camera)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from edge.gait.alerts import AlertEngine
from edge.gait.config import AlertsConfig
from edge.gait.records import (
    AlertRecord,
    AnalysisUpdate,
    Foot,
    GaitEvent,
    MetricValue,
    StrideRecord,
)
from edge.landmarks import NUM_LANDMARKS, Channel, Landmark, PoseResult
from edge.recording.config import RecordingConfig

STEP_S = 60.0 / 172.0  # 172 steps/min


def recording_config(tmp: Path, **overrides: object) -> RecordingConfig:
    """A config writing under ``tmp``, with no disk-space thresholds unless overridden."""
    base: dict[str, object] = {
        "db_path": tmp / "sessions.db",
        "device_id": "pi-test",
        "clips_min_free_mib": 0.0,
        "landmarks_min_free_mib": 0.0,
        "metrics_min_free_mib": 0.0,
        "retention_days": 0,
        "flush_interval_s": 0.2,
    }
    base.update(overrides)
    return RecordingConfig.model_validate(base)


def landmarks_at(t: float) -> np.ndarray:
    """(33, 5) float32 landmarks moving smoothly with ``t``."""
    lm = np.zeros((NUM_LANDMARKS, 5), dtype=np.float32)
    i = np.arange(NUM_LANDMARKS, dtype=np.float32)
    lm[:, Channel.X] = 0.5 + 0.01 * i / NUM_LANDMARKS + 0.05 * math.sin(2 * math.pi * t / STEP_S)
    lm[:, Channel.Y] = 0.1 + 0.025 * i
    lm[:, Channel.Z] = -0.1 + 0.002 * i
    lm[:, Channel.VISIBILITY] = 0.9
    lm[:, Channel.PRESENCE] = 0.95
    lm[Landmark.LEFT_HEEL, Channel.Y] = 0.9 + 0.02 * math.cos(2 * math.pi * t / STEP_S)
    return lm


def stride_at(index: int, t: float, frame_index: int, shank_shift: float = 0.0) -> StrideRecord:
    foot: Foot = "left" if index % 2 == 0 else "right"
    return StrideRecord(
        index=index,
        foot=foot,
        frame_index=frame_index,
        t_s=t,
        metrics={
            "overstride": MetricValue(0.10 + 0.01 * (index % 7), "leg", 0.9),
            "shank_angle_deg": MetricValue(5.0 + index % 5 + shank_shift, "deg", 0.8),
            "cadence_spm": MetricValue(172.0, "steps/min", 1.0),
            "arm_crossover": MetricValue(None, "shoulder", 0.0, "side view: not measurable"),
        },
    )


@dataclass
class SynthSession:
    fps: float = 30.0
    duration_s: float = 10.0
    t0: float = 100.0
    gap: tuple[float, float] | None = (4.0, 4.5)  # nobody in frame in this window
    alert_every: int = 8  # an alert raised every N strides
    jpeg_size: tuple[int, int] = (0, 0)  # (w, h); 0: no JPEG
    shank_shift: float = 0.0  # added to every shank angle (a "different" session)
    # > 0: the first N steps overstride (2 landing signs), the later ones land under the hips,
    # and the alerts come from the real AlertEngine (default rules): the cue is raised, then
    # cleared with its praise (``alert_every`` is not used)
    fault_steps: int = 0
    strides: list[StrideRecord] = field(default_factory=list)
    events: list[GaitEvent] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)
    frames: int = 0

    def __iter__(self) -> Iterator[tuple[PoseResult, AnalysisUpdate, bytes | None]]:
        n = round(self.duration_s * self.fps)
        next_step = self.t0 + 0.2
        k = 0
        engine = AlertEngine(AlertsConfig()) if self.fault_steps else None
        for i in range(n):
            t = self.t0 + i / self.fps
            nobody = self.gap is not None and self.gap[0] <= t - self.t0 < self.gap[1]
            lm = np.zeros((0, 5), dtype=np.float32) if nobody else landmarks_at(t)
            update = AnalysisUpdate()
            if t >= next_step:
                s = stride_at(k, t, i, self.shank_shift)
                if engine is not None:
                    signs = MetricValue(2.0 if k < self.fault_steps else 0.0, "signs", 0.9)
                    s = replace(s, metrics={**s.metrics, "overstride_landing": signs})
                ev = GaitEvent("contact", s.foot, i, t - 0.004, 0.9)
                update.events.append(ev)
                update.strides.append(s)
                self.events.append(ev)
                self.strides.append(s)
                if engine is not None:
                    coached = engine.on_stride(s)
                    update.alerts.extend(coached)
                    self.alerts.extend(coached)
                elif self.alert_every and k % self.alert_every == self.alert_every - 1:
                    a = AlertRecord(
                        "raised",
                        "overstride",
                        "land under your hips",
                        s.metrics["overstride"].value,
                        k,
                        t,
                        1,
                    )
                    update.alerts.append(a)
                    self.alerts.append(a)
                next_step += STEP_S
                k += 1
            jpeg = None
            if self.jpeg_size[0]:
                w, h = self.jpeg_size
                img = np.full((h, w, 3), (i * 5) % 255, dtype=np.uint8)
                cv2.putText(img, str(i), (5, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255))
                jpeg = cv2.imencode(".jpg", img)[1].tobytes()
            self.frames += 1
            yield PoseResult(frame_index=i, timestamp_s=t, landmarks=lm), update, jpeg

    @property
    def t_end(self) -> float:
        return self.t0 + (round(self.duration_s * self.fps) - 1) / self.fps


def as_in_csv(strides: list[StrideRecord]) -> list[StrideRecord]:
    """``strides`` as the CSV export writes them: times to 1 ms, values to their unit's
    decimals (``edge.units``), confidences to 0.01."""
    from edge.units import CONFIDENCE_DIGITS, digits

    return [
        replace(
            s,
            t_s=round(s.t_s, 3),
            metrics={
                k: replace(
                    m,
                    value=None if m.value is None else round(m.value, digits(m.unit)),
                    confidence=round(m.confidence, CONFIDENCE_DIGITS),
                )
                for k, m in s.metrics.items()
            },
        )
        for s in strides
    ]
