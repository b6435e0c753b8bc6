"""Wrong PINs from one device lock out that device only, with a growing wait;
trivial PINs are refused by the config check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import PIN_HEADER
from server.throttle import Throttle
from tests.support.serving import serve
from treadwatch.cli import main

PIN = "582039"


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    cfg = Config.model_validate({"server": {"settings_pin": PIN}, "recording": {"enabled": False}})
    with serve(create_app(cfg, DemoSource.from_config(cfg.capture)), lifespan="off") as h:
        yield h


def _client(host: str, address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is loopback)."""
    return httpx.Client(
        base_url=f"http://{host}",
        transport=httpx.HTTPTransport(local_address=address),
        timeout=10,
    )


def test_a_phone_guessing_does_not_lock_out_the_tablet(host: str) -> None:
    with _client(host, "127.0.0.2") as phone, _client(host, "127.0.0.3") as tablet:
        codes = [
            phone.post("/api/auth/login", json={"pin": "000001"}).status_code for _ in range(6)
        ]
        # 3 free tries, then the phone waits (1 s, then 2 s, ...): 429 at once.
        assert codes == [401, 401, 401, 429, 429, 429]
        assert phone.post("/api/auth/login", json={"pin": PIN}).status_code == 429
        r = phone.get("/api/review/sessions", headers={PIN_HEADER: PIN})
        assert r.status_code == 429
        assert "wait" in r.json()["detail"]
        # The tablet, at the same moment, logs in and uses the header.
        assert tablet.post("/api/auth/login", json={"pin": PIN}).status_code == 204
        assert tablet.get("/api/review/sessions", headers={PIN_HEADER: PIN}).status_code == 200


def test_the_wait_grows_and_a_success_clears_it() -> None:
    now = [0.0]
    t = Throttle(free=3, base_s=1.0, max_s=300.0, clock=lambda: now[0])
    waits = [t.failure("a") for _ in range(12)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert t.wait_s("a") == 300
    assert t.wait_s("b") == 0
    now[0] = 299.0
    assert t.wait_s("a") == pytest.approx(1.0)
    t.success("a")
    assert t.wait_s("a") == 0


def test_the_throttle_forgets_and_stays_bounded() -> None:
    now = [0.0]
    t = Throttle(max_addresses=100, forget_s=60.0, clock=lambda: now[0])
    for i in range(1000):
        t.failure(f"10.0.{i // 256}.{i % 256}")
    assert len(t) == 100
    for _ in range(5):
        t.failure("x")
    now[0] = 61.0 + 16.0
    assert t.wait_s("x") == 0


@pytest.mark.parametrize(
    "pin",
    [
        "000000",
        "123456",
        "654321",
        "890123",
        "111111",
        "121212",
        "123123",
        "112233",
        "      ",
        "12 34 56",
        "4812",
        "qwerty",
    ],
)
def test_check_config_refuses_trivial_pins(
    tmp_path: Path, pin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[server]\nsettings_pin = "{pin}"\n')
    assert main(["check-config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "server.settings_pin" in err
    assert "at least 6 digits" in err


@pytest.mark.parametrize("pin", ["582039", "271828", "k7Qp-2xv9"])
def test_check_config_accepts_good_pins(tmp_path: Path, pin: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[server]\nsettings_pin = "{pin}"\n')
    assert main(["check-config", str(cfg)]) == 0
