"""A form on another page (another port of the same host is the same *site*, so
the SameSite cookie goes along) must not create marks with a ``text/plain`` POST: a
state-changing request needs ``application/json`` or a custom header (415 otherwise), and a browser
WebSocket must come from the page's own origin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from edge.config.root import Config
from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import COOKIE
from tests.support.serving import serve

PIN = "582039"


@pytest.fixture(scope="module")
def logged_in() -> Iterator[httpx.Client]:
    """A browser that logged in with the PIN: it holds the session cookie."""
    cfg = Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {"presence_start_s": 0.2},
            "recording": {"enabled": False},
        }
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10) as c:
        assert c.post("/api/auth/login", json={"pin": PIN}).status_code == 204
        assert COOKIE in c.cookies
        yield c


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/mark"),
        ("PUT", "/api/config"),
        ("POST", "/api/review/sessions/1/marks"),
        ("DELETE", "/api/review/sessions/1"),
    ],
)
def test_form_posts_with_the_cookie_are_refused(
    logged_in: httpx.Client, method: str, path: str, content_type: str | None
) -> None:
    headers = {"Origin": "http://127.0.0.1:9999"}
    if content_type:
        headers["Content-Type"] = content_type
    body = '{"note": "from another page"}' if content_type else None
    r = logged_in.request(method, path, content=body, headers=headers)
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]


def test_the_page_itself_still_works(logged_in: httpx.Client) -> None:
    r = logged_in.put("/api/config", json={"alerts": {"enabled": True}})
    assert r.status_code == 200
    r = logged_in.post("/api/auth/logout", headers={"X-Requested-With": "treadwatch"})
    assert r.status_code == 204
    assert logged_in.post("/api/auth/login", json={"pin": PIN}).status_code == 204


def _ws_url(client: httpx.Client) -> str:
    return str(client.base_url).replace("http://", "ws://").rstrip("/") + "/ws/live"


def test_websocket_from_another_origin_is_refused(logged_in: httpx.Client) -> None:
    url = _ws_url(logged_in)
    with (
        pytest.raises(InvalidStatus) as err,
        connect(url, origin="http://127.0.0.1:9999", open_timeout=10),  # type: ignore[arg-type]
    ):
        pass
    assert err.value.response.status_code == 403


def test_websocket_from_the_page_or_without_origin_is_served(logged_in: httpx.Client) -> None:
    url = _ws_url(logged_in)
    host = str(logged_in.base_url).removeprefix("http://").rstrip("/")
    for origin in (f"http://{host}", None):
        with connect(url, origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]
            assert '"type":"hello"' in str(ws.recv(timeout=10))
