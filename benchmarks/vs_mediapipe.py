"""CPU time of ``treadwatch analyze`` against MediaPipe's own Pose solution on the same clip,
paired in one run (alternating A/B, each in its own process, CPU = user + system of the
child). CPU per frame is what counts on a Pi that also captures, encodes and serves.

MediaPipe runs from a separate venv (it pins protobuf and numpy versions that clash with
ours): ``python3.11 -m venv ~/.cache/treadwatch/mediapipe-venv &&
~/.cache/treadwatch/mediapipe-venv/bin/pip install mediapipe==0.10.14`` (it installs on
Python 3.11 here). Its Pose solution is run with model_complexity=1 (the same
pose_landmark_full model), smoothing on, segmentation off.

Usage: python benchmarks/vs_mediapipe.py [CLIP] [--frames N] [--pairs N]
       [--mediapipe-python PATH] [--landmark-model float|int8]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MEDIAPIPE_SCRIPT = """
import sys, cv2, mediapipe as mp
path, limit = sys.argv[1], int(sys.argv[2])
cap = cv2.VideoCapture(path)
with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                            smooth_landmarks=True, enable_segmentation=False) as pose:
    n = 0
    while n < limit:
        ok, frame = cap.read()
        if not ok:
            break
        pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        n += 1
print(n)
"""


def child_cpu(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    default_clip = (
        Path(os.environ.get("TREADWATCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
        / "data/videos/treadmill_side_lab_slowmo.mp4"
    )
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path, default=default_clip)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument(
        "--mediapipe-python",
        type=Path,
        default=Path.home() / ".cache/treadwatch/mediapipe-venv/bin/python",
    )
    ap.add_argument("--landmark-model", choices=("float", "int8"), default="float")
    args = ap.parse_args()
    if not args.mediapipe_python.exists():
        print(f"no MediaPipe venv at {args.mediapipe_python}: see this script's docstring")
        return 1
    tw = Path(sys.executable).with_name("treadwatch")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "c.toml"
        cfg.write_text(f'[pose]\nlandmark_model = "{args.landmark_model}"\n')
        ours = [str(tw), "analyze", str(args.clip), "--max-frames", str(args.frames), "-q",
                "--config", str(cfg), "--report", str(Path(tmp) / "r.json")]  # fmt: skip
        theirs = [str(args.mediapipe_python), "-c", MEDIAPIPE_SCRIPT, str(args.clip),
                  str(args.frames)]  # fmt: skip
        a, b = [], []
        for _ in range(args.pairs):
            a.append(child_cpu(ours))
            b.append(child_cpu(theirs))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{args.clip.name}, first {args.frames} frames, {args.pairs} pairs (CPU s, user+sys):")
    print(f"  treadwatch analyze ({args.landmark_model}): {ma:7.2f} s  {[round(x, 2) for x in a]}")
    print(f"  MediaPipe Pose (0.10.14):  {mb:7.2f} s  {[round(x, 2) for x in b]}")
    print(f"  ratio treadwatch / MediaPipe: {ma / mb:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
