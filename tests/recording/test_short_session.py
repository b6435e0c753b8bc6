"""A session shorter than the live window is judged, when it ends, on all its confident
strides: a synthetic overstrider runs 8 s through the real analyzer and the real recorder,
too short for the live cue (a run of strides, a look before choosing, a dwell); the stored
session's focus is the overstride cue with how many strides showed it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edge.gait.analyzer import GaitAnalyzer
from edge.gait.clip_cues import CLIP_MIN_STRIDES
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.records import AlertRecord
from edge.gait.synthetic import RunnerParams, generate
from edge.landmarks import NUM_LANDMARKS, PoseResult
from edge.recording.export import session_json
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from edge.runners.progress import focus_cue
from edge.runners.report import render_session_report
from edge.runners.report_data import session_report_data
from tests.recording.synth import recording_config

T0 = 100.0  # capture time of the session's first frame


def _record(
    tmp: Path, overstride: float, duration_s: float, cadence: float = 160.0
) -> tuple[int, list[AlertRecord]]:
    """The runner through analyzer and recorder; the stored session's id and the live cues."""
    p = RunnerParams(fps=30.0, noise=0.002, seed=3, cadence_spm=cadence, overstride=overstride)
    clip = generate(p, duration_s)
    gait, alerts = GaitConfig(), AlertsConfig()
    analyzer = GaitAnalyzer(gait, alerts, p.fps, aspect=p.aspect)
    rec = Recorder(recording_config(tmp))
    rec.session_started("short", T0, {"alerts": alerts.model_dump(mode="json")})
    live: list[AlertRecord] = []
    for i, lm in enumerate(clip.landmarks):
        t = T0 + float(clip.timestamps[i])
        update = analyzer.push(i, t, lm)
        live += update.alerts
        full = np.concatenate([lm, np.ones((NUM_LANDMARKS, 1), np.float32)], axis=1)
        rec.frame(PoseResult(frame_index=i, timestamp_s=t, landmarks=full), update, None)
    rec.session_ended(T0 + float(clip.timestamps[-1]))
    rec.close()
    store = SessionStore(tmp / "sessions.db")
    try:
        (info,) = store.list_sessions()
        return info.id, live
    finally:
        store.close()


def test_a_short_overstriding_session_is_named_with_its_evidence(tmp_path: Path) -> None:
    sid, live = _record(tmp_path, overstride=0.3, duration_s=8.0)
    assert not [a for a in live if a.state == "raised"], "the live policy must not cue yet"
    store = SessionStore(tmp_path / "sessions.db")
    try:
        focus = focus_cue(store.alerts(sid))
        assert focus is not None and focus["rule"] == "overstride"
        m = re.fullmatch(r"on (\d+) of (\d+) confident strides", focus["evidence"] or "")
        assert m is not None, focus
        past, confident = int(m[1]), int(m[2])
        n_steps = len(store.strides(sid))
        assert CLIP_MIN_STRIDES <= confident <= n_steps
        assert past >= 0.8 * confident  # the fault is on (nearly) every step
        (a,) = [a for a in session_json(store, store.session(sid))["alerts"] if a["evidence"]]
        rule = AlertsConfig().rules()["overstride"]
        assert a["rule"] == "overstride" and a["value"] > rule.threshold  # the strides' median
    finally:
        store.close()


def test_a_short_session_without_the_fault_gets_no_cue(tmp_path: Path) -> None:
    sid, _ = _record(tmp_path, overstride=0.0, duration_s=8.0)
    store = SessionStore(tmp_path / "sessions.db")
    try:
        assert len(store.strides(sid)) >= 15
        assert focus_cue(store.alerts(sid)) is None
    finally:
        store.close()


def test_the_report_says_why_a_number_outside_its_range_raised_no_cue(tmp_path: Path) -> None:
    """Heel 0.17 leg lengths ahead at 178 steps/min: outside the normal range, but without
    the landing signs the overstride cue asks for; the report's focus line says so."""
    sid, _ = _record(tmp_path, overstride=0.17, duration_s=8.0, cadence=178.0)
    store = SessionStore(tmp_path / "sessions.db")
    try:
        data = session_report_data(store, sid)
        html = render_session_report(data)
    finally:
        store.close()
    assert data["focus"] is None
    assert data["point"]["metrics"]["overstride"]["verdict"] in ("near", "out")
    assert "no cue was needed" not in html
    (line,) = re.findall(r"<li>Overstride outside its range, ([^<]*)</li>", html)
    assert line.startswith("no cue: below the cue&#x27;s threshold (above 1.5 signs)"), line
