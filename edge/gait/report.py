"""Offline analysis of a whole landmark sequence, and the versioned report it produces.

The report runs every frame through the same :class:`~edge.gait.analyzer.GaitAnalyzer` as
the live monitor (the view is detected over the whole clip first when ``view="auto"``),
then summarizes: medians over strides, left/right symmetry, and footage checks that say
when the numbers should not be trusted.

The JSON layout is :class:`Report` (``schema_version``); its JSON Schema is committed as
``edge/gait/report.schema.json`` and a test keeps the two in step.
"""

from __future__ import annotations

import math
import statistics
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from edge.errors import FrameError
from edge.gait.analyzer import FEET_CUT, GaitAnalyzer
from edge.gait.cadence_choice import choose_cadence
from edge.gait.clip_cues import clip_alerts, judge_clip
from edge.gait.config import AlertsConfig, GaitConfig, ViewName
from edge.gait.metrics import (
    FRONTAL,
    FRONTAL_ONLY_REASON,
    METRICS,
    SIDE,
    SIDE_ONLY_REASON,
    StepContext,
    View,
    detect_view,
    periodicity_cadence,
    step_metrics,
    summarize,
)
from edge.gait.ranges import band, ranges_json
from edge.gait.records import MetricValue, StrideRecord
from edge.landmarks import NUM_LANDMARKS, Landmark

SCHEMA_VERSION = 3
#: A recording shorter than this is judged as a clip (every confident stride is evidence);
#: the live policy's evidence window and dwell (20 s) are made for runs of minutes.
CLIP_POLICY_S = 60.0
#: A frontal view turned further than this from square-on (yaw from the side below it)
#: sees part of the arms' forward swing as crossover.
FRONT_SQUARE_YAW_DEG = 60.0
#: Below this a runner's cadence is implausible (walking is ~100-120 steps/min): usually a
#: slow-motion clip analysed at its playback rate.
MIN_RUNNING_CADENCE = 100.0
F32 = npt.NDArray[np.float32]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Metric(_Model):
    """A number with its unit and confidence, or ``null`` with the reason why not."""

    value: float | None = Field(description="Median over strides, or null (see reason).")
    unit: str
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str | None = None
    label: str | None = Field(None, description="Category, e.g. foot strike 'rearfoot'.")
    band: Literal["green", "amber", "red"] | None = Field(
        None, description="Normal range the value falls in (see Report.ranges); absent without one."
    )

    @classmethod
    def of(cls, mv: MetricValue, name: str | None = None) -> Metric:
        return cls(
            value=mv.value,
            unit=mv.unit,
            confidence=round(mv.confidence, 3),
            reason=mv.reason,
            label=mv.label,
            band=None if name is None else band(name, mv.value),
        )

    def banded(self, name: str) -> Metric:
        return self.model_copy(update={"band": band(name, self.value)})


class NormalRange(_Model):
    green: tuple[float, float]
    amber: tuple[float, float] = Field(description="Contains green; outside it is red.")
    unit: str
    source: str


class HeadMetric(Metric):
    """Head position: ``value`` is the pitch (side views) or the eye-line tilt (frontal)."""

    measure: str = Field(description="Which of the parts below ``value`` repeats.")
    pitch_deg: Metric
    forward: Metric
    tilt_deg: Metric
    sway: Metric
    bob: Metric


class Event(_Model):
    frame: int
    t: float = Field(description="Capture time in seconds (sub-frame).")
    foot: Literal["left", "right"]
    confidence: float


class Stride(_Model):
    index: int
    foot: Literal["left", "right"]
    frame: int
    t: float
    metrics: dict[str, Metric]


class Alert(_Model):
    state: Literal["raised", "cleared"]
    rule: str
    cue: str
    value: float | None
    stride_index: int
    t: float
    priority: int
    feedback: str | None = Field(
        None, description="On 'cleared' because the fault is gone: the praise shown."
    )


