"""SSD anchor generation for the BlazePose person detector.

Reimplements the anchor layout MediaPipe's pose detector was trained with: five layers
with strides 8, 16, 32, 32, 32 on a 224×224 input, two anchors per cell per layer (the
layer's scale and the interpolated scale towards the next layer), all of unit size
("fixed anchor size"), centred on the cells. Layers that share a stride share one grid,
so the 32-stride layers give 6 anchors per 7×7 cell. 2254 anchors in all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class AnchorOptions:
    input_width: int = 224
    input_height: int = 224
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)
    offset_x: float = 0.5
    offset_y: float = 0.5
    #: one aspect ratio plus one interpolated-scale anchor per layer
    anchors_per_layer: int = 2


def generate_anchors(opts: AnchorOptions | None = None) -> npt.NDArray[np.float32]:
    """Anchor centres and sizes, ``(N, 4)`` = x_center, y_center, width, height (normalized).

    With fixed anchor size every width and height is 1.0 (the per-layer scales that SSD
    uses for box sizes play no part); only the centres, and how many anchors each cell
    gets, carry information.
    """
    o = opts or AnchorOptions()
    rows: list[tuple[float, float]] = []
    layer = 0
    n = len(o.strides)
    while layer < n:
        # Consecutive layers with the same stride are stacked on the same grid.
        last = layer
        per_cell = 0
        while last < n and o.strides[last] == o.strides[layer]:
            per_cell += o.anchors_per_layer
            last += 1
        stride = o.strides[layer]
        fm_h = math.ceil(o.input_height / stride)
        fm_w = math.ceil(o.input_width / stride)
        for y in range(fm_h):
            cy = (y + o.offset_y) / fm_h
            for x in range(fm_w):
                cx = (x + o.offset_x) / fm_w
                rows.extend((cx, cy) for _ in range(per_cell))
        layer = last
    centres = np.asarray(rows, dtype=np.float32)
    sizes = np.ones_like(centres)
    return np.concatenate([centres, sizes], axis=1)
