"""Cadence, defined once: steps per minute of running, pauses excluded.

Every cadence treadwatch shows comes from :func:`running_cadence`: the live tile and the
per-step values (over the recent contacts, ``edge.gait.metrics.cadence_from_contacts``),
the offline report, and the session list, summary, comparison and exports (over the
session's stored steps).

The time between two consecutive foot contacts is one step when the feet differ and two
when the same foot lands again (the other foot's contact was not seen). An interval whose
time per step is longer than :data:`PAUSE_FACTOR` × the median step, or longer than
:data:`MAX_STEP_S`, is not running (a pause, the runner out of view, a missed contact) and
counts neither its steps nor its time. Cadence = 60 × steps / seconds of running. Steps
too irregular to be running (per-step times varying by more than :data:`MAX_STEP_CV` of
their mean: spurious contacts, e.g. slow-motion footage read at the playback rate) give no
cadence rather than a plausible-looking wrong one.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: An interval longer than this many median steps (per step) is a pause, not running.
PAUSE_FACTOR = 1.6
#: No running step lasts longer (60 steps/min).
MAX_STEP_S = 1.0
#: Running steps vary by a few frames; more than this coefficient of variation is not running.
MAX_STEP_CV = 0.35


@dataclass(frozen=True, slots=True)
class Cadence:
    spm: float  # steps per minute of running
    steps: int  # steps counted (intervals of running)
    running_s: float  # seconds of running they span


def running_cadence(times: Sequence[float], feet: Sequence[object] | None = None) -> Cadence | None:
    """Cadence from foot-contact times (ascending), with the foot (or leg track) of each
    when known. None with fewer than two steps of running."""
    if feet is not None and len(feet) != len(times):
        raise ValueError("times and feet differ in length")
    pairs = [(float(t), None if feet is None else feet[i]) for i, t in enumerate(times)]
    pairs = [p for p in pairs if math.isfinite(p[0])]
    if len(pairs) < 3:
        return None
    intervals: list[tuple[float, int]] = []
    for (ta, fa), (tb, fb) in itertools.pairwise(pairs):
        dt = tb - ta
        if dt <= 0:
            continue
        n = 2 if feet is not None and fa == fb else 1
        intervals.append((dt, n))
    if not intervals:
        return None
    median_step = statistics.median(dt / n for dt, n in intervals)
    limit = min(MAX_STEP_S, PAUSE_FACTOR * median_step)
    running = [(dt, n) for dt, n in intervals if dt / n <= limit]
    steps = sum(n for _, n in running)
    seconds = sum(dt for dt, _ in running)
    if steps < 2 or seconds <= 0:
        return None
    per_step = [dt / n for dt, n in running]
    if len(per_step) >= 3:
        mean = statistics.fmean(per_step)
        if statistics.pstdev(per_step) > MAX_STEP_CV * mean:
            return None
    return Cadence(60.0 * steps / seconds, steps, seconds)


def steps_cadence(steps: Sequence[tuple[float, str]]) -> float | None:
    """The cadence of a session's steps, given as ``(t_s, foot)`` (stored steps' contact
    times and feet): what the session list, summary, comparison and exports show."""
    got = running_cadence([t for t, _ in steps], [f for _, f in steps])
    return None if got is None else got.spm


def cadence_from_contacts(
    times: Sequence[float], tracks: Sequence[object]
) -> tuple[float, int] | None:
    """Cadence of contacts on leg tracks: :func:`running_cadence` (the one definition: steps
    per minute of running, pauses excluded).

    Returns (steps/min, steps counted) or None with fewer than three contacts.
    """
    got = running_cadence(times, tracks)
    return None if got is None else (got.spm, got.steps)


def contact_gaps(times: Sequence[float], tracks: Sequence[object]) -> float:
    """Fraction of consecutive contacts that do not make one step: the same foot twice in
    a row, or more than 1.5 typical steps apart (a contact missed in between)."""
    if len(times) < 3:
        return 0.0
    dts = np.diff(np.asarray(times, dtype=np.float64))
    step = float(np.median(dts))
    bad = sum(
        1 for d, a, b in zip(dts, tracks[:-1], tracks[1:], strict=False) if a == b or d > 1.5 * step
    )
    return bad / len(dts)