class CueVerdict(_Model):
    """What a clip's strides say about one cue's rule (see ``edge.gait.clip_cues``)."""

    rule: str
    cue: str
    raised: bool
    strides_past: int = Field(description="Confident strides past the cue's threshold.")
    strides_confident: int = Field(description="Strides at the rule's confidence floor or above.")
    strides_measured: int
    median: float | None
    reason: str = Field(description="Why the cue was raised, or why not.")


class Symmetry(_Model):
    left: float | None
    right: float | None
    index_pct: float | None = Field(description="100·|L−R| / mean(L, R); 0 = symmetric.")


class Check(_Model):
    name: str
    ok: bool
    detail: str


class Summary(_Model):
    cadence_spm: Metric
    overstride: Metric
    shank_angle_deg: Metric
    knee_flexion_deg: Metric
    arm_crossover: Metric
    arm_crossover_rate: Metric = Field(
        description="Fraction of steps in which a wrist crosses the midline."
    )
    elbow_angle_deg: Metric
    head: HeadMetric
    trunk_lean_deg: Metric
    foot_strike: Metric
    contact_time_ms: Metric
    duty_factor: Metric
    vertical_oscillation: Metric
    overstride_landing: Metric = Field(
        description="Landing-geometry signs of overstriding (0 = heel under the hips)."
    )
    alignment_fall_deg: Metric = Field(
        description="Pose method: ball of foot → shoulders line from vertical at mid-stance."
    )
    alignment_offset: Metric = Field(
        description="Pose method: hips off the ball → shoulders line at mid-stance."
    )
    pull_heel_height: Metric = Field(
        description="Pose method 'pull': swing heel above the belt passing under the hips."
    )
    pull_heel_behind: Metric = Field(
        description="Pose method 'pull': swing heel behind the hips at its highest."
    )


class Report(_Model):
    schema_version: int = SCHEMA_VERSION
    frames: int
    frames_with_person: int
    fps: float
    capture_fps: float | None
    capture_fps_source: Literal["option", "metadata"] | None = Field(
        description="Where capture_fps came from: given (--capture-fps) or the file's metadata."
    )
    view: Literal["side-left", "side-right", "front", "rear"] | None
    view_source: Literal["config", "detected"]
    view_class: Literal["side", "oblique-side", "front", "rear"] | None = Field(
        description=(
            "What the landmarks show: side, oblique-side (between side and front: side "
            "metrics kept with lower confidence), front or rear."
        )
    )
    view_yaw_deg: float | None = Field(
        description="Camera turned from the side view (0) towards front/rear (90), degrees."
    )
    aspect: float = Field(description="Frame width / height used to square the coordinates.")
    event_delay_s: float = Field(description="Live delay of contacts/toe-offs (capture time).")
    cadence_spm: float | None
    cadence_source: Literal["contacts", "bounce"] | None = Field(
        description="Which signal cadence_spm comes from (see cadence_reason)."
    )
    cadence_reason: str = Field(description="Why that signal: the rule that chose it.")
    cadence_periodicity_spm: float | None = Field(
        description="Cadence from the hips' once-per-step bounce (a cross-check)."
    )
    contacts: list[Event]
    toe_offs: list[Event]
    strides: list[Stride]
    summary: Summary
    symmetry: dict[str, Symmetry]
    alerts: list[Alert]
    cue_policy: Literal["clip", "live"] = Field(
        description=(
            "clip: a recording shorter than CLIP_POLICY_S, judged on all its confident strides "
            "(alerts are its focus cues); live: alerts as the live monitor raised them."
        )
    )
    cues: list[CueVerdict] = Field(
        description="Every rule's verdict over the clip's strides, the focus cue(s) first."
    )
    checks: list[Check]
    ranges: dict[str, NormalRange] = Field(
        description="Normal range of each banded metric: green / amber (else red), with source."
    )


def _m(strides: list[StrideRecord], name: str, gait: GaitConfig, view: View | None) -> Metric:
    spec = METRICS[name]
    if view is not None and view not in spec.views + spec.low_confidence_views:
        reason = SIDE_ONLY_REASON if view in FRONTAL else FRONTAL_ONLY_REASON
        return Metric(value=None, unit=spec.unit, confidence=0.0, reason=reason)
    if view is None:
        return Metric(value=None, unit=spec.unit, confidence=0.0, reason="no runner found")
    return Metric.of(summarize(strides, name, min_strides=gait.min_contacts))


