"""The recorder's writer thread: owns the database connection, the landmark blocks, the
JPEG ring and the clip policy; drains the recorder's queue of
:mod:`~edge.recording.writer_messages`, commits every ``flush_interval_s`` at the storage
level the :class:`~edge.recording.disk.DiskGuard` allows (the
:class:`~edge.recording.writer_flush.Flusher` does that), and applies retention.

Everything here runs on the writer thread except the constructor; the recorder reads the
counters from other threads (plain ints and references: a read sees a recent value).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from edge.recording.blocks import LandmarkBlocks
from edge.recording.clip_policy import ClipPolicy
from edge.recording.clips import lower_priority
from edge.recording.commit import CommitHook, PendingWrites, RecordingSession
from edge.recording.config import RecordingConfig
from edge.recording.disk import GIB, DiskGuard, DiskUsageFn, StorageLevel, is_disk_full
from edge.recording.retention import apply_retention, close_open_sessions
from edge.recording.short_session import ended_session_cues
from edge.recording.store import SessionStore
from edge.recording.writer_flush import Flusher
from edge.recording.writer_messages import (
    ClipDone,
    ClipFailed,
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

log = logging.getLogger(__name__)

POLL_S = 0.1  # the writer drains its queue this often
#: Retention (recording.retention_days, recording.max_gib) runs at start and this often (s).
RETENTION_INTERVAL_S = 600.0


class Writer:
    """The writer thread's state. :meth:`start` runs :meth:`_run` on its own thread."""

    def __init__(
        self,
        config: RecordingConfig,
        store: SessionStore,
        messages: queue.SimpleQueue[WriterMessage],
        *,
        disk_usage: DiskUsageFn,
        wall_clock: Callable[[], float],
        commit_hooks: tuple[CommitHook, ...],
    ) -> None:
        self.config = config
        self.store = store
        self._queue = messages
        self._wall = wall_clock
        self.dequeued = 0  # frames taken off the queue
        self.session: RecordingSession | None = None
        self._blocks = LandmarkBlocks()
        self._pending = PendingWrites()
        self._no_clips: set[int] = set()  # sessions whose runner did not consent to clips
        self.disk = DiskGuard(config, disk_usage)
        self.out_of_order = 0
        self.write_errors = 0
        self._clips_skipped = 0  # by the clip policy; the flusher counts the clips it drops
        self.deleted = 0
        self.last_error: str | None = None
        self._flusher = Flusher(
            store,
            self.disk,
            device_id=config.resolved_device_id(),
            blocks=self._blocks,
            pending=self._pending,
            no_clips=self._no_clips,
            hooks=commit_hooks,
            check_headroom=self._check_headroom,
            on_error=self._error,
        )
        self.clips: ClipPolicy | None = None
        if config.clips:
            self.clips = ClipPolicy(
                config,
                store.clips_dir,
                on_done=lambda c: messages.put(ClipDone(c)),
                on_error=lambda e: messages.put(ClipFailed(e)),
            )
        self.recovered = 0
        try:
            self.recovered = len(close_open_sessions(store))
        except sqlite3.Error as exc:  # e.g. a full disk: recording goes on, reported
            self._error(exc)
        self._check_headroom()
        self._run_retention()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)

    # The recorder's figures; the flusher's own are read through.
    @property
    def commits(self) -> int:
        return self._flusher.commits

    @property
    def strides_written(self) -> int:
        return self._flusher.strides_written

    @property
    def strides_unstored(self) -> int:
        return self._flusher.strides_unstored

    @property
    def failed_flushes(self) -> int:
        return self._flusher.failed_flushes

    @property
    def clips_written(self) -> int:
        return self._flusher.clips_written

    @property
    def clips_skipped(self) -> int:
        return self._clips_skipped + self._flusher.clips_dropped

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        # The writer polls (every POLL_S) instead of blocking on the queue: a put() then never
        # has to wake a waiting thread, which keeps frame() cheap on the analysis thread.
        lower_priority(5)
        cfg = self.config
        poll = min(POLL_S, cfg.flush_interval_s / 4)
        now = time.monotonic()
        next_flush = now + cfg.flush_interval_s
        next_retention = now + RETENTION_INTERVAL_S
        stopping = False
        while not stopping:
            time.sleep(poll)
            try:
                while not stopping:
                    try:
                        msg = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if isinstance(msg, Stop):
                        stopping = True
                        self._shutdown()
                    else:
                        self._handle(msg)
                now = time.monotonic()
                if now >= next_flush and not stopping:
                    next_flush = now + cfg.flush_interval_s
                    self._flush()
                if now >= next_retention:
                    next_retention = now + RETENTION_INTERVAL_S
                    self._run_retention()
            except Exception as exc:  # keep the writer alive whatever happens
                self._error(exc)
        self.store.close()

    def _error(self, exc: BaseException) -> None:
        self.write_errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self.write_errors <= 10 or self.write_errors % 100 == 0:
            log.warning("recording error #%d: %s", self.write_errors, self.last_error)

    def _handle(self, msg: WriterMessage) -> None:
        match msg:
            case Frame():
                self.dequeued += 1
                self._on_frame(msg)
            case Start(uid, t_s, settings, wall):
                self._on_start(uid, t_s, settings, wall)
            case End(t_s, wall, reason):
                self._on_end(t_s, wall, reason)
            case MarkAdded(t_s, note, wall):
                self._on_mark(t_s, note, wall)
            case SettingsChanged(t_s, changes, wall):
                if self.session is not None:
                    self._pending.changes.append((t_s, changes, wall))
            case RunnerSet(runner_id, keep_clips):
                self._on_runner(runner_id, keep_clips)
            case ClipDone(clip):
                self._pending.clips.append(clip)
            case ClipFailed(error):
                self._clips_skipped += 1
                self._error(error)
                if is_disk_full(error):
                    self.disk.write_failed(StorageLevel.NO_CLIPS)
            case KeepClip(frames, reason, answer, done):
                answer.append(self._keep_clip(frames, reason))
                done.set()
            case Sync(done):
                try:
                    self._flush()
                finally:
                    done.set()
            case Stop():
                pass  # handled by the writer loop

    def _on_start(self, uid: str, t_s: float, settings: dict[str, Any], wall: float) -> None:
        if self.session is not None:
            s = self.session
            self._on_end(s.last_t, wall, "ended")
        self.session = RecordingSession(uid=uid, t_start_s=t_s, settings=settings, started_at=wall)
        self.session.last_t = t_s
        self._blocks.reset()
        if self.clips is not None:
            self.clips.ring.clear()
        self._flush()  # the session row exists as soon as possible

    def _on_frame(self, f: Frame) -> None:
        s = self.session
        if s is None:
            return
        t_s = f.t_s
        s.frames += 1
        s.last_t = t_s
        if self.config.landmarks and self.disk.effective < StorageLevel.METRICS_ONLY:
            self._blocks.add(t_s, f.frame_index, f.landmarks)
        else:
            s.frames_unstored += 1
        if f.events:
            self._pending.events.extend(f.events)
        alerts = f.alerts
        if f.strides or alerts:
            strides, alerts, skipped = s.number(f.strides, alerts)
            self._pending.strides.extend(strides)
            for st in skipped:
                self.out_of_order += 1
                if self.out_of_order <= 10:
                    log.warning("step at %.3f s is not after the previous one: not stored", st.t_s)
        if self.clips is not None:
            if f.jpeg is not None:
                self.clips.ring.append(t_s, f.jpeg)
            for a in alerts:
                if a.state == "raised":
                    self._want_clip(t_s, f"alert:{a.rule}")
            if self.clips.due(s.clips, t_s):
                self._cut_clip(s)
        if alerts:
            self._pending.alerts.extend(alerts)

    def _on_end(self, t_s: float, wall: float, reason: str) -> None:
        s = self.session
        if s is None:
            return
        if self.clips is not None and s.clips.pending is not None:
            self._cut_clip(s)
        if self.config.landmarks:
            self._blocks.close_open()
        self._judge_short_session(s, t_s)
        s.end = (t_s, wall, reason)
        self._flush()
        self.session = None
        self._blocks.reset()
        if self.clips is not None:
            self.clips.ring.clear()

    def _judge_short_session(self, s: RecordingSession, t_end_s: float) -> None:
        """A session shorter than the live window: cues by the clip policy on all its steps."""
        try:
            cues = ended_session_cues(self.store, s, self._pending, t_end_s)
        except sqlite3.Error as exc:  # the session still ends, its live cues kept
            self._error(exc)
            return
        self._pending.alerts.extend(cues)

    def _on_mark(self, t_s: float | None, note: str, wall: float) -> None:
        s = self.session
        if s is None:
            return
        t = s.last_t if t_s is None else float(t_s)
        self._pending.marks.append((t, note, wall))
        if self.clips is not None:
            self._want_clip(t, "mark")

    def _on_runner(self, runner_id: int | None, keep_clips: bool) -> None:
        s = self.session
        if s is None:
            return
        s.runner_id = runner_id
        s.runner_dirty = True
        s.keep_clips = keep_clips
        if not keep_clips:
            s.clips.pending = None
            s.purge_clips = True
            if self.clips is not None:
                self.clips.ring.clear()

    # --- clips ----------------------------------------------------------------------------------

    def _want_clip(self, t_s: float, reason: str) -> None:
        s = self.session
        if s is None or self.clips is None or not s.keep_clips:
            return  # no session, no clips, or no consent to keep video of this runner
        if self.disk.effective >= StorageLevel.NO_CLIPS:
            self._clips_skipped += 1
            return
        self.clips.want(s.clips, t_s, reason)

    def _keep_clip(self, frames: list[tuple[float, bytes]], reason: str) -> str | None:
        """A replay kept on the live page, under the rules of every clip; why not, if not."""
        s = self.session
        if s is None or s.sid is None:
            return "no session is being recorded"
        if not s.keep_clips:
            return "this runner has not given consent to video clips being kept"
        if self.clips is None:
            return "video clips are off on this device (recording.clips = false)"
        if self.disk.effective >= StorageLevel.NO_CLIPS:
            return "too little free disk space for video clips"
        if not self.clips.keep(s.clips, s.sid, frames, reason):
            return "clips are waiting to be encoded; try again in a moment"
        return None

    def _cut_clip(self, s: RecordingSession) -> None:
        if self.clips is not None and not self.clips.cut(s.clips, s.sid):
            self._clips_skipped += 1

    # --- disk -----------------------------------------------------------------------------------

    def _check_headroom(self) -> None:
        try:
            self.disk.check(self.store.path.parent)
        except OSError as exc:
            self._error(exc)

    def _run_retention(self) -> None:
        cfg = self.config
        keep = [self.session.sid] if self.session is not None and self.session.sid else []
        try:
            deleted = apply_retention(
                self.store,
                max_age_days=cfg.retention_days,
                max_bytes=int(cfg.max_gib * GIB),
                now=self._wall(),
                keep=keep,
            )
        except Exception as exc:
            self._error(exc)
            return
        if deleted:
            self.deleted += len(deleted)
            log.info("retention deleted %d session(s): %s", len(deleted), deleted)

    def _flush(self) -> None:
        self._flusher.flush(self.session)

    def _shutdown(self) -> None:
        s = self.session
        if s is not None:
            self._on_end(s.last_t, self._wall(), "stopped")
        if self.clips is not None:
            self.clips.encoder.close()
            while True:
                try:
                    msg = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(msg, ClipDone | ClipFailed):
                    self._handle(msg)
        self._flush()
