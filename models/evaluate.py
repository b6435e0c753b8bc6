"""How far the int8 landmark model is from the float one, the way the product uses it.

Both models run inside the whole pose engine (detection, tracking, smoothing) over the same
frames of a clip; the landmarks are compared in torso lengths (mid-shoulder to mid-hip of
the float result, in pixels) on the frames where both found the runner, and each result's
gait report is compared on cadence, overstride and the cues raised. This is the accuracy
bar of the int8 model: median ≤ 0.02 and p95 ≤ 0.05 torso lengths, cadence within 0.5
steps/min, overstride within 0.02 leg lengths, the same cues.

The same comparison of the float model against *itself* on frames with invisible sensor
noise (each pixel moved by -1, 0 or +1 grey level) is the float model's noise floor: how far
its landmarks and report move for a change no camera could avoid. It says what a bar
against the float model can ask of any other model (docs/int8.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.landmarks import NUM_LANDMARKS, Landmark
from edge.pose.config import PoseConfig
from edge.pose.engine import PoseEngine, PoseModels

FloatArray = npt.NDArray[np.float32]
Frame = npt.NDArray[np.uint8]

MEDIAN_BAR = 0.02
P95_BAR = 0.05
CADENCE_BAR_SPM = 0.5
OVERSTRIDE_BAR = 0.02


@dataclass(frozen=True, slots=True)
class ClipComparison:
    clip: str
    frames: int
    compared: int  # frames where both found the runner
    median: float
    p95: float
    cadence: tuple[float | None, float | None]
    overstride: tuple[float | None, float | None]
    cues: tuple[frozenset[str], frozenset[str]]

    def failures(self) -> list[str]:
        out = []
        if not self.median <= MEDIAN_BAR:
            out.append(f"median {self.median:.4f} > {MEDIAN_BAR}")
        if not self.p95 <= P95_BAR:
            out.append(f"p95 {self.p95:.4f} > {P95_BAR}")
        out += _close("cadence", self.cadence, CADENCE_BAR_SPM)
        out += _close("overstride", self.overstride, OVERSTRIDE_BAR)
        if self.cues[0] != self.cues[1]:
            out.append(f"cues {sorted(self.cues[0])} vs {sorted(self.cues[1])}")
        return out

    def line(self) -> str:
        def f(v: float | None, fmt: str) -> str:
            return "-" if v is None else format(v, fmt)

        return (
            f"{self.clip:30s} {self.compared:4d}/{self.frames:<4d} median {self.median:.4f} "
            f"p95 {self.p95:.4f}  cadence {f(self.cadence[0], '.1f')}/{f(self.cadence[1], '.1f')}"
            f"  overstride {f(self.overstride[0], '.3f')}/{f(self.overstride[1], '.3f')}"
            f"  cues {'same' if self.cues[0] == self.cues[1] else 'DIFFER'}"
            + ("" if not self.failures() else "  FAILS: " + "; ".join(self.failures()))
        )


def _close(name: str, pair: tuple[float | None, float | None], bar: float) -> list[str]:
    a, b = pair
    if a is None and b is None:
        return []
    if a is None or b is None or not abs(a - b) <= bar:
        return [f"{name} {a} vs {b}"]
    return []


class SensorNoise:
    """Frames with each pixel channel moved by -1, 0 or +1 grey level (seeded): far below a
    camera's own noise, invisible to anyone, and enough to move the float model."""

    def __init__(self, seed: int = 1) -> None:
        self._rng = np.random.default_rng(seed)

    def __call__(self, frame: Frame) -> Frame:
        noise = self._rng.integers(-1, 2, frame.shape, dtype=np.int16)
        noisy: Frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        return noisy


def track(
    video: Path,
    models: PoseModels,
    max_frames: int,
    config: PoseConfig | None = None,
    perturb: Callable[[Frame], Frame] | None = None,
) -> tuple[FloatArray, float, int, int]:
    """Landmarks (frames, 33, 4) of the whole engine on the first ``max_frames`` frames
    (each passed through ``perturb`` first, when given)."""
    from edge.video import VideoFile

    engine = PoseEngine(config or PoseConfig(num_threads=1), models)
    rows = []
    with VideoFile(video) as vf:
        info = vf.info
        for i, frame in enumerate(vf):
            if i >= max_frames:
                break
            seen = frame if perturb is None else perturb(frame)
            rows.append(engine.process(seen, i / info.fps).as_xyzv().copy())
    engine.close()
    empty = np.zeros((0, NUM_LANDMARKS, 4), np.float32)
    return (np.stack(rows) if rows else empty), info.fps, info.width, info.height


def landmark_errors(reference: FloatArray, test: FloatArray, width: int, height: int) -> FloatArray:
    """(frames, 33) distances in the reference's torso lengths, frames where both found
    someone."""
    both = np.isfinite(reference[:, 0, 0]) & np.isfinite(test[:, 0, 0])
    scale = np.array([width, height], np.float32)
    a = reference[both, :, :2] * scale
    b = test[both, :, :2] * scale
    sh = (a[:, Landmark.LEFT_SHOULDER] + a[:, Landmark.RIGHT_SHOULDER]) / 2
    hip = (a[:, Landmark.LEFT_HIP] + a[:, Landmark.RIGHT_HIP]) / 2
    torso = np.maximum(np.linalg.norm(sh - hip, axis=1), 1e-6)
    err: FloatArray = (np.linalg.norm(a - b, axis=2) / torso[:, None]).astype(np.float32)
    return err


def _report_figures(
    lm: FloatArray, fps: float, aspect: float
) -> tuple[float | None, float | None, frozenset[str]]:
    from edge.gait.report import analyze_landmarks

    report = analyze_landmarks(lm, fps, aspect=aspect)
    overstride = report.summary.overstride.value
    cues = frozenset(a.cue for a in report.alerts if a.state == "raised")
    return report.cadence_spm, overstride, cues


def compare_clip(
    video: Path, float_models: PoseModels, int8_models: PoseModels, max_frames: int
) -> ClipComparison:
    ref, fps, w, h = track(video, float_models, max_frames)
    got, _, _, _ = track(video, int8_models, max_frames)
    return compare_tracks(video.stem, ref, got, fps, w, h)


def compare_with_noise_floor(
    video: Path, float_models: PoseModels, int8_models: PoseModels, max_frames: int
) -> tuple[ClipComparison, ClipComparison]:
    """(int8 against float, float on noisy frames against float) on one clip."""
    ref, fps, w, h = track(video, float_models, max_frames)
    got, _, _, _ = track(video, int8_models, max_frames)
    noisy, _, _, _ = track(video, float_models, max_frames, perturb=SensorNoise())
    return (
        compare_tracks(video.stem, ref, got, fps, w, h),
        compare_tracks(video.stem, ref, noisy, fps, w, h),
    )


def compare_tracks(
    clip: str, ref: FloatArray, got: FloatArray, fps: float, w: int, h: int
) -> ClipComparison:
    """``got`` against the reference track ``ref`` of the same frames."""
    err = landmark_errors(ref, got, w, h)
    cad_a, over_a, cues_a = _report_figures(ref, fps, w / h)
    cad_b, over_b, cues_b = _report_figures(got, fps, w / h)
    return ClipComparison(
        clip=clip,
        frames=len(ref),
        compared=len(err),
        median=float(np.median(err)) if err.size else float("nan"),
        p95=float(np.percentile(err, 95)) if err.size else float("nan"),
        cadence=(cad_a, cad_b),
        overstride=(over_a, over_b),
        cues=(cues_a, cues_b),
    )