def _symmetry(strides: list[StrideRecord], name: str) -> Symmetry:
    side: dict[str, list[float]] = {"left": [], "right": []}
    for s in strides:
        mv = s.metrics.get(name)
        if mv is not None and mv.value is not None:
            side[s.foot].append(mv.value)
    left = statistics.median(side["left"]) if side["left"] else None
    right = statistics.median(side["right"]) if side["right"] else None
    idx = None
    if left is not None and right is not None and abs(left + right) > 1e-9:
        idx = 100.0 * abs(left - right) / abs(0.5 * (left + right))
    return Symmetry(left=left, right=right, index_pct=idx)


def _crossing_rate(strides: list[StrideRecord], summary: Metric) -> Metric:
    vals = [
        mv.value
        for s in strides
        if (mv := s.metrics.get("arm_crossover")) is not None and mv.value is not None
    ]
    if not vals:
        return Metric(
            value=None, unit="fraction", confidence=0.0, reason=summary.reason or "no strides"
        )
    rate = sum(v > 0.0 for v in vals) / len(vals)
    return Metric(value=rate, unit="fraction", confidence=summary.confidence, reason=summary.reason)


def _runner_height(sq: F32) -> float | None:
    """Median shoulders-to-feet height as a fraction of the frame height."""
    top = np.fmin(sq[:, Landmark.LEFT_SHOULDER, 1], sq[:, Landmark.RIGHT_SHOULDER, 1])
    bottom = np.fmax(sq[:, Landmark.LEFT_ANKLE, 1], sq[:, Landmark.RIGHT_ANKLE, 1])
    h = bottom - top
    h = h[np.isfinite(h)]
    return float(np.median(h)) if h.size else None


#: Metrics measured over a step's frames (not at a contact): when no contacts are found
#: (feet out of frame, a clip too short) they are measured over fixed one-step windows.
WINDOW_METRICS = (
    "trunk_lean_deg",
    "head_forward",
    "head_pitch_deg",
    "head_tilt_deg",
    "head_sway",
    "arm_crossover",
    "elbow_angle_deg",
)


def _window_metrics(
    sq: F32,
    rate: float,
    *,
    step_s: float,
    view: View,
    analyzer: GaitAnalyzer,
    gait: GaitConfig,
) -> dict[str, Metric]:
    t = np.arange(sq.shape[0], dtype=np.float64) / rate
    if t.shape[0] < 2:
        return {}
    ctx = StepContext(
        view=view,
        facing=analyzer.facing,
        leg_length=analyzer.leg_length if math.isfinite(analyzer.leg_length) else 1.0,
        torso_length=analyzer.torso_length if math.isfinite(analyzer.torso_length) else 1.0,
        capture_rate=rate,
        track_is_left=(analyzer.track_is_left(0), analyzer.track_is_left(1)),
        near_track=0,
        cadence_spm=MetricValue(None, "steps/min", 0.0, "not used"),
        view_fit=analyzer.view.side_fit
        if analyzer.view is not None and analyzer.view.view_class == "oblique-side"
        else 1.0,
    )
    values: dict[str, list[MetricValue]] = {n: [] for n in WINDOW_METRICS}
    t0 = float(t[0])
    while t0 + step_s <= float(t[-1]) + 1e-9:
        got = step_metrics(
            t,
            sq,
            t_contact=t0,
            t_next=t0 + step_s,
            track=0,
            event_conf=0.0,
            toe_off_t=None,
            stride_s=None,
            ctx=ctx,
            cfg=gait,
        )
        for n in WINDOW_METRICS:
            if got[n].value is not None:
                values[n].append(got[n])
        t0 += step_s
    out: dict[str, Metric] = {}
    for n, mvs in values.items():
        if not mvs:
            continue
        vals = [mv.value for mv in mvs if mv.value is not None]
        conf = 0.7 * statistics.median(mv.confidence for mv in mvs)
        conf *= min(1.0, len(vals) / gait.min_contacts)
        out[n] = Metric(
            value=float(statistics.median(vals)),
            unit=METRICS[n].unit,
            confidence=round(conf, 3),
            reason="no foot contacts found: measured over one-step windows"
            + (f"; {mvs[0].reason}" if mvs[0].reason else ""),
        )
    return out


