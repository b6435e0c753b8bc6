"""The offline report's JSON layout: versioned pydantic models.

:class:`Report` is what ``treadwatch analyze --report`` writes and what ``analyze --store``
keeps; its JSON Schema is committed as ``edge/gait/report.schema.json`` and a test keeps the
two in step. Bump :data:`SCHEMA_VERSION` when a field is added or changes meaning.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edge.gait.ranges import band
from edge.gait.records import MetricValue, View

SCHEMA_VERSION = 3


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Metric(_Model):
    """A number with its unit and confidence, or ``null`` with the reason why not."""

    value: float | None = Field(description="Median over strides, or null (see reason).")
    unit: str
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str | None = None
    label: str | None = Field(None, description="Category, e.g. foot strike 'rearfoot'.")
    band: Literal["green", "amber", "red"] | None = Field(
        None, description="Normal range the value falls in (see Report.ranges); absent without one."
    )

    @classmethod
    def of(cls, mv: MetricValue, name: str | None = None) -> Metric:
        return cls(
            value=mv.value,
            unit=mv.unit,
            confidence=round(mv.confidence, 3),
            reason=mv.reason,
            label=mv.label,
            band=None if name is None else band(name, mv.value),
        )

    def banded(self, name: str) -> Metric:
        return self.model_copy(update={"band": band(name, self.value)})


class NormalRange(_Model):
    green: tuple[float, float]
    amber: tuple[float, float] = Field(description="Contains green; outside it is red.")
    unit: str
    source: str


class HeadMetric(Metric):
    """Head position: ``value`` is the pitch (side views) or the eye-line tilt (frontal)."""

    measure: str = Field(description="Which of the parts below ``value`` repeats.")
    pitch_deg: Metric
    forward: Metric
    tilt_deg: Metric
    sway: Metric
    bob: Metric


class Event(_Model):
    frame: int
    t: float = Field(description="Capture time in seconds (sub-frame).")
    foot: Literal["left", "right"]
    confidence: float


class Stride(_Model):
    index: int
    foot: Literal["left", "right"]
    frame: int
    t: float
    metrics: dict[str, Metric]


class Alert(_Model):
    state: Literal["raised", "cleared"]
    rule: str
    cue: str
    value: float | None
    stride_index: int
    t: float
    priority: int
    feedback: str | None = Field(
        None, description="On 'cleared' because the fault is gone: the praise shown."
    )
    evidence: str | None = Field(
        None,
        description="On a cue raised by judging all of a clip's confident strides: how many "
        "of them showed the fault.",
    )


class CueVerdict(_Model):
    """What a clip's strides say about one cue's rule (see ``edge.gait.clip_cues``)."""

    rule: str
    cue: str
    raised: bool
    strides_past: int = Field(description="Confident strides past the cue's threshold.")
    strides_confident: int = Field(description="Strides at the rule's confidence floor or above.")
    strides_measured: int
    median: float | None
    reason: str = Field(description="Why the cue was raised, or why not.")


class Symmetry(_Model):
    left: float | None
    right: float | None
    index_pct: float | None = Field(description="100·|L−R| / mean(L, R); 0 = symmetric.")


class Check(_Model):
    name: str
    ok: bool
    detail: str


class Summary(_Model):
    cadence_spm: Metric
    overstride: Metric
    shank_angle_deg: Metric
    knee_flexion_deg: Metric
    arm_crossover: Metric
    arm_crossover_rate: Metric = Field(
        description="Fraction of steps in which a wrist crosses the midline."
    )
    elbow_angle_deg: Metric
    head: HeadMetric
    trunk_lean_deg: Metric
    foot_strike: Metric
    contact_time_ms: Metric
    duty_factor: Metric
    vertical_oscillation: Metric
    overstride_landing: Metric = Field(
        description="Landing-geometry signs of overstriding (0 = heel under the hips)."
    )
    alignment_fall_deg: Metric = Field(
        description="Pose method: ball of foot → shoulders line from vertical at mid-stance."
    )
    alignment_offset: Metric = Field(
        description="Pose method: hips off the ball → shoulders line at mid-stance."
    )
    pull_heel_height: Metric = Field(
        description="Pose method 'pull': swing heel above the belt passing under the hips."
    )
    pull_heel_behind: Metric = Field(
        description="Pose method 'pull': swing heel behind the hips at its highest."
    )


class Report(_Model):
    schema_version: int = SCHEMA_VERSION
    frames: int
    frames_with_person: int
    fps: float
    capture_fps: float | None
    capture_fps_source: Literal["option", "metadata"] | None = Field(
        description="Where capture_fps came from: given (--capture-fps) or the file's metadata."
    )
    view: View | None
    view_source: Literal["config", "detected"]
    view_class: Literal["side", "oblique-side", "front", "rear"] | None = Field(
        description=(
            "What the landmarks show: side, oblique-side (between side and front: side "
            "metrics kept with lower confidence), front or rear."
        )
    )
    view_yaw_deg: float | None = Field(
        description="Camera turned from the side view (0) towards front/rear (90), degrees."
    )
    aspect: float = Field(description="Frame width / height used to square the coordinates.")
    event_delay_s: float = Field(description="Live delay of contacts/toe-offs (capture time).")
    cadence_spm: float | None
    cadence_source: Literal["contacts", "bounce"] | None = Field(
        description="Which signal cadence_spm comes from (see cadence_reason)."
    )
    cadence_reason: str = Field(description="Why that signal: the rule that chose it.")
    cadence_periodicity_spm: float | None = Field(
        description="Cadence from the hips' once-per-step bounce (a cross-check)."
    )
    contacts: list[Event]
    toe_offs: list[Event]
    strides: list[Stride]
    summary: Summary
    symmetry: dict[str, Symmetry]
    alerts: list[Alert]
    cue_policy: Literal["clip", "live"] = Field(
        description=(
            "clip: a recording shorter than CLIP_POLICY_S, judged on all its confident strides "
            "(alerts are its focus cues); live: alerts as the live monitor raised them."
        )
    )
    cues: list[CueVerdict] = Field(
        description="Every rule's verdict over the clip's strides, the focus cue(s) first."
    )
    checks: list[Check]
    ranges: dict[str, NormalRange] = Field(
        description="Normal range of each banded metric: green / amber (else red), with source."
    )


def report_schema() -> str:
    """The JSON Schema of :class:`Report`, as committed in ``report.schema.json``."""
    import json

    return json.dumps(Report.model_json_schema(), indent=2, sort_keys=True) + "\n"
