"""The settings PIN: who may change thresholds and open session review.

The gym sets ``server.settings_pin`` at install. A correct PIN (``POST /api/auth/login``)
gives a random session token in an HttpOnly cookie; API clients may instead send the PIN
in the ``X-Treadwatch-Pin`` header. Wrong PINs are throttled. With no PIN configured the
settings are locked (they can only be changed in the config file).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from typing import Literal

from fastapi import HTTPException, Request, status

COOKIE = "tw_session"
PIN_HEADER = "X-Treadwatch-Pin"

LoginResult = Literal["ok", "wrong", "locked", "disabled"]


class PinAuth:
    MAX_FAILURES = 5
    LOCKOUT_S = 30.0

    def __init__(self, pin: str | None, ttl_s: float) -> None:
        self._pin = pin
        self._ttl = ttl_s
        self._tokens: dict[str, float] = {}
        self._failures: list[float] = []
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._pin is not None

    def _pin_ok(self, pin: str) -> bool:
        if self._pin is None:
            return False
        return hmac.compare_digest(pin.encode(), self._pin.encode())

    def _locked(self, now: float) -> bool:
        self._failures = [t for t in self._failures if now - t < self.LOCKOUT_S]
        return len(self._failures) >= self.MAX_FAILURES

    def login(self, pin: str) -> tuple[LoginResult, str | None]:
        now = time.monotonic()
        with self._lock:
            if self._pin is None:
                return "disabled", None
            if self._locked(now):
                return "locked", None
            if not self._pin_ok(pin):
                self._failures.append(now)
                return "wrong", None
            token = secrets.token_urlsafe(24)
            self._tokens[token] = now + self._ttl
            return "ok", token

    def logout(self, token: str | None) -> None:
        with self._lock:
            if token:
                self._tokens.pop(token, None)

    def token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        now = time.monotonic()
        with self._lock:
            expiry = self._tokens.get(token)
            if expiry is None:
                return False
            if expiry < now:
                del self._tokens[token]
                return False
            return True

    def authorized(self, request: Request) -> bool:
        if not self.enabled:
            return False
        if self.token_ok(request.cookies.get(COOKIE)):
            return True
        header = request.headers.get(PIN_HEADER)
        if header is not None:
            now = time.monotonic()
            with self._lock:
                if self._locked(now):
                    return False
                if self._pin_ok(header):
                    return True
                self._failures.append(now)
        return False


def require_settings(request: Request) -> None:
    """FastAPI dependency: the caller unlocked the settings."""
    auth: PinAuth = request.app.state.live.auth
    if not auth.enabled:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "settings are locked: set server.settings_pin in the config file",
        )
    if not auth.authorized(request):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "PIN required")
