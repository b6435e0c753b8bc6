"""The records the session database's reads return (one per table the pages show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.wire import SessionWire


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A stored session with the figures the list page shows."""

    id: int
    uid: str
    device_id: str
    source: str
    source_name: str | None
    started_at: float
    ended_at: float | None
    t_start_s: float
    t_end_s: float | None
    end_reason: str | None
    frames: int
    frames_unstored: int
    n_strides: int
    n_alerts: int
    cadence_spm: float | None
    duration_s: float
    settings: dict[str, Any] = field(default_factory=dict)
    # The cadence chosen when the session was analysed (contacts or the hips' bounce) and
    # why; None: ``cadence_spm`` is computed from the stored steps' contacts.
    cadence_source: str | None = None
    cadence_reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The session's wire model as JSON (the settings snapshot travels separately)."""
        return SessionWire.from_record(self).model_dump()


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
