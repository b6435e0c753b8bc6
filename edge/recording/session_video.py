"""A low-resolution copy of an analysed video, kept with its session for review.

``treadwatch analyze clip.mp4 --store`` stores the landmarks as a session; this keeps the
video itself too, scaled down (longest side ``max_side`` pixels, at most :data:`BITRATE`
bits per second: a 480-pixel copy takes about 0.1 MB a second, where the encoder's default
of a bit per pixel per frame made it nearly as large as the phone's original) and written
with the same encoders as the live clips (:mod:`edge.recording.clips`: VP8 in WebM where
H.264 is not available), as one clip of the session with reason ``"video"``. Frame ``i`` of
the copy is at capture time ``i / rate`` — the times the stored landmarks carry — so the
review page plays the video with the skeleton over it, in sync, in slow motion.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2

from edge.errors import VideoError
from edge.media.video import VideoFile
from edge.recording.clips import _open_writer
from edge.recording.store import SessionStore

log = logging.getLogger(__name__)

#: The reason a whole analysed video is stored under (the review page opens it at once).
VIDEO_REASON = "video"
#: The copy's stream (bits/s): plenty for a 480-pixel picture to review a runner's form.
BITRATE = 800_000


def store_session_video(
    db_path: Path, session_id: int, video: Path, rate: float, *, max_side: int = 480
) -> int | None:
    """Write the copy and register it as a clip of ``session_id``; returns the clip id, or
    ``None`` when the video gives no frames or no encoder is available (the session stays
    reviewable as a stick figure)."""
    if not rate > 0:
        raise ValueError("rate must be > 0")
    try:
        source = VideoFile(video)
    except VideoError as exc:
        log.warning("cannot reopen the video to keep a copy: %s", exc)
        return None
    playback = source.info.fps if source.info.fps_reported else rate
    store = SessionStore(db_path)
    rel_dir = str(session_id)
    base = store.clips_dir / rel_dir / "video"
    writer = None
    n = 0
    size = (0, 0)
    try:
        for img in source:
            if writer is None:
                h, w = img.shape[:2]
                scale = min(1.0, max_side / max(w, h))
                # even sizes: some encoders refuse odd ones
                size = (max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2))
                base.parent.mkdir(parents=True, exist_ok=True)
                try:
                    writer, path, mime = _open_writer(base, size, playback, BITRATE)
                except OSError as exc:
                    log.warning("no copy of the video kept: %s", exc)
                    return None
            writer.write(cv2.resize(img, size, interpolation=cv2.INTER_AREA))
            n += 1
        if writer is None or n < 2:
            return None
        writer.release()
        writer = None
        times = [i / rate for i in range(n)]
        with store.transaction():
            clip_id = store.add_clip(
                session_id,
                t_start_s=0.0,
                t_end_s=times[-1],
                reason=VIDEO_REASON,
                path=f"{rel_dir}/{path.name}",
                mime=mime,
                fps=playback,
                width=size[0],
                height=size[1],
                nbytes=path.stat().st_size,
                frame_times=times,
            )
        return clip_id
    finally:
        if writer is not None:
            writer.release()
        source.close()
        store.close()
