"""Visit 1 vs today on the runner's progress page and a session's review page, in Chromium.

Two visits of Ana (consent to clips) are recorded on a real live server, each keeping the
replay of a stride; the pages then show the first visit's replay beside the latest one,
aligned on their landings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge.live.demo import DemoSource
from server.app import create_app
from server.auth import PIN_HEADER
from tests.conftest import require
from tests.runners.conftest import AUTH, PIN, live_config, wait_for_session
from tests.support.browser import CHROMIUM
from tests.support.replay_sessions import keep, last_stride, live
from tests.support.serving import serve

pytestmark = pytest.mark.browser
ANGLE_KEYS = {"shank_angle_deg", "knee_flexion_deg", "overstride", "trunk_lean_deg"}


@dataclass
class Visits:
    db: Path
    ana: int
    sessions: list[int]


@pytest.fixture(scope="module")
def visits(tmp_path_factory: pytest.TempPathFactory) -> Visits:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    db = tmp_path_factory.mktemp("visits") / "sessions.db"
    cfg = live_config(db)
    ana = 0
    sessions = []
    for visit in range(2):
        with live(cfg) as (c, _):
            if visit == 0:
                ana = c.post(
                    "/api/runners", json={"name": "Ana P.", "consent_clips": True}, headers=AUTH
                ).json()["id"]
            sessions.append(wait_for_session(c))
            r = c.put("/api/live/runner", json={"runner_id": ana}, headers=AUTH)
            assert r.status_code == 200
            assert keep(c, last_stride(c), PIN).status_code == 202
            time.sleep(1.0)  # encoded and committed before the session ends
    return Visits(db, ana, sessions)


@pytest.fixture(scope="module")
def review_host(visits: Visits) -> Iterator[str]:
    cfg = live_config(visits.db, enabled=False)
    with serve(create_app(cfg, DemoSource.from_config(cfg.capture))) as host:
        yield f"http://{host}"


def pair_held(page: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both panes' landings held at one moment (their angles drawn)."""
    found: list[dict[str, Any]] = page.wait_for_function(
        """() => { const h = window.twInstant;
             const d = h.contactDrawn;
             for (const right of d.filter((c) => c.pane === 1)) {
               const left = d.find((c) => c.pane === 0 && c.at === right.at);
               if (left) return [left, right];
             }
             return null; }""",
        timeout=30_000,
    ).json_value()
    return found[0], found[1]


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("runners/runner?id={ana}", "Visit 1 vs latest visit"),
        ("review/session?id={s2}", "Visit 1 vs this visit"),
    ],
    ids=["progress", "review"],
)
def test_visit_one_beside_today(
    visits: Visits, review_host: str, browser: Any, path: str, button: str
) -> None:
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 800}, extra_http_headers={PIN_HEADER: PIN}
    )
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{review_host}/" + path.format(ana=visits.ana, s2=visits.sessions[1]))
    page.wait_for_selector("#vr-open", state="visible", timeout=20_000)
    assert page.text_content("#vr-open") == button
    page.click("#vr-open")
    page.wait_for_function("window.twInstant.compared === 'visit1'", timeout=20_000)
    titles = page.locator("#rp-panes .rp-pane-title").all_text_contents()
    assert titles[0].split(" (")[0] in ("Latest visit", "This visit")
    assert titles[1].startswith("Visit 1 (")
    left, right = pair_held(page)
    assert left["r"] == right["r"] == pytest.approx(0.0, abs=1e-3)
    assert left["foot"] == right["foot"]
    for held in (left, right):
        assert {lbl["key"] for lbl in held["labels"]} == ANGLE_KEYS
        assert abs(held["frame"] - held["contactFrame"]) <= 1
    page.click("#rp-close")
    assert not page.is_visible("#replay")
    assert problems == []
    ctx.close()
