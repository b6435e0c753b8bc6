"""The recorder and the runner of the session being recorded: written with the session,
and without consent no clip of it is kept, including clips cut before the runner was
known (synthetic frames through the real Recorder into a real SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.errors import StorageError
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from edge.runners import store as runners
from tests.recording.synth import SynthSession, recording_config


def _record(tmp: Path, keep_clips: bool, set_after_s: float) -> tuple[int, int, SynthSession]:
    db = tmp / "sessions.db"
    with SessionStore(db) as store:
        rid = runners.add_runner(store, "Dee", consent_clips=keep_clips)
    rec = Recorder(recording_config(tmp, clips=True, clip_before_s=0.5, clip_after_s=0.5))
    synth = SynthSession(duration_s=8.0, jpeg_size=(96, 72), alert_every=4)
    rec.session_started("s", synth.t0, {})
    runner_set = False
    for pose, update, jpeg in synth:
        if not runner_set and pose.timestamp_s - synth.t0 >= set_after_s:
            assert rec.flush()  # the clips cut so far are committed
            runner_set = True
            rec.set_runner(rid, keep_clips=keep_clips)
        rec.frame(pose, update, jpeg)
    rec.session_ended(synth.t_end)
    rec.close()
    with SessionStore(db) as store:
        (info,) = store.list_sessions()
    return info.id, rid, synth


@pytest.mark.parametrize("keep_clips", [True, False])
def test_runner_set_mid_session(tmp_path: Path, keep_clips: bool) -> None:
    sid, rid, synth = _record(tmp_path, keep_clips, set_after_s=5.0)
    raised = [a for a in synth.alerts if a.state == "raised"]
    before = [a for a in raised if a.t_s - synth.t0 < 4.4]  # clips cut and committed by 5 s
    assert len(before) >= 2 and len(raised) > len(before)
    with SessionStore(tmp_path / "sessions.db") as store:
        assert runners.session_runner(store, sid) == rid
        clips = store.clips(sid)
        assert len(store.strides(sid)) == len(synth.strides)  # the numbers are all kept
    files = sorted((tmp_path / "clips").rglob("*.*"))
    if keep_clips:
        assert len(clips) >= len(before) + 1
        assert len(files) == len(clips)
    else:
        assert clips == []
        assert files == []
        assert not (tmp_path / "clips" / str(sid)).exists()


def test_a_runner_is_not_deleted_while_recorded(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        rid = runners.add_runner(store, "Eli")
        with store.transaction():
            sid = store.begin_session("u", "pi", 0.0, {})
        runners.assign_session(store, sid, rid)
        with pytest.raises(StorageError, match=f"session {sid} of this runner is being recorded"):
            runners.delete_runner(store, rid, "delete")
        with store.transaction():
            store.end_session(sid, 1.0, reason="ended")
        assert runners.delete_runner(store, rid, "delete")["sessions_deleted"] == 1
        assert store.list_sessions() == []
        with pytest.raises(ValueError, match="needs a name"):
            runners.add_runner(store, " \t ")


def test_anonymising_forgets_a_videos_file_name(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db") as store:
        rid = runners.add_runner(store, "Fay")
        with store.transaction():
            sid = store.begin_session(
                "analyze:fay_run.mov", "pi", 0.0, {}, source="analyze", source_name="fay_run.mov"
            )
            store.end_session(sid, 1.0, reason="ended")
        runners.assign_session(store, sid, rid)
        done = runners.delete_runner(store, rid, "anonymise")
        assert done == {"sessions_deleted": 0, "sessions_anonymised": 1, "clips_deleted": 0}
        info = store.session(sid)
        assert (info.uid, info.source_name) == (f"anonymised:{sid}", None)
        assert runners.session_runner(store, sid) is None
