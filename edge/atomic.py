"""Writing a file atomically: readers see the old file or the whole new one, never a part.

The data goes to a temporary file beside the target (same directory, so the rename stays on
one file system), is flushed to disk, and is renamed over the target; on any error the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path | str, *, suffix: str = ".tmp") -> Iterator[Path]:
    """A new, empty temporary file beside ``path`` for the caller to write (by name, e.g.
    SQLite's backup or ``numpy.savez``: ``suffix`` keeps the extension they expect); on
    leaving the block it is synced and renamed to ``path``. Missing directories are made.
    The file gets the usual permissions (0666 less the umask)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; raises OSError."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
