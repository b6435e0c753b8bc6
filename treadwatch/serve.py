"""``treadwatch serve`` (the live page) and ``treadwatch run`` (recording, no web server)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from edge.config.root import Config, load_config
from edge.config.saved import apply_saved, settings_path
from edge.datalock import DataDirLock
from edge.errors import TreadwatchError
from edge.system import (
    PipelineWatchdog,
    SystemdNotifier,
    pipeline_progress,
    raise_nofile_limit,
    watchdog_interval_s,
)
from treadwatch.compose import (
    device_app,
    headless_pipeline,
    open_device,
    url_of,
    web_server,
)

log = logging.getLogger("treadwatch")


def _base_config(args: argparse.Namespace) -> Config:
    """The config file (or defaults), with the command line's source."""
    config = load_config(args.config)
    if args.source is not None:
        config = config.model_copy(
            update={"capture": config.capture.model_copy(update={"source": args.source})}
        )
    if getattr(args, "db", None) is not None:
        config = config.model_copy(
            update={"recording": config.recording.model_copy(update={"db_path": args.db})}
        )
    return config


def _lock_data_dir(config: Config) -> DataDirLock:
    """One treadwatch per data directory (raises StorageError naming the other's PID)."""
    lock = DataDirLock(config.recording.resolved_db_path().parent)
    lock.acquire()
    return lock


def _with_saved_settings(base: Config) -> Config:
    """``base`` with the settings saved from the page laid over it (see edge.config.saved)."""
    config, warning = apply_saved(base, settings_path(base))
    if warning:
        log.warning("%s", warning)
    return config


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from edge.logfilter import install

    install()  # a flood of one message becomes a line now and then (edge.logfilter)


class _StopSignals:
    """SIGTERM (``systemctl stop``) and SIGINT from the very start: a stop asked for while
    the model loads is honoured once the server runs, and never kills the process before
    the session is closed."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.on_stop: list[Any] = []
        self._previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)
        }

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()
        for callback in self.on_stop:
            callback()

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _service_start() -> tuple[SystemdNotifier, float | None]:
    soft, hard = raise_nofile_limit()
    log.debug("open files limit %d (hard %d)", soft, hard)
    return SystemdNotifier(), watchdog_interval_s()


#: What a command does once the service is set up: (config, stops, notifier, watchdog) -> exit.
_Body = Callable[[Config, _StopSignals, SystemdNotifier, float | None], int]


def _as_service(
    args: argparse.Namespace, make_config: Callable[[argparse.Namespace], Config], body: _Body
) -> int:
    """Run ``body`` as a service: stop signals from the very start, logging (before the
    config is read: its warnings are logged), the systemd notifier, and the data directory
    locked for this process."""
    stops = _StopSignals()
    try:
        _logging(args.verbose)
        notifier, watchdog_s = _service_start()
        config = make_config(args)
        lock = _lock_data_dir(config)
        try:
            return body(config, stops, notifier, watchdog_s)
        finally:
            lock.release()
    finally:
        stops.restore()


def _serve_config(args: argparse.Namespace) -> Config:
    """The config file with the command line's source, database, host and port."""
    base = _base_config(args)
    server = base.server.model_copy(
        update={k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    )
    return base.model_copy(update={"server": server})


def _serve(args: argparse.Namespace) -> int:
    return _as_service(args, _serve_config, _serve_locked)


def _serve_locked(
    base: Config, stops: _StopSignals, notifier: SystemdNotifier, watchdog_s: float | None
) -> int:
    server = base.server
    device = open_device(_with_saved_settings(base), recording_required=False)
    app = device_app(device, base)
    print(
        f"treadwatch: serving {device.source.name} on {url_of(server)}"
        + ("  (settings locked: no server.settings_pin)" if server.settings_pin is None else ""),
        flush=True,
    )
    print(f"treadwatch: {device.where()}", flush=True)
    uv = web_server(app, server, own_signals=True)

    def stop_server() -> None:
        uv.should_exit = True

    stops.on_stop.append(stop_server)
    if stops.event.is_set():
        uv.should_exit = True
    ready = threading.Thread(
        target=_notify_when_started, args=(uv, app, notifier, watchdog_s, stops), daemon=True
    )
    ready.start()
    try:
        uv.run()
    finally:
        notifier.notify("STOPPING=1")
        device.close()
        notifier.close()
    return 0


def _notify_when_started(
    uv: Any,
    app: Any,
    notifier: SystemdNotifier,
    watchdog_s: float | None,
    stops: _StopSignals,
) -> None:
    while not uv.started:
        if uv.should_exit or stops.event.wait(0.05):
            return
    notifier.notify("READY=1")
    if watchdog_s is not None:
        pipeline = app.state.live.pipeline
        dog = PipelineWatchdog(notifier, pipeline_progress(pipeline.status), watchdog_s)
        dog.start()
        stops.event.wait()
        dog.stop()


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
    def body(
        base: Config, stops: _StopSignals, notifier: SystemdNotifier, dog: float | None
    ) -> int:
        return _run_locked(args, _with_saved_settings(base), stops, notifier, dog)

    return _as_service(args, _base_config, body)


def _run_locked(
    args: argparse.Namespace,
    config: Config,
    stops: _StopSignals,
    notifier: SystemdNotifier,
    watchdog_s: float | None,
) -> int:
    device = open_device(config, recording_required=True)
    print(f"treadwatch: {device.source.name}, {device.where()}", flush=True)
    pipeline = headless_pipeline(device)
    stop = stops.event
    pipeline.start()
    notifier.notify("READY=1")
    dog = None
    if watchdog_s is not None:
        dog = PipelineWatchdog(notifier, pipeline_progress(pipeline.status), watchdog_s)
        dog.start()
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
        notifier.notify("STOPPING=1")
        if dog is not None:
            dog.stop()
        pipeline.stop()
        device.close()
        notifier.close()
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
    p.add_argument(
        "--db", type=Path, default=None, help="session database (overrides recording.db_path)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_serve)

    p = sub.add_parser("run", help="run the pipeline without the web server (session logging)")
    # Accepted, unlisted: systemd units written before ``run`` had only one mode say it.
    p.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--source", default=None, help="demo | camera | picamera | PATH | URL")
    p.add_argument("--config", type=Path, default=None, help="config file (TOML)")
    p.add_argument(
        "--db", type=Path, default=None, help="session database (overrides recording.db_path)"
    )
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument(
        "--status-every", type=float, default=10.0, help="print a status line every N s (0: off)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=_run)
