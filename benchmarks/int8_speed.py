"""Float vs int8 landmark model: invoke time and landmark agreement on real frames.

The float engine tracks the runner in each clip; on every ``--every``-th tracked frame both
models run on the same crop (the engine's own crop code). Printed: the median ``invoke()``
milliseconds of each model (interleaved rounds, same thread count, so machine load hits
both alike) and how far the int8 landmarks are from the float ones, in crop pixels (the
model sees 256×256), over all 33 points and over the points the float model gives
visibility > 0.5.

The int8 model is the cached one (``treadwatch quantize-models``) unless ``--int8 PATH``;
``--make weight-only|static`` makes one first into a temporary directory (static is
calibrated on the clips not being measured).

Usage: python benchmarks/int8_speed.py [CLIP ...] [--threads N] [--frames N] [--every N]
       [--int8 PATH | --make MODE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.landmarks import Roi
from edge.pose.config import PoseConfig
from edge.pose.interpreter import TFLiteModel
from edge.pose.landmarker import INPUT_SIZE, LandmarkModel
from edge.video import VideoFile
from models.fetch import default_cache_dir, model_path
from models.quantize import MODES, int8_model_path, load_record, quantize_landmark_model
from models.resolve import pose_engine

CLIPS = ("treadmill_side_good_A", "front_jog_single", "treadmill_side_male_gt")
ALL_CLIPS = (*CLIPS, "treadmill_side_overstride_A", "treadmill_front_oblique")


@dataclass(frozen=True)
class Shot:
    frame: npt.NDArray[np.uint8]
    roi: Roi


def shared_videos() -> Path:
    root = Path(os.environ.get("TREADWATCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    return root / "data" / "videos"


def tracked_shots(video: Path, frames: int, every: int) -> list[Shot]:
    engine = pose_engine(PoseConfig(num_threads=1))
    shots = []
    with VideoFile(video) as vf:
        for i, frame in enumerate(vf):
            if i >= frames:
                break
            result = engine.process(frame, (i + 1) / vf.info.fps)
            if result.detected and result.roi is not None and i % every == 0:
                shots.append(Shot(frame.copy(), result.roi))
    return shots


def crop_px(
    model: LandmarkModel, shot: Shot
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(33, 2) positions in crop pixels and (33,) visibility."""
    raw = model.run(shot.frame, shot.roi)
    h, w = shot.frame.shape[:2]
    scale = INPUT_SIZE / (shot.roi.width * w)
    xy = raw.body[:, :2] * np.array([w, h], np.float32) * np.float32(scale)
    return xy.astype(np.float32), raw.body[:, 3].copy()


def invoke_ms(
    models: dict[str, TFLiteModel], x: npt.NDArray[np.float32], rounds: int = 12, n: int = 10
) -> dict[str, float]:
    for m in models.values():
        m.set_input(x)
        for _ in range(3):
            m.invoke()
    times: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(rounds):
        for name, m in models.items():
            t0 = time.perf_counter()
            for _ in range(n):
                m.invoke()
            times[name].append((time.perf_counter() - t0) * 1000 / n)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", default=list(CLIPS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=90, help="frames tracked per clip")
    ap.add_argument("--every", type=int, default=10, help="compare on every N-th frame")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--int8", type=Path, default=None, help="int8 model file")
    group.add_argument("--make", choices=MODES, default=None, help="make the int8 model first")
    args = ap.parse_args()

    videos = shared_videos()
    tmp = None
    if args.int8 is not None:
        int8 = args.int8
        how = str(int8)
    elif args.make is not None:
        tmp = tempfile.TemporaryDirectory(prefix="treadwatch-int8-")
        calib = [videos / f"{c}.mp4" for c in ALL_CLIPS if c not in args.clips][:2]
        record = quantize_landmark_model(
            args.make, out_dir=Path(tmp.name),
            calibration_videos=calib if args.make == "static" else (), log=lambda _: None,
        )  # fmt: skip
        int8 = Path(tmp.name) / record.filename
        how = f"made now: {record.mode}, {record.tool}, calibration {record.calibration_samples}"
    else:
        int8 = int8_model_path()
        record = load_record()
        how = f"cached: {record.mode}, {record.tool}, calibration {record.calibration_samples}"

    float_path = model_path("pose_landmark_full")
    tfl = {
        "float": TFLiteModel(float_path, args.threads),
        "int8": TFLiteModel(int8, args.threads),
    }
    lms = {k: LandmarkModel(m) for k, m in tfl.items()}
    print(f"float: {float_path} ({float_path.stat().st_size / 2**20:.2f} MiB)")
    print(f"int8:  {int8} ({int8.stat().st_size / 2**20:.2f} MiB; {how})")
    print(f"runtime {tfl['float'].runtime}, {args.threads} thread(s), cache {default_cache_dir()}")
    print(
        f"{'clip':30s} {'n':>3s} {'float ms':>8s} {'int8 ms':>8s} {'speed-up':>8s} "
        f"{'err mean':>8s} {'p95':>6s} {'max':>6s} {'vis>.5 mean':>11s} {'max':>6s}"
    )
    all_err: list[npt.NDArray[np.float32]] = []
    for clip in args.clips:
        path = videos / f"{clip}.mp4"
        if not path.is_file():
            print(f"{clip}: not found in {videos}", file=sys.stderr)
            continue
        shots = tracked_shots(path, args.frames, args.every)
        if not shots:
            print(f"{clip:30s} nobody tracked")
            continue
        errs, vis_errs = [], []
        for s in shots:
            a, vis = crop_px(lms["float"], s)
            b, _ = crop_px(lms["int8"], s)
            e = np.linalg.norm(a - b, axis=1)
            errs.append(e)
            vis_errs.append(e[vis > 0.5])
        # Time both on a real crop (the last one written into the float model's input).
        lms["float"].run(shots[-1].frame, shots[-1].roi)
        x = tfl["float"].input_view().copy()
        ms = invoke_ms(tfl, x)
        e_all = np.concatenate(errs)
        e_vis = np.concatenate(vis_errs)
        all_err.append(e_all)
        print(
            f"{clip:30s} {len(shots):3d} {ms['float']:8.1f} {ms['int8']:8.1f} "
            f"{ms['float'] / ms['int8']:7.2f}x {e_all.mean():8.2f} "
            f"{np.percentile(e_all, 95):6.2f} {e_all.max():6.2f} "
            f"{(e_vis.mean() if e_vis.size else float('nan')):11.2f} "
            f"{(e_vis.max() if e_vis.size else float('nan')):6.2f}"
        )
    if all_err:
        e = np.concatenate(all_err)
        print(
            f"all clips: int8 vs float, mean {e.mean():.2f} px, median {np.median(e):.2f} px, "
            f"p95 {np.percentile(e, 95):.2f} px, max {e.max():.2f} px (of {INPUT_SIZE})"
        )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
