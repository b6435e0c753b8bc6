"""The writer thread's commits: what it has gathered goes to the database at the storage
level the :class:`~edge.recording.disk.DiskGuard` allows; what cannot be stored is dropped
and counted, and a full disk lowers the level and tries once more.

Writer thread only; the recorder reads the counters from other threads (plain ints: a read
sees a recent value).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

from edge.recording.blocks import LandmarkBlocks
from edge.recording.commit import CommitHook, PendingWrites, RecordingSession, write_commit
from edge.recording.disk import DiskGuard, StorageLevel, is_disk_full
from edge.recording.store import SessionStore
from edge.runners.store import delete_session_clips


class Flusher:
    """Commits the writer's pending writes and landmark blocks; counts what it stores and drops."""

    def __init__(
        self,
        store: SessionStore,
        disk: DiskGuard,
        *,
        device_id: str,
        blocks: LandmarkBlocks,
        pending: PendingWrites,
        no_clips: set[int],
        hooks: tuple[CommitHook, ...],
        check_headroom: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.store = store
        self.disk = disk
        self._device_id = device_id
        self._blocks = blocks
        self._pending = pending
        self._no_clips = no_clips
        self._hooks = hooks
        self._check_headroom = check_headroom
        self._error = on_error
        self.commits = 0
        self.strides_written = 0
        self.strides_unstored = 0
        self.failed_flushes = 0
        self.clips_written = 0
        self.clips_dropped = 0  # encoded clips thrown away with writes that could not be stored

    def flush(self, s: RecordingSession | None) -> None:
        """Commit what is pending for session ``s`` (None: only what needs no session)."""
        if s is None and not self._pending.any_without_session():
            return
        self._check_headroom()
        level = self.disk.effective
        if level >= StorageLevel.PAUSED:
            self._drop_pending(s, landmarks_too=True)
            return
        for attempt in range(2):
            with_landmarks = level < StorageLevel.METRICS_ONLY
            if not with_landmarks:
                self.drop_landmarks(s)
            try:
                self._commit(s, with_landmarks=with_landmarks)
            except Exception as exc:
                self._error(exc)
                if is_disk_full(exc):
                    level = max(StorageLevel.METRICS_ONLY, StorageLevel(min(level + 1, 3)))
                    self.disk.write_failed(level)
                    self.drop_landmarks(s)
                    if attempt == 0 and level < StorageLevel.PAUSED:
                        continue
                    self._drop_pending(s, landmarks_too=True)
                    return
                self.failed_flushes += 1
                if self.failed_flushes >= 3:
                    self._drop_pending(s, landmarks_too=True)
                    self.failed_flushes = 0
                return
            self.failed_flushes = 0
            if level > StorageLevel.ALL:
                try:
                    self.store.checkpoint()  # low on space: do not let the WAL grow
                except sqlite3.Error as exc:
                    self._error(exc)
            return

    def drop_landmarks(self, s: RecordingSession | None) -> None:
        n = self._blocks.drop()
        if s is not None:
            s.frames_unstored += n

    def _drop_pending(self, s: RecordingSession | None, *, landmarks_too: bool) -> None:
        p = self._pending
        self.strides_unstored += len(p.strides)
        for c in p.clips:
            self.clips_dropped += 1
            with contextlib.suppress(OSError):
                (self.store.clips_dir / c.path).unlink(missing_ok=True)
        p.clear()
        if landmarks_too:
            self.drop_landmarks(s)

    def _commit(self, s: RecordingSession | None, *, with_landmarks: bool) -> None:
        p = self._pending
        sid = write_commit(
            self.store,
            device_id=self._device_id,
            session=s,
            pending=p,
            blocks=self._blocks if with_landmarks else None,
            no_clips=self._no_clips,
            hooks=self._hooks,
        )
        # Committed: the pending writes are on disk.
        if s is not None:
            s.sid = sid
            s.runner_dirty = False
            if s.purge_clips and sid is not None:
                s.purge_clips = False
                delete_session_clips(self.store, sid)
        self.commits += 1
        self.strides_written += len(p.strides)
        self.clips_written += len(p.clips)
        p.clear()
        if with_landmarks:
            self._blocks.committed()
