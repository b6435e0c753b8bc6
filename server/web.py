"""What every treadwatch web app shares, set up in one place: the device's live app
(:mod:`server.app`) and the fleet hub (:mod:`server.fleet.app`) alike.

:func:`secure` gives an app:

* :class:`~server.guard.RequestGuard`: CSRF refusal, body cap, PIN before the body;
* the PIN login (``GET /api/auth``, ``POST /api/auth/login|logout``) throttled per client
  address, answering 429 with ``Retry-After``, its cookie HttpOnly, ``SameSite=Strict``
  and ``Secure`` over HTTPS;
* the 422 of a malformed request body as one readable line per field.

The connection limits, timeouts and TLS of both apps come from
:func:`server.limits.uvicorn_options` (one ``ServerConfig``).
"""

from __future__ import annotations

import math
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from edge.live.config import ServerConfig
from server.auth import COOKIE, PinAuth, client_address, locked_message, require_settings
from server.errors import validation_error
from server.guard import RequestGuard
from server.review import marks_clips as review_marks_clips
from server.review import routes as review_routes
from server.runners import routes as runner_routes

router = APIRouter(prefix="/api", tags=["auth"])

#: How long a PIN login lasts (a therapist's working day).
AUTH_TTL_S = 8 * 3600.0
#: Largest request body accepted; bigger ones are refused with 413 before they are read
#: (the biggest real one, a settings change, is a few KiB).
MAX_BODY_BYTES = 64 * 1024


def make_auth(server: ServerConfig) -> PinAuth:
    """The app's PIN check (``app.state.live.auth``), from the server section."""
    return PinAuth(server.settings_pin, AUTH_TTL_S)


def _auth(request: Request) -> PinAuth:
    auth: PinAuth = request.app.state.live.auth
    return auth


class Login(BaseModel):
    pin: str = Field(max_length=256)


@router.get("/auth")
def auth_state(request: Request) -> dict[str, bool]:
    auth = _auth(request)
    return {"enabled": auth.enabled, "authenticated": auth.token_ok(request.cookies.get(COOKIE))}


@router.post("/auth/login", status_code=status.HTTP_204_NO_CONTENT)
def login(body: Login, request: Request, response: Response) -> None:
    auth = _auth(request)
    address = client_address(request)
    result, token = auth.login(body.pin, address)
    if result == "disabled":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "settings are locked: set server.settings_pin in the config file",
        )
    if result == "locked":
        wait = auth.wait_s(address)
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            locked_message(wait),
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    if result == "wrong" or token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong PIN")
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(auth.ttl_s),
        httponly=True,
        secure=request.url.scheme == "https",  # over HTTPS the cookie never goes in clear
        samesite="strict",
        path="/",
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response) -> None:
    _auth(request).logout(request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/")


def secure(app: FastAPI, server: ServerConfig) -> None:
    """Add the guard, the login routes and the validation answer to ``app`` (whose
    ``app.state.live.auth`` is a :class:`PinAuth`, see :func:`make_auth`)."""
    app.add_exception_handler(RequestValidationError, validation_error)
    # Before FastAPI reads any body: CSRF, size cap, PIN (server.guard).
    app.add_middleware(RequestGuard, max_body_bytes=MAX_BODY_BYTES)
    app.include_router(router)


def include_review(app: FastAPI) -> None:
    """Session review (sessions work): only for whoever holds the settings PIN, so a gym
    member never sees another member's sessions. A locked review page sends the browser to
    the PIN form."""
    app.include_router(review_routes.router, dependencies=[Depends(require_settings)])
    app.include_router(review_marks_clips.router, dependencies=[Depends(require_settings)])
    app.include_router(runner_routes.router, dependencies=[Depends(require_settings)])

    @app.exception_handler(StarletteHTTPException)
    async def _locked_pages(request: Request, exc: StarletteHTTPException) -> Response:
        if (
            exc.status_code == 401
            and request.method == "GET"
            and request.url.path.startswith(("/review", "/runners"))
            and "text/html" in request.headers.get("accept", "")
        ):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/settings?next=" + quote(target, safe="/"), status_code=303)
        return await http_exception_handler(request, exc)
