"""Choosing the runner: belt zone, running motion, switching rules."""

from __future__ import annotations

import numpy as np
import pytest

from edge.pose.config import BeltZone
from edge.pose.detector import Detection
from edge.pose.runner_lock import Candidate, MotionHistory, RunnerLock, in_zone, legs_region


def _det(hip: tuple[float, float], score: float = 0.9) -> Detection:
    kp = np.array([hip, (hip[0], hip[1] - 0.2), hip, hip], np.float32)
    return Detection(box=(0, 0, 1, 1), score=score, keypoints=kp)


def _frames_with_moving_patch(n: int, x0: int, static_x0: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(n):
        f = np.full((240, 320, 3), 90, np.uint8)
        f[150:230, x0 : x0 + 60] = rng.integers(0, 255, (80, 60, 3), dtype=np.uint8)  # legs move
        f[150:230, static_x0 : static_x0 + 60] = 200  # a person standing still
        frames.append(f)
    return frames


def test_motion_energy_tells_runner_from_standing_person() -> None:
    motion = MotionHistory()
    assert not motion.ready and motion.energy(0, 0, 1, 1) == 0.0
    for f in _frames_with_moving_patch(5, x0=40, static_x0=220):
        motion.push(f)
    assert motion.ready
    runner = motion.energy(40 / 320, 150 / 240, 100 / 320, 230 / 240)
    standing = motion.energy(220 / 320, 150 / 240, 280 / 320, 230 / 240)
    assert runner > 40 and standing == 0.0


def test_choose_prefers_motion_then_score() -> None:
    lock = RunnerLock(None)
    runner = Candidate(_det((0.3, 0.5), score=0.6), motion=20.0)
    coach = Candidate(_det((0.7, 0.5), score=0.95), motion=1.0)
    assert lock.choose([coach, runner]) is runner
    # no motion history yet: the detector's score decides
    a = Candidate(_det((0.3, 0.5), score=0.6), motion=0.0)
    b = Candidate(_det((0.7, 0.5), score=0.95), motion=0.0)
    assert lock.choose([a, b]) is b
    assert lock.choose([]) is None


def test_switch_needs_clearly_more_motion() -> None:
    lock = RunnerLock(None)
    other = Candidate(_det((0.3, 0.5)), motion=15.0)
    assert lock.should_switch(5.0, other)
    assert not lock.should_switch(9.0, other)  # 15 < 2 × 9
    assert lock.should_switch(9.0, other, ratio=1.2)  # first choice without evidence
    assert not lock.should_switch(0.0, Candidate(_det((0.3, 0.5)), motion=1.0))  # noise


def test_belt_zone_filters_candidates() -> None:
    zone = BeltZone(x_min=0.2, y_min=0.2, x_max=0.5, y_max=0.8)
    assert in_zone(zone, 0.3, 0.5) and not in_zone(zone, 0.7, 0.5) and in_zone(None, 5, 5)
    lock = RunnerLock(zone)
    motion = MotionHistory()
    cands = lock.candidates([_det((0.3, 0.5)), _det((0.7, 0.5))], motion, 640, 480)
    assert [c.detection.hip_center for c in cands] == [pytest.approx((0.3, 0.5))]


def test_legs_region_is_below_the_hips() -> None:
    x0, y0, x1, y1 = legs_region((0.5, 0.5), (0.5, 0.3), 640, 480)
    assert y0 == pytest.approx(0.5) and y1 == pytest.approx(0.7)  # one hip-to-scale distance
    assert x0 < 0.5 < x1
