"""``treadwatch hub``: store every device's sessions from the broker; board and review."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from edge.config.root import load_config
from edge.errors import ConfigError
from edge.redact import redact_url
from treadwatch.compose import hub_app, hub_broker, url_of, web_server


def _hub(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = load_config(args.config)
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port}: use 1 to 65535")
    server = config.server.model_copy(
        update={"port": args.port, "host": args.host or config.server.host}
    )
    app = hub_app(config, args.db, hub_broker(config, args.broker), args.client_id)
    url = redact_url(args.broker or config.fleet.broker)
    locked = server.settings_pin is None
    print(
        f"treadwatch hub: {url} -> {args.db}; board on {url_of(server)}"
        + ("  (review locked: no server.settings_pin)" if locked else ""),
        flush=True,
    )
    web_server(app, server).run()
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
        help="config file: server.settings_pin (review PIN), server TLS and limits, [fleet] "
        "login and TLS, recording.retention_days and recording.max_gib (how long and how "
        "much the hub keeps)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_hub)
