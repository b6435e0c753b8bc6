"""Configuration of session recording (owned by the sessions work)."""

from __future__ import annotations

from pydantic import Field

from edge.configbase import Section


class RecordingConfig(Section):
    enabled: bool = Field(True, description="Record sessions to the on-device database.")
