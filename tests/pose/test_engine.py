"""The pose engine on real frames: empty results, bad frames, timestamps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.errors import FrameError
from edge.landmarks import NUM_LANDMARKS, Landmark
from edge.pose.config import BeltZone, PoseConfig
from edge.pose.engine import PoseEngine, PoseModels, validate_frame


def float_models(paths: dict[str, Path]) -> PoseModels:
    """The engine is handed model paths; it does not look them up itself."""
    return PoseModels(detector=paths["pose_detection"], landmarks=paths["pose_landmark_full"])


@pytest.fixture(scope="module")
def engine(model_paths: dict[str, Path]) -> PoseEngine:
    return PoseEngine(PoseConfig(), float_models(model_paths))


def test_blank_frame_gives_empty_result(engine: PoseEngine) -> None:
    engine.reset()
    res = engine.process(np.zeros((480, 640, 3), np.uint8), 0.0)
    assert res is not None and not res.detected
    assert res.landmarks.shape == (0, 5)
    xyzv = res.as_xyzv()
    assert xyzv.shape == (NUM_LANDMARKS, 4) and np.isnan(xyzv).all()
    res2 = engine.process(np.full((480, 640, 3), 200, np.uint8), 0.04)
    assert not res2.detected and res2.frame_index == res.frame_index + 1


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((480, 640), np.uint8), "HxWx3"),
        (np.zeros((480, 640, 4), np.uint8), "HxWx3"),
        (np.zeros((480, 640, 3), np.float32), "uint8"),
        (np.zeros((8, 8, 3), np.uint8), "too small"),
        ([[0, 0, 0]], "numpy array"),
    ],
)
def test_wrongly_shaped_frame_is_a_clear_error(frame: object, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        validate_frame(frame)


def test_timestamps_must_increase(engine: PoseEngine) -> None:
    engine.reset()
    engine.process(np.zeros((64, 64, 3), np.uint8), 1.0)
    with pytest.raises(FrameError, match="increase"):
        engine.process(np.zeros((64, 64, 3), np.uint8), 1.0)


def test_finds_runner_in_real_frame(engine: PoseEngine, shared_data: Path) -> None:
    from edge.media.video import VideoFile

    engine.reset()
    with VideoFile(shared_data / "videos" / "treadmill_side_good_A.mp4") as vf:
        frame = next(iter(vf))
    res = engine.process(frame, 0.0)
    assert res.detected and res.redetected and res.score > 0.9
    hip = res.landmarks[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], :2].mean(axis=0)
    assert 0.2 < hip[0] < 0.8 and 0.3 < hip[1] < 0.9
    assert np.all(res.landmarks[:, 3:] >= 0) and np.all(res.landmarks[:, 3:] <= 1)


def test_belt_zone_excludes_people_outside(model_paths: dict[str, Path], shared_data: Path) -> None:
    from edge.media.video import VideoFile

    zone = BeltZone(x_min=0.0, y_min=0.0, x_max=0.1, y_max=0.1)  # nobody's hips are here
    eng = PoseEngine(PoseConfig(belt_zone=zone), float_models(model_paths))
    with VideoFile(shared_data / "videos" / "treadmill_side_good_A.mp4") as vf:
        frame = next(iter(vf))
    assert not eng.process(frame, 0.0).detected


@pytest.mark.model
def test_int8_landmark_model_tracks_like_float(
    model_paths: dict[str, Path], shared_data: Path, tmp_path: Path
) -> None:
    """The engine runs on the int8 model trained for int8 (committed in models/weights/)."""
    from edge.media.video import VideoFile
    from models.resolve import pose_engine

    cache = model_paths["pose_detection"].parent
    f32 = pose_engine(PoseConfig(), cache)
    i8 = pose_engine(PoseConfig(landmark_model="int8"), cache)
    with VideoFile(shared_data / "videos" / "treadmill_side_good_A.mp4") as vf:
        for i, frame in enumerate(vf):
            a, b = f32.process(frame, i / 30), i8.process(frame, i / 30)
            if i == 10:
                break
    assert a.detected and b.detected
    # after 10 tracked frames the two agree within 2 % of the frame (median landmark)
    d = np.linalg.norm(a.landmarks[:, :2] - b.landmarks[:, :2], axis=1)
    assert float(np.median(d)) < 0.02
