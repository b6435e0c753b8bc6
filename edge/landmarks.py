"""Landmark layout and the typed records passed between pipeline stages.

Landmarks follow BlazePose's 33-point topology. Code addresses them through
:class:`Landmark` (``Landmark.LEFT_HEEL``), never through bare indices. Bulk data
stays in numpy arrays whose first axis is indexed by the enum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

NUM_LANDMARKS = 33


class Landmark(IntEnum):
    """BlazePose landmark indices (left before right, from the person's point of view)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


class Channel(IntEnum):
    """Columns of a landmark array."""

    X = 0  # normalized to frame width (0 = left edge, 1 = right edge)
    Y = 1  # normalized to frame height (0 = top)
    Z = 2  # depth relative to the hips, same scale as X; smaller = nearer the camera
    VISIBILITY = 3  # probability the point is visible (not occluded), 0..1
    PRESENCE = 4  # probability the point is inside the frame, 0..1


#: Body landmarks (shoulders down), the ones gait metrics and agreement tests use.
BODY_LANDMARKS: tuple[Landmark, ...] = tuple(lm for lm in Landmark if lm >= Landmark.LEFT_SHOULDER)

#: Pairs (left, right) that swap when the model confuses the body's sides.
LEFT_RIGHT_PAIRS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_EYE_INNER, Landmark.RIGHT_EYE_INNER),
    (Landmark.LEFT_EYE, Landmark.RIGHT_EYE),
    (Landmark.LEFT_EYE_OUTER, Landmark.RIGHT_EYE_OUTER),
    (Landmark.LEFT_EAR, Landmark.RIGHT_EAR),
    (Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT),
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW),
    (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_PINKY, Landmark.RIGHT_PINKY),
    (Landmark.LEFT_INDEX, Landmark.RIGHT_INDEX),
    (Landmark.LEFT_THUMB, Landmark.RIGHT_THUMB),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
    (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
)

#: Skeleton edges for drawing (pairs of landmarks joined by a bone).
SKELETON_EDGES: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.NOSE, Landmark.LEFT_EYE),
    (Landmark.NOSE, Landmark.RIGHT_EYE),
    (Landmark.LEFT_EYE, Landmark.LEFT_EAR),
    (Landmark.RIGHT_EYE, Landmark.RIGHT_EAR),
)


@dataclass(frozen=True, slots=True)
class Roi:
    """A rotated rectangle in normalized frame coordinates (MediaPipe's NormalizedRect).

    ``width`` and ``height`` are fractions of the frame width and height; ``rotation`` is
    in radians, clockwise in image coordinates.
    """

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float


def _empty_landmarks() -> FloatArray:
    return np.zeros((0, len(Channel)), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class PoseResult:
    """What the pose stage returns for one frame.

    ``landmarks`` is ``(33, 5)`` float32 (see :class:`Channel`) when a person was found and
    ``(0, 5)`` when nobody is there: an empty result, never ``None``.
    """

    frame_index: int
    timestamp_s: float
    landmarks: FloatArray = field(default_factory=_empty_landmarks)
    roi: Roi | None = None
    score: float = 0.0
    redetected: bool = False

    @property
    def detected(self) -> bool:
        return bool(self.landmarks.shape[0] == NUM_LANDMARKS)

    def as_xyzv(self) -> FloatArray:
        """``(33, 4)`` x, y, z, visibility; all NaN when nobody was found."""
        if not self.detected:
            return np.full((NUM_LANDMARKS, 4), np.nan, dtype=np.float32)
        return self.landmarks[:, :4]
