"""A page watching ``/video.mjpeg``, on a thread: the pipeline encodes the page's video only
while someone watches, and the replay buffer keeps that video."""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Callable


class VideoViewer:
    """Reads ``/video.mjpeg`` until :meth:`close`."""

    def __init__(self, host: str) -> None:
        addr, port = host.split(":")
        self._conn = http.client.HTTPConnection(addr, int(port), timeout=10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._conn.request("GET", "/video.mjpeg")
        resp = self._conn.getresponse()
        # Closing the connection from the test ends the read with whatever error the
        # socket or http.client raises then; the stream itself is not under test here.
        with contextlib.suppress(Exception):
            while not self._stop.is_set() and resp.read(4096):
                pass

    def close(self) -> None:
        self._stop.set()
        self._conn.close()
        self._thread.join(5)


def wait_for(pred: Callable[[], object], timeout: float = 20.0) -> None:
    """Polls ``pred`` every 0.2 s until it is true; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
