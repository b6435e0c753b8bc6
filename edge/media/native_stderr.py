"""Keep native libraries' chatter off the terminal, and their real errors on it.

LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." and ffmpeg (inside
OpenCV) "[mov,mp4,…] moov atom not found" straight to file descriptor 2, below Python's
``sys.stderr``. :func:`native_stderr` points fd 2 at a temporary file for the duration of a
block (creating an interpreter, opening a video), then writes back to the real stderr every
captured line that is not known noise, so genuine errors still show. What was captured is
available as ``captured.text`` (e.g. to explain a failure in one line).

fd 2 is process-wide: output of other threads during the block is delayed, not lost.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass

#: Lines that say nothing a user can act on.
NOISE: tuple[str, ...] = (
    "Created TensorFlow Lite XNNPACK delegate",
    "moov atom not found",
)

_lock = threading.RLock()


@dataclass
class Captured:
    text: str = ""
    #: Set by the block when it raises its own one-line error that explains the failure:
    #: the native output is then not shown.
    discard: bool = False


def _emit(text: str, noise: tuple[str, ...]) -> None:
    keep = [ln for ln in text.splitlines() if ln.strip() and not any(n in ln for n in noise)]
    if keep:
        sys.stderr.write("\n".join(keep) + "\n")
        sys.stderr.flush()


@contextlib.contextmanager
def native_stderr(noise: tuple[str, ...] = NOISE) -> Iterator[Captured]:
    """Capture fd 2 for the block; re-emit the lines that are not ``noise`` afterwards
    (also when the block raises)."""
    captured = Captured()
    with _lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no usable fd 2 (embedded): nothing to hide
            yield captured
            return
        with tempfile.TemporaryFile(mode="w+b") as tmp:
            try:
                os.dup2(tmp.fileno(), 2)
                yield captured
            finally:
                with contextlib.suppress(ValueError, OSError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                captured.text = tmp.read().decode("utf-8", "replace")
                if not captured.discard:
                    _emit(captured.text, noise)
