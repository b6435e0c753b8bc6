"""Configuration of session recording (owned by the sessions work)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import Field

from edge.config.base import Section


def default_data_dir() -> Path:
    """``$TREADWATCH_DATA_DIR``, else ``$XDG_DATA_HOME/treadwatch`` (~/.local/share/treadwatch)."""
    env = os.environ.get("TREADWATCH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "treadwatch"


class RecordingConfig(Section):
    enabled: bool = Field(True, description="Record sessions to the on-device database.")
    db_path: Path | None = Field(
        None,
        description=(
            "SQLite database file. Empty: sessions.db in $TREADWATCH_DATA_DIR, else "
            "$XDG_DATA_HOME/treadwatch (~/.local/share/treadwatch). Clips go in clips/ beside it."
        ),
    )
    device_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Name of this device in the session list. Empty: the host name.",
    )
    landmarks: bool = Field(
        True,
        description=(
            "Store the landmarks of every frame (float16, about 10 kB per second) so a session "
            "can be re-analysed with newer code."
        ),
    )
    retention_days: int = Field(
        90, ge=0, le=3650, description="Delete sessions older than this many days (0: keep)."
    )
    max_gib: float = Field(
        8.0,
        ge=0.001,
        le=10000.0,
        description="At most this many GiB of sessions (database + clips); the oldest go first.",
    )
    clips_min_free_mib: float = Field(
        1024.0,
        ge=0.0,
        le=1e6,
        description="Free disk space (MiB) below which video clips stop being written.",
    )
    landmarks_min_free_mib: float = Field(
        512.0,
        ge=0.0,
        le=1e6,
        description="Free disk space (MiB) below which landmarks stop being stored.",
    )
    metrics_min_free_mib: float = Field(
        64.0,
        ge=0.0,
        le=1e6,
        description=(
            "Free disk space (MiB) below which nothing more is stored (the live page keeps "
            "running; what was not stored is counted)."
        ),
    )
    clips: bool = Field(
        False,
        description=(
            "Keep video clips around alerts and marks. Off by default: storing video of people "
            "needs their consent."
        ),
    )
    clip_before_s: float = Field(
        3.0, ge=0.0, le=30.0, description="Seconds of video kept before an alert or mark."
    )
    clip_after_s: float = Field(
        2.0, ge=0.0, le=30.0, description="Seconds of video kept after an alert or mark."
    )
    flush_interval_s: float = Field(
        1.0,
        ge=0.05,
        le=2.0,
        description="Commit to disk at least this often: at most this much is lost on a crash.",
    )
    queue_frames: int = Field(
        600,
        ge=10,
        le=100000,
        description="Frames queued for the writer before new ones are dropped (and counted).",
    )

    def resolved_db_path(self) -> Path:
        return self.db_path if self.db_path is not None else default_data_dir() / "sessions.db"

    def resolved_device_id(self) -> str:
        return self.device_id or socket.gethostname() or "device"
