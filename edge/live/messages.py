"""JSON-ready messages the live pipeline publishes to the page (and any other listener).

Message types (``type`` key):

- ``frame``: every analysed frame — ``id`` (frame index, matches the video part's
  ``X-Frame-Id``), ``t`` (capture time, s), ``wall`` (capture wall-clock time, s, for latency),
  ``lm`` (33 × [x, y, visibility] flattened, normalized to the frame; ``null`` when nobody),
  ``ev`` (gait events of this frame).
- ``stride``: every step — its metrics and the current (smoothed) numbers.
- ``alert``: a cue raised or cleared.
- ``session``: a session started or ended (no identifiers of past sessions).
- ``status``: pipeline figures, about once a second.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from edge.catalogue import step_band
from edge.gait.records import AlertRecord, GaitEvent, MetricValue, StrideRecord
from edge.landmarks import Channel, PoseResult
from edge.units import CONFIDENCE_DIGITS

JSON = dict[str, Any]

_XYV = [Channel.X, Channel.Y, Channel.VISIBILITY]


def _num(x: float | None, digits: int = 3) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def landmarks_list(pose: PoseResult) -> list[float] | None:
    """Flattened x, y, visibility per landmark, 4 decimals; None when nobody was found."""
    if not pose.detected:
        return None
    arr = np.round(pose.landmarks[:, _XYV].astype(np.float64), 4)
    if not np.isfinite(arr).all():
        arr = np.nan_to_num(arr, nan=-1.0, posinf=-1.0, neginf=-1.0)
    out: list[float] = arr.ravel().tolist()
    return out


def event_json(ev: GaitEvent) -> JSON:
    return {
        "kind": ev.kind,
        "foot": ev.foot,
        "frame": ev.frame_index,
        "t": _num(ev.t_s, 4),
        "conf": _num(ev.confidence),
    }


def frame_message(pose: PoseResult, wall: float, events: list[GaitEvent]) -> JSON:
    return {
        "type": "frame",
        "id": pose.frame_index,
        "t": round(pose.timestamp_s, 4),
        "wall": round(wall, 4),
        "lm": landmarks_list(pose),
        "ev": [event_json(e) for e in events],
    }


def metric_json(m: MetricValue, name: str | None = None) -> JSON:
    """One metric; ``band`` (green/amber/red, :mod:`edge.gait.ranges`, of the value as
    shown) when ``name`` has a normal range and a value measured surely enough to judge."""
    out: JSON = {
        "value": _num(m.value),
        "unit": m.unit,
        "confidence": _num(m.confidence, CONFIDENCE_DIGITS),  # as the exports show it
        "reason": m.reason,
    }
    b = None if name is None else step_band(name, m.value, m.confidence)
    if b is not None:
        out["band"] = b
    return out


def metrics_json(metrics: dict[str, MetricValue]) -> JSON:
    return {name: metric_json(m, name) for name, m in metrics.items()}


def stride_message(stride: StrideRecord, current: dict[str, MetricValue]) -> JSON:
    return {
        "type": "stride",
        "index": stride.index,
        "foot": stride.foot,
        "frame_id": stride.frame_index,
        "t": round(stride.t_s, 4),
        "metrics": metrics_json(stride.metrics),
        "current": metrics_json(current),
    }


def alert_message(alert: AlertRecord) -> JSON:
    return {
        "type": "alert",
        "state": alert.state,
        "rule": alert.rule,
        "cue": alert.cue,
        "value": _num(alert.value),
        "stride_index": alert.stride_index,
        "t": round(alert.t_s, 4),
        "priority": alert.priority,
        "feedback": alert.feedback,
    }


def session_message(state: str, t_s: float) -> JSON:
    return {"type": "session", "state": state, "t": round(t_s, 4)}
