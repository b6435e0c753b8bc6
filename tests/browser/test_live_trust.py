"""What the live page shows can be trusted, in a real headless Chromium against a
real server running the simulated runner.

The demo's fault schedule is shortened (4 s phases: clean, overstride, clean, arms from the
front, clean), so a cue is raised, cleared and a view change makes the side-view metrics
unmeasurable within 20 s. The page's WebSocket frames are read by the test (Playwright's
``websocket`` event) so every number on the page is compared with what the server sent.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from edge.config.root import Config
from edge.gait.config import GaitConfig
from edge.live.demo import DemoSource
from server.app import create_app
from tests.conftest import require
from tests.support.browser import CHROMIUM
from tests.support.serving import serve

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (800, 1280)]
#: The heel this far ahead of the hips (leg lengths) is the first sign of an overstride.
HEEL_AHEAD_SIGN = GaitConfig().overstride_heel_ahead


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    cfg = Config.model_validate(
        {
            "capture": {
                # Phases long enough for the cue policy's evidence (several strides).
                "demo_schedule": ["clean", "overstride", "clean", "arms", "clean"],
                "demo_phase_s": 8.0,
            },
            "recording": {"enabled": False},
        }
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as h:
        yield h


class Received:
    """The messages the page's WebSocket received (read in the test, not by the page)."""

    def __init__(self, page: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        page.on("websocket", self._on_ws)

    def _on_ws(self, ws: Any) -> None:
        ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload: str | bytes) -> None:
        if isinstance(payload, str) and '"type":"frame"' not in payload:
            self.messages.append(json.loads(payload))

    def strides(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "stride"]

    def hello(self) -> dict[str, Any]:
        return next(m for m in self.messages if m["type"] == "hello")


def _open(browser: Any, host: str, size: tuple[int, int]) -> tuple[Any, Received, list[str]]:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    got = Received(page)
    # Every "low confidence" note shown beside a number, sampled every 100 ms all along.
    page.add_init_script(
        """window.__lowConfidence = [];
        setInterval(() => {
          for (const n of document.querySelectorAll('.tile .note')) {
            const v = n.parentElement.querySelector('.value');
            if (n.textContent.includes('low confidence') && v.textContent !== '–')
              window.__lowConfidence.push(n.parentElement.id + ': ' + n.textContent);
          }
        }, 100);"""
    )
    page.goto(f"http://{host}/")
    page.wait_for_selector('#conn[data-state="live"]', timeout=15_000)
    return page, got, errors


def _boxes(page: Any) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for sel in ["#numbers", ".chart-wrap", "#cue", *[f"#tile-{k}" for k in TILE_KEYS]]:
        b = page.locator(sel).bounding_box()
        assert b is not None, sel
        out[sel] = (round(b["x"], 1), round(b["y"], 1), round(b["width"], 1), round(b["height"], 1))
    return out


TILE_KEYS = ["cadence_spm", "overstride", "trunk_lean_deg", "head_pitch_deg", "arm_crossover"]

#: Every element of a tile whose text must stay inside it.
_OVERFLOW = """() => {
  const bad = [];
  for (const tile of document.querySelectorAll('.tile')) {
    const tb = tile.getBoundingClientRect();
    for (const el of [tile, ...tile.querySelectorAll('*')]) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).textOverflow !== 'ellipsis')
        bad.push(`${tile.id} ${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
      const b = el.getBoundingClientRect();
      if (b.width && (b.left < tb.left - 0.5 || b.right > tb.right + 0.5))
        bad.push(`${tile.id} ${el.className} leaves its tile: "${el.textContent}"`);
    }
  }
  return bad;
}"""


def _confident_median(strides: list[dict[str, Any]], key: str, rule: dict[str, Any]) -> float:
    vals: list[float] = []
    for s in reversed(strides):
        m = s["metrics"].get(key)
        if m and m["value"] is not None and (m["confidence"] or 0) >= rule["min_confidence"]:
            vals.append(m["value"])
        if len(vals) == rule["last_m"]:
            break
    return float(statistics.median(vals))


