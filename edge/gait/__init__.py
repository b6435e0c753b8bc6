"""Gait analysis: ring buffer, gait events, per-stride metrics, alerts.

Modules, in pipeline order:

- :mod:`edge.gait.ring` — preallocated ring buffer of recent frames, evicts by time.
- :mod:`edge.gait.tracking` — left/right legs and arms by continuity, not by model label.
- :mod:`edge.gait.events` — initial contact / toe-off (Zeni-style extrema, sub-frame fit).
- :mod:`edge.gait.metrics` — per-step metrics (incl. the Pose method's alignment and pull),
  valid views, view classes (side / oblique-side / front / rear), cadence.
- :mod:`edge.gait.ranges` — normal ranges (green / amber / red) with their sources.
- :mod:`edge.gait.alerts` — the cue policy: one focus cue by priority and evidence over
  strides, a minimum dwell, praise when the fault is gone, a confidence floor.
- :mod:`edge.gait.analyzer` — :class:`GaitAnalyzer`, frame by frame (live and offline).
- :mod:`edge.gait.report` — offline :class:`Report` (versioned; ``report.schema.json``).
- :mod:`edge.gait.synthetic` — a synthetic runner with exact ground truth.
- :mod:`edge.gait.commands` — ``treadwatch report-landmarks``.

Coordinates: landmark x (and z) are multiplied by the frame's width / height before any
angle or distance (pass ``aspect``), so a portrait or 16:9 frame does not bend angles.
"""
