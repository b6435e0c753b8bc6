"""The settings PIN: who may change thresholds and open session review.

The gym sets ``server.settings_pin`` at install. A correct PIN (``POST /api/auth/login``)
gives a random session token in an HttpOnly cookie; API clients may instead send the PIN
in the ``X-Treadwatch-Pin`` header. Wrong PINs are throttled per client address with a
growing back-off (:mod:`server.throttle`): one device guessing never locks out another.
With no PIN configured the settings are locked (they can only be changed in the config
file).
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from typing import Literal

from fastapi import HTTPException, Request, status
from starlette.requests import HTTPConnection

from server.throttle import Throttle

COOKIE = "tw_session"
PIN_HEADER = "X-Treadwatch-Pin"

LoginResult = Literal["ok", "wrong", "locked", "disabled"]


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client is not None else ""


class PinAuth:
    #: Logins kept at most (each one a few bytes; the oldest expire first).
    MAX_TOKENS = 1000

    def __init__(self, pin: str | None, ttl_s: float, throttle: Throttle | None = None) -> None:
        self._pin = pin
        self.ttl_s = ttl_s
        self._tokens: dict[str, float] = {}
        self.throttle = throttle if throttle is not None else Throttle()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._pin is not None

    def _pin_ok(self, pin: str) -> bool:
        if self._pin is None:
            return False
        return hmac.compare_digest(pin.encode(), self._pin.encode())

    def wait_s(self, address: str) -> float:
        """Seconds ``address`` must wait before trying a PIN again (0: now)."""
        return self.throttle.wait_s(address)

    def login(self, pin: str, address: str = "") -> tuple[LoginResult, str | None]:
        if self._pin is None:
            return "disabled", None
        if self.throttle.wait_s(address) > 0:
            return "locked", None
        if not self._pin_ok(pin):
            self.throttle.failure(address)
            return "wrong", None
        self.throttle.success(address)
        now = time.monotonic()
        token = secrets.token_urlsafe(24)
        with self._lock:
            if len(self._tokens) >= self.MAX_TOKENS:
                self._tokens = {t: e for t, e in self._tokens.items() if e >= now}
                while len(self._tokens) >= self.MAX_TOKENS:
                    del self._tokens[min(self._tokens, key=self._tokens.__getitem__)]
            self._tokens[token] = now + self.ttl_s
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

    def check(self, request: HTTPConnection) -> tuple[int, str] | None:
        """``None`` when the caller holds a valid login or sends the right PIN header;
        else the HTTP status and message to answer with."""
        if not self.enabled:
            return (
                status.HTTP_403_FORBIDDEN,
                "settings are locked: set server.settings_pin in the config file",
            )
        if self.token_ok(request.cookies.get(COOKIE)):
            return None
        header = request.headers.get(PIN_HEADER)
        if header is None:
            return status.HTTP_401_UNAUTHORIZED, "PIN required"
        address = client_address(request)
        wait = self.throttle.wait_s(address)
        if wait > 0:
            return status.HTTP_429_TOO_MANY_REQUESTS, locked_message(wait)
        if self._pin_ok(header):
            self.throttle.success(address)
            return None
        self.throttle.failure(address)
        return status.HTTP_401_UNAUTHORIZED, "wrong PIN"


def locked_message(wait_s: float) -> str:
    return f"too many wrong PINs from this device; wait {math.ceil(wait_s)} s and try again"


def auth_failure(request: HTTPConnection) -> tuple[int, str] | None:
    """The settings-PIN check of :func:`require_settings`, usable before a body is read."""
    auth: PinAuth = request.app.state.live.auth
    return auth.check(request)


def require_settings(request: Request) -> None:
    """FastAPI dependency: the caller unlocked the settings."""
    if request.scope.get("treadwatch.pin_ok"):
        return  # already checked by server.guard before the body was read
    refused = auth_failure(request)
    if refused is not None:
        raise HTTPException(*refused)
