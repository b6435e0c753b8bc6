"""The hub's board in a real headless Chromium: every treadmill, in use or not, its runner
and the cue the runner is working on, from the devices' retained status on the broker."""

from __future__ import annotations

import json
import re
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.fleet.config import parse_broker_url
from edge.fleet.mqtt import stop_client
from edge.live.config import ServerConfig
from server.fleet.app import create_hub_app
from server.fleet.ingest import HubIngest
from tests.conftest import require
from tests.fleet.broker import Mosquitto
from tests.support.browser import CHROMIUM
from tests.support.browser import LAUNCH_ARGS as ARGS
from tests.support.serving import serve

pytestmark = pytest.mark.browser


def test_board_shows_each_treadmill(tmp_path: Path, mosquitto: Mosquitto) -> None:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="devices")
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    running = {"v": 1, "state": "running", "runner_present": True, "fps": 30.0,
               "health": "ok", "session": "u", "cue": "land under your hips",
               "cadence_spm": 172.4, "outbox": 0, "t": 0}  # fmt: skip
    idle = {**running, "state": "idle", "runner_present": False, "cue": None, "session": None,
            "outbox": 5200, "outbox_dropped": 310}  # fmt: skip
    for device, status in (("tm-7", json.dumps(running)), ("tm-8", "offline"),
                           ("tm-9", json.dumps(idle)), ("tm-10", "stopped")):  # fmt: skip
        pub.publish(f"treadwatch/{device}/status", status, qos=1, retain=True).wait_for_publish(5)
    stop_client(pub)
    ingest = HubIngest(tmp_path / "hub.db", parse_broker_url(mosquitto.url), client_id="hub-b")
    app = create_hub_app(tmp_path / "hub.db", ServerConfig(), ingest)
    with serve(app) as host, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"http://{host}/")
            expect(page.locator("#broker")).to_have_text("broker connected", timeout=15000)
            rows = page.locator("#board tbody tr")
            expect(rows).to_have_count(4, timeout=15000)
            cells = [[c.strip() for c in r.split("\t")] for r in rows.all_inner_texts()]
        finally:
            browser.close()
    assert [c[:5] for c in cells] == [
        ["tm-10", "idle (switched off)", "—", "—", "—"],  # stopped cleanly, not lost
        ["tm-7", "in use", "on the belt", "land under your hips", "172 steps/min"],
        ["tm-8", "offline", "—", "—", "—"],
        ["tm-9", "idle", "—", "—", "—"],
    ]
    assert re.fullmatch(r"\d+ s ago", cells[1][6])
    assert (cells[1][5], cells[3][5]) == ("ok", "ok (5200 queued, 310 dropped)")
