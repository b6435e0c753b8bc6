"""When the recorder cuts a clip: the seconds around an alert or a mark, merged when close.

An alert raised or a mark asks for a clip from ``clip_before_s`` before to
``clip_after_s`` after it; a request within :data:`CLIP_MIN_GAP_S` of a pending clip extends
that clip (up to the ring's length) instead of starting another, and nothing already on
video is cut twice. A clip is cut once the frames up to its end have arrived, and encoded
on the :class:`~edge.recording.clips.ClipEncoder`'s thread. Writer thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edge.recording.clips import ClipEncoder, ClipJob, EncodedClip, JpegRing
from edge.recording.config import RecordingConfig
from edge.recording.disk import MIB

#: Alerts and marks closer than this (s) share one clip.
CLIP_MIN_GAP_S = 5.0
#: The JPEG ring holds the clip's seconds before and after, and this much more (s): room
#: for a clip extended by a request that came within :data:`CLIP_MIN_GAP_S`.
RING_MARGIN_S = 5.0
#: Memory cap of the JPEG ring (the oldest frames go first).
RING_MAX_MIB = 64.0


@dataclass(slots=True)
class PendingClip:
    t_from: float
    t_to: float
    reasons: list[str]


@dataclass(slots=True)
class SessionClips:
    """One session's clips: the one waiting for its last frames, and what is already cut."""

    pending: PendingClip | None = None
    last_clip_to: float = float("-inf")
    count: int = 0


@dataclass(slots=True)
class ClipPolicy:
    """The JPEG ring, the clip encoder and the rules that turn requests into clip jobs."""

    config: RecordingConfig
    clips_dir: Path
    on_done: Callable[[EncodedClip], None]
    on_error: Callable[[BaseException], None]
    ring_s: float = field(init=False)
    ring: JpegRing = field(init=False)
    encoder: ClipEncoder = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.ring_s = cfg.clip_before_s + cfg.clip_after_s + RING_MARGIN_S
        self.ring = JpegRing(self.ring_s, int(RING_MAX_MIB * MIB))
        self.encoder = ClipEncoder(on_done=self.on_done, on_error=self.on_error)

    def want(self, clips: SessionClips, t_s: float, reason: str) -> None:
        """A clip around ``t_s`` is wanted (the caller has checked consent and disk space)."""
        cfg = self.config
        p = clips.pending
        if p is not None and t_s <= p.t_to + CLIP_MIN_GAP_S:
            new_to = max(p.t_to, t_s + cfg.clip_after_s)
            if new_to - p.t_from <= self.ring_s:
                p.t_to = new_to
            p.reasons.append(reason)
            return
        if t_s <= clips.last_clip_to:
            return  # already on video
        t_from = max(t_s - cfg.clip_before_s, clips.last_clip_to)
        clips.pending = PendingClip(t_from, t_s + cfg.clip_after_s, [reason])

    @staticmethod
    def due(clips: SessionClips, t_s: float) -> bool:
        """The pending clip's last frame has arrived."""
        return clips.pending is not None and t_s >= clips.pending.t_to

    def cut(self, clips: SessionClips, session_id: int | None) -> bool:
        """Hand the pending clip to the encoder; False when it had to be skipped (no session
        row yet, too few frames in the ring, or the encoder's queue is full)."""
        p = clips.pending
        clips.pending = None
        if p is None:
            return True
        clips.last_clip_to = p.t_to
        frames = self.ring.window(p.t_from, p.t_to)
        if session_id is None or len(frames) < 2:
            return False
        reason = ",".join(dict.fromkeys(p.reasons))
        tag = p.reasons[0].replace("alert:", "").replace("/", "_")[:40]
        return self._submit(clips, session_id, frames, reason, tag)

    def keep(
        self, clips: SessionClips, session_id: int, frames: list[tuple[float, bytes]], reason: str
    ) -> bool:
        """Hand ``frames`` (a replay kept on the live page) to the encoder as a clip; False
        when the encoder's queue is full."""
        return self._submit(clips, session_id, frames, reason, reason)

    def _submit(
        self,
        clips: SessionClips,
        session_id: int,
        frames: list[tuple[float, bytes]],
        reason: str,
        tag: str,
    ) -> bool:
        clips.count += 1
        rel_dir = str(session_id)
        job = ClipJob(
            session_id=session_id,
            reason=reason,
            frames=frames,
            path=self.clips_dir / rel_dir / f"{clips.count:03d}_{tag}",
            rel_dir=rel_dir,
        )
        return self.encoder.submit(job)
