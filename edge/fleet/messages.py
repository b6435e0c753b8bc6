"""The MQTT topics and JSON payloads a device publishes (schema version :data:`SCHEMA`).

Topics, under ``treadwatch/<device_id>/``:

``status``   retained; the device's state now (see :func:`status_payload`), or the text
             ``offline`` (the last will: the device was lost) or ``stopped`` (a clean
             shutdown).
``session``  QoS 1; ``{"event": "start", ...}`` and ``{"event": "end", ...}`` with a summary.
``step``     QoS 1; one step's metrics (``edge.gait.records.StrideRecord``).
``alert``    QoS 1; a coaching cue raised or cleared (``AlertRecord``).

Every ``session``/``step``/``alert`` payload carries ``v`` (schema version), ``device``,
``session`` (the session uid) and ``seq``: 0 for the session's start, then 1, 2, … in the
order the device recorded them. A receiver keeps one copy per (device, session, seq).
"""

from __future__ import annotations

import json
import math
from typing import Any

from edge.gait.records import AlertRecord, StrideRecord
from edge.recording.codec import metrics_to_json

SCHEMA = 1
ROOT = "treadwatch"
OFFLINE = "offline"
#: The status of a device stopped on purpose (service stop, shutdown): switched off, not lost.
STOPPED = "stopped"
KINDS = ("session", "step", "alert")


def topic(device_id: str, kind: str) -> str:
    return f"{ROOT}/{device_id}/{kind}"


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, allow_nan=False, separators=(",", ":"), default=str)


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def session_start(
    uid: str, t_start_s: float, started_at: float, settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event": "start",
        "t_s": t_start_s,
        "started_at": started_at,
        "settings": settings,
    }


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
    return {
        "event": "end",
        "t_s": t_end_s,
        "ended_at": ended_at,
        "reason": reason,
        "summary": {
            "frames": frames,
            "frames_unstored": frames_unstored,
            "steps": steps,
            "alerts": alerts,
        },
    }


def step(s: StrideRecord) -> dict[str, Any]:
    return {
        "index": s.index,
        "foot": s.foot,
        "frame_index": s.frame_index,
        "t_s": s.t_s,
        "metrics": json.loads(metrics_to_json(s.metrics)),
    }


def alert(a: AlertRecord) -> dict[str, Any]:
    return {
        "state": a.state,
        "rule": a.rule,
        "cue": a.cue,
        "value": _finite(a.value),
        "stride_index": a.stride_index,
        "t_s": a.t_s,
        "priority": a.priority,
        "feedback": a.feedback,  # the praise shown when the cue cleared (else null)
    }


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
    return {
        "v": SCHEMA,
        "state": state,  # "running" (a session is on) or "idle"
        "runner_present": runner_present,
        "fps": round(fps, 1),
        "health": health,  # "ok", or what is wrong
        "session": session,
        "cue": cue,
        "cadence_spm": None if cadence_spm is None else round(cadence_spm, 1),
        "outbox": outbox,  # messages waiting for the broker
        "outbox_dropped": outbox_dropped,  # dropped at the cap (fleet.outbox_max_mib), ever
        "t": round(wall, 3),
    }
