"""A runner crossing the frame (overground, a track) is said to be one, in one line; a
runner on a treadmill, or filmed by a panning camera, is not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from edge.gait.report import Report, analyze_landmarks
from edge.gait.synthetic import RunnerParams, generate
from edge.offline.summary import summary_lines

PARAMS = RunnerParams(fps=60.0, noise=0.002, seed=1, height_frac=0.5)


def _check(rep: Report) -> tuple[bool, str]:
    c = next(c for c in rep.checks if c.name == "runner_in_place")
    return c.ok, c.detail


def test_a_runner_crossing_the_frame_is_named() -> None:
    clip = generate(PARAMS, 4.0)
    lm = clip.landmarks.copy()
    # moving image-left (the way a side-left runner faces) at 0.45 frame widths per second,
    # in view for about two seconds
    lm[..., 0] += (0.4 - 0.45 * clip.timestamps)[:, None].astype(np.float32)
    gone = (lm[:, 23, 0] < -0.05) | (lm[:, 23, 0] > 1.05)
    lm[gone] = np.nan
    rep = analyze_landmarks(lm, PARAMS.fps, aspect=PARAMS.aspect)
    ok, detail = _check(rep)
    assert not ok
    assert detail.startswith("the runner crosses the frame")
    assert "treadmill" in detail and "\n" not in detail
    assert any("runner_in_place" in line for line in summary_lines(rep))
    assert len(rep.contacts) >= 3  # the steps in view are still measured


@pytest.mark.parametrize("pan", [0.0, 0.2])
def test_a_runner_in_place_is_not(pan: float) -> None:
    params = replace(PARAMS, pan=pan)
    rep = analyze_landmarks(generate(params, 8.0).landmarks, params.fps, aspect=params.aspect)
    assert _check(rep)[0]


def test_the_summary_says_why_no_cue() -> None:
    """An overstrider at a quick cadence with a vertical shank: overstride is outside its
    normal range and raises no cue; the summary says why instead of nothing."""
    params = replace(PARAMS, cadence_spm=180.0, overstride=0.3)
    rep = analyze_landmarks(generate(params, 7.0).landmarks, params.fps, aspect=params.aspect)
    assert rep.summary.overstride.band in ("amber", "red")
    lines = summary_lines(rep)
    why = [line for line in lines if line.strip().startswith("no cue for overstride")]
    assert why and "below the cue's threshold" in why[0], lines
