"""The recorder's disk guard: what may still be stored given the free space.

Before every commit the recorder asks :class:`DiskGuard` for the free space beside the
database and degrades in order: clips stop first, then landmarks, metrics last
(:class:`StorageLevel`). A write that failed for lack of space lowers the level for the
next commit; the one after that tries everything again.
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple

from edge.recording.config import RecordingConfig

log = logging.getLogger(__name__)

MIB = 1024 * 1024
GIB = 1024 * MIB


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


def disk_usage(path: Path) -> DiskUsage:
    """The file system's usage at ``path`` (the real one; tests pass their own)."""
    u = shutil.disk_usage(path)
    return DiskUsage(u.total, u.used, u.free)


class DiskGuard:
    """The storage level from free space and recent write failures (writer thread only)."""

    def __init__(self, config: RecordingConfig, usage: DiskUsageFn = disk_usage) -> None:
        self._config = config
        self._usage = usage
        self.level = StorageLevel.ALL  # from the free space
        self.error_level = StorageLevel.ALL  # from writes that failed for lack of space
        self.free_mib: float | None = None

    @property
    def effective(self) -> StorageLevel:
        """What may be stored now: the lower of the two levels."""
        return max(self.level, self.error_level)

    def check(self, directory: Path) -> None:
        """Measure the free space in ``directory`` (raises OSError when it cannot)."""
        cfg = self._config
        free_mib = self._usage(directory).free / MIB
        self.free_mib = free_mib
        if free_mib < cfg.metrics_min_free_mib:
            level = StorageLevel.PAUSED
        elif free_mib < cfg.landmarks_min_free_mib:
            level = StorageLevel.METRICS_ONLY
        elif free_mib < cfg.clips_min_free_mib:
            level = StorageLevel.NO_CLIPS
        else:
            level = StorageLevel.ALL
        if level != self.level:
            log.warning("recording: %.0f MiB free, storage level %s", free_mib, level.name)
        self.level = level
        # After a write failed for lack of space, the next commit retries at the lower level;
        # the one after that tries everything again.
        self.error_level = StorageLevel(max(0, self.error_level - 1))

    def write_failed(self, level: StorageLevel) -> None:
        """A write failed for lack of space: store at most ``level`` until the next checks."""
        self.error_level = max(self.error_level, level)


def is_disk_full(exc: BaseException) -> bool:
    """True for the errors that mean "no space": SQLITE_FULL and ENOSPC/EDQUOT."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return True
        return "full" in str(exc).lower()
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False
