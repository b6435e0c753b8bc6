"""The int8 landmark model against gait truth, through the whole product path (engine,
tracking, smoothing, gait report), held to the same tolerances as the float model.

Truth on the shared clips: treadmill_side_male_gt's cadence is 168.9 ± 0.5 steps/min
(measured from raw pixels, its groundtruth.json); treadmill_side_overstride_A was judged by
eye to overstride and treadmill_side_good_A (same runner and room) not to. The tolerances
are those the gait tests hold MediaPipe's own landmarks to (tests/gait/test_real_clips.py):
cadence within 1.0 step/min of the truth (the truth's ±0.5 plus a 30 fps clip's timing),
overstride at least 0.2 on the overstriding clip and under 0.15 on the good one, the
overstride cue raised on the first only, at most two cues per clip.

These are gait outcomes, not landmark distances to the float model: the float model cannot
repeat its own landmarks to a tight bar (±1 grey level of input noise moves them by 0.03
torso lengths at p95), while a cadence or an overstride verdict is stable on any CPU.
Run with -s for the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edge.config.root import Config
from edge.gait.report import Report, analyze_landmarks
from edge.offline.analyze import run_pose_on_video

pytestmark = [pytest.mark.data, pytest.mark.model, pytest.mark.slow]

CADENCE_TRUTH_SPM = 168.9
CADENCE_TOLERANCE_SPM = 1.0
OVERSTRIDE_YES = 0.2
OVERSTRIDE_NO = 0.15
MAX_CUES = 2

_reports: dict[tuple[str, str], Report] = {}


def report(shared_data: Path, clip: str, landmark_model: str) -> Report:
    key = (clip, landmark_model)
    if key not in _reports:
        config = Config.model_validate({"pose": {"landmark_model": landmark_model}})
        video = shared_data / "videos" / f"{clip}.mp4"
        lm, info = run_pose_on_video(video, config, progress=False)
        rep = analyze_landmarks(lm, info.fps, aspect=info.width / info.height)
        _reports[key] = rep
        raised = sorted(a.rule for a in rep.alerts if a.state == "raised")
        over = rep.summary.overstride.value
        print(
            f"{landmark_model:5s} {clip:30s} cadence {rep.cadence_spm} overstride {over} "
            f"cues {raised}",
            file=sys.stderr,
        )
    return _reports[key]


@pytest.fixture(params=["float", "int8"])
def landmark_model(request: pytest.FixtureRequest, model_paths: dict[str, Path]) -> str:
    return str(request.param)


def test_male_gt_cadence_matches_the_truth(shared_data: Path, landmark_model: str) -> None:
    rep = report(shared_data, "treadmill_side_male_gt", landmark_model)
    assert rep.cadence_spm == pytest.approx(CADENCE_TRUTH_SPM, abs=CADENCE_TOLERANCE_SPM)


def test_overstride_on_the_overstriding_clip_only(shared_data: Path, landmark_model: str) -> None:
    over = report(shared_data, "treadmill_side_overstride_A", landmark_model)
    good = report(shared_data, "treadmill_side_good_A", landmark_model)
    o, g = over.summary.overstride.value, good.summary.overstride.value
    assert o is not None and g is not None
    assert o >= OVERSTRIDE_YES
    assert g < OVERSTRIDE_NO
    assert "overstride" in [a.rule for a in over.alerts if a.state == "raised"]
    assert "overstride" not in [a.rule for a in good.alerts if a.state == "raised"]


@pytest.mark.parametrize(
    "clip", ["treadmill_side_male_gt", "treadmill_side_overstride_A", "treadmill_side_good_A"]
)
def test_few_cues(shared_data: Path, landmark_model: str, clip: str) -> None:
    rep = report(shared_data, clip, landmark_model)
    assert len([a for a in rep.alerts if a.state == "raised"]) <= MAX_CUES
