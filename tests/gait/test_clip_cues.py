"""A short clip is judged on all its confident strides, and every rule says why it raised
no cue: synthetic runners with known overstride at several speeds and camera placements."""

from __future__ import annotations

import pytest

from edge.gait.clip_cues import CLIP_MIN_STRIDES, judge_clip
from edge.gait.config import AlertsConfig
from edge.gait.records import MetricValue, StrideRecord
from edge.gait.report import Report, analyze_landmarks
from edge.gait.synthetic import RunnerParams, generate

#: (center_y, height_frac): the runner high or low in the frame, near or far from the camera
PLACEMENTS = ((0.45, 0.6), (0.6, 0.5), (0.5, 0.75))


def _clip(cadence: float, overstride: float, placement: tuple[float, float]) -> Report:
    cy, hf = placement
    p = RunnerParams(
        fps=60.0,
        noise=0.002,
        seed=2,
        cadence_spm=cadence,
        overstride=overstride,
        center_y=cy,
        height_frac=hf,
    )
    return analyze_landmarks(generate(p, 7.0).landmarks, p.fps, aspect=p.aspect)


def _verdict(rep: Report, rule: str):  # type: ignore[no-untyped-def]
    return next(v for v in rep.cues if v.rule == rule)


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_a_seven_second_overstrider_is_named(placement: tuple[float, float]) -> None:
    """Heel 0.3 leg lengths ahead at 150 steps/min: a 7 s phone clip names the fault with
    how many strides showed it, and it is the clip's one cue."""
    rep = _clip(150.0, 0.3, placement)
    assert rep.cue_policy == "clip"
    assert rep.summary.overstride.value == pytest.approx(0.3, abs=0.03)
    v = _verdict(rep, "overstride")
    assert v.raised and v.strides_past >= CLIP_MIN_STRIDES
    assert f"on {v.strides_past} of {v.strides_confident} confident strides" in v.reason
    assert [a.rule for a in rep.alerts if a.state == "raised"] == ["overstride"]


@pytest.mark.parametrize("cadence", [150.0, 165.0, 180.0])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_landing_under_the_hips_is_not_cued(cadence: float, placement: tuple[float, float]) -> None:
    rep = _clip(cadence, 0.03, placement)
    assert rep.summary.overstride.value == pytest.approx(0.03, abs=0.03)
    v = _verdict(rep, "overstride")
    assert not v.raised
    assert v.reason.startswith("below the cue's threshold")


def test_heel_ahead_at_a_quick_cadence_alone_is_no_fault() -> None:
    """The overstride rule asks for a second sign (forward shank, straight knee or a low
    cadence); the synthetic runner lands with a near-vertical shank: at 180 steps/min the
    heel ahead alone raises nothing, and the verdict says the threshold was not reached."""
    rep = _clip(180.0, 0.3, PLACEMENTS[0])
    assert rep.summary.overstride.value == pytest.approx(0.3, abs=0.03)
    v = _verdict(rep, "overstride")
    assert not v.raised and "below the cue's threshold" in v.reason


def _strides(values: list[float], conf: float) -> list[StrideRecord]:
    return [
        StrideRecord(
            index=i,
            foot="left" if i % 2 else "right",
            frame_index=10 * i,
            t_s=0.35 * i,
            metrics={"overstride_landing": MetricValue(v, "signs", conf)},
        )
        for i, v in enumerate(values)
    ]


def test_why_no_cue() -> None:
    cfg = AlertsConfig()
    by = {v.rule: v for v in judge_clip(_strides([2.0] * 10, 0.2), cfg)}
    assert not by["overstride"].raised and by["overstride"].reason.startswith("low confidence")
    by = {v.rule: v for v in judge_clip(_strides([2.0] * 3, 0.9), cfg)}
    assert not by["overstride"].raised and by["overstride"].reason.startswith("too few strides")
    by = {v.rule: v for v in judge_clip(_strides([2.0] * 5 + [0.0] * 5, 0.9), cfg)}
    assert not by["overstride"].raised  # half the strides: not most of them
    by = {v.rule: v for v in judge_clip(_strides([2.0] * 7 + [0.0] * 3, 0.9), cfg)}
    assert by["overstride"].raised and by["overstride"].past == 7
    assert by["head_pitch_deg"].reason.startswith("not measured")
    off = AlertsConfig.model_validate({"overstride": {"enabled": False}})
    by = {v.rule: v for v in judge_clip(_strides([2.0] * 10, 0.9), off)}
    assert not by["overstride"].raised and by["overstride"].reason == "cue turned off"
