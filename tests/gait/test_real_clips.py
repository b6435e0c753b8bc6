"""Gait analysis on the stored MediaPipe landmarks of the shared real clips (no model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge.gait.cadence import running_cadence, steps_cadence
from edge.gait.commands import load_landmark_file
from edge.gait.report import Report, analyze_landmarks

pytestmark = pytest.mark.data

CLIPS = (
    "treadmill_side_lab_slowmo",
    "treadmill_side_male_gt",
    "treadmill_side_overstride_A",
    "treadmill_side_good_A",
    "treadmill_front_oblique",
    "front_jog_single",
    "treadmill_curved_side_2people",
)
#: The lab clip is played back ~8–9x slower than it was filmed at 29.97 fps: 8.5x.
SLOWMO_CAPTURE_FPS = 255.0

_cache: dict[tuple[str, float | None], Report] = {}


def report(shared_data: Path, name: str, capture_fps: float | None = None) -> Report:
    key = (name, capture_fps)
    if key not in _cache:
        lm, fps, aspect = load_landmark_file(shared_data / "reference" / f"{name}.mediapipe.npz")
        _cache[key] = analyze_landmarks(lm, fps, capture_fps=capture_fps, aspect=aspect)
    return _cache[key]


@pytest.mark.parametrize("name", CLIPS)
def test_every_clip_runs(shared_data: Path, name: str) -> None:
    rep = report(shared_data, name)
    lm, _, _ = load_landmark_file(shared_data / "reference" / f"{name}.mediapipe.npz")
    assert rep.frames == lm.shape[0]
    assert rep.view is not None
    for metric in rep.summary.model_dump().values():
        assert metric["value"] is not None or metric["reason"], metric
        if metric["value"] is not None:
            assert np.isfinite(metric["value"])


def test_male_gt_cadence_and_contact_time(shared_data: Path) -> None:
    rep = report(shared_data, "treadmill_side_male_gt")
    assert rep.view == "side-left"  # the runner faces image-left
    assert rep.cadence_spm == pytest.approx(168.9, abs=2.0)
    assert rep.cadence_periodicity_spm == pytest.approx(168.9, abs=2.0)
    ct = rep.summary.contact_time_ms
    assert ct.value is not None and 180.0 <= ct.value <= 320.0
    assert ct.reason is not None and "approximate" in ct.reason  # 30 fps
    duty = rep.summary.duty_factor.value
    assert duty is not None and duty < 0.5


def test_overstride_pair(shared_data: Path) -> None:
    over = report(shared_data, "treadmill_side_overstride_A").summary.overstride
    good = report(shared_data, "treadmill_side_good_A").summary.overstride
    assert over.value is not None and good.value is not None
    assert over.value > good.value + 0.1
    assert over.value >= 0.2  # a clear overstride by the default rule
    assert good.value < 0.15


def test_front_view_gives_arms_and_head_not_overstride(shared_data: Path) -> None:
    rep = report(shared_data, "front_jog_single")
    assert rep.view in ("front", "rear") and rep.view_class in ("front", "rear")
    assert rep.summary.arm_crossover.value is not None
    assert rep.summary.head.value is not None
    assert rep.summary.overstride.value is None
    assert rep.summary.overstride.reason == "needs a side view (camera beside the treadmill)"


def test_oblique_clip_with_feet_cut_off(shared_data: Path) -> None:
    """treadmill_front_oblique: the runner faces image-left ~25-30 deg off the side view
    (seen in its frames), the shins are cut by the frame's bottom edge. It is an oblique
    side view: trunk and head are measured, with lower confidence than in a side view, and
    nothing at foot contact (the model guesses the feet at the frame's edge)."""
    rep = report(shared_data, "treadmill_front_oblique")
    assert rep.view_class == "oblique-side" and rep.view == "side-left"
    assert rep.view_yaw_deg is not None and 20.0 <= rep.view_yaw_deg <= 40.0
    assert rep.summary.trunk_lean_deg.value is not None
    assert rep.summary.head.value is not None
    assert rep.summary.arm_crossover.value is not None
    assert rep.summary.overstride.value is None
    assert rep.summary.overstride.reason is not None
    assert "frame's bottom edge" in rep.summary.overstride.reason
    feet = next(c for c in rep.checks if c.name == "feet_in_frame")
    assert not feet.ok
    side = report(shared_data, "treadmill_side_good_A")
    assert rep.summary.trunk_lean_deg.confidence < side.summary.trunk_lean_deg.confidence


def test_slow_motion_with_capture_fps_gives_a_running_cadence(shared_data: Path) -> None:
    rep = report(shared_data, "treadmill_side_lab_slowmo", SLOWMO_CAPTURE_FPS)
    assert rep.capture_fps == SLOWMO_CAPTURE_FPS
    assert rep.cadence_spm is not None and 140.0 <= rep.cadence_spm <= 200.0
    # without the capture rate the same clip is a nonsense cadence
    slow = report(shared_data, "treadmill_side_lab_slowmo")
    assert slow.cadence_spm is None or slow.cadence_spm < 100.0
    # ... and the report says what to do about it
    check = next(c for c in slow.checks if c.name == "cadence_plausible")
    assert not check.ok and "--capture-fps" in check.detail
    ok = next(c for c in rep.checks if c.name == "cadence_plausible")
    assert ok.ok and rep.capture_fps_source == "option"


def test_portrait_clip_needs_square_coordinates(shared_data: Path) -> None:
    lm, fps, aspect = load_landmark_file(
        shared_data / "reference" / "treadmill_side_male_gt.mediapipe.npz"
    )
    assert aspect == pytest.approx(720 / 1280)
    squared = report(shared_data, "treadmill_side_male_gt").summary.trunk_lean_deg.value
    raw = analyze_landmarks(lm, fps, view="side-left", aspect=1.0).summary.trunk_lean_deg.value
    assert squared is not None and raw is not None
    assert abs(squared) < 20.0
    assert abs(raw - squared) > 1.0  # ignoring the aspect ratio bends every angle


@pytest.mark.parametrize(
    "name", ["treadmill_side_male_gt", "treadmill_side_good_A", "treadmill_side_overstride_A"]
)
def test_few_cues_and_overstride_only_where_it_is(shared_data: Path, name: str) -> None:
    """Coaches cue one or two things: at most 2 cues per clip; overstride is cued on the
    clip judged to overstride and not on the same runner's good clip."""
    rep = report(shared_data, name)
    raised = [a.rule for a in rep.alerts if a.state == "raised"]
    assert len(raised) <= 2, raised
    if name == "treadmill_side_overstride_A":
        assert "overstride" in raised
    else:
        assert "overstride" not in raised


def test_male_gt_cadence_within_one_step_per_minute(shared_data: Path) -> None:
    assert report(shared_data, "treadmill_side_male_gt").cadence_spm == pytest.approx(
        168.9, abs=1.0
    )


# --- hand-labelled contacts -------------------------------------------------------------

LABELS_PATH = Path(__file__).parent / "data" / "contact_labels.json"
_LABEL_DATA: dict[str, dict[str, Any]] = json.loads(LABELS_PATH.read_text())["clips"]
LABELS: dict[str, list[int]] = {name: clip["contacts"] for name, clip in _LABEL_DATA.items()}
#: Clips held to our own pose engine's landmarks (MediaPipe's reference is on someone else).
OURS = frozenset(name for name, clip in _LABEL_DATA.items() if clip.get("landmarks") == "ours")
#: Contacts (and their cadence) must match the labels within these.
FRAME_TOLERANCE = 2.0
CADENCE_TOLERANCE_SPM = 2.0

_ours: dict[str, Report] = {}


def labelled_params() -> list[Any]:
    """The labelled clips; those held to our pose engine need the model and are slow."""
    return [
        pytest.param(name, marks=(pytest.mark.model, pytest.mark.slow)) if name in OURS else name
        for name in sorted(LABELS)
    ]


def labelled_report(shared_data: Path, name: str, request: pytest.FixtureRequest) -> Report:
    """The clip's report from the landmarks its labels are held to."""
    if name not in OURS:
        return report(shared_data, name)
    if name not in _ours:
        from edge.config.root import Config
        from edge.offline.analyze import run_pose_on_video

        request.getfixturevalue("model_paths")  # the fetched models, or skip
        lm, info = run_pose_on_video(shared_data / "videos" / f"{name}.mp4", Config(), False)
        _ours[name] = analyze_landmarks(lm, info.fps, aspect=info.width / info.height)
    return _ours[name]


def _labelled_span(name: str, rep: Report) -> tuple[np.ndarray, np.ndarray]:
    """The labels, and the report's contacts (frames) within the labelled stretch."""
    labels = np.array(LABELS[name], dtype=np.float64)
    found = np.array([c.t * rep.fps for c in rep.contacts])
    lo, hi = labels[0] - FRAME_TOLERANCE, labels[-1] + FRAME_TOLERANCE
    return labels, found[(found >= lo) & (found <= hi)]


def test_four_clips_or_more_are_labelled() -> None:
    assert len(LABELS) >= 4 and all(len(v) >= 10 for v in LABELS.values())


@pytest.mark.parametrize("name", labelled_params())
def test_every_labelled_contact_is_found_within_two_frames(
    shared_data: Path, name: str, request: pytest.FixtureRequest
) -> None:
    labels, found = _labelled_span(name, labelled_report(shared_data, name, request))
    assert found.size
    worst = max(float(np.min(np.abs(found - lab))) for lab in labels)
    assert worst <= FRAME_TOLERANCE, (name, labels, np.round(found, 1))


@pytest.mark.parametrize("name", labelled_params())
def test_no_contact_away_from_a_label(
    shared_data: Path, name: str, request: pytest.FixtureRequest
) -> None:
    labels, found = _labelled_span(name, labelled_report(shared_data, name, request))
    extra = [f for f in found if np.min(np.abs(labels - f)) > FRAME_TOLERANCE]
    assert extra == [], (name, extra)


#: The median signed error of the contacts against the labels, frames: no steady bias.
MEDIAN_BIAS_FRAMES = 0.4


@pytest.mark.parametrize("name", labelled_params())
def test_contacts_are_not_early_or_late_on_the_labels(
    shared_data: Path, name: str, request: pytest.FixtureRequest
) -> None:
    """The contacts sit on the labels with no steady bias (median within 0.4 frames; found
    -0.1 to 0.0). The synthetic runner with swing retraction lands with both the heel's
    horizontal speed (already the belt's) and its vertical speed (zero) continuous, so its
    contact leaves no mark in either signal and is found ~29 ms early: moving every contact
    that much later would put these real ones 0.8-0.9 frames late."""
    rep = labelled_report(shared_data, name, request)
    labels, found = _labelled_span(name, rep)
    err = [float(found[np.argmin(np.abs(found - lab))] - lab) for lab in labels]
    assert abs(float(np.median(err))) <= MEDIAN_BIAS_FRAMES, (name, np.round(err, 2))


#: The sprint's labelled stretch is 63 frames of 10 steps at ~285 steps/min: one frame at
#: either end is 4.5 steps/min, more than the bar, and the labels themselves are unsure by
#: about a frame there (motion blur). Our contacts are within 0.9 frames of every label but
#: give 281.7 against the labels' 285.7: held to the bar all the same, expected to miss it.
_CADENCE_BEYOND_LABEL_PRECISION = pytest.mark.xfail(
    strict=True, reason="a 63-frame stretch at 285 steps/min: 1 frame = 4.5 steps/min"
)


def cadence_params() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=(pytest.mark.model, pytest.mark.slow, _CADENCE_BEYOND_LABEL_PRECISION),
        )
        if name in OURS
        else name
        for name in sorted(LABELS)
    ]


