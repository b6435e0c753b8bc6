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
(``Config.model_dump(mode="json")`` without secrets, :func:`edge.redact.redact`, plus
``source`` and ``simulated``).
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
    pass


@runtime_checkable
class PipelineSink(Protocol):
    """Receives the live pipeline's sessions and frames. Called on the analysis thread."""

    def session_started(self, session_id: str, t_s: float, settings: dict[str, object]) -> None:
        """A runner stepped on the belt; ``session_id`` is unique (UTC time + random)."""

    def frame(self, pose: PoseResult, update: AnalysisUpdate, jpeg: bytes | None) -> None:
        """One analysed frame of the current session."""

    def session_ended(self, t_s: float) -> None:
        """Nobody on the belt for the configured absence time (or the pipeline stopped)."""
