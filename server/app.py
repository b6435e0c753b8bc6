"""The FastAPI application: factory, lifespan, routers.

``create_app(config, source)`` builds the pipeline and the hubs; the lifespan starts them in
order (hubs bound to the event loop → pipeline → status ticker) and stops them in reverse
(ticker → pipeline, which ends any session → hubs, which release waiting clients).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from fastapi import FastAPI

from edge import __version__
from edge.config.root import Config
from edge.live.frames import FrameSource
from edge.live.pipeline import LivePipeline
from edge.live.replay import ReplayBuffer
from edge.live.sink import PipelineSink
from edge.live.stages import AnalyzerFactory, EstimatorFactory, default_analyzer_factory
from edge.recording.live import LiveSinks
from server.hub import LiveHub, VideoHub
from server.routes import config as config_routes
from server.routes import health, live, marks, pages, replay, status
from server.state import LiveState
from server.web import include_review, make_auth, secure

log = logging.getLogger(__name__)


#: How often open pages receive the pipeline status (s).
STATUS_INTERVAL_S = 1.0
#: Messages kept per live page; a slow tablet loses its oldest ones instead of slowing the
#: others (about four seconds of a runner's frames).
CLIENT_QUEUE = 120


async def _status_ticker(state: LiveState, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            state.hub.publish({"type": "status", **state.status()})
        except Exception:  # never let the ticker die silently
            log.exception("status update failed")


def create_app(
    config: Config,
    source: FrameSource,
    *,
    sinks: LiveSinks | Sequence[PipelineSink] = (),
    analyzer_factory: AnalyzerFactory = default_analyzer_factory,
    estimator_factory: EstimatorFactory | None = None,
    models_dir: Path | None = None,
    base_config: Config | None = None,
    settings_file: Path | None = None,
    client_queue: int = CLIENT_QUEUE,
    status_interval_s: float = STATUS_INTERVAL_S,
) -> FastAPI:
    """The live app. ``settings_file``: where changes made on the settings page are saved
    (as differences from ``base_config``, the config file's settings); ``None`` keeps them
    in memory only. ``client_queue`` and ``status_interval_s``: see :data:`CLIENT_QUEUE`,
    :data:`STATUS_INTERVAL_S` (tests change them)."""
    typed = sinks if isinstance(sinks, LiveSinks) else LiveSinks.of(sinks)
    hub = LiveHub(client_queue)
    video = VideoHub()
    # Keeps the page's video frames for instant replay (only while a page watches).
    replay_buffer = ReplayBuffer(config.replay) if config.replay.enabled else None
    pipeline = LivePipeline(
        config,
        source,
        sinks=typed.all(),
        listeners=[hub, video, *([replay_buffer] if replay_buffer else [])],
        analyzer_factory=analyzer_factory,
        estimator_factory=estimator_factory,
        models_dir=models_dir,
    )
    state = LiveState(
        config=config,
        pipeline=pipeline,
        hub=hub,
        video=video,
        auth=make_auth(config.server),
        sinks=typed,
        base_config=base_config if base_config is not None else config,
        settings_file=settings_file,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        hub.bind(loop)
        video.bind(loop)
        pipeline.start()
        ticker = asyncio.create_task(_status_ticker(state, status_interval_s), name="status-ticker")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await asyncio.to_thread(pipeline.stop)
            hub.close()
            video.close()

    app = FastAPI(
        title="treadwatch",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.live = state
    secure(app, config.server)
    app.include_router(health.router)
    app.include_router(status.router)
    app.include_router(config_routes.router)
    app.include_router(live.router)
    app.include_router(marks.router)
    replay.install(app, replay_buffer, config.replay.max_served)
    include_review(app)
    app.include_router(pages.router)
    return app