def analyze_landmarks(
    landmarks: F32,
    fps: float,
    *,
    capture_fps: float | None = None,
    view: ViewName = "auto",
    gait: GaitConfig | None = None,
    alerts: AlertsConfig | None = None,
    aspect: float | None = None,
    capture_fps_source: Literal["option", "metadata"] | None = None,
) -> Report:
    """Analyze ``landmarks`` (N, 33, 4) recorded at ``fps`` (frame i at i / fps).

    ``capture_fps``: the true capture rate of slow-motion footage. ``aspect``: frame width /
    height; normalized x is multiplied by it so angles and distances are true. Pass it:
    when ``None`` it is taken as 1.0 and the ``frame_aspect`` check fails (a 16:9 or a
    portrait frame would bend every angle).
    """
    if landmarks.ndim != 3 or landmarks.shape[1] != NUM_LANDMARKS or landmarks.shape[2] < 4:
        raise FrameError(f"landmarks must be (frames, 33, 4), got {landmarks.shape}")
    aspect_known = aspect is not None
    aspect = 1.0 if aspect is None else float(aspect)
    if not (aspect > 0 and math.isfinite(aspect)):
        raise FrameError(f"aspect must be positive, got {aspect}")
    gait = gait or GaitConfig()
    alerts = alerts or AlertsConfig()
    lm = np.ascontiguousarray(landmarks[..., :4], dtype=np.float32)
    sq = lm.copy()
    sq[..., 0] *= aspect
    sq[..., 2] *= aspect
    view_source: Literal["config", "detected"] = "config"
    fixed = None if view == "auto" else view
    guess = detect_view(sq)
    if fixed is None:
        view_source = "detected"
        fixed = guess.view if guess is not None else None
    analyzer = GaitAnalyzer(
        gait,
        alerts,
        fps,
        capture_fps,
        aspect=aspect,
        view=fixed,
        keep_strides=1_000_000,
        backfill=True,
    )
    alerts_out: list[Alert] = []
    for i in range(lm.shape[0]):
        upd = analyzer.push(i, i / fps, lm[i])
        alerts_out.extend(
            Alert(
                state=a.state,
                rule=a.rule,
                cue=a.cue,
                value=a.value,
                stride_index=a.stride_index,
                t=a.t_s,
                priority=a.priority,
                feedback=a.feedback,
            )
            for a in upd.alerts
        )
    strides = list(analyzer.strides)
    verdicts = judge_clip(strides, alerts)
    policy: Literal["clip", "live"] = (
        "clip" if lm.shape[0] / analyzer.rate < CLIP_POLICY_S else "live"
    )
    if policy == "clip":
        alerts_out = [
            Alert(
                state=a.state,
                rule=a.rule,
                cue=a.cue,
                value=a.value,
                stride_index=a.stride_index,
                t=a.t_s,
                priority=a.priority,
            )
            for a in clip_alerts(verdicts, strides, alerts)
        ]
    # foot labels by the final majority vote over the whole clip
    contacts_raw = analyzer.contacts
    foot = {k: ("left" if analyzer.track_is_left(k) else "right") for k in (0, 1)}
    contacts = [
        Event(frame=round(c.frame), t=c.t, foot=foot[c.track], confidence=round(c.confidence, 3))
        for c in contacts_raw
    ]
    toe_offs = [
        Event(frame=round(c.frame), t=c.t, foot=foot[c.track], confidence=round(c.confidence, 3))
        for c in analyzer.toe_offs
    ]
    rate = analyzer.rate
    t_all = np.arange(lm.shape[0], dtype=np.float64) / rate
    hip_y = 0.5 * (sq[:, Landmark.LEFT_HIP, 1] + sq[:, Landmark.RIGHT_HIP, 1]).astype(np.float64)
    per = periodicity_cadence(t_all, hip_y)
    if per is None:
        sh_y = 0.5 * (sq[:, Landmark.LEFT_SHOULDER, 1] + sq[:, Landmark.RIGHT_SHOULDER, 1])
        per = periodicity_cadence(t_all, sh_y.astype(np.float64))
    choice = choose_cadence(
        [c.t for c in contacts_raw],
        [c.track for c in contacts_raw],
        [c.confidence for c in contacts_raw],
        per,
        frontal=fixed in FRONTAL,
        feet_cut=analyzer.feet_edge_frac > FEET_CUT,
        min_contacts=gait.min_contacts,
        agreement_spm=gait.cadence_agreement_spm,
    )
    checks: list[Check] = []
    cadence = choice.spm
    if choice.contacts_spm is not None and per is not None:
        checks.append(
            Check(
                name="cadence_agreement",
                ok=abs(per - choice.contacts_spm) <= gait.cadence_agreement_spm,
                detail=f"contacts {choice.contacts_spm:.1f} vs hip bounce {per:.1f} steps/min",
            )
        )
    cad_metric = Metric(
        value=cadence,
        unit="steps/min",
        confidence=round(choice.confidence, 3),
        reason=choice.reason,
        band=band("cadence_spm", cadence),
    )

    plausible = cadence is not None and cadence >= MIN_RUNNING_CADENCE
    checks.append(
        Check(
            name="cadence_plausible",
            ok=plausible,
            detail=(
                f"{cadence:.0f} steps/min"
                if plausible and cadence is not None
                else (
                    "no cadence found"
                    if cadence is None
                    else f"{cadence:.0f} steps/min is implausible for a runner "
                    f"(< {MIN_RUNNING_CADENCE:.0f})"
                )
                + (
                    ""
                    if plausible or capture_fps
                    else ": if the clip is slow motion, give its capture rate (--capture-fps)"
                )
            ),
        )
    )
    n_person = analyzer.frames_with_person
    checks.append(
        Check(
            name="person_found",
            ok=n_person >= 0.5 * max(1, lm.shape[0]),
            detail=f"a person in {n_person} of {lm.shape[0]} frames",
        )
    )
    height = _runner_height(sq)
    checks.append(
        Check(
            name="runner_size",
            ok=height is not None and height >= gait.min_runner_height,
            detail=(
                "runner not found"
                if height is None
                else f"shoulders to feet = {height:.2f} of the frame height "
                f"(minimum {gait.min_runner_height:.2f})"
            ),
        )
    )
    feet_ok = analyzer.feet_edge_frac <= FEET_CUT
    checks.append(
        Check(
            name="feet_in_frame",
            ok=feet_ok,
            detail=f"feet at or past the frame's bottom edge in "
            f"{100 * analyzer.feet_edge_frac:.0f} % of frames"
            + ("" if feet_ok else ": nothing is measured at foot contact"),
        )
    )
    checks.append(
        Check(
            name="contacts",
            ok=len(contacts) >= gait.min_contacts,
            detail=f"{len(contacts)} foot contacts (minimum {gait.min_contacts})",
        )
    )
    checks.append(
        Check(
            name="fps_for_contact_time",
            ok=rate >= gait.min_fps_contact_time,
            detail=(
                f"capture rate {rate:.0f} fps"
                + ("" if rate >= gait.min_fps_contact_time else ": contact time is approximate")
            ),
        )
    )
    checks.append(
        Check(
            name="frame_aspect",
            ok=aspect_known,
            detail=(
                f"x scaled by width / height = {aspect:.3f}"
                if aspect_known
                else "frame size unknown: angles and distances assume square frames "
                "(pass aspect = width / height)"
            ),
        )
    )
    if guess is not None:
        matches = view in ("auto", guess.view) or (view in SIDE and guess.view in SIDE)
        checks.append(
            Check(
                name="view",
                ok=matches,
                detail=f"landmarks look like {guess.view} ({guess.view_class}, camera "
                f"{guess.yaw_deg:.0f} deg from the side; (shoulder + hip width) / torso = "
                f"{guess.shoulder_ratio:.2f})" + ("" if matches else f", configured {view}"),
            )
        )

    fallback: dict[str, Metric] = {}
    if fixed is not None:
        step_s = 60.0 / (cadence or per or 170.0)
        fallback = _window_metrics(
            sq, rate, step_s=step_s, view=fixed, analyzer=analyzer, gait=gait
        )

    def m(name: str) -> Metric:
        got = _m(strides, name, gait, fixed)
        if got.value is None and name in fallback:
            return fallback[name].banded(name)
        return got.banded(name)

    side = fixed in SIDE
    pitch, tilt = m("head_pitch_deg"), m("head_tilt_deg")
    primary = pitch if side else tilt
    head = HeadMetric(
        **primary.model_dump(),
        measure="pitch_deg" if side else "tilt_deg",
        pitch_deg=pitch,
        forward=m("head_forward"),
        tilt_deg=tilt,
        sway=m("head_sway"),
        bob=m("head_bob"),
    )
    arms = m("arm_crossover")
    if fixed in FRONTAL and guess is not None and guess.yaw_deg < FRONT_SQUARE_YAW_DEG:
        # seen at an angle, the forward-and-back swing shows up as sideways travel
        arms = arms.model_copy(
            update={
                "confidence": round(0.5 * arms.confidence, 3),
                "reason": "oblique camera: part of the forward swing looks like crossover",
            }
        )
    summary = Summary(
        cadence_spm=cad_metric,
        overstride=m("overstride"),
        shank_angle_deg=m("shank_angle_deg"),
        knee_flexion_deg=m("knee_flexion_deg"),
        arm_crossover=arms,
        arm_crossover_rate=_crossing_rate(strides, arms),
        elbow_angle_deg=m("elbow_angle_deg"),
        head=head,
        trunk_lean_deg=m("trunk_lean_deg"),
        foot_strike=m("foot_strike"),
        contact_time_ms=m("contact_time_ms"),
        duty_factor=m("duty_factor"),
        vertical_oscillation=m("vertical_oscillation"),
        overstride_landing=m("overstride_landing"),
        alignment_fall_deg=m("alignment_fall_deg"),
        alignment_offset=m("alignment_offset"),
        pull_heel_height=m("pull_heel_height"),
        pull_heel_behind=m("pull_heel_behind"),
    )
    return Report(
        frames=int(lm.shape[0]),
        frames_with_person=n_person,
        fps=float(fps),
        capture_fps=capture_fps,
        capture_fps_source=(capture_fps_source or "option") if capture_fps else None,
        view=fixed,
        view_source=view_source,
        view_class=None if guess is None else guess.view_class,
        view_yaw_deg=None if guess is None else round(guess.yaw_deg, 1),
        aspect=aspect,
        event_delay_s=analyzer.delay_s,
        cadence_spm=cadence,
        cadence_source=choice.source,
        cadence_reason=choice.reason,
        cadence_periodicity_spm=per,
        contacts=contacts,
        toe_offs=toe_offs,
        strides=[
            Stride(
                index=s.index,
                foot=s.foot,
                frame=s.frame_index,
                t=s.t_s,
                metrics={k: Metric.of(v, k) for k, v in s.metrics.items() if k in METRICS},
            )
            for s in strides
        ],
        summary=summary,
        symmetry={
            name: _symmetry(strides, name)
            for name in ("contact_time_ms", "overstride", "step_time_ms")
        },
        alerts=alerts_out,
        cue_policy=policy,
        cues=[
            CueVerdict(
                rule=v.rule,
                cue=v.cue,
                raised=v.raised,
                strides_past=v.past,
                strides_confident=v.confident,
                strides_measured=v.measured,
                median=v.median,
                reason=v.reason,
            )
            for v in verdicts
        ],
        checks=checks,
        ranges={name: NormalRange.model_validate(r) for name, r in ranges_json().items()},
    )


def report_schema() -> str:
    """The JSON Schema of :class:`Report`, as committed in ``report.schema.json``."""
    import json

    return json.dumps(Report.model_json_schema(), indent=2, sort_keys=True) + "\n"
