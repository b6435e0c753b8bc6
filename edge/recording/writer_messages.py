"""The messages the recorder's public methods put on its queue for the writer thread.

One small record per kind; the writer dispatches on them with ``match``. They are built
on the caller's thread (the analysis thread for :class:`Frame`) and only read after that,
on the writer thread. Not frozen: a frozen dataclass takes ten times as long to build, and
:meth:`~edge.recording.recorder.Recorder.frame` is on the analysis thread's budget.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.gait.records import AlertRecord, GaitEvent, StrideRecord
from edge.recording.clips import EncodedClip


@dataclass(slots=True)
class Start:
    """A session started at capture time ``t_s`` (``wall``: the wall clock then)."""

    uid: str
    t_s: float
    settings: dict[str, Any]
    wall: float


@dataclass(slots=True)
class Frame:
    """One analysed frame: its landmarks (None: not a full pose) and what the analyzer found."""

    frame_index: int
    t_s: float
    landmarks: npt.NDArray[np.float32] | None
    events: tuple[GaitEvent, ...]
    strides: tuple[StrideRecord, ...]
    alerts: tuple[AlertRecord, ...]
    jpeg: bytes | None


@dataclass(slots=True)
class SettingsChanged:
    """Settings changed mid-session, from capture time ``t_s``."""

    t_s: float
    changes: dict[str, Any]
    wall: float


@dataclass(slots=True)
class End:
    """The session ended (``reason``: ``ended``, or ``stopped`` when the service stops)."""

    t_s: float
    wall: float
    reason: str = "ended"


@dataclass(slots=True)
class MarkAdded:
    """A therapist's mark (``t_s`` None: at the latest frame)."""

    t_s: float | None
    note: str
    wall: float


@dataclass(slots=True)
class RunnerSet:
    """Who runs the current session (None: a guest) and whether clips may be kept."""

    runner_id: int | None
    keep_clips: bool


@dataclass(slots=True)
class ClipDone:
    """The clip encoder finished a clip (sent from the encoder's thread)."""

    clip: EncodedClip


@dataclass(slots=True)
class ClipFailed:
    """The clip encoder could not write a clip (sent from the encoder's thread)."""

    error: BaseException


@dataclass(slots=True)
class KeepClip:
    """Keep these frames (``(t_s, jpeg)``, a replay) as a clip of the current session; the
    writer puts None (handed to the encoder) or why not in ``answer``, then sets ``done``."""

    frames: list[tuple[float, bytes]]
    reason: str
    answer: list[str | None]
    done: threading.Event


@dataclass(slots=True)
class Sync:
    """Commit everything queued before this message, then set ``done``."""

    done: threading.Event


@dataclass(slots=True)
class Stop:
    """End the open session, commit and stop the writer."""


WriterMessage = (
    Start
    | Frame
    | SettingsChanged
    | End
    | MarkAdded
    | RunnerSet
    | ClipDone
    | ClipFailed
    | KeepClip
    | Sync
    | Stop
)
