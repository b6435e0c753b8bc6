"""A synthetic treadmill runner whose ground truth is known exactly: its parameters, clips.

How the stick figure is built from a gait phase and projected into a camera view is in
:mod:`edge.gait.synthetic_body`; here are the parameters (each one also the ground truth),
the per-step truth, and clips with noise, dropouts and left/right label swaps applied.

For a live demo, keep a running phase with :func:`advance_phase` and draw with
:func:`pose_at_phase`, so the gait stays continuous when the parameters change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge.gait.records import View
from edge.gait.synthetic_body import body_points, project
from edge.landmarks import LEFT_RIGHT_PAIRS, NUM_LANDMARKS

FootStrike = Literal["rearfoot", "midfoot", "forefoot"]
F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

STRIKE_FOOT_DEG: dict[str, float] = {"rearfoot": 15.0, "midfoot": 2.0, "forefoot": -12.0}


@dataclass(frozen=True)
class RunnerParams:
    """What the synthetic runner does; every field is also its ground truth."""

    cadence_spm: float = 172.0
    #: heel ahead of the hips at initial contact / leg length (~0.05 good, >= 0.2 overstride)
    overstride: float = 0.0
    #: how far the wrist crosses the midline at the front of its swing / shoulder width
    arm_crossover: float = 0.0
    head_pitch_deg: float = 0.0  # positive = gaze down
    trunk_lean_deg: float = 5.0  # positive = forward
    foot_strike: FootStrike = "rearfoot"
    view: View = "side-left"
    fps: float = 60.0
    noise: float = 0.0  # landmark noise std, normalized units
    dropout: float = 0.0  # fraction of frames with nobody (NaN)
    swap_prob: float = 0.0  # per-frame probability of a left/right label swap
    seed: int = 0
    head_forward: float = 0.05  # ear ahead of shoulder / torso length
    elbow_angle_deg: float = 90.0
    vertical_oscillation: float = 0.08  # hip rise and fall / leg length
    duty_factor: float = 0.36  # fraction of a stride each foot is on the belt
    height_frac: float = 0.6  # body height / frame height
    center_x: float = 0.5  # hip midpoint, normalized
    center_y: float = 0.55
    frame_width: int = 1280
    frame_height: int = 720
    far_visibility: float = 0.6  # visibility of the far side in side views
    #: camera turned from the side view towards the runner's front by this much (0 = the
    #: view as named, 90 = a front view seen from the side camera's position); side views only
    yaw_deg: float = 0.0
    #: a panning camera: the runner drifts across the frame by this much (normalized width,
    #: peak to peak) with period ``pan_period_s``
    pan: float = 0.0
    pan_period_s: float = 4.0
    #: the heel's most forward point comes this long before contact (swing-leg retraction;
    #: ~0.03-0.06 s in recreational runners); 0 = at contact
    swing_retraction_s: float = 0.0

    @property
    def aspect(self) -> float:
        """Frame width / height (multiply normalized x by this for square units)."""
        return self.frame_width / self.frame_height

    @property
    def step_s(self) -> float:
        return 60.0 / self.cadence_spm

    @property
    def stride_s(self) -> float:
        return 2.0 * self.step_s

    @property
    def contact_time_s(self) -> float:
        return self.duty_factor * self.stride_s

    @property
    def strike_angle_deg(self) -> float:
        return STRIKE_FOOT_DEG[self.foot_strike]


@dataclass(frozen=True)
class StepTruth:
    """Ground truth of one step (initial contact of ``foot`` to the next contact)."""

    foot: Literal["left", "right"]
    contact_t: float
    toe_off_t: float
    metrics: dict[str, float]


@dataclass
class SyntheticClip:
    landmarks: F32  # (N, 33, 4), with noise, dropouts and label swaps applied
    clean: F32  # (N, 33, 4) without them
    timestamps: F64  # (N,)
    fps: float
    params: RunnerParams  # of the first segment
    segments: list[tuple[RunnerParams, float, float]]  # (params, t_start, t_end)
    steps: list[StepTruth] = field(default_factory=list)
    swapped: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def contact_times(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"left": [], "right": []}
        for s in self.steps:
            out[s.foot].append(s.contact_t)
        return out

    @property
    def toe_off_times(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"left": [], "right": []}
        for s in self.steps:
            out[s.foot].append(s.toe_off_t)
        return out

    def params_at(self, t_s: float) -> RunnerParams:
        for p, t0, t1 in self.segments:
            if t0 <= t_s < t1:
                return p
        return self.segments[-1][0]


def advance_phase(phase: float, dt_s: float, params: RunnerParams) -> float:
    """Gait phase (in strides) after ``dt_s`` seconds at ``params.cadence_spm``."""
    return phase + dt_s * params.cadence_spm / 120.0


def pose_at_phase(phase: float, params: RunnerParams) -> F32:
    """(33, 4) clean landmarks of the runner at gait ``phase`` (strides)."""
    out: F32 = project(body_points(np.array([phase]), params), params)[0]
    return out


def pose_at(t_s: float, params: RunnerParams, phase0: float = 0.0) -> F32:
    """(33, 4) clean landmarks at time ``t_s`` for a runner whose phase was ``phase0`` at 0."""
    return pose_at_phase(advance_phase(phase0, t_s, params), params)


def _step_truth(p: RunnerParams, foot: Literal["left", "right"], t_c: float) -> StepTruth:
    lean = p.trunk_lean_deg
    m = {
        "cadence_spm": p.cadence_spm,
        "overstride": p.overstride,
        "arm_crossover": p.arm_crossover,
        "head_pitch_deg": p.head_pitch_deg,
        "head_forward": p.head_forward,
        "trunk_lean_deg": lean,
        "foot_strike_deg": p.strike_angle_deg,
        "elbow_angle_deg": p.elbow_angle_deg,
        "vertical_oscillation": p.vertical_oscillation,
        "contact_time_ms": 1000.0 * p.contact_time_s,
    }
    return StepTruth(foot=foot, contact_t=t_c, toe_off_t=t_c + p.contact_time_s, metrics=m)


def generate_schedule(
    segments: Sequence[tuple[RunnerParams, float]], phase0: float = 0.0
) -> SyntheticClip:
    """A clip made of consecutive segments ``(params, duration_s)`` with a continuous phase.

    Frame rate, noise, dropout, swaps and seed come from the first segment's parameters.
    """
    if not segments:
        raise ValueError("need at least one segment")
    first = segments[0][0]
    fps = first.fps
    total = sum(d for _, d in segments)
    n = round(total * fps)
    ts = np.arange(n) / fps
    clean = np.empty((n, NUM_LANDMARKS, 4), dtype=np.float32)
    steps: list[StepTruth] = []
    seg_rows: list[tuple[RunnerParams, float, float]] = []
    t0, phase_start = 0.0, phase0
    for p, dur in segments:
        t1 = t0 + dur
        idx = np.nonzero((ts >= t0) & (ts < t1))[0]
        phases = phase_start + (ts[idx] - t0) * p.cadence_spm / 120.0
        if idx.size:
            clean[idx] = project(body_points(phases, p), p, ts[idx])
        # contacts: right at integer phases, left at half-integers
        k = math.ceil(phase_start * 2.0 - 1e-9)
        while True:
            t_c = t0 + (k / 2.0 - phase_start) * 120.0 / p.cadence_spm
            if t_c >= t1:
                break
            foot: Literal["left", "right"] = "right" if k % 2 == 0 else "left"
            steps.append(_step_truth(p, foot, t_c))
            k += 1
        phase_start = advance_phase(phase_start, dur, p)
        seg_rows.append((p, t0, t1))
        t0 = t1
    rng = np.random.default_rng(first.seed)
    noisy = clean.copy()
    if first.noise > 0:
        noisy[..., :3] += rng.normal(0.0, first.noise, size=noisy[..., :3].shape).astype(np.float32)
    swapped = rng.random(n) < first.swap_prob
    if swapped.any():
        rows = noisy[swapped]
        for a, b in LEFT_RIGHT_PAIRS:
            rows[:, [a, b]] = rows[:, [b, a]]
        noisy[swapped] = rows
    drop = rng.random(n) < first.dropout
    noisy[drop] = np.nan
    return SyntheticClip(
        landmarks=noisy,
        clean=clean,
        timestamps=ts,
        fps=fps,
        params=first,
        segments=seg_rows,
        steps=steps,
        swapped=swapped,
    )


def generate(params: RunnerParams, duration_s: float, phase0: float = 0.0) -> SyntheticClip:
    """``duration_s`` of the runner at ``params.fps`` with noise, dropouts and swaps applied."""
    return generate_schedule([(params, duration_s)], phase0=phase0)
