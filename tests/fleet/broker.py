"""A real Mosquitto for the fleet tests: started on a free loopback port with its own config.

Persistence is on, in the test's temporary directory, as a gym's broker must be set up
(Debian's default config has it on): a restart (SIGTERM, then start) keeps the hub's
persistent session, its subscription and its queued messages. Without it, what devices
send between the broker's restart and the hub's reconnection reaches no subscriber.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)),
        None,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Mosquitto:
    def __init__(self, exe: str, workdir: Path, listener: str = "", auth: str = "") -> None:
        """``listener``: lines for the listener (TLS files); ``auth``: replaces anonymous
        access (``password_file …``)."""
        self.exe = exe
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.scheme = "mqtts" if "certfile" in listener else "mqtt"
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"{listener}"
            f"{auth or 'allow_anonymous true'}\n"
            "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "max_queued_messages 0\n"
            f"log_dest file {self.dir}/mosquitto.log\n"
            # Started as root, Mosquitto would switch to the user "mosquitto", which cannot
            # write its persistence file here: stay who we are.
            f"user {getpass.getuser()}\n",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.proc is None
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10.0
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.dir / "mosquitto.log").read_text(errors="replace")[-2000:]
                self.stop()
                pytest.fail(f"mosquitto did not start on port {self.port}:\n{log}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: Mosquitto saves its persistence file and exits."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
