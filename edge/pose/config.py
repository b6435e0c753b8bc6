"""Configuration of the pose stage and of the model files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from edge.configbase import Section


class BeltZone(Section):
    """A rectangle in normalized frame coordinates where the treadmill belt's runner is."""

    x_min: float = Field(0.0, ge=0.0, le=1.0, description="Left edge, fraction of frame width.")
    y_min: float = Field(0.0, ge=0.0, le=1.0, description="Top edge, fraction of frame height.")
    x_max: float = Field(1.0, ge=0.0, le=1.0, description="Right edge, fraction of frame width.")
    y_max: float = Field(1.0, ge=0.0, le=1.0, description="Bottom edge, fraction of frame height.")


class ModelsConfig(Section):
    cache_dir: Path | None = Field(
        None,
        description=(
            "Where fetched model files are kept. Empty: $XDG_CACHE_HOME/treadwatch/models "
            "(~/.cache/treadwatch/models). Also set by TREADWATCH_MODELS_DIR."
        ),
    )


class PoseConfig(Section):
    landmark_model: Literal["float", "int8"] = Field(
        "float",
        description=(
            "Landmark model: float (MediaPipe's, trimmed to the outputs the engine reads) or "
            "int8 (trained for int8, shipped in models/weights/: every op int8, about 1.9x "
            "faster, see docs/int8.md)."
        ),
    )
    num_threads: int = Field(
        2, ge=1, le=8, description="CPU threads for the model interpreter (Pi 4/5: 2-4)."
    )
    min_detection_score: float = Field(
        0.5, ge=0.05, le=0.99, description="Minimum person-detector score to start tracking."
    )
    min_presence: float = Field(
        0.5,
        ge=0.05,
        le=0.99,
        description="Pose-presence score below which tracking is lost and the detector re-runs.",
    )
    smoothing: bool = Field(
        True, description="Smooth landmarks over time (One-Euro filter), as MediaPipe does."
    )
    belt_zone: BeltZone | None = Field(
        None,
        description=(
            "Rectangle where the runner on the belt is. When set, only a person whose hips "
            "are inside it is tracked. When unset, the person who shows running motion wins."
        ),
    )
