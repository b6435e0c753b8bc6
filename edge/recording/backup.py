"""``treadwatch backup DEST``: a consistent copy of the session database while it records.

A file copy of a WAL database taken while the recorder writes can miss the last
transactions or be torn (the ``-wal`` file holds what the main file does not yet). SQLite's
online backup API copies one consistent snapshot instead: it runs as a single read
transaction, which in WAL mode never blocks the recorder. The copy is written beside the
destination and renamed into place, so ``DEST`` is never half written.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from edge.atomic import atomic_path
from edge.errors import StorageError


def backup_path(dest: Path) -> Path:
    """``dest`` itself, or a dated file name inside it when it is a directory."""
    if dest.is_dir():
        return dest / f"sessions-{dt.datetime.now():%Y%m%d-%H%M%S}.db"
    return dest


def backup_database(db: Path, dest: Path) -> Path:
    """Copy ``db`` to ``dest`` (a file, or a directory for a dated name); returns the file."""
    if not db.is_file():
        raise StorageError(f"no session database at {db} (nothing recorded yet?)")
    target = backup_path(dest)
    if target.resolve() == db.resolve():
        raise StorageError("the backup must go to another file than the database itself")
    try:
        with atomic_path(target, suffix=".part") as tmp:
            src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
            try:
                out = sqlite3.connect(tmp)
                try:
                    src.backup(out)  # one step: one consistent snapshot
                    (check,) = out.execute("PRAGMA quick_check").fetchone()
                    if check != "ok":
                        raise StorageError(f"the copy failed its check ({check}); try again")
                    out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                finally:
                    out.close()
            finally:
                src.close()
    except sqlite3.Error as exc:
        raise StorageError(f"backup of {db} failed: {exc}") from None
    except OSError as exc:
        raise StorageError(f"cannot write the backup {target}: {exc}") from None
    return target
