"""Two demo devices, a real Mosquitto and the hub, as separate processes (``treadwatch run``
and ``treadwatch hub``): the hub's sessions match each device's own steps one for one,
through a 10 s broker outage and a device killed with SIGKILL.

The demo runs in real time, so sessions are short (a few seconds of running each)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.recording.store import SessionStore
from edge.wire import metrics_to_json
from tests.conftest import REPO
from tests.fleet.broker import Mosquitto, free_port

pytestmark = pytest.mark.slow


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.1)


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "treadwatch.cli", *args]


class Proc:
    def __init__(self, args: list[str], log: Path, env: dict[str, str]) -> None:
        self.args, self.log, self.env = args, log, env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )

    def signal(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.wait()

    def wait(self) -> int:
        assert self.proc is not None
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self.proc = None
        return code

    def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.signal(signal.SIGKILL)


class Device(Proc):
    def __init__(self, tmp: Path, name: str, broker: Mosquitto, phase_s: float) -> None:
        self.name = name
        # Each device has a data directory of its own (one treadwatch per data directory).
        data_dir = tmp / f"{name}-data"
        data_dir.mkdir(exist_ok=True)
        self.db = data_dir / f"{name}.db"
        conf = tmp / f"{name}.toml"
        conf.write_text(
            "[capture]\n"
            f"demo_phase_s = {phase_s}\n"
            'demo_schedule = ["clean", "overstride", "absent"]\n'
            "presence_start_s = 0.3\n"
            "absence_timeout_s = 1.0\n"
            "demo_width = 320\n"
            "demo_height = 240\n"
            "[recording]\n"
            f'db_path = "{self.db}"\n'
            f'device_id = "{name}"\n'
            "flush_interval_s = 0.25\n"
            "[fleet]\n"
            "enabled = true\n"
            f'broker = "{broker.url}"\n'
            f'device_id = "{name}"\n'
            "status_interval_s = 0.5\n",
            encoding="utf-8",
        )
        env = {**os.environ, "TREADWATCH_DATA_DIR": str(data_dir)}
        args = _cmd("run", "--source", "demo", "--config", str(conf), "--status-every", "0")
        super().__init__(args, tmp / f"{name}.log", env)

    def outbox(self) -> int:
        if not self.db.is_file():
            return -1
        with SessionStore(self.db) as s:
            return int(s.conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()[0])


class Hub(Proc):
    def __init__(self, tmp: Path, broker: Mosquitto) -> None:
        self.db = tmp / "hub.db"
        self.port = free_port()
        args = _cmd(
            "hub", "--broker", broker.url, "--db", str(self.db), "--port", str(self.port),
            "--host", "127.0.0.1", "--client-id", f"hub-{self.port}",
        )  # fmt: skip
        super().__init__(args, tmp / "hub.log", dict(os.environ))

    def get(self, path: str) -> Any:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5.0).json()

    def start_and_wait(self) -> None:
        self.start()

        def up() -> bool:
            try:
                return bool(self.get("/api/health")["broker_connected"])
            except httpx.HTTPError:
                return False

        wait_for(up, 20.0, "the hub to connect")


def recorded(db: Path, device: str) -> dict[str, dict[str, Any]]:
    """A device's sessions in a database: uid -> steps, alerts, start and end."""
    out: dict[str, dict[str, Any]] = {}
    if not db.is_file():
        return out
    with SessionStore(db) as store:
        for info in store.list_sessions(device_id=device):
            assert info.uid not in out, f"session {info.uid} stored twice"
            out[info.uid] = {
                "steps": [
                    (s.index, s.foot, s.frame_index, s.t_s, metrics_to_json(s.metrics))
                    for s in store.strides(info.id)
                ],
                "alerts": [
                    (a.state, a.rule, a.cue, a.value, a.stride_index, a.t_s, a.feedback)
                    for a in store.alerts(info.id)
                ],
                "start": (info.started_at, info.t_start_s),
                "end": (info.ended_at, info.t_end_s, info.end_reason),
                "frames": info.frames,
            }
    return out


def in_sync(devices: list[Device], hub: Hub) -> bool:
    return all(
        d.outbox() == 0 and recorded(hub.db, d.name) == recorded(d.db, d.name) for d in devices
    )


def assert_one_for_one(devices: list[Device], hub: Hub, min_steps: int) -> None:
    wait_for(lambda: in_sync(devices, hub), 30.0, "the hub to hold what each device holds")
    for d in devices:
        own, at_hub = recorded(d.db, d.name), recorded(hub.db, d.name)
        assert at_hub == own  # same sessions, steps (metrics included), alerts, start, end
        steps = sum(len(s["steps"]) for s in own.values())
        assert steps >= min_steps, f"{d.name}: only {steps} steps recorded"
        assert all(s["end"][0] is not None for s in own.values())


