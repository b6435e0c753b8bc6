"""HTTPS with a certificate made on the device (as deploy/install.sh does)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.hardening.proc import serving, write_config
from treadwatch.cli import main

PIN = "582039"


def make_cert(tmp: Path) -> tuple[Path, Path]:
    """The same openssl command as deploy/install.sh (make_tls_cert)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "3650", "-subj", "/CN=treadwatch-test.local",
         "-addext", "subjectAltName=DNS:treadwatch-test.local,DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_serve_over_https(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path)
    cfg = write_config(
        tmp_path / "c.toml",
        f'[server]\nsettings_pin = "{PIN}"\ntls_certfile = "{cert}"\ntls_keyfile = "{key}"\n'
        "[recording]\nenabled = false\n",
    )
    with serving(cfg, scheme="https") as (base, _):
        trust = ssl.create_default_context(cafile=str(cert))  # as the tablet, once trusted
        with httpx.Client(base_url=base, verify=trust, timeout=10) as c:
            assert c.get("/healthz").status_code == 200
            r = c.post("/api/auth/login", json={"pin": PIN})
            assert r.status_code == 204
            cookie = r.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not served on that port
            httpx.get(base.replace("https://", "http://") + "/healthz", timeout=5)
        with pytest.raises(httpx.ConnectError):  # an unknown certificate is refused
            httpx.get(base + "/healthz", timeout=5)


def test_tls_needs_both_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path / "c.toml", '[server]\ntls_certfile = "/etc/x.pem"\n')
    assert main(["check-config", str(cfg)]) == 2
    assert "set both tls_certfile and tls_keyfile" in capsys.readouterr().err


def test_installer_makes_the_certificate_with_the_same_command() -> None:
    from tests.conftest import REPO

    text = (REPO / "deploy" / "install.sh").read_text()
    assert "ec_paramgen_curve:prime256v1" in text
    assert "subjectAltName=DNS:${host}.local,DNS:${host},IP:${ip}" in text


def test_installer_https_config_is_valid(tmp_path: Path) -> None:
    import os
    import sys

    from tests.conftest import REPO

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", str(REPO / "deploy" / "install.sh"), "--print-config", "--https"],
        capture_output=True, text=True, check=True, env=env, timeout=60,
    ).stdout  # fmt: skip
    assert 'tls_certfile = "/etc/treadwatch/tls/cert.pem"' in out
    assert 'tls_keyfile = "/etc/treadwatch/tls/key.pem"' in out
    cfg = tmp_path / "c.toml"
    cfg.write_text(out)
    assert main(["check-config", str(cfg)]) == 0
