"""Video clips for slow-motion review: an in-memory JPEG ring and a background clip encoder.

Clips are off by default (recording people on video needs their consent). When on, the
recorder keeps the last few seconds of JPEG frames; an alert or a mark cuts the seconds
around it into a video file, encoded on the :class:`ClipEncoder`'s own thread so neither
the analysis thread nor the database writer waits for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.media.native_stderr import NOISE, native_stderr

log = logging.getLogger(__name__)


def lower_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority (Linux: threads have their own nice value),
    so storage never competes with pose estimation. Best effort."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class JpegRing:
    """The last ``max_s`` seconds of JPEG frames (and at most ``max_bytes``), oldest evicted.

    Locking: none. The ring is owned by the recorder's writer thread, the only thread that
    appends to it or reads from it; frames arrive there through the recorder's queue.
    """

    def __init__(self, max_s: float, max_bytes: int) -> None:
        if max_s <= 0 or max_bytes <= 0:
            raise ValueError("JpegRing needs a positive duration and byte budget")
        self.max_s = max_s
        self.max_bytes = max_bytes
        self._frames: deque[tuple[float, bytes]] = deque()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def append(self, t_s: float, jpeg: bytes) -> None:
        self._frames.append((t_s, jpeg))
        self._bytes += len(jpeg)
        while self._frames and (
            t_s - self._frames[0][0] > self.max_s or self._bytes > self.max_bytes
        ):
            _, old = self._frames.popleft()
            self._bytes -= len(old)

    def window(self, t_from: float, t_to: float) -> list[tuple[float, bytes]]:
        return [(t, j) for t, j in self._frames if t_from <= t <= t_to]

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0


@dataclass(frozen=True, slots=True)
class ClipJob:
    session_id: int
    reason: str
    frames: list[tuple[float, bytes]]
    path: Path  # without suffix; the encoder adds the container's
    rel_dir: str


@dataclass(frozen=True, slots=True)
class EncodedClip:
    session_id: int
    reason: str
    path: str  # relative to the clips directory
    mime: str
    fps: float
    width: int
    height: int
    nbytes: int
    frame_times: list[float]


#: (suffix, fourcc, mime): H.264 first (hardware encoder on a Pi 4/5 through V4L2), then VP8
#: in WebM (software; plays in every browser), then MPEG-4 part 2 (always available).
CODECS: tuple[tuple[str, str, str], ...] = (
    (".mp4", "avc1", "video/mp4"),
    (".webm", "VP80", "video/webm"),
    (".mp4", "mp4v", "video/mp4"),
)

_codec_lock = threading.Lock()
#: What ffmpeg prints while an encoder is tried that this machine lacks (no V4L2 H.264 off a
#: Pi, no VP8 tag in some builds): the next one in :data:`CODECS` is used, so it is not an
#: error anyone can act on. When none opens, the OSError below says so.
CODEC_PROBE: tuple[str, ...] = (
    "h264_v4l2m2m",
    "Could not find a valid device",
    "can't configure encoder",
    "Could not open codec",
    "Failed to initialize VideoWriter",
    "is not supported with codec id",
)
_codec_choice: dict[tuple[int, int], tuple[str, str, str]] = {}


def _open_writer(
    base: Path, size: tuple[int, int], fps: float, bitrate: int | None = None
) -> tuple[cv2.VideoWriter, Path, str]:
    """A writer with the first encoder this machine has; ``bitrate`` (bits/s) caps the
    stream (else the encoder's default, about one bit per pixel per frame)."""
    params = [] if bitrate is None else [cv2.VIDEOWRITER_PROP_BITRATE, int(bitrate)]
    with _codec_lock, native_stderr(NOISE + CODEC_PROBE):
        known = _codec_choice.get(size)
        for suffix, fourcc, mime in (known,) if known else CODECS:
            path = base.with_suffix(suffix)
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, size, params)
            if writer.isOpened():
                _codec_choice[size] = (suffix, fourcc, mime)
                return writer, path, mime
            writer.release()
            path.unlink(missing_ok=True)
    raise OSError(f"no video encoder available for {base}")


def encode_clip(job: ClipJob) -> EncodedClip | None:
    """Decode the JPEGs and write them as a video at their capture rate."""
    frames = []
    times = []
    for t, jpeg in job.frames:
        img = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if img is not None:
            frames.append(img)
            times.append(t)
    if len(frames) < 2:
        return None
    h, w = frames[0].shape[:2]
    span = times[-1] - times[0]
    fps = (len(times) - 1) / span if span > 0 else 30.0
    job.path.parent.mkdir(parents=True, exist_ok=True)
    writer, path, mime = _open_writer(job.path, (w, h), fps)
    try:
        for img in frames:
            writer.write(img if img.shape[:2] == (h, w) else cv2.resize(img, (w, h)))
    finally:
        writer.release()
    return EncodedClip(
        session_id=job.session_id,
        reason=job.reason,
        path=f"{job.rel_dir}/{path.name}",
        mime=mime,
        fps=fps,
        width=w,
        height=h,
        nbytes=path.stat().st_size,
        frame_times=times,
    )


class ClipEncoder:
    """Encodes clips on its own thread; at most ``max_pending`` waiting, more are refused."""

    def __init__(
        self,
        on_done: Callable[[EncodedClip], None],
        on_error: Callable[[BaseException], None],
        max_pending: int = 8,
    ) -> None:
        self._on_done = on_done
        self._on_error = on_error
        self._jobs: queue.Queue[ClipJob | None] = queue.Queue(maxsize=max_pending)
        self._thread = threading.Thread(target=self._run, name="clip-encoder", daemon=True)
        self._thread.start()

    def submit(self, job: ClipJob) -> bool:
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            return False
        return True

    def _run(self) -> None:
        lower_priority(10)  # encoding is the least urgent work on the device
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                clip = encode_clip(job)
            except Exception as exc:  # an encoder failure must not end the thread
                log.warning("clip not written: %s", exc)
                self._on_error(exc)
                continue
            if clip is not None:
                self._on_done(clip)

    def close(self, timeout_s: float = 30.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout_s)
