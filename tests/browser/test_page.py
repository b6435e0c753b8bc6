"""The live page and the settings page in a real headless Chromium (Debian ``chromium``).

The demo's fault schedule is shortened (8 s phases: clean, overstride, clean, clean) so the
alert is raised and cleared within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from edge.config.root import Config
from edge.live import capture
from edge.live.demo import DemoSource
from server.app import create_app
from tests.conftest import REPO, require
from tests.support.browser import CHROMIUM
from tests.support.serving import serve
from tests.support.sources import UnpluggedCamera

pytestmark = pytest.mark.browser

PIN = "864297"
ARTIFACTS = REPO / "artifacts"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    cfg = Config.model_validate(
        {
            "capture": {
                "demo_schedule": ["clean", "overstride", "clean", "clean"],
                "demo_phase_s": 8.0,
            },
            "server": {"settings_pin": PIN},
            "recording": {"enabled": False},
        }
    )
    settings = tmp_path_factory.mktemp("page") / "settings.toml"
    app = create_app(cfg, DemoSource.from_config(cfg.capture), settings_file=settings)
    with serve(app) as h:
        yield h


def _number(text: str | None) -> float:
    assert text is not None and text.strip() not in ("", "–"), text
    return float(text)


def test_live_page_overlay_numbers_and_alert(host: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # Record what would be spoken (the speech engine itself is the browser's boundary).
    page.add_init_script(
        """window.__spoken = [];
        if (window.speechSynthesis) {
          window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
        }"""
    )
    page.goto(f"http://{host}/")
    page.check("#speak")

    # Connected, labelled as simulated.
    page.wait_for_selector('#conn[data-state="live"]', timeout=15_000)
    assert page.is_visible("#simulated")
    assert "SIMULATED" in (page.text_content("#simulated") or "")

    # The overlay is drawn for the frame the video shows (matched by frame id) and its
    # pixels are set where the skeleton is, and clear away from it.
    page.wait_for_function("window.twOverlay && window.twOverlay.lm && window.twVideoId >= 0")
    probe = page.evaluate(
        """() => {
          const c = document.getElementById('overlay');
          const ctx = c.getContext('2d');
          const o = window.twOverlay;
          const alpha = (x, y) => ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data[3];
          const lm = o.lm, w = c.width, h = c.height;
          const at = (i) => alpha(lm[3 * i] * w, lm[3 * i + 1] * h);
          const mid = (a, b) => alpha((lm[3*a] + lm[3*b]) / 2 * w, (lm[3*a+1] + lm[3*b+1]) / 2 * h);
          return { id: o.id, video: window.twVideoId, hip: at(23), knee: at(25),
                   thigh: mid(23, 25), corner: alpha(w - 3, 3), w, h };
        }"""
    )
    assert probe["id"] == probe["video"]
    assert probe["hip"] > 0 and probe["knee"] > 0 and probe["thigh"] > 0
    assert probe["corner"] == 0
    assert (probe["w"], probe["h"]) == (640, 480)

    # Numbers update: cadence near the demo's 170 steps/min; overstride small while clean.
    page.wait_for_function(
        "document.getElementById('metric-cadence_spm').textContent !== '–'", timeout=15_000
    )
    assert _number(page.text_content("#metric-cadence_spm")) == pytest.approx(170, abs=6)
    clean_overstride = _number(page.text_content("#metric-overstride"))

    # The overstride phase (8-16 s) raises the cue once the evidence holds over several
    # strides (edge.gait.alerts), and it clears once clean again, with praise.
    page.wait_for_selector('#cue[data-active="true"]', timeout=20_000)
    assert page.get_attribute("#cue", "data-rule") == "overstride"
    assert "Land under your hips" in (page.text_content("#cue") or "")
    # The big number is the median of the steps the cue judges: past the threshold while the
    # cue is up (the last step may already be clean when the page caught up late).
    assert _number(page.text_content("#metric-overstride")) > max(0.2, clean_overstride)
    assert page.get_attribute("#tile-overstride", "data-alert") == "true"
    assert page.evaluate("() => window.__spoken") == ["land under your hips"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "live_page_alert.png"))
    # Cleared because the fault is gone: the praise, shown and spoken, then "Running well".
    page.wait_for_selector('#cue[data-active="false"]', timeout=20_000)
    assert page.get_attribute("#cue", "data-praise") == "true"
    assert (page.text_content("#cue-main") or "").strip() == "Good: landing under your hips"
    assert page.evaluate("() => window.__spoken") == [
        "land under your hips",
        "good: landing under your hips",
    ]
    page.wait_for_selector('#cue[data-praise="false"]', timeout=10_000)
    assert (page.text_content("#cue") or "").strip() == "Running well"
    assert _number(page.text_content("#last-overstride")) < 0.15

    # Freeze holds the last foot contact, with joint angles drawn.
    page.wait_for_function("!document.getElementById('freeze').disabled", timeout=10_000)
    page.click("#freeze")
    assert page.is_visible("#frozen-label")
    frozen = page.evaluate("() => window.twOverlay")
    assert frozen["frozen"] is True and frozen["lm"] is not None
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.twOverlay.id") == frozen["id"]  # held, not live
    page.screenshot(path=str(ARTIFACTS / "live_page_frozen.png"))
    page.click("#freeze")
    assert not page.is_visible("#frozen-label")

    # Tablet in portrait: the same page stacks (video above the numbers).
    page.set_viewport_size({"width": 800, "height": 1280})
    page.wait_for_timeout(300)
    video_box = page.locator("#video-wrap").bounding_box()
    cue_box = page.locator("#cue").bounding_box()
    assert video_box is not None and cue_box is not None
    assert cue_box["y"] >= video_box["y"] + video_box["height"]
    page.screenshot(path=str(ARTIFACTS / "live_page_portrait.png"))

    assert problems == []
    page.close()


def test_settings_refuse_a_wrong_pin_and_open_with_the_right_one(host: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(f"http://{host}/settings")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#pin", "1111")
    page.click("#pin-submit")
    page.wait_for_function("document.getElementById('pin-error').textContent !== ''")
    assert page.text_content("#pin-error") == "Wrong PIN"
    assert page.is_hidden("#editor")
    status = page.evaluate(
        "async () => (await fetch('/api/config', {method: 'PUT', "
        "headers: {'Content-Type': 'application/json'}, body: '{}'})).status"
    )
    assert status == 401

    page.fill("#pin", PIN)
    page.click("#pin-submit")
    page.wait_for_selector("#editor:not([hidden])")
    page.wait_for_selector("#f-alerts-overstride-threshold")
    assert (
        page.input_value("#f-alerts-overstride-threshold") == "1.5"
    )  # landing signs (edge.gait.config)
    page.fill("#f-alerts-overstride-threshold", "5000")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-msg').textContent.startsWith('Not')")
    assert "alerts.overstride.threshold" in (page.text_content("#save-msg") or "")
    page.fill("#f-alerts-overstride-threshold", "2.5")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-msg').textContent === 'Saved'")
    r = page.evaluate("async () => (await fetch('/api/config')).json()")
    assert r["alerts"]["overstride"]["threshold"] == 2.5

    # The belt zone is drawn on the camera picture by dragging, and saved with the rest.
    canvas = page.locator("#zone-canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('zone-img').naturalWidth > 0")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 0.25 * box["width"], box["y"] + 0.1 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.9 * box["height"], steps=5)
    page.mouse.up()
    page.click("#save")
    page.wait_for_function("document.getElementById('save-msg').textContent === 'Saved'")
    zone = page.evaluate("async () => (await (await fetch('/api/config')).json()).pose.belt_zone")
    assert zone["x_min"] == pytest.approx(0.25, abs=0.01)
    assert zone["x_max"] == pytest.approx(0.75, abs=0.01)
    assert zone["y_min"] == pytest.approx(0.1, abs=0.01)
    assert zone["y_max"] == pytest.approx(0.9, abs=0.01)
    page.screenshot(path=str(ARTIFACTS / "settings_page.png"))
    page.close()


def test_page_says_when_the_camera_is_lost(browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture, "RETRY_INITIAL_S", 0.2)  # retried within the test's time
    monkeypatch.setattr(capture, "RETRY_MAX_S", 0.5)
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, UnpluggedCamera())  # type: ignore[arg-type]
    with serve(app) as h:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://{h}/")
        page.wait_for_selector('#conn[data-state="retrying"]', timeout=15_000)
        text = page.text_content("#conn-text") or ""
        assert text.startswith("Camera lost, retrying")
        assert "camera 0 not found" in text
        assert page.is_hidden("#simulated")
        page.close()
