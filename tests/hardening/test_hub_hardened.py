"""The fleet hub's web app is guarded exactly like a device's (``server.web.secure``): wrong
PINs throttled per client address with ``Retry-After``, cross-site forms refused (415), an
over-size body refused before it is read (413), nothing state-changing without the PIN; and
``treadwatch hub`` serves with the same TLS and limits as ``treadwatch serve`` and never
prints its broker login."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.config.root import Config
from server.auth import COOKIE
from server.fleet.app import create_hub_app
from tests.conftest import REPO
from tests.fleet.broker import free_port
from tests.hardening.test_pin import _client
from tests.hardening.test_tls import make_cert
from tests.support.serving import serve

PIN = "582039"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub app over an empty database, without a broker (the web side only)."""
    db = tmp_path_factory.mktemp("hub") / "hub.db"
    server = Config.model_validate({"server": {"settings_pin": PIN}}).server
    with serve(create_hub_app(db, server, None)) as host:
        yield host


def test_a_stranger_guessing_does_not_lock_the_therapist_out_of_the_hub(hub: str) -> None:
    with _client(hub, "127.0.0.4") as stranger, _client(hub, "127.0.0.5") as therapist:
        codes = [stranger.post("/api/auth/login", json={"pin": "000001"}) for _ in range(5)]
        assert [r.status_code for r in codes] == [401, 401, 401, 429, 429]
        # 3 free tries, then 1 s: the answer says how long to wait, in whole seconds.
        assert codes[3].headers["Retry-After"] == "1"
        assert "wait" in codes[3].json()["detail"]
        locked = stranger.post("/api/auth/login", json={"pin": PIN})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
        # The therapist, at the same moment, logs in; the cookie opens the review.
        r = therapist.post("/api/auth/login", json={"pin": PIN})
        assert r.status_code == 204
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie  # plain HTTP here (see the TLS test below)
        assert therapist.get("/api/review/sessions").status_code == 200
        assert stranger.get("/api/review/sessions").status_code == 401


def test_the_hub_refuses_cross_site_forms_and_oversize_bodies(hub: str) -> None:
    with _client(hub, "127.0.0.6") as browser:
        assert browser.post("/api/auth/login", json={"pin": PIN}).status_code == 204
        assert COOKIE in browser.cookies
        form = browser.post(
            "/api/review/sessions/1/marks",
            content="note=from another page",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 415 and "application/json" in form.json()["detail"]
        big = browser.post(
            "/api/review/sessions/1/marks",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
    with _client(hub, "127.0.0.7") as anonymous:
        r = anonymous.delete("/api/review/sessions/1", headers={"X-Requested-With": "x"})
        assert r.status_code == 401


def test_hub_command_serves_https_with_a_secure_cookie(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path)
    conf = tmp_path / "hub.toml"
    conf.write_text(
        f'[server]\nsettings_pin = "{PIN}"\ntls_certfile = "{cert}"\ntls_keyfile = "{key}"\n',
        encoding="utf-8",
    )
    port = free_port()
    # No broker listens on the given port: the hub serves its pages while it retries. Its
    # login is in the URL and must not be printed (the start-up line names the broker).
    broker = f"mqtt://hub-user:hub-Secret-9@127.0.0.1:{free_port()}"
    cmd = [sys.executable, "-m", "treadwatch.cli", "hub", "--config", str(conf),
           "--broker", broker, "--db", str(tmp_path / "hub.db"),
           "--port", str(port), "--host", "127.0.0.1"]  # fmt: skip
    log = tmp_path / "hub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=os.environ)
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trust) as c:
                    assert c.get("/api/health").status_code == 200
                    r = c.post("/api/auth/login", json={"pin": PIN})
                    assert r.status_code == 204
                    assert "secure" in r.headers["set-cookie"].lower()
                break
            except httpx.ConnectError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the hub did not start"
                time.sleep(0.2)
        printed = log.read_text()
        assert "board on https://127.0.0.1:" in printed and "mqtt://127.0.0.1:" in printed
        assert "hub-Secret-9" not in printed and "hub-user" not in printed
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
