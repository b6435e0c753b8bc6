"""A runner's whole history, for a patient's request: JSON (everything recorded live, per
session, as ``treadwatch export --format session``) or CSV (every step of every session)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from edge.recording.export import metric_columns, session_json
from edge.recording.store import SessionStore
from edge.runners.progress import progress
from edge.runners.store import get_runner, runner_sessions

JSON_SCHEMA = "treadwatch.runner/1"


def runner_json(store: SessionStore, runner_id: int) -> str:
    runner = get_runner(store, runner_id)
    sessions = runner_sessions(store, runner_id)
    data: dict[str, Any] = {
        "schema": JSON_SCHEMA,
        "runner": runner.as_json(),
        "progress": progress(store, runner_id)["sessions"],
        "sessions": [session_json(store, info) for info in sessions],
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def runner_csv(store: SessionStore, runner_id: int) -> str:
    """One row per step of every session: ``session_id, session_started_at, index, foot,
    frame_index, t_s, session_time_s``, then per metric its value, confidence, reason, label
    (as :func:`edge.recording.export.strides_csv`)."""
    get_runner(store, runner_id)
    sessions = [(info, store.strides(info.id)) for info in runner_sessions(store, runner_id)]
    cols = metric_columns([s for _, strides in sessions for s in strides])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = [
        "session_id",
        "session_started_at",
        "index",
        "foot",
        "frame_index",
        "t_s",
        "session_time_s",
    ]
    for name, unit in cols:
        header += [f"{name} [{unit}]", f"{name} confidence", f"{name} reason", f"{name} label"]
    w.writerow(header)
    for info, strides in sessions:
        for s in strides:
            row = [
                str(info.id),
                repr(info.started_at),
                str(s.index),
                s.foot,
                str(s.frame_index),
                repr(s.t_s),
                repr(s.t_s - info.t_start_s),
            ]
            for name, _ in cols:
                m = s.metrics.get(name)
                if m is None:
                    row += ["", "", "absent", ""]
                else:
                    value = "" if m.value is None else repr(float(m.value))
                    row += [value, repr(float(m.confidence)), m.reason or "", m.label or ""]
            w.writerow(row)
    return out.getvalue()
