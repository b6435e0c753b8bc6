"""The PyTorch rebuild of the landmark network computes what the float model computes.

Needs the training extra (PyTorch): skipped where it is not installed, which is every
device and the default test environment (``make setup`` does not install it).

Parity is on what the engine reads, on real crops the engine makes from a shared clip:
landmarks normalized to the crop (x, y, z divided by 256; visibility and presence as
probabilities), heatmap confidences and the presence flag: max |diff| ≤ 1e-4. In the
model's raw units (landmarks in pixels up to ~250, heatmap logits up to ~90) two float32
implementations differ by up to ~1e-3 from summation order alone (the float model on
LiteRT is itself ~1e-3 from a float64 evaluation), which is why raw units are not the bar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models.train.crops import (  # noqa: E402
    FLAG_OUT,
    HEATMAP_OUT,
    LANDMARKS_OUT,
    Teacher,
    model_input,
)
from models.train.data import TrackedFrame, make_crops  # noqa: E402
from models.train.export import float32_trimmed  # noqa: E402
from models.train.rebuild import TfliteGraph  # noqa: E402

pytestmark = [pytest.mark.data, pytest.mark.model]

PARITY = 1e-4


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _engine_view(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    lm = out[LANDMARKS_OUT].reshape(-1, 39, 5).astype(np.float64)
    return {
        "landmarks": lm[..., :3] / 256.0,
        "visibility": _sigmoid(lm[..., 3:5]),
        "heatmap": _sigmoid(out[HEATMAP_OUT]),
        "flag": out[FLAG_OUT].astype(np.float64),
    }


@pytest.fixture(scope="module")
def crops(shared_data: Path) -> np.ndarray:
    # Hand-placed regions around the runner on frames of a side-view clip, rotated and
    # scaled as tracking makes them.
    frames = [
        TrackedFrame("treadmill_side_good_A.mp4", i, (0.5, 0.52, 0.9, 0.5 + 0.02 * k, rot))
        for k, (i, rot) in enumerate([(10, 0.0), (60, 0.2), (110, -0.3), (160, 0.1)])
    ]
    return model_input(np.stack([c for _, c in make_crops(frames, shared_data / "videos", 0, 0)]))


def test_rebuild_matches_the_float_model_on_real_crops(
    model_paths: dict[str, Path], crops: np.ndarray
) -> None:
    trimmed = float32_trimmed(model_paths["pose_landmark_full"].read_bytes())
    expected = Teacher(trimmed)(crops)
    net = TfliteGraph(trimmed).eval()
    with torch.no_grad():
        got = {k: v.numpy() for k, v in net(torch.from_numpy(crops).permute(0, 3, 1, 2)).items()}
    a, b = _engine_view(expected), _engine_view(got)
    for name in a:
        assert np.abs(a[name] - b[name]).max() <= PARITY, name
    # Not trivially equal: the model sees the person (presence high, landmarks spread).
    assert float(a["flag"].min()) > 0.5
    assert float(np.ptp(a["landmarks"][:, :33, 1])) > 0.3


def test_exported_int8_model_computes_what_the_fake_quant_graph_computes(
    model_paths: dict[str, Path], crops: np.ndarray
) -> None:
    """The export writes the simulated int8 network: every op int8 in the flatbuffer, and
    on LiteRT its landmark outputs are those of the fake-quant graph to within a step
    of its output's int8 grid at the median and 8 steps at p90 (measured here: 1 and 4;
    integer kernels round each requantization, the simulation rounds in float, and a
    rounding flip early in the network grows on its way out)."""
    pytest.importorskip("ai_edge_quantizer")
    from models.train.export import EDGE_OPS, export_arrays

    trimmed = float32_trimmed(model_paths["pose_landmark_full"].read_bytes())
    net = TfliteGraph(trimmed).eval()
    x = torch.from_numpy(crops).permute(0, 3, 1, 2)
    net.enable_fake_quant(net.observe_ranges(x))
    with torch.no_grad():
        simulated = net(x)[LANDMARKS_OUT].numpy()
    model = export_arrays(trimmed, net.quantized_weights(), net.activation_ranges())
    from models.quantize import op_precisions

    ops = op_precisions(model)
    assert all(op.int8 for op in ops if op.kind not in EDGE_OPS)
    assert sum(op.kind in EDGE_OPS for op in ops) == 4  # input in, three outputs out
    converted = Teacher(model)(crops)[LANDMARKS_OUT]
    lo, hi = net.activation_ranges()[LANDMARKS_OUT]
    step = (hi - lo) / 255
    diff = np.abs(converted - simulated) / step
    assert float(np.median(diff)) <= 1.0
    assert float(np.percentile(diff, 90)) <= 8.0
