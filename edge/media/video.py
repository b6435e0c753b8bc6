"""Reading video files frame by frame (OpenCV), with errors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.errors import VideoError
from edge.media.native_stderr import native_stderr

DEFAULT_FPS = 30.0
#: Pseudo-codecs ffmpeg offers for files that are not video (a text file as "ANSI art").
NOT_VIDEO_CODECS = frozenset({"ansi"})
MIN_SIDE, MAX_SIDE = 16, 16384


def _looks_like_text(head: bytes) -> bool:
    """True for bytes that read as text (a video container always has binary bytes early)."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _fourcc(cap: cv2.VideoCapture) -> str:
    code = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
    return code.to_bytes(4, "little").decode("latin-1").strip("\x00 ").lower()


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
        try:
            with p.open("rb") as f:
                head = f.read(4096)
        except OSError as exc:
            raise VideoError(f"{p}: cannot read it ({exc.strerror})") from None
        if not head:
            raise VideoError(f"{p}: not a video (the file is empty)")
        if _looks_like_text(head):
            raise VideoError(f"{p}: not a video (it is a text file)")
        # ffmpeg writes its complaints ("moov atom not found") to fd 2: the error below says it
        with native_stderr() as ffmpeg:
            cap = cv2.VideoCapture(str(p))
            ffmpeg.discard = not cap.isOpened()  # explained by the error below
            if cap.isOpened():
                problem = self._check(p, cap)
        if not cap.isOpened():
            if "moov atom not found" in ffmpeg.text:
                problem = (
                    f"{p}: not a video (no MP4 index: not a video file, or a recording that "
                    "was cut off before it was finished)"
                )
            else:
                problem = f"{p}: not a video (cannot be opened; check it plays, e.g. with ffprobe)"
        if problem is not None:
            cap.release()
            raise VideoError(problem)
        first = self._frames[0]
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

    _frames: list[npt.NDArray[np.uint8]]

    def _check(self, p: Path, cap: cv2.VideoCapture) -> str | None:
        """Why the opened ``cap`` is not a video worth analysing, or None. Reads the first
        two frames (kept for the iteration)."""
        if _fourcc(cap) in NOT_VIDEO_CODECS:
            return f"{p}: not a video (ffmpeg reads it only as text)"
        frames: list[npt.NDArray[np.uint8]] = []
        for _ in range(2):
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            frames.append(np.asarray(frame, dtype=np.uint8))
        if not frames:
            return f"{p}: not a video (no frame can be decoded: corrupt or not a video file)"
        h, w = frames[0].shape[:2]
        if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
            return f"{p}: not a video (frames of {w}x{h} pixels)"
        if len(frames) < 2:
            return f"{p}: not a video (a single image; analyze needs a video of someone running)"
        self._frames = frames
        return None

    def frame_at(self, index: int) -> npt.NDArray[np.uint8] | None:
        """Frame ``index`` (0-based) by seeking, or None past the end; iteration goes on
        after it."""
        self._frames = []
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = self._cap.read()
        return np.asarray(frame, dtype=np.uint8) if ok and frame is not None else None

    def __iter__(self) -> Iterator[npt.NDArray[np.uint8]]:
        pending, self._frames = self._frames, []
        yield from pending
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
