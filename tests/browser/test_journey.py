"""A therapist's whole journey, in a real headless Chromium on a tablet held upright, with a
real portrait phone clip (720×1280) as the live source: a runner picked with "who is
running?", a threshold changed mid-run, a moment marked, the source ending; then the review
page, the runner's progress page, the one-page PDF, the exports and the gym's hub.

Cadence, overstride, shank angle and trunk lean must read the same (the same figure, the
same rounding) on every one of them: the live tiles at the end of the session, review,
progress, PDF (pdftotext), the session JSON and the hub's review page; the CSV's per-step
values give the same figures to within their own rounding. The session keeps its frame's
shape: the review replay is portrait and re-analysing it knows the frame size.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from edge.catalogue import info
from edge.config.root import Config
from edge.gait.cadence import running_cadence
from edge.recording.live import make_sinks
from edge.recording.store import SessionStore
from server.app import create_app
from server.auth import PIN_HEADER
from tests.conftest import require
from tests.fleet.broker import Mosquitto, find_mosquitto, free_port
from tests.fleet.test_fleet_e2e import Proc, wait_for
from tests.support.browser import CHROMIUM
from tests.support.serving import serve
from tests.support.sources import HeldVideoFile
from treadwatch.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PIN = "579135"
AUTH = {PIN_HEADER: PIN}
CLIP = "treadmill_side_male_gt.mp4"  # portrait, 720×1280, 12 s
KEYS = ("cadence_spm", "overstride", "shank_angle_deg", "trunk_lean_deg")


def _number(text: str) -> str:
    """The number in a shown text ("5.3°", "−0.04", "170 steps/min") as written."""
    found = re.search(r"[−-]?\d+(?:\.\d+)?", text)
    assert found is not None, f"no number in {text!r}"
    return found.group(0).replace("−", "-")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Mosquitto, str, Path]]:
    """A real Mosquitto and ``treadwatch hub`` (its review behind the same PIN)."""
    exe = find_mosquitto()
    require(exe is not None, "mosquitto not installed (apt-get install mosquitto)")
    assert exe is not None
    broker = Mosquitto(exe, tmp_path / "broker")
    broker.start()
    conf = tmp_path / "hub.toml"
    conf.write_text(f'[server]\nsettings_pin = "{PIN}"\n', encoding="utf-8")
    port, db = free_port(), tmp_path / "hub.db"
    env = {**os.environ, "TREADWATCH_DATA_DIR": str(tmp_path / "hub-data")}
    cmd = [sys.executable, "-m", "treadwatch.cli", "hub", "--broker", broker.url, "--db", str(db)]
    cmd += ["--port", str(port), "--host", "127.0.0.1", "--config", str(conf)]
    proc = Proc(cmd, tmp_path / "hub.log", env)
    proc.start()
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return bool(httpx.get(f"{url}/api/health", timeout=2.0).json()["broker_connected"])
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 30.0, "the hub to connect to the broker")
        yield broker, url, db
    finally:
        proc.signal(signal.SIGTERM)
        broker.stop()


def _config(db: Path, broker_url: str) -> Config:
    return Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {"presence_start_s": 0.3, "absence_timeout_s": 1.0},
            "recording": {
                "db_path": str(db),
                "device_id": "treadmill-2",
                "flush_interval_s": 0.25,
                "clips": False,
            },
            "fleet": {
                "enabled": True,
                "broker": broker_url,
                "device_id": "treadmill-2",
                "status_interval_s": 0.5,
            },
        }
    )


def _tablet(browser: Any, url: str, size: tuple[int, int] = (800, 1280)) -> Any:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    r = pg.request.post(f"{url}/api/auth/login", data={"pin": PIN})
    assert r.status == 204
    return pg


def _summary_figures(pg: Any) -> dict[str, str]:
    pg.wait_for_selector("#summary [data-metric='cadence_spm']", timeout=20000)
    return {k: _number(pg.inner_text(f"#summary [data-metric='{k}'] .num")) for k in KEYS}


def _pdf_figures(pdf: Path) -> dict[str, str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = {}
    for k in KEYS:
        row = re.search(rf"^\s*{re.escape(info(k).label)}\s+([−-]?\d+(?:\.\d+)?)", text, re.M)
        assert row is not None, f"{info(k).label} not in the PDF:\n{text}"
        out[k] = row.group(1).replace("−", "-")
    return out


def _csv_figures(text: str) -> dict[str, float]:
    """The session figures recomputed from the CSV's per-step values: the median of the steps
    measured at least 0.5 sure; cadence from the contact times and feet (running only)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out: dict[str, float] = {}
    for k in KEYS:
        col = next(c for c in rows[0] if c.startswith(f"{k} ["))
        vals = [
            float(r[col])
            for r in rows
            if r[col] and r[f"{k} confidence"] and float(r[f"{k} confidence"]) >= 0.5
        ]
        out[k] = float(np.median(vals))
    cad = running_cadence([float(r["capture_time_s"]) for r in rows], [r["foot"] for r in rows])
    assert cad is not None
    out["cadence_spm"] = cad.spm
    return out


