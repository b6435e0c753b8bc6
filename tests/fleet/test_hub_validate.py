"""The hub's checks of what a device sent, without a broker: messages built by the device's
own code come back as the records it stored; an older device's messages are accepted; each
kind of bad payload is refused with a reason."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from edge.fleet import messages
from edge.gait.records import AlertRecord, MetricValue, StrideRecord
from edge.wire import (
    SessionEndWire,
    SessionStartWire,
    SessionSummaryWire,
    metrics_from_json,
    metrics_to_json,
)
from server.fleet.validate import (
    BadMessageError,
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
    assert step.to_record() == STRIDE
    # Stored as the device stores it: the same metrics JSON, byte for byte.
    assert step.metrics_json() == metrics_to_json(STRIDE.metrics)
    assert metrics_from_json(step.metrics_json()) == STRIDE.metrics

    data, _, _ = parse_envelope("alert", _wire("u-1", 4, messages.alert(ALERT)))
    assert parse_alert(data).to_record() == ALERT

    start = messages.session_start("u-1", 10.0, 1.7e9, {"gait": {"view": "side"}})
    data, _, seq = parse_envelope("session", _wire("u-1", 0, start))
    assert seq == 0
    assert parse_session(data) == SessionStartWire(
        t_s=10.0, started_at=1.7e9, settings={"gait": {"view": "side"}}
    )

    end = messages.session_end(
        20.5, 1.7e9 + 10, "stopped", frames=300, frames_unstored=4, steps=1, alerts=1
    )
    data, _, _ = parse_envelope("session", _wire("u-1", 5, end))
    summary = SessionSummaryWire(frames=300, frames_unstored=4, steps=1, alerts=1)
    assert parse_session(data) == SessionEndWire(
        t_s=20.5, ended_at=1.7e9 + 10, reason="stopped", summary=summary
    )


def test_an_older_devices_messages_are_accepted() -> None:
    old_alert = {k: v for k, v in messages.alert(ALERT).items() if k != "feedback"}
    data, _, _ = parse_envelope("alert", _wire("u-1", 1, {**old_alert, "extra": [1]}))
    assert parse_alert(data).to_record() == dataclasses.replace(ALERT, feedback=None)
    # An end without a summary keeps the counts unknown; no reason reads "ended".
    end = parse_session({"event": "end", "t_s": 2.0, "ended_at": 5.0})
    assert isinstance(end, SessionEndWire) and end.reason == "ended"
    assert end.summary.frames is None
    # A status without the fields added later.
    assert parse_status(b'{"v": 1, "state": "idle", "fps": 30}') == {
        "v": 1,
        "state": "idle",
        "fps": 30.0,
    }


def test_topics_and_statuses() -> None:
    assert parse_topic("treadwatch/dev-a/step") == ("dev-a", "step")
    for bad in ("treadwatch/dev-a", "other/dev-a/step", "treadwatch/dev a/step"):
        with pytest.raises(BadMessageError, match="unexpected topic"):
            parse_topic(bad)
    assert parse_status(b"offline") is None and parse_status(b"  ") is None
    assert parse_status(b"stopped") is None  # switched off cleanly: no status either
    assert parse_status(b'{"state": "idle"}') == {"v": 1, "state": "idle"}
    with pytest.raises(BadMessageError, match="status is not JSON"):
        parse_status(b"{oops")
    with pytest.raises(BadMessageError, match="fps: Input should be a valid number"):
        parse_status(b'{"state": "idle", "fps": "fast"}')
    with pytest.raises(BadMessageError, match="not a JSON object"):
        parse_status(b"[1]")


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("strides", b"{}", "unknown message kind"),
        ("step", b"{not json", "payload is not JSON"),
        ("step", b"[1, 2]", "payload is not a JSON object"),
        ("step", json.dumps({"v": 99, "session": "u", "seq": 1}).encode(), "newer"),
        ("step", json.dumps({"session": "u", "seq": 1}).encode(), "v: Field required"),
        ("step", json.dumps({"v": 1, "session": "", "seq": 1}).encode(), "session: String"),
        ("step", json.dumps({"v": 1, "session": "u", "seq": "1"}).encode(), "seq: Input"),
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
        ({**GOOD_STEP, "t_s": True}, "t_s: Input should be a valid number"),
        ({**GOOD_STEP, "t_s": "13.2"}, "t_s: Input should be a valid number"),
        ({**GOOD_STEP, "foot": "middle"}, "foot: Input should be 'left' or 'right'"),
        ({**GOOD_STEP, "index": 1.5}, "index: Input should be a valid integer"),
        ({**GOOD_STEP, "frame_index": None}, "frame_index: Input should be a valid integer"),
        ({k: v for k, v in GOOD_STEP.items() if k != "metrics"}, "metrics: Field required"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": 171}}, "metrics.cadence_spm: Input"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": "fast"}}}, "cadence_spm.value"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": False}}}, "cadence_spm.value"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"unit": 3}}}, "cadence_spm.unit"),
        ({**GOOD_STEP, "metrics": {"cadence_spm": {"value": float("nan")}}}, "finite number"),
    ],
)
def test_bad_steps(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadMessageError, match=reason):
        parse_step(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**GOOD_ALERT, "state": "on"}, "state: Input should be 'raised' or 'cleared'"),
        ({**GOOD_ALERT, "rule": None}, "rule: Input should be a valid string"),
        ({**GOOD_ALERT, "cue": 5}, "cue: Input should be a valid string"),
        ({**GOOD_ALERT, "priority": "high"}, "priority: Input should be a valid integer"),
        ({**GOOD_ALERT, "value": "big"}, "value: Input should be a valid number"),
        ({**GOOD_ALERT, "feedback": 1}, "feedback: Input should be a valid string"),
    ],
)
def test_bad_alerts(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadMessageError, match=reason):
        parse_alert(body)


def test_bad_session_events() -> None:
    with pytest.raises(BadMessageError, match="unknown session event"):
        parse_session({"event": "pause", "t_s": 1.0})
    with pytest.raises(BadMessageError, match="started_at: Field required"):
        parse_session({"event": "start", "t_s": 1.0})
    with pytest.raises(BadMessageError, match="ended_at: Input should be a valid number"):
        parse_session({"event": "end", "t_s": 1.0, "ended_at": "later"})


def test_device_payloads_are_byte_for_byte_the_first_schema() -> None:
    """Hubs already deployed parse these bytes: the wire models must not change them."""
    assert messages.dumps(messages.envelope("d", "u", 1, messages.step(STRIDE))) == (
        '{"v":1,"device":"d","session":"u","seq":1,"index":7,"foot":"left","frame_index":412,'
        '"t_s":13.25,"metrics":{"cadence_spm":{"value":171.5,"unit":"spm","confidence":0.9},'
        '"foot_strike":{"unit":"","confidence":0.0,"reason":"foot not seen","label":"rearfoot"}}}'
    )
    nan_alert = dataclasses.replace(ALERT, value=float("nan"), feedback=None)
    assert messages.dumps(messages.alert(nan_alert)) == (
        '{"state":"cleared","rule":"overstride","cue":"land under your hips","value":null,'
        '"stride_index":7,"t_s":13.3,"priority":2,"feedback":null}'
    )
    status = messages.status_payload(
        state="running",
        runner_present=True,
        fps=29.97,
        health="ok",
        session="s",
        cue=None,
        cadence_spm=171.26,
        outbox=3,
        wall=1.7e9 + 0.12345,
    )
    assert messages.dumps(status) == (
        '{"v":1,"state":"running","runner_present":true,"fps":30.0,"health":"ok","session":"s",'
        '"cue":null,"cadence_spm":171.3,"outbox":3,"outbox_dropped":0,"t":1700000000.123}'
    )
    end = messages.session_end(1.5, 2.5, "ended", frames=3, frames_unstored=0, steps=1, alerts=0)
    assert messages.dumps(end) == (
        '{"event":"end","t_s":1.5,"ended_at":2.5,"reason":"ended",'
        '"summary":{"frames":3,"frames_unstored":0,"steps":1,"alerts":0}}'
    )
