"""Gait analysis: ring buffer, gait events, per-stride metrics, alerts.

Modules, in pipeline order:

- :mod:`edge.gait.ring` — preallocated ring buffer of recent frames, evicts by time.
- :mod:`edge.gait.tracking` — left/right legs and arms by continuity, not by model label.
- :mod:`edge.gait.events` — initial contact / toe-off (Zeni-style extrema, sub-frame fit).
- :mod:`edge.gait.metrics` — per-step metrics, valid views, view detection, cadence.
- :mod:`edge.gait.alerts` — coaching rules (N of M strides, hysteresis, cooldown, priority).
- :mod:`edge.gait.analyzer` — :class:`GaitAnalyzer`, frame by frame (live and offline).
- :mod:`edge.gait.report` — offline :class:`Report` (versioned; ``report.schema.json``).
- :mod:`edge.gait.synthetic` — a synthetic runner with exact ground truth.
- :mod:`edge.gait.commands` — ``treadwatch report-landmarks``.

Coordinates: landmark x (and z) are multiplied by the frame's width / height before any
angle or distance (pass ``aspect``), so a portrait or 16:9 frame does not bend angles.
"""
