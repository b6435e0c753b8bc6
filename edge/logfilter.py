"""Repeated log lines collapsed: a flood cannot fill the disk or bury the first error.

:class:`RepeatFilter` sits on the log handlers. Records with the same logger, level and
message template are let through ``burst`` times per ``window_s``; the rest of that window
is suppressed and counted, and the next record of that kind that gets through says how
many were left out (``… (repeated 1234 times in the last 10 s)``). An
``socket.accept() out of system resource`` storm becomes a few lines a minute instead of
millions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

#: Distinct messages remembered at most (the oldest are forgotten first).
MAX_KEYS = 512


class RepeatFilter(logging.Filter):
    def __init__(
        self,
        *,
        burst: int = 3,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self._clock = clock
        # key -> [window start, passed in window, suppressed since the last one passed]
        self._seen: OrderedDict[tuple[str, int, str], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        with self._lock:
            entry = self._seen.get(key)
            if entry is None or now - entry[0] >= self.window_s:
                suppressed = int(entry[2]) if entry is not None else 0
                self._seen[key] = [now, 1, 0]
                self._seen.move_to_end(key)
                while len(self._seen) > MAX_KEYS:
                    self._seen.popitem(last=False)
            elif entry[1] < self.burst:
                entry[1] += 1
                suppressed = int(entry[2])
                entry[2] = 0
            else:
                entry[2] += 1
                return False
        if suppressed:
            record.msg = (
                f"{record.msg} (repeated {suppressed} times in the last {self.window_s:g} s)"
            )
        return True


def install(
    logger: logging.Logger | None = None, *, burst: int = 3, window_s: float = 10.0
) -> RepeatFilter:
    """Put one :class:`RepeatFilter` on every handler of ``logger`` (default: the root)."""
    target = logger if logger is not None else logging.getLogger()
    flt = RepeatFilter(burst=burst, window_s=window_s)
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt
