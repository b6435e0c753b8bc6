"""Internal tuning of gait analysis: values chosen from the running-form literature and the
footage, not settings a therapist or installer changes (those are in
:mod:`edge.gait.config`). Changing one changes what the tests hold the analysis to.
"""

from __future__ import annotations

#: Fixed delay before a foot contact / toe-off is reported live, seconds: the detector looks
#: this far past a candidate extremum before confirming it.
EVENT_DELAY_S = 0.15
#: Shortest plausible step, seconds (0.15 s = 400 steps/min); closer events are merged. A
#: sprinter's steps come 0.2 s apart and less (the shared curved-treadmill sprint: 0.21 s,
#: some shorter), so 300 steps/min merged or dropped every few of them.
MIN_STEP_S = 0.15
#: How far (in leg lengths) a foot must travel back and forth relative to the hips between
#: events for a contact to count.
CONTACT_PROMINENCE = 0.15
#: Landmarks below this visibility count as missing.
MIN_VISIBILITY = 0.3
#: Angle of the ear → nose line below horizontal with the gaze level, degrees (the nose tip
#: sits ~3 cm below and ~10 cm ahead of the ear); head pitch is measured from it.
HEAD_PITCH_NEUTRAL_DEG = 15.0
#: Level-gaze baseline, seconds: the ear → nose angle over the runner's first seconds
#: (median) is their own level gaze, so head pitch is a real drop of the gaze, not the nose
#: sitting below the ear.
HEAD_BASELINE_S = 20.0
#: The runner's baseline is kept within HEAD_PITCH_NEUTRAL_DEG ± this, degrees (individual
#: anatomy and landmark placement); beyond it the gaze was already down.
HEAD_BASELINE_TOLERANCE_DEG = 10.0
#: Capture rate below which contact time is reported as approximate (a stance is only a few
#: frames long), frames per second.
MIN_FPS_CONTACT_TIME = 60.0
#: Runner (shoulders to feet) smaller than this fraction of the frame height: warn.
MIN_RUNNER_HEIGHT = 0.25
#: Fewer foot contacts than this: per-stride numbers are unsure.
MIN_CONTACTS = 6
#: Cadence from contacts and from the hips' bounce agree within this, steps/min; beyond it
#: the cadence's confidence drops.
CADENCE_AGREEMENT_SPM = 6.0
