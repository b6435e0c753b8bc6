"""Typed records produced by gait analysis, consumed by the live page, alerts and storage.

These are the contract between stages. Fields may be added; existing ones keep their
meaning. Values are plain Python floats (JSON-ready); ``None`` always comes with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Foot = Literal["left", "right"]
#: Where the camera is: beside the runner (on their left / right), in front, or behind.
View = Literal["side-left", "side-right", "front", "rear"]
EventKind = Literal["contact", "toe_off"]
AlertState = Literal["raised", "cleared"]


@dataclass(frozen=True, slots=True)
class GaitEvent:
    """Initial contact or toe-off of one foot (legs tracked by continuity, not model label)."""

    kind: EventKind
    foot: Foot
    frame_index: int
    t_s: float  # sub-frame time where interpolated, in capture time
    confidence: float  # 0..1; lower for the occluded far leg


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One number with its unit and confidence, or ``None`` with the reason why not."""

    value: float | None
    unit: str
    confidence: float = 0.0
    reason: str | None = None
    label: str | None = None  # a category where the metric has one (foot strike: "rearfoot")


@dataclass(frozen=True, slots=True)
class StrideRecord:
    """Metrics of one step, keyed by metric name (e.g. ``overstride``, ``trunk_lean_deg``)."""

    index: int
    foot: Foot
    frame_index: int  # frame of the initial contact
    t_s: float
    metrics: dict[str, MetricValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A coaching cue raised or cleared."""

    state: AlertState
    rule: str  # metric name the rule watches
    cue: str  # short physical cue, e.g. "land under your hips"
    value: float | None  # the metric value that raised / cleared it
    stride_index: int
    t_s: float
    priority: int
    feedback: str | None = None  # on "cleared" because the fault is gone: the praise shown
    # On a cue raised by judging a whole short session or clip (edge.gait.clip_cues): how
    # many of its confident strides showed the fault, e.g. "on 9 of 11 confident strides".
    evidence: str | None = None


@dataclass(slots=True)
class AnalysisUpdate:
    """What one pushed frame produced (usually empty lists)."""

    events: list[GaitEvent] = field(default_factory=list)
    strides: list[StrideRecord] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)
