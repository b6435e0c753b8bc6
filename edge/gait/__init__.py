"""Gait analysis: ring buffer, gait events, per-stride metrics, alerts.

Modules, in pipeline order:

- :mod:`edge.gait.ring` — preallocated ring buffer of recent frames, evicts by time.
- :mod:`edge.gait.tracking` — left/right legs and arms by continuity, not by model label.
- :mod:`edge.gait.view_track` — the view, the runner's facing, leg and torso lengths.
- :mod:`edge.gait.events` — one extremum detector (contact / toe-off, sub-frame fit).
- :mod:`edge.gait.contact_detect` — both legs' contacts and toe-offs as they are confirmed.
- :mod:`edge.gait.step_build` — steps from contacts, their metrics and alerts.
- :mod:`edge.gait.metrics` — the metric catalogue (units, valid views), per-frame signals,
  summaries over steps; :mod:`edge.gait.step_metrics` — one step's metrics (incl. the Pose
  method's alignment and pull); :mod:`edge.gait.views` — view classes (side /
  oblique-side / front / rear) from the landmarks; :mod:`edge.gait.bounce` — the hips'
  once-per-step bounce.
- :mod:`edge.gait.cadence` — cadence from contact times (the one definition);
  :mod:`edge.gait.cadence_choice` — contacts or the hips' bounce (the one rule).
- :mod:`edge.gait.ranges` — normal ranges (green / amber / red) with their sources.
- :mod:`edge.gait.alerts` — the live cue policy: one focus cue by priority and evidence over
  strides, a minimum dwell, praise when the fault is gone, a confidence floor;
  :mod:`edge.gait.clip_cues` — the clip policy: all confident strides, a verdict per rule.
- :mod:`edge.gait.analyzer` — :class:`GaitAnalyzer`, frame by frame (live and offline).
- :mod:`edge.gait.report` — offline analysis into :mod:`edge.gait.report_model`'s versioned
  report (``report.schema.json``), with :mod:`edge.gait.report_summary` and
  :mod:`edge.gait.footage` (checks).
- :mod:`edge.gait.synthetic` — a synthetic runner with exact ground truth.
- :mod:`edge.gait.commands` — ``treadwatch report-landmarks``.

Coordinates: landmark x (and z) are multiplied by the frame's width / height before any
angle or distance (pass ``aspect``), so a portrait or 16:9 frame does not bend angles.
"""
