"""The hub's checks of what a device sent, without a broker: messages built by the device's
own code come back as the records it stored; an older device's messages are accepted; each
kind of bad payload is refused with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.fleet import messages
from edge.gait.records import AlertRecord, MetricValue, StrideRecord
from edge.recording.codec import metrics_from_json
from server.fleet.validate import (
    BadMessageError,
    SessionEnd,
    SessionStart,
    parse_alert,
    parse_envelope,
    parse_session,
    parse_status,
    parse_step,
    parse_topic,
)

STRIDE = StrideRecord(
    7,
    "left",
    412,
    13.25,
    {
        "cadence_spm": MetricValue(171.5, "spm", 0.9),
        "foot_strike": MetricValue(None, "", 0.0, reason="foot not seen", label="rearfoot"),
    },
)
ALERT = AlertRecord("cleared", "overstride", "land under your hips", 0.08, 7, 13.3, 2, "good")


def _wire(uid: str, seq: int, body: dict[str, Any]) -> bytes:
    return messages.dumps(messages.envelope("dev-a", uid, seq, body)).encode()


def test_device_messages_come_back_as_the_records_the_device_stored() -> None:
    data, uid, seq = parse_envelope("step", _wire("u-1", 3, messages.step(STRIDE)))
    assert (uid, seq) == ("u-1", 3)
    step = parse_step(data)
    assert (step.index, step.foot, step.frame_index, step.t_s) == (7, "left", 412, 13.25)
    assert metrics_from_json(step.metrics_json) == STRIDE.metrics

    data, _, _ = parse_envelope("alert", _wire("u-1", 4, messages.alert(ALERT)))
    assert parse_alert(data) == ALERT

    start = messages.session_start("u-1", 10.0, 1.7e9, {"gait": {"view": "side"}})
    data, _, seq = parse_envelope("session", _wire("u-1", 0, start))
    assert seq == 0
    assert parse_session(data) == SessionStart(10.0, 1.7e9, {"gait": {"view": "side"}})

    end = messages.session_end(
        20.5, 1.7e9 + 10, "stopped", frames=300, frames_unstored=4, steps=1, alerts=1
    )
    data, _, _ = parse_envelope("session", _wire("u-1", 5, end))
    assert parse_session(data) == SessionEnd(20.5, 1.7e9 + 10, "stopped", 300, 4)


def test_an_older_devices_messages_are_accepted() -> None:
    old_alert = {k: v for k, v in messages.alert(ALERT).items() if k != "feedback"}
    data, _, _ = parse_envelope("alert", _wire("u-1", 1, {**old_alert, "extra": [1]}))
    assert parse_alert(data).feedback is None
    # An end without a summary keeps the counts unknown; no reason reads "ended".
    end = {"event": "end", "t_s": 2.0, "ended_at": 5.0}
    assert parse_session(end) == SessionEnd(2.0, 5.0, "ended", None, None)


def test_topics_and_statuses() -> None:
    assert parse_topic("treadwatch/dev-a/step") == ("dev-a", "step")
    for bad in ("treadwatch/dev-a", "other/dev-a/step", "treadwatch/dev a/step"):
        with pytest.raises(BadMessageError, match="unexpected topic"):
            parse_topic(bad)
    assert parse_status(b"offline") is None and parse_status(b"  ") is None
    assert parse_status(b"stopped") is None  # switched off cleanly: no status either
    assert parse_status(b'{"state": "idle"}') == {"state": "idle"}
    with pytest.raises(BadMessageError, match="neither JSON"):
        parse_status(b"{oops")
    with pytest.raises(BadMessageError, match="not a JSON object"):
        parse_status(b"[1]")


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("strides", b"{}", "unknown message kind"),
        ("step", b"{not json", "not JSON"),
        ("step", b"[1, 2]", "not a JSON object"),
        ("step", json.dumps({"v": 99, "session": "u", "seq": 1}).encode(), "newer"),
        ("step", json.dumps({"v": 1, "session": "", "seq": 1}).encode(), "no session uid"),
        ("step", json.dumps({"v": 1, "session": "u", "seq": "1"}).encode(), "no session uid"),
    ],
)
def test_bad_envelopes(kind: str, payload: bytes, reason: str) -> None:
    with pytest.raises(BadMessageError, match=reason):
        parse_envelope(kind, payload)


GOOD_STEP = messages.step(STRIDE)
GOOD_ALERT = messages.alert(ALERT)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**GOOD_STEP, "t_s": True}, "t_s is not a number"),
        ({**GOOD_STEP, "foot": "middle"}, "foot"),
        ({**GOOD_STEP, "index": 1.5}, "foot"),
        ({**GOOD_STEP, "frame_index": None}, "frame_index and metrics"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": 171}}, "is not {value, unit"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": "fast"}}}, "value is not a number"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": False}}}, "value is not a number"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"unit": 3}}}, "unit is not text"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": float("nan")}}}, "bad metrics"),
    ],
)
def test_bad_steps(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadMessageError, match=reason):
        parse_step(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**GOOD_ALERT, "state": "on"}, "state"),
        ({**GOOD_ALERT, "rule": None}, "state"),
        ({**GOOD_ALERT, "cue": 5}, "cue and stride_index"),
        ({**GOOD_ALERT, "priority": "high"}, "priority"),
        ({**GOOD_ALERT, "value": "big"}, "value is not a number"),
        ({**GOOD_ALERT, "feedback": 1}, "feedback is not text"),
    ],
)
def test_bad_alerts(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadMessageError, match=reason):
        parse_alert(body)


def test_bad_session_events() -> None:
    with pytest.raises(BadMessageError, match="unknown session event"):
        parse_session({"event": "pause", "t_s": 1.0})
    with pytest.raises(BadMessageError, match="started_at is not a number"):
        parse_session({"event": "start", "t_s": 1.0})
    with pytest.raises(BadMessageError, match="ended_at is not a number"):
        parse_session({"event": "end", "t_s": 1.0, "ended_at": "later"})
