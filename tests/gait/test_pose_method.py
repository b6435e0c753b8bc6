"""The Pose method's own checks (seed texts): alignment at mid-stance and the pull, per
step, against the synthetic runner's exact geometry; and no cue from an outlier step."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from edge.gait.analyzer import GaitAnalyzer
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.pose_method import BALL_OF_FOOT
from edge.gait.report import analyze_landmarks
from edge.gait.synthetic import RunnerParams, generate
from edge.gait.synthetic_body import LEG_M, body_points
from edge.landmarks import Landmark

L = Landmark


def _truth(p: RunnerParams) -> dict[str, float]:
    """From the body coordinates: right foot lands at phase 0, left swings through."""
    mid = np.array([0.5 * p.duty_factor])
    b = body_points(mid, p)[0]
    ball = b[L.RIGHT_HEEL, :2] + BALL_OF_FOOT * (b[L.RIGHT_FOOT_INDEX, :2] - b[L.RIGHT_HEEL, :2])
    sh = 0.5 * (b[L.LEFT_SHOULDER, :2] + b[L.RIGHT_SHOULDER, :2])
    hip = b[L.RIGHT_HIP, :2]
    fall = math.degrees(math.atan2(sh[0] - ball[0], sh[1] - ball[1]))
    line_f = ball[0] + (sh[0] - ball[0]) * (hip[1] - ball[1]) / (sh[1] - ball[1])
    phases = np.linspace(0.0, 0.5, 2001)  # the step: right contact to left contact
    sw = body_points(phases, p)
    ank = sw[:, L.LEFT_ANKLE, 0]
    i = int(np.nonzero((ank[:-1] < 0) & (ank[1:] >= 0))[0][0])
    j = int(np.argmax(sw[:, L.LEFT_HEEL, 1]))
    return {
        "alignment_fall_deg": fall,
        "alignment_offset": (hip[0] - line_f) / LEG_M,
        "pull_heel_height": float(sw[i, L.LEFT_HEEL, 1]) / LEG_M,
        "pull_heel_behind": -float(sw[j, L.LEFT_HEEL, 0]) / LEG_M,
    }


@pytest.mark.parametrize(
    "over", [{}, {"trunk_lean_deg": 12.0}, {"overstride": 0.3, "cadence_spm": 158.0}]
)
def test_alignment_and_pull_match_the_geometry(over: dict[str, float]) -> None:
    p = replace(RunnerParams(noise=0.001, fps=60.0, view="side-right"), **over)  # type: ignore[arg-type]
    truth = _truth(p)
    rep = analyze_landmarks(generate(p, 10.0).landmarks, p.fps, aspect=p.aspect)
    right = [s for s in rep.strides if s.foot == "right"]
    assert len(right) >= 8
    tol = {"alignment_fall_deg": 1.5, "alignment_offset": 0.02,
           "pull_heel_height": 0.03, "pull_heel_behind": 0.03}  # fmt: skip
    for name, want in truth.items():
        got = [s.metrics[name].value for s in right if s.metrics[name].value is not None]
        assert float(np.median(got)) == pytest.approx(want, abs=tol[name]), name
        assert getattr(rep.summary, name).value is not None


def test_lean_and_overstride_move_the_alignment_as_the_seeds_say() -> None:
    base = RunnerParams(noise=0.001, fps=60.0)
    lean = _truth(replace(base, trunk_lean_deg=12.0))["alignment_fall_deg"]
    sit_back = _truth(replace(base, overstride=0.3))["alignment_fall_deg"]
    assert lean > _truth(base)["alignment_fall_deg"] > sit_back


def test_an_outlier_step_raises_no_cue() -> None:
    """A contact missed (the far foot hidden for a moment) makes a step twice as long; what
    it measures (bounce over a doubled period, ...) is an outlier and raises no cue."""
    p = RunnerParams(noise=0.001, fps=60.0, overstride=0.05)
    clip = generate(p, 30.0)
    lm = clip.landmarks.copy()
    far = [L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]  # side-left: right is far
    hidden = [s.contact_t for s in clip.steps if s.foot == "right"][5::4]
    for tc in hidden:
        i = round(tc * p.fps)
        lm[i - 12 : i + 12, far, 3] = 0.05  # not visible: its contact is not found
    a = GaitAnalyzer(GaitConfig(), AlertsConfig(), p.fps, aspect=p.aspect)
    alerts = []
    for i, (t, row) in enumerate(zip(clip.timestamps, lm, strict=True)):
        alerts += a.push(i, float(t), row).alerts
    long_steps = [s for s in a.strides if s.metrics["step_time_ms"].value > 1.5 * 1000 * p.step_s]
    assert len(long_steps) >= 4
    for s in long_steps:
        assert all(m.confidence == 0.0 for k, m in s.metrics.items() if k != "cadence_spm")
        assert "contact missed" in (s.metrics["vertical_oscillation"].reason or "")
    assert alerts == []
