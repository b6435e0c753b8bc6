"""The synthetic runner: its landmarks carry the ground truth they claim to."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.gait.synthetic import (
    RunnerParams,
    advance_phase,
    generate,
    generate_schedule,
    pose_at,
    pose_at_phase,
)
from edge.gait.synthetic_body import LEG_M
from edge.landmarks import LEFT_RIGHT_PAIRS, Landmark

L = Landmark


def _leg_length(p: np.ndarray, aspect: float) -> float:
    xy = p[:, :2].astype(np.float64) * [aspect, 1.0]
    return float(
        np.hypot(*(xy[L.LEFT_HIP] - xy[L.LEFT_KNEE]))
        + np.hypot(*(xy[L.LEFT_KNEE] - xy[L.LEFT_ANKLE]))
    )


@pytest.mark.parametrize("view", ["side-left", "side-right"])
@pytest.mark.parametrize("overstride", [0.05, 0.25])
def test_overstride_at_contact_is_the_parameter(view: str, overstride: float) -> None:
    params = RunnerParams(view=view, overstride=overstride)  # type: ignore[arg-type]
    facing = -1.0 if view == "side-left" else 1.0
    for k in range(4):  # right foot lands at integer phases, left at half-integers
        p = pose_at_phase(k / 2.0, params)
        heel = L.RIGHT_HEEL if k % 2 == 0 else L.LEFT_HEEL
        hip_x = 0.5 * (p[L.LEFT_HIP, 0] + p[L.RIGHT_HIP, 0])
        dx = facing * (p[heel, 0] - hip_x) * params.aspect
        assert dx / _leg_length(p, params.aspect) == pytest.approx(overstride, abs=1e-4)


def test_trunk_lean_head_pitch_and_elbow_are_the_parameters() -> None:
    params = RunnerParams(view="side-right", trunk_lean_deg=9.0, head_pitch_deg=12.0)
    p = pose_at_phase(0.3, params).astype(np.float64)
    a = params.aspect
    sh = 0.5 * (p[L.LEFT_SHOULDER, :2] + p[L.RIGHT_SHOULDER, :2]) * [a, 1]
    hip = 0.5 * (p[L.LEFT_HIP, :2] + p[L.RIGHT_HIP, :2]) * [a, 1]
    lean = math.degrees(math.atan2(sh[0] - hip[0], hip[1] - sh[1]))
    assert lean == pytest.approx(9.0, abs=1e-3)
    ear = 0.5 * (p[L.LEFT_EAR, :2] + p[L.RIGHT_EAR, :2]) * [a, 1]
    nose = p[L.NOSE, :2] * [a, 1]
    below = math.degrees(math.atan2(nose[1] - ear[1], nose[0] - ear[0]))
    assert below - 15.0 == pytest.approx(12.0, abs=1e-3)
    s, e, w = (p[i, :2] * [a, 1] for i in (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST))
    v1, v2 = s - e, w - e
    ang = math.degrees(math.acos(v1 @ v2 / np.linalg.norm(v1) / np.linalg.norm(v2)))
    assert ang == pytest.approx(90.0, abs=1e-3)


def test_contact_schedule_and_duty_factor() -> None:
    params = RunnerParams(cadence_spm=180.0, fps=120.0)
    clip = generate(params, 4.0)
    times = [s.contact_t for s in clip.steps]
    assert np.allclose(np.diff(times), 60.0 / 180.0)
    assert [s.foot for s in clip.steps[:4]] == ["right", "left", "right", "left"]
    # the heel is at its most forward point (relative to the hips) at each contact
    step = clip.steps[2]
    i = round(step.contact_t * params.fps)
    heel = L.LEFT_HEEL if step.foot == "left" else L.RIGHT_HEEL
    hip = 0.5 * (clip.clean[:, L.LEFT_HIP, 0] + clip.clean[:, L.RIGHT_HIP, 0])
    fwd = -(clip.clean[:, heel, 0] - hip)  # side-left: forward is image-left
    assert int(np.argmax(fwd[i - 20 : i + 21])) == 20
    assert step.toe_off_t - step.contact_t == pytest.approx(params.contact_time_s)


def test_noise_dropout_and_swaps_are_seeded_and_applied() -> None:
    params = RunnerParams(noise=0.003, dropout=0.1, swap_prob=0.2, seed=7)
    a = generate(params, 5.0)
    b = generate(params, 5.0)
    assert np.array_equal(a.landmarks, b.landmarks, equal_nan=True)
    nan_rows = np.isnan(a.landmarks[:, 0, 0])
    assert 0.05 < nan_rows.mean() < 0.15
    ok = ~nan_rows & ~a.swapped
    err = a.landmarks[ok, :, :2] - a.clean[ok, :, :2]
    assert float(err.std()) == pytest.approx(0.003, rel=0.1)
    sw = a.swapped & ~nan_rows
    assert 0.1 < a.swapped.mean() < 0.3
    left, right = LEFT_RIGHT_PAIRS[-1]
    assert np.allclose(a.landmarks[sw, left, :2], a.clean[sw, right, :2], atol=0.02)


def test_phase_is_continuous_across_parameter_changes() -> None:
    slow, fast = RunnerParams(cadence_spm=160.0), RunnerParams(cadence_spm=185.0)
    phase = advance_phase(0.0, 10.0, slow)
    assert phase == pytest.approx(10.0 * 160.0 / 120.0)
    before = pose_at_phase(phase, slow)
    after = pose_at_phase(advance_phase(phase, 1 / 30, fast), fast)
    # one frame later the body has moved a little, not jumped
    assert float(np.abs(after[:, :2] - before[:, :2]).max()) < 0.05
    clip = generate_schedule([(slow, 3.0), (fast, 3.0)])
    jumps = np.abs(np.diff(clip.clean[:, :, :2], axis=0)).max(axis=(1, 2))
    assert float(jumps.max()) < 0.06
    assert clip.params_at(4.0) == fast
    assert pose_at(0.5, slow).shape == (33, 4)


def test_units_leg_length_in_the_frame() -> None:
    p = pose_at_phase(0.25, RunnerParams())
    scale = 0.6 * 720 / 1.75  # px per metre for the default body height
    assert _leg_length(p, 1280 / 720) * 720 == pytest.approx(LEG_M * scale, rel=0.02)


@pytest.mark.parametrize("view", ["side-left", "side-right"])
def test_a_good_runner_lands_with_the_shank_near_vertical_and_the_knee_bent(view: str) -> None:
    """As on the real side clips (good: shank -2 deg, knee 13 deg; overstrider: shank +5 deg,
    knee 23 deg), the demo's clean runner (heel 0.05 leg lengths ahead) lands inside the
    shank's and the knee's normal ranges, and an overstrider's shank leans further forward."""
    from dataclasses import replace

    from edge.gait.ranges import band
    from edge.gait.report import analyze_landmarks

    shank = {}
    for overstride in (0.05, 0.30):
        params = replace(RunnerParams(), view=view, overstride=overstride, fps=30.0)  # type: ignore[arg-type]
        clip = generate(params, 12.0)
        summary = analyze_landmarks(clip.landmarks, clip.fps, aspect=params.aspect).summary
        shank[overstride] = summary.shank_angle_deg.value
        knee = summary.knee_flexion_deg.value
        assert shank[overstride] is not None and knee is not None
        assert band("knee_flexion_deg", knee) == "green", knee
    assert band("shank_angle_deg", shank[0.05]) == "green", shank
    assert shank[0.30] > shank[0.05] + 5.0
