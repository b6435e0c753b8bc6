"""Landmark decoding: heatmap refinement against a direct loop, One-Euro smoothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.pose.landmarker import HeatmapRefiner
from edge.pose.smoothing import LandmarkSmoother, OneEuroFilter, OneEuroParams, object_scale


def _refine_by_loop(xy: np.ndarray, hm: np.ndarray, kernel: int, min_conf: float) -> np.ndarray:
    """The refinement written as the plain per-landmark loop it vectorises."""
    size = hm.shape[0]
    half = (kernel - 1) // 2
    out = xy.copy()
    for i in range(xy.shape[0]):
        col, row = int(xy[i, 0] * size), int(xy[i, 1] * size)
        if not (0 <= col < size and 0 <= row < size):
            continue
        total = peak = wx = wy = 0.0
        for r in range(max(0, row - half), min(size, row + half + 1)):
            for c in range(max(0, col - half), min(size, col + half + 1)):
                conf = 1 / (1 + math.exp(-float(hm[r, c, i])))
                total += conf
                peak = max(peak, conf)
                wx += c * conf
                wy += r * conf
        if peak >= min_conf and total > 0:
            out[i] = (wx / size / total, wy / size / total)
    return out


def test_heatmap_refinement_matches_loop() -> None:
    rng = np.random.default_rng(3)
    n, size = 35, 64
    hm = rng.normal(-3.0, 2.0, (size, size, 39)).astype(np.float32)
    xy = rng.uniform(-0.05, 1.05, (n, 2)).astype(np.float32)
    xy[0] = (0.0, 0.0)  # corner: window clipped
    xy[1] = (0.999, 0.5)
    # a confident blob near landmark 2
    hm[30:33, 40:43, 2] = 6.0
    xy[2] = (41.2 / size, 31.7 / size)
    expected = _refine_by_loop(xy, hm, 7, 0.5)
    got = xy.copy()
    HeatmapRefiner(n, size).refine(got, hm, 0.5)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert got[2] == pytest.approx([41 / size, 31 / size], abs=0.01)


def test_refinement_skips_unconfident() -> None:
    hm = np.full((64, 64, 39), -10.0, np.float32)
    xy = np.array([[0.5, 0.5]], np.float32)
    HeatmapRefiner(1, 64).refine(xy, hm, 0.5)
    np.testing.assert_array_equal(xy, [[0.5, 0.5]])


def test_one_euro_constant_and_step() -> None:
    f = OneEuroFilter((1,), OneEuroParams(min_cutoff=1.0, beta=0.0))
    for i in range(10):
        out = f.apply(np.array([5.0]), i / 30, 1.0)
    assert out[0] == pytest.approx(5.0)
    # a step is followed by an exponential approach with alpha from the cutoff
    te, tau = 1 / 30, 1 / (2 * math.pi * 1.0)
    alpha = 1 / (1 + tau / te)
    out = f.apply(np.array([6.0]), 10 / 30, 1.0)
    assert out[0] == pytest.approx(5.0 + alpha, rel=1e-6)


def test_one_euro_fast_motion_follows_closely() -> None:
    slow = OneEuroFilter((1,), OneEuroParams(min_cutoff=0.1, beta=0.0))
    fast = OneEuroFilter((1,), OneEuroParams(min_cutoff=0.1, beta=40.0))
    for i in range(30):
        v = np.array([float(i) * 10])
        a = slow.apply(v.copy(), i / 30, 0.01)[0]
        b = fast.apply(v.copy(), i / 30, 0.01)[0]
    assert abs(b - 290) < 0.2 * abs(a - 290)


def test_one_euro_ignores_non_increasing_time() -> None:
    f = OneEuroFilter((1,), OneEuroParams(min_cutoff=1.0, beta=0.0))
    f.apply(np.array([1.0]), 1.0, 1.0)
    out = f.apply(np.array([9.0]), 1.0, 1.0)
    assert out[0] == 9.0  # passed through, not filtered


def test_smoother_is_scale_invariant() -> None:
    """The same motion at twice the size is smoothed the same (speed ÷ body size)."""
    rng = np.random.default_rng(0)
    base = rng.random((33, 3)).astype(np.float32) * 0.2 + 0.4
    outs = []
    for k in (1.0, 2.0):
        s = LandmarkSmoother(33, OneEuroParams(0.1, 40.0), smooth_visibility=False)
        last = None
        for i in range(15):
            pts = ((base - 0.5) * k + 0.5 + 0.01 * k * math.sin(i)).astype(np.float32)
            s.apply(pts, i / 30, 640, 480, scale_px=200.0 * k)
            last = (pts - 0.5) / k
        outs.append(last)
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)


def test_visibility_low_pass() -> None:
    s = LandmarkSmoother(1, OneEuroParams(0.1, 40.0), smooth_visibility=True)
    vis = np.array([1.0], np.float32)
    s.apply(np.zeros((1, 3), np.float32), 0.0, 100, 100, 50.0, vis)
    vis2 = np.array([0.0], np.float32)
    s.apply(np.zeros((1, 3), np.float32), 0.1, 100, 100, 50.0, vis2)
    assert vis2[0] == pytest.approx(0.9)  # 10 % of the new value per frame


def test_object_scale() -> None:
    aux = np.array([[0.5, 0.5], [0.5, 0.25]], np.float32)  # scale point 0.25 × 400 px up
    assert object_scale(aux, 640, 400) == pytest.approx(200.0)
