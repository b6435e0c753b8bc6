"""Checking what a device sent before the hub stores it, with the wire models the device
built it with (:mod:`edge.wire`): the topic, the payload's envelope (schema version,
session uid, sequence number), then the record.

Anything the hub cannot use raises :class:`BadMessageError` with a one-line reason (the
message is counted, acknowledged and dropped). Fields the models do not know are ignored,
so a newer device's additions do not make its messages bad; fields added since the first
version (an alert's ``feedback``, the status' ``outbox_dropped``) may be absent.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import ValidationError

from edge.fleet import messages
from edge.fleet.config import DEVICE_ID_RE
from edge.wire import (
    SCHEMA,
    AlertWire,
    EnvelopeWire,
    SessionEndWire,
    SessionStartWire,
    StatusWire,
    StepWire,
    WireModel,
)

M = TypeVar("M", bound=WireModel)


class BadMessageError(ValueError):
    """A payload the hub cannot use (counted, acknowledged, dropped)."""


def _reason(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "payload"
    return f"{where}: {err['msg']}"


def check(model: type[M], data: object) -> M:
    """``data`` as ``model``, or :class:`BadMessageError` saying which field is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadMessageError(f"bad {model.__name__}: {_reason(exc)}") from None


def parse_topic(topic: str) -> tuple[str, str]:
    """``(device id, kind)`` of a topic under ``treadwatch/<device>/<kind>``."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != messages.ROOT or not DEVICE_ID_RE.match(parts[1]):
        raise BadMessageError("unexpected topic")
    return parts[1], parts[2]


def _json_object(payload: bytes | str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessageError(f"{what} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadMessageError(f"{what} is not a JSON object")
    return data


def parse_status(payload: bytes) -> dict[str, Any] | None:
    """A device's status, as the board keeps it (None: it is offline or was stopped)."""
    text = payload.decode("utf-8", "replace").strip()
    if text in (messages.OFFLINE, messages.STOPPED) or not text:
        return None
    return check(StatusWire, _json_object(text, "status")).model_dump(exclude_none=True)


def parse_envelope(kind: str, payload: bytes) -> tuple[dict[str, Any], str, int]:
    """The payload of a ``session``/``step``/``alert`` message with its session uid and
    sequence number."""
    if kind not in messages.KINDS:
        raise BadMessageError(f"unknown message kind {kind!r}")
    data = _json_object(payload, "payload")
    version = data.get("v")
    if isinstance(version, int) and version > SCHEMA:
        raise BadMessageError(f"schema version {version!r} is newer than this hub's")
    env = check(EnvelopeWire, data)
    return data, env.session, env.seq


def parse_session(data: dict[str, Any]) -> SessionStartWire | SessionEndWire:
    event = data.get("event")
    if event == "start":
        return check(SessionStartWire, data)
    if event == "end":
        return check(SessionEndWire, data)
    raise BadMessageError(f"unknown session event {event!r}")


def parse_step(data: dict[str, Any]) -> StepWire:
    return check(StepWire, data)


def parse_alert(data: dict[str, Any]) -> AlertWire:
    return check(AlertWire, data)
