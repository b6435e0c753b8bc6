"""Is the device doing its job? The reasons ``/healthz`` and ``/api/status`` give.

``ok``: the pipeline runs, frames are analysed, recording works (when enabled).
``degraded``, with one line per reason:

* the pipeline thread stopped;
* the pose stage fails frame after frame (``POSE_FAILING_FRAMES`` in a row: a corrupt model,
  a camera sending broken frames);
* recording reports a problem (:meth:`LiveSinks.problems`): recording off because the database
  could not be opened (corrupt, read-only), writes failing, disk full.

``/healthz`` answers 200 when ok and **503 when degraded**, so a watchdog or the gym's
monitoring (which mostly look at the status code) see it; the body says why.
"""

from __future__ import annotations

from typing import Any, Literal

from server.state import LiveState

#: Frames failing in a row before the pose stage counts as failing (about 1 s at 30 fps).
POSE_FAILING_FRAMES = 30

Health = Literal["ok", "degraded"]


def check(state: LiveState, status: dict[str, Any] | None = None) -> tuple[Health, list[str]]:
    pipeline = state.pipeline
    st = status if status is not None else pipeline.status()
    reasons: list[str] = []
    if not pipeline.running:
        reasons.append("the pipeline is stopped")
    analysis = st.get("analysis", {})
    failing = int(analysis.get("consecutive_errors") or 0)
    if failing >= POSE_FAILING_FRAMES:
        reasons.append(
            f"the pose stage fails on every frame ({failing} in a row): "
            f"{analysis.get('last_error') or 'unknown error'}"
        )
    reasons.extend(state.sinks.problems())
    return ("degraded" if reasons else "ok"), reasons
