"""The hook through which the live pipeline hands its output to other stages (recording).

A sink receives, on the pipeline's analysis thread, the start of a runner session, every
analysed frame, and the end of the session. Sinks must not block: anything slow (disk,
encoding) goes to the sink's own worker behind a bounded queue. An exception raised by a
sink is logged and counted by the pipeline, and never stops it.

Call order for one session::

    session_started(session_id, t_s, settings)
    frame(pose, update, jpeg)        # once per analysed frame while the runner is present
    ...
    session_ended(t_s)

``t_s`` is capture time in seconds (the same clock as ``PoseResult.timestamp_s``).
``settings`` is a JSON-ready snapshot of the configuration in force when the session began
(``Config.model_dump(mode="json")`` plus ``source`` and ``simulated``).
``jpeg`` is the encoded viewing frame when one was produced for this frame, else ``None``.

A sink may also have ``settings_changed(t_s, changes)`` (optional, not in the protocol):
called between frames when the settings change during a session, with
``{"dotted.option": {"from": old, "to": new}}``; the change applies from capture time ``t_s``.
Step numbers (``StrideRecord.index``) restart when the analyzer is rebuilt (settings, frame
size): a sink that stores steps numbers them itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from edge.gait.records import AnalysisUpdate
from edge.landmarks import PoseResult

if TYPE_CHECKING:
    from edge.config import Config


@runtime_checkable
class PipelineSink(Protocol):
    """Receives the live pipeline's sessions and frames. Called on the analysis thread."""

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        """A runner stepped on the belt; ``session_id`` is unique (UTC time + random)."""

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        """One analysed frame of the current session."""

    def session_ended(self, t_s: float) -> None:
        """Nobody on the belt for the configured absence time (or the pipeline stopped)."""


#: Modules that provide sinks: each has ``make_sinks(config: Config) -> list[PipelineSink]``.
#: The recording work provides ``edge.recording.live``; a module not present is skipped.
SINK_MODULES: tuple[str, ...] = ("edge.recording.live",)


def load_sinks(config: Config, *, headless: bool = False) -> list[PipelineSink]:
    """The sinks every installed area provides for this configuration.

    ``headless`` is passed to factories that accept it (``make_sinks(config, headless=...)``)
    so recording can behave differently without a page (e.g. always record).
    """
    import importlib
    import importlib.util
    import inspect

    sinks: list[PipelineSink] = []
    for name in SINK_MODULES:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        make = importlib.import_module(name).make_sinks
        if "headless" in inspect.signature(make).parameters:
            sinks.extend(make(config, headless=headless))
        else:
            sinks.extend(make(config))
    return sinks


def close_sinks(sinks: list[PipelineSink]) -> None:
    """Close the sinks that hold resources (``close()``), after the pipeline stopped."""
    for sink in sinks:
        close = getattr(sink, "close", None)
        if callable(close):
            close()
