"""Export a stored session: everything as JSON (its steps, events, cues, marks, clips and
summary, or the analysis report of its stored landmarks); compare two sessions. The steps as
CSV are in :mod:`edge.recording.export_csv`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ValidationError

from edge.catalogue import session_figure, step_band
from edge.errors import StorageError
from edge.gait.ranges import ranges_json
from edge.gait.records import (
    AlertRecord,
    GaitEvent,
    StrideRecord,
)
from edge.recording.export_csv import metric_columns
from edge.recording.rows import ClipInfo, SessionInfo
from edge.recording.short_session import session_cues
from edge.recording.store import SessionStore
from edge.wire import AlertWire, EventWire, StepWire

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
JSON_SCHEMA = "treadwatch.session/1"


def stride_json(s: StrideRecord) -> dict[str, Any]:
    """A step as exported: the step's wire model, every metric with its normal-range
    ``band`` (green / amber / red: edge.gait.ranges; none when not measured surely enough)."""
    out = StepWire.from_record(s).model_dump()
    for name, m in out["metrics"].items():
        b = step_band(name, m["value"], m["confidence"])
        if b is not None:
            m["band"] = b
    return out


def event_json(e: GaitEvent) -> dict[str, Any]:
    return EventWire.from_record(e).model_dump()


def alert_json(a: AlertRecord) -> dict[str, Any]:
    """An alert's wire model; ``feedback`` is the praise shown when the cue cleared."""
    return AlertWire.from_record(a).model_dump()


def metric_summary(strides: Sequence[StrideRecord]) -> dict[str, dict[str, Any]]:
    """Per metric: unit, count measured, mean, median, standard deviation, min, max, and
    the session's figure (``edge.catalogue.session_figure``: ``value``, ``n_sure``,
    ``low_confidence``, ``band`` of the value as shown).

    ``value`` is what every screen shows for the session: the median of the confidently
    measured steps; for ``cadence_spm`` the steps per minute of running (pauses excluded:
    ``edge.gait.cadence``), also its ``mean``, the same figure as the session list. The
    other figures are of every per-step (rolling) value measured."""
    out: dict[str, dict[str, Any]] = {}
    for name, unit in metric_columns(strides):
        vals = [
            m.value
            for s in strides
            if (m := s.metrics.get(name)) is not None
            and m.value is not None
            and math.isfinite(m.value)
        ]
        if vals:
            a = np.asarray(vals, dtype=np.float64)
            out[name] = {
                "unit": unit,
                "n": len(vals),
                "mean": float(a.mean()),
                "median": float(np.median(a)),
                "std": float(a.std()),
                "min": float(a.min()),
                "max": float(a.max()),
            }
        else:
            out[name] = {"unit": unit, "n": 0, "mean": None, "median": None, "std": None,
                         "min": None, "max": None}  # fmt: skip
        fig = session_figure(name, strides)
        out[name].update(value=fig["value"], n_sure=fig["n"], low_confidence=fig["low_confidence"])
        if fig["band"] is not None:
            out[name]["band"] = fig["band"]  # of the value as shown
    if "cadence_spm" in out:
        out["cadence_spm"]["mean"] = out["cadence_spm"]["value"]
    return out


def session_summary(info: SessionInfo, strides: Sequence[StrideRecord]) -> dict[str, Any]:
    """:func:`metric_summary` of a session's steps, with the cadence the session carries when
    one was chosen for it (from the contacts or the hips' bounce, ``source`` and ``reason``
    added): the one figure of the session list, its summary and its report."""
    out = metric_summary(strides)
    cad = out.get("cadence_spm")
    if cad is not None and info.cadence_source is not None:
        for key in ("mean", "median", "value"):
            if key in cad:
                cad[key] = info.cadence_spm
        cad["source"], cad["reason"] = info.cadence_source, info.cadence_reason
    return out


def stored_session_cues(
    store: SessionStore, info: SessionInfo, strides: Sequence[StrideRecord]
) -> list[dict[str, Any]]:
    """Every cue rule's verdict on the session and why it raised no cue
    (:func:`edge.recording.short_session.session_cues`)."""
    text = store.report_json(info.id)
    report = json.loads(text) if text else None
    return session_cues(strides, info.settings, report if isinstance(report, dict) else None)


def session_json(store: SessionStore, info: SessionInfo) -> dict[str, Any]:
    """The whole session as JSON (landmarks excluded: export those with the API).

    Steps, events, cues and marks carry ``t_s`` (capture clock, as stored) and
    ``session_time_s``, the time into the session that every screen shows."""
    strides = store.strides(info.id)

    def into(item: dict[str, Any]) -> dict[str, Any]:
        item["session_time_s"] = round(float(item["t_s"]) - info.t_start_s, 3)
        return item

    return {
        "schema": JSON_SCHEMA,
        "session": info.as_json(),
        "settings": info.settings,
        "summary": session_summary(info, strides),
        "cues": stored_session_cues(store, info, strides),
        "ranges": ranges_json(),
        "strides": [into(stride_json(s)) for s in strides],
        "events": [into(event_json(e)) for e in store.events(info.id)],
        "alerts": [into(alert_json(a)) for a in store.alerts(info.id)],
        "marks": [
            into({"id": m.id, "t_s": m.t_s, "created_at": m.created_at, "note": m.note})
            for m in store.marks(info.id)
        ],
        "clips": [clip_json(c) for c in store.clips(info.id)],
        "settings_changes": [c.as_json() for c in store.settings_changes(info.id)],
    }