def test_the_big_number_is_what_the_cue_is_about_in_one_cue_that_never_moves_the_tiles(
    host: str, browser: Any
) -> None:
    pages = [_open(browser, host, size) for size in SIZES]
    for page, _, _ in pages:
        page.wait_for_function(
            "document.getElementById('metric-overstride').textContent !== '–'", timeout=15_000
        )
    # Wait for a calm moment, measure the layout, then wait for the cue.
    for page, _, _ in pages:
        page.wait_for_selector('#cue[data-active="false"]', timeout=45_000)
    before = [_boxes(page) for page, _, _ in pages]
    seen_low_confidence: list[str] = []
    for (page, got, _), boxes in zip(pages, before, strict=True):
        page.wait_for_selector('#cue[data-active="true"][data-rule="overstride"]', timeout=45_000)
        # The cue is one cue, in its own box; the tiles did not move by a pixel.
        assert (page.text_content("#cue-main") or "").strip() == "Land under your hips"
        assert _boxes(page) == boxes
        cue = page.evaluate(
            "() => { const c = document.getElementById('cue-main');"
            " return [c.scrollHeight, c.clientHeight, parseFloat(getComputedStyle(c).fontSize)]; }"
        )
        assert cue[0] <= cue[1] + 1 and cue[2] >= 28

        # The big number is the median of the steps the cue judges (the rule's last_m
        # confident steps), past the threshold while the cue is up, and says what it is.
        page.wait_for_timeout(200)
        shown = page.evaluate(
            "() => [document.getElementById('metric-overstride').textContent,"
            " document.getElementById('what-overstride').textContent,"
            " document.getElementById('cue').dataset.active]"
        )
        rule = got.hello()["rules"]["overstride"]
        assert shown[2] == "true"
        value = float(shown[0])
        # The cue judges the landing geometry (heel ahead of the hips and its signs); the
        # number is how far ahead the heel lands, past the first sign while the cue is up.
        assert value >= HEEL_AHEAD_SIGN, shown
        assert value == pytest.approx(
            _confident_median(got.strides(), "overstride", rule), abs=0.006
        )
        assert shown[1] == f"median, last {rule['last_m']} steps"
        assert page.evaluate(_OVERFLOW) == []
        for key in TILE_KEYS:
            note = page.text_content(f"#note-{key}") or ""
            if "low confidence" in note and page.text_content(f"#metric-{key}") != "–":
                seen_low_confidence.append(f"{key}: {note}")

    # The front-view phase: side-view metrics cannot be measured; "–" with the reason, not
    # the value from before, and the chart shows a gap rather than a line across it.
    for page, _, _ in pages:
        page.wait_for_function(
            "document.getElementById('metric-overstride').textContent === '–'", timeout=45_000
        )
        assert "side view" in (page.text_content("#note-overstride") or "")
        assert page.text_content("#what-overstride") == ""
        page.wait_for_function(
            "document.getElementById('metric-overstride').textContent !== '–'", timeout=45_000
        )
        series = page.evaluate("() => window.twChart.series")
        over = next(s for s in series if s["key"] == "overstride")
        assert over["runs"] >= 2, over
        # Chart in full view without scrolling, at both sizes.
        chart = page.locator("#chart").bounding_box()
        vh = page.viewport_size["height"]
        assert chart is not None and chart["y"] + chart["height"] <= vh, (chart, vh)
        assert page.evaluate("() => document.scrollingElement.scrollHeight") <= vh
        assert page.evaluate(_OVERFLOW) == []

    # The simulated runner is exact: no number is ever called low-confidence.
    assert seen_low_confidence == []
    for page, _, _ in pages:
        assert page.evaluate("() => window.__lowConfidence") == []
    # Normal ranges come with the hello; each tile's marker is a band the server sent.
    page, got, _ = pages[0]
    assert "overstride" in got.hello()["ranges"]
    bands = page.evaluate(
        "() => [...document.querySelectorAll('.tile')].map((t) => t.dataset.band)"
    )
    assert set(bands) <= {"", "green", "amber", "red"}
    assert page.locator(".tile .range:visible").count() >= 1
    for page, _, errors in pages:
        assert errors == []
        page.close()


