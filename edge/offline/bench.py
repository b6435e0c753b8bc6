"""``treadwatch bench``: can this device hold the camera's frame rate with this config?

Runs the live path's stages one after another on real frames (the configured camera, or a
video file) and prints each stage's milliseconds per frame: capture/decode, detector,
landmarks, smoothing, gait analysis and JPEG encoding (at the page's video rate, so its
cost is shared over frames). The analysis thread does pose + analysis + encode; capture
runs on its own thread. The frame rate the device can hold is set by the slower of the two,
and the verdict compares it with the configured camera rate.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from edge.config.root import Config, load_config
from edge.errors import TreadwatchError
from edge.pose.precision import (
    CpuFp16,
    Precision,
    add_precision_option,
    precision_line,
    read_cpu_fp16,
    with_precision,
)

#: Frame rates offered as a fallback when the configured one cannot be held.
STANDARD_FPS = (60.0, 50.0, 30.0, 25.0, 20.0, 15.0, 10.0)
#: Frames run before timing starts (interpreter warm-up, tracking acquired).
WARMUP_FRAMES = 10


@dataclass(frozen=True, slots=True)
class BenchResult:
    frames: int
    stages_ms: dict[str, float]  # per frame
    capture_ms: float
    analysis_thread_ms: float
    target_fps: float
    detector_runs: int
    precision: Precision | None = None  # what the landmark model ran in, and why

    @property
    def holdable_fps(self) -> float:
        return 1000.0 / max(self.analysis_thread_ms, self.capture_ms, 1e-6)

    def verdict(self, config: Config, cpu: CpuFp16 | None = None) -> str:
        """Whether the frame rate holds, and if not, what to change. ``cpu``: whether this
        CPU has FP16 arithmetic (read here when not given)."""
        budget = 1000.0 / self.target_fps
        need = max(self.analysis_thread_ms, self.capture_ms)
        fps = f"{self.target_fps:g} fps"
        if need <= budget:
            headroom = 100.0 * (1.0 - need / budget)
            return f"holds {fps} with {headroom:.0f} % headroom ({need:.1f} of {budget:.1f} ms)"
        holdable = self.holdable_fps
        lower = next((f for f in STANDARD_FPS if f < self.target_fps and f <= holdable), None)
        # fp16 where fp32 ran on a CPU that has FP16 arithmetic. Not int8: it is not
        # advised as a speed fix (docs/int8.md); the first line says what ran.
        fixes = []
        ran_fp32 = self.precision is not None and self.precision.running == "fp32"
        if ran_fp32 and (cpu or read_cpu_fp16()).available:
            fixes.append('fp16 (pose.precision = "auto")')
        if lower is not None:
            fixes.append(f"{lower:g} fps (capture.fps = {lower:g})")
        advice = " or ".join(fixes) if fixes else "a faster device"
        return (
            f"cannot hold {fps} ({need:.1f} ms per frame, {budget:.1f} ms available): use "
            f"{advice}; until then the live pipeline analyses every other frame"
        )


def run_bench(config: Config, video: Path | None, frames: int) -> BenchResult:
    from edge.gait.analyzer import GaitAnalyzer
    from edge.live.capture import open_source
    from models.resolve import pose_engine

    capture = config.capture
    if video is not None:  # as fast as it decodes: no pacing to the file's frame rate
        capture = capture.model_copy(update={"pace_files": False, "loop_files": False})
    source = open_source(str(video) if video is not None else capture.source, capture)
    source.open()
    engine = pose_engine(config.pose, config.models.cache_dir)
    fps = source.fps or config.capture.fps
    target = config.capture.fps if video is None else fps
    analyzer: Any = None
    totals = {"capture": 0.0, "analysis": 0.0, "encode": 0.0}
    encoded = 0
    n = 0
    try:
        for i in range(frames + WARMUP_FRAMES):
            if i == WARMUP_FRAMES:
                totals = dict.fromkeys(totals, 0.0)
                engine.stage_s = dict.fromkeys(engine.stage_s, 0.0)
                runs0 = engine.detector_runs
                encoded = 0
            t0 = time.perf_counter()
            frame = source.read()
            t1 = time.perf_counter()
            if frame is None:
                break
            if analyzer is None:
                h, w = frame.image.shape[:2]
                analyzer = GaitAnalyzer(config.gait, config.alerts, fps, aspect=w / h)
            pose = engine.process(frame.image, frame.t_s)
            t2 = time.perf_counter()
            analyzer.push(frame.index, frame.t_s, pose.as_xyzv())
            t3 = time.perf_counter()
            view: Any = frame.viewing
            scale = config.server.video_size / max(view.shape[:2])
            if scale < 1.0:
                view = cv2.resize(view, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, config.server.jpeg_quality])
            t4 = time.perf_counter()
            totals["capture"] += t1 - t0
            totals["analysis"] += t3 - t2
            totals["encode"] += t4 - t3
            encoded += 1
            if i >= WARMUP_FRAMES:
                n += 1
    finally:
        source.close()
    if n == 0:
        raise TreadwatchError(
            f"the source gave fewer than {WARMUP_FRAMES + 1} frames: use a longer video or "
            "check the camera"
        )
    per = {k: 1000.0 * v / n for k, v in totals.items()}
    pose_ms = {k: 1000.0 * v / n for k, v in engine.stage_s.items()}
    # The page's video is encoded at server.video_fps, not at every frame.
    encode_share = per["encode"] * min(1.0, config.server.video_fps / fps)
    stages = {
        "capture/decode": per["capture"],
        "detector": pose_ms["detector"],
        "landmarks": pose_ms["landmarks"],
        "smoothing": pose_ms["smoothing"],
        "analysis": per["analysis"],
        "encode": encode_share,
    }
    pose_other = 0.0  # engine work outside the three timed stages is below timer noise
    thread = pose_ms["detector"] + pose_ms["landmarks"] + pose_ms["smoothing"] + pose_other
    thread += per["analysis"] + encode_share
    return BenchResult(
        frames=n,
        stages_ms=stages,
        capture_ms=per["capture"],
        analysis_thread_ms=thread,
        target_fps=target,
        detector_runs=engine.detector_runs - runs0,
        precision=engine.precision,
    )


def _bench(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config is not None else Config()
    config = with_precision(config, args.precision)
    if args.frames < 1:
        raise TreadwatchError("--frames must be at least 1, e.g. 150")
    video = Path(args.video) if args.video is not None else None
    r = run_bench(config, video, args.frames)
    src = str(video) if video is not None else config.capture.source
    print(
        f"treadwatch bench: {r.frames} frames from {src}, {config.pose.num_threads} thread(s), "
        f"landmark model in {precision_line(r.precision)}"
    )
    for name, ms in r.stages_ms.items():
        extra = f"  (ran on {r.detector_runs} of {r.frames} frames)" if name == "detector" else ""
        extra = extra or ("  (at the page's video rate)" if name == "encode" else "")
        print(f"  {name:15s} {ms:7.2f} ms/frame{extra}")
    print(f"  analysis thread {r.analysis_thread_ms:7.2f} ms/frame (pose + analysis + encode)")
    print(f"  can hold        {r.holdable_fps:7.1f} fps")
    print(r.verdict(config))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="per-stage ms on this device and whether it holds the camera's frame rate",
        description=(
            "Time every stage of the live path (capture, detector, landmarks, smoothing, "
            "analysis, encode) on this device and say whether it holds the configured "
            "frame rate. Run it once on a new installation, with the runner on the belt."
        ),
    )
    p.add_argument("--config", type=Path, default=None, help="config file (default: defaults)")
    p.add_argument("--video", default=None, help="a video file instead of the camera")
    p.add_argument("--frames", type=int, default=150, help="frames to time (default 150)")
    add_precision_option(p)
    p.set_defaults(func=_bench)
