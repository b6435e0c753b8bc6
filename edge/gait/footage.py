"""Footage checks: what a clip's report says about whether its numbers can be trusted.

Each check is a name, ok or not, and one line a person can act on: a runner too small in
the frame, feet cut off, a slow-motion clip read at its playback rate, a runner who crosses
the frame instead of running in place, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.gait.analyzer import FEET_CUT, GaitAnalyzer
from edge.gait.config import GaitConfig
from edge.gait.metrics import SIDE
from edge.gait.report_model import Check
from edge.gait.tuning import MIN_CONTACTS, MIN_FPS_CONTACT_TIME, MIN_RUNNER_HEIGHT
from edge.gait.views import ViewGuess
from edge.landmarks import Landmark

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: Below this a runner's cadence is implausible (walking is ~100-120 steps/min): usually a
#: slow-motion clip analysed at its playback rate.
MIN_RUNNING_CADENCE = 100.0
#: The hips travelling this much of the frame's width along a straight line is a runner
#: crossing the frame (overground), not one running in place on a treadmill (whose hips
#: stay within a few percent of it).
CROSSING_TRAVEL = 0.35
#: ... and the travel must be steady: the hips' scatter about the line below this fraction
#: of the travel (a panning camera swings back and forth).
CROSSING_SCATTER = 0.3


@dataclass(frozen=True, slots=True)
class Crossing:
    travel: float  # fraction of the frame's width the hips travel
    seconds: float  # over this long (capture time)


def runner_crossing(sq: F32, rate: float, aspect: float) -> Crossing | None:
    """The runner crossing the frame: hips moving steadily across it (None: in place)."""
    hip_x = 0.5 * (sq[:, Landmark.LEFT_HIP, 0] + sq[:, Landmark.RIGHT_HIP, 0]) / aspect
    seen = np.isfinite(hip_x)
    if seen.sum() < max(5, 0.3 * rate):
        return None
    t: F64 = np.nonzero(seen)[0].astype(np.float64) / rate
    x = hip_x[seen].astype(np.float64)
    slope, icpt = np.polyfit(t, x, 1)
    seconds = float(t[-1] - t[0])
    travel = abs(float(slope)) * seconds
    scatter = float(np.std(x - (slope * t + icpt)))
    if travel >= CROSSING_TRAVEL and scatter < CROSSING_SCATTER * travel:
        return Crossing(travel, seconds)
    return None


def _runner_height(sq: F32) -> float | None:
    """Median shoulders-to-feet height as a fraction of the frame height."""
    top = np.fmin(sq[:, Landmark.LEFT_SHOULDER, 1], sq[:, Landmark.RIGHT_SHOULDER, 1])
    bottom = np.fmax(sq[:, Landmark.LEFT_ANKLE, 1], sq[:, Landmark.RIGHT_ANKLE, 1])
    h = bottom - top
    h = h[np.isfinite(h)]
    return float(np.median(h)) if h.size else None


def _cadence_check(cadence: float | None, capture_fps: float | None) -> Check:
    plausible = cadence is not None and cadence >= MIN_RUNNING_CADENCE
    if cadence is None:
        detail = "no cadence found"
    elif plausible:
        detail = f"{cadence:.0f} steps/min"
    else:
        detail = (
            f"{cadence:.0f} steps/min is implausible for a runner (< {MIN_RUNNING_CADENCE:.0f})"
        )
    if not plausible and not capture_fps:
        detail += ": if the clip is slow motion, give its capture rate (--capture-fps)"
    return Check(name="cadence_plausible", ok=plausible, detail=detail)


def footage_checks(
    *,
    analyzer: GaitAnalyzer,
    sq: F32,
    gait: GaitConfig,
    cadence: float | None,
    capture_fps: float | None,
    aspect: float,
    aspect_known: bool,
    view: str,
    guess: ViewGuess | None,
    n_contacts: int,
) -> list[Check]:
    """Every footage check of a clip (``sq``: landmarks with x in square units)."""
    n = int(sq.shape[0])
    rate = analyzer.rate
    checks = [_cadence_check(cadence, capture_fps)]
    n_person = analyzer.frames_with_person
    checks.append(
        Check(
            name="person_found",
            ok=n_person >= 0.5 * max(1, n),
            detail=f"a person in {n_person} of {n} frames",
        )
    )
    crossing = runner_crossing(sq, rate, aspect)
    checks.append(
        Check(
            name="runner_in_place",
            ok=crossing is None,
            detail="the runner stays in place"
            if crossing is None
            else f"the runner crosses the frame ({100 * crossing.travel:.0f} % of its width in "
            f"{crossing.seconds:.1f} s, {n_contacts} foot contacts in view): gait is measured "
            "on a runner in place (treadmill), seen the same way every step; film on a "
            "treadmill",
        )
    )
    height = _runner_height(sq)
    checks.append(
        Check(
            name="runner_size",
            ok=height is not None and height >= MIN_RUNNER_HEIGHT,
            detail=(
                "runner not found"
                if height is None
                else f"shoulders to feet = {height:.2f} of the frame height "
                f"(minimum {MIN_RUNNER_HEIGHT:.2f})"
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
            ok=n_contacts >= MIN_CONTACTS,
            detail=f"{n_contacts} foot contacts (minimum {MIN_CONTACTS})",
        )
    )
    fast = rate >= MIN_FPS_CONTACT_TIME
    checks.append(
        Check(
            name="fps_for_contact_time",
            ok=fast,
            detail=f"capture rate {rate:.0f} fps"
            + ("" if fast else ": contact time is approximate"),
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
    return checks
