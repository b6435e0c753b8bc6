"""Running as a service: the file-descriptor limit and systemd's notify protocol.

* :func:`raise_nofile_limit`: the soft ``RLIMIT_NOFILE`` up to the hard limit at start
  (the unit sets ``LimitNOFILE``; a shell often starts with a soft limit of 1024).
* :class:`SystemdNotifier`: ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1`` as datagrams to
  ``$NOTIFY_SOCKET`` (the protocol is one line per datagram; no library needed). Without
  that variable (not under systemd) every call does nothing.
* :class:`PipelineWatchdog`: a thread that sends ``WATCHDOG=1`` only while the pipeline
  really makes progress (analysed frames go up, or the camera is being reopened); a hung
  camera read or model call stops the pings and systemd restarts the service after
  ``WatchdogSec``.
"""

from __future__ import annotations

import logging
import os
import resource
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def raise_nofile_limit(want: int | None = None) -> tuple[int, int]:
    """Raise the soft open-files limit to ``want`` (default: the hard limit); returns
    (soft, hard) in force afterwards. Never fails: a refusal is logged."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if want is None else want
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-files limit from %d: %s", soft, exc)
    return soft, hard


class SystemdNotifier:
    def __init__(self, address: str | None = None) -> None:
        addr = address if address is not None else os.environ.get("NOTIFY_SOCKET")
        self._addr: str | None = None
        self._sock: socket.socket | None = None
        if addr:
            # "@name" is the abstract namespace.
            self._addr = "\0" + addr[1:] if addr.startswith("@") else addr
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def notify(self, state: str) -> bool:
        if self._sock is None or self._addr is None:
            return False
        try:
            self._sock.sendto(state.encode(), self._addr)
        except OSError as exc:
            log.warning("systemd notify %r failed: %s", state, exc)
            return False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_interval_s() -> float | None:
    """Half of systemd's ``WatchdogSec`` (``$WATCHDOG_USEC``), or None when not watched."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(0.5, int(usec) / 1e6 / 2)
    except ValueError:
        return None


class PipelineWatchdog:
    """Pings systemd's watchdog while ``progress()`` keeps changing.

    ``progress`` returns something that changes whenever the pipeline moves (frames
    analysed, camera reopen attempts); it is read every ``interval_s``."""

    def __init__(
        self,
        notifier: SystemdNotifier,
        progress: Callable[[], object],
        interval_s: float,
    ) -> None:
        self._notifier = notifier
        self._progress = progress
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self.pings = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        last = self._progress()
        while not self._stop.wait(self._interval):
            now = self._progress()
            if now != last and self._notifier.notify("WATCHDOG=1"):
                self.pings += 1
            last = now


def pipeline_progress(status: Callable[[], dict[str, object]]) -> Callable[[], object]:
    """Progress of a pipeline from its ``status()``: frames analysed and camera reopen
    attempts (a camera being reopened is the pipeline doing its job)."""

    def progress() -> object:
        st = status()
        analysis = st.get("analysis")
        source = st.get("source")
        frames = analysis.get("frames") if isinstance(analysis, dict) else None
        attempts = source.get("attempts") if isinstance(source, dict) else None
        return (frames, attempts)

    return progress
