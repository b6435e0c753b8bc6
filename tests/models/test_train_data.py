"""Training data of the int8 model: the committed data list, the held-out split, and crops
remade exactly (same seed, same crops) as the engine crops them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.landmarks import Roi
from edge.pose.interpreter import TFLiteModel
from edge.pose.landmarker import LandmarkModel
from models.train.data import Jitter, TrackedFrame, load_data_list, make_crops

DATA_LIST = Path(__file__).resolve().parents[2] / "models" / "train" / "data_list.json"


def test_committed_data_list_covers_every_clip_and_holds_out_whole_neighbourhoods() -> None:
    frames = load_data_list(DATA_LIST)
    assert len({f.clip for f in frames}) == 7
    val = [f for f in frames if f.validation]
    train = [f for f in frames if not f.held_out]
    assert 0.09 < len(val) / len(frames) < 0.11
    assert 0.65 < len(train) / len(frames) < 0.75
    trained = {(f.clip, f.frame) for f in train}
    for f in val:  # neither the frame nor the one before or after is trained on
        assert not {(f.clip, f.frame + d) for d in (-1, 0, 1)} & trained


@pytest.mark.data
@pytest.mark.model
def test_crops_are_the_engines_and_jitter_is_seeded(
    shared_data: Path, model_paths: dict[str, Path]
) -> None:
    videos = shared_data / "videos"
    roi = (0.5, 0.52, 0.9, 0.5, 0.1)
    frames = [TrackedFrame("treadmill_side_good_A.mp4", 30, roi)]
    plain = [c for _, c in make_crops(frames, videos, 0, seed=1)]
    assert len(plain) == 1
    # The engine's own crop of that frame and region, bit for bit.
    import cv2

    cap = cv2.VideoCapture(str(videos / "treadmill_side_good_A.mp4"))
    for _ in range(31):
        ok, frame = cap.read()
    cap.release()
    assert ok
    engine = LandmarkModel(TFLiteModel(model_paths["pose_landmark_full"], num_threads=1))
    np.testing.assert_array_equal(plain[0], engine.crop(frame, Roi(*roi)))

    a = [c for _, c in make_crops(frames, videos, 3, seed=7, jitter=Jitter())]
    b = [c for _, c in make_crops(frames, videos, 3, seed=7, jitter=Jitter())]
    c = [c for _, c in make_crops(frames, videos, 3, seed=8, jitter=Jitter())]
    assert len(a) == 4
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[0], plain[0])  # the first is always the engine's crop
    pairs = zip(a[1:], c[1:], strict=True)
    assert all(float(np.abs(x.astype(int) - y).mean()) > 1.0 for x, y in pairs)
