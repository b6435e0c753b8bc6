"""Gait figures against truth, float and int8 landmark models side by side: the whole engine
(tracking, smoothing) and the gait report on the shared clips with truth.

Truth: treadmill_side_male_gt's cadence 168.9 ± 0.5 steps/min (its groundtruth.json);
treadmill_side_overstride_A overstrides, treadmill_side_good_A (same runner) does not.
tests/models/test_int8_gait.py holds both models to the same tolerances; this prints the
figures (and lets any other int8 file be measured with ``--int8``).

Usage: python benchmarks/int8_gait_truth.py [--int8 FILE] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from edge.gait.report import analyze_landmarks
from edge.media.video import VideoFile
from edge.pose.config import PoseConfig
from edge.pose.engine import PoseEngine, PoseModels
from models.resolve import fetched_model, float_landmark_model, int8_landmark_model

CLIPS = ("treadmill_side_male_gt", "treadmill_side_overstride_A", "treadmill_side_good_A")


def figures(video: Path, models: PoseModels, threads: int) -> str:
    engine = PoseEngine(PoseConfig(num_threads=threads), models)
    rows = []
    with VideoFile(video) as vf:
        info = vf.info
        for i, frame in enumerate(vf):
            rows.append(engine.process(frame, i / info.fps).as_xyzv().copy())
    engine.close()
    rep = analyze_landmarks(np.stack(rows), info.fps, aspect=info.width / info.height)
    over = rep.summary.overstride.value
    ct = rep.summary.contact_time_ms.value
    cues = sorted(a.rule for a in rep.alerts if a.state == "raised")
    cad = "-" if rep.cadence_spm is None else f"{rep.cadence_spm:.2f}"
    return (
        f"cadence {cad:>7s}  overstride {'-' if over is None else f'{over:.3f}'}  "
        f"contact {'-' if ct is None else f'{ct:.0f} ms'}  cues {cues}"
    )


def main() -> int:
    shared = Path(
        os.environ.get("TREADWATCH_SHARED", Path(__file__).resolve().parents[2] / "shared")
    )
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--int8", type=Path, default=None, help="int8 model (default: committed)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--videos", type=Path, default=shared / "data/videos")
    ap.add_argument("--skip-float", action="store_true")
    args = ap.parse_args()
    det = fetched_model("pose_detection")
    kinds = {"int8": PoseModels(det, args.int8 or int8_landmark_model())}
    if not args.skip_float:
        kinds = {"float": PoseModels(det, float_landmark_model()), **kinds}
    for clip in CLIPS:
        for kind, models in kinds.items():
            line = figures(args.videos / f"{clip}.mp4", models, args.threads)
            print(f"{clip:30s} {kind:5s} {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
