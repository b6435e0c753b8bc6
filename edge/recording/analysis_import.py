"""``treadwatch analyze --store``: an analysis of a video stored as a session, so a phone
video is reviewed on the same pages as a live session (landmarks, steps, events, alerts and
the report itself)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.errors import StorageError
from edge.gait.records import AlertRecord, GaitEvent, MetricValue, StrideRecord
from edge.recording.config import RecordingConfig
from edge.recording.store import SessionStore


def _event(e: dict[str, Any], kind: str) -> GaitEvent:
    return GaitEvent(
        kind="toe_off" if kind == "toe_off" else "contact",
        foot="left" if e["foot"] == "left" else "right",
        frame_index=int(e.get("frame", e.get("frame_index", 0))),
        t_s=float(e.get("t", e.get("t_s", 0.0))),
        confidence=float(e.get("confidence", 0.0)),
    )


def _text(value: Any) -> str | None:
    """An alert's text field from a report (praise, evidence), else ``None``."""
    return value if isinstance(value, str) and value else None


def _records_from_report(
    data: dict[str, Any],
) -> tuple[list[StrideRecord], list[GaitEvent], list[AlertRecord]]:
    """Steps, events and alerts of an ``analyze --report`` (``frame``/``t`` keys, contacts and
    toe-offs lists) as records; ``frame_index``/``t_s``/``events`` are accepted too."""
    strides = []
    for s in data.get("strides") or []:
        metrics = {
            k: MetricValue(
                value=m.get("value"),
                unit=m.get("unit", ""),
                confidence=m.get("confidence", 0.0),
                reason=m.get("reason"),
                label=m.get("label"),
            )
            for k, m in (s.get("metrics") or {}).items()
        }
        strides.append(
            StrideRecord(
                index=int(s["index"]),
                foot="left" if s["foot"] == "left" else "right",
                frame_index=int(s.get("frame", s.get("frame_index", 0))),
                t_s=float(s.get("t", s.get("t_s", 0.0))),
                metrics=metrics,
            )
        )
    events = [_event(e, "contact") for e in data.get("contacts") or []]
    events += [_event(e, "toe_off") for e in data.get("toe_offs") or []]
    events += [_event(e, e.get("kind", "contact")) for e in data.get("events") or []]
    events.sort(key=lambda e: e.t_s)
    alerts = [
        AlertRecord(
            state="cleared" if a.get("state") == "cleared" else "raised",
            rule=a["rule"],
            cue=a.get("cue", ""),
            value=a.get("value"),
            stride_index=int(a.get("stride_index", -1)),
            t_s=float(a.get("t", a.get("t_s", 0.0))),
            priority=int(a.get("priority", 0)),
            feedback=_text(a.get("feedback")),
            evidence=_text(a.get("evidence")),
        )
        for a in data.get("alerts") or []
    ]
    return strides, events, alerts


def store_report_as_session(
    db: SessionStore | Path | str,
    report: Any,
    landmarks: npt.NDArray[np.float32],
    source_name: str,
    *,
    fps: float | None = None,
    device_id: str = "analyze",
    settings: dict[str, Any] | None = None,
    frame_size: tuple[int, int] | None = None,
) -> int:
    """Store a ``treadwatch analyze`` result as a session; returns its id.

    ``report`` is the pydantic report of ``edge.gait.report.analyze_landmarks`` (or its
    dict); ``landmarks`` is ``(N, 33, 4)``, frame i at capture time i / rate: the rate is the
    report's ``capture_fps`` for slow-motion footage (the report's times are capture times),
    else ``fps`` (the video's rate) or the report's ``fps``. ``frame_size`` (width, height)
    of the video lets the review pages draw the stick figure in proportion.
    """
    settings = dict(settings or {})
    if frame_size is not None:
        settings["frame"] = {"width": int(frame_size[0]), "height": int(frame_size[1])}
    if hasattr(report, "model_dump_json"):
        report_text: str = report.model_dump_json(indent=2)
        data: dict[str, Any] = report.model_dump(mode="json")
    else:
        data = dict(report)
        report_text = json.dumps(data, indent=2)
    rate = data.get("capture_fps") or fps or data.get("fps")
    if not isinstance(rate, int | float) or not rate > 0:
        raise StorageError("cannot store a session without a positive frame rate")
    fps = float(rate)
    strides, events, alerts = _records_from_report(data)
    store = db if isinstance(db, SessionStore) else SessionStore(Path(db))
    try:
        n = len(landmarks)
        t = np.arange(n, dtype=np.float64) / fps
        with store.transaction():
            sid = store.begin_session(
                f"analyze:{source_name}",
                device_id,
                0.0,
                settings,
                source="analyze",
                source_name=source_name,
            )
            for block, start in enumerate(range(0, n, max(1, round(fps)))):
                stop = min(n, start + max(1, round(fps)))
                store.put_landmark_block(
                    sid,
                    block,
                    t[start:stop],
                    np.arange(start, stop, dtype=np.int64),
                    np.asarray(landmarks[start:stop, :, :4], dtype=np.float16),
                )
            store.insert_strides(sid, strides)
            store.insert_events(sid, events)
            store.insert_alerts(sid, alerts)
            store.set_counts(sid, n, 0)
            store.set_report(sid, report_text)
            cad, source = data.get("cadence_spm"), data.get("cadence_source")
            if isinstance(cad, int | float) and isinstance(source, str):
                store.set_cadence(sid, float(cad), source, str(data.get("cadence_reason") or ""))
            store.end_session(sid, float(t[-1]) if n else 0.0, reason="ended")
        return sid
    finally:
        if store is not db:
            store.close()


def store_analysis(
    config: RecordingConfig,
    report: Any,
    landmarks: npt.NDArray[np.float32],
    source_name: str,
    *,
    fps: float | None = None,
    settings: dict[str, Any] | None = None,
    frame_size: tuple[int, int] | None = None,
) -> int:
    """``treadwatch analyze --store``: the result as a session in the configured database,
    so a phone video is reviewed on the same pages. Returns the session id."""
    return store_report_as_session(
        config.resolved_db_path(),
        report,
        landmarks,
        source_name,
        fps=fps,
        device_id=config.resolved_device_id(),
        settings=settings,
        frame_size=frame_size,
    )
