"""Gait analysis on the stored MediaPipe landmarks of the shared real clips (no model)."""

from __future__ import annotations

import json
from pathlib import Path

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
LABELS: dict[str, list[int]] = {
    name: clip["contacts"] for name, clip in json.loads(LABELS_PATH.read_text())["clips"].items()
}
#: Contacts (and their cadence) must match the labels within these.
FRAME_TOLERANCE = 2.0
CADENCE_TOLERANCE_SPM = 2.0


def _labelled_span(name: str, rep: Report) -> tuple[np.ndarray, np.ndarray]:
    """The labels, and the report's contacts (frames) within the labelled stretch."""
    labels = np.array(LABELS[name], dtype=np.float64)
    found = np.array([c.t * rep.fps for c in rep.contacts])
    lo, hi = labels[0] - FRAME_TOLERANCE, labels[-1] + FRAME_TOLERANCE
    return labels, found[(found >= lo) & (found <= hi)]


def test_three_clips_or_more_are_labelled() -> None:
    assert len(LABELS) >= 3 and all(len(v) >= 10 for v in LABELS.values())


@pytest.mark.parametrize("name", sorted(LABELS))
def test_every_labelled_contact_is_found_within_two_frames(shared_data: Path, name: str) -> None:
    labels, found = _labelled_span(name, report(shared_data, name))
    assert found.size
    worst = max(float(np.min(np.abs(found - lab))) for lab in labels)
    assert worst <= FRAME_TOLERANCE, (name, labels, np.round(found, 1))


@pytest.mark.parametrize("name", sorted(LABELS))
def test_no_contact_away_from_a_label(shared_data: Path, name: str) -> None:
    labels, found = _labelled_span(name, report(shared_data, name))
    extra = [f for f in found if np.min(np.abs(labels - f)) > FRAME_TOLERANCE]
    assert extra == [], (name, extra)


@pytest.mark.parametrize("name", sorted(LABELS))
def test_cadence_from_contacts_matches_the_labels(shared_data: Path, name: str) -> None:
    """Every labelled clip is a side view with its feet in frame: cadence comes from the
    contacts, within 2 steps/min of the labels' own cadence."""
    rep = report(shared_data, name)
    labels = LABELS[name]
    truth = running_cadence([f / rep.fps for f in labels], [i % 2 for i in range(len(labels))])
    assert truth is not None
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


@pytest.mark.parametrize("name", sorted(LABELS))
def test_analyze_cadence_is_the_stored_sessions(shared_data: Path, name: str) -> None:
    """Cadence from contacts is computed on the steps a stored session keeps: ``analyze``
    and the session list / one-page report show the same figure (not 168 beside 169)."""
    rep = report(shared_data, name)
    stored = steps_cadence([(s.t, s.foot) for s in rep.strides])
    assert rep.cadence_source == "contacts"
    assert stored is not None and rep.cadence_spm == pytest.approx(stored, abs=1e-9)
