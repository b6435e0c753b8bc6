"""The praise shown when a cue clears reaches the hub: the device's outbox carries it in the
alert message, and the hub stores it with the alert, so a session reviewed on the hub shows
what the runner was told, as the device's own review does."""

from __future__ import annotations

import json
from pathlib import Path

from edge.fleet.config import parse_broker_url
from edge.fleet.outbox import OutboxWriter
from edge.recording.recorder import Recorder
from edge.recording.store import SessionStore
from server.fleet.ingest import HubIngest
from tests.fleet.broker import Mosquitto
from tests.fleet.test_fleet_parts import _publish_all, wait_for
from tests.recording.synth import SynthSession, recording_config

PRAISE = "good: landing under your hips"


def test_praise_goes_through_the_outbox_to_the_hub(tmp_path: Path, mosquitto: Mosquitto) -> None:
    device = tmp_path / "device"
    device.mkdir()
    rec = Recorder(recording_config(device), commit_hooks=(OutboxWriter("dev-p"),))
    synth = SynthSession(duration_s=10.0, gap=None, fault_steps=20)
    rec.session_started("p-1", synth.t0, {})
    for f in synth:
        rec.frame(*f)
    rec.session_ended(synth.t_end)
    assert rec.flush()
    rec.close()
    with SessionStore(rec.db_path) as store:
        rows = store.conn.execute("SELECT topic, payload FROM fleet_outbox ORDER BY seq")
        queued = rows.fetchall()
        own = store.alerts(store.session("p-1").id)
    assert [(a.state, a.stride_index, a.feedback) for a in own] == [
        ("raised", 13, None),
        ("cleared", 24, PRAISE),
    ]
    alerts = [json.loads(p) for t, p in queued if t.endswith("/alert")]
    assert [(a["state"], a["stride_index"], a["t_s"], a["feedback"]) for a in alerts] == [
        ("raised", 13, own[0].t_s, None),
        ("cleared", 24, own[1].t_s, PRAISE),
    ]

    hub = HubIngest(tmp_path / "hub.db", parse_broker_url(mosquitto.url), client_id="hub-p")
    hub.start()
    try:
        wait_for(hub.connected.is_set, 10.0, "the hub to subscribe")
        _publish_all(mosquitto.port, queued)
        wait_for(lambda: hub.stats.received == len(queued) and hub.idle(), 10.0, "the hub")
    finally:
        hub.close()
    assert hub.stats.bad == 0
    with SessionStore(tmp_path / "hub.db") as store:
        at_hub = store.alerts(store.session("p-1").id)
    assert at_hub == own
