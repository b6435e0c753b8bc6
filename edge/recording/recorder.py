"""The recorder: a :class:`~edge.live.sink.PipelineSink` that logs sessions to SQLite.

The analysis thread only copies the frame's landmarks and puts a tuple on a queue
(:meth:`Recorder.frame`, a few microseconds); everything else happens on the recorder's
writer thread, which owns the database connection and the JPEG ring:

* commits at least every ``flush_interval_s`` (so a ``kill -9`` loses at most that much),
  landmarks as one float16 block per second of frames (the open block is rewritten on
  every commit);
* checks free disk space before every commit and degrades in order: clips stop first,
  then landmarks, metrics last (:class:`StorageLevel`);
* applies retention (days, GiB) at start and every ``retention_interval_s``;
* closes sessions a crash left open, at start;
* numbers the session's steps itself (0, 1, 2, … in time order): the analyzer's numbering
  restarts whenever it is rebuilt (a settings change, a new frame size), and a stored step
  is never replaced; settings changed mid-session are stored with the session.

Nothing raised by storage reaches the pipeline: errors are caught, counted and reported in
:meth:`Recorder.stats`; frames the writer cannot keep up with are dropped and counted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from edge.gait.records import AlertRecord, AnalysisUpdate, GaitEvent, StrideRecord
from edge.landmarks import NUM_LANDMARKS, PoseResult
from edge.recording.clips import ClipEncoder, ClipJob, EncodedClip, JpegRing, lower_priority
from edge.recording.config import RecordingConfig
from edge.recording.store import STORED_CHANNELS, SessionStore, is_disk_full
from edge.runners.store import delete_session_clips, set_session_runner

log = logging.getLogger(__name__)

MIB = 1024 * 1024
GIB = 1024 * MIB
BLOCK_S = 1.0  # landmarks are stored one block per second of frames
BLOCK_CAPACITY = 512  # frames per block at most (a 240 fps phone clip fits)
POLL_S = 0.1  # the writer drains its queue this often


class StorageLevel(IntEnum):
    """What is being stored, from everything down to nothing (disk nearly full)."""

    ALL = 0
    NO_CLIPS = 1
    METRICS_ONLY = 2
    PAUSED = 3


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


DiskUsageFn = Callable[[Path], DiskUsage]


def _disk_usage(path: Path) -> DiskUsage:
    u = shutil.disk_usage(path)
    return DiskUsage(u.total, u.used, u.free)


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """Counters for the status page and logs (read from any thread)."""

    session_id: int | None
    level: str
    free_mib: float | None
    frames_received: int
    frames_dropped: int  # queue full: the writer fell behind
    frames_unstored: int  # landmarks not stored (disk nearly full or write failed)
    strides_written: int
    strides_unstored: int
    strides_out_of_order: int  # a step not later than the previous one (not stored)
    commits: int
    write_errors: int
    clips_written: int
    clips_skipped: int
    sessions_recovered: int
    sessions_deleted: int
    last_error: str | None
    queue_depth: int

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(slots=True)
class _Block:
    """The landmark block being filled (writer thread only)."""

    t: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(BLOCK_CAPACITY))
    fi: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.empty(BLOCK_CAPACITY, dtype=np.int64)
    )
    xyzv: npt.NDArray[np.float16] = field(
        default_factory=lambda: np.empty(
            (BLOCK_CAPACITY, NUM_LANDMARKS, STORED_CHANNELS), dtype=np.float16
        )
    )
    n: int = 0
    number: int = 0
    written: int = 0  # frames of this block already committed (as a partial block)

    def snapshot(self) -> tuple[int, Any, Any, Any, int]:
        n = self.n
        return (
            self.number,
            self.t[:n].copy(),
            self.fi[:n].copy(),
            self.xyzv[:n].copy(),
            self.written,
        )


@dataclass(slots=True)
class _PendingClip:
    t_from: float
    t_to: float
    reasons: list[str]


@dataclass(slots=True)
class _Session:
    uid: str
    t_start_s: float
    settings: dict[str, Any]
    started_at: float
    sid: int | None = None  # database id once the row is committed
    frames: int = 0
    frames_unstored: int = 0
    last_t: float = 0.0
    end: tuple[float, float, str] | None = None  # (t_end_s, ended_at, reason)
    clip_count: int = 0
    last_clip_to: float = float("-inf")
    pending_clip: _PendingClip | None = None
    next_stride: int = 0  # the session's own step numbering
    last_stride_t: float = float("-inf")

    # Who is running (set on the live page): written with the next commit when dirty.
    runner_id: int | None = None
    runner_dirty: bool = False
    keep_clips: bool = True  # False: the runner did not consent to clips
    purge_clips: bool = False  # delete the clips already stored, after the next commit


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


_STOP = ("stop",)


class Recorder:
    """Records sessions from the live pipeline. Build with :meth:`from_config`.

    Public methods may be called from any thread and never raise because of storage.
    """

    def __init__(
        self,
        config: RecordingConfig,
        *,
        disk_usage: DiskUsageFn = _disk_usage,
        wall_clock: Callable[[], float] = time.time,
        commit_hooks: tuple[CommitHook, ...] = (),
    ) -> None:
        self.config = config
        self._hooks = commit_hooks
        self._disk_usage = disk_usage
        self._wall = wall_clock
        self._device_id = config.resolved_device_id()
        self._store = SessionStore(config.resolved_db_path())
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        # Written only by the analysis thread:
        self._in_session = False
        self._enqueued = 0
        self._received = 0
        self._dropped = 0
        # Written only by the writer thread:
        self._dequeued = 0
        self._session: _Session | None = None
        self._block = _Block()
        self._blocks: list[tuple[int, Any, Any, Any, int]] = []
        self._strides: list[StrideRecord] = []
        self._events: list[GaitEvent] = []
        self._alerts: list[AlertRecord] = []
        self._marks: list[tuple[float, str, float]] = []
        self._changes: list[tuple[float, dict[str, Any], float]] = []
        self._out_of_order = 0
        self._clips_done: list[EncodedClip] = []
        self._no_clips: set[int] = set()  # sessions whose runner did not consent to clips
        self._level = StorageLevel.ALL
        self._error_level = StorageLevel.ALL
        self._free_mib: float | None = None
        self._strides_written = 0
        self._strides_unstored = 0
        self._commits = 0
        self._write_errors = 0
        self._failed_flushes = 0
        self._clips_written = 0
        self._clips_skipped = 0
        self._deleted = 0
        self._last_error: str | None = None
        self._ring = (
            JpegRing(config.jpeg_ring_s, int(config.jpeg_ring_max_mib * MIB))
            if config.clips
            else None
        )
        self._encoder: ClipEncoder | None = None
        if config.clips:
            self._encoder = ClipEncoder(
                on_done=lambda c: self._queue.put(("clip", c)),
                on_error=lambda e: self._queue.put(("clip_error", e)),
            )
        self._recovered = 0
        try:
            self._recovered = len(self._store.close_open_sessions())
        except sqlite3.Error as exc:  # e.g. a full disk: recording goes on, reported
            self._error(exc)
        self._check_headroom()
        self._run_retention()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._closed = False
        self._thread.start()

    @classmethod
    def from_config(
        cls, config: RecordingConfig, commit_hooks: tuple[CommitHook, ...] = ()
    ) -> Recorder:
        """The recorder for ``config`` (raises StorageError if the database cannot be opened)."""
        return cls(config, commit_hooks=commit_hooks)

    @property
    def db_path(self) -> Path:
        return self._store.path

    @property
    def wants_video(self) -> bool:
        """JPEG frames are only needed for clips: without them the pipeline need not encode
        video for the recorder (it still does while someone watches the page)."""
        return self._ring is not None

    @property
    def problem(self) -> str | None:
        """Why recording is not doing its job right now (for the health check), or None."""
        if self._failed_flushes > 0:
            return f"recording: writes to {self.db_path} are failing: {self._last_error}"
        if self._effective_level() >= StorageLevel.PAUSED:
            return f"recording paused: the disk is nearly full ({self._free_mib or 0:.0f} MiB free)"
        return None

    @property
    def recording(self) -> bool:
        """A session is being recorded (between session_started and session_ended)."""
        return self._in_session

    # --- PipelineSink (analysis thread) -------------------------------------------------------

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        if self._closed:
            return
        self._in_session = True
        self._queue.put(("start", str(session_id), float(t_s), dict(settings), self._wall()))

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        if not self._in_session:
            return
        self._received += 1
        if self._enqueued - self._dequeued >= self.config.queue_frames:
            self._dropped += 1
            return
        lm = pose.landmarks
        self._queue.put(
            (
                "frame",
                pose.frame_index,
                pose.timestamp_s,
                lm[:, :STORED_CHANNELS].copy() if lm.shape[0] == NUM_LANDMARKS else None,
                tuple(update.events) if update.events else (),
                tuple(update.strides) if update.strides else (),
                tuple(update.alerts) if update.alerts else (),
                jpeg if self._ring is not None else None,
            )
        )
        self._enqueued += 1

    def settings_changed(self, t_s: float, changes: dict[str, Any]) -> None:
        """The settings changed mid-session (from capture time ``t_s``): stored with it."""
        if not self._in_session:
            return
        self._queue.put(("settings", float(t_s), dict(changes), self._wall()))

    def session_ended(self, t_s: float) -> None:
        if not self._in_session:
            return
        self._in_session = False
        self._queue.put(("end", float(t_s), self._wall()))

    def session_stopped(self, t_s: float) -> None:
        """The pipeline stopped (service stop): the session ends with reason ``stopped``."""
        if not self._in_session:
            return
        self._in_session = False
        self._queue.put(("end", float(t_s), self._wall(), "stopped"))

    # --- other threads -------------------------------------------------------------------------

    def mark(self, note: str = "", t_s: float | None = None) -> None:
        """A therapist's mark in the current session (at the latest frame unless ``t_s``)."""
        self._queue.put(("mark", t_s, note, self._wall()))

    def set_runner(self, runner_id: int | None, *, keep_clips: bool = True) -> None:
        """Who is running the current session (``None``: a guest). ``keep_clips=False`` (no
        consent): no more clips are cut and those already kept for the session are deleted.
        Applies to the session being recorded only; call :meth:`flush` to wait for it."""
        self._queue.put(("runner", runner_id, keep_clips))

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything queued so far is committed (for tests and shutdown)."""
        done = threading.Event()
        self._queue.put(("sync", done))
        return done.wait(timeout_s)

    def stats(self) -> RecorderStats:
        s = self._session
        return RecorderStats(
            session_id=s.sid if s is not None else None,
            level=max(self._level, self._error_level).name.lower(),
            free_mib=self._free_mib,
            frames_received=self._received,
            frames_dropped=self._dropped,
            frames_unstored=(s.frames_unstored if s is not None else 0),
            strides_written=self._strides_written,
            strides_unstored=self._strides_unstored,
            strides_out_of_order=self._out_of_order,
            commits=self._commits,
            write_errors=self._write_errors,
            clips_written=self._clips_written,
            clips_skipped=self._clips_skipped,
            sessions_recovered=self._recovered,
            sessions_deleted=self._deleted,
            last_error=self._last_error,
            queue_depth=self._enqueued - self._dequeued,
        )

    def close(self, timeout_s: float = 30.0) -> None:
        """End the open session (reason ``stopped``), commit everything and stop the threads."""
        if self._closed:
            return
        self._closed = True
        self._in_session = False
        self._queue.put(_STOP)
        self._thread.join(timeout_s)

    # --- writer thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        # The writer polls (every POLL_S) instead of blocking on the queue: a put() then never
        # has to wake a waiting thread, which keeps frame() cheap on the analysis thread.
        lower_priority(5)
        cfg = self.config
        poll = min(POLL_S, cfg.flush_interval_s / 4)
        now = time.monotonic()
        next_flush = now + cfg.flush_interval_s
        next_retention = now + cfg.retention_interval_s
        stopping = False
        while not stopping:
            time.sleep(poll)
            try:
                while not stopping:
                    try:
                        msg = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if msg is _STOP:
                        stopping = True
                        self._shutdown()
                    else:
                        self._handle(msg)
                now = time.monotonic()
                if now >= next_flush and not stopping:
                    next_flush = now + cfg.flush_interval_s
                    self._flush()
                if now >= next_retention:
                    next_retention = now + cfg.retention_interval_s
                    self._run_retention()
            except Exception as exc:  # keep the writer alive whatever happens
                self._error(exc)
        self._store.close()

    def _error(self, exc: BaseException) -> None:
        self._write_errors += 1
        self._last_error = f"{type(exc).__name__}: {exc}"
        if self._write_errors <= 10 or self._write_errors % 100 == 0:
            log.warning("recording error #%d: %s", self._write_errors, self._last_error)

    def _effective_level(self) -> StorageLevel:
        return max(self._level, self._error_level)

    def _handle(self, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "frame":
            self._dequeued += 1
            self._on_frame(*msg[1:])
        elif kind == "start":
            self._on_start(*msg[1:])
        elif kind == "end":
            self._on_end(msg[1], msg[2], msg[3] if len(msg) > 3 else "ended")
        elif kind == "mark":
            self._on_mark(*msg[1:])
        elif kind == "settings":
            if self._session is not None:
                self._changes.append((msg[1], msg[2], msg[3]))
        elif kind == "runner":
            self._on_runner(msg[1], msg[2])
        elif kind == "clip":
            self._clips_done.append(msg[1])
        elif kind == "clip_error":
            self._clips_skipped += 1
            self._error(msg[1])
            if is_disk_full(msg[1]):
                self._error_level = max(self._error_level, StorageLevel.NO_CLIPS)
        elif kind == "sync":
            try:
                self._flush()
            finally:
                msg[1].set()

    def _on_start(self, uid: str, t_s: float, settings: dict[str, Any], wall: float) -> None:
        if self._session is not None:
            s = self._session
            self._on_end(s.last_t, wall, "ended")
        self._session = _Session(uid=uid, t_start_s=t_s, settings=settings, started_at=wall)
        self._session.last_t = t_s
        self._block = _Block()
        if self._ring is not None:
            self._ring.clear()
        self._flush()  # the session row exists as soon as possible

    def _on_frame(
        self,
        frame_index: int,
        t_s: float,
        lm: npt.NDArray[np.float32] | None,
        events: tuple[GaitEvent, ...],
        strides: tuple[StrideRecord, ...],
        alerts: tuple[AlertRecord, ...],
        jpeg: bytes | None,
    ) -> None:
        s = self._session
        if s is None:
            return
        s.frames += 1
        s.last_t = t_s
        level = self._effective_level()
        if self.config.landmarks and level < StorageLevel.METRICS_ONLY:
            b = self._block
            if b.n and (t_s - b.t[0] >= BLOCK_S or b.n == BLOCK_CAPACITY):
                self._blocks.append(b.snapshot())
                b.n = 0
                b.written = 0
                b.number += 1
            b.t[b.n] = t_s
            b.fi[b.n] = frame_index
            if lm is None:
                b.xyzv[b.n] = np.nan
            else:
                b.xyzv[b.n] = lm
            b.n += 1
        else:
            s.frames_unstored += 1
        if events:
            self._events.extend(events)
        if strides or alerts:
            strides, alerts = self._number(s, strides, alerts)
            self._strides.extend(strides)
        if self._ring is not None:
            if jpeg is not None:
                self._ring.append(t_s, jpeg)
            for a in alerts:
                if a.state == "raised":
                    self._want_clip(t_s, f"alert:{a.rule}")
            self._maybe_cut_clip(t_s)
        if alerts:
            self._alerts.extend(alerts)

    def _number(
        self,
        s: _Session,
        strides: tuple[StrideRecord, ...],
        alerts: tuple[AlertRecord, ...],
    ) -> tuple[tuple[StrideRecord, ...], tuple[AlertRecord, ...]]:
        """The session's step numbers for the analyzer's steps (and for the alerts that
        name them). A step not later than the previous one is counted and left out."""
        numbered: list[StrideRecord] = []
        renumber: dict[int, int] = {}
        for st in strides:
            if not st.t_s > s.last_stride_t:
                self._out_of_order += 1
                if self._out_of_order <= 10:
                    log.warning("step at %.3f s is not after the previous one: not stored", st.t_s)
                continue
            renumber[st.index] = s.next_stride
            numbered.append(dataclasses.replace(st, index=s.next_stride))
            s.next_stride += 1
            s.last_stride_t = st.t_s
        last = max(0, s.next_stride - 1)
        alerts = tuple(
            dataclasses.replace(a, stride_index=renumber.get(a.stride_index, last)) for a in alerts
        )
        return tuple(numbered), alerts

    def _on_end(self, t_s: float, wall: float, reason: str) -> None:
        s = self._session
        if s is None:
            return
        if self._ring is not None and s.pending_clip is not None:
            self._cut_clip(s)
        if self.config.landmarks and self._block.n:
            self._blocks.append(self._block.snapshot())
            self._block.n = 0
        s.end = (t_s, wall, reason)
        self._flush()
        if s.sid is None and s.end is not None:
            # The session row could not be written (disk full): nothing more to keep.
            pass
        self._session = None
        self._block = _Block()
        if self._ring is not None:
            self._ring.clear()

    def _on_mark(self, t_s: float | None, note: str, wall: float) -> None:
        s = self._session
        if s is None:
            return
        t = s.last_t if t_s is None else float(t_s)
        self._marks.append((t, note, wall))
        if self._ring is not None:
            self._want_clip(t, "mark")

    def _on_runner(self, runner_id: int | None, keep_clips: bool) -> None:
        s = self._session
        if s is None:
            return
        s.runner_id = runner_id
        s.runner_dirty = True
        s.keep_clips = keep_clips
        if not keep_clips:
            s.pending_clip = None
            s.purge_clips = True
            if self._ring is not None:
                self._ring.clear()

    # --- clips --------------------------------------------------------------------------------

    def _want_clip(self, t_s: float, reason: str) -> None:
        s = self._session
        cfg = self.config
        if s is not None and not s.keep_clips:
            return  # no consent to keep video of this runner
        if s is None or self._effective_level() >= StorageLevel.NO_CLIPS:
            if s is not None:
                self._clips_skipped += 1
            return
        p = s.pending_clip
        if p is not None and t_s <= p.t_to + cfg.clip_min_gap_s:
            new_to = max(p.t_to, t_s + cfg.clip_after_s)
            if new_to - p.t_from <= cfg.jpeg_ring_s:
                p.t_to = new_to
            p.reasons.append(reason)
            return
        if t_s <= s.last_clip_to:
            return  # already on video
        t_from = max(t_s - cfg.clip_before_s, s.last_clip_to)
        s.pending_clip = _PendingClip(t_from, t_s + cfg.clip_after_s, [reason])

    def _maybe_cut_clip(self, t_s: float) -> None:
        s = self._session
        if s is not None and s.pending_clip is not None and t_s >= s.pending_clip.t_to:
            self._cut_clip(s)

    def _cut_clip(self, s: _Session) -> None:
        p = s.pending_clip
        s.pending_clip = None
        if p is None or self._ring is None or self._encoder is None:
            return
        s.last_clip_to = p.t_to
        frames = self._ring.window(p.t_from, p.t_to)
        if s.sid is None or len(frames) < 2:
            self._clips_skipped += 1
            return
        s.clip_count += 1
        reason = ",".join(dict.fromkeys(p.reasons))
        tag = p.reasons[0].replace("alert:", "").replace("/", "_")[:40]
        rel_dir = str(s.sid)
        job = ClipJob(
            session_id=s.sid,
            reason=reason,
            frames=frames,
            path=self._store.clips_dir / rel_dir / f"{s.clip_count:03d}_{tag}",
            rel_dir=rel_dir,
        )
        if not self._encoder.submit(job):
            self._clips_skipped += 1

    # --- disk ----------------------------------------------------------------------------------

    def _check_headroom(self) -> None:
        cfg = self.config
        try:
            free = self._disk_usage(self._store.path.parent).free
        except OSError as exc:
            self._error(exc)
            return
        free_mib = free / MIB
        self._free_mib = free_mib
        if free_mib < cfg.metrics_min_free_mib:
            level = StorageLevel.PAUSED
        elif free_mib < cfg.landmarks_min_free_mib:
            level = StorageLevel.METRICS_ONLY
        elif free_mib < cfg.clips_min_free_mib:
            level = StorageLevel.NO_CLIPS
        else:
            level = StorageLevel.ALL
        if level != self._level:
            log.warning("recording: %.0f MiB free, storage level %s", free_mib, level.name)
        self._level = level
        # After a write failed for lack of space, the next commit retries at the lower level;
        # the one after that tries everything again.
        self._error_level = StorageLevel(max(0, self._error_level - 1))

    def _run_retention(self) -> None:
        cfg = self.config
        keep = [self._session.sid] if self._session is not None and self._session.sid else []
        try:
            deleted = self._store.apply_retention(
                max_age_days=cfg.retention_days,
                max_bytes=int(cfg.max_gib * GIB),
                now=self._wall(),
                keep=keep,
            )
        except Exception as exc:
            self._error(exc)
            return
        if deleted:
            self._deleted += len(deleted)
            log.info("retention deleted %d session(s): %s", len(deleted), deleted)

    # --- committing -------------------------------------------------------------------------

    def _flush(self) -> None:
        s = self._session
        if s is None and not (self._clips_done or self._strides or self._alerts or self._changes):
            return
        self._check_headroom()
        level = self._effective_level()
        if level >= StorageLevel.PAUSED:
            self._drop_pending(landmarks_too=True)
            return
        for attempt in range(2):
            with_landmarks = level < StorageLevel.METRICS_ONLY
            if not with_landmarks:
                self._drop_landmarks()
            try:
                self._commit(s, with_landmarks=with_landmarks)
            except Exception as exc:
                self._error(exc)
                if is_disk_full(exc):
                    level = max(StorageLevel.METRICS_ONLY, StorageLevel(min(level + 1, 3)))
                    self._error_level = max(self._error_level, level)
                    self._drop_landmarks()
                    if attempt == 0 and level < StorageLevel.PAUSED:
                        continue
                    self._drop_pending(landmarks_too=True)
                    return
                self._failed_flushes += 1
                if self._failed_flushes >= 3:
                    self._drop_pending(landmarks_too=True)
                    self._failed_flushes = 0
                return
            self._failed_flushes = 0
            if level > StorageLevel.ALL:
                try:
                    self._store.checkpoint()  # low on space: do not let the WAL grow
                except sqlite3.Error as exc:
                    self._error(exc)
            return

    def _drop_landmarks(self) -> None:
        s = self._session
        n = sum(len(b[1]) - b[4] for b in self._blocks)
        self._blocks.clear()
        if s is not None:
            s.frames_unstored += n + self._block.n - self._block.written
        # A new block number: the open one may already be on disk with fewer frames.
        self._block.n = 0
        self._block.written = 0
        self._block.number += 1

    def _drop_pending(self, *, landmarks_too: bool) -> None:
        self._strides_unstored += len(self._strides)
        self._strides.clear()
        self._events.clear()
        self._alerts.clear()
        self._marks.clear()
        self._changes.clear()
        for c in self._clips_done:
            self._clips_skipped += 1
            with contextlib.suppress(OSError):
                (self._store.clips_dir / c.path).unlink(missing_ok=True)
        self._clips_done.clear()
        if landmarks_too:
            self._drop_landmarks()

    def _commit(self, s: _Session | None, *, with_landmarks: bool) -> None:
        store = self._store
        sid = s.sid if s is not None else None
        with store.transaction():
            if s is not None and sid is None:
                sid = store.begin_session(
                    s.uid, self._device_id, s.t_start_s, s.settings, started_at=s.started_at
                )
            if sid is not None:
                if self._strides:
                    store.insert_strides(sid, self._strides)
                if self._events:
                    store.insert_events(sid, self._events)
                if self._alerts:
                    store.insert_alerts(sid, self._alerts)
                for t, note, wall in self._marks:
                    store.add_mark(sid, t, note, created_at=wall)
                for t, changes, wall in self._changes:
                    store.add_settings_change(sid, t, changes, created_at=wall)
                if with_landmarks:
                    for number, t_arr, fi_arr, xyzv, _ in self._blocks:
                        store.put_landmark_block(sid, number, t_arr, fi_arr, xyzv)
                    b = self._block
                    if b.n:
                        store.put_landmark_block(
                            sid, b.number, b.t[: b.n], b.fi[: b.n], b.xyzv[: b.n]
                        )
            if s is not None and sid is not None:
                if s.keep_clips:
                    self._no_clips.discard(sid)
                else:
                    self._no_clips.add(sid)
            for c in [c for c in self._clips_done if c.session_id in self._no_clips]:
                self._clips_done.remove(c)  # encoded before the runner (no consent) was known
                with contextlib.suppress(OSError):
                    (store.clips_dir / c.path).unlink(missing_ok=True)
                    (store.clips_dir / str(c.session_id)).rmdir()  # when empty
            for c in self._clips_done:
                store.add_clip(
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
            if s is not None and sid is not None:
                if s.runner_dirty:
                    set_session_runner(store, sid, s.runner_id)
                store.set_counts(sid, s.frames, s.frames_unstored)
                if s.end is not None:
                    t_end, wall, reason = s.end
                    store.end_session(sid, t_end, reason=reason, ended_at=wall)
                if self._hooks:
                    batch = CommitBatch(
                        uid=s.uid,
                        session_id=sid,
                        created=s.sid is None,
                        t_start_s=s.t_start_s,
                        started_at=s.started_at,
                        settings=s.settings,
                        strides=tuple(self._strides),
                        alerts=tuple(self._alerts),
                        end=s.end,
                        frames=s.frames,
                        frames_unstored=s.frames_unstored,
                    )
                    for hook in self._hooks:
                        hook.on_commit(store, batch)
        for hook in self._hooks:
            hook.committed()
        # Committed: the pending lists are on disk.
        if s is not None:
            s.sid = sid
            s.runner_dirty = False
            if s.purge_clips and sid is not None:
                s.purge_clips = False
                delete_session_clips(store, sid)
        self._commits += 1
        self._strides_written += len(self._strides)
        self._clips_written += len(self._clips_done)
        self._strides.clear()
        self._events.clear()
        self._alerts.clear()
        self._marks.clear()
        self._changes.clear()
        self._clips_done.clear()
        if with_landmarks:
            self._blocks.clear()
            self._block.written = self._block.n

    def _shutdown(self) -> None:
        s = self._session
        if s is not None:
            self._on_end(s.last_t, self._wall(), "stopped")
        if self._encoder is not None:
            self._encoder.close()
            while True:
                try:
                    msg = self._queue.get_nowait()
                except queue.Empty:
                    break
                if msg[0] in ("clip", "clip_error"):
                    self._handle(msg)
        self._flush()
