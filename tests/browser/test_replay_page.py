"""Instant replay on the live page, in a real headless Chromium against a demo server.

The simulated runner lands about every 0.36 s; the page shows its video at 15 frames/s, so
the last stride's replay holds about a dozen frames and two landings. Frame times are read
from the page's own record of when it drew each frame (``window.twInstant.shown``, in page
time), with the time spent holding a landing taken out.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterator
from typing import Any

import pytest

from edge.config.root import Config
from edge.live.demo import DemoSource
from server.app import create_app
from tests.conftest import require
from tests.support.browser import CHROMIUM
from tests.support.serving import serve

pytestmark = pytest.mark.browser

#: The bar for a replay to start after the tap (page time, tap to first frame drawn).
START_BAR_MS = 500.0
ANGLE_KEYS = {"shank_angle_deg", "knee_flexion_deg", "overstride", "trunk_lean_deg"}
DIGITS = {"shank_angle_deg": 0, "knee_flexion_deg": 0, "overstride": 2, "trunk_lean_deg": 0}


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    cfg = Config.model_validate(
        {
            "capture": {"demo_schedule": ["clean", "overstride"], "demo_phase_s": 10.0},
            "recording": {"enabled": False},
            "replay": {"reference_after_s": 3.0},
        }
    )
    with serve(create_app(cfg, DemoSource.from_config(cfg.capture))) as h:
        yield h


def open_live(browser: Any, host: str, width: int, height: int) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"http://{host}/")
    # Video shown and a step measured (the freeze button comes alive with the first step).
    page.wait_for_function("window.twVideoId > 0", timeout=20_000)
    page.wait_for_function("!document.getElementById('freeze').disabled", timeout=20_000)
    page.wait_for_timeout(1500)  # a few more landings, so a whole stride is held
    return page, problems


def played_ratios(shown: list[dict[str, Any]], speed: float) -> list[float]:
    """Page ms per ms of capture time between frames drawn one after the other while
    playing at ``speed`` (within one loop, holds taken out)."""
    out = []
    for a, b in itertools.pairwise(shown):
        if a["loop"] != b["loop"] or a["speed"] != speed or b["speed"] != speed:
            continue
        if a["scrub"] or b["scrub"] or b["t"] <= a["t"]:
            continue
        out.append((b["at"] - a["at"] - (b["hold"] - a["hold"])) / ((b["t"] - a["t"]) * 1000.0))
    return out


def check_landing_drawn(page: Any, pane: int) -> dict[str, Any]:
    """Waits for a held landing in ``pane`` and reads the picture while it is held: the
    angle labels' yellow is on the canvas inside each label's box."""
    found: dict[str, Any] = page.wait_for_function(
        """(pane) => {
          const h = window.twInstant;
          const d = h.contactDrawn.filter((c) => c.pane === pane);
          if (!h.holding || !d.length) return null;
          const last = d[d.length - 1];
          const canvas = document.querySelectorAll('#rp-panes canvas')[pane];
          const ctx = canvas.getContext('2d');
          const boxes = last.labels.map((l) => {
            const [x, y, w, hh] = l.box.map(Math.round);
            const px = ctx.getImageData(x, y, Math.max(1, w), Math.max(1, hh)).data;
            let yellow = 0;
            for (let i = 0; i < px.length; i += 4) {
              if (px[i] > 200 && px[i + 1] > 180 && px[i + 2] < 150) yellow++;
            }
            return { key: l.key, text: l.text, yellow };
          });
          return { ...last, boxes };
        }""",
        arg=pane,
        timeout=20_000,
    ).json_value()
    return found


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_replay_last_stride(host: str, browser: Any, size: tuple[int, int]) -> None:
    page, problems = open_live(browser, host, *size)
    page.click("#replay-last")
    page.wait_for_function("window.twInstant.startLatencyMs !== null", timeout=10_000)
    hook = page.evaluate("window.twInstant")
    latency = hook["startLatencyMs"]
    print(f"replay start at {size[0]}x{size[1]}: {latency:.0f} ms from tap to first frame")
    assert latency < START_BAR_MS
    assert page.is_visible("#replay") and not page.is_visible("#video-wrap")
    clip = hook["clip"]
    assert len(clip["contacts"]) == 2 and {c["foot"] for c in clip["contacts"]} == {
        "left",
        "right",
    }
    # A pause of the video (a loaded machine) is said under the picture, never hidden.
    if clip["missing"]:
        assert "no video held" in (page.text_content("#rp-msg") or "")

    # The landing is held with its four angles drawn, their numbers the step's own.
    drawn = check_landing_drawn(page, 0)
    contact = next(c for c in clip["contacts"] if c["frame"] == drawn["contactFrame"])
    nearest = min(clip["frames"], key=lambda f: abs(f["t"] - contact["t"]))
    assert drawn["frame"] == nearest["id"]
    assert {b["key"] for b in drawn["boxes"]} == ANGLE_KEYS
    for box in drawn["boxes"]:
        assert box["yellow"] > 20, box  # the label is painted on the picture
    for label in drawn["labels"]:
        shown = re.search(r"(−|-)?\d+(\.\d+)?", label["text"])
        assert shown is not None
        value = float(shown.group(0).replace("−", "-"))
        step = contact["metrics"][label["key"]]["value"]
        assert value == pytest.approx(
            step, abs=0.501 * 10 ** -DIGITS[label["key"]]
        )  # shown rounded
    # Under the picture: the numbers of the landing held.
    nums = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#rp-panes .rp-num')]
             .map((e) => [e.dataset.key, Number(e.dataset.value)]))"""
    )
    assert nums == {k: pytest.approx(contact["metrics"][k]["value"]) for k in ANGLE_KEYS}

    # One whole loop, then the frames of the stride in order at 1/4 speed.
    page.wait_for_function("window.twInstant.loops >= 1", timeout=30_000)
    hook = page.evaluate("window.twInstant")
    first_loop = [s for s in hook["shown"] if s["pane"] == 0 and s["loop"] == 0]
    ids = [s["id"] for s in first_loop]
    clip_ids = [f["id"] for f in clip["frames"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert ids[0] == clip_ids[0] and set(ids) <= set(clip_ids)
    assert len(ids) >= 0.9 * len(clip_ids)
    ratios = played_ratios(first_loop, 0.25)
    assert len(ratios) >= 5
    print(f"1/4 speed: median {statistics.median(ratios):.2f} page ms per capture ms")
    assert statistics.median(ratios) == pytest.approx(4.0, rel=0.15)
    # Holds took place: a landing stayed on screen for the hold.
    assert hook["shown"][-1]["hold"] >= 1000

    # The live page kept running beside it: the cue box is there, live frames came in.
    assert page.is_visible("#cue")
    live_before = page.evaluate("window.twOverlay.id")

    # Half speed.
    page.click(".rp-speeds button[data-speed='0.5']")
    page.wait_for_function(
        "window.twInstant.shown.filter((s) => s.speed === 0.5 && s.pane === 0).length >= 8",
        timeout=30_000,
    )
    half = played_ratios(page.evaluate("window.twInstant.shown"), 0.5)
    print(f"1/2 speed: median {statistics.median(half):.2f} page ms per capture ms")
    assert statistics.median(half) == pytest.approx(2.0, rel=0.15)
    assert page.get_attribute(".rp-speeds button[data-speed='0.5']", "aria-pressed") == "true"
    assert page.evaluate("window.twOverlay.id") > live_before

    # Scrubbing (paused, so only the scrubbing moves it): the slider to the end, then a drag
    # back over 30 % of the picture's width moves 30 % of the replay back.
    page.click("#rp-pause")
    page.evaluate(
        """() => { const s = document.getElementById('rp-scrub'); s.value = '1000';
             s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }"""
    )
    before = page.evaluate("window.twInstant")
    assert before["r"] == pytest.approx(before["rEnd"])
    assert before["current"][0] == clip["frames"][-1]["id"]
    box = page.locator("#rp-panes canvas").first.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=6)
    scrubbed = page.evaluate("window.twInstant")
    page.mouse.up()
    span = before["rEnd"] - before["rStart"]
    assert scrubbed["r"] == pytest.approx(before["rEnd"] - 0.3 * span, abs=0.02 * span)
    align = clip["frames"][clip["contacts"][-1]["fi"]]["t"]
    expected = [f["id"] for f in clip["frames"] if f["t"] - align <= scrubbed["r"] + 1e-6][-1]
    assert scrubbed["current"][0] == expected
    page.click("#rp-pause")
    assert page.text_content("#rp-pause") == "Pause"

    # Back to live.
    page.click("#rp-live")
    assert not page.is_visible("#replay") and page.is_visible("#video-wrap")
    vid = page.evaluate("window.twVideoId")
    page.wait_for_function(f"window.twVideoId > {vid}", timeout=10_000)
    assert page.evaluate("window.twInstant.active") is False
    assert problems == []
    page.close()


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_stride_beside_stride_aligns_the_landings(
    host: str, browser: Any, size: tuple[int, int]
) -> None:
    page, problems = open_live(browser, host, *size)
    page.wait_for_function(
        """fetch('/api/replay/references').then((r) => r.json())
             .then((j) => j.references.some((x) => x.kind === 'first_minute'))""",
        timeout=45_000,
        polling=500,
    )
    page.click("#replay-last")
    page.wait_for_selector("#rp-compare button[data-kind='first_minute']", timeout=10_000)
    page.click("#rp-compare button[data-kind='first_minute']")
    page.wait_for_function("window.twInstant.compared === 'first_minute'", timeout=10_000)
    assert page.locator("#rp-panes .rp-pane").count() == 2

    # Both landings are held at the same moment, each on its own landing frame.
    right = check_landing_drawn(page, 1)
    left = page.evaluate(
        "(at) => window.twInstant.contactDrawn.find((c) => c.pane === 0 && c.at === at)",
        right["at"],
    )
    assert left is not None, "the two landings were not held together"
    assert left["r"] == right["r"] == pytest.approx(0.0, abs=1e-3)
    assert {lbl["key"] for lbl in left["labels"]} == ANGLE_KEYS
    assert {b["key"] for b in right["boxes"]} == ANGLE_KEYS
    assert all(b["yellow"] > 20 for b in right["boxes"])
    assert left["foot"] == right["foot"]
    for held in (left, right):  # the video frame nearest the landing (every other frame)
        assert abs(held["frame"] - held["contactFrame"]) <= 1
    # Every frame drawn at a given moment sits at the same time from its own landing.
    shown = page.evaluate("window.twInstant.shown")
    at_hold = [s for s in shown if s["at"] == right["at"]]
    assert {s["pane"] for s in at_hold} <= {0, 1}
    for s in at_hold:
        assert s["rel"] == pytest.approx(0.0, abs=1e-3)
    # The numbers under each are their own landing's.
    numbers = page.evaluate(
        """() => [...document.querySelectorAll('#rp-panes .rp-pane')].map((p) =>
             Object.fromEntries([...p.querySelectorAll('.rp-num')]
               .map((e) => [e.dataset.key, e.dataset.value])))"""
    )
    assert len(numbers) == 2 and all(set(n) == ANGLE_KEYS for n in numbers)
    for label in right["labels"]:
        if label["key"] == "overstride":
            assert f"{float(numbers[1]['overstride']):.2f}".replace("-", "−") in label["text"]
    page.click("#rp-live")
    assert not page.is_visible("#replay")
    assert problems == []
    page.close()
