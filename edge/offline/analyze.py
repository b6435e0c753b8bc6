"""``treadwatch analyze``: run the pose pipeline (and gait analysis) over a video file."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from edge.atomic import atomic_path, write_atomic
from edge.config.root import Config, load_config
from edge.errors import TreadwatchError
from edge.landmarks import NUM_LANDMARKS
from edge.media.mp4meta import capture_fps
from edge.media.video import VideoFile, VideoInfo

#: A declared capture rate counts as slow motion when it is this much above the stored rate.
SLOW_MOTION_FACTOR = 1.2
#: Below this a runner's cadence is implausible (see edge.gait.footage).
MIN_RUNNING_CADENCE = 100.0


def _clock(seconds: float) -> str:
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A one-line progress bar on a terminal, with the time left; silent when output is not
    a terminal."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # sys.stderr at call time, not import time (it may have been replaced since)
        self.total, self.stream = max(total, 0), stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._clock = clock
        self._last = float("-inf")
        self._start = clock()

    def update(self, done: int) -> None:
        now = self._clock()
        if not self.enabled or now - self._last < 0.2:
            return
        self._last = now
        fps = done / max(now - self._start, 1e-6)
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            left = _clock(max(0, self.total - done) / fps) if fps > 0 else "?"
            self.stream.write(
                f"\r[{bar:30s}] {done}/{self.total} frames {fps:5.1f} fps, {left} left "
            )
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
    from edge.pose.precision import precision_line
    from models.resolve import pose_engine

    rows: list[npt.NDArray[np.float32]] = []
    with VideoFile(video) as vf:  # the video is checked before the model loads
        info = vf.info
        engine = pose_engine(config.pose, config.models.cache_dir)
        if progress:
            print(f"landmark model in {precision_line(engine.precision)}", file=sys.stderr)
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
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp, landmarks=landmarks, fps=info.fps, width=info.width, height=info.height
        )


def check_writable(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before any work (one line)."""
    if path.is_dir():
        raise TreadwatchError(f"{option} {path}: is a directory; give a file name")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise TreadwatchError(
            f"{option} {path}: cannot write there ({reason}); choose another path"
        ) from None


def _write_text(path: Path, text: str, option: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise TreadwatchError(f"{option} {path}: cannot write it ({exc.strerror})") from None


def _analyze(args: argparse.Namespace) -> int:
    from edge.pose.precision import with_precision

    config = with_precision(load_config(args.config), args.precision)
    if args.landmarks is None and args.report is None and not args.store:
        raise TreadwatchError(
            "nothing to write: give --landmarks OUT.npz, --report OUT.json and/or --store"
        )
    if args.capture_fps is not None and args.capture_fps <= 0:
        raise TreadwatchError("--capture-fps must be a positive frame rate, e.g. 240")
    if args.max_frames is not None and args.max_frames < 1:
        raise TreadwatchError("--max-frames must be at least 1, e.g. 300")
    for option, path in (("--report", args.report), ("--landmarks", args.landmarks)):
        if path is not None:
            check_writable(path, option)
    landmarks, info = run_pose_on_video(
        args.video, config, progress=not args.quiet, max_frames=args.max_frames
    )
    args.capture_fps_source = "option" if args.capture_fps is not None else None
    if args.capture_fps is None:
        declared = capture_fps(args.video)
        if declared is not None and declared > SLOW_MOTION_FACTOR * info.fps:
            args.capture_fps, args.capture_fps_source = declared, "metadata"
            if not args.quiet:
                print(
                    f"{args.video}: slow motion, captured at {declared:g} fps and stored at "
                    f"{info.fps:.4g} fps (from the file's metadata)"
                )
    found = int(np.isfinite(landmarks[:, 0, 0]).sum())
    if args.landmarks is not None:
        try:
            write_landmarks(args.landmarks, landmarks, info)
        except OSError as exc:
            raise TreadwatchError(
                f"--landmarks {args.landmarks}: cannot write it ({exc.strerror})"
            ) from None
    report: Any = None
    if args.report is not None or args.store:
        report = _build_report(args, config, landmarks, info)
    if args.report is not None:
        _write_text(args.report, report.model_dump_json(indent=2), "--report")
    if args.store:
        from edge.recording.analysis_import import store_analysis

        session_id = store_analysis(
            config.recording,
            report,
            landmarks,
            args.video.name,
            fps=info.fps,
            settings=config.model_dump(mode="json"),
            frame_size=(info.width, info.height),
        )
        from edge.recording.session_video import store_session_video

        # A small copy of the video, replayed on the review page with the skeleton over it.
        rate = getattr(report, "capture_fps", None) or info.fps
        store_session_video(
            config.recording.resolved_db_path(), session_id, args.video, float(rate)
        )
        print(f"stored as session {session_id} (open it on the review pages)")
    if not args.quiet:
        print(
            f"{args.video}: {len(landmarks)} frames at {info.fps:.2f} fps, person found on {found}"
        )
        if report is not None:
            from edge.offline.summary import summary_lines

            view = f"view {report.view or '–'} ({report.view_source})"
            print(f"  {view}")
            print("\n".join(summary_lines(report)))
    crossing = (
        next((c for c in report.checks if c.name == "runner_in_place" and not c.ok), None)
        if report is not None
        else None
    )
    if crossing is not None:
        print(f"note: {crossing.detail}", file=sys.stderr)
    if report is not None and args.capture_fps is None:
        cad = report.cadence_spm
        if cad is not None and cad < MIN_RUNNING_CADENCE:
            print(
                f"warning: cadence {cad:.0f} steps/min is implausible for a runner; if the clip "
                "is slow motion, give its capture rate, e.g. --capture-fps 240",
                file=sys.stderr,
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
        capture_fps_source=getattr(args, "capture_fps_source", None),
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
    from edge.pose.precision import add_precision_option

    add_precision_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_analyze)
