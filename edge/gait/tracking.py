"""Left/right identity by continuity, not by the pose model's label.

Side views make BlazePose swap left and right labels often (the shared references show
it). Each limb group (legs, arms) is tracked frame to frame: the labelling that keeps the
limbs closest to where they were predicted to be (last position + last velocity) wins, and
the frame's left/right rows are swapped in place when needed. A track's anatomical side is
the label the model gave it most often (a majority vote over the session).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from edge.landmarks import Landmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: A labelling must be off by this much (leg lengths, per landmark) before it is swapped.
SWAP_MIN_JUMP = 0.1

L = Landmark
LEG_PAIRS = (
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_KNEE, L.RIGHT_KNEE),
    (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    (L.LEFT_HEEL, L.RIGHT_HEEL),
    (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
)
LEG_KEYS = (
    (L.LEFT_KNEE, L.RIGHT_KNEE),
    (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    (L.LEFT_HEEL, L.RIGHT_HEEL),
    (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
)
ARM_PAIRS = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_ELBOW, L.RIGHT_ELBOW),
    (L.LEFT_WRIST, L.RIGHT_WRIST),
    (L.LEFT_PINKY, L.RIGHT_PINKY),
    (L.LEFT_INDEX, L.RIGHT_INDEX),
    (L.LEFT_THUMB, L.RIGHT_THUMB),
)
ARM_KEYS = ((L.LEFT_ELBOW, L.RIGHT_ELBOW), (L.LEFT_WRIST, L.RIGHT_WRIST))


class PairTracker:
    """Keeps a limb group's two tracks continuous; state is preallocated."""

    def __init__(
        self,
        pairs: tuple[tuple[Landmark, Landmark], ...],
        keys: tuple[tuple[Landmark, Landmark], ...],
    ):
        self._pa = np.array([a for a, _ in pairs], dtype=np.intp)
        self._pb = np.array([b for _, b in pairs], dtype=np.intp)
        self._ka = np.array([a for a, _ in keys], dtype=np.intp)
        self._kb = np.array([b for _, b in keys], dtype=np.intp)
        self._n = len(keys)
        self._keys = np.concatenate([self._ka, self._kb])
        self._perm = np.concatenate([np.arange(self._n, 2 * self._n), np.arange(self._n)])
        self._prev = np.zeros((2 * self._n, 2), dtype=np.float32)  # track 0 keys, track 1
        self._vel = np.zeros((2 * self._n, 2), dtype=np.float32)
        self._has_prev = False
        self.agree = 0  # frames where track 0 carried the model's LEFT label
        self.disagree = 0
        self.swaps = 0

    def reset(self) -> None:
        self._has_prev = False
        self.agree = self.disagree = self.swaps = 0

    @property
    def track0_is_left(self) -> bool:
        return self.agree >= self.disagree

    def update(self, xyzv: F32, scale: float) -> bool:
        """Reorder ``xyzv`` (33, 4) in place so row LEFT_* holds track 0; True if swapped.

        The model's labels are kept unless swapping them explains the frame much better
        (a quarter of the squared distance to the predicted positions) *and* the labels as
        given jump by more than ``SWAP_MIN_JUMP * scale`` per landmark. Where the limbs
        cross, both labellings fit about equally and the model's label is kept: continuity
        alone cannot tell crossing limbs apart, and guessing there causes more swaps than
        it fixes. ``scale`` is the leg length (NaN when not known yet).
        """
        cur = xyzv[self._keys, :2]  # (2n, 2): track-0 keys, then track-1 keys
        if math.isnan(float(cur.sum())):  # nobody, or a limb missing
            return False
        if not self._has_prev:
            self._prev[:] = cur
            self._vel[:] = 0.0
            self._has_prev = True
            self.agree += 1
            return False
        pred = self._prev + self._vel
        d = (cur - pred).ravel()
        keep = float(d @ d)
        d = (cur[self._perm] - pred).ravel()
        swap = float(d @ d)
        jump = SWAP_MIN_JUMP * scale if math.isfinite(scale) else 0.0
        swapped = swap < 0.25 * keep and keep > jump * jump * self._n
        if swapped:
            rows_a = xyzv[self._pa].copy()
            xyzv[self._pa] = xyzv[self._pb]
            xyzv[self._pb] = rows_a
            self.disagree += 1
            self.swaps += 1
            cur = cur[self._perm]
        else:
            self.agree += 1
        # damped velocity: keeps prediction useful without amplifying jitter
        np.subtract(cur, self._prev, out=self._vel)
        self._vel *= 0.5
        self._prev[:] = cur
        return swapped
