"""The instant replay buffer: the last seconds of the page's video, with landmarks and steps.

The buffer is a :class:`~edge.live.pipeline.LiveListener`: it keeps the JPEG bytes the
pipeline already encoded for the page (it never asks for an encoding of its own:
``wants_video`` is False, so without a page watching nothing is held), the landmarks of
each of those frames (from the frame message published just before), the gait events and
every step with its metrics (the stride messages). Frames older than ``seconds`` or past
``max_mib`` are evicted, oldest first. Nothing is written to disk.

When a session starts or ends everything is dropped: one runner never sees the previous
runner's strides. While no video comes in (no page watching) nothing at all is held, so the
buffer then costs the analysis thread a dictionary lookup per message and the garbage
collector nothing; steps are held as JSON text for the same reason.

Two strides are pinned as references for a side-by-side replay: this session's stride at
the end of its first minute (``reference_after_s``) and the stride just before a cue
cleared (the praise). Each is pinned a moment after its landing, once the frames after the
landing are in.

Locking: ``_lock`` guards the frame, step and event deques, the byte count and the pinned
references. The analysis thread takes it in :meth:`publish` and :meth:`video` (appending and
evicting only); server threads take it to copy the references they need, and build the
clip outside it. ``_pending_lm`` and ``_pin_due`` belong to the analysis thread alone.
"""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.landmarks import FloatArray
from edge.live.replay_config import ReplayConfig

#: Bytes a held frame costs besides its JPEG (record, landmark array, deque slot).
FRAME_OVERHEAD = 640
#: Step time assumed until two landings are seen (s): about 170 steps/min.
DEFAULT_STEP_S = 0.35

REFERENCE_LABELS = {
    "first_minute": "This session's first minute",
    "praise": "Just before the cue cleared",
}


class NoReplayError(LookupError):
    """Nothing to replay (no landing held yet, or no such reference); the message says why."""


@dataclass(frozen=True, slots=True)
class ReplayFrame:
    index: int
    t_s: float
    jpeg: bytes
    landmarks: FloatArray | None  # (33, 3) x, y, visibility normalized; None: nobody seen


@dataclass(frozen=True, slots=True)
class ReplayContact:
    """A landing: the step measured from it (its stride message's metrics, as JSON text: a
    string, not a tree of dicts for the garbage collector to walk while it is held)."""

    frame_index: int
    t_s: float
    foot: str
    step: int
    metrics_text: str

    @property
    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.metrics_text)
        return out


@dataclass(frozen=True, slots=True)
class ReplayEvent:
    kind: str
    foot: str
    frame_index: int
    t_s: float


@dataclass(frozen=True, slots=True)
class ReplayClip:
    kind: str  # "last" or a reference kind
    label: str
    frames: tuple[ReplayFrame, ...]
    contacts: tuple[ReplayContact, ...]
    events: tuple[ReplayEvent, ...]
    t_from: float
    t_to: float
    #: Spans of the asked-for window with no frame held (evicted, or the video paused).
    missing: tuple[tuple[float, float], ...]
    session_t_s: float | None  # capture time the session started

    @property
    def nbytes(self) -> int:
        return sum(len(f.jpeg) for f in self.frames)


def step_time(contacts: Sequence[ReplayContact]) -> float:
    """Median time between consecutive landings (s), or the default before there are two."""
    gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(contacts) if b.t_s > a.t_s]
    return statistics.median(gaps) if gaps else DEFAULT_STEP_S


def stride_window(
    contacts: Sequence[ReplayContact], strides: int
) -> tuple[float, float, list[ReplayContact]]:
    """The window to replay for the last ``strides`` strides: their ``2 × strides`` landings
    (left and right), from half a step before the first to half a step after the last."""
    if strides < 1:
        raise ValueError("strides must be >= 1")
    if not contacts:
        raise NoReplayError(
            "no landing held yet: replay needs the live page showing the video and a runner "
            "on the belt for a few steps"
        )
    chosen = list(contacts[-2 * strides :])
    half = 0.5 * step_time(contacts[-2 * strides - 1 :])
    return chosen[0].t_s - half, chosen[-1].t_s + half, chosen


