"""What the instant replay buffer costs: time on the analysis thread per frame, and memory.

Feeds the buffer the pipeline's own calls for a runner at the defaults (30 frames/s
analysed, the page's video at 15 frames/s, 640 px JPEG at quality 70, a step every 0.35 s)
for ``--seconds`` of running, timed on this thread, then prints:

* per analysed frame: the buffer's share of the analysis thread (its ``publish`` of the
  frame message, plus ``video`` on every other frame, plus a step message when one lands) —
  median, p99, max and mean in ms;
* memory once full: the buffer's own count (JPEG bytes + per-frame overhead) and what
  Python really allocated for it (tracemalloc), against the ``replay.max_mib`` cap;
* what one replay costs to serve (select the last stride and pack it) and its size.

The JPEGs are real: frames of a shared treadmill clip when ``../shared/data`` is there
(``--video`` to choose), else a textured synthetic picture; either is encoded once per
distinct frame, as the page's video is, and the buffer keeps those bytes.

Usage: python benchmarks/replay_buffer.py [--seconds 25] [--video PATH]
Target: under 0.05 ms per frame on the analysis thread; at most 150 MiB at the defaults.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np

from edge.live.replay import ReplayBuffer
from edge.live.replay_config import ReplayConfig
from edge.live.replay_pack import pack_clip

REPO = Path(__file__).resolve().parent.parent
CLIP = REPO.parent / "shared" / "data" / "videos" / "treadmill_side_good_A.mp4"
FPS = 30.0
VIDEO_EVERY = 2  # 15 frames/s of page video
STEP_S = 0.35


def jpegs(path: Path | None, n: int, size: int = 640, quality: int = 70) -> tuple[list[bytes], str]:
    """Up to ``n`` distinct JPEGs as the page's video encodes them."""
    frames: list[np.ndarray] = []
    if path is not None and path.is_file():
        cap = cv2.VideoCapture(str(path))
        while len(frames) < n:
            ok, img = cap.read()
            if not ok:
                break
            frames.append(img)
        cap.release()
    where = f"{path.name} frames" if frames else "synthetic textured frames"
    if not frames:
        rng = np.random.default_rng(0)
        base = (rng.random((480, 640, 3)) * 60 + 90).astype(np.uint8)
        frames = [np.roll(base, 7 * i, axis=1) for i in range(min(n, 60))]
    out = []
    for frame in frames:
        img = frame
        h, w = img.shape[:2]
        scale = size / max(h, w)
        if scale < 1.0:
            img = cv2.resize(
                img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
            )
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        out.append(buf.tobytes())
    return out, where


def landmarks(i: int) -> list[float]:
    lm = np.zeros((33, 3))
    lm[:, 0] = 0.4 + 0.1 * np.sin(i / 5.0)
    lm[:, 1] = np.linspace(0.1, 0.9, 33)
    lm[:, 2] = 0.95
    out: list[float] = np.round(lm, 4).ravel().tolist()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--video", type=Path, default=CLIP)
    args = ap.parse_args()
    cfg = ReplayConfig()
    n = int(args.seconds * FPS)
    pics, where = jpegs(args.video, 150)
    # Messages built beforehand: the pipeline builds them for the page anyway.
    msgs = [
        {"type": "frame", "id": i, "t": i / FPS, "wall": i / FPS, "lm": landmarks(i), "ev": []}
        for i in range(n)
    ]
    step_every = round(STEP_S * FPS)

    def feed(buf: ReplayBuffer) -> list[float]:
        buf.publish({"type": "session", "state": "started", "t": 0.0})
        costs = []
        for i in range(n):
            t = i / FPS
            stride = None
            if i > 3 and (i - 3) % step_every == 0:
                k = (i - 3) // step_every
                stride = {
                    "type": "stride",
                    "index": k,
                    "foot": "left" if k % 2 else "right",
                    "frame_id": i - 3,
                    "t": (i - 3) / FPS,
                    "metrics": {"overstride": {"value": 0.1, "unit": "leg", "confidence": 0.9}},
                    "current": {},
                }
            jpeg = pics[(i // VIDEO_EVERY) % len(pics)] if i % VIDEO_EVERY == 0 else None
            t0 = time.perf_counter()
            buf.publish(msgs[i])
            if stride is not None:
                buf.publish(stride)
            if jpeg is not None:
                buf.video(i, t, t, jpeg)
            costs.append((time.perf_counter() - t0) * 1000.0)
        return costs

    # Memory first, traced (tracemalloc slows allocations, so the timing is a second run).
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = ReplayBuffer(cfg)
    feed(traced)
    held_traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del traced
    buf = ReplayBuffer(cfg)
    costs = feed(buf)
    # The JPEG bytes are shared with the test's own list of pictures (as with the page's
    # video hub, which holds only the newest): count what the buffer references.
    st = buf.stats()
    distinct = {id(f.jpeg) for f in buf._frames}
    jpeg_bytes = sum(len(f.jpeg) for f in buf._frames)

    costs.sort()
    p = lambda q: costs[min(len(costs) - 1, int(q * len(costs)))]  # noqa: E731
    print(
        f"replay buffer at the defaults ({cfg.seconds:.0f} s, cap {cfg.max_mib:.0f} MiB), "
        f"{args.seconds:.0f} s of running, {where}"
    )
    print(
        f"  mean JPEG {statistics.mean(len(j) for j in pics) / 1024:.1f} KiB "
        f"(640 px, quality 70), {len(pics)} distinct"
    )
    print(
        f"  per analysed frame on the analysis thread: median {p(0.5):.4f} ms, "
        f"p99 {p(0.99):.4f} ms, max {costs[-1]:.3f} ms, mean {statistics.mean(costs):.4f} ms"
    )
    print(
        f"  held: {st['frames']} frames over {st['seconds']:.1f} s, {st['mib']:.1f} MiB counted "
        f"({jpeg_bytes / 2**20:.1f} MiB of JPEG, {len(distinct)} distinct objects), "
        f"pinned references {st['pinned_mib']:.2f} MiB"
    )
    print(
        f"  Python allocations of the buffer besides the JPEGs: "
        f"{held_traced / 2**20:.2f} MiB (tracemalloc)"
    )
    per_s = jpeg_bytes / max(st["seconds"], 1e-9) / 2**20
    print(
        f"  at this frame size the {cfg.max_mib:.0f} MiB cap would hold "
        f"{cfg.max_mib / per_s:.0f} s; 20 s at 1280 px (about 4x the bytes) take "
        f"{4 * per_s * 20:.0f} MiB"
    )
    t0 = time.perf_counter()
    reps = 20
    for _ in range(reps):
        data = pack_clip(buf.last_strides(1))
    ms = (time.perf_counter() - t0) * 1000.0 / reps
    print(
        f"  serving one replay (last stride, select + pack): {ms:.2f} ms, "
        f"{len(data) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
