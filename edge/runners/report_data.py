"""What the one-page reports show, gathered from the store: a session's key numbers against
their normal ranges and the largest changes since the runner's previous session, or a
runner's visits over a date range; both with frames at foot contact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from edge.recording.export import stored_session_cues
from edge.recording.rows import SessionInfo
from edge.recording.store import SessionStore
from edge.runners.contact_frames import contact_frames
from edge.runners.progress import (
    compare_points,
    focus_cue,
    metric_table,
    progress,
    session_point,
)
from edge.runners.store import get_runner, runner_sessions, session_runner

KEY_ROWS = 10  # rows of key numbers at most (the page is one A4 page)
CHANGE_ROWS = 5  # changes since last time listed at most: the largest


def fmt(value: float | None, d: int) -> str:
    """``value`` as shown on the report: ``d`` decimals, "–" when missing, never "-0"."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:.{d}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0"


def _previous(store: SessionStore, info: SessionInfo, runner_id: int | None) -> SessionInfo | None:
    if runner_id is None:
        return None
    before = [s for s in runner_sessions(store, runner_id) if s.started_at < info.started_at]
    return before[-1] if before else None


def _changes(
    table: Sequence[dict[str, Any]], now: dict[str, Any], then: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """What changed since ``then`` (no earlier visit: nothing), metrics measured in both."""
    return [] if then is None else compare_points(table, then, now, both=True)


def _largest(compared: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes worth a line: visible at the precision shown, the largest first (a new
    verdict, then the relative change), at most CHANGE_ROWS."""
    out = [
        c
        for c in compared
        if fmt(c["before"], c["digits"]) != fmt(c["after"], c["digits"])
        or c["before_verdict"] != c["after_verdict"]
    ]
    out.sort(
        key=lambda c: (
            c["before_verdict"] == c["after_verdict"],
            -abs(c["diff"]) / max(abs(c["before"]), abs(c["after"]), 1e-9),
        )
    )
    return out[:CHANGE_ROWS]


def session_report_data(store: SessionStore, session_id: int) -> dict[str, Any]:
    info = store.session(session_id)
    runner_id = session_runner(store, info.id)
    runner = get_runner(store, runner_id) if runner_id is not None else None
    point = session_point(store, info)
    prev = _previous(store, info, runner_id)
    prev_point = session_point(store, prev) if prev is not None else None
    # Measured metrics, and those measured without confidence (shown as such, not judged).
    table = [
        m
        for m in metric_table([point])
        if point["metrics"][m["name"]]["median"] is not None
        or point["metrics"][m["name"]]["low_confidence"]
    ]
    table = table[:KEY_ROWS]
    return {
        "kind": "session",
        "session": info,
        "runner": runner.as_json() if runner else None,
        "point": point,
        "metrics": table,
        "focus": focus_cue(store.alerts(info.id)),
        "cues": stored_session_cues(store, info, store.strides(info.id)),
        "frames": contact_frames(store, info),
        "previous": prev,
        "compared": (compared := _changes(table, point, prev_point)),
        "changes": _largest(compared),
    }


def runner_report_data(
    store: SessionStore,
    runner_id: int,
    date_from: float | None = None,
    date_to: float | None = None,
) -> dict[str, Any]:
    data = progress(store, runner_id, date_from=date_from, date_to=date_to)
    points = data["sessions"]
    frames: list[dict[str, Any]] = []
    if points:
        last = store.session(points[-1]["session"]["id"])
        frames = contact_frames(store, last)
    return {
        "kind": "runner",
        "runner": data["runner"],
        "metrics": data["metrics"],
        "points": points,
        "date_from": date_from,
        "date_to": date_to,
        "frames": frames,
        "changes": (
            _largest(_changes(data["metrics"], points[-1], points[0])) if len(points) >= 2 else []
        ),
    }
