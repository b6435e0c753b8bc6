"""The live pipeline's figures: what the analysis stage counts, and the status document
(``/api/status``'s pipeline part) built from them, the capture worker and the video encoder.
"""

from __future__ import annotations

from typing import Any

from edge.live.capture import CaptureStatus
from edge.live.governor import GovernorState
from edge.live.stats import LatencyRing, MovingAverage, RateMeter
from edge.live.video import VideoEncoder


class AnalysisStats:
    """Figures of the analysis stage (written by the analysis thread only)."""

    def __init__(self) -> None:
        self.rate = RateMeter()
        self.inference_ms = MovingAverage()
        self.analysis_ms = MovingAverage()
        self.latency = LatencyRing()
        self.errors = 0
        self.consecutive_errors = 0  # frames failed in a row (0 after any good frame)
        self.listener_errors = 0
        self.sink_errors = 0
        self.last_error: str | None = None
        self.governed_skips = 0  # frames left out on purpose by the frame-rate governor


def _ms(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def pipeline_status(
    *,
    now: float,
    capture: CaptureStatus,
    stats: AnalysisStats,
    video: VideoEncoder,
    governor: GovernorState,
    session_active: bool,
    runner_present: bool,
    uptime_s: float,
    view: str,
) -> dict[str, Any]:
    """The pipeline's status document (JSON-ready)."""
    st = stats
    return {
        "source": {
            "name": capture.source,
            "simulated": capture.simulated,
            "state": capture.state,
            "message": capture.message,
            "attempts": capture.attempts,
        },
        "capture": {"fps": capture.fps, "frames": capture.frames, "dropped": capture.dropped},
        "analysis": {
            "fps": round(st.rate.rate(now), 2),
            "frames": st.rate.total,
            "inference_ms": _ms(st.inference_ms.value),
            "analysis_ms": _ms(st.analysis_ms.value),
            "errors": st.errors,
            "consecutive_errors": st.consecutive_errors,
            "last_error": st.last_error,
        },
        "latency_ms": {
            "capture_to_publish_p50": _ms(st.latency.percentile(50)),
            "capture_to_publish_p95": _ms(st.latency.percentile(95)),
        },
        "video": {
            "fps": round(video.rate.rate(now), 2),
            "frames": video.rate.total,
            "jpeg_ms": _ms(video.jpeg_ms.value),
        },
        "session": {"active": session_active, "runner_present": runner_present},
        "errors": {"listeners": st.listener_errors, "sinks": st.sink_errors},
        "governor": {**governor.as_dict(), "skipped": st.governed_skips},
        "uptime_s": round(uptime_s, 1),
        "view": view,
    }
