"""The MQTT topics and JSON payloads a device publishes (schema version :data:`SCHEMA`).

Topics, under ``treadwatch/<device_id>/``:

``status``   retained; the device's state now (see :func:`status_payload`), or the text
             ``offline`` (the last will: the device was lost) or ``stopped`` (a clean
             shutdown).
``session``  QoS 1; ``{"event": "start", ...}`` (with ``frame``: the camera's width and
             height, where known) and ``{"event": "end", ...}`` with a summary.
``step``     QoS 1; one step's metrics (``edge.gait.records.StrideRecord``).
``alert``    QoS 1; a coaching cue raised or cleared (``AlertRecord``).

Every ``session``/``step``/``alert`` payload carries ``v`` (schema version), ``device``,
``session`` (the session uid) and ``seq``: 0 for the session's start, then 1, 2, … in the
order the device recorded them. A receiver keeps one copy per (device, session, seq).

The bodies are the wire models of :mod:`edge.wire` (the hub checks them with the same
models); this module only names the topics and wraps the bodies in their envelope.
"""

from __future__ import annotations

import json
from typing import Any

from edge.gait.records import AlertRecord, StrideRecord
from edge.wire import (
    SCHEMA,
    AlertWire,
    FrameWire,
    SessionEndWire,
    SessionStartWire,
    SessionSummaryWire,
    StatusWire,
    StepWire,
)

__all__ = ["KINDS", "OFFLINE", "ROOT", "SCHEMA"]

ROOT = "treadwatch"
OFFLINE = "offline"
#: The status of a device stopped on purpose (service stop, shutdown): switched off, not lost.
STOPPED = "stopped"
KINDS = ("session", "step", "alert")


def topic(device_id: str, kind: str) -> str:
    return f"{ROOT}/{device_id}/{kind}"


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, allow_nan=False, separators=(",", ":"), default=str)


def session_start(
    uid: str,
    t_start_s: float,
    started_at: float,
    settings: dict[str, Any],
    frame: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """``frame``: (width, height) of the camera's frames, the shape of the session's
    landmarks (a hub re-analyses, replays and reports with it); left out when unknown."""
    size = None if frame is None else FrameWire(width=int(frame[0]), height=int(frame[1]))
    out = SessionStartWire(
        t_s=t_start_s, started_at=started_at, settings=settings, frame=size
    ).model_dump()
    if size is None:
        del out["frame"]
    return out


def session_end(
    t_end_s: float,
    ended_at: float,
    reason: str,
    *,
    frames: int,
    frames_unstored: int,
    steps: int,
    alerts: int,
) -> dict[str, Any]:
    summary = SessionSummaryWire(
        frames=frames, frames_unstored=frames_unstored, steps=steps, alerts=alerts
    )
    return SessionEndWire(
        t_s=t_end_s, ended_at=ended_at, reason=reason, summary=summary
    ).model_dump()


def step(s: StrideRecord) -> dict[str, Any]:
    """A step with its metrics in the stored form (``None`` fields left out)."""
    return StepWire.from_record(s).model_dump(exclude_none=True)


def alert(a: AlertRecord) -> dict[str, Any]:
    """An alert; ``feedback`` is the praise shown when the cue cleared (else null);
    ``evidence`` only when there is some (live cues have none: the first schema's bytes)."""
    body = AlertWire.from_record(a).model_dump()
    if body["evidence"] is None:
        del body["evidence"]
    return body


def envelope(device_id: str, uid: str, seq: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"v": SCHEMA, "device": device_id, "session": uid, "seq": seq, **body}


def status_payload(
    *,
    state: str,
    runner_present: bool,
    fps: float,
    health: str,
    session: str | None,
    cue: str | None,
    cadence_spm: float | None,
    outbox: int,
    wall: float,
    outbox_dropped: int = 0,
) -> dict[str, Any]:
    return StatusWire(
        state=state,
        runner_present=runner_present,
        fps=round(fps, 1),
        health=health,
        session=session,
        cue=cue,
        cadence_spm=None if cadence_spm is None else round(cadence_spm, 1),
        outbox=outbox,
        outbox_dropped=outbox_dropped,
        t=round(wall, 3),
    ).model_dump()