def clip_json(c: ClipInfo) -> dict[str, Any]:
    """A stored clip's description (the video itself is served separately)."""
    return {
        "id": c.id,
        "t_start_s": c.t_start_s,
        "t_end_s": c.t_end_s,
        "reason": c.reason,
        "mime": c.mime,
        "fps": c.fps,
        "n_frames": c.n_frames,
    }


def _section(settings: dict[str, Any], name: str, model: type[T]) -> T:
    """A config section from a session's settings snapshot; defaults if it no longer fits."""
    try:
        return model.model_validate(settings.get(name) or {})
    except ValidationError:
        log.warning("session settings [%s] do not fit this version: using defaults", name)
        return model()


def uniform_landmarks(
    t_s: npt.NDArray[np.float64], xyzv: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], float]:
    """Stored frames on a uniform grid at their median rate (missing frames: NaN rows)."""
    dt = float(np.median(np.diff(t_s)))
    if not dt > 0:
        raise StorageError("stored landmark times do not increase; cannot re-analyse")
    fps = round(1.0 / dt, 3)  # float32 offsets: 30.0000018 is 30
    idx = np.rint((t_s - t_s[0]) * fps).astype(np.int64)
    out = np.full((int(idx[-1]) + 1, *xyzv.shape[1:]), np.nan, dtype=np.float32)
    out[idx] = xyzv
    return out, fps


def session_report(store: SessionStore, info: SessionInfo) -> Any:
    """The ``analyze --report`` of a live session: its stored landmarks analysed again with
    the gait and alert settings it was recorded with (times from the session start)."""
    from edge.gait.config import AlertsConfig, GaitConfig
    from edge.gait.report import analyze_landmarks

    series = store.landmarks(info.id)
    if len(series.t_s) < 2:
        raise StorageError(
            f"session {info.id} has no stored landmarks to build a report from "
            "(landmarks were off or the disk was full): export --format session instead"
        )
    landmarks, fps = uniform_landmarks(series.t_s, series.xyzv)
    gait = _section(info.settings, "gait", GaitConfig)
    alerts = _section(info.settings, "alerts", AlertsConfig)
    size = frame_size(info.settings)
    return analyze_landmarks(
        landmarks,
        fps,
        view=gait.view,
        gait=gait,
        alerts=alerts,
        aspect=None if size is None else size[0] / size[1],
    )


def frame_size(settings: dict[str, Any]) -> tuple[int, int] | None:
    """(width, height) of the session's camera frames, stored with the session (its
    settings' ``frame``); None for a session recorded before that whose shape could not be
    recovered."""
    frame = settings.get("frame")
    if not isinstance(frame, dict):
        return None
    w, h = frame.get("width"), frame.get("height")
    if isinstance(w, int | float) and isinstance(h, int | float) and w > 0 and h > 0:
        return int(w), int(h)
    return None


def export_json(store: SessionStore, info: SessionInfo) -> str:
    """The session in the ``treadwatch analyze --report`` schema: the stored report for a
    session imported from a video, else :func:`session_report`."""
    report = store.report_json(info.id)
    if report is not None:
        return report
    text: str = session_report(store, info).model_dump_json(indent=2)
    return text


def export_session_json(store: SessionStore, info: SessionInfo) -> str:
    """Everything recorded live (steps, events, alerts, marks, clips): :func:`session_json`."""
    return json.dumps(session_json(store, info), indent=2, allow_nan=False)


def compare(
    a: Sequence[StrideRecord],
    b: Sequence[StrideRecord],
    info_a: SessionInfo | None = None,
    info_b: SessionInfo | None = None,
) -> dict[str, dict[str, Any]]:
    """Per-metric summaries of two sessions and the difference of their figures (b − a): the
    figure every other screen shows (``value``: the median of the confident steps; given the
    sessions, the cadence each one carries, :func:`session_summary`)."""
    sa = metric_summary(a) if info_a is None else session_summary(info_a, a)
    sb = metric_summary(b) if info_b is None else session_summary(info_b, b)
    out: dict[str, dict[str, Any]] = {}
    for name in list(dict.fromkeys([*sa, *sb])):
        ma, mb = sa.get(name), sb.get(name)
        va = ma.get("value") if ma else None
        vb = mb.get("value") if mb else None
        diff = vb - va if va is not None and vb is not None else None
        out[name] = {
            "unit": (ma or mb or {}).get("unit", ""),
            "a": ma,
            "b": mb,
            "diff": diff,
            "diff_pct": (diff / abs(va) * 100.0) if diff is not None and va else None,
        }
    return out
