"""A session shorter than the live cue window, judged when it ends the way a clip is.

Live, a cue needs a run of strides, a look before choosing and a dwell
(:mod:`edge.gait.alerts`); a session of a few dozen steps can end before any of that has
happened although the fault was on most of them. When such a session ends, all its confident
strides are judged by the clip cue policy (:func:`edge.gait.clip_cues.judge_clip`) and each
cue it names that live coaching did not raise is stored as a raised alert with its evidence
(how many strides showed it), so the session's focus is the fault that was there. A cue the
runner was given live (and perhaps praised for fixing) stays as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from edge.gait.clip_cues import CLIP_POLICY_S, clip_alerts, judge_clip
from edge.gait.config import AlertsConfig
from edge.gait.records import AlertRecord, StrideRecord
from edge.recording.commit import PendingWrites, RecordingSession
from edge.recording.store import SessionStore

log = logging.getLogger(__name__)


def session_alerts_config(settings: dict[str, Any]) -> AlertsConfig:
    """The cue settings a session was recorded with; the defaults if they no longer fit."""
    try:
        return AlertsConfig.model_validate(settings.get("alerts") or {})
    except ValidationError:
        log.warning("session settings [alerts] do not fit this version: using defaults")
        return AlertsConfig()


def short_session_cues(
    strides: Sequence[StrideRecord],
    live: Sequence[AlertRecord],
    config: AlertsConfig,
    duration_s: float,
) -> list[AlertRecord]:
    """The cues a session of ``duration_s`` earns on all its confident ``strides`` beyond
    those raised ``live``, at its first step (as a clip's) with their evidence; none for a
    session as long as the live window."""
    if not strides or duration_s >= CLIP_POLICY_S:
        return []
    cued = {a.rule for a in live if a.state == "raised"}
    verdicts = [v for v in judge_clip(strides, config) if v.rule not in cued]
    return clip_alerts(verdicts, strides, config)


def session_cues(
    strides: Sequence[StrideRecord], settings: dict[str, Any], report: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Every cue rule's verdict on a stored session, with why it raised no cue (below the
    cue's threshold, low confidence, too few strides, ...): the stored report's ``cues`` for
    an analysed video, else the clip policy on all the session's strides. Each has the
    ``metric`` its rule watches, so a screen can put the reason beside that number."""
    config = session_alerts_config(settings)
    rules = config.rules()
    if report is not None and isinstance(report.get("cues"), list):
        cues = [dict(c) for c in report["cues"] if isinstance(c, dict) and "rule" in c]
    else:
        cues = [
            {
                "rule": v.rule,
                "cue": v.cue,
                "raised": v.raised,
                "strides_past": v.past,
                "strides_confident": v.confident,
                "strides_measured": v.measured,
                "median": v.median,
                "reason": v.reason,
            }
            for v in judge_clip(strides, config)
        ]
    for c in cues:
        rule = rules.get(c["rule"])
        c["metric"] = (rule.metric or c["rule"]) if rule is not None else c["rule"]
    return cues


def ended_session_cues(
    store: SessionStore, session: RecordingSession, pending: PendingWrites, t_end_s: float
) -> list[AlertRecord]:
    """The recorder's session ends at ``t_end_s``: if it is shorter than the live window, the
    clip policy's cues on all its steps (stored and pending), else none. Raises
    sqlite3.Error when the stored steps cannot be read."""
    if t_end_s - session.t_start_s >= CLIP_POLICY_S:
        return []
    sid = session.sid
    stored = store.strides(sid) if sid is not None else []
    told = store.alerts(sid) if sid is not None else []
    steps, live = [*stored, *pending.strides], [*told, *pending.alerts]
    cfg = session_alerts_config(session.settings)
    return short_session_cues(steps, live, cfg, t_end_s - session.t_start_s)