@pytest.mark.parametrize("name", cadence_params())
def test_cadence_from_contacts_matches_the_labels(
    shared_data: Path, name: str, request: pytest.FixtureRequest
) -> None:
    """Over the labelled stretch, the contacts' cadence is within 2 steps/min of the
    labels' own. A clip run at one pace (the treadmill clips but the sprint) takes its
    cadence from the contacts, within 2 steps/min of the labels'."""
    rep = labelled_report(shared_data, name, request)
    labels = LABELS[name]
    truth = running_cadence([f / rep.fps for f in labels], [i % 2 for i in range(len(labels))])
    assert truth is not None
    _, found = _labelled_span(name, rep)
    feet = [c.foot for c in rep.contacts if labels[0] - 2 <= c.t * rep.fps <= labels[-1] + 2]
    got = running_cadence([f / rep.fps for f in found], feet)
    assert got is not None and got.spm == pytest.approx(truth.spm, abs=CADENCE_TOLERANCE_SPM)
    if name in OURS:
        return  # the sprint speeds up and slows down: its whole-clip cadence is not the stretch's
    assert rep.cadence_source == "contacts", rep.cadence_reason
    assert rep.cadence_spm == pytest.approx(truth.spm, abs=CADENCE_TOLERANCE_SPM)


def test_male_gt_labels_agree_with_its_ground_truth() -> None:
    """The hand labels' cadence is within 1 step/min of the pixel-measured 168.9 ± 0.5."""
    labels = LABELS["treadmill_side_male_gt"]
    got = running_cadence([f / 30.0 for f in labels], [i % 2 for i in range(len(labels))])
    assert got is not None and got.spm == pytest.approx(168.9, abs=1.0)


