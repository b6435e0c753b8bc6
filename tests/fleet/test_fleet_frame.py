"""The session's frame size reaches the hub: the device's start message carries it (an
optional field: an older device's start without it is still accepted), and the hub keeps it
with its copy, so re-analysis, the review replay and the report there keep the frame's
shape (a portrait phone is not squashed into a square)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from edge.fleet import messages
from edge.fleet.outbox import OutboxWriter
from edge.recording.export import frame_size
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from edge.wire import SessionStartWire
from server.fleet.hub_sessions import HubSessions
from server.fleet.validate import BadMessageError, parse_envelope, parse_session
from tests.recording.synth import SynthSession, recording_config


def _start_message(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT topic, payload FROM fleet_outbox ORDER BY seq").fetchall()
    finally:
        conn.close()
    (payload,) = [p for t, p in rows if str(t).endswith("/session") and '"start"' in p]
    return dict(json.loads(payload))


def _at_hub(tmp_path: Path, start: dict[str, Any]) -> dict[str, Any]:
    data, uid, _ = parse_envelope("session", messages.dumps(start).encode())
    msg = parse_session(data)
    assert isinstance(msg, SessionStartWire)
    with SessionStore(tmp_path / "hub.db") as store:
        with store.transaction():
            HubSessions(store).session("dev-a", uid, msg, 1.7e9)
        (info,) = store.list_sessions()
        return dict(info.settings)


def test_the_frame_size_goes_with_the_session_to_the_hub(tmp_path: Path) -> None:
    writer = OutboxWriter("dev-a")
    rec = Recorder(recording_config(tmp_path / "dev"), commit_hooks=(writer,))
    synth = SynthSession(duration_s=3.0, gap=None)
    # a portrait phone's frames, as the live pipeline keeps them with the session
    rec.session_started("s-1", synth.t0, {"frame": {"width": 720, "height": 1280}})
    for pose, update, jpeg in synth:
        rec.frame(pose, update, jpeg)
    rec.session_ended(synth.t_end)
    assert rec.flush()
    rec.close()
    start = _start_message(rec.db_path)
    assert start["frame"] == {"width": 720, "height": 1280}
    # the hub keeps the frame even where a device's settings snapshot is left out
    start["settings"] = {}
    assert frame_size(_at_hub(tmp_path, start)) == (720, 1280)


def test_an_older_devices_start_without_a_frame_is_accepted(tmp_path: Path) -> None:
    body = {"event": "start", "t_s": 10.0, "started_at": 1.7e9, "settings": {"x": 1}}
    start = messages.envelope("dev-a", "u-old", 0, body)
    settings = _at_hub(tmp_path, start)
    assert settings == {"x": 1} and frame_size(settings) is None
    assert "frame" not in messages.session_start("u-new", 10.0, 1.7e9, {})  # size unknown
    odd = messages.envelope("dev-a", "u-odd", 0, {**body, "frame": {"width": "wide"}})
    with pytest.raises(BadMessageError, match="frame"):
        parse_session(parse_envelope("session", messages.dumps(odd).encode())[0])
