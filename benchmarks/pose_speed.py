"""Pose-stage speed against the bare landmark-model invoke, per shared clip.

For each clip: the median milliseconds per frame of the whole pose stage
(``PoseEngine.process``: detection when needed, crop, landmark model, decoding, tracking,
smoothing) over the frames where it was tracking (no detector run), next to the median
of the bare ``invoke()`` of the landmark model on the same machine, same thread count,
on a fixed input. Decoding the video is not counted.

On a shared machine the load drifts between the two measurements, so the landmark
model's own ``invoke()`` is also timed inside each tracked frame, and the per-frame ratio
(whole stage ÷ that invoke) is reported: that ratio is what the stage adds around the
model, independent of how busy the machine was at that moment.

Usage: python benchmarks/pose_speed.py [CLIP ...] [--threads N] [--frames N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from edge.config.root import Config
from edge.media.video import VideoFile
from edge.pose.interpreter import TFLiteModel
from models.fetch import model_path
from models.resolve import pose_engine

CLIPS = (
    "treadmill_side_male_gt",
    "treadmill_side_good_A",
    "treadmill_side_overstride_A",
    "treadmill_side_lab_slowmo",
    "front_jog_single",
    "treadmill_front_oblique",
    "treadmill_curved_side_2people",
)


def shared_videos() -> Path:
    root = Path(os.environ.get("TREADWATCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    return root / "data" / "videos"


def bare_invoke_ms(threads: int, repeats: int = 200) -> float:
    model = TFLiteModel(model_path("pose_landmark_full"), threads)
    x = np.random.default_rng(0).random(model.input_shape, dtype=np.float32)
    model.set_input(x)
    for _ in range(10):
        model.invoke()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.invoke()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def pose_stage_ms(
    video: Path, threads: int, max_frames: int
) -> tuple[float, float, float, int, int]:
    cfg = Config()
    cfg.pose.num_threads = threads
    engine = pose_engine(cfg.pose)
    model = engine._landmarks.model
    invoke = model.invoke
    last_invoke = [0.0]

    def timed_invoke() -> None:
        t0 = time.perf_counter()
        invoke()
        last_invoke[0] += (time.perf_counter() - t0) * 1000

    model.invoke = timed_invoke  # type: ignore[method-assign]
    tracking, every, ratios = [], [], []
    with VideoFile(video) as vf:
        fps = vf.info.fps
        for i, frame in enumerate(vf):
            if i >= max_frames:
                break
            runs = engine.detector_runs
            last_invoke[0] = 0.0
            t0 = time.perf_counter()
            engine.process(frame, i / fps)
            ms = (time.perf_counter() - t0) * 1000
            every.append(ms)
            if engine.detector_runs == runs and last_invoke[0] > 0:
                tracking.append(ms)
                ratios.append(ms / last_invoke[0])
    return (
        statistics.median(tracking),
        statistics.median(every),
        statistics.median(ratios),
        len(tracking),
        len(every),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", default=list(CLIPS))
    ap.add_argument("--threads", type=int, default=Config().pose.num_threads)
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args()
    bare = bare_invoke_ms(args.threads)
    print(f"threads={args.threads} cpu_count={os.cpu_count()}")
    print(f"bare landmark invoke: median {bare:.2f} ms")
    print(
        f"{'clip':32s} {'tracking ms':>11s} {'all ms':>8s} {'÷bare':>6s} "
        f"{'÷own invoke':>11s} {'frames':>7s}"
    )
    for name in args.clips:
        path = shared_videos() / f"{name}.mp4"
        if not path.exists():
            print(f"{name:32s} (missing: {path})")
            continue
        trk, allf, ratio, n_trk, n = pose_stage_ms(path, args.threads, args.frames)
        print(
            f"{name:32s} {trk:11.2f} {allf:8.2f} {trk / bare:6.2f} {ratio:11.3f} "
            f"{n_trk:>3d}/{n:<3d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
