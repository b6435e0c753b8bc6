"""Settings of the instant replay buffer (the ``[replay]`` section)."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class ReplayConfig(Section):
    enabled: bool = Field(
        True,
        description=(
            "Hold the last seconds of the page's video in memory so the tablet can replay the "
            "last strides in slow motion. Nothing is written to disk unless a replay is kept."
        ),
    )
    seconds: float = Field(
        20.0, ge=2.0, le=120.0, description="Seconds of video held for replay (oldest go first)."
    )
    max_mib: float = Field(
        150.0,
        ge=4.0,
        le=2048.0,
        description=(
            "Memory cap of the replay buffer (MiB of JPEG frames); past it the oldest frames go "
            "even if younger than `seconds`. At the defaults (640 px, 15 frames/s) 20 s take "
            "about 10-20 MiB."
        ),
    )
    reference_after_s: float = Field(
        60.0,
        ge=2.0,
        le=600.0,
        description=(
            "The stride kept as this session's reference: the first one at least this long "
            "after the runner stepped on (the end of the first minute by default)."
        ),
    )
    max_served: int = Field(
        3,
        ge=1,
        le=16,
        description="Replays being sent to tablets at once; one more is answered 503.",
    )
