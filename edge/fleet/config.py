"""Configuration of fleet reporting (``[fleet]``): the device publishes to an MQTT broker."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator

from edge.config.base import Section
from edge.errors import ConfigError
from edge.redact import redact_url

#: What a device id may contain: it is one level of an MQTT topic and a Home Assistant id.
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True, slots=True)
class BrokerSpec:
    """Where the broker is and how to log in (parsed from ``mqtt[s]://[user[:pass]@]host[:port]``)."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None


def parse_broker_url(url: str) -> BrokerSpec:
    """``mqtt://host[:port]`` (1883) or ``mqtts://host[:port]`` (TLS, 8883)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"broker URL {redact_url(url)!r}: {exc} (use mqtt://host:port)") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(
            f"broker URL {redact_url(url)!r}: use mqtt://host:port, or mqtts://host:port for TLS"
        )
    if parts.path not in ("", "/") or parts.query:
        raise ConfigError(
            f"broker URL {redact_url(url)!r}: no path or query allowed (mqtt://host:port)"
        )
    return BrokerSpec(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        tls=parts.scheme == "mqtts",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def sanitize_device_id(name: str) -> str:
    """A host name made usable as a topic level (dots and other signs become ``-``)."""
    out = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:64]
    return out or "device"


class FleetConfig(Section):
    enabled: bool = Field(
        False,
        description=(
            "Report to the gym's MQTT broker; a hub (treadwatch hub) stores every device's "
            "sessions. Needs recording.enabled: messages wait in the session database until "
            "the broker has them."
        ),
    )
    broker: str = Field(
        "mqtt://localhost:1883",
        description=(
            "The broker: mqtt://host:port, or mqtts://host:port for TLS (user:password@ "
            "in the URL also works)."
        ),
    )
    device_id: str | None = Field(
        None,
        description=(
            "This device's name in topics (treadwatch/<device_id>/...): letters, digits, _ "
            "and -. Empty: recording.device_id, else the host name."
        ),
    )
    username: str | None = Field(None, max_length=256, description="Broker user name.")
    password: SecretStr | None = Field(
        None, description="Broker password (never published, stored or shown)."
    )
    tls_ca_file: Path | None = Field(
        None,
        description="CA certificate for mqtts:// (PEM). Empty: the system's trusted CAs.",
    )
    status_interval_s: float = Field(
        5.0, ge=0.5, le=600.0, description="Publish the retained status at least this often."
    )
    outbox_max_mib: float = Field(
        256.0,
        ge=1.0,
        le=1048576.0,
        description=(
            "At most this many MiB of messages wait for the broker (about 20 MiB per hour a "
            "treadmill is in use while the broker is unreachable; the database takes about "
            "1.6x this on disk). When full, the oldest steps and alerts are dropped first "
            "(counted in the status; the sessions stay recorded here); session starts and "
            "ends are kept. Counts against recording.max_gib: at most a quarter of it."
        ),
    )
    homeassistant: bool = Field(
        False,
        description=(
            "Announce this device to Home Assistant (MQTT discovery): cadence, current cue, "
            "runner present."
        ),
    )
    discovery_prefix: str = Field(
        "homeassistant", min_length=1, max_length=64, description="Home Assistant discovery prefix."
    )

    @field_validator("broker")
    @classmethod
    def _check_broker(cls, v: str) -> str:
        try:
            parse_broker_url(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v

    @field_validator("device_id")
    @classmethod
    def _check_device_id(cls, v: str | None) -> str | None:
        if v is not None and not DEVICE_ID_RE.match(v):
            raise ValueError("use 1 to 64 letters, digits, _ or - (it is an MQTT topic level)")
        return v

    def broker_spec(self) -> BrokerSpec:
        spec = parse_broker_url(self.broker)
        user = self.username or spec.username
        password = self.password.get_secret_value() if self.password else spec.password
        return BrokerSpec(spec.host, spec.port, spec.tls, user, password)

    def resolved_device_id(self, recording_device_id: str | None = None) -> str:
        if self.device_id:
            return self.device_id
        return sanitize_device_id(recording_device_id or socket.gethostname() or "device")

    def outbox_max_bytes(self) -> int:
        return int(self.outbox_max_mib * 1024 * 1024)
