"""A runner's whole history, for a patient's request: JSON (everything recorded live, per
session, as ``treadwatch sessions export --format session``) or CSV (every step of every
session)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from edge.recording.export import session_json
from edge.recording.export_csv import metric_columns, stride_row
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
    """One row per step of every session: ``session_id, session_started_at`` (ISO 8601,
    local time with its offset), then the columns of the session export
    (:func:`edge.recording.export_csv.strides_csv`: ``index, foot, frame_index,
    capture_time_s, session_time_s``, per metric its value, confidence, reason, label),
    rounded alike."""
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
        "capture_time_s",
        "session_time_s",
    ]
    for name, unit in cols:
        header += [f"{name} [{unit}]", f"{name} confidence", f"{name} reason", f"{name} label"]
    w.writerow(header)
    for info, strides in sessions:
        started = dt.datetime.fromtimestamp(info.started_at).astimezone().isoformat("T", "seconds")
        for s in strides:
            w.writerow([str(info.id), started, *stride_row(s, cols, info.t_start_s)])
    return out.getvalue()
