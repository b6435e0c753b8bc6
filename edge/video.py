"""Reading video files frame by frame (OpenCV), with errors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.errors import VideoError

DEFAULT_FPS = 30.0


@dataclass(frozen=True, slots=True)
class VideoInfo:
    path: Path
    fps: float
    width: int
    height: int
    frame_count: int  # as the container reports it (may be approximate)
    fps_reported: bool  # False when the file had no usable frame rate (DEFAULT_FPS used)


class VideoFile:
    """An opened video file. Iterate to get BGR frames; close (or use ``with``) when done."""

    def __init__(self, path: Path | str) -> None:
        p = Path(path)
        if not p.exists():
            raise VideoError(f"{p}: no such file")
        if p.is_dir():
            raise VideoError(f"{p}: is a directory, not a video file")
        cap = cv2.VideoCapture(str(p))
        if not cap.isOpened():
            raise VideoError(f"{p}: cannot open as a video (is it a video file? try ffprobe)")
        ok, first = cap.read()
        if not ok or first is None:
            cap.release()
            raise VideoError(f"{p}: no readable frames (corrupt or not a video file)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        reported = 1.0 <= fps <= 2000.0
        self.info = VideoInfo(
            path=p,
            fps=fps if reported else DEFAULT_FPS,
            width=int(first.shape[1]),
            height=int(first.shape[0]),
            frame_count=int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0),
            fps_reported=reported,
        )
        self._cap = cap
        self._first: npt.NDArray[np.uint8] | None = np.asarray(first, dtype=np.uint8)

    def __iter__(self) -> Iterator[npt.NDArray[np.uint8]]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while True:
            ok, frame = self._cap.read()
            if not ok or frame is None:
                return
            yield np.asarray(frame, dtype=np.uint8)

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
