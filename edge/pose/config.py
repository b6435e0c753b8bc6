"""Configuration of the pose stage and of the model files."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from edge.config.base import Section
from edge.errors import ConfigError

log = logging.getLogger(__name__)

#: What the former ``pose.landmark_model`` values meant, in ``pose.precision`` terms.
LANDMARK_MODEL_AS_PRECISION = {"float": "fp32", "int8": "int8"}
#: Former keys already warned about in this process (each is said once).
_warned: set[str] = set()


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


def default_threads() -> int:
    """The interpreter's threads when the config does not say: ``TREADWATCH_THREADS`` (1-8),
    else 2."""
    text = os.environ.get("TREADWATCH_THREADS", "").strip()
    if not text:
        return 2
    if not text.isdigit() or not 1 <= int(text) <= 8:
        raise ConfigError(f"TREADWATCH_THREADS={text!r}: give a whole number from 1 to 8")
    return int(text)


class PoseConfig(Section):
    precision: Literal["auto", "fp32", "fp16", "int8"] = Field(
        "auto",
        description=(
            "Arithmetic of the landmark model. auto: fp16 where the CPU has FP16 arithmetic "
            "(asimdhp: Raspberry Pi 5), fp32 elsewhere (Pi 4, x86). fp16 on a CPU without it "
            "runs fp32 (treadwatch bench and /api/status say what ran). int8: the model "
            "trained for int8 (models/weights/: every op int8, about 1.9x faster than fp32, "
            "docs/int8.md). Replaces landmark_model (float = fp32)."
        ),
    )
    num_threads: int = Field(
        default_factory=default_threads,
        ge=1,
        le=8,
        description=(
            "CPU threads for the model interpreter (Pi 4/5: 2-4). Also set by TREADWATCH_THREADS."
        ),
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

    @model_validator(mode="before")
    @classmethod
    def _landmark_model_is_precision(cls, data: Any) -> Any:
        """The former ``landmark_model`` key, still accepted: ``float`` is ``precision =
        "fp32"`` (what it ran), ``int8`` is ``"int8"``; said once in the log."""
        if not isinstance(data, dict) or "landmark_model" not in data:
            return data
        data = dict(data)
        old = data.pop("landmark_model")
        if "precision" in data:
            raise PydanticCustomError(
                "landmark_model",
                "landmark_model is replaced by precision: remove landmark_model and keep "
                "precision = {precision}",
                {"precision": repr(data["precision"])},
            )
        if not isinstance(old, str) or old not in LANDMARK_MODEL_AS_PRECISION:
            raise PydanticCustomError(
                "landmark_model",
                "landmark_model = {old} is not known; it is replaced by precision "
                '("auto", "fp32", "fp16" or "int8")',
                {"old": repr(old)},
            )
        data["precision"] = LANDMARK_MODEL_AS_PRECISION[old]
        if old not in _warned:
            _warned.add(old)
            log.warning(
                'pose.landmark_model = "%s" is read as pose.precision = "%s"; write precision '
                'instead ("auto" runs fp16 where the CPU has FP16 arithmetic)',
                old,
                data["precision"],
            )
        return data
