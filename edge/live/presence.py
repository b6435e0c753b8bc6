"""Runner presence: someone on the belt starts a session, nobody for a while ends it."""

from __future__ import annotations

from typing import Literal

PresenceChange = Literal["started", "ended"]


class PresenceTracker:
    """Fed one observation per analysed frame (capture time, person found or not).

    A session starts once a person has been seen continuously for ``start_after_s``
    (a passer-by is not a runner) and ends when nobody has been seen for
    ``absence_timeout_s``. Brief losses (a missed detection, an arm across the face)
    do not end it.
    """

    def __init__(self, start_after_s: float, absence_timeout_s: float) -> None:
        if start_after_s < 0 or absence_timeout_s <= 0:
            raise ValueError("start_after_s must be >= 0 and absence_timeout_s > 0")
        self.start_after_s = start_after_s
        self.absence_timeout_s = absence_timeout_s
        self.active = False
        self._seen_since: float | None = None
        self._last_seen: float | None = None
        self.started_t: float | None = None

    def update(self, t_s: float, detected: bool) -> PresenceChange | None:
        if detected:
            if self._seen_since is None:
                self._seen_since = t_s
            self._last_seen = t_s
            if not self.active and t_s - self._seen_since >= self.start_after_s:
                self.active = True
                self.started_t = self._seen_since
                return "started"
            return None
        # Nobody in this frame.
        if not self.active:
            if self._last_seen is None or t_s - self._last_seen > self.absence_timeout_s / 4:
                self._seen_since = None
            return None
        if self._last_seen is not None and t_s - self._last_seen >= self.absence_timeout_s:
            return self.end()
        return None

    def end(self) -> PresenceChange | None:
        """Force the end (source lost or pipeline stopping); None when no session was on."""
        self._seen_since = None
        if not self.active:
            return None
        self.active = False
        self.started_t = None
        return "ended"

    @property
    def last_seen(self) -> float | None:
        return self._last_seen
