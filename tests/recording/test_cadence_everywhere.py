"""One cadence everywhere: steps per minute of running, pauses excluded.

The session list and summary divided steps by the whole duration, pauses included (160 where
the runner ran at 170), while the per-step values and the live tile said 170, and the
compare page showed both. A synthetic session with a 20 s pause: list, summary, compare and
the exports must all give the running cadence, from the one function.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from edge.gait.cadence import cadence_from_contacts, running_cadence
from edge.gait.records import MetricValue, StrideRecord
from edge.recording.store import SessionStore
from tests.conftest import REPO
from tests.recording.reviewapp import review_app
from tests.recording.serving import serve

STEP_S = 0.35  # 171.43 steps/min while running
RUNNING_SPM = 60.0 / STEP_S


def _steps(t0: float, n_before: int, pause_s: float, n_after: int) -> list[StrideRecord]:
    times = [t0 + i * STEP_S for i in range(n_before)]
    times += [times[-1] + pause_s + i * STEP_S for i in range(n_after)]
    out = []
    for i, t in enumerate(times):
        # the per-step value is the analyzer's rolling cadence; make it differ on purpose
        per_step = 150.0 if i in (n_before, n_before + 1) else RUNNING_SPM + (i % 3 - 1)
        out.append(
            StrideRecord(
                index=i,
                foot="left" if i % 2 == 0 else "right",
                frame_index=round(t * 30),
                t_s=t,
                metrics={"cadence_spm": MetricValue(per_step, "steps/min", 0.9)},
            )
        )
    return out


def test_the_one_definition() -> None:
    steps = _steps(10.0, 20, 20.0, 20)
    times = [s.t_s for s in steps]
    feet = [0 if s.foot == "left" else 1 for s in steps]
    got = running_cadence(times, feet)
    assert got is not None
    assert got.spm == pytest.approx(RUNNING_SPM, abs=0.01)
    assert got.steps == 38  # 39 intervals, one of them the pause
    assert got.running_s == pytest.approx(38 * STEP_S)
    # one foot seen only (the far leg hidden): each interval is two steps
    left = [t for t, f in zip(times, feet, strict=True) if f == 0]
    one_leg = running_cadence(left, [0] * len(left))
    assert one_leg is not None and one_leg.spm == pytest.approx(RUNNING_SPM, abs=0.01)
    # a missed contact is not a pause and not a slower cadence
    missed = times[:5] + times[6:20]
    m = running_cadence(missed, feet[:5] + feet[6:20])
    assert m is not None and m.spm == pytest.approx(RUNNING_SPM, abs=0.01)
    # the live tile and the per-step values use it too
    via_contacts = cadence_from_contacts(times, feet)
    assert via_contacts is not None and via_contacts[0] == pytest.approx(got.spm)
    assert running_cadence(times[:2], feet[:2]) is None
    # contacts with no rhythm are not a cadence: those found in 240 fps slow-motion footage
    # read at its 30 fps playback rate (the shared clip treadmill_side_lab_slowmo)
    gaps = [0.58, 0.34, 1.58, 1.57, 2.54, 0.53, 0.96, 0.67, 2.07, 2.93, 0.6, 2.54, 1.3, 2.61,
            0.53, 1.93, 1.27, 3.1, 0.7, 1.72]  # fmt: skip
    spurious = [sum(gaps[:i]) for i in range(len(gaps) + 1)]
    legs = [1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]
    assert running_cadence(spurious, legs) is None
    assert running_cadence([], []) is None


def test_list_summary_compare_and_exports_agree(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    with SessionStore(db) as store, store.transaction():
        ids = []
        for n, pause in enumerate((20.0, 0.0)):
            steps = _steps(100.0 * (n + 1), 20, pause, 20)
            sid = store.begin_session(f"s{n}", "pi", steps[0].t_s - 1.0, {})
            store.insert_strides(sid, steps)
            store.end_session(sid, steps[-1].t_s + 1.0, reason="ended")
            ids.append(sid)
    a, b = ids
    with SessionStore(db) as store:
        listed = {s.id: s.cadence_spm for s in store.list_sessions()}
    assert listed[a] == pytest.approx(RUNNING_SPM, abs=0.01)  # was 70 (the pause counted)
    assert listed[b] == pytest.approx(RUNNING_SPM, abs=0.01)

    with serve(review_app(db)) as base, httpx.Client(base_url=base, timeout=10.0) as c:
        api_list = {
            s["id"]: s["cadence_spm"] for s in c.get("/api/review/sessions").json()["sessions"]
        }
        one = c.get(f"/api/review/sessions/{a}").json()
        cmp = c.get(f"/api/review/compare?a={a}&b={b}").json()
        exported = c.get(f"/api/review/sessions/{a}/export.session.json").json()
    figures = {
        "list": api_list[a],
        "summary": one["session"]["cadence_spm"],
        "summary table": one["summary"]["cadence_spm"]["mean"],
        "compare head": cmp["a"]["cadence_spm"],
        "compare table": cmp["metrics"]["cadence_spm"]["a"]["mean"],
        "export": exported["session"]["cadence_spm"],
        "export summary": exported["summary"]["cadence_spm"]["mean"],
    }
    for where, value in figures.items():
        assert value == pytest.approx(RUNNING_SPM, abs=0.01), where
    assert cmp["metrics"]["cadence_spm"]["diff"] == pytest.approx(0.0, abs=0.01)

    # the CLI's session list and export say the same
    out = subprocess.run(
        [sys.executable, "-m", "treadwatch.cli", "sessions", "list", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert f"{RUNNING_SPM:7.0f}" in out  # rounded as every screen shows it
    export = ["sessions", "export", str(a), "--format", "session", "--db", str(db)]
    out = subprocess.run(
        [sys.executable, "-m", "treadwatch.cli", *export],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out)["session"]["cadence_spm"] == pytest.approx(RUNNING_SPM, abs=0.01)
