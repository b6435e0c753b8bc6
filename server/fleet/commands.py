"""``treadwatch hub``: store every device's sessions from the broker; board and review."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from edge.config import load_config
from edge.errors import ConfigError
from edge.fleet.config import BrokerSpec, parse_broker_url


def _hub(args: argparse.Namespace) -> int:
    import uvicorn

    from server.fleet.app import create_hub_app
    from server.fleet.ingest import HubIngest

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = load_config(args.config)
    fleet = config.fleet
    url = args.broker or fleet.broker
    if args.broker is None:
        spec = fleet.broker_spec()
    else:
        spec = parse_broker_url(args.broker)
        if spec.username is None and fleet.username:  # login from the config file
            secret = fleet.password.get_secret_value() if fleet.password else None
            spec = BrokerSpec(spec.host, spec.port, spec.tls, fleet.username, secret)
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port}: use 1 to 65535")
    rec = config.recording
    ingest = HubIngest(
        args.db,
        spec,
        client_id=args.client_id,
        tls_ca_file=fleet.tls_ca_file,
        retention_days=rec.retention_days,
        max_bytes=int(rec.max_gib * 1024**3),
        retention_interval_s=rec.retention_interval_s,
    )
    app = create_hub_app(args.db, config.server, ingest)
    host = args.host or config.server.host
    locked = config.server.settings_pin is None
    print(
        f"treadwatch hub: {url} -> {args.db}; board on http://{host}:{args.port}/"
        + ("  (review locked: no server.settings_pin)" if locked else ""),
        flush=True,
    )
    uvicorn.run(app, host=host, port=args.port, log_level="warning", timeout_graceful_shutdown=3)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "hub", help="the fleet hub: store every device's sessions from the MQTT broker"
    )
    p.add_argument(
        "--broker", default=None, help="mqtt://host:port or mqtts://… (default: fleet.broker)"
    )
    p.add_argument("--db", type=Path, required=True, help="the hub's session database")
    p.add_argument("--port", type=int, default=8080, help="web port (default 8080)")
    p.add_argument("--host", default=None, help="listen address (default: server.host)")
    p.add_argument(
        "--client-id",
        default="treadwatch-hub",
        help="MQTT client id; the broker keeps this hub's queue under it while it is down",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file: server.settings_pin (review PIN), [fleet] login and TLS, "
        "recording.retention_days and recording.max_gib (how long and how much the hub keeps)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_hub)
