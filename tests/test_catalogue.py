"""The metric catalogue: one label, unit, rounding and range per metric; a session's figure
defined once; a value measured without confidence is never judged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge.catalogue import (
    CATALOGUE,
    MIN_CONFIDENCE,
    catalogue_json,
    info,
    session_figure,
    step_band,
)
from edge.gait.config import AlertsConfig
from edge.gait.metrics import METRICS
from edge.gait.ranges import RANGES
from edge.gait.records import MetricValue, StrideRecord
from edge.recording.export import metric_summary, session_summary
from edge.runners.progress import label


def _steps(
    name: str, values: list[tuple[float, float]], step_s: float = 0.35
) -> list[StrideRecord]:
    return [
        StrideRecord(
            index=i,
            foot="left" if i % 2 == 0 else "right",
            frame_index=i * 10,
            t_s=10.0 + i * step_s,
            metrics={
                name: MetricValue(v, "u", c),
                "cadence_spm": MetricValue(150.0 + i, "steps/min", 0.9),
            },
        )
        for i, (v, c) in enumerate(values)
    ]


def test_every_judged_metric_and_every_cue_has_an_entry() -> None:
    assert set(RANGES) <= set(CATALOGUE)
    assert set(METRICS) <= set(CATALOGUE)  # every per-step metric a page may list
    for name, rule in AlertsConfig().rules().items():
        assert name in CATALOGUE, f"cue {name} has no tile"
        assert (rule.metric or name) in CATALOGUE
    # readable labels: never a raw key
    for m in CATALOGUE.values():
        assert "_" not in m.label and m.label[0].isupper()
    assert info("some_new_metric_deg").label == "Some new metric"
    assert label("trunk_lean_deg") == "Trunk lean"


def test_a_value_is_judged_as_shown() -> None:
    gaze = info("head_pitch_deg")  # normal −12 to 12, shown without decimals
    assert gaze.text(12.4) == "12" and gaze.band(12.4) == "green"
    assert gaze.band(12.6) == "amber"
    assert info("overstride").text(-0.001) == "0.00"  # never "-0.00"
    assert info("trunk_lean_deg").digits == 1  # one rounding: live, review, report alike


def test_low_confidence_is_shown_as_such_never_judged() -> None:
    # arm crossover from depth in a side view: values, all of them unsure
    unsure = _steps("arm_crossover", [(0.4, 0.2)] * 12)
    fig = session_figure("arm_crossover", unsure)
    assert fig == {"value": None, "n": 0, "low_confidence": True, "band": None}
    assert step_band("arm_crossover", 0.4, 0.2) is None
    assert step_band("arm_crossover", 0.4, MIN_CONFIDENCE) == "red"
    summary = metric_summary(unsure)["arm_crossover"]
    assert summary["value"] is None and summary["low_confidence"] is True
    assert "band" not in summary


def test_the_session_figure() -> None:
    # sure steps 0.10 … 0.20 and three unsure outliers: the median of the sure ones
    values = [(0.10 + 0.01 * i, 0.9) for i in range(11)] + [(0.9, 0.3)] * 3
    steps = _steps("overstride", values)
    fig = session_figure("overstride", steps)
    assert fig["value"] == pytest.approx(0.15)
    assert fig["n"] == 11 and fig["band"] == "amber"
    # cadence: steps per minute of running over the contacts, not a median of rolling values
    cad = session_figure("cadence_spm", steps)
    assert cad["value"] == pytest.approx(60.0 / 0.35)
    summary = metric_summary(steps)
    assert summary["cadence_spm"]["value"] == summary["cadence_spm"]["mean"] == cad["value"]
    assert summary["overstride"]["value"] == pytest.approx(0.15)
    assert summary["overstride"]["median"] == pytest.approx(0.165)  # every value, as before


def test_analyze_summary_flags_what_is_outside_its_range() -> None:
    from edge.gait.report import analyze_landmarks
    from edge.gait.synthetic import RunnerParams, generate
    from edge.offline.summary import summary_lines

    p = RunnerParams(trunk_lean_deg=14.0, fps=30.0, view="side-left")  # normal 2–12, cue 15
    clip = generate(p, 20.0)
    report = analyze_landmarks(clip.landmarks, clip.fps, view="side-left", aspect=p.aspect)
    lines = {ln.split("  ")[1].strip(): ln for ln in summary_lines(report) if ln.startswith("  ")}
    lean = lines["trunk lean"]
    assert "outside the normal 2.0 to 12.0" in lean, lean
    why = [ln for ln in summary_lines(report) if ln.strip().startswith("no cue for trunk lean")]
    assert len(why) == 1, summary_lines(report)
    assert not any(a.rule == "trunk_lean_deg" for a in report.alerts if a.state == "raised")
    cadence = lines["cadence"]
    assert cadence.split()[1] == info("cadence_spm").text(report.cadence_spm)  # 0 decimals
    assert "outside" not in lines["overstride"]


def test_the_report_shows_low_confidence_and_does_not_judge_it(tmp_path: Path) -> None:
    """Arm crossover from depth in a side view: every step unsure, some far outside the
    range. The one-page report lists it as low confidence, with no verdict."""
    from edge.recording.store import SessionStore
    from edge.runners.report import session_report_html

    steps = _steps("arm_crossover", [(0.6, 0.2)] * 20)
    db = tmp_path / "s.db"
    with SessionStore(db) as store:
        with store.transaction():
            sid = store.begin_session("u", "pi", 9.0, {})
            store.insert_strides(sid, steps)
            store.end_session(sid, 20.0, reason="ended")
        html = session_report_html(store, sid)
    row = re.search(r'<tr data-metric="arm_crossover">(.*?)</tr>', html, re.S)
    assert row is not None, html
    assert "low confidence: not judged" in row.group(1)
    assert "range</span>" not in row.group(1)  # no "in/near/outside range" verdict
    assert "0.60" not in row.group(1)


def test_analyze_store_list_and_review_show_one_cadence(tmp_path: Path) -> None:
    """``analyze --store`` of a clip: the summary it prints, the session list and the
    session's summary show the same cadence, rounded alike."""
    from edge.gait.report import analyze_landmarks
    from edge.gait.synthetic import RunnerParams, generate
    from edge.offline.summary import summary_lines
    from edge.recording.analysis_import import store_report_as_session
    from edge.recording.store import SessionStore

    p = RunnerParams(cadence_spm=167.0, fps=30.0, view="side-left")
    clip = generate(p, 30.0)
    report = analyze_landmarks(clip.landmarks, clip.fps, view="side-left", aspect=p.aspect)
    printed = next(ln for ln in summary_lines(report) if ln.strip().startswith("cadence"))
    db = tmp_path / "s.db"
    sid = store_report_as_session(db, report, clip.landmarks, "clip.mp4", fps=clip.fps)
    with SessionStore(db) as store:
        listed = store.session(sid).cadence_spm
        info_ = store.session(sid)
        summary = session_summary(info_, store.strides(sid))["cadence_spm"]["value"]
    cadence = info("cadence_spm")
    assert printed.split()[1] == cadence.text(listed) == cadence.text(summary)
    assert float(printed.split()[1]) == pytest.approx(167.0, abs=2.0)


