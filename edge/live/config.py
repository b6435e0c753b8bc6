"""Configuration of capture and of the server (owned by the live-monitor work)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from edge.config.base import Section
from edge.config.pinrules import pin_problem
from edge.gait.records import View

DemoPhase = Literal["clean", "overstride", "arms", "head_down", "absent"]
DemoView = View  # the camera views, defined once with the gait records

DEFAULT_DEMO_SCHEDULE: tuple[DemoPhase, ...] = ("clean", "overstride", "arms", "head_down")


class CaptureConfig(Section):
    source: str = Field(
        "demo",
        description="demo (simulated runner), camera (USB index 0), picamera, a file or a URL.",
    )
    width: int = Field(
        640, ge=160, le=4096, description="Requested camera frame width (camera sources)."
    )
    height: int = Field(
        480, ge=120, le=4096, description="Requested camera frame height (camera sources)."
    )
    fps: float = Field(30.0, ge=1.0, le=240.0, description="Requested camera frame rate.")
    pace_files: bool = Field(
        True,
        description=(
            "Play video files at their own frame rate (live behaviour). False: as fast as "
            "the pipeline takes them, dropping none (offline analysis)."
        ),
    )
    queue_frames: int = Field(
        2,
        ge=1,
        le=4,
        description=(
            "Frames waiting between capture and analysis at most; when full the oldest is "
            "dropped (counted). 1 = always the newest; 2 absorbs scheduling jitter."
        ),
    )
    loop_files: bool = Field(
        False, description="Start a video file again when it ends (demonstrations)."
    )
    presence_start_s: float = Field(
        1.0,
        ge=0.0,
        le=30.0,
        description="A runner seen continuously this long starts a session.",
    )
    absence_timeout_s: float = Field(
        8.0,
        ge=0.5,
        le=600.0,
        description="Nobody seen for this long ends the session.",
    )
    demo_phase_s: float = Field(
        10.0,
        ge=0.5,
        le=600.0,
        description="Demo runner: seconds spent in each phase of demo_schedule.",
    )
    demo_schedule: list[DemoPhase] = Field(
        default_factory=lambda: list(DEFAULT_DEMO_SCHEDULE),
        min_length=1,
        max_length=32,
        description=(
            "Demo runner: phases cycled in order (clean, overstride, arms, head_down, "
            "absent = nobody on the belt)."
        ),
    )
    demo_view: DemoView = Field(
        "side-left",
        description=(
            "Demo runner: camera view simulated. A side view shows overstride, head and "
            "trunk cues; its arms phase is shown as a front camera sees it, since arms "
            "crossing the midline need a front (or rear) view."
        ),
    )
    demo_cadence_spm: float = Field(
        170.0, ge=120.0, le=220.0, description="Demo runner: cadence in steps per minute."
    )
    demo_width: int = Field(
        640, ge=160, le=1920, description="Demo runner: width of the rendered frames."
    )
    demo_height: int = Field(
        480, ge=120, le=1080, description="Demo runner: height of the rendered frames."
    )


class ServerConfig(Section):
    host: str = Field("0.0.0.0", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port of the web server.")
    video_size: int = Field(
        640,
        ge=160,
        le=1920,
        description="Longest side of the MJPEG video sent to the page (pixels; never upscaled).",
    )
    video_fps: float = Field(
        15.0, ge=1.0, le=60.0, description="Frames per second of the MJPEG video to the page."
    )
    jpeg_quality: int = Field(70, ge=20, le=95, description="JPEG quality of the page video.")
    settings_pin: str | None = Field(
        None,
        min_length=4,
        max_length=64,
        description=(
            "PIN (or token) that unlocks the settings page and session review. Unset: "
            "settings can only be changed in this file."
        ),
    )
    max_websocket_clients: int = Field(
        16,
        ge=1,
        le=1000,
        description=(
            "Live pages (WebSocket clients) served at once; one more is refused with close "
            "code 1013 (try again later)."
        ),
    )
    max_video_clients: int = Field(
        8,
        ge=1,
        le=200,
        description="MJPEG video viewers at once; one more is answered 503.",
    )
    send_timeout_s: float = Field(
        10.0,
        ge=1.0,
        le=300.0,
        description=(
            "A live page that takes no data for this long (gone, asleep, or never reading) "
            "is disconnected."
        ),
    )
    idle_timeout_s: float = Field(
        10.0,
        ge=1.0,
        le=300.0,
        description=(
            "A connection that sends no complete request for this long is closed (also the "
            "keep-alive time between requests)."
        ),
    )
    tls_certfile: Path | None = Field(
        None,
        description=(
            "HTTPS: the certificate (PEM). deploy/install.sh makes a self-signed one in "
            "/etc/treadwatch/tls. Unset: plain HTTP (the PIN crosses the network in clear)."
        ),
    )
    tls_keyfile: Path | None = Field(
        None, description="HTTPS: the certificate's private key (PEM); set with tls_certfile."
    )

    @field_validator("settings_pin")
    @classmethod
    def _pin_not_trivial(cls, pin: str | None) -> str | None:
        if pin is not None:
            problem = pin_problem(pin)
            if problem is not None:
                raise ValueError(problem)
        return pin

    @model_validator(mode="after")
    def _tls_pair(self) -> ServerConfig:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("set both tls_certfile and tls_keyfile for HTTPS, or neither")
        return self
