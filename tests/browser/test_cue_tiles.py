"""The cue and the tiles tell one story, in a real headless Chromium on the demo runner:

- every cue's metric has a tile, and each tile says where its cue is raised, in the tile's
  own unit or, for overstride (decided on landing signs), in signs beside the tile's unit;
- a number outside its normal range that raised no cue says why, and the big box then says
  "No cue now", not "Running well";
- when the runner leaves, the page says the session ended, with a link to its review.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from edge.recording.live import make_sinks
from server.app import create_app
from tests.conftest import require
from tests.support.browser import CHROMIUM
from tests.support.serving import serve

pytestmark = pytest.mark.browser
PIN = "468024"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[str]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    cfg = Config.model_validate(
        {
            "server": {"settings_pin": PIN},
            "capture": {
                "presence_start_s": 0.0,
                "absence_timeout_s": 1.0,
                "demo_schedule": ["overstride", "overstride", "absent", "absent"],
                "demo_phase_s": 7.0,
            },
            # The overstride cue is set past what this runner shows (4 or more signs).
            "alerts": {"overstride": {"threshold": 3.5, "clear": 3.0}},
            "recording": {"db_path": str(tmp_path / "s.db"), "flush_interval_s": 0.25},
        }
    )
    sinks = make_sinks(cfg)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as h:
            yield f"http://{h}"
    finally:
        sinks.close()


def test_cue_and_tiles_agree_and_the_end_is_said(browser: Any, host: str) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 1280})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert page.request.post(f"{host}/api/auth/login", data={"pin": PIN}).status == 204
    page.goto(host + "/")
    page.wait_for_selector("#metric-cadence_spm")
    rules = page.evaluate(
        "fetch('/api/config').then(r => r.json()).then(c => Object.keys(c.alerts))"
    )
    cues = [k for k in rules if isinstance(k, str) and k not in ("enabled", "max_active")]
    for name in ("vertical_oscillation", "head_forward", "elbow_angle_deg", "overstride"):
        assert name in cues
        assert page.locator(f"#tile-{name}").count() == 1, f"no tile for the {name} cue"
    # Where each cue is raised, in the tile's unit (bounce in leg lengths) or in signs.
    assert "cue above 0.13" in page.inner_text("#cueat-vertical_oscillation")
    assert "cue 4 or more landing signs" in page.inner_text("#cueat-overstride")

    # Overstriding, but short of the cue's 4 signs: the tile says why there is no cue.
    page.wait_for_function(
        "['amber', 'red'].includes(document.getElementById('tile-overstride').dataset.band)",
        timeout=30000,
    )
    page.wait_for_function(
        "document.getElementById('note-overstride').textContent.startsWith('no cue')"
    )
    note = page.inner_text("#note-overstride")
    assert "cue is set 4 or more landing signs" in note, note
    assert page.get_attribute("#cue", "data-active") == "false"
    assert page.inner_text("#cue-main") == "No cue now"
    assert "Overstride" in page.inner_text("#cue-second")

    # The runner leaves: not "Running well" over a still picture.
    page.wait_for_function(
        "document.getElementById('cue-main').textContent === 'Session ended'", timeout=30000
    )
    page.wait_for_function("window.twEnded && window.twEnded.id", timeout=15000)
    sid = page.evaluate("window.twEnded.id")
    assert page.get_attribute("#review-link", "href") == f"/review/session?id={sid}"
    assert page.get_attribute("#tile-overstride", "data-session") == "true"
    assert page.inner_text("#cue-main") == "Session ended"
    assert errors == []
