"""One wire model per record: how a step, an alert, a session and a device's status look
outside the process.

The same models serve every place a record leaves or enters as JSON: the store's metrics
column, the session export, the fleet messages (built by the device with these models,
checked by the hub with the same ones) and the live page's messages. Serialisers are named
the same everywhere:

- ``Model.from_record(record)`` — from the analysis record (trusted: not validated again);
- ``model.to_record()`` — back to the record;
- pydantic's own ``model_dump()`` / ``model_validate()`` for JSON-ready dicts, each
  validation strict (no strings as numbers, no booleans as numbers, no NaN) and tolerant
  of fields it does not know (a newer sender's additions are ignored).

Field names are the stored and exported ones (``frame_index``, ``t_s``); the live page's
compact form (``t``, ``frame_id``, rounded) is rendered from these models in
:mod:`edge.live.messages`.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from edge.gait.records import AlertRecord, GaitEvent, MetricValue, StrideRecord

#: Version of the fleet messages' schema (``v`` in every payload).
SCHEMA = 1


W = TypeVar("W", bound="WireModel")


class WireModel(BaseModel):
    """Strict on types, tolerant of unknown fields, no NaN or infinity."""

    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False, frozen=True)

    @classmethod
    def _of(cls: type[W], record: object, **override: Any) -> W:
        """The model of a record whose attributes carry the model's field names (trusted:
        not validated); ``override`` gives the fields that need converting."""
        fields = {n: getattr(record, n) for n in cls.model_fields if n not in override}
        return cast(W, cls.model_construct(**fields, **override))

    def _fields(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in type(self).model_fields}


def finite(x: float | None) -> float | None:
    """``x`` as a float, or None when it is None, NaN or infinite."""
    return None if x is None or not math.isfinite(x) else float(x)


class MetricWire(WireModel):
    """One metric of a step: a number with its unit and confidence, or no number and why."""

    value: float | None = None
    unit: str = ""
    confidence: float = 0.0
    reason: str | None = None
    label: str | None = None  # a category (foot strike: "rearfoot")

    @classmethod
    def from_record(cls, m: MetricValue) -> MetricWire:
        return cls._of(m)

    def to_record(self) -> MetricValue:
        return MetricValue(**self._fields())


_METRICS = TypeAdapter(dict[str, MetricWire])


def metrics_to_json(metrics: dict[str, MetricValue]) -> str:
    """A step's metrics as stored (and as the fleet sends them): ``{name: {field: value}}``
    with ``None`` fields left out, compact; raises ValueError on NaN or infinity."""
    fields = tuple(MetricWire.model_fields)  # the record carries the same names
    return json.dumps(
        {k: {f: v for f in fields if (v := getattr(m, f)) is not None} for k, m in metrics.items()},
        allow_nan=False,
        separators=(",", ":"),
    )


def metrics_from_json(text: str | bytes) -> dict[str, MetricValue]:
    """Stored metrics back as records (raises pydantic's ValidationError when malformed)."""
    return {k: m.to_record() for k, m in _METRICS.validate_json(text).items()}


class StepWire(WireModel):
    """One step (a foot's contact to the next contact) with its metrics."""

    index: int
    foot: Literal["left", "right"]
    frame_index: int
    t_s: float
    metrics: dict[str, MetricWire]

    @classmethod
    def from_record(cls, s: StrideRecord) -> StepWire:
        return cls._of(s, metrics={k: MetricWire.from_record(m) for k, m in s.metrics.items()})

    def to_record(self) -> StrideRecord:
        metrics = {k: m.to_record() for k, m in self.metrics.items()}
        return StrideRecord(**{**self._fields(), "metrics": metrics})

    def metrics_json(self) -> str:
        """The metrics in the stored form (as :func:`metrics_to_json`)."""
        return json.dumps(
            {k: m.model_dump(exclude_none=True) for k, m in self.metrics.items()},
            allow_nan=False,
            separators=(",", ":"),
        )


class AlertWire(WireModel):
    """A coaching cue raised or cleared."""

    state: Literal["raised", "cleared"]
    rule: str
    cue: str
    value: float | None
    stride_index: int
    t_s: float
    priority: int
    feedback: str | None = None  # absent from older devices' messages
    # A cue judged on a whole short session or clip: on how many strides, e.g. "on 9 of 11
    # confident strides"; None for live cues.
    evidence: str | None = None

    @classmethod
    def from_record(cls, a: AlertRecord) -> AlertWire:
        return cls._of(a, value=finite(a.value))

    def to_record(self) -> AlertRecord:
        return AlertRecord(**{**self._fields(), "feedback": self.feedback or None})


class EventWire(WireModel):
    """A foot's initial contact or toe-off."""

    kind: Literal["contact", "toe_off"]
    foot: Literal["left", "right"]
    frame_index: int
    t_s: float
    confidence: float

    @classmethod
    def from_record(cls, e: GaitEvent) -> EventWire:
        return cls._of(e)


class FrameWire(WireModel):
    """The camera's frame size in pixels: the shape of a session's landmarks."""

    width: int = Field(gt=0, le=16384)
    height: int = Field(gt=0, le=16384)


class SessionStartWire(WireModel):
    """A session started: capture time, wall clock, the settings in force (no secrets) and
    the frame size where known (optional: older devices do not send it)."""

    event: Literal["start"] = "start"
    t_s: float
    started_at: float
    settings: dict[str, Any] = Field(default_factory=dict)
    frame: FrameWire | None = None


class SessionSummaryWire(WireModel):
    frames: int | None = None
    frames_unstored: int | None = None
    steps: int | None = None
    alerts: int | None = None


class SessionEndWire(WireModel):
    """A session ended, with what the device recorded of it."""

    event: Literal["end"] = "end"
    t_s: float
    ended_at: float
    reason: str = "ended"
    summary: SessionSummaryWire = Field(default_factory=SessionSummaryWire)


class SessionWire(WireModel):
    """A stored session with the figures the session list shows (the stored record,
    :class:`edge.recording.rows.SessionInfo`, adds its settings snapshot)."""

    id: int
    uid: str
    device_id: str
    source: str
    source_name: str | None
    started_at: float
    ended_at: float | None
    t_start_s: float
    t_end_s: float | None
    end_reason: str | None
    frames: int
    frames_unstored: int
    n_strides: int
    n_alerts: int
    cadence_spm: float | None
    # The cadence chosen when the session was analysed (contacts or the hips' bounce) and
    # why; None: ``cadence_spm`` is computed from the stored steps' contacts.
    cadence_source: str | None = None
    cadence_reason: str | None = None
    duration_s: float


class StatusWire(WireModel):
    """A device's state now, as the fleet hub's board shows it. Every field may be absent
    (an older device sends fewer)."""

    v: int = SCHEMA
    state: str | None = None  # "running" (a session is on) or "idle"
    runner_present: bool | None = None
    fps: float | None = None
    health: str | None = None  # "ok", or what is wrong
    session: str | None = None
    cue: str | None = None
    cadence_spm: float | None = None
    outbox: int | None = None  # messages waiting for the broker
    outbox_dropped: int | None = None  # dropped at the cap (fleet.outbox_max_mib), ever
    t: float | None = None  # the device's wall clock


class EnvelopeWire(WireModel):
    """What every fleet ``session``/``step``/``alert`` payload carries besides its record."""

    v: int
    device: str | None = None
    session: str = Field(min_length=1)
    seq: int
