"""View classes from the landmarks on a synthetic runner turned away from the side view,
cadence whatever the view, and contacts under a panning camera."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from edge.gait.report import Report, analyze_landmarks
from edge.gait.synthetic import RunnerParams, generate

BASE = RunnerParams(noise=0.002, swap_prob=0.05, overstride=0.1, trunk_lean_deg=6.0, seed=2)

#: camera yaw from the side view → the class the landmarks must show
YAWS = [
    (0.0, "side"),
    (15.0, "side"),
    (30.0, "oblique-side"),
    (35.0, "oblique-side"),
    (45.0, "oblique-side"),
    (60.0, "front"),
    (90.0, "front"),
]

_cache: dict[float, Report] = {}


def _report(yaw: float) -> Report:
    if yaw not in _cache:
        p = replace(BASE, yaw_deg=yaw)
        clip = generate(p, 12.0)
        _cache[yaw] = analyze_landmarks(clip.landmarks, p.fps, aspect=p.aspect)
    return _cache[yaw]


@pytest.mark.parametrize(("yaw", "view_class"), YAWS)
def test_rotated_runner_is_classed_and_cadence_does_not_depend_on_the_view(
    yaw: float, view_class: str
) -> None:
    rep = _report(yaw)
    assert rep.view_class == view_class
    assert rep.view_yaw_deg is not None and abs(rep.view_yaw_deg - yaw) <= 12.0
    assert rep.cadence_spm == pytest.approx(BASE.cadence_spm, abs=1.0)
    if view_class == "front":
        assert rep.summary.overstride.value is None
    else:
        assert rep.view == "side-left"


@pytest.mark.parametrize("yaw", [15.0, 30.0, 35.0])
def test_side_metrics_kept_with_lower_confidence_up_to_35_degrees(yaw: float) -> None:
    side, turned = _report(0.0).summary, _report(yaw).summary
    for name in ("overstride", "trunk_lean_deg"):
        a, b = getattr(side, name), getattr(turned, name)
        assert b.value is not None, (name, b.reason)
        assert b.confidence > 0.3
        if yaw >= 30.0:
            assert b.confidence < a.confidence
    # fore-aft distances and angles are stretched back by 1 / cos(yaw)
    assert turned.overstride.value == pytest.approx(BASE.overstride, abs=0.03)
    assert turned.trunk_lean_deg.value == pytest.approx(BASE.trunk_lean_deg, abs=2.0)


def test_panning_camera_keeps_contacts() -> None:
    """The runner drifts across a third of the frame and back every 4 s (a camera that
    pans): contacts are found relative to the hips, not in image coordinates."""
    p = replace(BASE, fps=60.0, pan=0.3, pan_period_s=4.0)
    clip = generate(p, 12.0)
    rep = analyze_landmarks(clip.landmarks, p.fps, aspect=p.aspect)
    found = np.array([c.t for c in rep.contacts])
    truth = [s.contact_t for s in clip.steps if 0.1 < s.contact_t < clip.timestamps[-1] - 0.5]
    err = np.array([np.min(np.abs(found - t)) for t in truth]) * p.fps
    assert (err <= 1.0).mean() >= 0.95
    assert rep.cadence_spm == pytest.approx(p.cadence_spm, abs=1.0)
