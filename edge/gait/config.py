"""Configuration of gait analysis and alerts (owned by the gait-analysis work)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.configbase import Section

ViewName = Literal["auto", "side-left", "side-right", "front", "rear"]


class GaitConfig(Section):
    view: ViewName = Field(
        "auto",
        description=(
            "Camera view: side-left / side-right (camera on the runner's left / right), "
            "front, rear, or auto (detected from the landmarks)."
        ),
    )
    window_s: float = Field(10.0, ge=2.0, le=120.0, description="Ring-buffer length in seconds.")


class AlertsConfig(Section):
    enabled: bool = Field(True, description="Raise coaching cues.")
