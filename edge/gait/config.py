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

from typing import Any, Literal

from pydantic import Field, model_validator

from edge.config.base import Section
from edge.gait.records import View

#: A configured view: one of :data:`edge.gait.records.View`, or detected from the landmarks.
ViewName = Literal["auto", View]
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
    overstride_heel_ahead: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description=(
            "Overstride sign 1 (needed): heel this far ahead of the hips at contact, leg "
            "lengths (~18 cm for a 90 cm leg; landing 'under the hips' is ~0.05)."
        ),
    )
    overstride_shank_deg: float = Field(
        10.0,
        ge=0.0,
        le=45.0,
        description=(
            "Overstride sign: shank (knee -> ankle) inclined forward more than this at contact; "
            "a near-vertical shank lands under the knee (Souza 2016; Lieberman et al. 2015: "
            "shank angle predicts braking)."
        ),
    )
    overstride_knee_flexion_deg: float = Field(
        10.0,
        ge=0.0,
        le=45.0,
        description=(
            "Overstride sign: knee flexed less than this at contact (nearly straight; ~20 deg "
            "is typical, Souza 2016; Heiderscheit et al. 2011)."
        ),
    )
    overstride_cadence_spm: float = Field(
        165.0,
        ge=100.0,
        le=220.0,
        description=(
            "Overstride sign: cadence below this (long, slow steps land further ahead; "
            "Heiderscheit et al. 2011). A heel ahead at a quick cadence alone is no fault."
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


class AlertRule(Section):
    """One coaching rule on one metric: raise when the evidence of ``n_of`` of the last
    ``last_m`` confident strides (and their median) is past ``threshold``."""

    enabled: bool = Field(True, description="Whether this cue may be raised.")
    metric: str = Field(
        "",
        max_length=40,
        description="Per-step metric watched (empty: the metric named like the rule).",
    )
    unit: str = Field("", max_length=20, description="Unit of threshold and clear.")
    threshold: float = Field(0.0, ge=-1000.0, le=1000.0, description="Value that raises the cue.")
    direction: Direction = Field("above", description="Raise when the value is above / below.")
    clear: float = Field(
        0.0,
        ge=-1000.0,
        le=1000.0,
        description="Hysteresis: the value must come back past this to clear the cue.",
    )
    n_of: int = Field(5, ge=1, le=50, description="How many of the last strides must cross.")
    last_m: int = Field(
        8,
        ge=1,
        le=50,
        description=(
            "How many recent confident strides are looked at (their median must cross too)."
        ),
    )
    cooldown_s: float = Field(
        30.0,
        ge=0.0,
        le=600.0,
        description="After a cue clears or is replaced, it may not return for this long.",
    )
    priority: int = Field(
        5, ge=1, le=10, description="1 = most important; the focus cue is the most important."
    )
    min_confidence: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Confidence floor: strides whose value is less sure than this are ignored.",
    )
    cue: str = Field("", max_length=80, description="The short cue shown to the runner.")
    praise: str = Field(
        "", max_length=80, description="Shown when the fault is gone (positive feedback)."
    )


def _rule(**kw: object) -> AlertRule:
    return AlertRule.model_validate(kw)


class AlertsConfig(Section):
    enabled: bool = Field(True, description="Raise coaching cues.")
    max_active: int = Field(
        1,
        ge=1,
        le=5,
        description=(
            "Cues shown at once. Coaches work on one thing at a time (at most two): "
            "Whitt, 'Bad? Running advice', running-form seed text 004."
        ),
    )
    min_dwell_s: float = Field(
        20.0,
        ge=0.0,
        le=600.0,
        description=(
            "A focus cue is held at least this long before another may replace it (a cue "
            "needs time to be tried; the seeds' drills work in ~20 s bouts)."
        ),
    )
    decide_s: float = Field(
        3.0,
        ge=0.0,
        le=60.0,
        description=(
            "Once a cue could be raised, wait this long before choosing the focus, so a more "
            "important fault still gathering evidence is chosen first."
        ),
    )
    # Overstride decided on the landing geometry together (see GaitConfig.overstride_*):
    # the value is 0 when the heel lands under the hips, else 1 + the signs that come with
    # it (shank inclined forward, knee nearly straight, low cadence).
    overstride: AlertRule = Field(
        default_factory=lambda: _rule(
            metric="overstride_landing",
            unit="signs",
            threshold=1.5,
            direction="above",
            clear=1.0,
            priority=1,
            cue="land under your hips",
            praise="good: landing under your hips",
        ),
        description=(
            "Overstride: heel well ahead of the hips at contact together with a forward "
            "shank, a straight knee or a low cadence (landing-geometry signs; Souza 2016, "
            "PM&R Clin N Am 27:217; Heiderscheit et al. 2011, MSSE 43:296; Lieberman et al. "
            "2015, J Exp Biol 218:3406). Raised at 2 or more signs."
        ),
    )
    head_pitch_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="deg",
            threshold=20.0,
            direction="above",
            clear=10.0,
            priority=2,
            cue="eyes forward",
            praise="good: eyes forward",
        ),
        description=(
            "Gaze dropped to the belt: head pitch below the runner's own level-gaze baseline "
            "(its first 20 s). 20 deg is about where the feet enter the field of "
            "view of a runner looking ahead ('if your shoes come into view you are looking "
            "down', seed text 001; neutral head, Souza 2016)."
        ),
    )
    head_forward: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="torso lengths",
            threshold=0.25,
            direction="above",
            clear=0.18,
            priority=3,
            cue="head tall, over your shoulders",
            praise="good: head over your shoulders",
        ),
        description=(
            "Head pushed ahead of the shoulders: ears a quarter torso length ahead (~12 cm) "
            "(neutral head over the shoulders, seed text 000; Souza 2016)."
        ),
    )
    arm_crossover: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="shoulder widths",
            threshold=0.1,
            direction="above",
            clear=0.03,
            priority=2,
            cue="elbows by your sides, swing forward and back",
            praise="good: arms swinging forward and back",
        ),
        description=(
            "Hands cross the body's midline (front/rear view), by a tenth of a shoulder "
            "width or more ('arms forward and back, not across the body', seed text 001)."
        ),
    )
    trunk_lean_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="deg",
            threshold=15.0,
            direction="above",
            clear=11.0,
            priority=3,
            cue="run tall, lean from the ankles",
            praise="good: tall posture",
        ),
        description=(
            "Bending forward at the waist: self-selected lean is ~7 deg (quoted by Souza "
            "2016 / seed text 004); twice that is a bend, not a lean."
        ),
    )
    cadence_spm: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="steps/min",
            threshold=155.0,
            direction="below",
            clear=160.0,
            priority=4,
            cue="quicker, lighter steps",
            praise="good: quick light steps",
        ),
        description=(
            "Steps per minute too low: recreational runners run ~155-170; raising cadence "
            "5-10 % reduces braking and joint loading (Heiderscheit et al. 2011, MSSE 43:296)."
        ),
    )
    elbow_angle_deg: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="deg",
            threshold=130.0,
            direction="above",
            clear=115.0,
            priority=5,
            cue="bend your elbows",
            praise="good: elbows bent",
        ),
        description=(
            "Arms held nearly straight: elbows about 90 deg (seed texts 000, 001); the "
            "median angle over a step above 130 deg is an arm held nearly straight."
        ),
    )
    vertical_oscillation: AlertRule = Field(
        default_factory=lambda: _rule(
            unit="leg lengths",
            threshold=0.13,
            direction="above",
            clear=0.10,
            priority=5,
            cue="run light, less bounce",
            praise="good: smooth and light",
        ),
        description=(
            "Hips rise and fall too much per step: 6-10 cm (0.07-0.11 leg lengths) is "
            "typical; more is bouncing (Folland et al. 2017, MSSE 49:1412; Moore 2016, "
            "Sports Med 46:793)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _partial_rules_keep_their_defaults(cls, data: Any) -> Any:
        """``[alerts.overstride]`` with only ``threshold`` changes the threshold: the rule's
        other options (its metric, unit, cue, priority) keep the rule's own defaults, not
        the generic ones of :class:`AlertRule`."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            given = out.get(name)
            if isinstance(given, dict) and field.default_factory is not None:
                default = field.get_default(call_default_factory=True)
                if isinstance(default, AlertRule):
                    out[name] = {**default.model_dump(), **given}
        return out

    def rules(self) -> dict[str, AlertRule]:
        """The rules by name (a rule watches ``rule.metric``, else the metric of its name)."""
        return {
            name: rule
            for name in type(self).model_fields
            if isinstance(rule := getattr(self, name), AlertRule)
        }
