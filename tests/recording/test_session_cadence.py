"""A session carries the cadence chosen for it. On the shared front-oblique clip the rule
(``edge.gait.cadence_choice``) takes cadence from the hips' bounce (a front view sees foot
contacts only approximately); stored as a session, its steps' contacts give another figure.
The session list, its summary, the runner report's figure and the compare page must all give
the chosen one, with its source and reason; a database from before gets it from the stored
report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.gait.cadence import steps_cadence
from edge.gait.commands import load_landmark_file
from edge.gait.report import analyze_landmarks
from edge.recording.analysis_import import store_report_as_session
from edge.recording.export import compare, session_json
from edge.recording.store import SessionStore
from edge.runners.progress import session_point

pytestmark = pytest.mark.data

CLIP = "treadmill_front_oblique"


@pytest.fixture(scope="module")
def stored(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, float]:
    lm, fps, aspect = load_landmark_file(shared_data / "reference" / f"{CLIP}.mediapipe.npz")
    rep = analyze_landmarks(lm, fps, aspect=aspect)
    assert rep.cadence_source == "bounce" and rep.cadence_spm is not None
    db = tmp_path_factory.mktemp("cadence") / "sessions.db"
    sid = store_report_as_session(db, rep, lm, f"{CLIP}.mp4", fps=fps)
    return db, sid, rep.cadence_spm


def test_every_screen_gives_the_chosen_cadence(stored: tuple[Path, int, float]) -> None:
    db, sid, chosen = stored
    store = SessionStore(db)
    try:
        strides = store.strides(sid)
        from_steps = steps_cadence([(s.t_s, s.foot) for s in strides])
        assert from_steps is not None and abs(from_steps - chosen) > 5  # the two disagree
        (info,) = store.list_sessions()
        assert info.cadence_spm == pytest.approx(chosen)
        assert info.cadence_source == "bounce"
        assert info.cadence_reason is not None and "hips' bounce" in info.cadence_reason
        assert info.end_reason == "ended"  # the session's own reason, not the cadence's
        js = session_json(store, info)
        assert js["session"]["cadence_source"] == "bounce"
        cad = js["summary"]["cadence_spm"]
        assert cad["mean"] == pytest.approx(chosen) and cad["source"] == "bounce"
        assert session_point(store, info)["metrics"]["cadence_spm"]["median"] == pytest.approx(
            chosen
        )
        both = compare(strides, strides, info, info)["cadence_spm"]
        assert both["a"]["mean"] == pytest.approx(chosen) and both["diff"] == 0.0
    finally:
        store.close()


def test_a_database_from_before_gets_the_reports_cadence(
    stored: tuple[Path, int, float],
) -> None:
    db, sid, chosen = stored
    conn = sqlite3.connect(db)
    try:  # as written before sessions carried their cadence (schema 6)
        conn.execute("UPDATE sessions SET cadence_json = NULL")
        conn.execute("ALTER TABLE sessions DROP COLUMN cadence_json")
        conn.execute("ALTER TABLE alerts DROP COLUMN evidence")
        conn.execute("PRAGMA user_version = 6")
        conn.commit()
    finally:
        conn.close()
    store = SessionStore(db)
    try:
        info = store.session(sid)
        assert info.cadence_spm == pytest.approx(chosen) and info.cadence_source == "bounce"
    finally:
        store.close()
