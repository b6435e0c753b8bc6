"""``treadwatch analyze``: run the pose pipeline (and gait analysis) over a video file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from edge.config import Config, load_config
from edge.errors import TreadwatchError
from edge.landmarks import NUM_LANDMARKS
from edge.video import VideoFile, VideoInfo


class Progress:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total, self.stream = max(total, 0), stream
        self.enabled = stream.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.2:
            return
        self._last = now
        fps = done / max(now - self._start, 1e-6)
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r[{bar:30s}] {done}/{self.total} frames {fps:5.1f} fps")
        else:
            self.stream.write(f"\r{done} frames {fps:5.1f} fps")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def run_pose_on_video(
    video: Path,
    config: Config,
    progress: bool = True,
    clock_fps: float | None = None,
    max_frames: int | None = None,
) -> tuple[npt.NDArray[np.float32], VideoInfo]:
    """Landmarks ``(frames, 33, 4)`` (x, y, z, visibility; NaN rows where nobody).

    Frame ``i`` is stamped ``i / fps`` (the file's rate, or ``clock_fps`` when given: the
    smoothing filters run on these timestamps).
    """
    from models.resolve import pose_engine

    engine = pose_engine(config.pose, config.models.cache_dir)
    rows: list[npt.NDArray[np.float32]] = []
    with VideoFile(video) as vf:
        info = vf.info
        bar = Progress(info.frame_count) if progress else None
        for i, frame in enumerate(vf):
            if max_frames is not None and i >= max_frames:
                break
            result = engine.process(frame, i / (clock_fps or info.fps))
            rows.append(result.as_xyzv().copy())
            if bar is not None:
                bar.update(i + 1)
        if bar is not None:
            bar.finish()
    if not rows:
        return np.zeros((0, NUM_LANDMARKS, 4), np.float32), info
    return np.stack(rows).astype(np.float32), info


def write_landmarks(path: Path, landmarks: npt.NDArray[np.float32], info: VideoInfo) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(
        tmp, landmarks=landmarks, fps=info.fps, width=info.width, height=info.height
    )
    tmp.replace(path)


def _analyze(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.landmarks is None and args.report is None and not args.store:
        raise TreadwatchError(
            "nothing to write: give --landmarks OUT.npz, --report OUT.json and/or --store"
        )
    if args.capture_fps is not None and args.capture_fps <= 0:
        raise TreadwatchError("--capture-fps must be a positive frame rate, e.g. 240")
    if args.max_frames is not None and args.max_frames < 1:
        raise TreadwatchError("--max-frames must be at least 1, e.g. 300")
    landmarks, info = run_pose_on_video(
        args.video, config, progress=not args.quiet, max_frames=args.max_frames
    )
    found = int(np.isfinite(landmarks[:, 0, 0]).sum())
    if args.landmarks is not None:
        write_landmarks(args.landmarks, landmarks, info)
    report: Any = None
    if args.report is not None or args.store:
        report = _build_report(args, config, landmarks, info)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.report.with_name(args.report.name + ".tmp")
        tmp.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(args.report)
    if args.store:
        from edge.recording.export import store_analysis

        session_id = store_analysis(
            config.recording,
            report,
            landmarks,
            args.video.name,
            fps=info.fps,
            settings=config.model_dump(mode="json"),
            frame_size=(info.width, info.height),
        )
        print(f"stored as session {session_id} (open it on the review pages)")
    if not args.quiet:
        print(
            f"{args.video}: {len(landmarks)} frames at {info.fps:.2f} fps, person found on {found}"
        )
    return 0


def _build_report(
    args: argparse.Namespace, config: Config, landmarks: npt.NDArray[np.float32], info: VideoInfo
) -> Any:
    from edge.gait.report import analyze_landmarks

    view = args.view or config.gait.view
    return analyze_landmarks(
        landmarks,
        info.fps,
        capture_fps=args.capture_fps,
        view=view,
        gait=config.gait,
        alerts=config.alerts,
        aspect=info.width / info.height,
    )


def register(sub: Any) -> None:
    from edge.gait.commands import add_report_options

    p = sub.add_parser("analyze", help="run the pose pipeline over a video file")
    p.add_argument("video", type=Path, help="video file (mp4, mov, avi, ...)")
    p.add_argument("--landmarks", type=Path, default=None, help="write landmarks to OUT.npz")
    p.add_argument("--report", type=Path, default=None, help="write the gait report to OUT.json")
    add_report_options(p)
    p.add_argument(
        "--store",
        action="store_true",
        help="also store the result as a session for the review pages",
    )
    p.add_argument("--config", type=Path, default=None, help="config file")
    p.add_argument("--max-frames", type=int, default=None, help="analyse only the first N frames")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_analyze)
