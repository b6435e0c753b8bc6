"""What every per-step metric needs: the step's context (view, facing, body lengths, rate),
a metric value with its confidence, landmark visibility, and the pose at a moment between
two frames."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from edge.gait.metrics import F32, F64, METRICS
from edge.gait.records import MetricValue, View
from edge.landmarks import Landmark


@dataclass(frozen=True)
class StepContext:
    view: View
    facing: int
    leg_length: float
    torso_length: float
    capture_rate: float  # frames per second of capture time
    track_is_left: tuple[bool, bool]
    near_track: int  # 0 or 1 in side views: the leg/arm nearer the camera
    cadence_spm: MetricValue
    view_fit: float = 1.0  # 0.5..1: how clearly the landmarks show the view in use
    head_baseline_deg: float | None = None  # the runner's level-gaze ear→nose angle
    #: cos(camera yaw) in an oblique-side view (fore-aft distances look this much shorter);
    #: 1 in side views
    foreshortening: float = 1.0


def mean_visibility(p: F64, lms: Iterable[Landmark]) -> float:
    v = p[..., list(lms), 3]
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else 0.0


def frame_at(t: F64, xyzv: F32, tc: float) -> F64:
    i = int(np.searchsorted(t, tc))
    i = min(max(i, 1), t.shape[0] - 1)
    t0, t1 = float(t[i - 1]), float(t[i])
    w = 0.0 if t1 <= t0 else min(1.0, max(0.0, (tc - t0) / (t1 - t0)))
    out: F64 = (1.0 - w) * xyzv[i - 1].astype(np.float64) + w * xyzv[i].astype(np.float64)
    return out


def metric_value(
    spec: str, value: float | None, confidence: float, reason: str | None = None
) -> MetricValue:
    unit = METRICS[spec].unit
    if value is None or not math.isfinite(value):
        return MetricValue(None, unit, 0.0, reason or "not measurable in this step")
    return MetricValue(float(value), unit, float(max(0.0, min(1.0, confidence))), reason)
