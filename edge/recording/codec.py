"""How values are encoded in the session database's columns.

- a step's metrics: JSON ``{name: {field: value}}`` with ``None`` fields left out, so a new
  field needs no migration (the wire model :class:`edge.wire.MetricWire`:
  :func:`edge.wire.metrics_to_json`); NaN/inf become ``None`` with a reason before they are
  stored (:func:`clean_metrics`);
- landmarks: one block per second of frames, as little-endian byte strings (times as
  float32 offsets from the block's first time, frame indices as int32, x/y/z/visibility
  as float16);
- a clip's frame times: little-endian float64.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from edge.gait.records import MetricValue
from edge.landmarks import NUM_LANDMARKS

#: Channels stored per landmark: x, y, z, visibility (as ``PoseResult.as_xyzv``).
STORED_CHANNELS = 4


def clean_metrics(metrics: dict[str, MetricValue]) -> dict[str, MetricValue]:
    """NaN/inf become ``None`` with a reason (JSON and the review pages need finite numbers)."""
    out = {}
    for k, m in metrics.items():
        if m.value is not None and not math.isfinite(m.value):
            out[k] = dataclasses.replace(m, value=None, reason=m.reason or "not finite")
        else:
            out[k] = m
    return out


class EncodedBlock(NamedTuple):
    """A landmark block as stored: first time, frame count and the three byte columns."""

    t0_s: float
    n: int
    t_offsets: bytes
    frame_indices: bytes
    data: bytes


def encode_block(
    t_s: npt.NDArray[np.float64],
    frame_index: npt.NDArray[np.int64],
    xyzv: npt.NDArray[np.float16],
) -> EncodedBlock:
    """One block (``n`` ≥ 1 frames) in the stored form; ``xyzv`` is (n, 33, 4)."""
    t0 = float(t_s[0])
    return EncodedBlock(
        t0,
        len(t_s),
        (t_s - t0).astype("<f4").tobytes(),
        frame_index.astype("<i4").tobytes(),
        np.ascontiguousarray(xyzv, dtype="<f2").tobytes(),
    )


def decode_block(
    t0_s: float, n: int, t_offsets: bytes, frame_indices: bytes, data: bytes
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """A stored block back as (times, frame indices, (n, 33, 4) float32 landmarks)."""
    return (
        t0_s + np.frombuffer(t_offsets, dtype="<f4").astype(np.float64),
        np.frombuffer(frame_indices, dtype="<i4").astype(np.int64),
        np.frombuffer(data, dtype="<f2")
        .reshape(n, NUM_LANDMARKS, STORED_CHANNELS)
        .astype(np.float32),
    )


def block_last_offset(t_offsets: bytes) -> float:
    """The last frame's time offset in a stored block (0 for an empty one)."""
    offsets = np.frombuffer(t_offsets, dtype="<f4")
    return float(offsets[-1]) if len(offsets) else 0.0


def encode_times(times: Sequence[float]) -> bytes:
    """A clip's frame times as stored."""
    return np.asarray(times, dtype="<f8").tobytes()


def decode_times(blob: bytes) -> tuple[float, ...]:
    return tuple(float(x) for x in np.frombuffer(blob, dtype="<f8"))
