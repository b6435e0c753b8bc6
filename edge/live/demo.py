"""The built-in demo: a simulated runner, rendered as a stick figure, with its true landmarks.

Runs on any machine without a camera (``treadwatch serve --source demo``). The runner
cycles through the phases of ``capture.demo_schedule`` (clean running, overstride, arms
crossing, head down, nobody on the belt), ``capture.demo_phase_s`` seconds each, with a
continuous gait phase across the changes. The frames say SIMULATED and the source reports
``simulated = True`` so the page labels everything as such. The pipeline uses the
generator's landmarks (``Frame.truth``, through :func:`truth_pose`), not the pose model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from edge.gait.synthetic import RunnerParams, advance_phase, pose_at_phase
from edge.gait.synthetic_body import BODY_HEIGHT_M, HIP_HEIGHT_M
from edge.landmarks import NUM_LANDMARKS, Channel, PoseResult
from edge.live.config import CaptureConfig, DemoPhase
from edge.live.frames import Frame
from edge.live.stickfigure import StickFigureRenderer

#: How each phase differs from clean running (RunnerParams fields; see edge.gait.synthetic).
PHASE_FAULTS: dict[str, dict[str, float]] = {
    "clean": {},
    # an overstride is the heel far ahead with long, slow steps (edge.gait.metrics)
    "overstride": {"overstride": 0.30, "cadence_spm": 158.0},
    "arms": {"arm_crossover": 0.35},
    "head_down": {"head_pitch_deg": 35.0},
    "absent": {},
}

#: Arms crossing the midline are seen from in front: a side-view demo shows that phase as
#: a camera in front of the treadmill would (from the side it is only a low-confidence
#: depth estimate, which raises no cue).
FRONTAL_PHASES = frozenset({"arms"})


def phase_params(base: RunnerParams) -> dict[str, RunnerParams]:
    out = {}
    for name, fault in PHASE_FAULTS.items():
        params = replace(base, **fault)  # type: ignore[arg-type]
        if name in FRONTAL_PHASES and base.view not in ("front", "rear"):
            params = replace(params, view="front")
        out[name] = params
    return out


class DemoSource:
    """Frame source for the simulated runner, paced at ``fps`` unless ``pace`` is False."""

    live = False
    simulated = True

    def __init__(
        self,
        base: RunnerParams,
        schedule: Sequence[DemoPhase],
        phase_s: float,
        fps: float = 30.0,
        pace: bool = True,
    ) -> None:
        if not schedule:
            raise ValueError("demo schedule is empty")
        if phase_s <= 0 or fps <= 0:
            raise ValueError("phase_s and fps must be > 0")
        self._base = replace(base, fps=fps)
        self._params = phase_params(self._base)
        self._schedule = list(schedule)
        self._phase_s = phase_s
        self._fps = fps
        self._pace = pace
        belt_y = base.center_y + base.height_frac * HIP_HEIGHT_M / BODY_HEIGHT_M + 0.01
        self._renderer = StickFigureRenderer(base.frame_width, base.frame_height, belt_y=belt_y)
        self._count = 0
        self._gait = 0.0
        self._start = 0.0
        self.phase: DemoPhase = self._schedule[0]

    @classmethod
    def from_config(cls, cfg: CaptureConfig) -> DemoSource:
        base = RunnerParams(
            cadence_spm=cfg.demo_cadence_spm,
            overstride=0.05,
            view=cfg.demo_view,
            fps=30.0,
            frame_width=cfg.demo_width,
            frame_height=cfg.demo_height,
            height_frac=0.72,
            center_y=0.5,
        )
        return cls(base, cfg.demo_schedule, cfg.demo_phase_s, fps=30.0, pace=True)

    @property
    def name(self) -> str:
        return "demo (simulated runner)"

    @property
    def fps(self) -> float | None:
        return self._fps

    def phase_at(self, t_s: float) -> DemoPhase:
        return self._schedule[int(t_s // self._phase_s) % len(self._schedule)]

    def open(self) -> None:
        self._start = time.monotonic()
        self._count = 0
        self._gait = 0.0

    def read(self) -> Frame | None:
        if self._pace:
            delay = self._start + self._count / self._fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t = self._count / self._fps
        self.phase = self.phase_at(t)
        params = self._params[self.phase]
        if self._count:
            self._gait = advance_phase(self._gait, 1.0 / self._fps, params)
        truth = None if self.phase == "absent" else pose_at_phase(self._gait, params)
        image = self._renderer.render(truth)
        frame = Frame(self._count, t, time.monotonic(), time.time(), image, truth=truth)
        self._count += 1
        return frame

    def close(self) -> None:
        return None


def truth_pose(frame: Frame) -> PoseResult:
    """The simulated runner's known landmarks as a PoseResult: the demo's stand-in for the
    pose model (no truth, or NaN rows: nobody on the belt)."""
    truth = frame.truth
    if truth is None or not np.isfinite(truth[:, :2]).all():
        return PoseResult(frame.index, frame.t_s)
    lm = np.empty((NUM_LANDMARKS, len(Channel)), dtype=np.float32)
    lm[:, :4] = truth
    lm[:, Channel.PRESENCE] = 1.0
    return PoseResult(frame.index, frame.t_s, landmarks=lm, score=1.0)
