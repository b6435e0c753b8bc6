"""Configuration of gait analysis and alerts (owned by the gait-analysis work).

Where a default comes from the running-form literature, the comment beside it says so
(see ``../shared/PRODUCT.md`` and the coaching texts it was distilled from):

- Cadence: coaches aim near 170–180 steps/min; recreational runners often run 150–170.
- Trunk lean: a slight forward lean of a few degrees from the ankles/hips; self-selected
  lean on a treadmill is about 7° (measured hip → shoulder from vertical).
- Overstride: heel landing about 0.05 leg lengths ahead of the hips is landing "under the
  hips"; 0.2 leg lengths (≈ 18 cm for a 90 cm leg) or more is a clear overstride.
- Foot strike angle at contact (heel → toe line against the belt): > 8° rearfoot, < −1.6°
  forefoot, midfoot between (Altman & Davis 2012). Shown, not judged, by default.
- Contact time of a recreational runner at ~170 steps/min: 180–320 ms; duty factor below
  50 % (running has no double support). Below ~60 fps a stance is only a few frames long,
  so contact time is approximate.
- Elbow angle near 90°; arms swing forward and back, the hands not crossing the midline.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from edge.configbase import Section

ViewName = Literal["auto", "side-left", "side-right", "front", "rear"]
Direction = Literal["above", "below"]


class GaitConfig(Section):
    view: ViewName = Field(
        "auto",
        description=(
            "Camera view: side-left / side-right (camera on the runner's left / right), "
            "front, rear, or auto (detected from the landmarks)."
        ),
    )
    window_s: float = Field(10.0, ge=2.0, le=120.0, description="Ring-buffer length in seconds.")
    event_delay_s: float = Field(
        0.15,
        ge=0.03,
        le=0.5,
        description=(
            "Fixed delay before a foot contact / toe-off is reported live: the detector "
            "looks this far past a candidate extremum before confirming it."
        ),
    )
    min_step_s: float = Field(
        0.2,
        ge=0.1,
        le=1.0,
        description="Shortest plausible step (0.2 s = 300 steps/min); closer events are merged.",
    )
    contact_prominence: float = Field(
        0.15,
        ge=0.02,
        le=1.0,
        description=(
            "How far (in leg lengths) a foot must travel back and forth relative to the "
            "hips between events for a contact to count."
        ),
    )
    min_visibility: float = Field(
        0.3, ge=0.0, le=1.0, description="Landmarks below this visibility count as missing."
    )
    head_pitch_neutral_deg: float = Field(
        15.0,
        ge=0.0,
        le=40.0,
        description=(
            "Angle of the ear → nose line below horizontal with the gaze level (the nose tip "
            "sits ~3 cm below and ~10 cm ahead of the ear); head pitch is measured from it."
        ),
    )
    rearfoot_above_deg: float = Field(
        8.0,
        ge=-10.0,
        le=40.0,
        description="Foot angle at contact above which a strike is rearfoot (Altman & Davis 2012).",
    )
    forefoot_below_deg: float = Field(
        -1.6,
        ge=-40.0,
        le=10.0,
        description="Foot angle at contact below which a strike is forefoot (Altman & Davis 2012).",
    )
    min_fps_contact_time: float = Field(
        60.0,
        ge=10.0,
        le=1000.0,
        description="Capture rate below which contact time is reported as approximate.",
    )
    min_runner_height: float = Field(
        0.25,
        ge=0.05,
        le=1.0,
        description="Runner (shoulders to feet) smaller than this fraction of the frame: warn.",
    )
    min_contacts: int = Field(
        6, ge=2, le=100, description="Fewer foot contacts than this: per-stride numbers are unsure."
    )
    cadence_agreement_spm: float = Field(
        6.0,
        ge=0.5,
        le=50.0,
        description=(
            "Cadence from contacts and from the hips' bounce must agree within this, "
            "otherwise cadence confidence drops."
        ),
    )


class AlertRule(Section):
    """One coaching rule: raise when ``n_of`` of the last ``last_m`` strides cross a threshold."""

    enabled: bool = Field(True, description="Whether this cue may be raised.")
    threshold: float = Field(0.0, ge=-1000.0, le=1000.0, description="Value that raises the cue.")
    direction: Direction = Field("above", description="Raise when the value is above / below.")
    clear: float = Field(
        0.0,
        ge=-1000.0,
        le=1000.0,
        description="Hysteresis: the value must come back past this to clear the cue.",
    )
    n_of: int = Field(3, ge=1, le=50, description="How many of the last strides must cross.")
    last_m: int = Field(5, ge=1, le=50, description="How many recent strides are looked at.")
    cooldown_s: float = Field(
        10.0, ge=0.0, le=600.0, description="After a cue clears, it may not return for this long."
    )
    priority: int = Field(5, ge=1, le=10, description="1 = most important; at most two cues show.")
    min_confidence: float = Field(
        0.5, ge=0.0, le=1.0, description="Strides whose value is less sure than this are ignored."
    )
    cue: str = Field("", max_length=80, description="The short cue shown to the runner.")

    @field_validator("clear")
    @classmethod
    def _clear_on_the_calm_side(cls, clear: float, info: ValidationInfo) -> float:
        """The cue clears on the calm side of its threshold, or it could never clear."""
        threshold, direction = info.data.get("threshold"), info.data.get("direction")
        if threshold is None or direction is None:
            return clear
        if direction == "above" and clear > threshold:
            raise ValueError(
                f"clear ({clear:g}) must be at or below the threshold ({threshold:g}) "
                "for a cue raised above it"
            )
        if direction == "below" and clear < threshold:
            raise ValueError(
                f"clear ({clear:g}) must be at or above the threshold ({threshold:g}) "
                "for a cue raised below it"
            )
        return clear


def _rule(**kw: object) -> AlertRule:
    return AlertRule.model_validate(kw)


class AlertsConfig(Section):
    enabled: bool = Field(True, description="Raise coaching cues.")
    max_active: int = Field(
        2, ge=1, le=5, description="Cues shown at once (coaches cue one or two things at a time)."
    )
    # Overstride: 0.05 leg lengths is landing under the hips, 0.2 a clear overstride.
    overstride: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=0.2, direction="above", clear=0.15, priority=1, cue="land under your hips"
        ),
        description="Heel lands too far ahead of the hips (side view; leg lengths).",
    )
    # Gaze down: more than ~20° of head pitch below level is looking at the belt.
    head_pitch_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=20.0, direction="above", clear=12.0, priority=2, cue="eyes forward"
        ),
        description="Looking down at the belt (side view; degrees below level).",
    )
    # Head jutting: ears more than a quarter torso length ahead of the shoulders.
    head_forward: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=0.25,
            direction="above",
            clear=0.18,
            priority=3,
            cue="head tall, over your shoulders",
        ),
        description="Head pushed ahead of the shoulders (side view; torso lengths).",
    )
    # Arms: hands should swing forward and back, not across the body's midline.
    arm_crossover: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=0.1,
            direction="above",
            clear=0.03,
            priority=2,
            cue="elbows by your sides, swing forward and back",
        ),
        description="Hands cross the midline (front/rear view; shoulder widths past it).",
    )
    # Self-selected lean is ~7°; beyond ~15° the runner is bending at the waist.
    trunk_lean_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=15.0,
            direction="above",
            clear=11.0,
            priority=3,
            cue="run tall, lean from the ankles",
        ),
        description="Leaning or bending too far forward (side view; degrees from vertical).",
    )
    # Coaches aim near 170–180 steps/min; well below 160 usually comes with overstriding.
    cadence_spm: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=155.0,
            direction="below",
            clear=160.0,
            priority=4,
            cue="quicker, lighter steps",
        ),
        description="Steps per minute too low.",
    )
    # Elbows near 90°; a straight, swinging arm wastes energy.
    elbow_angle_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=130.0, direction="above", clear=115.0, priority=5, cue="bend your elbows"
        ),
        description="Arms held too straight (side view; degrees at the elbow).",
    )
    # Vertical oscillation ~6–10 cm is typical; much more is bouncing instead of moving on.
    vertical_oscillation: AlertRule = Field(
        default_factory=lambda: _rule(
            threshold=0.13, direction="above", clear=0.10, priority=5, cue="run light, less bounce"
        ),
        description="Hips rise and fall too much per step (leg lengths).",
    )

    def rules(self) -> dict[str, AlertRule]:
        """The rules by the metric name they watch."""
        return {
            name: rule
            for name in type(self).model_fields
            if isinstance(rule := getattr(self, name), AlertRule)
        }
