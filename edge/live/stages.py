"""What the live pipeline needs of the parts it drives: the pose engine, gait analysis and
the listeners that show the result, and the factories that build the first two."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from edge.config.root import Config
from edge.gait.records import AnalysisUpdate, MetricValue
from edge.landmarks import FloatArray, PoseResult
from edge.live.frames import Image
from edge.pose.config import PoseConfig


class Estimator(Protocol):
    """What the pipeline needs of the pose engine (``edge.pose.engine.PoseEngine``)."""

    def process(self, frame_bgr: Image, timestamp_s: float) -> PoseResult: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class Analyzer(Protocol):
    """What the pipeline needs of gait analysis (``edge.gait.analyzer.GaitAnalyzer``)."""

    def push(self, frame_index: int, t_s: float, xyzv: FloatArray) -> AnalysisUpdate: ...

    def current(self) -> dict[str, MetricValue]: ...

    def reset(self) -> None: ...


class LiveListener(Protocol):
    """Receives what the page shows. Called on the analysis thread; must not block.

    An optional ``wants_video`` attribute (bool) on a listener or sink tells whether it
    needs encoded video at the moment; without it, video is assumed wanted."""

    def publish(self, message: dict[str, Any]) -> None: ...

    def video(self, frame_index: int, t_s: float, wall: float, jpeg: bytes) -> None: ...


EstimatorFactory = Callable[[PoseConfig], Estimator]
#: ``(config, fps, aspect)`` → analyzer; ``aspect`` is the frame's width / height.
AnalyzerFactory = Callable[[Config, float, float], Analyzer]


def default_estimator_factory(models_dir: Path | None) -> EstimatorFactory:
    def make(cfg: PoseConfig) -> Estimator:
        from models.resolve import pose_engine

        engine: Estimator = pose_engine(cfg, models_dir)
        return engine

    return make


def default_analyzer_factory(config: Config, fps: float, aspect: float) -> Analyzer:
    from edge.gait.analyzer import GaitAnalyzer

    analyzer: Analyzer = GaitAnalyzer(config.gait, config.alerts, fps, aspect=aspect)
    return analyzer


def wants_video(consumer: object) -> bool:
    """Listeners and sinks may say they need no video right now (``wants_video``), e.g. no
    page is watching: then no JPEG is encoded, saving CPU on the Pi."""
    return bool(getattr(consumer, "wants_video", True))
