"""Temporal smoothing of landmarks: a One-Euro filter and a low-pass for visibility.

The One-Euro filter (Casiez et al., CHI 2012) is an exponential smoother whose cutoff
frequency rises with speed: still points are smoothed hard (no jitter), fast ones lightly
(little lag). As in MediaPipe's pose graph, values are filtered in pixels and the speed is
divided by the body's size (mean of its bounding-box width and height), so the same
settings suit a runner near or far from the camera. Timestamps must increase; a repeated
or earlier timestamp passes the values through unfiltered.

Everything is vectorised over landmarks and coordinates; state arrays are allocated once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OneEuroParams:
    min_cutoff: float  # Hz; smoothing strength at rest
    beta: float  # how fast the cutoff grows with (scaled) speed
    derivative_cutoff: float = 1.0  # Hz; smoothing of the speed estimate


#: Body landmarks: heavy at rest, responsive when moving fast.
BODY_FILTER = OneEuroParams(min_cutoff=0.05, beta=80.0)
#: Alignment points that place the next region: smoother still, for a stable crop.
AUX_FILTER = OneEuroParams(min_cutoff=0.01, beta=10.0)
#: Weight of the new visibility value in its exponential smoother.
VISIBILITY_ALPHA = 0.1
DEFAULT_FREQUENCY = 30.0


def _alpha(cutoff: FloatArray | float, frequency: float) -> FloatArray | float:
    te = 1.0 / frequency
    tau = 1.0 / (2.0 * math.pi * np.maximum(cutoff, 1e-9))
    return 1.0 / (1.0 + tau / te)


class OneEuroFilter:
    """One-Euro filter over an array of shape ``shape`` (e.g. 33 landmarks × 3 coords)."""

    def __init__(self, shape: tuple[int, ...], params: OneEuroParams) -> None:
        self.params = params
        self._x = np.zeros(shape)  # last filtered value
        self._raw = np.zeros(shape)  # last raw value
        self._dx = np.zeros(shape)  # last filtered derivative
        self._last_t: float | None = None
        self._frequency = DEFAULT_FREQUENCY

    def reset(self) -> None:
        self._last_t = None
        self._frequency = DEFAULT_FREQUENCY

    def apply(self, value: FloatArray, t_s: float, value_scale: float) -> FloatArray:
        """Filter ``value`` observed at ``t_s``; returns the filtered array (internal buffer)."""
        p = self.params
        if self._last_t is None:
            self._x[...] = value
            self._raw[...] = value
            self._dx.fill(0.0)
            self._last_t = t_s
            return self._x
        if t_s <= self._last_t:
            return value
        self._frequency = 1.0 / (t_s - self._last_t)
        self._last_t = t_s
        dvalue = (value - self._raw) * (value_scale * self._frequency)
        a_d = _alpha(p.derivative_cutoff, self._frequency)
        self._dx += a_d * (dvalue - self._dx)
        cutoff = p.min_cutoff + p.beta * np.abs(self._dx)
        a = _alpha(cutoff, self._frequency)
        self._x += a * (value - self._x)
        self._raw[...] = value
        return self._x


def object_scale(aux_xy: npt.NDArray[np.float32], frame_w: int, frame_h: int) -> float:
    """Body size in pixels: twice the hips-to-scale-point distance (the unexpanded region
    side), from the two alignment points normalized to the frame."""
    dx = float(aux_xy[1, 0] - aux_xy[0, 0]) * frame_w
    dy = float(aux_xy[1, 1] - aux_xy[0, 1]) * frame_h
    return 2.0 * math.hypot(dx, dy)


class LandmarkSmoother:
    """Smooths one person's landmarks (x, y, z) and visibility over time.

    Works on normalized coordinates: converts to pixels (z scales with width, as x does),
    filters, converts back. :meth:`reset` when tracking is lost.
    """

    def __init__(self, n: int, params: OneEuroParams, smooth_visibility: bool) -> None:
        self._filter = OneEuroFilter((n, 3), params)
        self._px = np.zeros((n, 3))
        self._vis = np.zeros(n)
        self._vis_valid = False
        self._smooth_visibility = smooth_visibility

    def reset(self) -> None:
        self._filter.reset()
        self._vis_valid = False

    def apply(
        self,
        xyz: npt.NDArray[np.float32],
        t_s: float,
        frame_w: int,
        frame_h: int,
        scale_px: float,
        visibility: npt.NDArray[np.float32] | None = None,
    ) -> None:
        """Smooth ``xyz`` (n, 3, normalized) in place, and ``visibility`` (n,) if given.

        ``scale_px`` is the body size (:func:`object_scale`) that speeds are divided by.
        """
        px = self._px
        px[:, 0] = xyz[:, 0] * frame_w
        px[:, 1] = xyz[:, 1] * frame_h
        px[:, 2] = xyz[:, 2] * frame_w
        if scale_px > 1e-6:
            out = self._filter.apply(px, t_s, 1.0 / scale_px)
            xyz[:, 0] = out[:, 0] / frame_w
            xyz[:, 1] = out[:, 1] / frame_h
            xyz[:, 2] = out[:, 2] / frame_w
        if visibility is not None and self._smooth_visibility:
            if self._vis_valid:
                self._vis += VISIBILITY_ALPHA * (visibility - self._vis)
            else:
                self._vis[:] = visibility
                self._vis_valid = True
            visibility[:] = self._vis
