"""Training data for the int8 landmark model: the crops the engine itself makes.

The float engine tracks the runner through every shared clip; the region it used on each
frame is the *data list* (clip, frame, region), committed beside the trained weights. The
crops are remade from it: the region, jittered (rotation, scale, shift), is cropped exactly
as the engine crops it, then brightness and blur are jittered on the crop. Frames whose
index ends in 4, 5 or 6 are held out (5 is the validation frame, 4 and 6 its neighbours,
kept out of training so validation is not a near-copy of a training crop).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.landmarks import Roi
from edge.media.video import VideoFile

Uint8Array = npt.NDArray[np.uint8]

#: Frame-index residues (mod 10) held out of training; the first is the validation frame.
VALIDATION_RESIDUE = 5
HELD_OUT_RESIDUES = (4, 5, 6)


@dataclass(frozen=True, slots=True)
class TrackedFrame:
    clip: str
    frame: int
    roi: tuple[float, float, float, float, float]  # x_center, y_center, width, height, rotation

    @property
    def held_out(self) -> bool:
        return self.frame % 10 in HELD_OUT_RESIDUES

    @property
    def validation(self) -> bool:
        return self.frame % 10 == VALIDATION_RESIDUE


def track_clips(videos: Sequence[Path], detector: Path, landmarks: Path) -> list[TrackedFrame]:
    """The region the float engine used on every frame where it found the runner."""
    from edge.media.video import VideoFile
    from edge.pose.config import PoseConfig
    from edge.pose.engine import PoseEngine, PoseModels

    out: list[TrackedFrame] = []
    for video in videos:
        engine = PoseEngine(PoseConfig(num_threads=1), PoseModels(detector, landmarks))
        with VideoFile(video) as vf:
            fps = vf.info.fps
            for i, frame in enumerate(vf):
                result = engine.process(frame, (i + 1) / fps)
                if result.roi is None or not result.detected:
                    continue
                r = result.roi
                out.append(
                    TrackedFrame(
                        video.name, i, (r.x_center, r.y_center, r.width, r.height, r.rotation)
                    )
                )
        engine.close()
    return out


def save_data_list(frames: Sequence[TrackedFrame], path: Path) -> None:
    rows = [asdict(f) for f in frames]
    path.write_text(json.dumps(rows, separators=(",", ":")) + "\n", encoding="utf-8")


def load_data_list(path: Path) -> list[TrackedFrame]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [TrackedFrame(r["clip"], int(r["frame"]), tuple(r["roi"])) for r in rows]


@dataclass(frozen=True, slots=True)
class Jitter:
    """Ranges of the random changes made to a training crop (uniform in ±range)."""

    rotation: float = 0.35  # radians
    scale: float = 0.15  # relative
    shift: float = 0.08  # fraction of the region's side
    brightness: float = 0.25  # relative gain
    offset: float = 20.0  # grey levels
    blur_probability: float = 0.3


def jittered_roi(roi: Roi, rng: np.random.Generator, j: Jitter) -> Roi:
    rot = float(rng.uniform(-j.rotation, j.rotation))
    sc = float(1.0 + rng.uniform(-j.scale, j.scale))
    dx, dy = (float(v) for v in rng.uniform(-j.shift, j.shift, 2))
    return replace(
        roi,
        x_center=roi.x_center + dx * roi.width * math.cos(roi.rotation),
        y_center=roi.y_center + dy * roi.height,
        width=roi.width * sc,
        height=roi.height * sc,
        rotation=roi.rotation + rot,
    )


def photometric(crop: Uint8Array, rng: np.random.Generator, j: Jitter) -> Uint8Array:
    gain = float(1.0 + rng.uniform(-j.brightness, j.brightness))
    out: npt.NDArray[np.float32] = crop.astype(np.float32) * np.float32(gain)
    out += np.float32(rng.uniform(-j.offset, j.offset))
    if rng.random() < j.blur_probability:
        k = int(rng.choice([3, 5]))
        out = np.asarray(cv2.GaussianBlur(out, (k, k), 0), np.float32)
    result: Uint8Array = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return result


def make_crops(
    frames: Sequence[TrackedFrame],
    videos_dir: Path,
    variants: int,
    seed: int,
    jitter: Jitter | None = None,
) -> Iterator[tuple[TrackedFrame, Uint8Array]]:
    """For each listed frame: the engine's own crop, then ``variants`` jittered ones (when
    ``jitter`` is given). Deterministic for a given ``seed``."""
    from edge.pose.interpreter import TFLiteModel  # noqa: F401  (LandmarkModel needs it)
    from edge.pose.landmarker import INPUT_SIZE
    from edge.pose.roi import crop_matrix

    rng = np.random.default_rng(seed)
    by_clip: dict[str, dict[int, TrackedFrame]] = {}
    for f in frames:
        by_clip.setdefault(f.clip, {})[f.frame] = f
    for clip in sorted(by_clip):
        wanted = by_clip[clip]
        last = max(wanted)
        with VideoFile(videos_dir / clip) as video:
            for i, frame in enumerate(video):
                if i > last:
                    break
                listed = wanted.get(i)
                if listed is None:
                    continue
                f = listed
                h, w = frame.shape[:2]
                roi = Roi(*f.roi)
                rois = [roi]
                if jitter is not None:
                    rois += [jittered_roi(roi, rng, jitter) for _ in range(variants)]
                for k, r in enumerate(rois):
                    m = crop_matrix(r, w, h, INPUT_SIZE)
                    crop = np.asarray(
                        cv2.warpAffine(
                            frame, m, (INPUT_SIZE, INPUT_SIZE),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
                        ),
                        np.uint8,
                    )  # fmt: skip
                    if k > 0 and jitter is not None:
                        crop = photometric(crop, rng, jitter)
                    yield f, crop
