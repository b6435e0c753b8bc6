"""Runner pages in a real headless Chromium: "who is running?" on the live page (PIN),
re-assigning in review, the runner's progress page with before/after, the report page
(screenshot in artifacts/report.png, copied to docs/ for the README)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.landmarks import SKELETON_EDGES
from edge.live.demo import DemoSource
from edge.recording.live import make_sinks
from edge.recording.store import SessionStore
from edge.runners import store as runners
from edge.runners.contact_frames import VIS_MIN
from edge.runners.progress import digits
from edge.runners.ranges import range_for
from edge.runners.report_data import session_report_data
from server.app import create_app
from tests.conftest import REPO
from tests.runners.conftest import AUTH, PIN, Recorded, live_config
from tests.support.serving import serve

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "artifacts"


def _page(browser: Any, url: str | None, viewport: tuple[int, int] = (1280, 900)) -> Any:
    """A new page; logged in (the PIN) on ``url`` unless it is None."""
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    if url is not None:
        r = pg.request.post(f"{url}/api/auth/login", data={"pin": PIN})
        assert r.status == 204
    return pg


_DBS: dict[str, Path] = {}


def two_visits_db(url: str) -> Path:
    return _DBS[url]


@pytest.fixture(scope="module")
def two_visits(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The recorded sessions with the guest's given to Ana: she has two visits."""
    db = recorded.copy(tmp_path_factory.mktemp("visits") / "copy")
    with SessionStore(db) as store:
        runners.assign_session(store, recorded.sessions[2], recorded.ana)
    cfg = live_config(db, enabled=False)
    with serve(create_app(cfg, DemoSource.from_config(cfg.capture))) as h:
        _DBS[f"http://{h}"] = db
        yield f"http://{h}"


def test_who_is_running_on_the_live_page(browser: Any, tmp_path: Path) -> None:
    cfg = live_config(tmp_path / "sessions.db", clips=False)
    sinks = make_sinks(cfg)
    app = create_app(cfg, DemoSource.from_config(cfg.capture), sinks=sinks)
    try:
        with serve(app) as host, httpx.Client(base_url=f"http://{host}", timeout=10.0) as c:
            url = f"http://{host}"
            ana = c.post("/api/runners", json={"name": "Ana P."}, headers=AUTH).json()["id"]
            # A gym member (no PIN) sees no runner names.
            member = _page(browser, None)
            member.goto(url + "/")
            member.wait_for_function("document.getElementById('conn').dataset.state === 'live'")
            member.wait_for_timeout(500)
            assert member.locator("#runner-pick").count() == 0

            pg = _page(browser, url)
            pg.goto(url + "/")
            pg.wait_for_selector("#runner-select:not([disabled])", timeout=15000)
            assert pg.locator("#runner-select option").all_inner_texts() == [
                "Guest",
                "Ana P. (no clips)",
                "+ New runner…",
            ]
            sid = int(pg.locator("#runner-pick").get_attribute("data-session"))
            pg.select_option("#runner-select", label="Ana P. (no clips)")
            pg.wait_for_function(
                "document.getElementById('runner-msg').title === 'Recording for Ana P.'"
            )
            assert pg.locator("#runner-pick").get_attribute("data-runner") == str(ana)
            ARTIFACTS.mkdir(exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / "live_runner_pick.png"))
            live = c.get("/api/live/runner", headers=AUTH).json()
            assert live["session_id"] == sid
            assert live["runner"]["id"] == ana
            # Back to a guest.
            pg.select_option("#runner-select", label="Guest")
            pg.wait_for_function(
                "document.getElementById('runner-msg').title === 'Recording as a guest'"
            )
            assert c.get("/api/live/runner", headers=AUTH).json()["runner"] is None
            pg.select_option("#runner-select", label="Ana P. (no clips)")
            pg.wait_for_function(
                "document.getElementById('runner-msg').title === 'Recording for Ana P.'"
            )
            assert pg.errors == [] and member.errors == []
    finally:
        sinks.close()
    with SessionStore(tmp_path / "sessions.db") as store:
        assert runners.session_runner(store, sid) == ana
        assert [s.id for s in runners.runner_sessions(store, ana)] == [sid]


def test_reassign_on_the_review_page(browser: Any, recorded: Recorded, tmp_path: Path) -> None:
    db = recorded.copy(tmp_path / "copy")
    cfg = live_config(db, enabled=False)
    guest = recorded.sessions[2]
    with serve(create_app(cfg, DemoSource.from_config(cfg.capture))) as host:
        url = f"http://{host}"
        pg = _page(browser, url)
        pg.goto(f"{url}/review/session?id={guest}")
        pg.wait_for_selector("#assign-runner")
        assert pg.locator("#runner-assign").get_attribute("data-runner") == ""
        pg.select_option("#assign-runner", label="Ben K.")
        pg.wait_for_function("document.getElementById('runner-assign').dataset.runner !== ''")
        assert (
            pg.locator("#assign-msg").inner_text() == "now Ben K.'s (1 clip(s) deleted: no consent)"
        )
        assert pg.locator("#report-link").get_attribute("href") == f"/review/report?session={guest}"
        assert pg.errors == []
    with SessionStore(db) as store:
        assert runners.session_runner(store, guest) == recorded.ben
        assert store.clips(guest) == []