def stop_all(procs: list[Device]) -> list[int]:
    """SIGTERM to all at once (they stop in parallel); their exit codes."""
    for p in procs:
        assert p.proc is not None
        p.proc.send_signal(signal.SIGTERM)
    return [p.wait() for p in procs]


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.ensure_stopped()


def test_two_devices_and_a_hub(
    tmp_path: Path, mosquitto: Mosquitto, procs: list[Proc], capsys: pytest.CaptureFixture[str]
) -> None:
    hub = Hub(tmp_path, mosquitto)
    devices = [Device(tmp_path, n, mosquitto, phase_s=2.5) for n in ("tm-1", "tm-2")]
    procs.extend([hub, *devices])
    hub.start_and_wait()
    for d in devices:
        d.start()

    def both_running() -> bool:
        board = {b["device"]: b for b in hub.get("/api/board")["devices"]}
        return all(
            board.get(d.name, {}).get("state") == "running"
            and board[d.name]["runner_present"]
            and board[d.name]["cadence_spm"] is not None
            for d in devices
        )

    wait_for(both_running, 15.0, "the board to show both treadmills in use")
    time.sleep(6.0)  # the first session ends (nobody on the belt), a second begins
    assert stop_all(devices) == [0, 0]
    assert_one_for_one(devices, hub, min_steps=8)
    board = hub.get("/api/board")["devices"]
    # Stopped cleanly: switched off, not lost.
    assert [(b["device"], b["online"], b["state"]) for b in board] == [
        ("tm-1", False, "stopped"),
        ("tm-2", False, "stopped"),
    ]
    # The JSON list for scripts: the hub's sessions are the devices' sessions.
    from treadwatch.cli import main

    assert main(["sessions", "list", "--db", str(hub.db), "--json"]) == 0
    at_hub = json.loads(capsys.readouterr().out)
    own: list[dict[str, Any]] = []
    for d in devices:
        assert main(["sessions", "list", "--db", str(d.db), "--json"]) == 0
        own += json.loads(capsys.readouterr().out)
    key = lambda r: (r["device"], r["uid"])  # noqa: E731
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k != "id"} for r in rows), key=key)  # noqa: E731
    assert strip(at_hub) == strip(own)
    assert {r["device"] for r in at_hub} == {"tm-1", "tm-2"} and len(at_hub) >= 4
    hub.signal(signal.SIGTERM)


def test_broker_down_for_10_s_mid_session(
    tmp_path: Path, mosquitto: Mosquitto, procs: list[Proc]
) -> None:
    hub = Hub(tmp_path, mosquitto)
    devices = [Device(tmp_path, n, mosquitto, phase_s=6.0) for n in ("tm-1", "tm-2")]
    procs.extend([hub, *devices])
    hub.start_and_wait()
    for d in devices:
        d.start()
    wait_for(
        lambda: all(
            sum(len(s["steps"]) for s in recorded(hub.db, d.name).values()) >= 2 for d in devices
        ),
        15.0,
        "the first steps at the hub",
    )
    mosquitto.stop()
    time.sleep(9.5)
    held = [d.outbox() for d in devices]
    mosquitto.start()  # after 10 s, mid-session
    assert min(held) >= 10, f"outboxes during the outage: {held}"
    time.sleep(3.0)  # the session goes on
    assert stop_all(devices) == [0, 0]
    assert_one_for_one(devices, hub, min_steps=25)
    hub.signal(signal.SIGTERM)


def test_device_killed_then_restarted(
    tmp_path: Path, mosquitto: Mosquitto, procs: list[Proc]
) -> None:
    hub = Hub(tmp_path, mosquitto)
    dev = Device(tmp_path, "tm-1", mosquitto, phase_s=6.0)
    procs.extend([hub, dev])
    hub.start_and_wait()
    dev.start()
    wait_for(
        lambda: sum(len(s["steps"]) for s in recorded(hub.db, dev.name).values()) >= 2,
        15.0,
        "the first steps at the hub",
    )
    # Hold messages in the outbox (broker away), then kill the device mid-session.
    mosquitto.stop()
    time.sleep(2.0)
    assert dev.signal(signal.SIGKILL) == -signal.SIGKILL
    held = dev.outbox()
    assert held >= 3, f"outbox at the kill: {held}"
    (killed,) = [uid for uid, s in recorded(dev.db, dev.name).items() if s["end"][0] is None]
    mosquitto.start()
    dev.start()
    wait_for(lambda: dev.outbox() == 0, 20.0, "the outbox to drain after the restart")
    time.sleep(2.0)
    assert dev.signal(signal.SIGTERM) == 0
    assert_one_for_one([dev], hub, min_steps=5)
    at_hub = recorded(hub.db, dev.name)
    assert at_hub[killed]["end"][2] == "recovered"  # closed by the restarted device
    assert len(at_hub) >= 2  # and a session after the restart
    health = hub.get("/api/health")["ingest"]
    assert health["bad"] == 0
    hub.signal(signal.SIGTERM)
