"""Home Assistant MQTT discovery: each device appears with cadence, current cue and runner
present, read from its retained status topic (``fleet.homeassistant = true``).

See https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery: a retained JSON config
on ``<prefix>/<component>/<node>/<object>/config`` creates the entity.
"""

from __future__ import annotations

import json

from edge import __version__
from edge.fleet import messages

#: Availability: the status topic holds JSON while the device is up, "offline" (lost) or
#: "stopped" (switched off) otherwise.
_AVAILABLE = "{{ 'offline' if value in ('offline', 'stopped') else 'online' }}"


def discovery_messages(device_id: str, prefix: str) -> list[tuple[str, str]]:
    """``(topic, payload)`` pairs to publish retained."""
    node = f"treadwatch_{device_id}"
    status = messages.topic(device_id, "status")
    device = {
        "identifiers": [node],
        "name": f"Treadmill {device_id}",
        "manufacturer": "treadwatch",
        "model": "running-form monitor",
        "sw_version": __version__,
    }
    common = {
        "state_topic": status,
        "availability_topic": status,
        "availability_template": _AVAILABLE,
        "device": device,
    }
    sensors = [
        (
            "sensor",
            "cadence",
            {
                "name": "Cadence",
                "unit_of_measurement": "steps/min",
                "state_class": "measurement",
                "icon": "mdi:run",
                "value_template": "{{ value_json.cadence_spm if value_json.state == 'running'"
                " else none }}",
            },
        ),
        (
            "sensor",
            "cue",
            {
                "name": "Current cue",
                "icon": "mdi:bullhorn",
                "value_template": "{{ value_json.cue or 'none' }}",
            },
        ),
        (
            "binary_sensor",
            "runner_present",
            {
                "name": "Runner present",
                "device_class": "occupancy",
                "payload_on": "ON",
                "payload_off": "OFF",
                "value_template": "{{ 'ON' if value_json.runner_present else 'OFF' }}",
            },
        ),
    ]
    out = []
    for component, obj, extra in sensors:
        config = {**common, **extra, "unique_id": f"{node}_{obj}", "object_id": f"{node}_{obj}"}
        out.append((f"{prefix}/{component}/{node}/{obj}/config", json.dumps(config)))
    return out
