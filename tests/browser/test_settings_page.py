"""The settings page and the PIN prompt in a real headless Chromium: a review link
survives the PIN, only same-site paths are followed after it, the form speaks in words and
units, a refused value is shown next to its field, and "Saved" is only said when it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from server.app import create_app
from tests.conftest import require
from tests.support.browser import CHROMIUM
from tests.support.serving import serve

pytestmark = pytest.mark.browser

PIN = "531794"


def _config(tmp: Path) -> Config:
    return Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "recording": {"enabled": False, "db_path": str(tmp / "sessions.db")},
        }
    )


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    tmp = tmp_path_factory.mktemp("settings")
    cfg = _config(tmp)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), settings_file=tmp / "settings.toml")
    with serve(app) as h:
        yield h


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1000, "height": 800})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert errors == []


def _unlock(page: Any) -> None:
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#pin", PIN)
    page.click("#pin-submit")


def test_a_review_link_keeps_its_session_through_the_pin(host: str, page: Any) -> None:
    page.goto(f"http://{host}/review/session?id=3&stride=12")
    assert page.url == f"http://{host}/settings?next=" + quote(
        "/review/session?id=3&stride=12", safe="/"
    )
    _unlock(page)
    page.wait_for_url(f"http://{host}/review/session?id=3&stride=12")


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/review",
        "https://evil.example/review",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_after_the_pin_only_paths_on_this_server_are_followed(
    host: str, page: Any, next_url: str
) -> None:
    page.goto(f"http://{host}/settings?next={quote(next_url, safe='')}")
    _unlock(page)
    page.wait_for_selector("#editor:not([hidden])")
    assert page.url.startswith(f"http://{host}/settings")


def test_the_form_speaks_in_words_and_units_with_save_in_view(host: str, page: Any) -> None:
    page.goto(f"http://{host}/settings")
    _unlock(page)
    page.wait_for_selector("#f-alerts-overstride-threshold")
    names = page.locator(".field .name").all_text_contents()
    assert names and not [n for n in names if "›" in n or "_" in n]
    # No words meant for developers: the project's seed texts, product notes, class names.
    text = page.inner_text("#editor")
    for word in ("seed", "PRODUCT.md", "Config."):
        assert word not in text, word
    field = page.locator('.field[data-field="alerts.overstride.threshold"] .name')
    assert field.text_content() == "Raise the cue at (landing signs, 0–4)"
    assert (
        page.locator('.field[data-field="alerts.head_pitch_deg.clear"] .name').text_content()
        == "Clear it again at (°)"
    )
    # Main options first: the camera view and the cues come before the belt zone and the
    # advanced options.
    order = page.evaluate(
        """() => ['f-gait-view', 'f-alerts-overstride-threshold', 'zone-canvas', 'f-gait-window_s']
              .map((id) => document.getElementById(id).getBoundingClientRect().top + scrollY)"""
    )
    assert order == sorted(order)
    assert not page.is_visible("#f-gait-window_s")  # under "Advanced"
    # Every cue text is shown whole.
    cues = page.evaluate(
        """() => [...document.querySelectorAll('textarea')].map((t) =>
             [t.value, t.scrollHeight <= t.clientHeight + 1, t.scrollWidth <= t.clientWidth + 1])"""
    )
    assert len(cues) == 8
    assert [c for c in cues if not (c[1] and c[2])] == []
    assert any(c[0] == "elbows by your sides, swing forward and back" for c in cues)
    # The save button stays in view at the top and the bottom of the form.
    for y in (0, 10_000):
        page.evaluate(f"window.scrollTo(0, {y})")
        box = page.locator("#save").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800, (y, box)


def test_an_inverted_trigger_and_clear_pair_is_refused_next_to_the_field(
    host: str, page: Any
) -> None:
    page.goto(f"http://{host}/settings")
    _unlock(page)
    page.wait_for_selector("#f-alerts-overstride-clear")
    page.fill("#f-alerts-overstride-clear", "2")  # above the 1.5 that raises the cue
    page.click("#save")
    page.wait_for_function("document.getElementById('save-msg').textContent.startsWith('Not')")
    err = page.locator('.field[data-field="alerts.overstride.clear"] .error')
    assert err.is_visible()
    text = err.text_content() or ""
    assert "threshold 1.5" in text and "2" in text and not text.startswith("Value error")
    assert "alerts.overstride.clear" in (page.text_content("#save-msg") or "")
    # The message sits beside its field, on screen.
    f = page.locator("#f-alerts-overstride-clear").bounding_box()
    e = err.bounding_box()
    assert f is not None and e is not None and abs(e["y"] - f["y"]) < 80
    assert 0 <= e["y"] <= 800
    r = page.evaluate("async () => (await fetch('/api/config')).json()")
    assert r["alerts"]["overstride"]["clear"] == 1.0
    # Back on the calm side, it is saved.
    page.fill("#f-alerts-overstride-clear", "1.25")
    page.click("#save")
    page.wait_for_function("document.getElementById('save-msg').textContent === 'Saved'")
    assert err.text_content() == ""


def test_a_change_that_could_not_be_saved_says_so(browser: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    cfg = _config(tmp_path)
    app = create_app(
        cfg, DemoSource.from_config(cfg.capture), settings_file=blocker / "settings.toml"
    )
    with serve(app) as h:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        try:
            page.goto(f"http://{h}/settings")
            _unlock(page)
            page.wait_for_selector("#f-alerts-overstride-threshold")
            page.fill("#f-alerts-overstride-threshold", "2.5")
            page.click("#save")
            page.wait_for_function(
                "!['', 'Saving…'].includes(document.getElementById('save-msg').textContent)"
            )
            msg = page.text_content("#save-msg") or ""
            assert msg == "Applied, but not saved: this change holds until the next restart."
            r = page.evaluate("async () => (await fetch('/api/config')).json()")
            assert r["alerts"]["overstride"]["threshold"] == 2.5
        finally:
            page.close()


def test_an_open_live_page_follows_a_changed_cue_window(host: str, browser: Any) -> None:
    """The live page's numbers stand on each cue's ``last_m`` steps; a change saved on the
    settings page reaches an open live page without a reload."""
    live = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        live.goto(f"http://{host}/")
        live.wait_for_function(
            "document.getElementById('what-overstride').textContent === 'median, last 8 steps'",
            timeout=20_000,
        )
        status = live.evaluate(
            """async (pin) => (await fetch('/api/config', {method: 'PUT',
                 headers: {'Content-Type': 'application/json', 'X-Treadwatch-Pin': pin},
                 body: JSON.stringify({alerts: {overstride: {last_m: 6}}})})).status""",
            PIN,
        )
        assert status == 200
        live.wait_for_function(
            "document.getElementById('what-overstride').textContent === 'median, last 6 steps'",
            timeout=20_000,
        )
    finally:
        live.close()
