"""Normal ranges of the form metrics: green / amber / red, each with where it comes from.

One table for every place a number is judged: the report (``Metric.band``), the live
messages (``band`` on each metric, ``ranges`` in the hello message) and the stored step
metrics of the review pages and exports. A value inside ``green`` is green, inside
``amber`` (which contains green) amber, anywhere else red. Metrics without an entry (foot
strike: shown, not judged; step time; the raw ear→nose angle) carry no band.

The ranges describe recreational treadmill runners filmed by one camera and measured as
this project measures them (landmarks of BlazePose, leg and torso lengths from the same
landmarks). They are deliberately wide: there is no perfect form (seed texts 003 and 004),
and a coaching cue (``AlertsConfig``) needs evidence over many steps beyond the amber band.

Sources (short names used below):

- Souza 2016: R. B. Souza, An evidence-based videotaped running biomechanics analysis,
  Phys Med Rehabil Clin N Am 27(1):217-236 (quoted by seed text 004).
- Heiderscheit 2011: B. C. Heiderscheit et al., Effects of step rate manipulation on joint
  mechanics during running, Med Sci Sports Exerc 43(2):296-302.
- Folland 2017: J. P. Folland et al., Running technique is an important component of
  running economy and performance, Med Sci Sports Exerc 49(7):1412-1423.
- Running coaches: the coaching texts the product brief was distilled from. Sources are
  shown on therapists' screens (tile tooltips, the report): they name people and papers,
  never this project's files, settings or notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Band = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class Range:
    green: tuple[float, float]
    amber: tuple[float, float]  # contains green
    unit: str
    source: str

    def band(self, value: float) -> Band:
        if self.green[0] <= value <= self.green[1]:
            return "green"
        if self.amber[0] <= value <= self.amber[1]:
            return "amber"
        return "red"

    def as_json(self) -> dict[str, Any]:
        return {
            "green": list(self.green),
            "amber": list(self.amber),
            "unit": self.unit,
            "source": self.source,
        }


RANGES: dict[str, Range] = {
    "cadence_spm": Range(
        (163.0, 195.0),
        (150.0, 205.0),
        "steps/min",
        "running coaches aim near 170-180; recreational runners run 150-170, "
        "+5-10 % reduces loading (Heiderscheit 2011)",
    ),
    "overstride": Range(
        (-0.08, 0.12),
        (-0.15, 0.2),
        "leg lengths",
        "land under the hips (running coaches); heel ~0.05 leg lengths ahead when landing "
        "under the body, 0.2 (~18 cm) a clear overstride (Souza 2016)",
    ),
    "shank_angle_deg": Range(
        (-6.0, 8.0),
        (-12.0, 12.0),
        "deg",
        "shank near vertical at contact (Souza 2016; Lieberman et al. 2015, J Exp Biol 218)",
    ),
    "knee_flexion_deg": Range(
        (10.0, 30.0),
        (5.0, 40.0),
        "deg",
        "knee bent ~15-20 deg at contact, not locked straight (Souza 2016; Heiderscheit 2011)",
    ),
    "overstride_landing": Range(
        (0.0, 1.0),
        (0.0, 1.5),
        "signs",
        "heel under the hips, or ahead with no other sign of overstriding (forward shank, "
        "straight knee, low cadence: Souza 2016, Heiderscheit 2011)",
    ),
    "trunk_lean_deg": Range(
        (2.0, 12.0),
        (-2.0, 15.0),
        "deg",
        "a slight forward lean, ~7 deg self-selected (Souza 2016; running coaches)",
    ),
    "head_pitch_deg": Range(
        (-12.0, 12.0),
        (-20.0, 20.0),
        "deg",
        "gaze forward, not at the belt: 'if your shoes come into view you are looking down' "
        "(running coaches); measured from the runner's own level gaze",
    ),
    "head_forward": Range(
        (-0.1, 0.18),
        (-0.2, 0.25),
        "torso lengths",
        "head over the shoulders, neck in line with the spine (running coaches; Souza 2016)",
    ),
    "head_tilt_deg": Range(
        (-5.0, 5.0),
        (-10.0, 10.0),
        "deg",
        "head level, not tilted (running coaches)",
    ),
    "elbow_angle_deg": Range(
        (70.0, 110.0),
        (55.0, 130.0),
        "deg",
        "elbows bent about 90 deg (running coaches)",
    ),
    "arm_crossover": Range(
        (-1.0, 0.0),
        (-1.0, 0.1),
        "shoulder widths",
        "hands swing forward and back, not across the body's midline (running coaches)",
    ),
    "vertical_oscillation": Range(
        (0.05, 0.11),
        (0.03, 0.13),
        "leg lengths",
        "hips rise and fall 6-10 cm per step (Folland 2017)",
    ),
    "contact_time_ms": Range(
        (180.0, 320.0),
        (150.0, 360.0),
        "ms",
        "recreational runners at ~170 steps/min (Folland 2017; Heiderscheit 2011)",
    ),
    "duty_factor": Range(
        (0.22, 0.42),
        (0.18, 0.48),
        "fraction",
        "running has no double support: under 0.5, typically 0.3-0.4 (Folland 2017)",
    ),
    "alignment_fall_deg": Range(
        (3.0, 12.0),
        (0.0, 16.0),
        "deg",
        "Pose method: shoulder, hip and ball of foot on one line at mid-stance, leaning "
        "forward ~7 deg (Pose method coaches)",
    ),
    "alignment_offset": Range(
        (-0.08, 0.08),
        (-0.14, 0.14),
        "leg lengths",
        "Pose method: the hip on the shoulder-to-ball-of-foot line at mid-stance: "
        "no bend at the waist, no sitting back",
    ),
    "pull_heel_height": Range(
        (0.1, 0.6),
        (0.03, 0.8),
        "leg lengths",
        "Pose method 'pull': the foot lifted up under the hip in swing, not dragged low; "
        "no published norm: a wide band around the runners we have measured",
    ),
    "pull_heel_behind": Range(
        (0.0, 0.7),
        (-0.1, 0.85),
        "leg lengths",
        "Pose method 'pull': the foot pulled up under the hip, not kicked far back; "
        "no published norm: a wide band around the runners we have measured",
    ),
}


def range_for(name: str) -> Range | None:
    """The normal range of metric ``name``, or None where there is none."""
    return RANGES.get(name)


def band(name: str, value: float | None) -> Band | None:
    """The band of ``value`` for metric ``name``; None without a range or a value."""
    r = RANGES.get(name)
    if r is None or value is None or not math.isfinite(value):
        return None
    return r.band(value)


def ranges_json() -> dict[str, dict[str, Any]]:
    """``{metric: {"green": [lo, hi], "amber": [lo, hi], "unit": str, "source": str}}``."""
    return {name: r.as_json() for name, r in RANGES.items()}
