"""The service under systemd: READY/WATCHDOG/STOPPING over ``$NOTIFY_SOCKET``, watchdog pings
only while frames flow, the unit's notify type, watchdog and open-files limit."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from pathlib import Path

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.live.frames import Frame
from edge.live.pipeline import LivePipeline
from edge.system import PipelineWatchdog, SystemdNotifier, pipeline_progress
from tests.conftest import REPO
from tests.deploy.test_deploy import one, parse_unit
from tests.hardening.proc import start, write_config


def _listen(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(0.2)
    return s


def _drain(s: socket.socket, until: float) -> list[str]:
    got = []
    while time.monotonic() < until:
        with contextlib.suppress(TimeoutError):
            got.append(s.recv(256).decode())
    return got


def test_headless_run_notifies_systemd(tmp_path: Path) -> None:
    sock = _listen(tmp_path / "notify")
    cfg = write_config(tmp_path / "c.toml", "[recording]\nenabled = false\n")
    proc = start(
        ["run", "--source", "demo", "--config", str(cfg), "--status-every", "0"],
        env={"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "600000"},
    )
    try:
        got = _drain(sock, time.monotonic() + 6.0)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        got += _drain(sock, time.monotonic() + 0.5)
    finally:
        sock.close()
    assert proc.returncode == 0
    assert got[0] == "READY=1"
    assert got[-1] == "STOPPING=1"
    pings = got.count("WATCHDOG=1")
    assert pings >= 5  # every 0.3 s once the demo runs (about 4 s of the 6)


class HangingCamera:
    """Delivers frames until ``hang`` is set, then blocks in read() like a wedged driver."""

    name = "USB camera 0"
    simulated = True
    live = True
    fps = 30.0

    def __init__(self) -> None:
        self.demo = DemoSource.from_config(Config().capture)
        self.hang = threading.Event()
        self.release = threading.Event()

    def open(self) -> None:
        self.demo.open()

    def read(self) -> Frame | None:
        if self.hang.is_set():
            self.release.wait()
            return None
        return self.demo.read()

    def close(self) -> None:
        self.demo.close()


def test_watchdog_pings_stop_when_the_camera_hangs(tmp_path: Path) -> None:
    sock = _listen(tmp_path / "notify")
    cam = HangingCamera()
    cfg = Config.model_validate({"recording": {"enabled": False}})
    pipeline = LivePipeline(cfg, cam)
    notifier = SystemdNotifier(str(tmp_path / "notify"))
    dog = PipelineWatchdog(notifier, pipeline_progress(pipeline.status), 0.2)
    pipeline.start()
    dog.start()
    try:
        flowing = _drain(sock, time.monotonic() + 2.0).count("WATCHDOG=1")
        cam.hang.set()
        time.sleep(0.5)  # the last frames drain
        _drain(sock, time.monotonic() + 0.1)
        hung = _drain(sock, time.monotonic() + 2.0).count("WATCHDOG=1")
    finally:
        dog.stop()
        cam.release.set()
        pipeline.stop()
        notifier.close()
        sock.close()
    assert flowing >= 7  # every 0.2 s
    assert hung == 0


def test_units_are_notify_with_a_watchdog_and_a_file_limit() -> None:
    for name in ("treadwatch.service", "treadwatch-headless.service"):
        unit = parse_unit(REPO / "deploy" / name)
        assert one(unit, "Service", "Type") == "notify"
        assert int(one(unit, "Service", "WatchdogSec")) == 30
        assert int(one(unit, "Service", "LimitNOFILE")) >= 4096


def test_avahi_service_file_is_valid_xml_with_the_port_to_fill() -> None:
    import xml.etree.ElementTree as ET

    text = (REPO / "deploy" / "avahi-treadwatch.service").read_text()
    filled = text.replace("@PORT@", "8000").replace("@TYPE@", "_http._tcp")
    root = ET.fromstring(filled.split("?>", 1)[1].split(">", 1)[1])  # after the DOCTYPE
    service = root.find("service")
    assert service is not None
    assert (service.findtext("type"), service.findtext("port")) == ("_http._tcp", "8000")


def test_installer_names_the_pi_and_announces_it(tmp_path: Path) -> None:
    import subprocess

    from tests.deploy.test_deploy import _dry_run

    out, _ = _dry_run(tmp_path, "--name", "belt3", "--skip-apt", "--skip-models")
    cmds = [ln[2:] for ln in out.splitlines() if ln.startswith("+ ")]
    assert "hostnamectl set-hostname treadwatch-belt3" in cmds
    assert any("/etc/avahi/services/treadwatch.service" in c for c in cmds)
    assert any(
        c.startswith("openssl req -x509") and "DNS:treadwatch-belt3.local" in c for c in cmds
    )
    assert "treadwatch-belt3.local:8000/" in out
    bad = subprocess.run(
        ["bash", str(REPO / "deploy" / "install.sh"), "--dry-run", "--name", "Belt 3"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "--name must be lower-case" in bad.stderr
