"""The review API and pages: list, filters, session JSON, landmarks, exports, marks, clips,
comparison, and the PIN in front of all of it in the real app."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import pytest

from edge.config.root import Config
from edge.gait.report import SCHEMA_VERSION
from edge.recording.export_csv import parse_strides_csv
from edge.recording.recorder import Recorder
from tests.recording.reviewapp import review_app
from tests.recording.serving import serve
from tests.recording.synth import SynthSession, as_in_csv, recording_config


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SynthSession]]:
    tmp = tmp_path_factory.mktemp("review")
    rec = Recorder(recording_config(tmp, clips=True, clip_before_s=1.0, clip_after_s=0.5))
    sessions = []
    for n, (dur, align) in enumerate([(8.0, 8), (6.0, 0)]):
        synth = SynthSession(
            duration_s=dur, t0=100.0 + 50 * n, alert_every=align, jpeg_size=(96, 72)
        )
        rec.session_started(f"s{n}", synth.t0, {"n": n})
        for f in synth:
            rec.frame(*f)
        if n == 1:
            rec.mark("arms cross", t_s=synth.t0 + 3.0)
        rec.session_ended(synth.t_end)
        sessions.append(synth)
    rec.close()
    return tmp / "sessions.db", sessions


@pytest.fixture(scope="module")
def client(recorded: tuple[Path, list[SynthSession]]) -> Iterator[httpx.Client]:
    with serve(review_app(recorded[0])) as url, httpx.Client(base_url=url, timeout=10) as c:
        yield c


def test_list_with_filters(client: httpx.Client, recorded: tuple[Path, list[SynthSession]]) -> None:
    data = client.get("/api/review/sessions").json()
    assert [s["uid"] for s in data["sessions"]] == ["s1", "s0"]
    assert data["devices"] == ["pi-test"]
    s0 = data["sessions"][1]
    assert s0["n_strides"] == len(recorded[1][0].strides) == 23
    assert s0["n_alerts"] == len(recorded[1][0].alerts) == 2
    assert s0["cadence_spm"] == pytest.approx(172.0, rel=0.02)
    assert client.get("/api/review/sessions?device=other").json()["sessions"] == []
    assert len(client.get("/api/review/sessions?date_from=2000-01-01").json()["sessions"]) == 2
    assert client.get("/api/review/sessions?date_to=2000-01-01").json()["sessions"] == []
    assert client.get("/api/review/sessions?date_from=yesterday").status_code == 422


def test_session_json_landmarks_and_exports(
    client: httpx.Client, recorded: tuple[Path, list[SynthSession]]
) -> None:
    synth = recorded[1][0]
    sid = client.get("/api/review/sessions").json()["sessions"][1]["id"]
    data = client.get(f"/api/review/sessions/{sid}").json()
    assert len(data["strides"]) == len(synth.strides)
    assert data["skeleton_edges"][0] == [11, 12]
    assert [a["t_s"] for a in data["alerts"]] == [a.t_s for a in synth.alerts]

    lm = client.get(f"/api/review/sessions/{sid}/landmarks?t_from=103.88&t_to=104.62").json()
    assert len(lm["t_s"]) == len(lm["frames"]) == 22  # frames 117..138
    nobody = [t for t, f in zip(lm["t_s"], lm["frames"], strict=True) if f is None]
    assert len(nobody) == 15 and nobody[0] == pytest.approx(104.0)
    assert len(next(f for f in lm["frames"] if f is not None)) == 33 * 3
    bad = client.get(f"/api/review/sessions/{sid}/landmarks?t_from=5&t_to=1")
    assert bad.status_code == 422

    csv = client.get(f"/api/review/sessions/{sid}/export.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert parse_strides_csv(csv.text) == as_in_csv(synth.strides)
    js = client.get(f"/api/review/sessions/{sid}/export.session.json").json()
    assert js["schema"] == "treadwatch.session/1"
    assert len(js["strides"]) == len(synth.strides)
    report = client.get(f"/api/review/sessions/{sid}/export.json").json()
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["frames"] == synth.frames
    assert client.get("/api/review/sessions/999").status_code == 404


def test_clips_are_written_around_alerts_and_marks(
    client: httpx.Client, recorded: tuple[Path, list[SynthSession]]
) -> None:
    s0, s1 = client.get("/api/review/sessions").json()["sessions"][::-1]
    clips0 = client.get(f"/api/review/sessions/{s0['id']}").json()["clips"]
    alerts = recorded[1][0].alerts
    assert [c["reason"] for c in clips0] == ["alert:overstride"] * len(alerts)
    for c, a in zip(clips0, alerts, strict=True):
        assert c["t_start_s"] == pytest.approx(a.t_s - 1.0, abs=0.04)
        assert c["t_end_s"] == pytest.approx(a.t_s + 0.5, abs=0.04)
        assert c["fps"] == pytest.approx(30.0, rel=0.01)
        assert len(c["frame_times"]) == 46
        assert (c["width"], c["height"]) == (96, 72)
    r = client.get(f"/api/review/clips/{clips0[0]['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"] in ("video/mp4", "video/webm")
    path = (
        recorded[0].parent / "probe" / ("c.mp4" if "mp4" in r.headers["content-type"] else "c.webm")
    )
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(r.content)
    cap = cv2.VideoCapture(str(path))
    frames = 0
    while cap.read()[0]:
        frames += 1
    cap.release()
    assert frames == 46
    # The mark in the second session got its clip too.
    clips1 = client.get(f"/api/review/sessions/{s1['id']}").json()["clips"]
    assert [c["reason"] for c in clips1] == ["mark"]


def test_marks_can_be_added_and_edited(client: httpx.Client) -> None:
    sid = client.get("/api/review/sessions").json()["sessions"][0]["id"]
    r = client.post(f"/api/review/sessions/{sid}/marks", json={"t_s": 152.5, "note": "heel"})
    assert r.status_code == 201
    mark_id = r.json()["id"]
    assert (
        client.put(f"/api/review/marks/{mark_id}", json={"note": "heel strike"}).status_code == 200
    )
    marks = client.get(f"/api/review/sessions/{sid}").json()["marks"]
    assert [(m["t_s"], m["note"]) for m in marks] == [
        (153.0, "arms cross"),
        (152.5, "heel strike"),
    ][::-1]
    assert client.put("/api/review/marks/9999", json={"note": "x"}).status_code == 404


def test_compare(client: httpx.Client, recorded: tuple[Path, list[SynthSession]]) -> None:
    b, a = client.get("/api/review/sessions").json()["sessions"]
    d = client.get(f"/api/review/compare?a={a['id']}&b={b['id']}").json()
    m = d["metrics"]["shank_angle_deg"]

    def figure(steps: list[Any]) -> float:  # the median of the steps measured surely (≥ 0.5)
        values = [
            x.metrics["shank_angle_deg"].value
            for x in steps
            if round(x.metrics["shank_angle_deg"].confidence, 2) >= 0.5
        ]
        return float(statistics.median(values))

    sa, sb = (s.strides for s in recorded[1])
    # The figure every other screen shows for the session, and the difference of those.
    assert m["a"]["value"] == pytest.approx(figure(sa))
    assert m["b"]["value"] == pytest.approx(figure(sb))
    assert m["diff"] == pytest.approx(figure(sb) - figure(sa))
    assert d["catalogue"]["shank_angle_deg"]["digits"] == 1
    assert len(d["strides"]["a"]) == len(sa)


def test_pages_and_assets_are_served_locally(client: httpx.Client) -> None:
    for url in ("/review", "/review/session", "/review/compare"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "http://" not in r.text and "https://" not in r.text  # nothing from a CDN
    for name in ("review.js", "plot.js", "session.js", "list.js", "compare.js", "review.css"):
        assert client.get(f"/review/static/{name}").status_code == 200
    assert client.get("/review/static/..%2Froutes.py").status_code == 404


def test_no_database_yet_gives_an_empty_list(tmp_path: Path) -> None:
    with (
        serve(review_app(tmp_path / "none.db")) as url,
        httpx.Client(base_url=url, timeout=10) as c,
    ):
        assert c.get("/api/review/sessions").json() == {"sessions": [], "devices": []}
        assert c.get("/api/review/sessions/1").status_code == 404


def test_review_is_behind_the_pin_in_the_real_app(
    recorded: tuple[Path, list[SynthSession]],
) -> None:
    from edge.live.demo import DemoSource
    from server.app import create_app
    from server.auth import PIN_HEADER

    cfg = Config.model_validate(
        {
            "server": {"settings_pin": "246813"},
            "recording": {"db_path": str(recorded[0])},
        }
    )
    app = create_app(cfg, DemoSource.from_config(cfg.capture))
    # lifespan off: the pipeline is not started, only the routes are served.
    with serve(app, lifespan="off") as url, httpx.Client(base_url=url, timeout=10) as c:
        assert c.get("/api/review/sessions").status_code == 401
        assert c.get("/review").status_code == 401
        assert c.get("/api/review/sessions/1/export.csv").status_code == 401
        assert c.get("/api/review/sessions", headers={PIN_HEADER: "0000"}).status_code == 401
        ok = c.get("/api/review/sessions", headers={PIN_HEADER: "246813"})
        assert ok.status_code == 200
        assert len(ok.json()["sessions"]) == 2
        assert c.post("/api/auth/login", json={"pin": "246813"}).status_code == 204
        assert c.get("/review").status_code == 200  # the login cookie opens the pages
        export = c.get("/api/review/sessions/1/export.session.json")
        assert json.loads(export.text)["session"]["id"] == 1


def test_delete_a_session(tmp_path: Path) -> None:
    rec = Recorder(recording_config(tmp_path))
    for uid in ("keep", "delete"):
        synth = SynthSession(duration_s=1.0)
        rec.session_started(uid, synth.t0, {})
        for f in synth:
            rec.frame(*f)
        rec.session_ended(synth.t_end)
    rec.session_started("open", 0.0, {})
    assert rec.flush()
    try:
        with (
            serve(review_app(tmp_path / "sessions.db")) as url,
            httpx.Client(base_url=url, timeout=10) as c,
        ):
            ids = {s["uid"]: s["id"] for s in c.get("/api/review/sessions").json()["sessions"]}
            assert c.delete(f"/api/review/sessions/{ids['delete']}").status_code == 204
            assert c.delete(f"/api/review/sessions/{ids['open']}").status_code == 409
            left = [s["uid"] for s in c.get("/api/review/sessions").json()["sessions"]]
            assert left == ["open", "keep"]
    finally:
        rec.close()
