"""What a frame source delivers, and the interface every source implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.landmarks import FloatArray

Image = npt.NDArray[np.uint8]


@dataclass(slots=True)
class Frame:
    """One captured frame.

    ``t_s`` is capture time in seconds on the source's own clock (sensor timestamp, media
    time of a file, or monotonic time for webcams); it increases strictly and is what the
    pose model and gait analysis see. ``captured_mono`` / ``captured_wall`` are
    ``time.monotonic()`` / ``time.time()`` when the frame left the source; they measure
    latency only.
    """

    index: int
    t_s: float
    captured_mono: float
    captured_wall: float
    image: Image  # BGR uint8, for the model (a small stream where the camera offers one)
    view_image: Image | None = None  # larger BGR image for viewing; None: use ``image``
    truth: FloatArray | None = None  # (33, 4) known landmarks (simulated source only)

    @property
    def viewing(self) -> Image:
        return self.image if self.view_image is None else self.view_image


class FrameSource(Protocol):
    """A camera, a video file, a stream, or the simulated runner.

    ``open`` raises :class:`~edge.errors.CameraError` or :class:`~edge.errors.VideoError` with
    a message saying what to do. ``read`` blocks until the next frame (paced sources sleep to
    their frame rate) and returns ``None`` at the end of a file; it raises ``CameraError``
    when a live source stops delivering (the capture loop then retries with backoff).
    """

    @property
    def name(self) -> str:
        """Human description shown on the page (``USB camera 0``, a file name, ``demo``)."""

    @property
    def simulated(self) -> bool:
        """True for the synthetic runner: the page labels everything SIMULATED."""

    @property
    def live(self) -> bool:
        """True when the source cannot be replayed (camera, stream): loss means retry."""

    @property
    def fps(self) -> float | None:
        """Nominal frame rate, when known."""

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...
