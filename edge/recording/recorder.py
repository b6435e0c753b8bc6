"""The recorder: a :class:`~edge.live.sink.PipelineSink` that logs sessions to SQLite.

The analysis thread only copies the frame's landmarks and puts a typed message
(:mod:`edge.recording.writer_messages`) on a queue (:meth:`Recorder.frame`, a few
microseconds); everything else happens on the recorder's writer thread
(:mod:`edge.recording.writer`), which owns the database connection and the JPEG ring:

* commits at least every ``flush_interval_s`` (so a ``kill -9`` loses at most that much),
  landmarks as one float16 block per second of frames (the open block is rewritten on
  every commit; :mod:`edge.recording.blocks`);
* checks free disk space before every commit and degrades in order: clips stop first,
  then landmarks, metrics last (:mod:`edge.recording.disk`);
* applies retention (days, GiB) at start and every ten minutes;
* closes sessions a crash left open, at start;
* cuts clips around alerts and marks (:mod:`edge.recording.clip_policy`);
* numbers the session's steps itself (0, 1, 2, … in time order): the analyzer's numbering
  restarts whenever it is rebuilt (a settings change, a new frame size), and a stored step
  is never replaced; settings changed mid-session are stored with the session.

Nothing raised by storage reaches the pipeline: errors are caught, counted and reported in
:meth:`Recorder.stats`; frames the writer cannot keep up with are dropped and counted.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.gait.records import AnalysisUpdate
from edge.landmarks import NUM_LANDMARKS, PoseResult
from edge.recording.codec import STORED_CHANNELS
from edge.recording.commit import CommitHook
from edge.recording.config import RecordingConfig
from edge.recording.disk import DiskUsageFn, StorageLevel, disk_usage
from edge.recording.store import SessionStore
from edge.recording.writer import Writer
from edge.recording.writer_messages import (
    End,
    Frame,
    KeepClip,
    MarkAdded,
    RunnerSet,
    SettingsChanged,
    Start,
    Stop,
    Sync,
    WriterMessage,
)


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


class Recorder:
    """Records sessions from the live pipeline. Build with :meth:`from_config`.

    Public methods may be called from any thread and never raise because of storage.
    """

    def __init__(
        self,
        config: RecordingConfig,
        *,
        disk_usage: DiskUsageFn = disk_usage,
        wall_clock: Callable[[], float] = time.time,
        commit_hooks: tuple[CommitHook, ...] = (),
    ) -> None:
        self.config = config
        self._wall = wall_clock
        self._queue: queue.SimpleQueue[WriterMessage] = queue.SimpleQueue()
        # Written only by the analysis thread:
        self._in_session = False
        self._enqueued = 0
        self._received = 0
        self._dropped = 0
        self._writer = Writer(
            config,
            SessionStore(config.resolved_db_path()),
            self._queue,
            disk_usage=disk_usage,
            wall_clock=wall_clock,
            commit_hooks=commit_hooks,
        )
        self._closed = False
        self._writer.start()

    @classmethod
    def from_config(
        cls, config: RecordingConfig, commit_hooks: tuple[CommitHook, ...] = ()
    ) -> Recorder:
        """The recorder for ``config`` (raises StorageError if the database cannot be opened)."""
        return cls(config, commit_hooks=commit_hooks)

    @property
    def db_path(self) -> Path:
        return self._writer.store.path

    @property
    def wants_video(self) -> bool:
        """JPEG frames are only needed for clips: without them the pipeline need not encode
        video for the recorder (it still does while someone watches the page)."""
        return self._writer.clips is not None

    @property
    def problem(self) -> str | None:
        """Why recording is not doing its job right now (for the health check), or None."""
        w = self._writer
        if w.failed_flushes > 0:
            return f"recording: writes to {self.db_path} are failing: {w.last_error}"
        if w.disk.effective >= StorageLevel.PAUSED:
            free = w.disk.free_mib or 0
            return f"recording paused: the disk is nearly full ({free:.0f} MiB free)"
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
        self._queue.put(Start(str(session_id), float(t_s), dict(settings), self._wall()))

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        if not self._in_session:
            return
        self._received += 1
        if self._enqueued - self._writer.dequeued >= self.config.queue_frames:
            self._dropped += 1
            return
        lm = pose.landmarks
        self._queue.put(
            Frame(
                pose.frame_index,
                pose.timestamp_s,
                lm[:, :STORED_CHANNELS].copy() if lm.shape[0] == NUM_LANDMARKS else None,
                tuple(update.events) if update.events else (),
                tuple(update.strides) if update.strides else (),
                tuple(update.alerts) if update.alerts else (),
                jpeg if self._writer.clips is not None else None,
            )
        )
        self._enqueued += 1

    def settings_changed(self, t_s: float, changes: dict[str, Any]) -> None:
        """The settings changed mid-session (from capture time ``t_s``): stored with it."""
        if not self._in_session:
            return
        self._queue.put(SettingsChanged(float(t_s), dict(changes), self._wall()))

    def session_ended(self, t_s: float) -> None:
        if not self._in_session:
            return
        self._in_session = False
        self._queue.put(End(float(t_s), self._wall()))

    def session_stopped(self, t_s: float) -> None:
        """The pipeline stopped (service stop): the session ends with reason ``stopped``."""
        if not self._in_session:
            return
        self._in_session = False
        self._queue.put(End(float(t_s), self._wall(), "stopped"))

    # --- other threads -------------------------------------------------------------------------

    def mark(self, note: str = "", t_s: float | None = None) -> None:
        """A therapist's mark in the current session (at the latest frame unless ``t_s``)."""
        self._queue.put(MarkAdded(t_s, note, self._wall()))

    def set_runner(self, runner_id: int | None, *, keep_clips: bool = True) -> None:
        """Who is running the current session (``None``: a guest). ``keep_clips=False`` (no
        consent): no more clips are cut and those already kept for the session are deleted.
        Applies to the session being recorded only; call :meth:`flush` to wait for it."""
        self._queue.put(RunnerSet(runner_id, keep_clips))

    def keep_clip(
        self, frames: list[tuple[float, bytes]], reason: str, timeout_s: float = 5.0
    ) -> str | None:
        """Keep ``frames`` (``(t_s, jpeg)``, e.g. a replay) as a clip of the session being
        recorded, under the rules of every clip (clips on, the runner's consent, disk space).
        None once handed to the clip encoder; else why not, as a sentence."""
        answer: list[str | None] = []
        done = threading.Event()
        self._queue.put(KeepClip(list(frames), reason, answer, done))
        if not done.wait(timeout_s):
            return "the recorder is not keeping up; try again in a moment"
        return answer[0] if answer else "not kept"

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything queued so far is committed (for tests and shutdown)."""
        done = threading.Event()
        self._queue.put(Sync(done))
        return done.wait(timeout_s)

    def stats(self) -> RecorderStats:
        w = self._writer
        s = w.session
        return RecorderStats(
            session_id=s.sid if s is not None else None,
            level=w.disk.effective.name.lower(),
            free_mib=w.disk.free_mib,
            frames_received=self._received,
            frames_dropped=self._dropped,
            frames_unstored=(s.frames_unstored if s is not None else 0),
            strides_written=w.strides_written,
            strides_unstored=w.strides_unstored,
            strides_out_of_order=w.out_of_order,
            commits=w.commits,
            write_errors=w.write_errors,
            clips_written=w.clips_written,
            clips_skipped=w.clips_skipped,
            sessions_recovered=w.recovered,
            sessions_deleted=w.deleted,
            last_error=w.last_error,
            queue_depth=self._enqueued - w.dequeued,
        )

    def close(self, timeout_s: float = 30.0) -> None:
        """End the open session (reason ``stopped``), commit everything and stop the threads."""
        if self._closed:
            return
        self._closed = True
        self._in_session = False
        self._queue.put(Stop())
        self._writer.join(timeout_s)