@pytest.mark.parametrize(
    ("name", "named"),
    [("treadmill_side_overstride_A", True), ("treadmill_side_good_A", False)],
)
def test_overstride_cue_from_the_clip_policy(shared_data: Path, name: str, named: bool) -> None:
    rep = report(shared_data, name)
    assert rep.cue_policy == "clip"
    verdict = next(v for v in rep.cues if v.rule == "overstride")
    assert verdict.raised is named, verdict.reason
    raised = [a.rule for a in rep.alerts if a.state == "raised"]
    assert ("overstride" in raised) is named
    if named:
        assert verdict.strides_past * 2 > verdict.strides_confident
        assert f"on {verdict.strides_past} of {verdict.strides_confident}" in verdict.reason
    else:
        assert verdict.reason.startswith("below the cue's threshold")


def test_feet_cut_off_take_cadence_from_the_bounce(shared_data: Path) -> None:
    rep = report(shared_data, "treadmill_front_oblique")
    assert rep.cadence_source == "bounce"
    assert "bottom edge" in rep.cadence_reason


@pytest.mark.parametrize("name", sorted(set(LABELS) - OURS))
def test_analyze_cadence_is_the_stored_sessions(shared_data: Path, name: str) -> None:
    """Cadence from contacts is computed on the steps a stored session keeps: ``analyze``
    and the session list / one-page report show the same figure (not 168 beside 169)."""
    rep = report(shared_data, name)
    stored = steps_cadence([(s.t, s.foot) for s in rep.strides])
    assert rep.cadence_source == "contacts"
    assert stored is not None and rep.cadence_spm == pytest.approx(stored, abs=1e-9)
