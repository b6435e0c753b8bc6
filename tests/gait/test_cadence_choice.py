"""Cadence from the foot contacts or the hips' bounce: one rule, live and offline.

Synthetic runners where the two signals disagree in known ways: the contacts are the
direct measure and win in a side view with enough regular contacts; the bounce takes over
in a front view, for a short clip, and when the contacts miss steps. The reason says which.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from edge.gait.analyzer import GaitAnalyzer
from edge.gait.cadence_choice import choose_cadence
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.report import analyze_landmarks
from edge.gait.synthetic import RunnerParams, SyntheticClip, generate
from edge.landmarks import Landmark

PARAMS = RunnerParams(fps=60.0, noise=0.002, seed=1, cadence_spm=170.0)


@pytest.fixture(scope="module")
def clip() -> SyntheticClip:
    return generate(PARAMS, 10.0)


def test_side_view_contacts_win_over_a_disagreeing_bounce(clip: SyntheticClip) -> None:
    """The hips also sway up and down at 150/min (a camera on a wobbly stand): the bounce
    says ~157, the contacts 170. The contacts are kept, and the reason names the bounce."""
    lm = clip.landmarks.copy()
    sway = 0.02 * np.sin(2 * np.pi * clip.timestamps * 150.0 / 60.0)
    lm[..., 1] += sway[:, None].astype(np.float32)
    rep = analyze_landmarks(lm, PARAMS.fps, aspect=PARAMS.aspect)
    assert rep.cadence_periodicity_spm is not None
    assert abs(rep.cadence_periodicity_spm - 170.0) > 6.0  # they do disagree
    assert rep.cadence_source == "contacts"
    assert rep.cadence_spm == pytest.approx(170.0, abs=1.0)
    assert "bounce" in rep.cadence_reason and "contacts" in rep.cadence_reason
    agree = next(c for c in rep.checks if c.name == "cadence_agreement")
    assert not agree.ok


def test_front_view_takes_the_bounce() -> None:
    params = replace(PARAMS, view="front")
    rep = analyze_landmarks(generate(params, 10.0).landmarks, params.fps, aspect=params.aspect)
    assert rep.view == "front"
    assert rep.cadence_source == "bounce"
    assert rep.cadence_spm == pytest.approx(170.0, abs=2.0)
    assert "front or rear view" in rep.cadence_reason


def test_contacts_that_miss_steps_give_way_to_the_bounce(clip: SyntheticClip) -> None:
    """Every other landing of the far foot is hidden (the console in the way): the contact
    series repeats a foot; the bounce is used and the reason says how broken the series is."""
    lm = clip.landmarks.copy()
    hidden = (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX)
    for i, s in enumerate(st for st in clip.steps if st.foot == "right"):
        if i % 2 == 0:
            j = round(s.contact_t * PARAMS.fps)
            lm[max(0, j - 12) : j + 12, hidden, 3] = 0.05
    rep = analyze_landmarks(lm, PARAMS.fps, aspect=PARAMS.aspect)
    assert rep.cadence_source == "bounce"
    assert rep.cadence_spm == pytest.approx(170.0, abs=2.0)
    assert "miss steps" in rep.cadence_reason


def test_a_short_clip_takes_the_bounce() -> None:
    rep = analyze_landmarks(generate(PARAMS, 2.2).landmarks, PARAMS.fps, aspect=PARAMS.aspect)
    assert rep.cadence_source == "bounce"
    assert "foot contacts (at least 6 needed)" in rep.cadence_reason, rep.cadence_reason


def test_live_and_offline_choose_alike(clip: SyntheticClip) -> None:
    """The live monitor's cadence over a window holding the whole clip is the report's."""
    a = GaitAnalyzer(
        GaitConfig(window_s=12.0),
        AlertsConfig(),
        PARAMS.fps,
        aspect=PARAMS.aspect,
        backfill=True,
    )
    for i, row in enumerate(clip.landmarks):
        a.push(i, i / PARAMS.fps, row)
    live = a.current()["cadence_spm"]
    rep = analyze_landmarks(
        clip.landmarks, PARAMS.fps, aspect=PARAMS.aspect, gait=GaitConfig(window_s=12.0)
    )
    assert live.value == pytest.approx(rep.cadence_spm, abs=0.05)
    assert live.reason == rep.cadence_reason


def test_rules_on_bare_numbers() -> None:
    times = [i * 0.35 for i in range(12)]
    feet = [i % 2 for i in range(12)]
    conf = [0.9] * 12
    kw = {"min_contacts": 6, "agreement_spm": 6.0}
    got = choose_cadence(times, feet, conf, 150.0, frontal=False, feet_cut=False, **kw)
    assert got.source == "contacts" and got.spm == pytest.approx(60 / 0.35)
    cut = choose_cadence(times, feet, conf, 150.0, frontal=False, feet_cut=True, **kw)
    assert cut.source == "bounce" and "bottom edge" in cut.reason
    one_foot = choose_cadence(times, [0] * 12, conf, 150.0, frontal=False, feet_cut=False, **kw)
    assert one_foot.source == "bounce" and "one foot" in one_foot.reason
    nothing = choose_cadence([], [], [], None, frontal=False, feet_cut=False, **kw)
    assert nothing.spm is None and nothing.source is None
    alone = choose_cadence(times[:4], feet[:4], conf[:4], None, frontal=False, feet_cut=False, **kw)
    assert alone.source == "contacts" and alone.confidence < 0.4 and "unsure" in alone.reason