def test_one_session_reads_the_same_on_every_screen(
    browser: Any, shared_data: Path, hub: tuple[Mosquitto, str, Path], tmp_path: Path
) -> None:
    require(shutil.which("pdftotext") is not None, "poppler-utils not installed")
    require(CHROMIUM.exists(), "chromium not installed")
    broker, hub_url, hub_db = hub
    db = tmp_path / "sessions.db"
    cfg = _config(db, broker.url)
    source = HeldVideoFile(shared_data / "videos" / CLIP)
    sinks = make_sinks(cfg)
    app = create_app(cfg, source, sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=20.0) as c:
            url = f"http://{host}"
            pg = _tablet(browser, url)
            pg.goto(url + "/")
            pg.wait_for_selector("#metric-cadence_spm")  # connected: the tiles are built
            source.release.set()

            # Who is running? A new runner, added on the spot as the session starts.
            pg.wait_for_selector("#runner-select:not([disabled])", timeout=30000)
            pg.once("dialog", lambda d: d.accept("Ana P."))
            pg.select_option("#runner-select", "new")
            pg.wait_for_function("document.getElementById('runner-pick').dataset.runner")
            assert "Ana P." in pg.get_attribute("#runner-msg", "title")
            ana = int(pg.get_attribute("#runner-pick", "data-runner"))
            # A threshold changed mid-run (a stricter trunk-lean cue) and a moment marked.
            r = c.put(
                "/api/config",
                json={"alerts": {"trunk_lean_deg": {"threshold": 12.0, "clear": 10.0}}},
                headers=AUTH,
            )
            assert r.status_code == 200, r.text
            pg.wait_for_function(
                "document.getElementById('cueat-trunk_lean_deg').textContent.includes('12.0°')"
            )
            pg.click("#mark")
            pg.wait_for_function(
                "/into the session/.test(document.getElementById('mark-msg').textContent)"
            )
            mark_shown = float(_number(pg.inner_text("#mark-msg")))

            # The clip ends: the page says so, with a link to the session's review, and
            # each tile shows the session's figure.
            pg.wait_for_function("window.twEnded && window.twEnded.id", timeout=90000)
            assert pg.inner_text("#cue-main") == "Session ended"
            sid = int(pg.evaluate("window.twEnded.id"))
            assert pg.get_attribute("#review-link", "href") == f"/review/session?id={sid}"
            live = {k: _number(pg.inner_text(f"#metric-{k}")) for k in KEYS}
            for k in KEYS:
                assert pg.get_attribute(f"#tile-{k}", "data-session") == "true"
            pg.screenshot(path=str(tmp_path / "live-ended.png"))
            assert not pg.errors

            # Review: the same figures; the replay is portrait; the mark where it was made.
            pg.click("#review-link")
            review = _summary_figures(pg)
            ratio = pg.evaluate("getComputedStyle(document.getElementById('stage')).aspectRatio")
            assert ratio.replace(" ", "") == "720/1280", ratio
            s = c.get(f"/api/review/sessions/{sid}", headers=AUTH).json()
            # Step by step through the session: next, next, previous.
            steps = [st["index"] for st in s["strides"]]
            for button, want in (("#next-step", 0), ("#next-step", 1), ("#prev-step", 0)):
                pg.click(button)
                assert pg.evaluate("window.twStride") == steps[want], button
            assert len(s["marks"]) == 1
            assert s["marks"][0]["t_s"] - s["session"]["t_start_s"] == pytest.approx(
                mark_shown, abs=0.051
            )
            assert s["settings"]["frame"] == {"width": 720, "height": 1280}

            # The runner's progress page.
            pg.goto(f"{url}/runners/runner?id={ana}")
            pg.wait_for_selector("body[data-loaded='true']", timeout=20000)
            progress = {
                k: _number(pg.inner_text(f"#visits tr[data-id='{sid}'] td[data-metric='{k}']"))
                for k in KEYS
            }

            # The session list: who ran it, and its cadence.
            pg.goto(f"{url}/review")
            pg.wait_for_selector("body[data-loaded='true']", timeout=20000)
            row = pg.locator(f"#sessions tr[data-id='{sid}'] td")
            assert pg.inner_text(f"#sessions tr[data-id='{sid}'] td[data-col='runner']") == "Ana P."
            listed_cadence = _number(row.nth(4).inner_text())

            # Exports: the session JSON's figures; the CSV's steps; the re-analysis knows
            # the frame's shape.
            full = c.get(f"/api/review/sessions/{sid}/export.session.json", headers=AUTH).json()
            exported = {k: info(k).text(full["summary"][k]["value"]) for k in KEYS}
            csv_text = c.get(f"/api/review/sessions/{sid}/export.csv", headers=AUTH).text
            analysis = c.get(f"/api/review/sessions/{sid}/export.json", headers=AUTH).json()
            aspect = next(ch for ch in analysis["checks"] if ch["name"] == "frame_aspect")
            assert aspect["ok"], aspect
            assert analysis["aspect"] == pytest.approx(720 / 1280, abs=1e-3)
            uid = s["session"]["uid"]
    finally:
        sinks.close()

    # The one-page PDF, read back.
    pdf = tmp_path / "report.pdf"
    assert main(["sessions", "report", str(sid), "--db", str(db), "--pdf", str(pdf)]) == 0
    in_pdf = _pdf_figures(pdf)

    # The hub: the same session, received over MQTT, on the hub's own review page.
    def at_hub() -> bool:
        if not hub_db.is_file():
            return False
        with SessionStore(hub_db) as store:
            found = [i for i in store.list_sessions() if i.uid == uid]
            return bool(found) and found[0].ended_at is not None
        return False

    wait_for(at_hub, 30.0, "the hub to hold the session")
    with SessionStore(hub_db) as store:
        hub_sid = next(i.id for i in store.list_sessions() if i.uid == uid)
    hub_pg = _tablet(browser, hub_url, (1280, 800))
    hub_pg.goto(f"{hub_url}/review/session?id={hub_sid}")
    at_the_hub = _summary_figures(hub_pg)
    # The gym's board: the treadmill, stopped cleanly, is idle (switched off), not lost.
    hub_pg.goto(f"{hub_url}/")
    hub_pg.wait_for_function(
        "(document.querySelector(\"#board tr[data-device='treadmill-2'] td:nth-child(2)\")"
        " || {}).textContent === 'idle (switched off)'",
        timeout=15000,
    )

    screens = {
        "review": review,
        "progress": progress,
        "PDF": in_pdf,
        "session JSON": exported,
        "hub": at_the_hub,
    }
    for where, shown in screens.items():
        assert shown == live, f"{where} shows {shown}, the live page {live}"
    assert listed_cadence == live["cadence_spm"]
    # The CSV's per-step values are rounded to what their unit means (0.1°, 0.001 leg
    # lengths, 1 ms): their median is the session's figure to within that rounding (for
    # cadence, contact times to 1 ms move it by up to a few hundredths).
    from_csv = _csv_figures(csv_text)
    for k in KEYS:
        shown_v = float(live[k])
        tol = 0.5 * 10.0 ** -info(k).digits + (0.05 if k == "cadence_spm" else 0.001)
        assert abs(from_csv[k] - shown_v) <= tol, (k, from_csv[k], shown_v)