def test_sessions_carry_the_devices_configured_name(tmp_path: Path) -> None:
    """Without ``recording.device_id``, a session is named as the hub names the treadmill
    (``fleet.device_id``), not by the host name."""
    from edge.config.root import Config
    from edge.recording.live import named_recording

    cfg = Config.model_validate(
        {"recording": {"db_path": str(tmp_path / "s.db")}, "fleet": {"device_id": "treadmill-7"}}
    )
    assert named_recording(cfg).resolved_device_id() == "treadmill-7"
    own = Config.model_validate(
        {"recording": {"device_id": "front-desk"}, "fleet": {"device_id": "treadmill-7"}}
    )
    assert named_recording(own).resolved_device_id() == "front-desk"


#: Words a therapist's screen never shows: the project's notes and coaching-text numbering,
#: config class names, dotted or starred setting keys, file names.
DEVELOPER_WORDS = re.compile(
    r"seed|PRODUCT\.md|\.md\b|[A-Z][a-z]+Config|\w+\.\w+_\w+|\w+_\*|shared clips|shared/", re.I
)


def _texts(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _texts(v)]
    if isinstance(obj, list | tuple):
        return [t for v in obj for t in _texts(v)]
    return []


def test_what_the_live_page_is_sent_has_no_developer_words() -> None:
    """The ranges (the tiles' tooltips: where each range comes from), the catalogue and the
    rules the live page is sent name people and papers, never the project's notes, its
    coaching texts' numbers or its settings' names."""
    from edge.config.root import Config
    from edge.gait.ranges import ranges_json
    from server.routes.live import rules_json

    sent = {"ranges": ranges_json(), "catalogue": catalogue_json(), "rules": rules_json(Config())}
    found = [t for t in _texts(sent) if DEVELOPER_WORDS.search(t)]
    assert found == []
    assert all(r["source"] for r in sent["ranges"].values())
