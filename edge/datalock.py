"""One treadwatch per data directory.

``serve`` and ``run`` take an exclusive ``flock`` on ``treadwatch.lock`` in the
directory of the session database before they open it; a second process on the same
directory refuses to start with the first one's PID (otherwise it would mark the first's
open session "recovered" and both would write settings.toml). The kernel releases the
lock when the process ends in any way, ``kill -9`` and power cuts included, so a stale lock
file never blocks a start: only a living holder does.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from edge.errors import StorageError

log = logging.getLogger(__name__)

LOCK_NAME = "treadwatch.lock"


class DataDirLock:
    """An exclusive lock on a data directory, held until :meth:`release` or process end."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock. Raises StorageError naming the holder's PID when another process
        has it; returns False (and logs) when the directory cannot hold a lock file at all
        (read-only: the database will say so itself)."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            log.warning("cannot lock the data directory %s: %s", self.data_dir, exc)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"PID {holder}" if holder else "another process"
            raise StorageError(
                f"another treadwatch ({who}) is using the data directory {self.data_dir}: "
                "stop it, or give this one its own database with --db PATH"
            ) from None
        except OSError as exc:
            os.close(fd)
            log.warning("cannot lock the data directory %s: %s", self.data_dir, exc)
            return False
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
