"""Landmark blocks: the recorder stores landmarks as one float16 block per second of frames.

:class:`LandmarkBlocks` holds the block being filled and the closed blocks not yet
committed. The open block is written (as a partial block) with every commit and rewritten
by the next one, so a ``kill -9`` loses at most one commit interval of landmarks.
Owned by the recorder's writer thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from edge.landmarks import NUM_LANDMARKS
from edge.recording.codec import STORED_CHANNELS
from edge.recording.store import SessionStore

BLOCK_S = 1.0  # landmarks are stored one block per second of frames
BLOCK_CAPACITY = 512  # frames per block at most (a 240 fps phone clip fits)


class ClosedBlock(NamedTuple):
    """A full block waiting for its commit (``written``: frames already on disk)."""

    number: int
    t: npt.NDArray[np.float64]
    fi: npt.NDArray[np.int64]
    xyzv: npt.NDArray[np.float16]
    written: int


@dataclass(slots=True)
class LandmarkBlock:
    """The landmark block being filled."""

    t: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(BLOCK_CAPACITY))
    fi: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.empty(BLOCK_CAPACITY, dtype=np.int64)
    )
    xyzv: npt.NDArray[np.float16] = field(
        default_factory=lambda: np.empty(
            (BLOCK_CAPACITY, NUM_LANDMARKS, STORED_CHANNELS), dtype=np.float16
        )
    )
    n: int = 0
    number: int = 0
    written: int = 0  # frames of this block already committed (as a partial block)

    def snapshot(self) -> ClosedBlock:
        n = self.n
        return ClosedBlock(
            self.number, self.t[:n].copy(), self.fi[:n].copy(), self.xyzv[:n].copy(), self.written
        )


class LandmarkBlocks:
    """The session's open landmark block and the closed blocks not yet committed."""

    def __init__(self) -> None:
        self.open = LandmarkBlock()
        self.closed: list[ClosedBlock] = []

    def reset(self) -> None:
        """A new session: block numbers start again at 0."""
        self.open = LandmarkBlock()

    def add(self, t_s: float, frame_index: int, lm: npt.NDArray[np.float32] | None) -> None:
        """One frame's landmarks (None: not a full pose, stored as NaN)."""
        b = self.open
        if b.n and (t_s - b.t[0] >= BLOCK_S or b.n == BLOCK_CAPACITY):
            self.closed.append(b.snapshot())
            b.n = 0
            b.written = 0
            b.number += 1
        b.t[b.n] = t_s
        b.fi[b.n] = frame_index
        if lm is None:
            b.xyzv[b.n] = np.nan
        else:
            b.xyzv[b.n] = lm
        b.n += 1

    def close_open(self) -> None:
        """The session ends: the open block joins the closed ones."""
        if self.open.n:
            self.closed.append(self.open.snapshot())
            self.open.n = 0

    def drop(self) -> int:
        """Forget every frame not yet committed; returns how many frames that was."""
        b = self.open
        n = sum(len(c.t) - c.written for c in self.closed) + b.n - b.written
        self.closed.clear()
        # A new block number: the open one may already be on disk with fewer frames.
        b.n = 0
        b.written = 0
        b.number += 1
        return n

    def write(self, store: SessionStore, session_id: int) -> None:
        """Write the closed blocks and the open one (inside the commit's transaction)."""
        for c in self.closed:
            store.put_landmark_block(session_id, c.number, c.t, c.fi, c.xyzv)
        b = self.open
        if b.n:
            store.put_landmark_block(session_id, b.number, b.t[: b.n], b.fi[: b.n], b.xyzv[: b.n])

    def committed(self) -> None:
        """The commit that wrote them succeeded."""
        self.closed.clear()
        self.open.written = self.open.n