def test_progress_page(browser: Any, recorded: Recorded, two_visits: str) -> None:
    url = two_visits
    pg = _page(browser, url)
    pg.goto(f"{url}/runners")
    pg.wait_for_selector("body[data-loaded=true]")
    assert pg.locator("#runners tbody tr").count() == 2
    pg.click("text=Ana P.")
    pg.wait_for_selector("body[data-loaded=true]")
    assert pg.locator("#title").inner_text() == "Ana P."
    rows = pg.locator("#visits tbody tr")
    assert rows.count() == 2
    first, second = recorded.sessions[0], recorded.sessions[2]
    assert [rows.nth(i).get_attribute("data-id") for i in range(2)] == [str(second), str(first)]
    with SessionStore(recorded.db) as store:
        medians = {
            sid: session_report_data(store, sid)["point"]["metrics"] for sid in (first, second)
        }
    for i, sid in enumerate((second, first)):
        cell = rows.nth(i).locator("td[data-metric=overstride]")
        assert cell.inner_text() == f"{medians[sid]['overstride']['median']:.2f}"
        cad = rows.nth(i).locator("td[data-metric=cadence_spm]")
        assert cad.inner_text() == f"{medians[sid]['cadence_spm']['median']:.0f}"
        # Coloured by the range (the example: cadence 170–180).
        assert cad.get_attribute("class") in ("v-in", "v-near", "v-out")
        assert rows.nth(i).locator("td").nth(5).inner_text() == "land under your hips"
        assert rows.nth(i).locator("a").nth(1).get_attribute("href") == (
            f"/review/report?session={sid}"
        )
    plot = pg.locator("svg.spark[data-metric=overstride]")
    assert plot.get_attribute("data-points") == "2"
    assert [float(v) for v in plot.locator("circle").evaluate_all(
        "cs => cs.map(c => c.getAttribute('data-value'))")] == [
        medians[first]["overstride"]["median"], medians[second]["overstride"]["median"]
    ]  # fmt: skip
    assert pg.locator("svg.spark[data-metric=cadence_spm] rect.band").count() == 1

    # Before / after of the two visits.
    boxes = pg.locator("#visits tbody input[type=checkbox]")
    boxes.nth(0).check()
    assert pg.locator("#compare").is_disabled()
    boxes.nth(1).check()
    pg.click("#compare")
    pg.wait_for_selector("#before-after:not([hidden])")
    cells = pg.locator("#diff tr[data-metric=overstride] td").all_inner_texts()
    a, b = medians[first]["overstride"]["median"], medians[second]["overstride"]["median"]
    assert cells[:3] == ["Overstride", f"{a:.2f}", f"{b:.2f}"]
    shown = round(b, 2) - round(a, 2)
    assert cells[3] == ("+" if shown > 0 else "") + f"{shown:.2f}".replace("-0.00", "0.00")
    # Only metrics measured in some visit get a plot (no empty ones).
    assert pg.locator("svg.spark").count() == sum(
        1 for name, m in medians[first].items() if m["n"] or medians[second][name]["n"]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "runner_progress.png"), full_page=True)
    assert pg.errors == []


def test_report_page(browser: Any, recorded: Recorded, two_visits: str) -> None:
    url = two_visits
    sid = recorded.sessions[2]  # Ana's second visit
    pg = _page(browser, url, viewport=(820, 1160))
    pg.goto(f"{url}/review/report?session={sid}")
    pg.wait_for_selector("body[data-loaded=true]")
    assert pg.locator("#who").inner_text() == "Ana P."
    with SessionStore(two_visits_db(url)) as store:
        data = session_report_data(store, sid)
        numbers = data["point"]["metrics"]
        prev = session_report_data(store, recorded.sessions[0])["point"]["metrics"]
    cells = pg.locator("#numbers tr[data-metric=overstride] td").all_inner_texts()
    assert cells[1] == f"{numbers['overstride']['median']:.2f}"
    assert cells[5] == f"{prev['overstride']['median']:.2f}"  # last time
    assert cells[6] == str(numbers["overstride"]["n"])
    cad = pg.locator("#numbers tr[data-metric=cadence_spm] td").all_inner_texts()
    cadence_range = range_for("cadence_spm")
    assert cadence_range is not None
    assert cad[3] == cadence_range.text(digits("cadence_spm"))
    assert cad[4] in ("in range", "near range", "outside range")
    assert pg.locator(".frames svg").count() == len(data["frames"]) == 3
    edges = sum(
        1
        for f in data["frames"]
        for a, b in SKELETON_EDGES
        if min(f["points"][a][2], f["points"][b][2]) >= VIS_MIN
    )
    assert edges >= 3 * 10
    assert pg.locator(".frames svg line").count() == edges  # the skeletons are drawn
    assert pg.locator(".frames image").count() == sum(1 for f in data["frames"] if f["jpeg"])
    assert pg.locator(".changes li").count() == len(data["changes"])
    assert "Compared with" in pg.locator("body").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    # Printed: white page, no shadow, one A4 page's worth of height.
    pg.emulate_media(media="print")
    assert pg.evaluate("getComputedStyle(document.querySelector('.sheet')).boxShadow") == "none"
    assert pg.errors == []
