"""Keeping a replay into the session, and reading it back as an earlier visit's stride.

Real live servers with the demo runner and the real recorder (clips on): Ana (consent to
clips) keeps the replay of her last stride in her first session; in her second session
that replay is offered as the earlier visit beside today's stride. Ben (no consent) cannot
keep one; with clips off on the device a guest cannot either.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from edge.live.replay_pack import unpack_clip
from edge.recording.store import SessionStore
from edge.runners.contact_frames import contact_frames
from tests.runners.conftest import AUTH, PIN, live_config, wait_for_session
from tests.support.replay_sessions import keep, last_stride, live


def test_kept_replay_is_a_clip_and_the_next_visits_reference(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    cfg = live_config(db)
    with live(cfg) as (c, _):
        ana = c.post(
            "/api/runners", json={"name": "Ana P.", "consent_clips": True}, headers=AUTH
        ).json()["id"]
        ben = c.post("/api/runners", json={"name": "Ben K."}, headers=AUTH).json()["id"]
        first_sid = wait_for_session(c)
        assert c.put("/api/live/runner", json={"runner_id": ana}, headers=AUTH).status_code == 200
        header = last_stride(c)
        # Without the PIN nothing is kept.
        body = {"first": header["frames"][0]["id"], "last": header["frames"][-1]["id"]}
        assert c.post("/api/replay/keep", json=body).status_code == 401
        r = keep(c, header, PIN)
        assert r.status_code == 202, r.text
        assert r.json()["frames"] == len(header["frames"])
        time.sleep(1.0)  # the clip is encoded on its own thread, then committed
        # A guest has no earlier visit to compare with; Ana has none yet either.
        refs = c.get("/api/replay/references", headers=AUTH).json()["references"]
        assert "earlier_visit" not in {x["kind"] for x in refs}
    with SessionStore(db) as store:
        clips = [x for x in store.clips(first_sid) if "replay" in x.reason.split(",")]
        assert len(clips) == 1
        kept = clips[0]
        # The frames of the replay, at their capture times.
        times = [f["t"] for f in header["frames"]]
        assert kept.n_frames == len(times)
        assert np.allclose(kept.frame_times, times, atol=1e-3)
        assert (store.clips_dir / kept.path).is_file()
        # The report's frames at contact start with the kept replay's landing, over its video.
        info = store.session(first_sid)
        frames = contact_frames(store, info)
        landing = header["contacts"][-1]["t"] - info.t_start_s
        on_replay = [f for f in frames if abs(f["t"] - landing) < 0.05]
        assert len(on_replay) == 1 and on_replay[0]["jpeg"] is not None

    # The second visit: the first visit's kept replay beside today's stride.
    with live(cfg) as (c, _):
        second_sid = wait_for_session(c)
        assert second_sid != first_sid
        assert c.put("/api/live/runner", json={"runner_id": ana}, headers=AUTH).status_code == 200
        # Review lists the kept replay with the first session's clips.
        listed = c.get(f"/api/review/sessions/{first_sid}", headers=AUTH).json()["clips"]
        assert [x["reason"] for x in listed if "replay" in x["reason"]] == ["replay"]
        refs = c.get("/api/replay/references", headers=AUTH).json()["references"]
        visit = [x for x in refs if x["kind"] == "earlier_visit"]
        assert len(visit) == 1 and visit[0]["label"].startswith("Visit of ")
        # Not without the PIN: it is a stored session.
        assert c.get("/api/replay/reference/earlier_visit").status_code == 401
        kinds = {x["kind"] for x in c.get("/api/replay/references").json()["references"]}
        assert "earlier_visit" not in kinds
        r = c.get("/api/replay/reference/earlier_visit", headers=AUTH)
        assert r.status_code == 200, r.text
        ref, jpegs = unpack_clip(r.content)
        assert len(jpegs) == len(times)
        assert np.allclose([f["t"] for f in ref["frames"]], times, atol=1e-3)
        # Its landmarks are the ones recorded for those frames, its landings the steps.
        assert all(f["lm"] is not None for f in ref["frames"])
        assert [x["frame"] for x in ref["contacts"]] == [x["frame"] for x in header["contacts"]]
        for mine, stored in zip(header["contacts"], ref["contacts"], strict=True):
            assert stored["metrics"]["overstride"]["value"] == pytest.approx(
                mine["metrics"]["overstride"]["value"], abs=1e-3
            )

        # Ben did not consent to clips: his replay is not kept, and says why.
        assert c.put("/api/live/runner", json={"runner_id": ben}, headers=AUTH).status_code == 200
        r = keep(c, last_stride(c), PIN)
        assert r.status_code == 409
        assert "consent" in r.json()["detail"]


def test_guest_replays_follow_the_clip_setting(tmp_path: Path) -> None:
    cfg = live_config(tmp_path / "sessions.db", clips=False)
    with live(cfg) as (c, _):
        wait_for_session(c)
        r = keep(c, last_stride(c), PIN)
        assert r.status_code == 409
        assert "recording.clips" in r.json()["detail"]
