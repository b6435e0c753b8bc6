"""The records the session database's reads return (one per table the pages show)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from edge.wire import SessionWire


class SessionInfo(SessionWire):
    """A stored session with the figures the list page shows, and its settings snapshot."""

    settings: dict[str, Any] = Field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The session's wire model as JSON (the settings snapshot travels separately)."""
        return self.model_dump(exclude={"settings"})


@dataclass(frozen=True, slots=True)
class Mark:
    id: int
    session_id: int
    t_s: float
    created_at: float
    note: str


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """Settings changed during a session: ``changes`` maps an option's dotted name to
    ``{"from": old, "to": new}``; they apply from capture time ``t_s``."""

    t_s: float
    created_at: float
    changes: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"t_s": self.t_s, "created_at": self.created_at, "changes": self.changes}


@dataclass(frozen=True, slots=True)
class ClipInfo:
    id: int
    session_id: int
    t_start_s: float
    t_end_s: float
    reason: str
    path: str
    mime: str
    fps: float
    n_frames: int
    width: int
    height: int
    bytes: int
    frame_times: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class LandmarkSeries:
    """Stored landmarks: ``t_s`` (N,), ``frame_index`` (N,), ``xyzv`` (N, 33, 4) float32."""

    t_s: npt.NDArray[np.float64]
    frame_index: npt.NDArray[np.int64]
    xyzv: npt.NDArray[np.float32]
