"""Building the device and the hub from their configuration (see :mod:`treadwatch`).

A frame's path, and who builds each stage here: the source (:func:`open_device`:
``edge.live.capture.open_source``) → the capture thread and the analysis thread of
``edge.live.pipeline.LivePipeline`` (pose: ``models.resolve.pose_engine``; gait:
``edge.gait``) → the sinks (:func:`edge.recording.live.make_sinks`: recorder, fleet
publisher) and the listeners of the web app (``server.hub.LiveHub`` for the WebSocket,
``server.hub.VideoHub`` for MJPEG), made by :func:`device_app`; :func:`web_server` runs
either app with the same limits, timeouts and TLS (``server.limits.uvicorn_options``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.config.root import Config
from edge.config.saved import settings_path
from edge.fleet.config import BrokerSpec, parse_broker_url
from edge.live.capture import open_source
from edge.live.config import ServerConfig
from edge.live.frames import FrameSource
from edge.live.pipeline import LivePipeline
from edge.live.stages import Estimator, EstimatorFactory
from edge.pose.config import PoseConfig
from edge.recording.live import LiveSinks, make_sinks

if TYPE_CHECKING:  # the web stack is loaded only by the commands that serve
    from fastapi import FastAPI

log = logging.getLogger("treadwatch")


@dataclass
class Device:
    """What the device runs, opened from its configuration (the page's saved settings laid
    over the config file): the source, the sinks and the pose model."""

    config: Config
    source: FrameSource
    sinks: LiveSinks
    estimator_factory: EstimatorFactory | None

    def close(self) -> None:
        """After the pipeline stopped: close the recorder and the publisher."""
        self.sinks.close()

    def where(self) -> str:
        """Where sessions go, for the start-up line."""
        if self.sinks.recorder is not None:
            return f"recording sessions to {self.sinks.recorder.db_path}"
        if not self.config.recording.enabled:
            return "not recording (recording.enabled = false)"
        return "not recording (the session database cannot be opened; see the log)"


def estimator_factory(config: Config, source: FrameSource) -> EstimatorFactory | None:
    """Load the pose model now (a missing model is a one-line error at start, not per
    frame), and hand that instance to the pipeline first. None for a simulated source
    (it carries its own landmarks)."""
    if source.simulated:
        return None
    from models.resolve import pose_engine

    models_dir = config.models.cache_dir
    first: list[Estimator] = [pose_engine(config.pose, models_dir)]

    def make(cfg: PoseConfig) -> Estimator:
        if first and cfg == config.pose:
            return first.pop()
        engine: Estimator = pose_engine(cfg, models_dir)
        return engine

    return make


def open_device(config: Config, *, recording_required: bool) -> Device:
    """Open the frame source, load the pose model and make the sinks.

    ``recording_required`` (``treadwatch run``): a session database that cannot be opened
    stops the start; otherwise (``serve``) the page runs without recording."""
    source = open_source(config.capture.source, config.capture)
    factory = estimator_factory(config, source)
    sinks = make_sinks(config, required=recording_required)
    return Device(config, source, sinks, factory)


def headless_pipeline(device: Device) -> LivePipeline:
    """The live pipeline with no web app (``treadwatch run``): sinks only."""
    return LivePipeline(
        device.config,
        device.source,
        sinks=device.sinks.all(),
        estimator_factory=device.estimator_factory,
    )


def device_app(device: Device, base: Config) -> FastAPI:
    """The device's web app (live page, settings, review) over ``device``'s pipeline;
    settings changed on the page are saved beside the sessions as differences from
    ``base`` (the config file)."""
    from server.app import create_app

    return create_app(
        device.config,
        device.source,
        sinks=device.sinks,
        estimator_factory=device.estimator_factory,
        base_config=base,
        settings_file=settings_path(base),
    )


def hub_broker(config: Config, url: str | None) -> BrokerSpec:
    """The broker the hub reads: ``url`` (``--broker``) or ``fleet.broker``; the login of
    ``[fleet]`` when the URL has none."""
    fleet = config.fleet
    if url is None:
        return fleet.broker_spec()
    spec = parse_broker_url(url)
    if spec.username is None and fleet.username:
        secret = fleet.password.get_secret_value() if fleet.password else None
        spec = BrokerSpec(spec.host, spec.port, spec.tls, fleet.username, secret)
    return spec


def hub_app(config: Config, db: Path, broker: BrokerSpec, client_id: str) -> FastAPI:
    """The fleet hub's web app over ``db``, filled from ``broker`` by its ingest (started
    and stopped with the app)."""
    from server.fleet.app import create_hub_app
    from server.fleet.ingest import HubIngest

    rec = config.recording
    ingest = HubIngest(
        db,
        broker,
        client_id=client_id,
        tls_ca_file=config.fleet.tls_ca_file,
        retention_days=rec.retention_days,
        max_bytes=int(rec.max_gib * 1024**3),
    )
    return create_hub_app(db, config.server, ingest)


def web_server(app: FastAPI, server: ServerConfig, *, own_signals: bool = False) -> Any:
    """A uvicorn server for ``app`` on ``server.host:server.port`` with the connection
    limits, timeouts and TLS of ``server`` (the same for the device and the hub).

    ``own_signals``: SIGTERM/SIGINT are handled by the caller (``serve``: a stop ends it
    like a normal one and the sinks close; uvicorn would re-raise the signal after its
    shutdown, killing the process before the session is closed)."""
    import uvicorn

    from server.limits import uvicorn_options

    config = uvicorn.Config(
        app,
        host=server.host,
        port=server.port,
        log_level="warning",
        log_config=None,  # our handlers (with the repeat filter) print uvicorn's lines
        **uvicorn_options(server),
    )
    if not own_signals:
        return uvicorn.Server(config)

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the command's own stop signals are installed for its whole run

    return Server(config)


def url_of(server: ServerConfig) -> str:
    scheme = "https" if server.tls_certfile is not None else "http"
    return f"{scheme}://{server.host}:{server.port}/"
