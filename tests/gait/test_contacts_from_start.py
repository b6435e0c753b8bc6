"""Every contact from the first frame of a file, and none lost mid-clip to a discarded one.

The hand labels of ``treadmill_side_male_gt`` (``data/contact_labels.json``) were made by
looking at its frames (extracted with OpenCV, feet region enlarged): the first frame where the
landing shoe meets the belt (its shadow joins the sole, and the next frame the foot travels
back with the belt).
"""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from edge.gait.analyzer import GaitAnalyzer
from edge.gait.commands import load_landmark_file
from edge.gait.config import AlertsConfig, GaitConfig
from edge.gait.report import analyze_landmarks
from edge.gait.synthetic import RunnerParams, SyntheticClip, generate
from edge.landmarks import Landmark

#: Initial contacts of treadmill_side_male_gt, frames 0-50, labelled by eye (30 fps).
MALE_GT_CONTACTS = tuple(
    f
    for f in json.loads((Path(__file__).parent / "data" / "contact_labels.json").read_text())[
        "clips"
    ]["treadmill_side_male_gt"]["contacts"]
    if f <= 50
)


@pytest.mark.data
def test_male_gt_contacts_from_frame_zero_within_one_frame(shared_data: Path) -> None:
    lm, fps, aspect = load_landmark_file(
        shared_data / "reference" / "treadmill_side_male_gt.mediapipe.npz"
    )
    rep = analyze_landmarks(lm, fps, aspect=aspect)
    frames = np.array([c.t * fps for c in rep.contacts])
    early = frames[frames < MALE_GT_CONTACTS[-1] + 5]
    assert len(early) == len(MALE_GT_CONTACTS), early  # none missed, none invented
    for label in MALE_GT_CONTACTS:
        assert np.min(np.abs(early - label)) <= 1.0, (label, early)
    # every step of the clip: contacts alternate feet, one every ~10.6 frames (169 spm)
    feet = [c.foot for c in rep.contacts]
    assert all(a != b for a, b in pairwise(feet))
    assert len(rep.contacts) >= 32


def _analyze(clip: SyntheticClip) -> GaitAnalyzer:
    a = GaitAnalyzer(GaitConfig(), AlertsConfig(), clip.fps, aspect=clip.params.aspect)
    for i, (t, lm) in enumerate(zip(clip.timestamps, clip.landmarks, strict=True)):
        a.push(i, float(t), lm)
    return a


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_synthetic_first_stride_is_reported(fps: float) -> None:
    params = RunnerParams(fps=fps, noise=0.001, seed=3)
    clip = generate(params, 8.0, phase0=0.38)  # the first contact 0.084 s into the clip
    rep = analyze_landmarks(clip.landmarks, fps, aspect=params.aspect)
    truth = [s.contact_t for s in clip.steps if s.contact_t > 2.0 / fps]
    found = np.array([c.t for c in rep.contacts])
    assert truth[0] < 0.1
    for t in truth[:-1]:
        assert np.min(np.abs(found - t)) * fps <= 1.0, (t, found[:4])
    assert rep.strides[0].t == pytest.approx(truth[0], abs=1.0 / fps)


_FAR_LEG = (
    (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
    (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
)


def test_far_leg_flicked_onto_the_landing_leg_loses_no_contact() -> None:
    """The model puts the hidden far leg onto the near one as the near foot lands (seen on
    real side views): that false far-leg "contact" is dropped as a duplicate, and must not
    then block the far leg's own contact one step later (a left, left sequence)."""
    params = replace(RunnerParams(fps=60.0, noise=0.001, seed=5), cadence_spm=169.0)
    clip = generate(params, 12.0)
    lm = clip.landmarks.copy()
    for s in clip.steps:
        if s.foot != "left":  # side-left view: the left leg is the near one
            continue
        i = round(s.contact_t * clip.fps)
        for j in range(max(0, i - 2), min(len(lm), i + 3)):
            for near, far in _FAR_LEG:
                lm[j, far] = lm[j, near]
    a = _analyze(replace(clip, landmarks=lm))
    feet = [e.foot for e in a.events if e.kind == "contact"]
    assert all(x != y for x, y in pairwise(feet)), feet
    found = np.array([e.t_s for e in a.events if e.kind == "contact"])
    truth = [s.contact_t for s in clip.steps if 1.5 < s.contact_t < clip.timestamps[-1] - 0.5]
    missed = [t for t in truth if np.min(np.abs(found - t)) * clip.fps > 1.5]
    assert missed == []
