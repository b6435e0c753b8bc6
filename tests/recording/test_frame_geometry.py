"""Every session keeps the shape of its camera frames: re-analysing a live session (the
"analysis JSON" export) measures angles and distances in the frame's own proportions, not as
if it were square; sessions stored before are given their shape where it can be recovered.

A synthetic runner filmed upright (720×1280) with a known shank angle, trunk lean and
overstride: stored as a live session with its frame size, its re-analysis finds the truth;
the same landmarks taken as square (what a session without its frame size got) do not.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from pathlib import Path

import numpy as np
import pytest

from edge.gait.synthetic import RunnerParams, generate
from edge.recording.export import session_report
from edge.recording.schema import MIGRATIONS
from edge.recording.store import SessionStore

PORTRAIT = RunnerParams(
    frame_width=720,
    frame_height=1280,
    height_frac=0.5,
    trunk_lean_deg=8.0,
    overstride=0.15,
    fps=30.0,
    view="side-left",
)


def _store_live(db: Path, settings: dict[str, object]) -> int:
    clip = generate(PORTRAIT, 20.0)
    with SessionStore(db) as store, store.transaction():
        sid = store.begin_session("live-1", "pi", float(clip.timestamps[0]), settings)
        step = round(clip.fps)
        for block, start in enumerate(range(0, len(clip.timestamps), step)):
            stop = min(len(clip.timestamps), start + step)
            store.put_landmark_block(
                sid,
                block,
                clip.timestamps[start:stop],
                np.arange(start, stop, dtype=np.int64),
                clip.landmarks[start:stop].astype(np.float16),
            )
        store.end_session(sid, float(clip.timestamps[-1]), reason="ended")
    return sid


def _medians(report: object) -> dict[str, float]:
    data = report.model_dump(mode="json")  # type: ignore[attr-defined]
    out = {}
    for name in ("trunk_lean_deg", "overstride"):
        vals = [s["metrics"][name]["value"] for s in data["strides"] if name in s["metrics"]]
        vals = [v for v in vals if v is not None]
        out[name] = statistics.median(vals)
    return out


def test_reanalysis_keeps_the_frames_shape(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    kept = _store_live(db, {"frame": {"width": 720, "height": 1280}})
    lost = _store_live(db, {})
    with SessionStore(db) as store:
        good = session_report(store, store.session(kept))
        square = session_report(store, store.session(lost))
    checks = {c.name: c.ok for c in good.checks}
    assert checks["frame_aspect"] is True
    assert good.aspect == pytest.approx(720 / 1280)
    assert {c.name: c.ok for c in square.checks}["frame_aspect"] is False
    got, wrong = _medians(good), _medians(square)
    # The truth within the analyzer's own tolerance on a clean synthetic runner ...
    assert got["trunk_lean_deg"] == pytest.approx(8.0, abs=1.5)
    assert got["overstride"] == pytest.approx(0.15, abs=0.04)
    # ... where taking the portrait frame as square bends both well away from it.
    assert abs(wrong["trunk_lean_deg"] - 8.0) > 3.0


def _v6_database(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    for version, migration in enumerate(MIGRATIONS[:6]):
        for statement in migration.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version + 1}")
    return conn


def test_older_sessions_recover_their_shape(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = _v6_database(db)
    rows = {
        "clip": {"source": "USB camera 0", "simulated": False},
        "demo": {
            "source": "demo",
            "simulated": True,
            "capture": {"demo_width": 320, "demo_height": 240},
        },
        "camera": {"source": "USB camera 0", "simulated": False, "capture": {"width": 640}},
        "analyzed": {"frame": {"width": 1080, "height": 1920}},
    }
    ids = {}
    for uid, settings in rows.items():
        cur = conn.execute(
            "INSERT INTO sessions (uid, device_id, source, started_at, t_start_s, settings_json)"
            " VALUES (?, 'pi', 'live', 1.0, 0.0, ?)",
            (uid, json.dumps(settings)),
        )
        ids[uid] = cur.lastrowid
    for t0, (w, h) in ((5.0, (480, 854)), (1.0, (720, 1280))):  # the earliest clip counts
        conn.execute(
            "INSERT INTO clips (session_id, t_start_s, t_end_s, reason, path, mime, fps,"
            " n_frames, width, height, bytes, frame_times) VALUES (?, ?, ?, 'alert', 'x.webm',"
            " 'video/webm', 30, 1, ?, ?, 1, x'')",
            (ids["clip"], t0, t0 + 1.0, w, h),
        )
    conn.commit()
    conn.close()

    with SessionStore(db) as store:
        frames = {uid: store.session(i).settings.get("frame") for uid, i in ids.items()}
        assert store.session(ids["demo"]).settings["capture"]["demo_width"] == 320
    assert frames == {
        "clip": {"width": 720, "height": 1280},
        "demo": {"width": 320, "height": 240},
        "camera": None,  # a camera's requested size is not what it delivered: not guessed
        "analyzed": {"width": 1080, "height": 1920},
    }


def test_report_pictures_span_the_session_in_the_frames_shape(tmp_path: Path) -> None:
    """The report's contact pictures: drawn in the frame's proportions (720×1280, not a
    square or 4:3 guess) and taken from the whole session, not its first minutes."""
    from edge.gait.records import GaitEvent
    from edge.runners.contact_frames import N_FRAMES, contact_frames

    db = tmp_path / "s.db"
    sid = _store_live(db, {"frame": {"width": 720, "height": 1280}})  # 20 s of running
    with SessionStore(db) as store:
        info = store.session(sid)
        span = (info.t_end_s or 0.0) - info.t_start_s
        contacts = [
            GaitEvent("contact", "left" if k % 2 else "right", k * 10, info.t_start_s + t, 0.9)
            for k, t in enumerate(np.arange(0.2, span - 0.2, 0.35))
        ]
        with store.transaction():
            store.insert_events(sid, contacts)
        frames = contact_frames(store, store.session(sid))
    assert len(frames) == N_FRAMES
    assert all(f["size"] == (720, 1280) for f in frames)
    times = [f["t"] for f in frames]
    assert times[0] < 0.1 * span and times[-1] > 0.9 * span, times
    # points in frame pixels: x within the portrait width, y within its height
    xs = [x for f in frames for x, _, _ in f["points"] if np.isfinite(x)]
    ys = [y for f in frames for _, y, _ in f["points"] if np.isfinite(y)]
    assert min(xs) > 0 and max(xs) < 720 and max(ys) < 1280 and max(ys) > 720
