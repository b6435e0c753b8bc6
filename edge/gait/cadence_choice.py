"""Which signal cadence is taken from, decided once for the live monitor and for clips.

Two signals give cadence: the foot contacts (each step seen landing) and the hips'
once-per-step bounce (:func:`edge.gait.metrics.periodicity_cadence`). The contacts are the
direct measure and win whenever they can be trusted:

- enough of them (``min_contacts``),
- in a side or oblique-side view (a front or rear view sees no belt motion at contact:
  its contacts are approximate) with the feet in the frame,
- with consistent gaps: at most :data:`MAX_BROKEN` of the consecutive pairs repeat a foot
  or bridge a missed step.

Otherwise the bounce is the fallback. A disagreement between the two does not by itself
hand cadence to the bounce (the bounce of a runner seen in a side view is the weaker
signal); it lowers the confidence and is said in the reason. Every choice carries its
reason, so a reader knows which figure they see and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from edge.gait.cadence import contact_gaps, running_cadence

CadenceSource = Literal["contacts", "bounce"]

#: At most this fraction of consecutive contacts may fail to make one step (a foot twice
#: in a row, a missed step bridged) for the contacts to be trusted.
MAX_BROKEN = 0.1
#: More than this fraction broken: the contacts are not steps at all (slow-motion footage
#: read at its playback rate, a runner hidden most of the time) and give no cadence.
MAX_BROKEN_ANY = 0.5
#: Confidence of a cadence from the hips' bounce.
BOUNCE_CONFIDENCE = 0.4
#: Confidence kept when the contacts are trusted but the bounce disagrees.
DISAGREE_FACTOR = 0.7


@dataclass(frozen=True, slots=True)
class CadenceChoice:
    spm: float | None
    source: CadenceSource | None
    confidence: float
    reason: str
    contacts_spm: float | None  # what the contacts alone give (None: too few or not steps)
    bounce_spm: float | None


def choose_cadence(
    times: Sequence[float],
    tracks: Sequence[object],
    confidences: Sequence[float],
    bounce_spm: float | None,
    *,
    frontal: bool,
    feet_cut: bool,
    min_contacts: int,
    agreement_spm: float,
) -> CadenceChoice:
    """Cadence from contacts at ``times`` (ascending, with the leg or foot of each and its
    confidence) or from the hips' bounce, by the rules in the module's docstring."""
    got = running_cadence(times, tracks)
    broken = contact_gaps(list(times), list(tracks)) if len(times) >= 3 else 0.0
    contacts_spm = None if got is None or broken >= MAX_BROKEN_ANY else got.spm
    n = len(times)
    why_not: str | None = None
    if contacts_spm is None:
        if got is None:
            why_not = f"no regular foot contacts ({n} found)"
        elif len(set(tracks)) == 1:
            why_not = "only one foot's contacts are seen"
        else:
            why_not = f"the foot contacts are not steps ({100 * broken:.0f} % of gaps are not)"
    elif frontal:
        why_not = "a front or rear view shows foot contacts only approximately"
    elif feet_cut:
        why_not = "the feet are cut off by the frame's bottom edge"
    elif n < min_contacts:
        why_not = f"only {n} steps' foot contacts (at least {min_contacts} needed)"
    elif broken > MAX_BROKEN:
        why_not = (
            f"the contacts miss steps ({100 * broken:.0f} % of gaps repeat a foot or skip one)"
        )
    if why_not is None and got is not None and contacts_spm is not None:
        mean_conf = sum(confidences) / len(confidences) if confidences else 0.0
        conf = min(1.0, got.steps / (2 * min_contacts)) * mean_conf
        reason = f"from the foot contacts of {n} steps, at regular gaps"
        if bounce_spm is not None and abs(bounce_spm - contacts_spm) > agreement_spm:
            conf *= DISAGREE_FACTOR
            reason += f"; the hips' bounce gives {bounce_spm:.0f} (not used: contacts are direct)"
        return CadenceChoice(
            contacts_spm, "contacts", min(1.0, conf), reason, contacts_spm, bounce_spm
        )
    if bounce_spm is not None:
        return CadenceChoice(
            bounce_spm,
            "bounce",
            BOUNCE_CONFIDENCE,
            f"from the hips' bounce: {why_not}",
            contacts_spm,
            bounce_spm,
        )
    if contacts_spm is not None and got is not None:
        mean_conf = sum(confidences) / len(confidences) if confidences else 0.0
        conf = BOUNCE_CONFIDENCE * min(1.0, got.steps / (2 * min_contacts)) * mean_conf
        return CadenceChoice(
            contacts_spm,
            "contacts",
            conf,
            f"from foot contacts, unsure: {why_not}, and no hip bounce found",
            contacts_spm,
            None,
        )
    return CadenceChoice(None, None, 0.0, "no steps found", None, None)
