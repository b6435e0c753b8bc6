"""Configuration of capture and of the server (owned by the live-monitor work)."""

from __future__ import annotations

from pydantic import Field

from edge.configbase import Section


class CaptureConfig(Section):
    source: str = Field(
        "demo",
        description="demo (simulated runner), camera (USB index 0), picamera, a file or a URL.",
    )


class ServerConfig(Section):
    host: str = Field("0.0.0.0", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port of the web server.")