def test_tiles_hold_their_widest_values(host: str, browser: Any) -> None:
    """Negative numbers, three-digit degrees, a percentage note: nothing leaves its tile."""
    for size in SIZES:
        page, _, _ = _open(browser, host, size)
        page.wait_for_function("document.getElementById('metric-cadence_spm').textContent !== '–'")
        page.evaluate(
            """() => {
              const widest = {cadence_spm: '188', overstride: '\u22120.88',
                              trunk_lean_deg: '\u2212188', head_pitch_deg: '\u2212188',
                              arm_crossover: '\u22120.88'};
              for (const [k, v] of Object.entries(widest)) {
                document.getElementById('metric-' + k).textContent = v;
                document.getElementById('last-' + k).textContent = v;
                document.getElementById('note-' + k).textContent = 'low confidence (13 %)';
              }
            }"""
        )
        assert page.evaluate(_OVERFLOW) == []
        # The unit sits on the value's line or right under it, inside the same tile.
        for key in TILE_KEYS:
            v = page.locator(f"#metric-{key}").bounding_box()
            u = page.locator(f"#tile-{key} .unit").bounding_box()
            assert v is not None and u is not None
            assert u["y"] < v["y"] + 2 * v["height"], key
        page.close()


def test_range_lines_and_notes_are_shown_whole(host: str, browser: Any) -> None:
    """In portrait too: a tile's normal range and its longest note are never cut short with
    "…", and the page still needs no scrolling."""
    for size in SIZES:
        page, _, _ = _open(browser, host, size)
        page.wait_for_function("document.querySelectorAll('.tile .range:not(:empty)').length > 0")
        page.evaluate(
            """() => {
              // The longest note a tile gets (edge/gait/metrics.py), where it gets it.
              document.getElementById('note-arm_crossover').textContent =
                'from depth in a side view: low confidence';
            }"""
        )
        cut = page.evaluate(
            """() => [...document.querySelectorAll('.tile .range, .tile .note')]
                 .filter((el) => el.textContent && (el.scrollWidth > el.clientWidth + 1
                                  || el.scrollHeight > el.clientHeight + 1))
                 .map((el) => `${el.id || el.className}: "${el.textContent}"`)"""
        )
        assert cut == [], (size, cut)
        vh = page.viewport_size["height"]
        assert page.evaluate("() => document.scrollingElement.scrollHeight") <= vh, size
        assert page.evaluate(_OVERFLOW) == []
        page.close()


def test_freeze_shows_the_landing_legs_values_of_that_step(host: str, browser: Any) -> None:
    page, got, errors = _open(browser, host, (1280, 800))
    page.wait_for_function("!document.getElementById('freeze').disabled", timeout=15_000)
    # A step measured from the side (the first ones come before the view is known).
    page.wait_for_function(
        "document.getElementById('last-overstride').textContent !== '–'", timeout=45_000
    )
    page.click("#freeze")
    assert page.is_visible("#frozen-values")
    frozen = page.evaluate("() => window.twFrozen")
    stride = next(s for s in got.strides() if s["frame_id"] == frozen["frame"])
    assert frozen["foot"] == stride["foot"]
    assert (page.text_content("#frozen-label") or "").endswith(f"{stride['foot']} foot landing")
    shown = {
        el.get_attribute("data-key"): el.text_content()
        for el in page.locator("#frozen-values .fv").all()
    }
    compared = 0
    for key, digits in [
        ("knee_flexion_deg", 0),
        ("shank_angle_deg", 0),
        ("overstride", 2),
        ("trunk_lean_deg", 0),
    ]:
        v = stride["metrics"][key]["value"]
        assert frozen["values"][key] == v
        if v is not None:
            text = f"{v:.{digits}f}"
            text = f"{0:.{digits}f}" if float(text) == 0 else text.replace("-", "\u2212")
            assert text in (shown[key] or ""), (key, v, shown[key])
            compared += 1
    assert compared >= 3
    # Held: later strides do not change what is shown.
    page.wait_for_timeout(800)
    assert page.evaluate("() => window.twOverlay.frozen") is True
    assert page.evaluate("() => window.twFrozen.frame") == frozen["frame"]
    assert errors == []
    page.close()


