"""A broker that wants a login over TLS (mqtts://, username/password): the device and the
hub get through with the right credentials and the CA file; a wrong password is refused,
said so, and the messages wait in the outbox."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.fleet.config import FleetConfig
from edge.fleet.outbox import OutboxWriter
from edge.fleet.publisher import FleetPublisher
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from server.fleet.ingest import HubIngest
from tests.conftest import require
from tests.fleet.broker import Mosquitto, find_mosquitto
from tests.recording.synth import SynthSession, recording_config


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def make_certs(d: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl)."""
    ca_key, ca, key, csr, crt = (
        d / n for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem")
    )
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=treadwatch test CA", "-keyout", str(ca_key), "-out", str(ca))  # fmt: skip
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(csr))  # fmt: skip
    ext = d / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    _run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
         "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return ca, crt, key


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path]]:
    exe = find_mosquitto()
    require(exe is not None, "mosquitto not installed (apt-get install mosquitto; make test does)")
    assert exe is not None
    d = tmp_path / "broker"
    d.mkdir()
    ca, crt, key = make_certs(d)
    passwd = d / "passwd"
    _run("mosquitto_passwd", "-b", "-c", str(passwd), "tm", "right-pw")
    _run("mosquitto_passwd", "-b", str(passwd), "hub", "hub-pw")
    broker = Mosquitto(
        exe,
        d,
        listener=f"cafile {ca}\ncertfile {crt}\nkeyfile {key}\n",
        auth=f"allow_anonymous false\npassword_file {passwd}",
    )
    broker.start()
    try:
        yield broker, ca
    finally:
        broker.stop()


def test_tls_and_login(tmp_path: Path, secure_broker: tuple[Mosquitto, Path]) -> None:
    broker, ca = secure_broker
    assert broker.url.startswith("mqtts://")
    hub_cfg = FleetConfig.model_validate(
        {"broker": broker.url, "username": "hub", "password": "hub-pw", "tls_ca_file": ca}
    )
    hub = HubIngest(tmp_path / "hub.db", hub_cfg.broker_spec(), tls_ca_file=ca)
    hub.start()
    writer = OutboxWriter("tm-s")
    rec = Recorder(recording_config(tmp_path), commit_hooks=(writer,))
    outbox = SessionStore(rec.db_path)

    def count() -> int:
        return int(outbox.conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()[0])

    def device(password: str) -> FleetPublisher:
        cfg = FleetConfig.model_validate(
            {
                "enabled": True,
                "broker": broker.url,
                "username": "tm",
                "password": password,
                "tls_ca_file": ca,
                "device_id": "tm-s",
            }
        )
        pub = FleetPublisher(cfg, "tm-s", writer, rec.db_path)
        pub.start()
        return pub

    try:
        wait_for(hub.connected.is_set, 10.0, "the hub to log in over TLS")
        synth = SynthSession(duration_s=3.0, gap=None, alert_every=0)
        rec.session_started("s-tls", synth.t0, {})
        for frame in synth:
            rec.frame(*frame)
        rec.session_ended(synth.t_end)
        assert rec.flush()
        expected = 2 + len(synth.strides)
        assert len(synth.strides) == 8
        wrong = device("wrong-pw")
        wait_for(lambda: wrong.last_error is not None, 10.0, "the refusal")
        assert "refused" in (wrong.last_error or "") and "authori" in (wrong.last_error or "")
        time.sleep(0.5)
        assert count() == expected  # refused: everything still waits
        wrong.close(timeout_s=0.5)
        right = device("right-pw")
        wait_for(lambda: count() == 0, 15.0, "the outbox to drain over TLS")
        wait_for(lambda: hub.stats.steps == 8 and hub.idle(), 10.0, "the hub to store")
        right.close()
    finally:
        outbox.close()
        rec.close()
        hub.close()
    with SessionStore(tmp_path / "hub.db") as store:
        (info,) = store.list_sessions()
        assert (info.uid, info.device_id, info.n_strides) == ("s-tls", "tm-s", 8)
