"""SSD anchors: count, layout and centres of the detector's 2254 anchors."""

from __future__ import annotations

import numpy as np

from edge.pose.anchors import AnchorOptions, generate_anchors


def test_anchor_count_and_layers() -> None:
    a = generate_anchors()
    # 28×28 cells × 2 + 14×14 × 2 + 7×7 × 6 (three stride-32 layers share one grid)
    assert a.shape == (28 * 28 * 2 + 14 * 14 * 2 + 7 * 7 * 6, 4) == (2254, 4)
    assert np.all(a[:, 2:] == 1.0)  # fixed anchor size


def test_anchor_centres() -> None:
    a = generate_anchors()
    np.testing.assert_allclose(a[0, :2], [0.5 / 28, 0.5 / 28], atol=1e-7)
    np.testing.assert_allclose(a[1, :2], a[0, :2])  # two anchors per cell
    np.testing.assert_allclose(a[2, :2], [1.5 / 28, 0.5 / 28], atol=1e-7)
    first_16 = 28 * 28 * 2
    np.testing.assert_allclose(a[first_16, :2], [0.5 / 14, 0.5 / 14], atol=1e-7)
    np.testing.assert_allclose(a[-1, :2], [6.5 / 7, 6.5 / 7], atol=1e-6)
    assert np.all((a[:, :2] > 0) & (a[:, :2] < 1))


def test_single_layer_options() -> None:
    a = generate_anchors(AnchorOptions(input_width=64, input_height=32, strides=(16,)))
    assert a.shape == (4 * 2 * 2, 4)
    np.testing.assert_allclose(np.unique(a[:, 0]), [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(np.unique(a[:, 1]), [0.25, 0.75])