class FastForwardDemo(DemoSource):
    """The simulated runner with its clock started ``ahead_s`` earlier (a fake at the clock
    boundary): the first ``ahead_s`` of running are produced at once, the rest in real time."""

    ahead_s = 80.0

    def open(self) -> None:
        super().open()
        self._start -= self.ahead_s


def _count_strides(host: str, want: int, timeout_s: float) -> int:
    async def run() -> int:
        n = 0
        async with websockets.connect(f"ws://{host}/ws/live", max_size=None) as ws:
            deadline = time.monotonic() + timeout_s
            while n < want and time.monotonic() < deadline:
                m = json.loads(await asyncio.wait_for(ws.recv(), timeout_s))
                n += m["type"] == "stride"
        return n

    out: list[int] = []
    t = threading.Thread(target=lambda: out.append(asyncio.run(run())))
    t.start()
    t.join(timeout_s + 5)
    return out[0] if out else 0


def test_a_tablet_opened_after_200_strides_draws_the_skeleton(browser: Any) -> None:
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, FastForwardDemo.from_config(cfg.capture))
    with serve(app) as h:
        assert _count_strides(h, 210, 40.0) >= 210
        page, got, errors = _open(browser, h, (1280, 800))
        try:
            page.wait_for_function(
                "window.twOverlay && window.twOverlay.lm && window.twVideoId >= 0", timeout=15_000
            )
            page.wait_for_timeout(300)
            # The skeleton is drawn: overlay pixels are set along the thigh and the trunk
            # (lines need the hello's edges), not only at the joints.
            probe = page.evaluate(
                """() => {
                  const c = document.getElementById('overlay'), ctx = c.getContext('2d');
                  const lm = window.twOverlay.lm, w = c.width, h = c.height;
                  const mid = (i, j) => ctx.getImageData(
                    Math.round((lm[3*i] + lm[3*j]) / 2 * w),
                    Math.round((lm[3*i+1] + lm[3*j+1]) / 2 * h), 1, 1).data[3];
                  return [mid(23, 25), mid(11, 23), mid(25, 27)];
                }"""
            )
            assert min(probe) > 0, probe
            hello = [m for m in got.messages if m["type"] == "hello"]
            assert len(hello) == 1 and len(hello[0]["edges"]) > 20
            assert errors == []
        finally:
            page.close()


def test_the_chart_keeps_its_labels_clear_of_a_full_minute_of_traces(browser: Any) -> None:
    """With more than a minute of steps replayed, the traces start at the plot's left edge:
    the label gutter and the last-value gutter stay clear (no trace drawn over a label)."""
    cfg = Config.model_validate({"recording": {"enabled": False}})
    app = create_app(cfg, FastForwardDemo.from_config(cfg.capture), client_queue=1000)
    with serve(app) as h:
        assert _count_strides(h, 200, 40.0) >= 200
        page, _, errors = _open(browser, h, (1280, 800))
        try:
            page.wait_for_function(
                "window.twChart && window.twChart.series[0].points > 100", timeout=15_000
            )
            page.wait_for_timeout(300)
            probe = page.evaluate(
                """() => {
                  const c = document.getElementById('chart'), ctx = c.getContext('2d');
                  const k = c.width / c.clientWidth, g = window.twChart;
                  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
                  ctx.font = '13px system-ui, sans-serif';
                  const out = [];
                  const alpha = (x0, x1, y0, y1) => {
                    const w = Math.max(1, Math.round((x1 - x0) * k));
                    const h = Math.max(1, Math.round((y1 - y0) * k));
                    const d = ctx.getImageData(Math.round(x0 * k), Math.round(y0 * k), w, h).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;
                  };
                  for (const s of g.series) {
                    const y0 = s.y0 + 3, y1 = s.y0 + s.band - 3;
                    out.push({
                      key: s.key,
                      // right of the widest label, left of the plot: nothing drawn
                      labelGutter: alpha(90, g.plotLeft - 1, y0, y1),
                      // right of the plot, left of the last value's text: nothing drawn
                      valueGutter: alpha(g.plotRight + 2, g.width - 48, y0, y1),
                      // the oldest steps are drawn at the plot's left edge
                      leftEdge: alpha(g.plotLeft, g.plotLeft + 30, y0, y1),
                    });
                  }
                  ctx.restore();
                  return out;
                }"""
            )
            for row in probe:
                assert row["labelGutter"] == 0 and row["valueGutter"] == 0, row
            assert max(row["leftEdge"] for row in probe) > 0, probe
            assert errors == []
        finally:
            page.close()


