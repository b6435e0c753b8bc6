"""Child process for the kill -9 test: records a session in real time until killed.

Prints ``t`` (capture time = time.monotonic()) after each frame has been handed to the
recorder, so the parent knows what the pipeline had delivered when it killed us.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from edge.gait.records import AnalysisUpdate
from edge.landmarks import PoseResult
from edge.recording.config import RecordingConfig
from edge.recording.recorder import Recorder
from tests.recording.synth import landmarks_at, stride_at

FPS = 30.0


def main() -> None:
    db = Path(sys.argv[1])
    cfg = RecordingConfig(
        db_path=db,
        device_id="crash",
        clips_min_free_mib=0.0,
        landmarks_min_free_mib=0.0,
        metrics_min_free_mib=0.0,
    )  # default flush_interval_s (1 s)
    rec = Recorder(cfg)
    t0 = time.monotonic()
    rec.session_started("crash-1", t0, {"source": "crash test"})
    i = 0
    k = 0
    next_stride = t0 + 0.3
    while time.monotonic() - t0 < 60.0:
        t = time.monotonic()
        update = AnalysisUpdate()
        if t >= next_stride:
            update.strides.append(stride_at(k, t, i))
            k += 1
            next_stride += 0.35
        rec.frame(PoseResult(i, t, landmarks_at(t)), update, None)
        print(f"{t:.6f} {k}", flush=True)
        i += 1
        time.sleep(max(0.0, t0 + i / FPS - time.monotonic()))


if __name__ == "__main__":
    main()
