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

Steps, metrics, events and alerts are rendered from their wire models (:mod:`edge.wire`)
in the page's compact form: times as ``t`` (4 decimals), a step's frame as ``frame_id``,
numbers to 3 decimals, no metric ``label``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from edge.catalogue import step_band
from edge.gait.records import AlertRecord, GaitEvent, MetricValue, StrideRecord
from edge.landmarks import Channel, PoseResult
from edge.units import CONFIDENCE_DIGITS
from edge.wire import AlertWire, EventWire, MetricWire, StepWire

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
    w = EventWire.from_record(ev)
    return {
        "kind": w.kind,
        "foot": w.foot,
        "frame": w.frame_index,
        "t": _num(w.t_s, 4),
        "conf": _num(w.confidence),
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


def _metric(w: MetricWire, name: str | None) -> JSON:
    out: JSON = {
        "value": _num(w.value),
        "unit": w.unit,
        "confidence": _num(w.confidence, CONFIDENCE_DIGITS),  # as the exports show it
        "reason": w.reason,
    }
    b = None if name is None else step_band(name, w.value, w.confidence)
    if b is not None:
        out["band"] = b
    return out


def metric_json(m: MetricValue, name: str | None = None) -> JSON:
    """One metric; ``band`` (green/amber/red, :mod:`edge.gait.ranges`, of the value as
    shown) when ``name`` has a normal range and a value measured surely enough to judge."""
    return _metric(MetricWire.from_record(m), name)


def metrics_json(metrics: dict[str, MetricValue]) -> JSON:
    return {name: metric_json(m, name) for name, m in metrics.items()}


def stride_message(stride: StrideRecord, current: dict[str, MetricValue]) -> JSON:
    w = StepWire.from_record(stride)
    return {
        "type": "stride",
        "index": w.index,
        "foot": w.foot,
        "frame_id": w.frame_index,
        "t": round(w.t_s, 4),
        "metrics": {name: _metric(m, name) for name, m in w.metrics.items()},
        "current": metrics_json(current),
    }


def alert_message(alert: AlertRecord) -> JSON:
    w = AlertWire.from_record(alert)
    return {
        "type": "alert",
        "state": w.state,
        "rule": w.rule,
        "cue": w.cue,
        "value": _num(w.value),
        "stride_index": w.stride_index,
        "t": round(w.t_s, 4),
        "priority": w.priority,
        "feedback": w.feedback,
    }


def session_message(state: str, t_s: float) -> JSON:
    return {"type": "session", "state": state, "t": round(t_s, 4)}
