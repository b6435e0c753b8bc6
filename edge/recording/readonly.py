"""Telling a read-only session database from a broken one.

A database that SQLite may not write (the directory or file not writable by the service
user, the disk mounted read-only, e.g. after an SD card error) is not corrupt: its data is
intact and moving it away would only hide it. :func:`read_only_reason` says which case it is
and what to check.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

_READ_ONLY_CODES = {
    getattr(sqlite3, name)
    for name in dir(sqlite3)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))
}


def _mount_read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_reason(db: Path, exc: BaseException | None = None) -> str | None:
    """A one-line explanation when ``db`` cannot be written because of permissions or a
    read-only disk, else ``None`` (the error is something else)."""
    directory = db.parent
    code = getattr(exc, "sqlite_errorcode", None)
    by_sqlite = code in _READ_ONLY_CODES or "readonly" in str(exc).lower().replace("-", "")
    mounted_ro = _mount_read_only(directory)
    not_writable = not os.access(directory, os.W_OK) or (db.exists() and not os.access(db, os.W_OK))
    if not (mounted_ro or not_writable or by_sqlite):
        return None
    if mounted_ro:
        what = (
            f"the disk holding {directory} is mounted read-only (check `findmnt -T "
            f"{directory}`; an SD card with errors is remounted read-only: see `dmesg`)"
        )
    else:
        what = (
            f"check that {directory} and the files in it are writable by the user running "
            f"treadwatch (`ls -l {directory}`; the service runs as user treadwatch: "
            f"`sudo chown -R treadwatch: {directory}`) and that the disk is not mounted "
            f"read-only (`findmnt -T {directory}`)"
        )
    return (
        f"the session database {db} is read-only: its sessions are intact, but nothing can "
        f"be recorded or changed; {what}"
    )
