"""Golden test of the int8 landmark model against the float one on every shared clip, the
way the product uses it (the whole engine: detection, tracking, smoothing; then the gait
report). Runtime is bounded by using the first FRAMES frames of each clip.

The bar (issue 11): landmarks median ≤ 0.02 and p95 ≤ 0.05 torso lengths from the float
model's, cadence within 0.5 steps/min, overstride within 0.02 leg lengths, the same cues.
Measured with the committed mixed-precision recipe (89 of 118 ops float), 150 frames per
clip: the median holds on every clip (≤ 0.011), the p95 does not (0.05-0.14), and the
gait reports differ on 4 clips. So the int8 model is not the default; the whole bar is an
expected failure here (strict: when a recipe meets it, this test says so and int8 can
become the default). Run with -s for the figures.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("ai_edge_quantizer")

from edge.pose.engine import PoseModels
from models.evaluate import MEDIAN_BAR, ClipComparison, compare_clip
from models.quantize import quantize_landmark_model

FRAMES = 90


@pytest.fixture(scope="module")
def comparisons(
    shared_data: Path, model_paths: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> list[ClipComparison]:
    cache = tmp_path_factory.mktemp("models")
    for p in model_paths.values():
        shutil.copy2(p, cache / p.name)
    record = quantize_landmark_model(models_dir=cache, log=lambda _: None)
    det = cache / "pose_detection.tflite"
    float_models = PoseModels(det, cache / "pose_landmark_full.tflite")
    int8_models = PoseModels(det, cache / record.filename)
    out = []
    for video in sorted((shared_data / "videos").glob("*.mp4")):
        c = compare_clip(video, float_models, int8_models, FRAMES)
        print(c.line(), file=sys.stderr)
        out.append(c)
    return out


@pytest.mark.slow
def test_int8_landmarks_median_within_bar_on_every_clip(
    comparisons: list[ClipComparison],
) -> None:
    assert len(comparisons) == 7
    for c in comparisons:
        assert c.compared >= 0.9 * c.frames, c.line()
        assert c.median <= MEDIAN_BAR, c.line()
        # A broken model (wrong ranges, wrong ops) lands at 0.1-1 torso lengths.
        assert c.p95 <= 0.25, c.line()


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True, reason="mixed int8 misses the p95 and gait-report bar (docs/int8.md)"
)
def test_int8_meets_the_whole_bar_on_every_clip(comparisons: list[ClipComparison]) -> None:
    failing = [c.line() for c in comparisons if c.failures()]
    assert not failing, "\n".join(failing)
