"""Recording cost on the live path: what ``Recorder.frame`` costs the analysis thread.

Feeds a synthetic session (33 landmarks per frame, a step every ~10 frames, an alert every
8 steps, optionally a 640x480 JPEG per frame with clips on) into a real Recorder writing to
a temporary SQLite file, and prints:

* per-call time of ``frame()`` on the calling thread, paced at the capture rate (the live
  case: the writer thread works between frames) — median, p99, max, mean;
* the same, unpaced (a burst: the writer competes for the interpreter the whole time);
* total process CPU per frame while paced (calling thread + writer + clip encoder), and
  the database bytes per second of session.

Usage: python benchmarks/recording_speed.py [--seconds 20] [--fps 30] [--clips]
Target: frame() ≤ 0.2 ms per frame.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from edge.gait.records import AlertRecord, AnalysisUpdate, MetricValue, StrideRecord
from edge.landmarks import NUM_LANDMARKS, PoseResult
from edge.recording.config import RecordingConfig
from edge.recording.recorder import Recorder


def make_frames(
    n: int, fps: float, jpeg: bool
) -> list[tuple[PoseResult, AnalysisUpdate, bytes | None]]:
    rng = np.random.default_rng(0)
    img = (rng.random((480, 640, 3)) * 40 + 100).astype(np.uint8)
    cv2.putText(img, "treadwatch", (100, 240), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 5)
    jpeg_bytes = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
    frames = []
    k = 0
    for i in range(n):
        t = i / fps
        lm = np.empty((NUM_LANDMARKS, 5), dtype=np.float32)
        lm[:] = rng.random((NUM_LANDMARKS, 5))
        update = AnalysisUpdate()
        if i % 10 == 5:
            metrics = {
                name: MetricValue(float(rng.random()), "u", 0.9)
                for name in ("overstride", "shank_angle_deg", "knee_flexion_deg", "cadence_spm",
                             "trunk_lean_deg", "head_forward", "vertical_oscillation",
                             "elbow_angle_deg")
            }  # fmt: skip
            update.strides.append(StrideRecord(k, "left" if k % 2 else "right", i, t, metrics))
            if k % 8 == 7:
                update.alerts.append(AlertRecord("raised", "overstride", "land under your hips",
                                                 0.2, k, t, 1))  # fmt: skip
            k += 1
        frames.append(
            (PoseResult(frame_index=i, timestamp_s=t, landmarks=lm), update,
             jpeg_bytes if jpeg else None)
        )  # fmt: skip
    return frames


def run(frames: list, cfg: RecordingConfig, fps: float, paced: bool) -> dict[str, float]:
    rec = Recorder(cfg)
    rec.session_started("bench", 0.0, {"bench": True})
    times = np.empty(len(frames))
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    for i, (pose, update, jpeg) in enumerate(frames):
        a = time.perf_counter_ns()
        rec.frame(pose, update, jpeg)
        times[i] = (time.perf_counter_ns() - a) / 1e6
        if paced:
            delay = wall0 + (i + 1) / fps - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    rec.session_ended(frames[-1][0].timestamp_s)
    assert rec.flush(60.0)
    cpu = time.process_time() - cpu0
    rec.close()  # waits for clips still being encoded
    stats = rec.stats()
    db = cfg.resolved_db_path()
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {
        "median_ms": float(np.median(times)),
        "p99_ms": float(np.percentile(times, 99)),
        "max_ms": float(times.max()),
        "mean_ms": float(times.mean()),
        "cpu_ms_per_frame": cpu * 1000 / len(frames),
        "db_bytes_per_s": size / (len(frames) / fps),
        "dropped": stats.frames_dropped,
        "errors": stats.write_errors,
        "clips": stats.clips_written,
    }


def baseline(frames: list, fps: float) -> tuple[float, float]:
    """The same paced loop calling only a (33, 4) numpy copy: what waking up costs here."""
    times = np.empty(len(frames))
    wall0 = time.perf_counter()
    for i, (pose, _, _) in enumerate(frames):
        a = time.perf_counter_ns()
        pose.landmarks[:, :4].copy()
        times[i] = (time.perf_counter_ns() - a) / 1e6
        delay = wall0 + (i + 1) / fps - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    return float(np.median(times)), float(np.percentile(times, 99))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--clips", action="store_true", help="also run with clips on (JPEG ring)")
    args = ap.parse_args()
    n = math.ceil(args.seconds * args.fps)
    variants = [("clips off", False)] + ([("clips on", True)] if args.clips else [])
    print(f"recording benchmark: {n} frames at {args.fps:g} fps, {cv2.getNumThreads()} cv threads")
    ok = True
    med, p99 = baseline(make_frames(min(n, 300), args.fps, False), args.fps)
    print(f"baseline (paced loop, one 33x4 numpy copy): median {med:.4f} ms  p99 {p99:.4f} ms")
    for name, clips in variants:
        frames = make_frames(n, args.fps, clips)
        for paced in (True, False):
            with tempfile.TemporaryDirectory() as tmp:
                cfg = RecordingConfig(
                    db_path=Path(tmp) / "s.db",
                    device_id="bench",
                    clips=clips,
                    clips_min_free_mib=0.0,
                    landmarks_min_free_mib=0.0,
                    metrics_min_free_mib=0.0,
                    queue_frames=100000,
                )
                r = run(frames, cfg, args.fps, paced)
            mode = "paced " if paced else "burst "
            print(
                f"{name:9s} {mode} frame(): median {r['median_ms']:.4f} ms  p99 "
                f"{r['p99_ms']:.4f} ms  max {r['max_ms']:.3f} ms  mean {r['mean_ms']:.4f} ms | "
                f"process CPU {r['cpu_ms_per_frame']:.3f} ms/frame | "
                f"db {r['db_bytes_per_s'] / 1024:.1f} KiB/s | dropped {r['dropped']:.0f} "
                f"errors {r['errors']:.0f} clips {r['clips']:.0f}"
            )
            if paced and r["median_ms"] > 0.2:
                ok = False
    print("target frame() <= 0.2 ms (paced median):", "MET" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
