"""What the recorder's writer commits: the session being recorded, the writes waiting for
the next commit, and the commit itself (one transaction, with the :class:`CommitHook` s).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Protocol

from edge.gait.records import AlertRecord, GaitEvent, StrideRecord
from edge.recording.blocks import LandmarkBlocks
from edge.recording.clip_policy import SessionClips
from edge.recording.clips import EncodedClip
from edge.recording.store import SessionStore
from edge.runners.store import set_session_runner


@dataclass(slots=True)
class RecordingSession:
    """The session being recorded (writer thread only)."""

    uid: str
    t_start_s: float
    settings: dict[str, Any]
    started_at: float
    sid: int | None = None  # database id once the row is committed
    frames: int = 0
    frames_unstored: int = 0
    last_t: float = 0.0
    end: tuple[float, float, str] | None = None  # (t_end_s, ended_at, reason)
    clips: SessionClips = field(default_factory=SessionClips)
    next_stride: int = 0  # the session's own step numbering
    last_stride_t: float = float("-inf")

    # Who is running (set on the live page): written with the next commit when dirty.
    runner_id: int | None = None
    runner_dirty: bool = False
    keep_clips: bool = True  # False: the runner did not consent to clips
    purge_clips: bool = False  # delete the clips already stored, after the next commit

    def number(
        self, strides: tuple[StrideRecord, ...], alerts: tuple[AlertRecord, ...]
    ) -> tuple[tuple[StrideRecord, ...], tuple[AlertRecord, ...], list[StrideRecord]]:
        """The session's step numbers for the analyzer's steps (and for the alerts that
        name them), and the steps left out for not being later than the previous one."""
        numbered: list[StrideRecord] = []
        renumber: dict[int, int] = {}
        skipped: list[StrideRecord] = []
        for st in strides:
            if not st.t_s > self.last_stride_t:
                skipped.append(st)
                continue
            renumber[st.index] = self.next_stride
            numbered.append(dataclasses.replace(st, index=self.next_stride))
            self.next_stride += 1
            self.last_stride_t = st.t_s
        last = max(0, self.next_stride - 1)
        alerts = tuple(
            dataclasses.replace(a, stride_index=renumber.get(a.stride_index, last)) for a in alerts
        )
        return tuple(numbered), alerts, skipped


@dataclass(slots=True)
class PendingWrites:
    """What the writer received since the last commit (writer thread only)."""

    strides: list[StrideRecord] = field(default_factory=list)
    events: list[GaitEvent] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)
    marks: list[tuple[float, str, float]] = field(default_factory=list)  # (t_s, note, wall)
    changes: list[tuple[float, dict[str, Any], float]] = field(default_factory=list)
    clips: list[EncodedClip] = field(default_factory=list)  # encoded, not yet in the database

    def any_without_session(self) -> bool:
        """Something to commit even when no session is open."""
        return bool(self.clips or self.strides or self.alerts or self.changes)

    def clear(self) -> None:
        self.strides.clear()
        self.events.clear()
        self.alerts.clear()
        self.marks.clear()
        self.changes.clear()
        self.clips.clear()


@dataclass(frozen=True, slots=True)
class CommitBatch:
    """What one commit stores for a session (given to :class:`CommitHook` s)."""

    uid: str
    session_id: int
    created: bool  # the session row is inserted by this commit
    t_start_s: float
    started_at: float
    settings: dict[str, Any]
    strides: tuple[StrideRecord, ...]
    alerts: tuple[AlertRecord, ...]
    end: tuple[float, float, str] | None  # (t_end_s, ended_at, reason) when it ends here
    frames: int
    frames_unstored: int


class CommitHook(Protocol):
    """Writes beside the recorder, in the same transaction (e.g. the fleet outbox): what it
    writes is on disk exactly when the session data is. Called on the writer thread."""

    def on_commit(self, store: SessionStore, batch: CommitBatch) -> None:
        """Inside the transaction; raising rolls the whole commit back."""

    def committed(self) -> None:
        """After the transaction committed."""


def add_encoded_clip(store: SessionStore, c: EncodedClip) -> int:
    """Register an encoded clip with its session (inside a transaction); returns its id."""
    return store.add_clip(
        c.session_id,
        t_start_s=c.frame_times[0],
        t_end_s=c.frame_times[-1],
        reason=c.reason,
        path=c.path,
        mime=c.mime,
        fps=c.fps,
        width=c.width,
        height=c.height,
        nbytes=c.nbytes,
        frame_times=c.frame_times,
    )


def _write_clips(store: SessionStore, pending: PendingWrites, no_clips: set[int]) -> None:
    for c in [c for c in pending.clips if c.session_id in no_clips]:
        pending.clips.remove(c)  # encoded before the runner (no consent) was known
        with contextlib.suppress(OSError):
            (store.clips_dir / c.path).unlink(missing_ok=True)
            (store.clips_dir / str(c.session_id)).rmdir()  # when empty
    for c in pending.clips:
        add_encoded_clip(store, c)


def write_commit(
    store: SessionStore,
    *,
    device_id: str,
    session: RecordingSession | None,
    pending: PendingWrites,
    blocks: LandmarkBlocks | None,
    no_clips: set[int],
    hooks: tuple[CommitHook, ...],
) -> int | None:
    """Write ``pending`` (and ``blocks`` unless None) in one transaction with the hooks;
    returns the session's database id. Raises what storage raises (nothing is cleared
    then). ``no_clips`` (sessions whose runner did not consent to clips) is updated."""
    s = session
    sid = s.sid if s is not None else None
    with store.transaction():
        if s is not None and sid is None:
            sid = store.begin_session(
                s.uid, device_id, s.t_start_s, s.settings, started_at=s.started_at
            )
        if sid is not None:
            if pending.strides:
                store.insert_strides(sid, pending.strides)
            if pending.events:
                store.insert_events(sid, pending.events)
            if pending.alerts:
                store.insert_alerts(sid, pending.alerts)
            for t, note, wall in pending.marks:
                store.add_mark(sid, t, note, created_at=wall)
            for t, changes, wall in pending.changes:
                store.add_settings_change(sid, t, changes, created_at=wall)
            if blocks is not None:
                blocks.write(store, sid)
        if s is not None and sid is not None:
            if s.keep_clips:
                no_clips.discard(sid)
            else:
                no_clips.add(sid)
        _write_clips(store, pending, no_clips)
        if s is not None and sid is not None:
            if s.runner_dirty:
                set_session_runner(store, sid, s.runner_id)
            store.set_counts(sid, s.frames, s.frames_unstored)
            if s.end is not None:
                t_end, wall, reason = s.end
                store.end_session(sid, t_end, reason=reason, ended_at=wall)
            if hooks:
                batch = CommitBatch(
                    uid=s.uid,
                    session_id=sid,
                    created=s.sid is None,
                    t_start_s=s.t_start_s,
                    started_at=s.started_at,
                    settings=s.settings,
                    strides=tuple(pending.strides),
                    alerts=tuple(pending.alerts),
                    end=s.end,
                    frames=s.frames,
                    frames_unstored=s.frames_unstored,
                )
                for hook in hooks:
                    hook.on_commit(store, batch)
    for hook in hooks:
        hook.committed()
    return sid