def _stride(index: int, t: float, value: float, band: str | None) -> dict[str, Any]:
    metric: dict[str, Any] = {"value": value, "unit": "leg lengths", "confidence": 0.9}
    metric["reason"] = None
    if band is not None:
        metric["band"] = band
    return {
        "type": "stride",
        "index": index,
        "foot": "left" if index % 2 == 0 else "right",
        "frame_id": 10 * index,
        "t": t,
        "metrics": {"overstride": metric},
        "current": {"overstride": metric},
    }


def test_a_band_from_the_server_marks_its_tile(browser: Any) -> None:
    """Normal ranges (``edge.gait.ranges``) colour a tile's edge: the band of its number as
    shown, against the range the server sent; none for a number not sure enough to show. The
    steps are published into the real hub as the pipeline would (nobody runs in front of
    this demo)."""
    cfg = Config.model_validate(
        {"recording": {"enabled": False}, "capture": {"demo_schedule": ["absent"]}}
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    with serve(app) as h:
        page, _, errors = _open(browser, h, (1280, 800))
        try:
            hub = app.state.live.hub
            values = [(0.05, "green"), (0.31, "red"), (0.12, "amber"), (0.33, "red"), (0.29, "red")]
            for i, (v, band) in enumerate(values):
                hub.publish(_stride(i, 1.0 + 0.35 * i, v, band))
            page.wait_for_function(
                "document.getElementById('last-overstride').textContent === '0.29'"
            )
            # median of 0.05 0.31 0.12 0.33 0.29 is 0.29, a red step
            assert page.text_content("#metric-overstride") == "0.29"
            tile = page.locator("#tile-overstride")
            assert tile.get_attribute("data-band") == "red"
            assert tile.evaluate("(t) => getComputedStyle(t).borderLeftColor") == "rgb(231, 76, 60)"
            # As many calm steps as the rule looks at (last_m), so the number stands on them:
            # judged as shown against the server's range (the hello's catalogue), green.
            for i, v in enumerate([0.04, 0.05, 0.06, 0.05, 0.04, 0.05, 0.06, 0.05]):
                hub.publish(_stride(5 + i, 3.0 + 0.35 * i, v, None))
            page.wait_for_function(
                "document.getElementById('metric-overstride').textContent === '0.05'"
            )
            assert tile.get_attribute("data-band") == "green"
            assert (
                tile.evaluate("(t) => getComputedStyle(t).borderLeftColor") == "rgb(46, 204, 113)"
            )
            # Steps not sure enough to count: no number, and nothing judged.
            for i in range(8):
                unsure = _stride(13 + i, 6.0 + 0.35 * i, 0.4, None)
                unsure["metrics"]["overstride"]["confidence"] = 0.2
                hub.publish(unsure)
            page.wait_for_function(
                "document.getElementById('metric-overstride').textContent === '–'"
            )
            assert tile.get_attribute("data-band") == ""
            assert tile.evaluate("(t) => getComputedStyle(t).borderLeftColor") == "rgba(0, 0, 0, 0)"
            assert errors == []
        finally:
            page.close()
