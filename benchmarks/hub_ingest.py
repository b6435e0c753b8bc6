"""The fleet hub's ingest rate: steps per second stored from N simulated devices.

A real Mosquitto (Debian ``mosquitto``) is started on a free loopback port. N simulated
devices each publish one session (start, S steps with real metrics from the synthetic
runner, an alert every 10 steps, end) with QoS 1, exactly as a device's outbox does.

Two figures:

* **drain**: the devices publish while the hub is away (the broker queues them for the
  hub's persistent session), then the hub starts and empties the queue: the hub's own
  ingest rate (broker → hub → SQLite, acknowledged after commit), in wall-clock time and
  per CPU-second of the hub process (less dependent on what else the machine runs).
* **live**: the hub is up and all devices publish at once, as fast as they can: the end to
  end rate with publishers, broker and hub sharing this machine's cores.

Usage: python benchmarks/hub_ingest.py [--devices 20] [--steps 500] [--broker-inflight 20]
``--broker-inflight`` is Mosquitto's ``max_inflight_messages`` (its default is 20): how many
messages the broker sends the hub before the hub's acknowledgements must come back.
"""

from __future__ import annotations

import argparse
import getpass
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.config.root import Config
from edge.fleet import messages
from edge.fleet.config import parse_broker_url
from edge.fleet.mqtt import stop_client
from edge.gait.analyzer import GaitAnalyzer
from edge.gait.records import AlertRecord, StrideRecord
from edge.gait.synthetic import RunnerParams, generate
from server.fleet.ingest import HubIngest


def real_steps(n: int) -> list[StrideRecord]:
    """Steps with every metric the analyzer computes (payloads of the real size)."""
    cfg = Config()
    params = replace(RunnerParams(), fps=30.0)
    clip = generate(params, duration_s=n / 2.8 + 5.0)
    a = GaitAnalyzer(cfg.gait, cfg.alerts, 30.0, aspect=params.aspect)
    out: list[StrideRecord] = []
    for i, lm in enumerate(clip.landmarks):
        out.extend(a.push(i, i / 30.0, lm).strides)
    if len(out) < n:
        out = (out * (n // max(1, len(out)) + 1))[:n]
    return [replace(s, index=k) for k, s in enumerate(out[:n])]


def device_messages(device: str, steps: list[StrideRecord]) -> list[tuple[str, str]]:
    uid = f"bench-{device}"
    seq = 0
    out = []

    def add(kind: str, body: dict[str, object]) -> None:
        nonlocal seq
        env = messages.envelope(device, uid, seq, body)
        out.append((messages.topic(device, kind), messages.dumps(env)))
        seq += 1

    add("session", messages.session_start(uid, 0.0, time.time(), {"bench": True}))
    for s in steps:
        add("step", messages.step(s))
        if s.index % 10 == 9:
            add(
                "alert",
                messages.alert(
                    AlertRecord(
                        "raised", "overstride", "land under your hips", 0.3, s.index, s.t_s, 1
                    )
                ),
            )
    add(
        "session",
        messages.session_end(
            steps[-1].t_s,
            time.time(),
            "ended",
            frames=0,
            frames_unstored=0,
            steps=len(steps),
            alerts=len(steps) // 10,
        ),
    )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(workdir: Path, inflight: int) -> tuple[subprocess.Popen[bytes], int]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"max_queued_messages 0\nmax_inflight_messages {inflight}\n"
        f"user {getpass.getuser()}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([exe, "-c", str(conf)], stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    proc.kill()
    sys.exit("mosquitto did not start (apt-get install mosquitto)")


def publish_all(port: int, device: str, msgs: list[tuple[str, str]]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{device}")
    c.max_inflight_messages_set(100)
    c.connect("127.0.0.1", port)
    c.loop_start()
    infos = [c.publish(t, p, qos=1) for t, p in msgs]
    for info in infos:
        info.wait_for_publish(60)
    stop_client(c)


def publish_devices(port: int, per_device: dict[str, list[tuple[str, str]]]) -> None:
    threads = [
        threading.Thread(target=publish_all, args=(port, d, m)) for d, m in per_device.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def wait_stored(hub: HubIngest, steps: int, timeout_s: float = 600.0) -> float:
    deadline = time.monotonic() + timeout_s
    while hub.stats.steps < steps or not hub.idle():
        if time.monotonic() > deadline:
            sys.exit(f"timed out: {hub.stats.steps} of {steps} steps stored")
        time.sleep(0.01)
    return time.perf_counter()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--steps", type=int, default=500, help="steps per device")
    ap.add_argument("--broker-inflight", type=int, default=20)
    args = ap.parse_args()
    steps = real_steps(args.steps)
    per_device = {f"tm-{i:03d}": device_messages(f"tm-{i:03d}", steps) for i in range(args.devices)}
    n_steps = args.devices * args.steps
    n_msgs = sum(len(m) for m in per_device.values())
    size = sum(len(p) for m in per_device.values() for _, p in m) / n_msgs
    print(
        f"{args.devices} devices x {args.steps} steps = {n_steps} steps, {n_msgs} messages "
        f"(mean payload {size:.0f} B); broker max_inflight_messages {args.broker_inflight}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker, port = start_broker(work, args.broker_inflight)
        spec = parse_broker_url(f"mqtt://127.0.0.1:{port}")
        try:
            # drain: subscribe once (persistent session), go away, let devices publish, return.
            hub = HubIngest(work / "drain.db", spec, client_id="bench-hub")
            hub.start()
            hub.connected.wait(10)
            hub.close()
            publish_devices(port, per_device)
            hub = HubIngest(work / "drain.db", spec, client_id="bench-hub")
            t0, c0 = time.perf_counter(), time.process_time()
            hub.start()
            t1 = wait_stored(hub, n_steps)
            cpu = time.process_time() - c0
            hub.close()
            rate = n_steps / (t1 - t0)
            db_bytes = sum(f.stat().st_size for f in work.glob("drain.db*"))
            print(
                f"drain: {n_steps} steps ({hub.stats.stored} messages) stored in {t1 - t0:.2f} s"
                f" = {rate:.0f} steps/s ({hub.stats.batches} commits); hub database "
                f"{db_bytes / n_steps:.0f} B per step"
            )
            print(
                f"       the hub process used {cpu:.2f} s of CPU: {n_steps / cpu:.0f} steps per "
                "CPU-second (what one free core would ingest, whatever else runs here)"
            )
            # live: hub up, everyone publishes at once.
            hub = HubIngest(work / "live.db", spec, client_id="bench-hub-live")
            hub.start()
            hub.connected.wait(10)
            t0 = time.perf_counter()
            publish_devices(port, per_device)
            t1 = wait_stored(hub, n_steps)
            hub.close()
            print(
                f"live:  {n_steps} steps stored in {t1 - t0:.2f} s = "
                f"{n_steps / (t1 - t0):.0f} steps/s end to end ({hub.stats.batches} commits)"
            )
        finally:
            broker.terminate()
            broker.wait(10)
    per_device_rate = 172 / 60.0
    print(
        f"a running device sends ~{per_device_rate:.1f} steps/s (172 steps/min): the drain "
        f"rate covers {rate / per_device_rate:.0f} devices running at once"
    )


if __name__ == "__main__":
    main()
