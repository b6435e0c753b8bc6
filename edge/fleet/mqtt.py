"""Building a paho-mqtt client for a :class:`~edge.fleet.config.BrokerSpec` (device and hub)."""

from __future__ import annotations

import ssl
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.errors import ConfigError
from edge.fleet.config import BrokerSpec


def make_client(
    client_id: str,
    spec: BrokerSpec,
    *,
    clean_session: bool,
    tls_ca_file: Path | None = None,
    manual_ack: bool = False,
) -> mqtt.Client:
    """A client (not yet connected) for ``spec``: login and TLS set, reconnecting quickly."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
        manual_ack=manual_ack,
    )
    if spec.username:
        client.username_pw_set(spec.username, spec.password)
    if spec.tls:
        try:
            client.tls_set(
                ca_certs=str(tls_ca_file) if tls_ca_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"fleet.tls_ca_file: cannot use {tls_ca_file}: {exc} (a PEM CA certificate)"
            ) from None
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    return client


def stop_client(client: mqtt.Client) -> None:
    """Disconnect, stop the network thread and close the client's sockets now.

    paho 2.x closes the socket pair that wakes its network thread only when the client is
    garbage-collected; in a reference cycle (callbacks bound to their owner) that happens
    late, after the sockets were already reported as leaked. Close them here instead."""
    client.disconnect()
    client.loop_stop()
    reset = getattr(client, "_reset_sockets", None)
    if callable(reset):
        reset()
