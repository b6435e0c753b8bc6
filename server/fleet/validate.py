"""Checking what a device sent before the hub stores it: the topic, the payload's envelope
(schema version, session uid, sequence number) and each kind's fields, as typed records.

Anything the hub cannot use raises :class:`BadMessageError` (the message is counted,
acknowledged and dropped). Fields this hub does not know are ignored, so a newer device's
additions do not make its messages bad.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from edge.fleet import messages
from edge.fleet.config import DEVICE_ID_RE
from edge.gait.records import AlertRecord, AlertState


class BadMessageError(ValueError):
    """A payload the hub cannot use (counted, acknowledged, dropped)."""


@dataclass(frozen=True, slots=True)
class SessionStart:
    t_s: float
    started_at: float
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionEnd:
    t_s: float
    ended_at: float
    reason: str
    frames: int | None  # with frames_unstored, from the summary (both or neither)
    frames_unstored: int | None


@dataclass(frozen=True, slots=True)
class StepIn:
    """A step as received: its metrics stay in the stored JSON form (checked, not decoded)."""

    index: int
    foot: str
    frame_index: int
    t_s: float
    metrics_json: str


def _num(data: dict[str, Any], key: str) -> float:
    v = data.get(key)
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise BadMessageError(f"{key} is not a number")
    return float(v)


def metrics_text(metrics: dict[str, Any]) -> str:
    """A step's metrics checked (the stored form: ``{name: {value, unit, ...}}``, finite
    numbers) and encoded once, without building records."""
    for name, m in metrics.items():
        if not isinstance(m, dict):  # fields this hub does not know are kept (and ignored)
            raise BadMessageError(f"metric {name!r} is not {{value, unit, ...}}")
        for key in ("value", "confidence"):
            v = m.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise BadMessageError(f"metric {name!r}: {key} is not a number")
        for key in ("unit", "reason", "label"):
            if m.get(key) is not None and not isinstance(m[key], str):
                raise BadMessageError(f"metric {name!r}: {key} is not text")
    try:
        return json.dumps(metrics, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise BadMessageError(f"bad metrics: {exc}") from None


def parse_topic(topic: str) -> tuple[str, str]:
    """``(device id, kind)`` of a topic under ``treadwatch/<device>/<kind>``."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != messages.ROOT or not DEVICE_ID_RE.match(parts[1]):
        raise BadMessageError("unexpected topic")
    return parts[1], parts[2]


def parse_status(payload: bytes) -> dict[str, Any] | None:
    """A device's status (None: it is offline or was stopped)."""
    text = payload.decode("utf-8", "replace").strip()
    if text in (messages.OFFLINE, messages.STOPPED) or not text:
        return None
    try:
        status = json.loads(text)
    except json.JSONDecodeError:
        raise BadMessageError("status is neither JSON nor 'offline'") from None
    if not isinstance(status, dict):
        raise BadMessageError("status is not a JSON object")
    return status


def parse_envelope(kind: str, payload: bytes) -> tuple[dict[str, Any], str, int]:
    """The payload of a ``session``/``step``/``alert`` message with its session uid and
    sequence number."""
    if kind not in messages.KINDS:
        raise BadMessageError(f"unknown message kind {kind!r}")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessageError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadMessageError("not a JSON object")
    version, uid, seq = data.get("v"), data.get("session"), data.get("seq")
    if not isinstance(version, int) or version > messages.SCHEMA:
        raise BadMessageError(f"schema version {version!r} is newer than this hub's")
    if not isinstance(uid, str) or not uid or not isinstance(seq, int):
        raise BadMessageError("no session uid or sequence number")
    return data, uid, seq


def parse_session(data: dict[str, Any]) -> SessionStart | SessionEnd:
    event = data.get("event")
    t_s = _num(data, "t_s")
    if event == "start":
        settings = data.get("settings")
        return SessionStart(
            t_s, _num(data, "started_at"), settings if isinstance(settings, dict) else {}
        )
    if event == "end":
        summary = data.get("summary")
        summary = summary if isinstance(summary, dict) else {}
        reason = data.get("reason")
        frames, unstored = summary.get("frames"), summary.get("frames_unstored")
        counted = isinstance(frames, int) and isinstance(unstored, int)
        return SessionEnd(
            t_s,
            _num(data, "ended_at"),
            reason if isinstance(reason, str) else "ended",
            frames if counted else None,
            unstored if counted else None,
        )
    raise BadMessageError(f"unknown session event {event!r}")


def parse_step(data: dict[str, Any]) -> StepIn:
    t_s = _num(data, "t_s")
    metrics = data.get("metrics")
    foot, index, frame_index = data.get("foot"), data.get("index"), data.get("frame_index")
    if foot not in ("left", "right") or not isinstance(index, int):
        raise BadMessageError("a step needs foot (left/right) and index")
    if not isinstance(frame_index, int) or not isinstance(metrics, dict):
        raise BadMessageError("a step needs frame_index and metrics")
    return StepIn(index, cast(str, foot), frame_index, t_s, metrics_text(metrics))


def parse_alert(data: dict[str, Any]) -> AlertRecord:
    t_s = _num(data, "t_s")
    state, rule, cue = data.get("state"), data.get("rule"), data.get("cue")
    stride_index, priority = data.get("stride_index"), data.get("priority")
    value = data.get("value")
    if state not in ("raised", "cleared") or not isinstance(rule, str):
        raise BadMessageError("an alert needs state (raised/cleared) and rule")
    if not isinstance(cue, str) or not isinstance(stride_index, int):
        raise BadMessageError("an alert needs cue and stride_index")
    if not isinstance(priority, int):
        raise BadMessageError("an alert needs priority")
    if value is not None and not isinstance(value, int | float):
        raise BadMessageError("alert value is not a number")
    feedback = data.get("feedback")  # absent from older devices' messages
    if feedback is not None and not isinstance(feedback, str):
        raise BadMessageError("alert feedback is not text")
    return AlertRecord(
        cast(AlertState, state),
        rule,
        cue,
        None if value is None else float(value),
        stride_index,
        t_s,
        priority,
        feedback or None,
    )
