"""The base every configuration section derives from: strict, typed, documented."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A configuration section: unknown keys are rejected, values are validated on assignment.

    Every field must carry a ``description``: it is what ``treadwatch config-example`` writes
    as the comment above the option in ``config.example.toml``.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
