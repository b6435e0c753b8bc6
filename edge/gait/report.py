"""Offline analysis of a whole landmark sequence into the versioned :class:`Report`.

The report runs every frame through the same :class:`~edge.gait.analyzer.GaitAnalyzer` as
the live monitor (the view is detected over the whole clip first when ``view="auto"``),
then: cadence by the one rule (:mod:`edge.gait.cadence_choice`), the clip's cues
(:mod:`edge.gait.clip_cues`), the summary (:mod:`edge.gait.report_summary`) and the footage
checks (:mod:`edge.gait.footage`). The JSON layout is :mod:`edge.gait.report_model`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge.errors import FrameError
from edge.gait.analyzer import GaitAnalyzer
from edge.gait.bounce import periodicity_cadence
from edge.gait.clip_cues import CLIP_POLICY_S, clip_alerts, judge_clip
from edge.gait.config import AlertsConfig, GaitConfig, ViewName
from edge.gait.footage import MIN_RUNNING_CADENCE, footage_checks
from edge.gait.metrics import METRICS
from edge.gait.ranges import band, ranges_json
from edge.gait.records import AlertRecord
from edge.gait.report_model import (
    SCHEMA_VERSION,
    Alert,
    Check,
    CueVerdict,
    Event,
    Metric,
    NormalRange,
    Report,
    Stride,
    report_schema,
)
from edge.gait.report_summary import build_summary, symmetry, window_metrics
from edge.gait.tuning import CADENCE_AGREEMENT_SPM
from edge.gait.views import detect_view
from edge.landmarks import NUM_LANDMARKS, Landmark

__all__ = [
    "CLIP_POLICY_S",
    "MIN_RUNNING_CADENCE",
    "SCHEMA_VERSION",
    "Report",
    "analyze_landmarks",
    "report_schema",
]

#: A recording shorter than this is judged as a clip (every confident stride is evidence);
#: the live policy's evidence window and dwell (20 s) are made for runs of minutes.
F32 = npt.NDArray[np.float32]


def _alert(a: AlertRecord) -> Alert:
    return Alert(
        state=a.state,
        rule=a.rule,
        cue=a.cue,
        value=a.value,
        stride_index=a.stride_index,
        t=a.t_s,
        priority=a.priority,
        feedback=a.feedback,
        evidence=a.evidence,
    )


def _bounce_cadence(sq: F32, rate: float) -> float | None:
    """Cadence from the hips' once-per-step bounce (the shoulders' when the hips give none)."""
    t_all = np.arange(sq.shape[0], dtype=np.float64) / rate
    hip_y = 0.5 * (sq[:, Landmark.LEFT_HIP, 1] + sq[:, Landmark.RIGHT_HIP, 1])
    per = periodicity_cadence(t_all, hip_y.astype(np.float64))
    if per is None:
        sh_y = 0.5 * (sq[:, Landmark.LEFT_SHOULDER, 1] + sq[:, Landmark.RIGHT_SHOULDER, 1])
        per = periodicity_cadence(t_all, sh_y.astype(np.float64))
    return per


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
    guess = detect_view(sq)
    view_source: Literal["config", "detected"] = "config" if view != "auto" else "detected"
    fixed = (guess.view if guess is not None else None) if view == "auto" else view
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
    live_alerts: list[Alert] = []
    for i in range(lm.shape[0]):
        live_alerts.extend(_alert(a) for a in analyzer.push(i, i / fps, lm[i]).alerts)
    strides = list(analyzer.strides)
    verdicts = judge_clip(strides, alerts)
    rate = analyzer.rate
    policy: Literal["clip", "live"] = "clip" if lm.shape[0] / rate < CLIP_POLICY_S else "live"
    alerts_out = (
        [_alert(a) for a in clip_alerts(verdicts, strides, alerts)]
        if policy == "clip"
        else live_alerts
    )
    # foot labels by the final majority vote over the whole clip
    foot = {k: ("left" if analyzer.track_is_left(k) else "right") for k in (0, 1)}
    contacts, toe_offs = (
        [
            Event(
                frame=round(c.frame), t=c.t, foot=foot[c.track], confidence=round(c.confidence, 3)
            )
            for c in events
        ]
        for events in (analyzer.contacts, analyzer.toe_offs)
    )
    choice = analyzer.cadence_choice(strides, _bounce_cadence(sq, rate))
    per = choice.bounce_spm
    checks: list[Check] = []
    if choice.contacts_spm is not None and per is not None:
        checks.append(
            Check(
                name="cadence_agreement",
                ok=abs(per - choice.contacts_spm) <= CADENCE_AGREEMENT_SPM,
                detail=f"contacts {choice.contacts_spm:.1f} vs hip bounce {per:.1f} steps/min",
            )
        )
    checks += footage_checks(
        analyzer=analyzer,
        sq=sq,
        gait=gait,
        cadence=choice.spm,
        capture_fps=capture_fps,
        aspect=aspect,
        aspect_known=aspect_known,
        view=view,
        guess=guess,
        n_contacts=len(contacts),
    )
    fallback = (
        window_metrics(
            sq,
            rate,
            step_s=60.0 / (choice.spm or per or 170.0),
            view=fixed,
            analyzer=analyzer,
            gait=gait,
        )
        if fixed is not None
        else {}
    )
    cad_metric = Metric(
        value=choice.spm,
        unit="steps/min",
        confidence=round(choice.confidence, 3),
        reason=choice.reason,
        band=band("cadence_spm", choice.spm),
    )
    summary = build_summary(
        strides, gait=gait, view=fixed, guess=guess, fallback=fallback, cadence=cad_metric
    )
    return Report(
        frames=int(lm.shape[0]),
        frames_with_person=analyzer.frames_with_person,
        fps=float(fps),
        capture_fps=capture_fps,
        capture_fps_source=(capture_fps_source or "option") if capture_fps else None,
        view=fixed,
        view_source=view_source,
        view_class=None if guess is None else guess.view_class,
        view_yaw_deg=None if guess is None else round(guess.yaw_deg, 1),
        aspect=aspect,
        event_delay_s=analyzer.delay_s,
        cadence_spm=choice.spm,
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
        symmetry=symmetry(strides),
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
