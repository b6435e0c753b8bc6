"""``treadwatch serve`` (the live page) and ``treadwatch run --headless`` (no server)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from edge.config import Config, load_config
from edge.errors import TreadwatchError
from edge.live.capture import open_source
from edge.live.frames import FrameSource
from edge.live.pipeline import Estimator, EstimatorFactory, LivePipeline
from edge.live.sink import PipelineSink, close_sinks, load_sinks
from edge.pose.config import PoseConfig
from edge.saved_settings import apply_saved, settings_path

log = logging.getLogger("treadwatch")


def _base_config(args: argparse.Namespace) -> Config:
    """The config file (or defaults), with the command line's source."""
    config = load_config(args.config)
    if args.source is not None:
        config = config.model_copy(
            update={"capture": config.capture.model_copy(update={"source": args.source})}
        )
    return config


def _with_saved_settings(base: Config) -> Config:
    """``base`` with the settings saved from the page laid over it (see edge.saved_settings)."""
    config, warning = apply_saved(base, settings_path(base))
    if warning:
        log.warning("%s", warning)
    return config


def _config(args: argparse.Namespace) -> Config:
    return _with_saved_settings(_base_config(args))


def _estimator_factory(config: Config, source: FrameSource) -> EstimatorFactory | None:
    """Load the pose model now (a missing model is a one-line error at start, not per
    frame), and hand that instance to the pipeline first."""
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


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    _logging(args.verbose)
    base = _base_config(args)
    server = base.server.model_copy(
        update={k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    )
    base = base.model_copy(update={"server": server})
    config = _with_saved_settings(base)
    source = open_source(config.capture.source, config.capture)
    factory = _estimator_factory(config, source)
    sinks: list[PipelineSink] = load_sinks(config, headless=False)
    app = create_app(
        config,
        source,
        sinks=sinks,
        estimator_factory=factory,
        base_config=base,
        settings_file=settings_path(base),
    )
    print(
        f"treadwatch: serving {source.name} on http://{server.host}:{server.port}/"
        + ("  (settings locked: no server.settings_pin)" if server.settings_pin is None else "")
    )
    try:
        uvicorn.run(
            app,
            host=server.host,
            port=server.port,
            log_level="warning",
            timeout_graceful_shutdown=3,
            ws_ping_interval=10.0,
            ws_ping_timeout=20.0,
        )
    finally:
        close_sinks(sinks)
    return 0


def _status_line(status: dict[str, Any]) -> str:
    src, cap, ana, lat = (
        status["source"],
        status["capture"],
        status["analysis"],
        status["latency_ms"],
    )
    inf = ana["inference_ms"]
    return (
        f"{src['state']:8s} in {cap['fps']:5.1f} fps  out {ana['fps']:5.1f} fps  "
        f"dropped {cap['dropped']}  inference {'-' if inf is None else f'{inf:.1f}'} ms  "
        f"latency p95 {lat['capture_to_publish_p95']} ms  "
        f"session {'on' if status['session']['active'] else 'off'}"
    )


def _run(args: argparse.Namespace) -> int:
    _logging(args.verbose)
    config = _config(args)
    source = open_source(config.capture.source, config.capture)
    factory = _estimator_factory(config, source)
    sinks = load_sinks(config, headless=True)
    pipeline = LivePipeline(config, source, sinks=sinks, estimator_factory=factory)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    pipeline.start()
    started = time.monotonic()
    next_print = started + args.status_every
    try:
        while not stop.is_set():
            if pipeline.wait(timeout=0.2):
                break  # the source ended (a video file)
            now = time.monotonic()
            if args.duration is not None and now - started >= args.duration:
                break
            if args.status_every > 0 and now >= next_print:
                print(_status_line(pipeline.status()), flush=True)
                next_print = now + args.status_every
    except KeyboardInterrupt:
        pass
    finally:
        pipeline.stop()
        close_sinks(sinks)
        signal.signal(signal.SIGTERM, previous)
    status = pipeline.status()
    print(_status_line(status))
    if status["source"]["state"] == "failed":
        raise TreadwatchError(status["source"]["message"] or "the frame source failed")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the live page (camera → pose → gait → tablet)")
    p.add_argument(
        "--source",
        default=None,
        help="demo | camera | camera:N | picamera | PATH | URL (default: capture.source)",
    )
    p.add_argument("--host", default=None, help="listen address (default: server.host)")
    p.add_argument("--port", type=int, default=None, help="port (default: server.port)")
    p.add_argument("--config", type=Path, default=None, help="config file (TOML)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_serve)

    p = sub.add_parser("run", help="run the pipeline without the web server (session logging)")
    p.add_argument(
        "--headless",
        action="store_true",
        default=True,
        help="no web server (the only mode; accepted for clarity)",
    )
    p.add_argument("--source", default=None, help="demo | camera | picamera | PATH | URL")
    p.add_argument("--config", type=Path, default=None, help="config file (TOML)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument(
        "--status-every", type=float, default=10.0, help="print a status line every N s (0: off)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_run)
