"""The review pages in a real headless Chromium: list, session view with plots, replay of a
clip with the skeleton overlay, comparison, the CSV download read back stride for stride, and
the praise the runner got when a cue cleared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.recording.export_csv import parse_strides_csv
from edge.recording.recorder import Recorder
from tests.recording.reviewapp import review_app
from tests.recording.serving import serve
from tests.recording.synth import SynthSession, as_in_csv, recording_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[SynthSession]]]:
    tmp = tmp_path_factory.mktemp("browser")
    rec = Recorder(recording_config(tmp, clips=True, clip_before_s=1.0, clip_after_s=1.0))
    sessions = []
    for n in range(2):
        # the second session: the real alert engine raises the overstride cue, then clears
        # it with its praise once the runner lands under the hips again
        synth = SynthSession(
            duration_s=10.0,
            t0=500.0 + 100 * n,
            jpeg_size=(160, 120),
            shank_shift=-2.5 * n,
            fault_steps=20 * n,
        )
        rec.session_started(f"b{n}", synth.t0, {})
        for i, f in enumerate(synth):
            rec.frame(*f)
            if n == 0 and i == 150:  # a threshold saved on the settings page mid-session
                change = {"alerts.overstride.threshold": {"from": 0.2, "to": 0.25}}
                rec.settings_changed(f[0].timestamp_s, change)
        rec.session_ended(synth.t_end)
        sessions.append(synth)
    rec.close()
    with serve(review_app(tmp / "sessions.db")) as url:
        yield url, sessions


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert errors == []


def test_list_and_session_view_render_with_plots(
    page: Any, site: tuple[str, list[SynthSession]], tmp_path: Path
) -> None:
    url, sessions = site
    page.goto(f"{url}/review")
    page.wait_for_selector("body[data-loaded=true]")
    rows = page.locator("#sessions tbody tr")
    assert rows.count() == 2
    first = rows.nth(1)  # oldest session, listed last
    cells = first.locator("td").all_inner_texts()
    assert cells[2] == "10 s"
    assert cells[3] == str(len(sessions[0].strides))
    assert cells[4] == "172"
    assert cells[5] == str(len(sessions[0].alerts))

    first.locator("a").first.click()
    page.wait_for_selector("body[data-loaded=true]")
    assert "/review/session?id=" in page.url
    synth = sessions[0]
    plots = page.locator("#plots canvas")
    assert plots.count() == 4
    points = {
        c.get_attribute("data-metric"): int(c.get_attribute("data-points")) for c in plots.all()
    }
    n = len(synth.strides)
    assert points == {
        "overstride": n,
        "shank_angle_deg": n,
        "cadence_spm": n,
        "arm_crossover": 0,  # never measurable from the side: nothing drawn
    }
    # The plot is really drawn: coloured pixels on the canvas.
    painted = page.evaluate(
        """() => { const c = document.querySelector('#plots canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    )
    assert painted > 1000
    assert page.locator("#strides tbody tr").count() == n
    assert page.locator("#alerts tbody tr").count() == len(synth.alerts)
    assert page.locator("#timeline").get_attribute("data-items") == str(
        len(synth.alerts) + len(synth.alerts) + 1  # one clip per alert, the settings change
    )

    # The stick figure is drawn from the stored landmarks.
    page.wait_for_function("document.getElementById('overlay').dataset.drawn === '1'")

    # CSV download from the page reads back to the same strides.
    with page.expect_download() as dl:
        page.click("#csv")
    path = tmp_path / "strides.csv"
    dl.value.save_as(path)
    assert parse_strides_csv(path.read_text()) == as_in_csv(synth.strides)


def test_clip_plays_in_slow_motion_with_the_skeleton(
    page: Any, site: tuple[str, list[SynthSession]]
) -> None:
    url, _ = site
    page.goto(f"{url}/review/session?id=1")
    page.wait_for_selector("body[data-loaded=true]")
    clips = page.locator("#clips button")
    assert clips.count() >= 1
    page.select_option("#speed", "0.25")
    clips.first.click()
    page.wait_for_function(
        "() => { const v = document.getElementById('video');"
        " return v.readyState >= 2 && v.currentTime > 0; }",
        timeout=15000,
    )
    assert page.evaluate("document.getElementById('video').playbackRate") == 0.25
    page.wait_for_function("document.getElementById('overlay').dataset.drawn === '1'")
    clock = page.locator("#clock").inner_text()
    assert clock.endswith(" s")


def test_compare_two_sessions(page: Any, site: tuple[str, list[SynthSession]]) -> None:
    url, sessions = site
    page.goto(f"{url}/review")
    page.wait_for_selector("body[data-loaded=true]")
    boxes = page.locator("#sessions tbody input[type=checkbox]")
    boxes.nth(0).check()
    assert page.locator("#compare").is_disabled()
    boxes.nth(1).check()
    page.click("#compare")
    page.wait_for_selector("body[data-loaded=true]")
    row = page.locator("#diff tr[data-metric=shank_angle_deg] td").all_inner_texts()
    assert row[0] == "Shank angle at contact"  # the catalogue's label, as on every screen
    assert row[3] == str(len(sessions[0].strides))
    assert row[6] == "-2.5"  # 2.5° lower, in the catalogue's digits (one decimal)
    # the metrics of both: the second one also has the landing signs its cue watches
    assert page.locator("#plots canvas").count() == 5


def test_praise_shows_on_the_clearing_event(
    page: Any, site: tuple[str, list[SynthSession]]
) -> None:
    url, sessions = site
    synth = sessions[1]
    raised, cleared = synth.alerts
    assert (raised.state, cleared.state) == ("raised", "cleared")
    assert cleared.feedback == "good: landing under your hips"
    page.goto(f"{url}/review/session?id=2")
    page.wait_for_selector("body[data-loaded=true]")

    rows = page.locator("#alerts tbody tr")
    assert rows.count() == 2
    cells = rows.nth(1).locator("td").all_inner_texts()
    assert cells[0] == "8.6 s" == f"{cleared.t_s - synth.t0:.1f} s"  # step 24
    assert cells[1] == "✓ Overstride"  # the catalogue's label
    assert cells[2] == "land under your hips"
    assert cells[3] == "good: landing under your hips"
    praise = rows.nth(1).locator(".praise")
    assert praise.is_visible()
    assert praise.inner_text() == "good: landing under your hips"
    assert rows.nth(0).locator("td").all_inner_texts()[3] == ""  # a raised cue: no praise

    # On the timeline the clearing event is drawn in the praise colour, and its tooltip says
    # what the runner was told.
    canvas = page.locator("#timeline")
    canvas.scroll_into_view_if_needed()
    hit = page.evaluate(
        """() => document.getElementById('timeline')._twHit
            .filter(h => h.p.praise).map(h => ({ x: h.px, y: h.py, color: h.p.color }))"""
    )
    assert len(hit) == 1 and hit[0]["color"] == "#2ecc71"
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + hit[0]["x"], box["y"] + hit[0]["y"])
    title = canvas.get_attribute("title")
    assert title is not None and "good: landing under your hips" in title


def test_a_cue_cleared_by_a_settings_change_is_not_an_improvement(
    page: Any, tmp_path: Path
) -> None:
    """The overstride threshold raised mid-run clears the cue (the analysis restarts with
    the new settings): review says so instead of ticking it as fixed, and names the change
    as the settings page does."""
    from edge.gait.records import AlertRecord
    from edge.recording.store import SessionStore

    db = tmp_path / "sessions.db"
    with SessionStore(db) as store, store.transaction():
        sid = store.begin_session("s", "pi", 100.0, {})
        cue = "land under your hips"
        store.insert_alerts(
            sid,
            [
                AlertRecord("raised", "overstride", cue, 2.0, 10, 104.0, 1),
                AlertRecord("cleared", "overstride", cue, None, 20, 108.0, 1),
                AlertRecord("raised", "overstride", cue, 3.0, 40, 115.0, 1),
                AlertRecord("cleared", "overstride", cue, 0.0, 50, 118.0, 1, "good: landing"),
            ],
        )
        store.add_settings_change(
            sid, 108.0, {"alerts.overstride.threshold": {"from": 1.5, "to": 2.5}}
        )
        store.end_session(sid, 120.0, reason="ended")
    with serve(review_app(db)) as url:
        page.goto(f"{url}/review/session?id={sid}")
        page.wait_for_selector("body[data-loaded=true]")
        rows = [r.locator("td").all_inner_texts() for r in page.locator("#alerts tbody tr").all()]
    assert [r[1] for r in rows] == [
        "⚠ Overstride",
        "– Overstride (cleared by a settings change)",
        "⚠ Overstride",
        "✓ Overstride",
    ]
