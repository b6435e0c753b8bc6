"""Review pages for an analysed phone video, in a real headless Chromium: the
session keeps a low-resolution copy of the video, which replays as itself with the skeleton
over it, in sync with the stored landmarks; a portrait clip fits the screen; a constant
series gets a readable axis.

The session is stored the way ``treadwatch analyze clip.mp4 --store`` stores it, from
MediaPipe's own landmarks of the shared portrait clip (no pose model needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from edge.gait.records import MetricValue, StrideRecord
from edge.gait.report import analyze_landmarks
from edge.recording.analysis_import import store_report_as_session
from edge.recording.session_video import VIDEO_REASON, store_session_video
from edge.recording.store import SessionStore
from tests.conftest import require
from tests.recording.reviewapp import review_app
from tests.recording.serving import serve
from tests.support.browser import CHROMIUM

pytestmark = pytest.mark.browser

CLIP = "treadmill_side_overstride_A"  # 608 × 1080 portrait, 30 fps


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[dict[str, Any]]:
    require(CHROMIUM.exists(), "chromium not installed at /usr/bin/chromium")
    tmp = tmp_path_factory.mktemp("video")
    db = tmp / "sessions.db"
    ref = np.load(shared_data / "reference" / f"{CLIP}.mediapipe.npz")
    lm = ref["landmarks"].astype(np.float32)
    fps, w, h = float(ref["fps"]), int(ref["width"]), int(ref["height"])
    report = analyze_landmarks(lm, fps, aspect=w / h)
    video = shared_data / "videos" / f"{CLIP}.mp4"
    sid = store_report_as_session(db, report, lm, video.name, fps=fps, frame_size=(w, h))
    clip_id = store_session_video(db, sid, video, fps)
    assert clip_id is not None
    # A session whose trunk lean barely moves (5.0 ± 0.00002°): its plot needs a sane axis.
    store = SessionStore(db)
    try:
        with store.transaction():
            flat = store.begin_session("flat", "pi-test", 0.0, {}, source="analyze")
            store.insert_strides(
                flat,
                [
                    StrideRecord(
                        index=i,
                        foot="left" if i % 2 == 0 else "right",
                        frame_index=10 * i,
                        t_s=0.35 * i,
                        metrics={"trunk_lean_deg": MetricValue(5.0 + 2e-5 * (i % 2), "deg", 0.9)},
                    )
                    for i in range(20)
                ],
            )
            n = 210
            store.put_landmark_block(
                flat,
                0,
                np.arange(n, dtype=np.float64) / 30.0,
                np.arange(n, dtype=np.int64),
                np.asarray(np.tile(lm[:1, :, :4], (n, 1, 1)), dtype=np.float16),
            )
            store.end_session(flat, 7.0, reason="ended")
    finally:
        store.close()
    with serve(review_app(db)) as url:
        yield {"url": url, "sid": sid, "flat": flat, "fps": fps, "w": w, "h": h, "db": db}


def test_the_stored_copy_is_small_and_frame_for_frame(site: dict[str, Any]) -> None:
    store = SessionStore(site["db"])
    try:
        clips = store.clips(site["sid"])
    finally:
        store.close()
    assert [c.reason for c in clips] == [VIDEO_REASON]
    c = clips[0]
    assert max(c.width, c.height) == 480 and c.width < c.height  # portrait kept
    assert len(c.frame_times) == 186
    assert c.frame_times[1] == pytest.approx(1 / site["fps"])
    path = site["db"].parent / "clips" / c.path
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == 186
    assert c.bytes < 3_000_000
    assert c.mime == "video/webm"  # VP8: plays in every browser


@pytest.mark.parametrize("size", [(800, 1280), (1280, 800)])
def test_the_video_replays_as_itself_with_the_skeleton_and_fits(
    browser: Any, site: dict[str, Any], size: tuple[int, int]
) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{site['url']}/review/session?id={site['sid']}")
        page.wait_for_selector("body[data-loaded=true]")
        page.wait_for_function(
            "() => { const v = document.getElementById('video');"
            " return !v.hidden && v.readyState >= 2 && v.videoWidth > 0; }",
            timeout=15_000,
        )
        assert "analysed video" in (page.text_content("#mode") or "")
        dims = page.evaluate(
            "() => { const v = document.getElementById('video');"
            " return [v.videoWidth, v.videoHeight]; }"
        )
        assert dims[1] == 480 and dims[0] == pytest.approx(480 * site["w"] / site["h"], abs=2)
        # The stage keeps the clip's shape and is fully on screen.
        stage = page.locator("#stage").bounding_box()
        assert stage is not None
        assert stage["width"] / stage["height"] == pytest.approx(site["w"] / site["h"], rel=0.02)
        page.locator("#stage").scroll_into_view_if_needed()
        stage = page.locator("#stage").bounding_box()
        assert stage is not None
        assert stage["height"] <= size[1] and stage["width"] <= size[0]
        assert stage["y"] >= 0 and stage["y"] + stage["height"] <= size[1]
        # In sync: at video time v, the skeleton is that of frame round(v * fps).
        for frame in (45, 120):
            page.evaluate(
                f"() => {{ const v = document.getElementById('video'); v.pause();"
                f" v.currentTime = {(frame + 0.5) / site['fps']}; }}"
            )
            want = (frame + 0.5) / site["fps"]
            page.wait_for_function(
                f"() => window.twReplay && window.twReplay.drawn"
                f" && Math.abs(window.twReplay.videoTime - {want}) < 1e-3",
                timeout=10_000,
            )
            t = page.evaluate("() => window.twReplay.t")
            assert t == pytest.approx(frame / site["fps"], abs=1e-6)
        assert errors == []
    finally:
        page.close()


def test_a_constant_series_gets_a_readable_axis(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{site['url']}/review/session?id={site['flat']}")
        page.wait_for_selector("body[data-loaded=true]")
        ticks = page.locator('#plots canvas[data-metric="trunk_lean_deg"]').get_attribute(
            "data-yticks"
        )
        assert ticks is not None
        labels = ticks.split()
        assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
        values = [float(v) for v in labels]
        assert min(values) <= 5.0 <= max(values)
        assert max(values) - min(values) >= 0.2  # a tenth of the value, not 0.00002
        assert all(len(v.split(".")[-1]) <= 2 for v in labels if "." in v), labels
    finally:
        page.close()