def missing_spans(
    frames: Sequence[ReplayFrame], t_from: float, t_to: float
) -> tuple[tuple[float, float], ...]:
    """Parts of ``[t_from, t_to]`` without frames: before the oldest held frame, and gaps
    longer than four frame intervals (video paused). The future (after the newest frame)
    is not missing, it is not there yet."""
    if not frames:
        return ((t_from, t_to),)
    times = [f.t_s for f in frames]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    limit = 4.0 * statistics.median(gaps) if gaps else 0.3
    spans: list[tuple[float, float]] = []
    if times[0] - t_from > limit:
        spans.append((t_from, times[0]))
    spans.extend((a, b) for a, b in itertools.pairwise(times) if b - a > limit)
    return tuple((round(a, 3), round(b, 3)) for a, b in spans)


class ReplayBuffer:
    """The last ``config.seconds`` of the page's video for replay (a LiveListener)."""

    #: Never makes the pipeline encode video: it keeps what the page's video already costs.
    wants_video = False

    def __init__(self, config: ReplayConfig) -> None:
        self.config = config
        self._max_bytes = int(config.max_mib * 1024 * 1024)
        self._lock = threading.Lock()
        self._frames: deque[ReplayFrame] = deque()
        self._contacts: deque[ReplayContact] = deque()
        self._events: deque[ReplayEvent] = deque()
        self._bytes = 0
        self._refs: dict[str, ReplayClip] = {}
        self._session_t: float | None = None
        self._pending_lm: tuple[int, list[float] | None] | None = None
        self._pin_due: dict[str, float] = {}
        self._video_mono = float("-inf")  # when the last video frame came (monotonic)
        self.evicted = 0

    # --- writing (analysis thread) ----------------------------------------------------------

    #: Steps and events are held only while video comes in (a page watching): seconds.
    VIDEO_GAP_S = 2.0

    def publish(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "session":
            self._reset(float(message["t"]) if message.get("state") == "started" else None)
            return
        if kind == "frame":  # its landmarks go with its video frame, if one is encoded
            self._pending_lm = (int(message["id"]), message.get("lm"))
        if time.monotonic() - self._video_mono > self.VIDEO_GAP_S:
            return  # nobody watching: nothing to replay, so nothing held
        if kind == "frame":
            events = message.get("ev") or ()
            if events:
                with self._lock:
                    for e in events:
                        if e.get("t") is None:
                            continue  # no time for it (not finite): nothing to place it at
                        self._events.append(
                            ReplayEvent(
                                str(e["kind"]), str(e["foot"]), int(e["frame"]), float(e["t"])
                            )
                        )
        elif kind == "stride":
            self._on_stride(message)
        elif kind == "alert" and message.get("state") == "cleared" and message.get("feedback"):
            self._pin_due["praise"] = float(message["t"]) + self._tail_s()

    def _on_stride(self, message: dict[str, Any]) -> None:
        contact = ReplayContact(
            frame_index=int(message["frame_id"]),
            t_s=float(message["t"]),
            foot=str(message["foot"]),
            step=int(message["index"]),
            metrics_text=json.dumps(message.get("metrics") or {}, separators=(",", ":")),
        )
        with self._lock:
            self._contacts.append(contact)
            # Held no longer than frames are, with or without video coming in.
            self._evict_steps(contact.t_s - self.config.seconds)
            has_first = "first_minute" in self._refs
        started = self._session_t
        if (
            started is not None
            and not has_first
            and "first_minute" not in self._pin_due
            and contact.t_s - started >= self.config.reference_after_s
        ):
            self._pin_due["first_minute"] = contact.t_s + self._tail_s()

    def _tail_s(self) -> float:
        with self._lock:
            recent = list(self._contacts)[-5:]
        return 0.5 * step_time(recent) + 0.05

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None:
        self._video_mono = time.monotonic()
        lm: FloatArray | None = None
        pending = self._pending_lm
        if pending is not None and pending[0] == frame_index and pending[1] is not None:
            lm = np.asarray(pending[1], dtype=np.float32).reshape(-1, 3)
        frame = ReplayFrame(frame_index, t_s, jpeg, lm)
        cost = len(jpeg) + FRAME_OVERHEAD
        with self._lock:
            self._frames.append(frame)
            self._bytes += cost
            self._evict(t_s)
        if self._pin_due:
            for kind, due in list(self._pin_due.items()):
                if t_s >= due:
                    del self._pin_due[kind]
                    self._pin(kind)

    def _evict(self, now_t: float) -> None:
        """Drop frames past the age or byte limit, and steps and events older than the oldest
        frame (lock held)."""
        frames = self._frames
        while frames and (
            now_t - frames[0].t_s > self.config.seconds or self._bytes > self._max_bytes
        ):
            old = frames.popleft()
            self._bytes -= len(old.jpeg) + FRAME_OVERHEAD
            self.evicted += 1
        self._evict_steps(frames[0].t_s if frames else now_t)

    def _evict_steps(self, oldest: float) -> None:
        """Steps and events before ``oldest`` (with a margin) go too (lock held)."""
        while self._contacts and self._contacts[0].t_s < oldest - 2.0:
            self._contacts.popleft()
        while self._events and self._events[0].t_s < oldest - 2.0:
            self._events.popleft()

    def _pin(self, kind: str) -> None:
        try:
            clip = self.last_strides(1, kind=kind)
        except NoReplayError:
            return
        with self._lock:
            self._refs[kind] = clip

    def _reset(self, session_t: float | None) -> None:
        with self._lock:
            self._frames.clear()
            self._contacts.clear()
            self._events.clear()
            self._refs.clear()
            self._bytes = 0
        self._session_t = session_t
        self._pending_lm = None
        self._pin_due.clear()

    # --- reading (any thread) ---------------------------------------------------------------

    def last_strides(self, strides: int = 1, *, kind: str = "last") -> ReplayClip:
        """The frames, landings and events of the last ``strides`` strides."""
        with self._lock:
            contacts = list(self._contacts)
            frames = list(self._frames)
            events = list(self._events)
        t_from, t_to, chosen = stride_window(contacts, strides)
        if frames:
            t_to = min(t_to, frames[-1].t_s)
        held = tuple(f for f in frames if t_from <= f.t_s <= t_to)
        if not held:
            raise NoReplayError(
                "the frames of the last stride are no longer held (or no page was showing "
                "the video then): keep the live page open and try again after a few steps"
            )
        label = "Last stride" if strides == 1 else f"Last {strides} strides"
        return ReplayClip(
            kind=kind,
            label=REFERENCE_LABELS.get(kind, label),
            frames=held,
            contacts=tuple(chosen),
            events=tuple(e for e in events if t_from <= e.t_s <= t_to),
            t_from=t_from,
            t_to=t_to,
            missing=missing_spans(held, t_from, t_to),
            session_t_s=self._session_t,
        )

    def frames_between(self, first: int, last: int) -> list[tuple[float, bytes]]:
        """``(t_s, jpeg)`` of the held frames with index ``first`` … ``last`` (a replay being
        kept). A range whose start is no longer held, or that holds nothing, is refused."""
        if last < first:
            raise NoReplayError("the replay's last frame comes before its first")
        with self._lock:
            frames = list(self._frames)
        if not frames or frames[0].index > first or frames[-1].index < last:
            raise NoReplayError(
                "the frames of this replay are no longer held (older than "
                f"{self.config.seconds:.0f} s, or the runner changed): replay again and keep it"
            )
        return [(f.t_s, f.jpeg) for f in frames if first <= f.index <= last]

    def reference(self, kind: str) -> ReplayClip:
        with self._lock:
            clip = self._refs.get(kind)
        if clip is None:
            if kind not in REFERENCE_LABELS:
                raise NoReplayError(
                    f"no reference called {kind!r}: use one of {sorted(REFERENCE_LABELS)}"
                )
            label = REFERENCE_LABELS[kind].lower()
            raise NoReplayError(f"no stride of {label} held in this session yet")
        return clip

    def references(self) -> list[dict[str, Any]]:
        with self._lock:
            refs = list(self._refs.values())
        return [{"kind": c.kind, "label": c.label, "t": round(c.contacts[-1].t_s, 3)} for c in refs]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            n = len(self._frames)
            span = self._frames[-1].t_s - self._frames[0].t_s if n > 1 else 0.0
            held = self._bytes
            pinned = sum(c.nbytes for c in self._refs.values())
        return {
            "frames": n,
            "seconds": round(span, 2),
            "mib": round(held / 2**20, 2),
            "pinned_mib": round(pinned / 2**20, 2),
            "max_mib": self.config.max_mib,
            "evicted": self.evicted,
        }
