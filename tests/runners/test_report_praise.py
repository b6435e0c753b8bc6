"""The one-page session report says when the runner got the focus cue right: the praise shown
live when the cue cleared, and how often."""

from __future__ import annotations

from pathlib import Path

from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from edge.runners.progress import focus_cue
from edge.runners.report import render_session_report, report_css
from edge.runners.report_data import session_report_data
from tests.recording.synth import SynthSession, recording_config

PRAISE = "good: landing under your hips"


def test_the_session_report_shows_the_praise_of_the_focus_cue(tmp_path: Path) -> None:
    rec = Recorder(recording_config(tmp_path))
    synth = SynthSession(duration_s=10.0, fault_steps=20)
    rec.session_started("coached", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    rec.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        data = session_report_data(store, store.session("coached").id)
    assert data["focus"] == {
        "rule": "overstride",
        "cue": "land under your hips",
        "times": 1,
        "praise": PRAISE,
        "praised": 1,
        "evidence": None,  # cued live, not judged on a whole short session
    }
    page = render_session_report(data)
    # The style sheet (package data) is inlined whole: the page needs no other request.
    css = report_css()
    assert "@page { size: A4" in css and "@media print" in css
    assert f"<style>{css}</style>" in page
    assert "“land under your hips”" in page
    assert f'praised 1×:</span> <span class="praise">“{PRAISE}”</span>' in page


def test_a_cue_never_cleared_with_praise_has_none() -> None:
    synth = SynthSession(duration_s=6.0, alert_every=5)  # raised only, never cleared
    for _ in synth:
        pass
    focus = focus_cue(synth.alerts)
    assert focus == {
        "rule": "overstride",
        "cue": "land under your hips",
        "times": 3,
        "praise": None,
        "praised": 0,
        "evidence": None,
    }
