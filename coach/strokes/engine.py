"""The stroke engine: fingertip paths in face units become strokes, reported while the hand is on the face.

It is a streaming stage. Each frame, per hand, the working point (fingertip, two fingertips or a
tool's edge; coach.strokes.contact) is mapped into face units with the frame's face pose and put on
an even 30 Hz clock. While the hand touches the face, three small watchers read the newest tenth
of a second and report strokes as events:

- **glides**: a slide starts when the finger leaves its resting point (3 mm) at more than a crawl,
  and ends when its pace over the last 0.3 s stays below 15 % of its peak, when it turns back, when
  the hand rises off the skin as it slows, or when it speeds up to travel off. After 0.2 s more (its
  slow tail) the slide is timed from 10 % to 10 % of its peak speed and measured
  (coach.strokes.glides), and reported at once unless it is not a massage stroke: too short, too
  fast, not straight, landing or leaving, or a **return** — the way back right after a glide, made
  faster and/or with the hand lifted toward the camera (it looks larger). A slow glide reported as
  soon as its finger rests is taken back (withdrawn) if the finger then moves on the same way: it
  had only paused;
- **runs** (circles, taps, kneads): a few times a second the last ~2.5 s are searched for one
  repetition (coach.strokes.periodic). While a run goes on, its swing over the last whole
  period(s) is watched sample by sample and a progress event is sent each time a cycle completes;
  when that swing halves (the rhythm stopped half a period ago), a circle's finger rests for a
  quarter period (a circle never pauses mid-turn), the circling hand rises off the skin, or the
  finger leaves the run's spot, the run is closed and sent as final. A run found again past where it was said to stop
  takes the closed one back (withdrawn) and keeps its start;
- **holds**: the point staying put (and the hand not bobbing) for a second is reported, then
  updated as the hold lasts, and closed when the finger moves.

Whether the hand touches at all is judged, as before, from the point lying on a face or neck
region (or within a finger's width of one) and the hand's apparent size: a hand lifted toward the
camera looks larger than its size resting at the face's depth, which is learnt per hand.

While a hand covers the face (forehead work) and the tracker measured the head's motion on the
skin round it (TrackedFrame.face_motion, from pixels), the face frame is carried by that motion
instead of Face Mesh's fit, which follows the hand (FLOW_COVER). Without it (landmark recordings,
the lightest live mode) the last face pose stands in for up to 12 s; the
points are bridged when the face returns within 0.5 s, and the stand-in's offset fades out after.
The glides reported meanwhile are then re-judged with poses part-way between the last pose before
the loss and the first after (the head moved under the hand): one whose direction or region changes
is sent again with the same ``stroke_id`` (a replacement). Over a loss of more than 2 s that estimate
is a guess too: such glides keep their direction and are reported as unsure.

Every stroke carries a confidence (0–1) built from the margins of the evidence it rests on (a
glide or hold below MIN_REPORT_CONFIDENCE is not reported at all), and
``reported_s``, the clip time of the frame at which it was emitted. Progress events carry
``final=False`` and the run's ``stroke_id``; the last event of a stroke has ``final=True``.

The look-ahead is bounded (0.1 s of smoothing plus, for a run, the next check), no work grows with
the length of a contact, and replay and live give the same events on the same frames.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from coach.geometry.canonical import STABLE_LANDMARKS, canonical_face
from coach.geometry.face_frame import FacePose, image_to_face_between, moved_pose, pose_part_way
from coach.geometry.hull import share_under_hand
from coach.geometry.regions import FaceRegions
from coach.strokes.contact import CONTACT_MODES, FingertipKeeper, measure_hand
from coach.strokes.glides import LegTiming, path_length, still_bounds, time_leg, traced_length
from coach.strokes.periodic import MIN_CYCLES, RunFinding, WindowSignals, confirm_run, find_knead, find_run, rhythm_amplitude, run_tempo
from coach.strokes.signals import gradient, median, pad_edge, savgol_centre_weights
from coach.technique.directions import circle_direction, direction_margin_deg, glide_direction
from coach.types import ContactPoint, Handedness, HandLandmarks, Stroke, TrackedFrame

logger = logging.getLogger(__name__)

DT = 1.0 / 30.0  # the engine's even clock; faster cameras are resampled down, slower ones up
POSE_HOLD_S = 0.5  # keep using the last face pose this long while the face is not found...
POSE_HOLD_WITH_HAND_S = 12.0  # ...and this long while a hand is in view (it is covering the face: a set of forehead strokes)
COVERED_FACE_SHARE = 0.35  # share of the face's stable mesh points under a hand: it covers the face (see DRAGGED_FACE_FU_S)
DRAGGED_FACE_FU_S = 1.0
"""While a hand covers the face, a face fit that moves the skin under the fingertip faster than
this (face units a second, against the fit before) is Face Mesh reading the face through the hand,
and until the hand uncovers the face its fits are only followed slowly (DRAGGED_FACE_FOLLOW_S).
A head being massaged does not carry the skin under the finger at 9 cm/s, and the generated
families' fits stay under 0.7 FU/s (p99) covered or not; on real pixels covered fits jumped past 2
FU/s in one frame of ten (p90), and a finger gliding straight up the forehead, steady in the image,
drifted 0.23 FU sideways in face units."""
DRAGGED_FACE_FOLLOW_S = 2.0
"""Time constant with which the face frame follows fits read through a covering hand: the head
moves slowly and steadily (its sways last seconds), a dragged fit jumps about from frame to frame,
so following it over a couple of seconds keeps the head's motion and averages the jumps away."""
FLOW_COVER = 0.15
"""Share of the face's stable points under a hand from which Face Mesh's fit is no longer trusted
and the face frame is carried by the head's motion read on the skin round the hand
(TrackedFrame.face_motion). On the real-pixel tuning clips a hand on the forehead covered 0.29–0.57
of them (p10–p90), under the eye 0.25–0.40, on the chin, jaw and nose 0–0.10 (where the fit is
sound and is used as before). Once carried, the face frame stays carried until the hands cover
less than half that and none touches the face: switching back to the fit with a finger still on
the skin would move it by the fit's error (up to 0.1 FU at rest under a hand), which reads as a
stroke; and carrying it longer than needed only adds the flow's drift (on a talking face the
mouth and jaw move too)."""
FLOW_ANCHOR_S = 10.0  # while carried, a pull toward the fit this slow keeps the flow's own small drift from adding up over a long session (0.01 FU/s for a 0.1 FU offset: jitter)
FLOW_AGREE_FU = 0.05
"""While the face frame is carried by the head's motion, a fit of Face Mesh that lies within this
of it (4–5 mm, at the eye corners, up the forehead and down toward the mouth) is sound, and the
carried frame is pulled to it within FLOW_AGREE_PULL_S, so the flow's own error (0.002–0.003 FU a
frame, bench_face_motion) does not add up over a series of strokes. A fit dragged by a hand on the
skin (the case the flow is for) moves with the finger, 0.2–0.7 FU/s, and leaves this band within a
few frames, over which the carried frame follows it a fifteenth of the way a frame. Chosen on the
tuning sets (0.03–0.08 tried)."""
FLOW_AGREE_PULL_S = 0.5
_AGREEMENT_PROBES_FU = np.array([[-0.5, 0.0], [0.5, 0.0], [0.0, 0.8], [0.0, -0.6]])  # the eye corners, up the forehead, down toward the mouth
BRIDGE_WAIT_S = 0.5  # wait this long for the face to come back and bridge the points; after that, go on with the stand-in pose
REFOUND_BLEND_S = 0.5  # after a longer loss the head has moved: fade the stand-in pose's offset out over this time
HIDDEN_TRUST_S = 2.0  # the head's sways, turns and nods (periods of 3 s and more) are near-straight only over a couple of seconds...
GUESSED_POSE_CONFIDENCE = 0.5  # ...so a glide read on a pose guessed over a longer loss is unsure (no correction below 0.6)
HAND_GAP_S = 0.3  # a hand missing for longer than this ends its contact
LIFT_RATIO = 1.2  # apparent size over resting size above which the hand is off the skin (hand tilt alone gives up to ~1.15)
BEHIND_RATIO = 0.7
"""Apparent size over resting size below which a hand is not on the skin: at 0.7 of its size on the
face it is 1.4 times as far from the camera as the face — behind the head, or another hand (a fist
on a microphone below the chin, whose wanderings read as glides on the neck). Tilt and a stand-in
pose read a hand on the skin at 0.75 at the least, and 0.7 is SAME_PERSON_SHARE: a hand judged
against the other hand's size because it is under 0.7 of it is not on the skin while it stays so.
(0.5 until session 21: that fist, read at 0.5–0.65 of the working hand, then counted as on the
skin, and only its jitter's failing to look like a stroke kept it from making some; in 10 of 20
jitter draws it made one. The tuning sets did not change at 0.7.) Before the working hand has
been seen long enough to learn its size, a lone fist is judged against its own readings: what
keeps its jitter from reading as strokes then is SIZE_JITTER (see tests/test_far_hand.py)."""
START_SAMPLES = 3  # consecutive on-skin samples that begin a contact
END_SAMPLES = 4  # consecutive off-skin samples that end one
LEFT_LIFTED_SAMPLES = 2  # ...or this many, when the hand is then lost from view (it left: see _left_lifted)
TRAIL_S = 1.5
CAMERA_DISTANCE_FU = 5.5  # a webcam about 50 cm away; only used to allow for the skin's own depth
RESTING_SIZE_PRIOR_FU = 1.0  # palm size of an adult hand at the face's depth, before any is seen
SMALLEST_HAND_ON_FACE = 0.5
"""Share of RESTING_SIZE_PRIOR_FU below which a hand is not one lying on this face, so its size is
not learnt as the resting size. An adult's palm is about the face's eye-to-mouth span (a small hand
0.85 of it), and palm_size_px keeps 0.7 of it even edge-on: 0.6 at the least, and half leaves room
for a stand-in pose's under-reading. A hand measuring less is far behind the face or another hand
altogether — the speaker's fist on a microphone at the bottom of the picture measured 0.3–0.55 and,
learnt as the resting size, made the working hand look three times too large (lifted) for a whole
set of glides. (0.6 was tried: a gesturing hand below a real chin, 0.64 FU, then counted as on the
neck; see docs/stroke_engine_tuning.md.)"""
SAME_PERSON_SHARE = 0.7
"""A hand whose resting size is under this share of the other hand's (settled) is judged against
the other's. One person's two hands measure the same at the face's depth (within the few per cent
of tilt the resting size's low percentile leaves); a "hand" at under 0.7 of the other is not the
user's own on this face, and against the user's own hand size it is behind the face (BEHIND_RATIO).
MediaPipe found one in a collar below a real chin at 0.4 of the working hand, in view before the
working hand: its first, larger readings (0.5-0.6) became its resting size, against which its size
jitter read as sure tap runs on the neck for six seconds, and the user's real left hand, when it
came, looked lifted and its glides were lost. The other hand's size is taken as no more than
RESTING_SIZE_PRIOR_FU (a larger "hand" was nearer the camera than the face)."""
SIZE_HISTORY = 900  # samples (~30 s) of in-region sizes to learn the resting size from
EDGE_MARGIN_FU = 0.12
_EDGE_OFFSETS = np.array([(1, 0), (-1, 0), (0, 1), (0, -1)]) * EDGE_MARGIN_FU

TAP_REGION_LANDED = True  # a tap run is placed by its landed samples (see _run_stroke); False only to compare
SIZE_JITTER = 0.06
SIZE_JITTER_FRAMES = 15
"""A hand whose apparent size changes by more than SIZE_JITTER (as a share, frame to frame) on the
median over its last SIZE_JITTER_FRAMES frames (half a second) is not a hand read on the skin:
MediaPipe is guessing at something half seen. A fist on a microphone below a real chin jumped by
7-11 % every frame, and, before the working hand's size was known, its jitter read as strokes. A
real hand does not: tapping at 5 Hz with a 5 % swing changes its size by 3 % a frame at most, and
hands on the skin in the real-pixel tuning clips changed by 0.2-2 % a frame on the median (4 % at
the 90th percentile of half-second windows). Such a hand is treated as off the face, and its sizes
are not learnt."""
SIZE_SWITCH_STEP = 0.3
"""A size step larger than this (35 % in one frame) is not jitter but another thing under the same
hand label: MediaPipe's "left" went back and forth between that fist (0.33 FU) and the user's left
hand (1.0-1.4 FU) on one tuning clip. The jitter history starts again there (so a thing jumping
by more than that every few frames is left to BEHIND_RATIO and SMALLEST_HAND_ON_FACE)."""

LEAP_FU = 0.15
LEAP_SIZE = 0.12
"""A hand read for a frame (or the two samples of the even clock it spreads over) more than LEAP_FU
away and LEAP_SIZE larger or smaller than on both sides, and straight back (to within half the
leap), did not move: MediaPipe misread the whole hand on that frame. On the real-pixel tuning clips
a hand tapping the forehead was read, one frame in five, 25 % smaller and 60 px off, then back; each
such frame broke the tap run into slides and, as the resting size is a low percentile of the hand's
sizes, made the hand look lifted for seconds after. Either change alone happens: a brisk tap on a
sloping forehead moves the fingertip 0.2 FU in the image and back within two frames (the generator's
6.5 Hz taps do), and a tap lift changes the size by 4-8 % over several frames. Both at once in one
frame would be the hand jumping 1.4 cm sideways and 12 % nearer the camera (about 6 cm) in 33 ms and
back."""

# Smoothing: a quadratic fitted over 7 samples (0.23 s) gives position and velocity 3 samples late.
SMOOTH_SAMPLES = 7
LAG = SMOOTH_SAMPLES // 2
_POSITION_COEFFS = savgol_centre_weights(SMOOTH_SAMPLES, 2)
_VELOCITY_COEFFS = savgol_centre_weights(SMOOTH_SAMPLES, 2, deriv=1, delta=DT)

# Glides.
START_FU = 0.03  # 3 mm from where the finger rested, and moving: a slide has begun (tremor and jitter stay inside)
START_SPEED_FU_S = 0.06  # 5 mm/s
REST_FOLLOW = 0.1  # share of the way the resting point follows the finger each sample (~0.3 s)
STOP_SPEED_FU_S = 0.03
MOTION_SAMPLES = 9  # a slide goes on while the finger travels over the last 0.3 s...
STOP_SHARE = 0.15  # ...at more than this share of the slide's peak pace over such a stretch...
STOP_SAMPLES = 4  # ...and stops when it has been slower than that for 0.13 s
SETTLE_SAMPLES = 6  # wait up to 0.2 s after a slide stops before timing it: its slow tail is part of it...
TAIL_SHARE = 0.1  # ...or until the finger is below this share of the slide's peak speed: the tail it is timed to is in
# A brisk slide has also stopped once it has been nearly still for 0.2 s by a shorter stretch: travel
# over the last 0.17 s slower than STOP_SHARE of its peak pace and than the slowest glide a technique
# asks for (a fast arrival's peak makes its 15 % the pace of a glide beginning), for 2 samples.
QUICK_STOP_SAMPLES = 5
QUICK_STOP_COUNT = 2
QUICK_STILL_FU_S = 0.1
# A slow slide (peak pace under QUICK_STOP_MIN_PEAK_FU_S) has stopped too once its finger has been
# nearly still (the quick stop's test) for SLOW_STILL_SAMPLES and all that while (0.3 s) stayed within
# a resting finger's 1 mm jitter band, which the slowest glide a technique asks for (0.1 FU/s) leaves
# in 0.2 s: its 0.3 s pace test waits out most of the slide's own slow end first. But a slow glide may
# also pause midway (minjerk's surging profiles, a hesitation), so a glide reported this way is
# provisional: if the finger moves on within HESITATION_S the same way (CONTINUE_COS), the glide
# was not over. It is taken back (withdrawn) and the slide goes on from its first start.
SLOW_STILL_SAMPLES = 4
HESITATION_S = 0.6
CONTINUE_COS = 0.7  # within ~45 degrees of the glide's way
QUICK_STOP_MIN_PEAK_FU_S = 0.4  # only for a slide at least this brisk: a slow slide's hesitations midway look the same
# A slide also ends when the hand rises off the skin as it slows (below LIFT_END_SLOW_SHARE of its peak
# speed) or leaves its way (LIFT_END_OFF_WAY): its size over the newest 0.1 s above that over
# 0.15-0.45 s before by more than the size's jitter (1-2 %) and than turning along the face changes
# it meanwhile (up to 0.08 over a whole glide).
LIFT_END = 0.05
# A slide has turned back as soon as its smoothed velocity points back against its way, faster than
# half its peak speed and than a resting finger's smoothed velocity jitter (up to ~0.1 FU/s), for 2 samples, and
# the point has come back from the furthest it got by more than that finger's 1 mm jitter band. The
# way back (a return, a to-and-fro) moves at a glide's pace or faster, so this shows within a few
# samples of it starting; the travel over the last 0.3 s (the turn test before it) points back only
# once the way back outweighs the glide's end and the rest between them (0.2-0.4 s later).
TURN_BACK_SHARE = 0.5
TURN_BACK_FU_S = 0.15
TURN_BACK_SAMPLES = 2
TURN_RETREAT_FU = START_FU / 3
LEAVE_SPEED_FU_S = 2.0 * 1.2  # a bell-shaped glide peaks at ~1.9x its mean speed: twice the fastest glide's (MAX_GLIDE_FU_S)
LEAVE_REST_SAMPLES = 15  # a slide turning to travel speed ended at its slowest point over the last 0.5 s
MAX_LEG_SAMPLES_SEEN = 90  # ...its peak before that read over at most the last 3 s (a bounded cost per sample)
LIFT_END_SLOW_SHARE = 0.3
# ...or, whatever its speed, once the finger no longer moves on its way (its velocity points away
# from the way it has come, a glide's length from its start). A fingertip rising toward the camera
# drifts sideways in the image, and tracking jitter moves a slow glide's finger faster than 0.3 of
# its peak, so "slowing" alone waited for the way back (0.2-0.3 s later, 0.1 s behind the newest
# frame). A glide goes on its way until it ends: leaving that way with the hand rising is its end.
LIFT_END_OFF_WAY = True  # False only to compare
# A slide that begins within LIFTED_RETURN_S of a glide that ended so, moving across that glide's
# way (less than AIR_SAME_WAY_COS along it), is the hand still in the air: the return's first,
# sideways part. It is a return on its size alone (RETURN_LIFT above the glide's), where another
# leg must also go back the glide's way. A leg along the glide's way is the next glide of a series.
LIFTED_RETURN_S = 0.5
AIR_SAME_WAY_COS = 0.5
LIFT_END_BASE_SAMPLES = (4, 13)
MIN_GLIDE_FU = 0.1  # 9 mm: shorter travel is a wobble or a landing slide
MIN_GLIDE_S = 0.15
MIN_SEEN_SHARE = 0.5  # a glide's onset is placed before its slide's first sample only when the samples cover at least this share of its fitted progress (the rest is extrapolation)
MAX_GLIDE_FU_S = 1.2  # 11 cm/s, half again the fastest glide any technique asks for (0.8): faster is the hand travelling
MIN_STRAIGHTNESS = 0.7  # chord / path: a glide is nearly straight; half a circle is 0.64
MAX_LEG_S = 8.0
MAX_LIFT_CHANGE = 0.12  # a glide stays at the skin's depth (turning along the face changes the size by up to ~0.08)...
LANDING_LIFT_CHANGE = 0.08  # a slide as the contact begins or ends (or a hold) whose hand grows or shrinks more than turning along the face does (~0.08) is landing or leaving
TRIM_LIFT = 0.04  # a slide's samples this much larger than its typical hand size are landing or lifting
RETURN_WINDOW_S = 3.0  # a leg this soon after a glide, going back, may be its return
RETURN_SPEEDUP = 1.5  # a return made this much faster than the glide is a return on its own...
RETURN_LIFT = 0.04  # ...and so is one this much more lifted; partial evidence of both adds up

DIRECTION_END_ERROR_FU = 0.01
"""How far off a glide's measured start or end may be (1 mm; the mean of three smoothed samples)."""
FACE_ROLL_ERROR_DEG = 1.0
"""How far the face frame's tilt (roll) may be off, frame to frame."""
UNSURE_GLIDE_CONFIDENCE = 0.5
"""The most a glide may be trusted when it is surely a glide but something about it cannot be told:
below the 0.6 at which a correction is given. Two such cases:

- its direction lies within its measurement's uncertainty of the line between two neighbouring
  directions (direction_uncertainty_deg), so "glide more outward" is never said of a glide that may
  have gone that way. On the tuning sets 7 of the 11 glides read in the wrong direction lay within
  5 degrees of such a line, against 26 of the 619 read right; with this rule the sure but wrong
  ones fall from 8 to 3, and 25 right ones (4 %) become unsure;
- the hand grew or shrank during it by more than turning along the face explains
  (LANDING_LIFT_CHANGE): it may have been rising off the skin as it slid (docs/stroke_engine_tuning.md,
  session 10)."""
MIN_REPORT_CONFIDENCE = 0.25
"""When unsure, say less: a glide or hold whose evidence clears its tests by so little that its
confidence stays below this is not reported at all (a correction is already withheld below 0.6)."""

# Runs and holds.
RUN_WINDOW_SAMPLES = 75  # 2.5 s: two cycles of a slow (0.8 Hz) circle
RUN_HOP_SAMPLES = 5  # check 6 times a second
SLOW_KNEAD_WINDOW_SAMPLES = 120  # 4 s: 1.5 cycles of a 0.38 Hz knead (the run window holds 1.25 cycles of a 0.5 Hz one)
MIN_RUN_CONTACT_SAMPLES = 20
LANDING_SAMPLES = 8  # the first 0.27 s of a contact: the hand still settling onto the skin
RUN_MISSES_TO_CLOSE = 2
RUN_CONFIRM_CYCLES = 2.2  # a run goes on while its last two cycles still show the rhythm...
RUN_CONFIRM_MIN_SAMPLES = 24  # ...over at least 0.8 s
RUN_FADED = 0.5  # a run's swing over its last period(s) below this share of its usual swing (or above its inverse): the rhythm stopped half a period ago
RUN_STEADY = 0.75  # ...and above this share it plainly goes on: a rough spectrum of the last two cycles does not close it
RUN_LEAVE_MARGIN_FU = 0.08  # 7 mm beyond where a run ever reached from its spot: the finger has left it (jitter stays within ~2 mm)
RUN_DRIFT_FU = 0.5 * RUN_LEAVE_MARGIN_FU  # 4 mm: a window (whole periods) centred this far off the run's spot is the hand moving away; not learnt from
RUN_JOIN_GAP_S = 0.25
"""A slide this close to a run (ending this soon before it starts, or starting this soon after it ends)
with no pause between is joined to it: see JOINED_SLIDE_MAX_S."""
JOINED_SLIDE_MAX_S = 0.45
"""A slide no longer than this, joined to a run, is the hand arriving at the run's spot or leaving it,
not a glide: a glide is a stroke of its own, and the hand pauses or lifts between it and a run, while
the way over to a run's spot (or off it) is one brief motion that the run begins or ends with."""
RUN_REVISE_S = 1.0  # a run closed this recently (plus a period) and found again over its own stretch, past its end, had not stopped
UNDER_WAY_SHARE = 0.5  # a "tap" run over which the fingertip (a knead's gap) spanned this share of the slow run found after it was that run (see _was_under_way)
RUN_WATCH_MIN_SAMPLES = 10  # the rhythm's swing is read over whole periods spanning at least 0.33 s (a fast tap's single period is too noisy)
# A circle goes round at an even pace and never rests within a cycle: slower than RUN_STILL_SHARE of
# its pace (2π f × its radius) for a quarter period (at least 0.2 s), the finger has stopped. That is
# seen well before its swing over a whole period halves (half a period: 0.6-0.8 s for a slow circle).
# Kneads and taps go to and fro and rest at each turn (a pinch may stay closed a while), so they keep
# the swing test. Only below RUN_STILL_MAX_HZ: the rate is smoothed over 7 samples (0.23 s), which
# blurs a faster rhythm, and a fast circle's half period is short anyway.
RUN_STILL_SHARE = 0.5
RUN_STILL_PERIODS = 0.25
RUN_STILL_MIN_SAMPLES = 6
RUN_STILL_MAX_HZ = 1.5
RUN_LIFT_SAMPLES = 5  # a circle closes as the hand rises off the skin: the median size of the newest 5 samples (as a hold's lift is read)
HOLD_RADIUS_FU = 0.05  # 4.5 mm: a pressing finger's drift and tremor
MIN_HOLD_S = 1.0
HOLD_ENDS_AT_MOTION = True  # False only to compare
"""A hold is the finger still: it lasted until the glide after it began to move, where the glide's
fitted speed shapes begin, not until the glide's 10 % onset (the speed convention's start, later by
a tenth of a bell-shaped glide). Under tracking jitter a slow glide's start shows late, and the hold
before it seems longer than the finger was still."""
HOLD_RESUME_S = 0.4  # a finger back on its spot this soon goes on holding
HOLD_UPDATE_S = 0.25


def _with_unseen_start(timing: LegTiming, length: float, first_s: float, stop_s: float) -> tuple[float, float]:
    """A glide's length and onset when its fitted onset lies before the slide's first sample.

    A glide starts slowly (its speed rises from rest), so its first tenth of a second or two is often
    taken for rest and left out of the slide; the fitted speed shape still places the onset where
    the speed crossed 10 % of its peak. The convention measures from there: the length the samples
    show is scaled by the share of the fitted progress they cover (measured from ``first_s``), as
    long as they cover at least MIN_SEEN_SHARE of it (else the samples are kept as they are)."""
    whole = timing.progress_at(stop_s) - timing.progress_at(timing.onset_s)
    seen = timing.progress_at(stop_s) - timing.progress_at(first_s)
    if whole <= 0 or seen < MIN_SEEN_SHARE * whole:
        return length, first_s
    return length * whole / seen, timing.onset_s


def _clamp(value: float, low: float, high: float) -> float:
    """float(np.clip(value, low, high)) for one number, without np.clip's overhead (it ran a dozen times per glide)."""
    return float(min(max(value, low), high))


def _median_of_few(values: list[float]) -> float:
    """The median of a handful of floats (the mean of the two middle ones for an even count): for
    five values np.median (and even signals.median) costs more than the work around it."""
    ordered = sorted(values)
    return (ordered[len(ordered) // 2] + ordered[(len(ordered) - 1) // 2]) / 2


def _reach(values: np.ndarray) -> float:
    """How far samples spread between their 10th and 90th percentiles (for points, the length of
    that spread across both axes): what a few jittery samples do not stretch."""
    low, high = np.percentile(values, [10, 90], axis=0)
    return float(np.linalg.norm(np.atleast_1d(high - low)))


def _ramp(value: float, low: float, high: float) -> float:
    """0 at or below ``low``, 1 at or above ``high``, linear between: how clearly a margin is met."""
    if high <= low:
        return 1.0 if value >= high else 0.0
    return _clamp((value - low) / (high - low), 0.0, 1.0)


def is_leap(points: Sequence[tuple[float, float]], sizes: Sequence[float], lead_in: tuple[float, float] | None = None) -> bool:
    """Whether the hand read between the first and the last of these readings (positions in FU and
    sizes) leapt out and straight back (see LEAP_FU): a misread, not a movement. Plain floats: it
    runs on every sample.

    ``lead_in``, the reading before the first, asks for a steady hand misread once: one that came
    to the first reading from further than half LEAP_FU jitters that much on every frame (a
    half-seen fist far behind the face), and mending its jumps would smooth them into a slide."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    if lead_in is not None and math.hypot(x0 - lead_in[0], y0 - lead_in[1]) > 0.5 * LEAP_FU:
        return False
    leap = min(max(math.hypot(x - xe, y - ye) for x, y in points[1:-1]) for xe, ye in (points[0], points[-1]))
    if not (leap > LEAP_FU and math.hypot(x1 - x0, y1 - y0) < 0.5 * leap):  # (False for NaN too)
        return False
    return max(min(abs(size / sizes[0] - 1.0), abs(size / sizes[-1] - 1.0)) for size in sizes[1:-1]) > LEAP_SIZE


@dataclass
class _Leg:
    start: int  # buffer index where the slide began (a little before it cleared the start speed)
    peak: float
    slow: int = 0  # consecutive samples slower than a stop
    peak_speed: float = 0.0  # the fastest smoothed speed seen along the slide (its timing's 10 % is of this)
    still: int = 0  # consecutive samples nearly still over the last QUICK_STOP_SAMPLES
    backing: int = 0  # consecutive samples moving back against its way (TURN_BACK_FU_S)


@dataclass
class _Provisional:
    """A slow slide that ended when its finger came to rest, kept a moment in case the finger moves
    on the same way (a pause midway): then its glide (if it was reported) is taken back and the
    slide goes on. (A slide too short to be a glide may be the first part of one.)"""

    start: int  # buffer index of its slide's start
    peak: float
    peak_speed: float
    direction: np.ndarray  # unit vector of its way
    stroke: Stroke | None  # its glide, if it was one
    until_s: float  # a slide beginning after this is a new stroke


@dataclass
class _Run:
    stroke_id: int
    pattern: str
    start_s: float
    end_s: float
    frequency_hz: float
    clockwise: bool | None
    evidence: float
    regularity: float
    source: str = "points"  # the signal its rhythm shows in (periodic.SOURCES)
    swing: float = 0.0  # its usual swing there (rhythm_amplitude over recent whole periods)
    recent_swing: float = 0.0  # the swing over its last period(s), as last watched
    spot: complex | None = None  # where it goes on (mean contact point x + iy over its recent periods)
    reach: float = 0.0  # how far from that spot the contact point has gone while the rhythm was steady
    counted: int = 0
    misses: int = 0
    still: int = 0  # consecutive samples a circle's point moved slower than RUN_STILL_SHARE of its pace
    found_cycles: float = 1.0  # the cycles its evidence was found over


@dataclass
class _ClosedRun:
    """The last run closed, kept a moment in case it turns out not to have stopped."""

    stroke: Stroke  # its final event
    pattern: str
    clockwise: bool | None
    end_s: float
    reported_s: float


@dataclass
class _Hold:
    start: int
    anchor: np.ndarray
    ratio: float = 1.0  # the hand's apparent size ratio as the hold began
    left_at: int | None = None  # where the finger left the spot (it may come back)
    stroke_id: int | None = None
    reported_s: float = -math.inf
    resumes: tuple[int, float] | None = None  # the closed hold (id, start) this one goes on with, once reported
    spot_samples: int = 1  # samples its spot (anchor) is the centroid of: since it began, or since it resumed


@dataclass
class _Glide:
    direction: np.ndarray
    speed: float
    lift: float
    stop_s: float
    stroke: Stroke
    lifted_off: bool = False  # its slide ended as the hand rose off the skin
    moving_from_s: float = math.inf  # where its fitted speed shapes begin: the finger no longer still


@dataclass
class _Buffer:
    """One contact's samples on the even clock (columns), plus smoothed values once known."""

    t: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    pinch: list[float] = field(default_factory=list)
    depth: list[float] = field(default_factory=list)
    fresh: list[bool] = field(default_factory=list)
    on: list[bool] = field(default_factory=list)
    sx: list[float] = field(default_factory=list)
    sy: list[float] = field(default_factory=list)
    last_fresh_s: float = -math.inf  # the newest sample mapped with a freshly found face

    def __len__(self) -> int:
        return len(self.t)

    def append(self, values: np.ndarray, fresh: bool, on: bool) -> None:
        t, x, y, ratio, pinch, depth = (float(v) for v in values)
        self.t.append(t)
        self.x.append(x)
        self.y.append(y)
        self.ratio.append(ratio)
        self.pinch.append(pinch)
        self.depth.append(depth)
        self.fresh.append(fresh)
        if fresh:
            self.last_fresh_s = t
        self.on.append(on)
        self.sx.append(math.nan)
        self.sy.append(math.nan)

    def mend_leap(self) -> bool:
        """Put the samples just before the newest back on the line between their neighbours when
        they are a leap out and straight back (see LEAP_FU); True when they were one.

        One misread frame spreads over two samples of the even clock when the camera's frames do
        not fall on it, so a leap of one or two samples is looked for. Done as each sample arrives,
        before those samples are smoothed (LAG samples later); positions already smoothed with them
        at the edge of their window are smoothed again.
        """
        newest = len(self.t) - 1
        for inside in (1, 2):
            before = newest - inside - 1
            if before < 0:
                return False
            lead_in = (self.x[before - 1], self.y[before - 1]) if before > 0 else None
            if not is_leap([(self.x[i], self.y[i]) for i in range(before, newest + 1)], self.ratio[before : newest + 1], lead_in):
                continue
            for i in range(before + 1, newest):
                share = (i - before) / (newest - before)
                for column in (self.x, self.y, self.ratio, self.pinch, self.depth):
                    column[i] = column[before] + share * (column[newest] - column[before])
            for smoothed in range(max(LAG, before + 1 - LAG), newest - LAG):
                if not math.isnan(self.sx[smoothed]):
                    self.sx[smoothed] = float(_POSITION_COEFFS @ np.asarray(self.x[smoothed - LAG : smoothed + LAG + 1]))
                    self.sy[smoothed] = float(_POSITION_COEFFS @ np.asarray(self.y[smoothed - LAG : smoothed + LAG + 1]))
            return True
        return False

    def drop_front(self, count: int) -> None:
        for column in (self.t, self.x, self.y, self.ratio, self.pinch, self.depth, self.fresh, self.on, self.sx, self.sy):
            del column[:count]

    def points(self, first: int, last: int) -> np.ndarray:
        return np.column_stack([self.x[first : last + 1], self.y[first : last + 1]])

    def smooth_point(self, index: int) -> np.ndarray:
        return np.array([self.sx[index], self.sy[index]])

    def signal(self, source: str, first: int, last: int) -> np.ndarray:
        """One of periodic.SOURCES between two samples (the contact point as x + iy)."""
        if source == "points":
            return np.asarray(self.x[first : last + 1]) + 1j * np.asarray(self.y[first : last + 1])
        column = {"pinch": self.pinch, "size_ratio": self.ratio, "tip_depth": self.depth}[source]
        return np.asarray(column[first : last + 1])

    def window(self, first: int, last: int) -> WindowSignals:
        keep = slice(first, last + 1)
        return WindowSignals(
            times=np.array(self.t[keep]),
            points=self.points(first, last),
            size_ratio=np.array(self.ratio[keep]),
            pinch=np.array(self.pinch[keep]),
            tip_depth=np.array(self.depth[keep]),
            dt=DT,
        )


@dataclass(frozen=True)
class _PoseDrift:
    """How far the head moved under a stand-in pose, read at the frame the face was found again."""

    found_s: float
    shift_fu: np.ndarray  # the point as the face found maps it, minus the point as the stand-in pose maps it
    scale_factor: float  # sizes read through the face found over those read through the stand-in (the head came nearer or went back)


def direction_uncertainty_deg(chord_fu: float) -> float:
    """The angle within which a glide's direction cannot be told from the nearest sector boundary:
    its ends' error seen across its chord, plus the face frame's tilt error."""
    return math.degrees(math.atan2(DIRECTION_END_ERROR_FU, max(chord_fu, 1e-9))) + FACE_ROLL_ERROR_DEG


def _covered_share(pose: FacePose, hand: HandLandmarks, width: int, height: int, core_fu: np.ndarray) -> float:
    """Share of the face's stable points (``core_fu``, face units) that lie under ``hand`` in the
    image: inside its landmarks' convex hull, widened by a fifth of a palm (landmarks run along the
    middle of each finger, and fingers have a width)."""
    return share_under_hand(pose.face_to_image(core_fu), hand.points_px(width, height))


@dataclass
class _HandTrack:
    """What the engine remembers about one hand."""

    hand: Handedness
    sizes: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE_HISTORY))
    resting_size: float = RESTING_SIZE_PRIOR_FU  # learnt from this hand's own sizes
    judged_size: float = RESTING_SIZE_PRIOR_FU  # what its sizes are judged against (see SAME_PERSON_SHARE)
    last_raw: tuple[float, np.ndarray, bool, bool] | None = None  # t, values, in_region, fresh
    next_grid_s: float | None = None
    last_seen_s: float | None = None
    candidate: list[tuple[np.ndarray, bool]] = field(default_factory=list)
    touching: bool = False
    buffer: _Buffer = field(default_factory=_Buffer)
    last_on: int = -1
    leg: _Leg | None = None
    rest_anchor: np.ndarray | None = None  # where the finger rests between slides
    settling: tuple[_Leg, int] | None = None  # a slide that stopped, and the sample at which to time it
    provisional: _Provisional | None = None  # a slow glide reported at rest that may yet go on (SLOW_STILL_SAMPLES)
    run: _Run | None = None
    hold: _Hold | None = None
    next_check: int = 0
    evaluated: int = -1  # the last buffer index whose smoothed values were watched
    last_run_end_s: float = -math.inf
    closed_run: _ClosedRun | None = None
    glides: deque[_Glide] = field(default_factory=lambda: deque(maxlen=6))
    holds: deque[tuple[int, float]] = field(default_factory=lambda: deque(maxlen=4))  # closed holds: id, start
    last_hold_end: tuple[float, np.ndarray] | None = None  # when the last reported hold was closed, and its spot
    trail: deque[tuple[float, np.ndarray]] = field(default_factory=deque)
    contact: ContactPoint | None = None
    other_leg_s: float = -math.inf  # end of the last slide that was neither a glide nor a return
    refound: tuple[float, np.ndarray] | None = None  # when the face was found again, and the stand-in pose's offset then
    drift: _PoseDrift | None = None  # the same after a loss short enough to bridge
    stand_in: FacePose | None = None  # the pose that stood in for the face when this hand was last mapped without one
    sizes_seen: int = 0
    guessed_sizes: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE_HISTORY))  # read on a stand-in pose
    # The last frames' time, point, size and the size history it went into (see forget_misread_size).
    recent: deque[tuple[float, tuple[float, float], float, deque[float] | None]] = field(default_factory=lambda: deque(maxlen=3))
    fingertip: FingertipKeeper = field(default_factory=FingertipKeeper)  # bridges MediaPipe's folded-finger frames
    size_steps: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE_JITTER_FRAMES))  # |Δ log size| frame to frame
    last_frames: deque[tuple[float, float, float]] = field(default_factory=lambda: deque(maxlen=4))  # x, y (FU), size

    def read_jittery(self, point_fu: np.ndarray, size_fu: float) -> bool:
        """Note this frame's size; whether the hand's size has been jumping (see SIZE_JITTER).

        A steady hand misread for one frame (see LEAP_FU) makes two large steps, out and back: they
        count as the one step between its neighbours, or a hand misread one frame in five (as on
        the real forehead taps) would look jittery."""
        if size_fu <= 0:
            self.forget_size_steps()
            return False
        if self.last_frames:
            step = abs(math.log(size_fu / self.last_frames[-1][2]))
            if step > SIZE_SWITCH_STEP:
                self.forget_size_steps()  # another thing under the same label (see SIZE_SWITCH_STEP)
            else:
                self.size_steps.append(step)
        self.last_frames.append((float(point_fu[0]), float(point_fu[1]), size_fu))
        # (Four frames since the history last started again hold the three steps between them.)
        if len(self.last_frames) == 4:
            (x0, y0, _), *frames = self.last_frames
            if is_leap([(x, y) for x, y, _ in frames], [size for *_, size in frames], lead_in=(x0, y0)):
                self.size_steps.pop()
                self.size_steps.pop()
                self.size_steps.append(abs(math.log(size_fu / frames[0][2])))
        if len(self.size_steps) < SIZE_JITTER_FRAMES:
            return False
        return sorted(self.size_steps)[SIZE_JITTER_FRAMES // 2] > SIZE_JITTER

    def forget_size_steps(self) -> None:
        """Start the jitter history again (the hand was lost, or another thing took its label)."""
        self.size_steps.clear()
        self.last_frames.clear()

    def learn_size(self, size_fu: float, trusted: bool = True) -> deque[float] | None:
        """Learn the resting size from sizes read on a face found in the same frame (``trusted``);
        the history the size went into, or None when it was too small to be a hand on the face.

        A stand-in pose's scale is the head's size seconds ago, or the face's last fit as the hand
        covered it (landmarks dragged by the hand): sizes read on it ran 20-25 % small, and as the
        low percentile the resting size is, they made the hand look lifted at the skin for the next
        30 s (a whole set of chin glides lost). They are used only until enough trusted ones are in
        (a session that begins on the forehead, the face hidden, has nothing better).
        """
        if size_fu < SMALLEST_HAND_ON_FACE * RESTING_SIZE_PRIOR_FU:
            return None
        history = self.sizes if trusted else self.guessed_sizes
        history.append(size_fu)
        self.sizes_seen += 1
        self._settle_resting_size(self.sizes_seen % 10 == 0)
        return history

    def _settle_resting_size(self, due: bool) -> None:
        sizes = self.sizes if len(self.sizes) >= 15 else list(self.sizes) + list(self.guessed_sizes)
        if len(sizes) < 15:
            self.resting_size = min(RESTING_SIZE_PRIOR_FU, min(sizes, default=RESTING_SIZE_PRIOR_FU))
        elif due or len(sizes) == 15:  # (the history stays full after 30 s)
            self.resting_size = float(np.percentile(sizes, 10))

    def forget_misread_size(self, t: float, point_fu: np.ndarray, size_fu: float, learnt_into: deque[float] | None) -> None:
        """Take back the size learnt on the frame before this one if the hand leapt out and straight
        back on it (see LEAP_FU: a misread, 25 % small on real pixels, which as a low percentile
        made the hand look lifted on the skin)."""
        self.recent.append((t, (float(point_fu[0]), float(point_fu[1])), size_fu, learnt_into))
        if len(self.recent) < 3:
            return
        (t0, *_), (_, _, _, misread_into), (t2, _, _, newest_into) = self.recent
        if misread_into is None or t2 - t0 > 3.5 * DT:
            return
        if not is_leap([point for _, point, _, _ in self.recent], [size for _, _, size, _ in self.recent]):
            return
        del misread_into[-2 if newest_into is misread_into else -1]
        self.sizes_seen -= 1
        self.recent[1] = (*self.recent[1][:3], None)
        self._settle_resting_size(True)

    @property
    def size_settled(self) -> bool:
        """Whether the resting size comes from enough sizes read on a face found in the same frame."""
        return len(self.sizes) >= 15

    def use_resting_size(self, size_fu: float) -> None:
        """Judge sizes against ``size_fu`` from now on (re-expressing the ratios kept, see _rescale)."""
        if size_fu != self.judged_size:
            self._rescale(self.judged_size / size_fu)
            self.judged_size = size_fu

    def _rescale(self, factor: float) -> None:
        """Size ratios kept from before the resting size changed are re-expressed in the new one, so
        that a slide's landing or lift and a return's lift are judged on one scale (the first
        contact of a session straddles the moment the resting size is first learnt)."""
        self.buffer.ratio = [ratio * factor for ratio in self.buffer.ratio]
        self.candidate = [(np.concatenate([values[:3], [values[3] * factor], values[4:]]), fresh)
                          for values, fresh in self.candidate]
        if self.last_raw is not None:
            t, values, in_region, fresh = self.last_raw
            self.last_raw = (t, np.concatenate([values[:3], [values[3] * factor], values[4:]]), in_region, fresh)
        for glide in self.glides:
            glide.lift *= factor
        if self.hold is not None:
            self.hold.ratio *= factor


class StrokeEngine:
    """Feeds on tracked frames and face poses; returns stroke events as they happen."""

    def __init__(
        self,
        regions: FaceRegions | None = None,
        contact: str = "index",
        tool_offset: tuple[float, float] | None = None,
    ) -> None:
        if contact not in CONTACT_MODES:
            raise ValueError(f"unknown contact mode {contact!r}; expected one of {', '.join(CONTACT_MODES)}")
        self.regions = regions if regions is not None else FaceRegions()
        self.contact_mode = contact
        self.tool_offset = tool_offset
        self._hands: dict[Handedness, _HandTrack] = {"left": _HandTrack("left"), "right": _HandTrack("right")}
        self._pose: FacePose | None = None
        self._pose_time_s: float | None = None
        self._pose_stale = False  # the last frame was mapped with a stand-in pose
        self._face_core_fu = np.asarray(canonical_face(), dtype=float)[list(STABLE_LANDMARKS)]  # for _covered_share
        self._face_read_through_hand = False  # a covered face's fit was dragged; not trusted until uncovered
        self._followed_pose: tuple[float, FacePose] | None = None  # the slowly followed pose meanwhile, and its time
        self._mapped_pose: tuple[float, FacePose] | None = None  # the pose the last frame was mapped with, and its time
        self._fit_time_s: float | None = None  # the last frame with a Face Mesh fit
        self._carrying = False  # the face frame is being carried by the head's motion (see _carried_by_face_motion)
        self._hidden_glides: list[Stroke] = []  # glides reported while the stand-in pose was in use
        self._last_loss: tuple[float, float] = (math.inf, math.inf)  # the last face loss that was not bridged: last seen, found again
        self._next_id = 1
        self._now_s = 0.0
        self._frame_work = 0
        self._last_region: str | None = None  # where _near_face last found a hand (it is tried first)

    # -- public -------------------------------------------------------------------------------

    def update(self, tracked: TrackedFrame, pose: FacePose | None) -> list[Stroke]:
        """Take one frame; return the stroke events emitted at it (progress events have final=False)."""
        t = tracked.timestamp_s
        self._now_s = t
        self._frame_work = 0  # costly jobs (a slide timed, a run check) done at this frame so far
        fit_time_s = self._fit_time_s
        if pose is not None:
            self._fit_time_s = t
        carried = self._carried_by_face_motion(tracked, pose, fit_time_s)
        if carried is not None:
            pose = carried
            self._followed_pose = None
        elif pose is not None and self._read_through_hand(tracked, pose):
            pose = self._follow_slowly(pose, t)
        else:
            self._followed_pose = None
        fresh_pose = pose is not None
        stand_in = self._pose
        # The face is back after a loss too long to bridge: what was mapped with the stand-in pose
        # is off by however far the head moved meanwhile. Each hand's point fades from there.
        refound = (fresh_pose and self._pose_stale and stand_in is not None and self._pose_time_s is not None
                   and t - self._pose_time_s > BRIDGE_WAIT_S)
        lost_s = self._pose_time_s
        if pose is not None:
            self._pose, self._pose_time_s = pose, t
            self._pose_stale = False
        elif self._pose_time_s is not None:
            hold = POSE_HOLD_WITH_HAND_S if tracked.hands else POSE_HOLD_S
            if t - self._pose_time_s <= hold:
                pose = self._pose
                self._pose_stale = True
        self._mapped_pose = (t, pose) if pose is not None else None
        events: list[Stroke] = []
        seen: set[str] = set()
        for hand in tracked.hands:
            track = self._hands[hand.handedness]
            seen.add(hand.handedness)
            measure = measure_hand(hand, tracked.width, tracked.height, self.contact_mode, self.tool_offset,
                                   track.fingertip, t)
            if pose is None:
                track.contact = ContactPoint(hand.handedness, measure.contact_px, None, False)
                events += self._lose(track)
                continue
            point_xy, point_depth = pose.image_to_face_with_depth(measure.contact_px[None])
            point_fu = point_xy[0]
            faded = False
            if refound and stand_in is not None and track.touching:
                track.refound = (t, stand_in.image_to_face(measure.contact_px[None])[0] - point_fu)
            drifted_from = None
            if (not refound and fresh_pose and track.touching and track.stand_in is not None and track.last_raw is not None
                    and not track.last_raw[3]):
                drifted_from = track.stand_in  # this hand's points were last mapped on it
            if not fresh_pose:
                track.stand_in = pose
            if track.refound is not None:
                share = 1.0 - (t - track.refound[0]) / REFOUND_BLEND_S
                if share > 0:
                    point_fu = point_fu + share * track.refound[1]
                    faded = True
                else:
                    track.refound = None
            # A hand on the nose tip is nearer the camera than one on the temple: compare sizes as if
            # every contact were at the eye-corner plane (z = 0 in face units).
            # (the mapping's own last depth, unless the fade above moved the point)
            skin_depth_fu = float((pose.surface.depth_at(point_fu[None]) if faded else point_depth)[0])
            scale = pose.scale_px_per_fu / (1.0 - skin_depth_fu / CAMERA_DISTANCE_FU)
            size_fu = measure.size_px / scale
            if drifted_from is not None:
                # How far off the stand-in pose maps this frame is how far the head moved meanwhile
                # (the bridge takes it out of the points mapped on it).
                stand_in_xy, stand_in_depth = drifted_from.image_to_face_with_depth(measure.contact_px[None])
                stand_in_scale = drifted_from.scale_px_per_fu / (1.0 - float(stand_in_depth[0]) / CAMERA_DISTANCE_FU)
                track.drift = _PoseDrift(t, point_fu - stand_in_xy[0], stand_in_scale / scale)
            back_after_gap = track.last_seen_s is not None and t - track.last_seen_s > HAND_GAP_S
            if back_after_gap:
                track.forget_size_steps()
            jittery = track.read_jittery(point_fu, size_fu)
            in_region = self._near_face(point_fu) and not jittery
            learnt_into = track.learn_size(size_fu, trusted=fresh_pose) if in_region else None
            track.forget_misread_size(t, point_fu, size_fu, learnt_into)
            track.use_resting_size(self._resting_size(track))
            values = np.array([t, point_fu[0], point_fu[1], size_fu / track.judged_size,
                               measure.pinch_px / scale, measure.tip_depth_px / scale])
            if back_after_gap:
                events += self._lose(track)
            track.last_seen_s = t
            events += self._feed(track, values, in_region, fresh_pose)
            on_skin = track.touching and bool(track.buffer.on) and track.buffer.on[-1]
            track.contact = ContactPoint(hand.handedness, measure.contact_px, point_fu, on_skin)
            track.trail.append((t, point_fu))
        for name, track in self._hands.items():
            while track.trail and t - track.trail[0][0] > TRAIL_S:
                track.trail.popleft()
            if name in seen:
                continue
            track.contact = None
            if track.last_seen_s is not None and t - track.last_seen_s > HAND_GAP_S:
                events += self._lose(track)
            elif track.touching and self._left_lifted(track):
                events += self._end_contact(track)
        if refound and stand_in is not None and lost_s is not None and pose is not None:
            self._last_loss = (lost_s, t)
            events += self._rejudge_hidden_glides(stand_in, lost_s, pose, t)
        if fresh_pose:
            self._hidden_glides.clear()
            # Glides that stopped while the face was hidden may still be settling as it comes back.
            events = [self._doubt_hidden_glide(stroke, *self._last_loss) for stroke in events]
        elif pose is not None and lost_s is not None:
            events = [self._doubt_hidden_glide(stroke, lost_s, math.inf) for stroke in events]
            self._hidden_glides += [stroke for stroke in events
                                    if stroke.pattern == "glide" and stroke.final and not stroke.withdrawn]
        return sorted(events, key=lambda stroke: (stroke.start_s, stroke.stroke_id))

    def _carried_by_face_motion(self, tracked: TrackedFrame, fit: FacePose | None, fit_time_s: float | None) -> FacePose | None:
        """The face frame carried from the last frame's by the head's motion read on the skin round
        a hand on the face (TrackedFrame.face_motion), while Face Mesh's fit cannot be trusted: the
        face lost, or a hand covering FLOW_COVER of its stable points; then while the motion is
        measured, until the hands cover under half that and none touches the face. None otherwise
        (landmark streams, no hand on the face, the fit sound).

        Why: under a hand, Face Mesh's fit follows the hand or the face is lost; the skin the hand
        leaves in view moves with the head alone (coach.perception.face_motion)."""
        motion, previous = tracked.face_motion, self._mapped_pose
        t = tracked.timestamp_s
        if motion is None or previous is None:
            self._carrying = False
            return None
        if fit is None and (fit_time_s is None or t - fit_time_s > POSE_HOLD_WITH_HAND_S):
            self._carrying = False  # the same bound as for a stand-in pose: the flow's drift adds up too
            return None
        carried = moved_pose(previous[1], motion)
        # (The cover test, a hull per hand, is asked only when its answer matters.)
        if fit is not None and not (self._carrying and any(track.touching for track in self._hands.values())):
            covered = max((_covered_share(fit, hand, tracked.width, tracked.height, self._face_core_fu) for hand in tracked.hands),
                          default=0.0)
            if not self._carrying and covered < FLOW_COVER:
                return None
            # Back to the fit once no hand covers the face and none touches it: a finger on the skin
            # would be moved by the switch, and a flow carried longer than needed only adds its drift.
            if self._carrying and covered < FLOW_COVER / 2:
                self._carrying = False
                return None
        self._carrying = True
        if fit is None:
            return carried
        # A fit that agrees with the carried frame is sound (a fit dragged by a hand leaves it at the
        # finger's speed within a few frames): follow it, so the flow's own drift does not add up.
        apart = float(np.hypot(*(carried.face_to_image(_AGREEMENT_PROBES_FU) - fit.face_to_image(_AGREEMENT_PROBES_FU)).T).max())
        anchor_s = FLOW_AGREE_PULL_S if apart < FLOW_AGREE_FU * fit.scale_px_per_fu else FLOW_ANCHOR_S
        return pose_part_way(carried, fit, min(1.0, max(t - previous[0], 0.0) / anchor_s))

    def _read_through_hand(self, tracked: TrackedFrame, pose: FacePose) -> bool:
        """Whether this frame's face fit is Face Mesh reading the face through a covering hand
        (see DRAGGED_FACE_FU_S); once it is, every fit is until no hand covers the face.

        The cheap test (how fast the fit moved the skin under each finger) comes first; whether the
        hand covers the face (a convex hull) is asked only of a hand whose skin moved too fast, or
        while the fits are already distrusted."""
        if not tracked.hands or self._pose is None or self._pose_time_s is None:
            self._face_read_through_hand = False
            return False
        width, height = tracked.width, tracked.height
        if self._face_read_through_hand:
            self._face_read_through_hand = (
                tracked.timestamp_s - self._pose_time_s <= POSE_HOLD_WITH_HAND_S
                and any(_covered_share(pose, hand, width, height, self._face_core_fu) > COVERED_FACE_SHARE
                        for hand in tracked.hands))
            return self._face_read_through_hand
        if tracked.timestamp_s - self._pose_time_s > POSE_HOLD_WITH_HAND_S:
            return False
        elapsed = max(tracked.timestamp_s - self._pose_time_s, DT)
        for hand in tracked.hands:
            trail = self._hands[hand.handedness].trail
            if not trail:
                continue
            # Where the two fits put the skin point the finger was last on (on the eye-corner plane:
            # depth changes the answer little and costs a surface lookup per fit).
            skin = np.append(trail[-1][1], 0.0)[None]
            carried = float(np.hypot(*(pose.face_to_image(skin)[0] - self._pose.face_to_image(skin)[0]))) / pose.scale_px_per_fu
            if (carried / elapsed > DRAGGED_FACE_FU_S
                    and _covered_share(pose, hand, width, height, self._face_core_fu) > COVERED_FACE_SHARE):
                self._face_read_through_hand = True
                return True
        return False

    def _follow_slowly(self, fit: FacePose, t: float) -> FacePose:
        """The face frame while fits are read through a hand: a share of the way from the last frame's
        toward this fit, the share growing with the time since (DRAGGED_FACE_FOLLOW_S)."""
        if self._followed_pose is None:
            before, since = self._pose, self._pose_time_s
        else:
            since, before = self._followed_pose
        if before is None or since is None:
            return fit
        followed = pose_part_way(before, fit, min(1.0, max(t - since, 0.0) / DRAGGED_FACE_FOLLOW_S))
        self._followed_pose = (t, followed)
        return followed

    def flush(self) -> list[Stroke]:
        """End of stream: close whatever is still open (its events carry the last frame's time)."""
        events: list[Stroke] = []
        for track in self._hands.values():
            events += self._lose(track)
        return sorted(events, key=lambda stroke: (stroke.start_s, stroke.stroke_id))

    def contacts(self) -> tuple[ContactPoint, ...]:
        return tuple(track.contact for track in self._hands.values() if track.contact is not None)

    def trails_fu(self) -> dict[str, np.ndarray]:
        return {name: np.array([point for _, point in track.trail]) for name, track in self._hands.items() if track.trail}

    # -- the even clock and the contact -------------------------------------------------------

    def _feed(self, track: _HandTrack, values: np.ndarray, in_region: bool, fresh: bool) -> list[Stroke]:
        """Resample onto the even clock (frames arrive unevenly, and some are dropped)."""
        t = float(values[0])
        events: list[Stroke] = []
        if track.last_raw is None or track.next_grid_s is None:
            track.last_raw = (t, values, in_region, fresh)
            track.next_grid_s = t + DT
            return self._sample(track, values, in_region, fresh)
        previous_t, previous, _, previous_fresh = track.last_raw
        while track.next_grid_s <= t + 1e-9:
            share = (track.next_grid_s - previous_t) / max(t - previous_t, 1e-9)
            sample = previous + (values - previous) * share
            sample[0] = track.next_grid_s
            # A sample between a point mapped with the stand-in pose and the first one mapped on the
            # face found again is mostly the stand-in's (off by however far the head moved): it is
            # not fresh, or the bridge would be anchored on it and the point jump at its end.
            sample_fresh = fresh and (previous_fresh or share > 1.0 - 1e-6)
            if not sample_fresh and fresh and track.drift is not None and track.drift.found_s == t:
                stand_in_values = values.copy()  # this frame as the stand-in pose maps it
                stand_in_values[1:3] -= track.drift.shift_fu
                stand_in_values[3:] /= track.drift.scale_factor
                sample = previous + (stand_in_values - previous) * share
                sample[0] = track.next_grid_s
            events += self._sample(track, sample, in_region, sample_fresh)
            track.next_grid_s += DT
        track.last_raw = (t, values, in_region, fresh)
        return events

    def _sample(self, track: _HandTrack, values: np.ndarray, in_region: bool, fresh: bool) -> list[Stroke]:
        on = in_region and BEHIND_RATIO < float(values[3]) < LIFT_RATIO
        if not track.touching:
            if not on:
                track.candidate.clear()
                return []
            track.candidate.append((values, fresh))
            if len(track.candidate) < START_SAMPLES:
                return []
            track.touching = True
            track.buffer = _Buffer()
            for candidate_values, candidate_fresh in track.candidate:
                track.buffer.append(candidate_values, candidate_fresh, True)
            track.candidate.clear()
            track.last_on = len(track.buffer) - 1
            track.leg, track.run, track.hold, track.rest_anchor, track.settling = None, None, None, None, None
            track.provisional = None
            track.next_check = MIN_RUN_CONTACT_SAMPLES
            track.evaluated = -1
            return []
        buffer = track.buffer
        buffer.append(values, fresh, on)
        if buffer.mend_leap():
            logger.debug("%s hand: a leap out and back before %.2f s mended", track.hand, buffer.t[-1])
        if on:
            track.last_on = len(buffer) - 1
        elif len(buffer) - 1 - track.last_on >= END_SAMPLES:
            return self._end_contact(track)
        if not fresh and buffer.t[-1] - buffer.last_fresh_s < BRIDGE_WAIT_S:
            # The face is hidden (by the hand, on the forehead): the last pose stands in, but the
            # head keeps moving, so these points drift. Wait a moment for the face to come back and
            # bridge them; a hand covering the face for longer (a set of forehead strokes) is
            # followed with the stand-in pose, since the head moves far less than the hand.
            return []
        if fresh:
            self._bridge(buffer, track.drift)
        events: list[Stroke] = []
        while track.evaluated < len(buffer) - 1 - LAG:
            track.evaluated += 1
            events += self._evaluate(track, track.evaluated)
        if track.run is not None:
            events += self._watch_run(track)
        # A slide timed (or the other hand's run checked) at this frame already: check at the next
        # sample instead (up to a hop late), so the two costliest jobs do not fall on one frame.
        due = len(buffer) >= track.next_check
        if due and not (self._frame_work and len(buffer) - track.next_check < RUN_HOP_SAMPLES - 1):
            track.next_check = len(buffer) + RUN_HOP_SAMPLES
            self._frame_work += 1
            events += self._check_run(track)
        self._trim(track)
        return events

    @staticmethod
    def _bridge(buffer: _Buffer, drift: _PoseDrift | None = None) -> None:
        """Correct points mapped with a stand-in pose once the face is found again.

        While the face is hidden the head keeps moving but the stand-in pose does not, so the
        mapped point drifts with the head and jumps back when the face is found again. Over a short
        gap (under BRIDGE_WAIT_S) the head moves slowly and steadily, while the hand may circle,
        tap or glide: the samples keep their own motion and only the head's drift, known at the
        frame the face was found (``drift``), is taken out, growing evenly over the gap. Without
        it (the hand not seen at that frame) a straight bridge across the gap keeps the stroke whole.
        """
        last = len(buffer) - 1
        if last < 2 or buffer.fresh[last - 1]:
            return
        before = last - 1
        while before >= 0 and not buffer.fresh[before]:
            before -= 1
        if before < 0 or buffer.t[last - 1] - buffer.t[before] >= BRIDGE_WAIT_S:
            return  # a longer gap was followed with the stand-in pose (and is faded, not bridged)
        span = buffer.t[last] - buffer.t[before]
        if drift is not None and buffer.t[before] < drift.found_s <= buffer.t[last] + DT:
            drift_span = drift.found_s - buffer.t[before]
            shift_x, shift_y = float(drift.shift_fu[0]), float(drift.shift_fu[1])
            for index in range(before + 1, last):
                share = min(1.0, (buffer.t[index] - buffer.t[before]) / drift_span)
                buffer.x[index] += share * shift_x
                buffer.y[index] += share * shift_y
                factor = 1.0 + share * (drift.scale_factor - 1.0)
                for column in (buffer.ratio, buffer.pinch, buffer.depth):  # sizes read through the pose's scale
                    column[index] *= factor
            return
        for column in (buffer.x, buffer.y, buffer.ratio, buffer.pinch, buffer.depth):  # all read through the pose
            for index in range(before + 1, last):
                share = (buffer.t[index] - buffer.t[before]) / span
                column[index] = column[before] + share * (column[last] - column[before])

    @staticmethod
    def _doubt_hidden_glide(stroke: Stroke, lost_s: float, found_s: float) -> Stroke:
        """A glide that stopped while the face was hidden, more than HIDDEN_TRUST_S after it was last
        seen, is read on a pose the head has since left: its direction is a guess, so it is
        reported as unsure."""
        if stroke.pattern != "glide" or stroke.withdrawn or not lost_s + HIDDEN_TRUST_S < stroke.end_s <= found_s:
            return stroke
        return replace(stroke, confidence=min(stroke.confidence, GUESSED_POSE_CONFIDENCE))

    def _rejudge_hidden_glides(self, stand_in: FacePose, lost_s: float, found: FacePose, found_s: float) -> list[Stroke]:
        """The face is found again after a hand hid it: re-judge the glides reported meanwhile.

        They were read on points mapped with the stand-in pose, but the head kept moving under the
        hand, so the points drifted with it (a forehead "up" glide read as up-out or up-in). Each
        hidden point is mapped back to the image with the stand-in pose and into the face again with
        the pose estimated at its moment, part-way between the last pose before the loss and the
        first after. That estimate holds over a loss of up to HIDDEN_TRUST_S; after a longer one it
        is a guess as well, and the glides keep what they said but are marked unsure. A glide whose direction, region or confidence changes is sent again with the
        same stroke_id (session and pipeline replace a stroke by its newer event): the first report
        kept its latency, and this is the first moment the engine can know better. Its speed is
        kept: on the tuning sessions the re-expressed path's length was no closer to the truth.
        """
        events: list[Stroke] = []
        glides = [stroke for stroke in self._hidden_glides if len(stroke.times_s) >= 4 and stroke.times_s[-1] > lost_s]
        if not glides:
            return events
        # All hidden points at once: the pose solve is paid once per frame, not once per glide.
        hidden_times = np.concatenate([stroke.times_s[stroke.times_s > lost_s] for stroke in glides])
        stale = np.concatenate([stroke.path_fu[stroke.times_s > lost_s] for stroke in glides])
        moved = image_to_face_between(stand_in, found, (hidden_times - lost_s) / max(found_s - lost_s, 1e-9),
                                      stand_in.face_to_image(stale))
        taken = 0
        guessed = found_s - lost_s > HIDDEN_TRUST_S
        for stroke in glides:
            times = np.asarray(stroke.times_s, dtype=float)
            hidden = times > lost_s
            points = np.array(stroke.path_fu, dtype=float)
            points[hidden] = moved[taken : taken + int(hidden.sum())]
            taken += int(hidden.sum())
            if guessed:
                # Over a longer loss the pose part-way is a guess too: what was said is not changed
                # for another guess, the glide is only marked unsure (no correction from a guess).
                if stroke.confidence > GUESSED_POSE_CONFIDENCE:
                    events.append(replace(stroke, confidence=GUESSED_POSE_CONFIDENCE, reported_s=self._now_s))
                    self._replace_glide(stroke.hand, events[-1], None)
                continue
            _, ends = path_length(times, points, stroke.start_s, stroke.end_s)
            try:
                direction = glide_direction(ends[0], ends[1])
            except ValueError:
                continue
            region = _majority_region(self.regions, points)
            if direction == stroke.direction and region == stroke.region:
                continue
            revised = replace(stroke, direction=direction, region=region, path_fu=points, reported_s=self._now_s)
            logger.debug("%s hand: glide %.2f–%.2f s re-judged now the face is seen again: %s → %s",
                         stroke.hand, stroke.start_s, stroke.end_s, stroke.direction, direction)
            self._replace_glide(stroke.hand, revised, ends[1] - ends[0])
            events.append(revised)
        return events

    def _replace_glide(self, hand: Handedness, revised: Stroke, chord: np.ndarray | None) -> None:
        """A return is judged against the glide as revised (its new chord, when it has one)."""
        for glide in self._hands[hand].glides:
            if glide.stroke.stroke_id == revised.stroke_id:
                if chord is not None:
                    glide.direction = chord / max(float(np.hypot(*chord)), 1e-9)
                glide.stroke = revised

    def _trim(self, track: _HandTrack) -> None:
        """Keep a bounded buffer: nothing older than what an open leg, run or hold still needs."""
        buffer = track.buffer
        if len(buffer) < 2 * RUN_WINDOW_SAMPLES + 60:
            return
        keep_from = min(len(buffer) - RUN_WINDOW_SAMPLES - 10, track.evaluated - 2 * LAG)
        if track.leg is not None:
            keep_from = min(keep_from, track.leg.start - 4)
        if track.settling is not None:
            keep_from = min(keep_from, track.settling[0].start - 4)
        if track.hold is not None:
            keep_from = min(keep_from, track.hold.start)
        if track.provisional is not None:
            keep_from = min(keep_from, track.provisional.start - 4)
        if keep_from <= 30:
            return
        buffer.drop_front(keep_from)
        track.last_on -= keep_from
        track.next_check -= keep_from
        track.evaluated -= keep_from
        if track.leg is not None:
            track.leg.start -= keep_from
        if track.settling is not None:
            track.settling[0].start -= keep_from
            track.settling = (track.settling[0], track.settling[1] - keep_from)
        if track.hold is not None:
            track.hold.start -= keep_from
            if track.hold.left_at is not None:
                track.hold.left_at -= keep_from
        if track.provisional is not None:
            track.provisional.start -= keep_from

    def _lose(self, track: _HandTrack) -> list[Stroke]:
        """The hand is gone (or the face is): close its contact and forget where it was."""
        events = self._end_contact(track) if track.touching else []
        track.candidate.clear()
        track.last_raw = None
        track.next_grid_s = None
        return events

    @staticmethod
    def _left_lifted(track: _HandTrack) -> bool:
        """A hand that vanishes right after it was seen off the skin (lifted, or off the face) for
        LEFT_LIFTED_SAMPLES has left: its contact ended at its last on-skin sample. HAND_GAP_S bridges
        a hand that drops out of tracking while it touches the face; waiting it out here only
        delayed every event closed with the contact (a run, a hold, the last glide) by 0.3 s."""
        on = track.buffer.on
        return len(on) > LEFT_LIFTED_SAMPLES and not any(on[-LEFT_LIFTED_SAMPLES:])

    def _end_contact(self, track: _HandTrack) -> list[Stroke]:
        """Close everything open at the last on-skin sample."""
        events: list[Stroke] = []
        buffer = track.buffer
        last = track.last_on
        if track.run is not None:
            run = track.run
            if run.misses == 0:
                run.end_s = max(run.end_s, buffer.t[last])
            events.append(self._run_stroke(track, run, final=True))
            track.run = None
        if track.settling is not None:
            events += self._finish_leg(track, track.settling[0], last, at_contact_end=True)
            track.settling = None
        if track.leg is not None:
            events += self._finish_leg(track, track.leg, last, at_contact_end=True)
        if track.hold is not None:
            events += self._end_hold(track, last)
        track.touching = False
        track.closed_run = None  # a run does not go on across a lift
        track.leg, track.hold, track.settling, track.provisional = None, None, None, None
        track.buffer = _Buffer()
        track.last_on = -1
        return events

    # -- glides and holds -----------------------------------------------------------------------

    def _evaluate(self, track: _HandTrack, index: int) -> list[Stroke]:
        """Smoothed position and velocity at a sample (LAG behind the newest); watch legs and holds."""
        buffer = track.buffer
        if index < LAG:
            return []
        first, last = index - LAG, index + LAG
        xs = np.asarray(buffer.x[first : last + 1])
        ys = np.asarray(buffer.y[first : last + 1])
        buffer.sx[index] = float(_POSITION_COEFFS @ xs)
        buffer.sy[index] = float(_POSITION_COEFFS @ ys)
        velocity = np.array([_VELOCITY_COEFFS @ xs, _VELOCITY_COEFFS @ ys])
        speed = float(np.hypot(*velocity))
        if track.run is not None:
            return []
        events = self._watch_hold(track, index)
        # The slide is timed from 10 % to 10 % of its peak speed: once the finger is slower than that,
        # its tail is in, and waiting the whole settle time only delays the report.
        if track.settling is not None and (index >= track.settling[1]
                                           or speed < max(TAIL_SHARE * track.settling[0].peak_speed, STOP_SPEED_FU_S)):
            settled, _ = track.settling
            track.settling = None
            events += self._finish_leg(track, settled, min(len(buffer) - 1, index + LAG))
        leg = track.leg
        point = buffer.smooth_point(index)
        if leg is None:
            if track.rest_anchor is None:
                track.rest_anchor = point
            away = float(np.hypot(*(point - track.rest_anchor)))
            if away < START_FU:
                # The resting finger drifts and the skin moves a little: follow it slowly.
                track.rest_anchor = track.rest_anchor + REST_FOLLOW * (point - track.rest_anchor)
            if away > START_FU and speed > START_SPEED_FU_S:
                start = self._slide_start(buffer, index, track.rest_anchor)
                if track.settling is not None:
                    settled, _ = track.settling
                    track.settling = None
                    events += self._finish_leg(track, settled, max(start, settled.start + 1))
                track.leg = _Leg(start=start, peak=0.0)
                track.rest_anchor = None
            return events
        # Whether the slide goes on is judged on the travel over the last 0.3 s: a hand's own speed
        # varies smoothly, tracking jitter does not, and over 0.3 s it cancels out.
        rest = self._came_to_rest(buffer, leg, index) if speed > max(MAX_GLIDE_FU_S, leg.peak_speed) else None
        if rest is not None or (speed > LEAVE_SPEED_FU_S >= leg.peak_speed and index - leg.start > LEAVE_REST_SAMPLES):
            # A slide at a glide's pace now moving at a speed no glide reaches: the hand is travelling
            # off (or over to its next place). The glide ended where it was slowest just before.
            if rest is None:
                rest = self._slowest(buffer, max(leg.start + 1, index - LEAVE_REST_SAMPLES), index)
            track.leg = None
            events += self._finish_leg(track, leg, rest)
            track.leg = _Leg(start=rest, peak=0.0, peak_speed=speed)
            return events
        leg.peak_speed = max(leg.peak_speed, speed)
        if track.provisional is not None:
            events += self._continue_provisional(track, leg, point)
        back = index - MOTION_SAMPLES
        if back < max(leg.start, LAG) or math.isnan(buffer.sx[back]):
            return events
        motion = (buffer.smooth_point(index) - buffer.smooth_point(back)) / (MOTION_SAMPLES * DT)
        pace = float(np.hypot(*motion))
        leg.peak = max(leg.peak, pace)
        slow = pace < max(STOP_SHARE * leg.peak, STOP_SPEED_FU_S)
        leg.slow = leg.slow + 1 if slow else 0
        stop = leg.slow >= STOP_SAMPLES  # a dip of the jitter is not a stop: the slowness must last
        # The 0.3 s travel still holds most of a brisk slide for 0.2 s after the finger stops (with the
        # 0.13 s it must last and the settle time, the report came 0.5-0.6 s after the end): a finger
        # nearly still for 0.2 s by a shorter stretch has stopped, and its slow tail is in already.
        recent = buffer.smooth_point(index) - buffer.smooth_point(index - QUICK_STOP_SAMPLES)
        still = float(np.hypot(*recent)) / (QUICK_STOP_SAMPLES * DT) < max(min(STOP_SHARE * leg.peak, QUICK_STILL_FU_S), STOP_SPEED_FU_S)
        if not still:
            # Jitter swings the point to and fro across the pace test; a finger at rest stays within
            # 1 mm of where it rests however it swings (the band a slide's start is traced back to).
            # A wider band (1.5 mm) stops minjerk's creeping bell tails early: their speed came out 0.19 off.
            still = self._within_band(buffer, index - QUICK_STOP_SAMPLES, index)
        leg.still = leg.still + 1 if still else 0
        # Only for a brisk slide: a slow one's 0.3 s window is a small part of it anyway, and its
        # hesitations midway (0.2 s below STOP_SHARE of a slow peak is within the jitter) are not its end.
        quick_stop = leg.still >= QUICK_STOP_COUNT and leg.peak >= QUICK_STOP_MIN_PEAK_FU_S
        slow_stop = (not quick_stop and leg.still >= SLOW_STILL_SAMPLES
                     and self._within_band(buffer, index - QUICK_STOP_SAMPLES - leg.still + 1, index))
        quick_stop = quick_stop or slow_stop
        turned = False
        travel = np.zeros(2)
        start_point = buffer.smooth_point(max(leg.start, LAG)) if not math.isnan(buffer.sx[max(leg.start, LAG)]) else None
        if start_point is not None and pace > START_SPEED_FU_S:
            travel = buffer.smooth_point(back) - start_point
            distance = float(np.hypot(*travel))
            if distance > START_FU:
                turned = float(travel @ motion) / (distance * pace) < -0.3
        if not turned and start_point is not None and self._backing(buffer, leg, start_point, back, index, velocity):
            turned, travel = True, buffer.smooth_point(back) - start_point
        too_long = buffer.t[index] - buffer.t[leg.start] > MAX_LEG_S
        way = None if start_point is None else point - start_point  # from the slide's start to here
        lifting = not turned and self._lifting_off(buffer, leg, speed, velocity, way)
        if stop or quick_stop or turned or too_long or lifting:
            track.leg = None
            logger.debug("%s hand: slide from %.2f s ends at %.2f s (stop %s, quick stop %s, slow stop %s, turned %s, too long %s, lifting %s)",
                         track.hand, buffer.t[leg.start], buffer.t[index], stop, quick_stop, slow_stop, turned, too_long, lifting)
            if quick_stop and not turned:
                finished = self._finish_leg(track, leg, min(len(buffer) - 1, index + LAG))
                events += finished
                track.rest_anchor = point
                if slow_stop and way is not None:
                    glide = finished[-1] if finished and finished[-1].pattern == "glide" else None
                    track.provisional = _Provisional(leg.start, leg.peak, leg.peak_speed, way / max(float(np.hypot(*way)), 1e-9),
                                                     glide, buffer.t[index] + HESITATION_S)
            elif lifting and not turned and way is not None:
                # Timed up to where it got furthest along its way, as a slide that turned back is.
                finished = self._finish_leg(track, leg, self._turning_point(buffer, back, index, way))
                events += finished
                record = self._glide_record(track, finished[-1]) if finished else None
                if record is not None:
                    record.lifted_off = True
                track.rest_anchor = point
            elif turned:
                # The finger went straight back: this slide ends here and the next begins.
                events += self._finish_leg(track, leg, self._turning_point(buffer, back, index, travel))
                track.leg = _Leg(start=self._turning_point(buffer, back, index, travel), peak=0.0)
                track.rest_anchor = None
            else:
                # Let the slow tail of the slide come in before timing it (10 % of the peak speed
                # is reached a little after the finger seems to have stopped).
                track.settling = (leg, index + SETTLE_SAMPLES)
                track.rest_anchor = point
        return events

    def _continue_provisional(self, track: _HandTrack, leg: _Leg, point: np.ndarray) -> list[Stroke]:
        """A slide began after a slow glide was reported at rest: once it has left its start (START_FU),
        it either goes on the glide's way (the glide had only paused: withdraw it, and this slide
        continues it from its first start) or not (the glide stands)."""
        provisional = track.provisional
        assert provisional is not None
        buffer = track.buffer
        if buffer.t[leg.start] > provisional.until_s or leg.start < provisional.start:
            track.provisional = None
            return []
        anchor = buffer.smooth_point(max(leg.start, LAG))
        moved = point - anchor
        distance = float(np.hypot(*moved))
        if math.isnan(distance) or distance < START_FU:
            return []
        track.provisional = None
        if float(moved @ provisional.direction) < CONTINUE_COS * distance:
            return []
        events: list[Stroke] = []
        if provisional.stroke is not None:
            ids = [glide.stroke.stroke_id for glide in track.glides]
            if provisional.stroke.stroke_id not in ids:
                return []  # taken back already (a run was found over it)
            del track.glides[ids.index(provisional.stroke.stroke_id)]
            logger.debug("%s hand: glide %.2f–%.2f s goes on after a pause: taken back", track.hand,
                         provisional.stroke.start_s, provisional.stroke.end_s)
            events.append(replace(provisional.stroke, withdrawn=True, reported_s=self._now_s))
        leg.start = provisional.start
        leg.peak = max(leg.peak, provisional.peak)
        leg.peak_speed = max(leg.peak_speed, provisional.peak_speed)
        return events

    def _backing(self, buffer: _Buffer, leg: _Leg, start_point: np.ndarray, back: int, index: int,
                 velocity: np.ndarray) -> bool:
        """The finger is going back along its slide's way (TURN_BACK_*): the slide has turned.

        Read on the smoothed velocity at the watched sample, not on the travel over 0.3 s, so a
        glide followed at once by its way back is reported 0.2-0.4 s sooner; it is cut where it got
        furthest along its way, exactly as the slower turn test cuts it."""
        way = buffer.smooth_point(back) - start_point
        distance = float(np.hypot(*way))
        if distance < MIN_GLIDE_FU:
            leg.backing = 0
            return False
        unit = way / distance
        backward = -float(velocity @ unit)
        if backward > max(TURN_BACK_FU_S, TURN_BACK_SHARE * leg.peak_speed):
            leg.backing += 1
        else:
            leg.backing = 0
        if leg.backing < TURN_BACK_SAMPLES:
            return False
        furthest = self._turning_point(buffer, back, index, unit)
        retreat = float((buffer.smooth_point(furthest) - buffer.smooth_point(index)) @ unit)
        return retreat > TURN_RETREAT_FU

    @staticmethod
    def _came_to_rest(buffer: _Buffer, leg: _Leg, index: int) -> int | None:
        """Where a slide that now moves faster than any glide (and than it ever did) had come nearly
        to rest: the latest sample over the last LEAVE_REST_SAMPLES slower than LIFT_END_SLOW_SHARE
        of its peak before it, a glide's length from its start (None: it never slowed, or had not
        gone as far as a glide goes). A glide is one bell of speed, rising once and falling once;
        slowing that far and then speeding past any glide's pace is the hand leaving or travelling
        to its next place. It is seen long before the speed no glide's peak reaches
        (LEAVE_SPEED_FU_S), which was needed when the speed alone was asked (a brisk glide peaks
        past MAX_GLIDE_FU_S, but without a rest before)."""
        first = max(leg.start + 1, LAG + 1, index - MAX_LEG_SAMPLES_SEEN)
        if index - first < 4:
            return None
        steps = [step / DT for step in StrokeEngine._step_lengths(buffer, first, index)]
        if any(math.isnan(step) for step in steps):
            return None
        peaks = np.maximum.accumulate(steps)
        # The latest such rest, where the speeding up began (an earlier pause may be the glide's own).
        rest = None
        for back in range(len(steps) - 2, max(2, len(steps) - 1 - LEAVE_REST_SAMPLES) - 1, -1):
            if steps[back] < LIFT_END_SLOW_SHARE * peaks[back]:
                rest = first + back
                break
        if rest is None:
            return None
        # ...and only after a glide's length: a wobble as the hand settles, then a brisk glide, is
        # one slide that speeds up once, not a glide and a departure.
        start = max(leg.start, LAG)
        travelled = math.hypot(buffer.sx[rest] - buffer.sx[start], buffer.sy[rest] - buffer.sy[start])
        return rest if travelled >= MIN_GLIDE_FU else None

    @staticmethod
    def _within_band(buffer: _Buffer, first: int, last: int) -> bool:
        """Whether the smoothed points between two samples all lie within the 1 mm a resting finger's
        jitter spans around where it rests (START_FU / 3, the band a slide's start is traced back to)."""
        xs = np.asarray(buffer.sx[first : last + 1])
        ys = np.asarray(buffer.sy[first : last + 1])
        return float(np.max(np.hypot(xs - xs.mean(), ys - ys.mean()))) < START_FU / 3

    @staticmethod
    def _step_lengths(buffer: _Buffer, first: int, last: int) -> list[float]:
        """How far the smoothed point moved into each sample from the one before, first to last."""
        return [math.hypot(buffer.sx[i] - buffer.sx[i - 1], buffer.sy[i] - buffer.sy[i - 1]) for i in range(first, last + 1)]

    @staticmethod
    def _slowest(buffer: _Buffer, first: int, last: int) -> int:
        """The sample between two at which the smoothed point moved least."""
        steps = StrokeEngine._step_lengths(buffer, first, last)
        return first + int(np.nanargmin(steps)) if not all(math.isnan(step) for step in steps) else last

    @staticmethod
    def _lifting_off(buffer: _Buffer, leg: _Leg, speed: float, velocity: np.ndarray, way: np.ndarray | None) -> bool:
        """The hand rises off the skin as its slide slows or leaves its way: the glide is over (a
        lifted return or the hand leaving follows). The hand's size needs no smoothing, so the rise
        shows on the newest samples, while the finger's stop is seen LAG samples late and its way
        back later still. ``way``: from the slide's start to the sample ``velocity`` is read at."""
        if speed >= LIFT_END_SLOW_SHARE * leg.peak_speed:
            off_way = False
            if LIFT_END_OFF_WAY and way is not None:
                off_way = float(np.hypot(*way)) >= MIN_GLIDE_FU and float(velocity @ way) < 0.0
            if not off_way:
                return False
        newest = len(buffer) - 1
        base_first, base_last = max(leg.start, newest - LIFT_END_BASE_SAMPLES[1]), newest - LIFT_END_BASE_SAMPLES[0]
        if base_last - base_first < 3:
            return False
        now = sorted(buffer.ratio[newest - 2 :])[1]
        return now - float(np.median(buffer.ratio[base_first : base_last + 1])) > LIFT_END

    @staticmethod
    def _turning_point(buffer: _Buffer, first: int, last: int, travel: np.ndarray) -> int:
        """Where, between two samples, the finger got furthest along its slide before turning back."""
        along = [buffer.sx[i] * travel[0] + buffer.sy[i] * travel[1] for i in range(first, last + 1)]
        return first + int(np.argmax(along))

    @staticmethod
    def _slide_start(buffer: _Buffer, index: int, anchor: np.ndarray) -> int:
        """The last sample before ``index`` at which the finger was still at its resting point
        (a slow slide leaves the noise band well after it began)."""
        earliest = max(LAG, index - int(1.0 / DT))
        for back in range(index, earliest - 1, -1):
            if math.isnan(buffer.sx[back]):
                return back
            if math.hypot(buffer.sx[back] - anchor[0], buffer.sy[back] - anchor[1]) < START_FU / 3:
                return back
        return earliest

    def _finish_leg(self, track: _HandTrack, leg: _Leg, last: int, at_contact_end: bool = False) -> list[Stroke]:
        stroke = self._end_leg(track, leg, last, at_contact_end)
        if stroke is None:
            return []
        still_until = stroke.start_s
        glide = self._glide_record(track, stroke)
        if HOLD_ENDS_AT_MOTION and glide is not None:
            still_until = min(still_until, glide.moving_from_s)
        return self._withdraw_holds_in_glide(track, still_until, stroke.end_s) + [stroke]

    @staticmethod
    def _glide_record(track: _HandTrack, stroke: Stroke) -> _Glide | None:
        """What the engine keeps of the glide just reported as ``stroke`` (None: it was no glide)."""
        return track.glides[-1] if track.glides and track.glides[-1].stroke is stroke else None

    def _withdrawn_hold(self, track: _HandTrack, stroke_id: int, hold_start_s: float) -> Stroke:
        """The event taking back a hold already closed and reported (it was the start of a glide or a run)."""
        return Stroke(start_s=hold_start_s, end_s=hold_start_s, hand=track.hand, region=None, pattern="hold",
                      direction=None, speed_fu_s=None, count=1, rate_hz=None, reported_s=self._now_s,
                      stroke_id=stroke_id, withdrawn=True)

    def _withdrawn_open_hold(self, track: _HandTrack, hold: _Hold) -> Stroke:
        """The event taking back the hold still going (reported already: it has a stroke_id)."""
        return replace(self._hold_stroke(track, hold, len(track.buffer) - 1, final=True), withdrawn=True)

    def _withdraw_holds_in_glide(self, track: _HandTrack, onset_s: float, stop_s: float) -> list[Stroke]:
        """A slow glide creeps off its start (a skewed bell barely moves for its first second): a hold
        reported there that was still for less than MIN_HOLD_S before the glide began to move
        (``onset_s``, see HOLD_ENDS_AT_MOTION) was the glide's beginning, not a press. Take it back."""
        events: list[Stroke] = []
        for stroke_id, hold_start_s in list(track.holds):
            if hold_start_s < stop_s and onset_s - hold_start_s < MIN_HOLD_S:
                track.holds.remove((stroke_id, hold_start_s))
                events.append(self._withdrawn_hold(track, stroke_id, hold_start_s))
        hold = track.hold
        if hold is not None and hold.stroke_id is not None:
            hold_start_s = track.buffer.t[hold.start]
            if hold_start_s < stop_s and onset_s - hold_start_s < MIN_HOLD_S:
                events.append(self._withdrawn_open_hold(track, hold))
                track.hold = None
        return events

    def _end_leg(self, track: _HandTrack, leg: _Leg, last: int, at_contact_end: bool = False) -> Stroke | None:
        """Time and measure a finished slide (its samples up to ``last``); report it if it is a glide."""
        buffer = track.buffer
        first = max(0, leg.start - 3)
        last = min(len(buffer) - 1, last)
        slide_first = first
        first, last = self._trim_lift(buffer, first, last)
        if last - first < 5:
            return None
        # The hand came down onto the skin as this slide began: it looked larger at its start than a
        # glide's depth change allows (MAX_LIFT_CHANGE) over what it is on the skin.
        landed = (float(median(buffer.ratio[slide_first : slide_first + 3]))
                  - float(median(buffer.ratio[first : last + 1]))) > MAX_LIFT_CHANGE
        bounds = still_bounds(np.array(buffer.t[first : last + 1]), buffer.points(first, last), MAX_GLIDE_FU_S, MIN_GLIDE_FU,
                              landed)
        if bounds is None:
            track.other_leg_s = buffer.t[last]
            # Counted as a timed slide, as this leg was before the arrival rule: the run check then
            # waits a sample as it did (shifting the checks moves marginal runs either way; on the
            # demo clip the arrival's wobble then passes for a circle and the first glide is lost).
            self._frame_work += 1
            return _rejected(track.hand, np.array(buffer.t[first : last + 1]), "arriving (moving fast from its start)", 0.0)
        first, last = first + bounds[0], first + bounds[1]
        times = np.array(buffer.t[first : last + 1])
        points = buffer.points(first, last)
        chord = points[-3:].mean(axis=0) - points[:3].mean(axis=0)
        chord_length = float(np.hypot(*chord))
        if chord_length < 0.7 * MIN_GLIDE_FU:
            return _rejected(track.hand, times, "short chord", chord_length)
        self._frame_work += 1
        timing = time_leg(times, points @ (chord / chord_length))
        onset = _clamp(timing.onset_s, float(times[0]), float(times[-1]))
        stop = _clamp(timing.stop_s, float(times[0]), float(times[-1]))
        duration = stop - onset
        if duration < MIN_GLIDE_S:
            return _rejected(track.hand, times, "brief", duration)
        length, ends = path_length(times, points, onset, stop)
        # Whether this is a glide is judged on what the samples show; its speed and start, by the
        # convention, from the onset (which the fit may place before the first sample).
        measured_length, measured_onset = length, onset
        if timing.onset_s < onset - 0.5 * DT:
            measured_length, measured_onset = _with_unseen_start(timing, length, onset, stop)
        if length < MIN_GLIDE_FU:
            return _rejected(track.hand, times, "short", length)
        speed = measured_length / (stop - measured_onset)
        if speed > MAX_GLIDE_FU_S:
            track.other_leg_s = stop
            return _rejected(track.hand, times, "fast", speed)
        if measured_onset >= track.last_run_end_s and _joined_to_run(measured_onset - track.last_run_end_s, stop - measured_onset):
            track.other_leg_s = stop
            return _rejected(track.hand, times, "leaving a run", measured_onset - track.last_run_end_s)
        inside = (times >= onset - 1e-9) & (times <= stop + 1e-9)
        path = points[inside]
        path_times = times[inside]
        if len(path) < 4:
            return None
        fitted_chord = ends[1] - ends[0]  # between the ends the timing fitted (the sample chord above is the raw one)
        fitted_chord_fu = float(np.hypot(*fitted_chord))
        # Straightness from the traced shape (hooks and S-bends show), speed from the single bow.
        straightness = fitted_chord_fu / max(traced_length(path, ends), length, 1e-9)
        if straightness < MIN_STRAIGHTNESS:
            track.other_leg_s = stop
            return _rejected(track.hand, times, "curved", straightness)
        ratios = np.asarray(buffer.ratio[first : last + 1])[inside]
        lift = float(median(ratios))
        third = max(2, len(ratios) // 3)
        lift_change = float(median(ratios[-third:]) - median(ratios[:third]))
        at_edge = at_contact_end or leg.start <= START_SAMPLES + LAG
        if abs(lift_change) > (LANDING_LIFT_CHANGE if at_edge else MAX_LIFT_CHANGE):
            track.other_leg_s = stop
            return _rejected(track.hand, times, "lands or leaves (size change)", lift_change)
        direction_vector = fitted_chord / max(fitted_chord_fu, 1e-9)
        return_evidence = self._return_evidence(track, direction_vector, speed, lift, onset)
        if return_evidence >= 1.0:
            self._restart_hold_after(track, stop)
            return _rejected(track.hand, times, "a return (evidence)", return_evidence)
        try:
            direction = glide_direction(ends[0], ends[1])
            margin_deg = direction_margin_deg(ends[0], ends[1])
        except ValueError:
            return None
        fresh_share = float(np.mean(np.asarray(buffer.fresh[first : last + 1])[inside]))
        confidence = min(
            _ramp(length, MIN_GLIDE_FU, 1.6 * MIN_GLIDE_FU),
            _ramp(straightness, MIN_STRAIGHTNESS, MIN_STRAIGHTNESS + 0.15),
            _ramp(LIFT_RATIO - lift, 0.0, 0.05),
            _ramp(1.0 - return_evidence, 0.0, 0.5),
            _ramp(MAX_GLIDE_FU_S - speed, 0.0, 0.5),
            _ramp(duration, MIN_GLIDE_S, MIN_GLIDE_S + 0.15),
        ) * (0.6 + 0.4 * fresh_share)
        if confidence < MIN_REPORT_CONFIDENCE:
            return _rejected(track.hand, times, "too unsure to report (confidence)", confidence)
        if margin_deg < direction_uncertainty_deg(fitted_chord_fu):
            # Surely a glide, but which of two neighbouring directions it went cannot be told.
            confidence = min(confidence, UNSURE_GLIDE_CONFIDENCE)
        if abs(lift_change) > LANDING_LIFT_CHANGE:
            # The hand grew or shrank more than turning along the face explains: it may have been
            # rising off the skin as it slid (a hand moving off after a stroke to wait nearby looks
            # just so). Counted, but no correction is made from it.
            confidence = min(confidence, UNSURE_GLIDE_CONFIDENCE)
        moving = np.hypot(*gradient(path, path_times).T)
        regularity = _clamp(float(1.0 - np.std(moving) / max(float(np.mean(moving)), 1e-9)), 0.0, 1.0)
        stroke = self._stroke(track.hand, path_times, path, "glide", direction, speed, 1, None, regularity,
                              confidence, self._new_id(), True, start_s=measured_onset, end_s=stop)
        moving_from = sum(weight * start for _, start, _, weight in timing.fits)
        track.glides.append(_Glide(direction_vector, speed, lift, stop, stroke, moving_from_s=moving_from))
        if track.hold is not None and track.hold.stroke_id is None and buffer.t[track.hold.start] < stop:
            track.hold = None  # the finger was still sliding: a hold can only begin where the glide stopped
        return stroke

    @staticmethod
    def _restart_hold_after(track: _HandTrack, stop_s: float) -> None:
        """The hand arriving or coming back from a glide was still sliding until ``stop_s``: its slow
        landing tail stays within a hold's spot, but a press can only begin once it has come to rest
        (as after a glide). Unreported holds that began earlier start again from now."""
        if track.hold is not None and track.hold.stroke_id is None and track.buffer.t[track.hold.start] < stop_s:
            track.hold = None

    @staticmethod
    def _trim_lift(buffer: _Buffer, first: int, last: int) -> tuple[int, int]:
        """Cut the ends of a slide where the hand is still landing or already lifting off.

        The contact test needs a clear lift to end a contact (and lets a landing hand in early),
        so a slide can begin while the hand still settles onto the skin and end as it rises: those
        samples look larger than the slide's typical hand size.
        """
        if last - first < 8:
            return first, last
        ratio = np.asarray(buffer.ratio[first : last + 1])
        smooth = np.convolve(pad_edge(ratio, 1), np.ones(3) / 3, mode="valid")
        limit = float(median(ratio)) + TRIM_LIFT
        start, end = 0, len(ratio) - 1
        while start < end and smooth[start] > limit:
            start += 1
        while end > start and smooth[end] > limit:
            end -= 1
        return first + start, first + end

    def _return_evidence(self, track: _HandTrack, direction: np.ndarray, speed: float, lift: float, onset: float) -> float:
        """How much this leg looks like the way back after the last glide (≥ 1: it is a return).

        A return goes the other way, soon after a glide and next after it, and is made faster and/or with the hand
        lifted toward the camera; either cue alone suffices when clear, and half of each adds up.
        """
        if not track.glides:
            return 0.0
        last = track.glides[-1]
        if track.other_leg_s > last.stop_s:
            return 0.0  # the hand went elsewhere since (travel, a landing): this leg is not that glide's way back
        if onset - last.stop_s > RETURN_WINDOW_S:
            return 0.0
        lifted = (lift - last.lift) / RETURN_LIFT
        turn = float(direction @ last.direction)
        if turn > -0.5:
            # Not the way back: only a hand still in the air since the glide lifted off, moving
            # across its way (a rising fingertip drifts in the image), is its return.
            in_the_air = (LIFTED_RETURN_S > 0 and last.lifted_off and onset - last.stop_s < LIFTED_RETURN_S
                          and turn < AIR_SAME_WAY_COS)
            return max(0.0, lifted) if in_the_air else 0.0
        faster = math.log(max(speed, 1e-9) / max(last.speed, 1e-9)) / math.log(RETURN_SPEEDUP)
        return max(0.0, faster) + max(0.0, lifted)

    def _watch_hold(self, track: _HandTrack, index: int) -> list[Stroke]:
        buffer = track.buffer
        point = buffer.smooth_point(index)
        hold = track.hold
        if hold is not None and float(np.hypot(*(point - hold.anchor))) > HOLD_RADIUS_FU:
            # Off the spot: a reported hold is closed only if the finger does not come back to it
            # at once (a twitch, or a moment of bad tracking, does not end a press).
            if hold.stroke_id is None:
                hold = track.hold = None
            else:
                if hold.left_at is None:
                    hold.left_at = index
                # A twitch or a moment of bad tracking stays near the spot; a finger twice the
                # spot's radius away has gone on to something else, and the hold ends now.
                gone = float(np.hypot(*(point - hold.anchor))) > 2 * HOLD_RADIUS_FU
                if not gone and buffer.t[index] - buffer.t[hold.left_at] < HOLD_RESUME_S:
                    return []
                events = self._end_hold(track, hold.left_at)
                track.hold = None
                return events
        if hold is None:
            track.hold = self._resumed_hold(track, index, point) or _Hold(start=index, anchor=point)
            return []
        hold.left_at = None
        hold.spot_samples += 1
        samples = hold.spot_samples
        hold.anchor = hold.anchor + (point - hold.anchor) / samples  # the centroid of the hold so far
        ratio = _median_of_few(buffer.ratio[max(hold.start, index - 4) : index + 1])
        # The hand's size needs no smoothing: whether it rises is read on the newest samples, LAG
        # samples ahead of the smoothed point watched here (the median of 5, as before: a tap's
        # brief rises, 0.1 s each, are not a lift).
        rising = _median_of_few(buffer.ratio[max(hold.start, len(buffer) - 5) :])
        if samples <= 5:
            hold.ratio = ratio
        elif rising - hold.ratio > LANDING_LIFT_CHANGE:  # more than the size's noise and turning
            # The hand grows in the image: it is lifting off, no longer pressing.
            events = self._end_hold(track, index)
            track.hold = None
            return events
        duration = buffer.t[index] - buffer.t[hold.start]
        if duration < MIN_HOLD_S or self._now_s - hold.reported_s < HOLD_UPDATE_S:
            return []
        if hold.stroke_id is None:
            fresh_share = float(np.mean(buffer.fresh[hold.start : index + 1]))
            if _ramp(duration, MIN_HOLD_S, MIN_HOLD_S + 1.0) * (0.6 + 0.4 * fresh_share) < MIN_REPORT_CONFIDENCE:
                return []  # not sure yet: a hold is reported once it is clearly one
            hold.stroke_id = self._new_id()
            if hold.resumes is not None and hold.resumes in track.holds:
                track.holds.remove(hold.resumes)
                events = [self._withdrawn_hold(track, *hold.resumes)]
                hold.reported_s = self._now_s
                return events + [self._hold_stroke(track, hold, index, final=False)]
        hold.reported_s = self._now_s
        return [self._hold_stroke(track, hold, index, final=False)]

    @staticmethod
    def _resumed_hold(track: _HandTrack, index: int, point: np.ndarray) -> _Hold | None:
        """A hold beginning right where a reported one just closed is that press going on.

        A long press drifts: the finger slides a few millimetres, or the tracking wavers, and the
        hold is closed once the point has been off its spot for HOLD_RESUME_S. If it rests again
        within HOLD_RESUME_S of that close, and near (within the 2 × HOLD_RADIUS_FU that ends a hold
        at once), no stroke came between: the new hold keeps the closed one's start, and takes it
        back once it is reported (a finger that moves on instead leaves the closed hold as it was).
        """
        if track.last_hold_end is None or not track.holds:
            return None
        end_s, spot = track.last_hold_end
        buffer = track.buffer
        if buffer.t[index] - end_s > HOLD_RESUME_S or float(np.hypot(*(point - spot))) > 2 * HOLD_RADIUS_FU:
            return None
        stroke_id, start_s = track.holds[-1]
        start = bisect.bisect_left(buffer.t, start_s - 1e-9)
        if start >= len(buffer) or abs(buffer.t[start] - start_s) > 1e-6:
            return None  # no longer in the buffer
        return _Hold(start=start, anchor=point, resumes=(stroke_id, start_s))

    def _end_hold(self, track: _HandTrack, end: int) -> list[Stroke]:
        hold = track.hold
        track.hold = None
        if hold is None or hold.stroke_id is None:
            return []
        if hold.left_at is not None:
            end = min(end, hold.left_at)
        track.holds.append((hold.stroke_id, track.buffer.t[hold.start]))
        track.last_hold_end = (track.buffer.t[min(max(track.evaluated, 0), len(track.buffer) - 1)], hold.anchor)
        end = max(hold.start + 1, min(end, len(track.buffer) - 1))
        return [self._hold_stroke(track, hold, end, final=True)]

    def _hold_stroke(self, track: _HandTrack, hold: _Hold, end: int, final: bool) -> Stroke:
        buffer = track.buffer
        times = np.asarray(buffer.t[hold.start : end + 1])
        points = buffer.points(hold.start, end)
        duration = float(times[-1] - times[0])
        fresh_share = float(np.mean(buffer.fresh[hold.start : end + 1]))
        confidence = _ramp(duration, MIN_HOLD_S, MIN_HOLD_S + 1.0) * (0.6 + 0.4 * fresh_share)
        assert hold.stroke_id is not None
        return self._stroke(track.hand, times, points, "hold", None, None, 1, None, 1.0, confidence, hold.stroke_id, final)

    # -- runs -----------------------------------------------------------------------------------

    def _check_run(self, track: _HandTrack) -> list[Stroke]:
        buffer = track.buffer
        last = len(buffer) - 1
        # The hand settling onto the skin (it shrinks in the image and slides a little) is not part
        # of any repetition, and its slow swing would drown a tapping tempo: leave it out.
        first = max(LANDING_SAMPLES, last - RUN_WINDOW_SAMPLES + 1)
        if last - first < MIN_RUN_CONTACT_SAMPLES - LANDING_SAMPLES:
            return []
        window = buffer.window(first, last)
        run = track.run
        if run is not None:
            # Does the rhythm go on? Look at the last two cycles only, so that its stopping shows soon.
            recent = max(int(RUN_CONFIRM_CYCLES / (run.frequency_hz * DT)), RUN_CONFIRM_MIN_SAMPLES)
            first = max(first, last - recent + 1)
            finding = confirm_run(buffer.window(first, last), run.pattern, run.frequency_hz, run.clockwise)
        else:
            finding = find_run(window)
            # A run does not begin inside the one that ended just before it.
            skipped = False
            while finding is not None and buffer.t[first + finding.first] < track.last_run_end_s:
                skip = int(np.searchsorted(window.times, track.last_run_end_s))
                if last - (first + skip) < 12:
                    finding = None
                    break
                first += skip
                window = buffer.window(first, last)
                finding = find_run(window)
                skipped = True
            if finding is None and track.hold is not None and last - track.hold.start >= RUN_WINDOW_SAMPLES:
                # A slow knead (under ~0.8 Hz) shows its 1.5 cycles only over more than the run window,
                # and its fingertip stays put (the thumb swings against it): it is first taken for a
                # hold. While a hold lasts, look back over it (up to 4 s) for the thumb's swing.
                knead_first = max(LANDING_SAMPLES, track.hold.start, last - SLOW_KNEAD_WINDOW_SAMPLES + 1)
                if buffer.t[knead_first] >= track.last_run_end_s and last - knead_first + 1 > RUN_WINDOW_SAMPLES:
                    finding = find_knead(buffer.window(knead_first, last))
                    if finding is not None:
                        first = knead_first
            revised = self._revise_closed_run(track) if skipped and self._continues_closed_run(track, finding) else []
            if not revised and finding is not None and self._was_under_way(track, finding, first):
                revised = self._revise_closed_run(track)
        events: list[Stroke] = [] if run is not None else revised
        if run is not None:
            if finding is not None:
                self._extend_run(run, finding, buffer.t[last] - LAG * DT)
            elif run.recent_swing < RUN_STEADY * run.swing:
                run.misses += 1
                if run.misses < RUN_MISSES_TO_CLOSE:
                    return []
                events.append(self._run_stroke(track, run, final=True))
                track.run = None
                run = None
        if run is None and finding is not None:
            start_s = revised[0].start_s if revised else buffer.t[first + finding.first]
            run = _Run(self._new_id(), finding.pattern, start_s, buffer.t[first + finding.last], finding.frequency_hz,
                       finding.clockwise, finding.evidence, finding.regularity, finding.source,
                       found_cycles=max(finding.cycles(DT), 1.0))
            span = _watch_span(run.frequency_hz)
            run.swing = rhythm_amplitude(buffer.signal(run.source, max(first + finding.first, first + finding.last - span + 1),
                                                       first + finding.last), DT, run.frequency_hz, _turning_sense(run))
            track.run = run
            track.leg, track.rest_anchor, track.settling = None, None, None
            events += self._withdraw_overlapping(track, run.start_s)
        if run is None:
            return events
        return events + self._count_cycles(track, run)

    def _count_cycles(self, track: _HandTrack, run: _Run) -> list[Stroke]:
        """A progress event when another cycle is complete, as far as the smoothing lets us see."""
        seen_until = track.buffer.t[-1] - LAG * DT
        done = int(math.floor(run.frequency_hz * (seen_until - run.start_s) + 1e-6))
        if done <= run.counted or done < 1:
            return []
        run.counted = done
        run.end_s = max(run.end_s, seen_until)
        return [self._run_stroke(track, run, final=False)]

    def _continues_closed_run(self, track: _HandTrack, finding: RunFinding | None) -> bool:
        """Whether a run found after the one just closed is that run going on: the same pattern (and
        turning sense), found on what came after its end, within RUN_REVISE_S (and a period) of its close."""
        closed = track.closed_run
        if finding is None or closed is None or finding.pattern != closed.pattern:
            return False
        if self._now_s - closed.reported_s > RUN_REVISE_S + 1.0 / finding.frequency_hz:
            return False
        return finding.pattern != "circle" or finding.clockwise == closed.clockwise

    def _was_under_way(self, track: _HandTrack, finding: RunFinding, first: int) -> bool:
        """Whether a slow circle or knead found just after a tap run closed was already going on
        through that "tap" run (whose rhythm was the circle's or knead's own swing in the hand's
        size or the fingertip's depth, read first because a slow run takes longer to show).

        Only on the run's spot. A tapping finger stays there with the thumb where it is; one that went
        round the ring the circle now traces (or whose thumb-index gap already opened and closed as
        the knead's does), over at least UNDER_WAY_SHARE of the run's own extent, was circling
        (kneading)."""
        closed = track.closed_run
        if closed is None or closed.pattern != "tap" or finding.pattern not in ("circle", "knead"):
            return False
        if self._now_s - closed.reported_s > RUN_REVISE_S + 1.0 / finding.frequency_hz:
            return False
        buffer = track.buffer
        tap_first = bisect.bisect_left(buffer.t, closed.stroke.start_s)
        tap_last = bisect.bisect_right(buffer.t, closed.stroke.end_s) - 1
        run_first, run_last = first + finding.first, first + finding.last
        if tap_last - tap_first < RUN_WATCH_MIN_SAMPLES or run_last - run_first < RUN_WATCH_MIN_SAMPLES:
            return False
        # On the run's spot: the taps' middle within the run's own ring (a knead's finger stays put).
        tap_points, run_points = buffer.points(tap_first, tap_last), buffer.points(run_first, run_last)
        apart = float(np.hypot(*(median(tap_points, axis=0) - median(run_points, axis=0))))
        ring = float(np.hypot(*np.ptp(run_points, axis=0)))
        if apart > max(ring, RUN_LEAVE_MARGIN_FU):
            return False
        if finding.pattern == "circle":
            tap_values, run_values = tap_points, run_points
        else:
            tap_values, run_values = buffer.signal("pinch", tap_first, tap_last), buffer.signal("pinch", run_first, run_last)
        under_way = _reach(tap_values) >= UNDER_WAY_SHARE * _reach(run_values)
        if under_way:
            logger.debug("%s hand: taps %.2f–%.2f s were the %s's beginning", track.hand,
                         closed.stroke.start_s, closed.stroke.end_s, finding.pattern)
        return under_way

    def _revise_closed_run(self, track: _HandTrack) -> list[Stroke]:
        """The run just closed shows its rhythm again after where it was said to stop: it had not
        stopped (it was first found at a wrong tempo from a short window, or paused for a moment),
        or it was the beginning of the slow run found now (_was_under_way). Take it back; the run
        found now begins where it began, so its count goes on."""
        closed = track.closed_run
        assert closed is not None
        track.closed_run = None
        track.last_run_end_s = -math.inf
        return [replace(closed.stroke, withdrawn=True, reported_s=self._now_s)]

    def _watch_run(self, track: _HandTrack) -> list[Stroke]:
        """Close a run as soon as its rhythm stops, sample by sample.

        The run's swing is read over its last whole period(s) of raw samples (no smoothing lag):
        once the hand stops, that swing halves when the stop is half a period old, so the run is
        closed then and ends where the swing began to fade. The spectral checks a few times a
        second need two cycles of stillness to fail; this needs half of one.
        """
        run = track.run
        assert run is not None
        buffer = track.buffer
        last = len(buffer) - 1
        span = _watch_span(run.frequency_hz)
        first = last - span + 1
        if first < LANDING_SAMPLES or buffer.t[first] < run.start_s - 1e-9:
            return []
        signal = buffer.signal(run.source, first, last)
        swing = rhythm_amplitude(signal, DT, run.frequency_hz, _turning_sense(run))
        run.recent_swing = swing
        if self._run_stopped(run, signal):
            run.end_s = max(run.start_s + DT, buffer.t[last - LAG - run.still + 1])
            track.run = None
            return [self._run_stroke(track, run, final=True)]
        if self._run_lifting(run, buffer, first, last):
            run.end_s = max(run.start_s + DT, buffer.t[last - RUN_LIFT_SAMPLES // 2 - 1])
            track.run = None
            return [self._run_stroke(track, run, final=True)]
        # A run stays on its spot (a circle within its radius): the finger further off than the
        # run ever reached, by a margin no tracking jitter makes, has left for another stroke.
        # This is seen within a few samples, where the swing takes half a period.
        positions = buffer.signal("points", first, last)
        latest = complex(median(positions[-3:].real), median(positions[-3:].imag))
        left = run.spot is not None and abs(latest - run.spot) > run.reach + RUN_LEAVE_MARGIN_FU
        # Twice the usual swing is not the rhythm going on either: the hand is moving off (a glide
        # away, the hand leaving), which the demodulation reads as a large swing.
        if not left and RUN_FADED * run.swing <= swing <= run.swing / RUN_FADED:
            spot = complex(positions.mean())
            # Over whole periods a run's points centre on its spot; a centre gone off it by more than
            # RUN_DRIFT_FU is the hand moving away (the swing's fit takes a straight drift out, so the
            # swing alone stays "steady" as the hand leaves, and the reach learnt then grew with it).
            on_spot = run.spot is None or abs(spot - run.spot) <= RUN_DRIFT_FU
            if on_spot and RUN_STEADY * run.swing <= swing <= run.swing / RUN_STEADY:  # steady: learn its swing, spot and reach
                run.swing += (swing - run.swing) / (3.0 * span)  # follows a swing that grows or shrinks over a few periods
                run.spot = spot if run.spot is None else run.spot + (spot - run.spot) / (3.0 * span)
                run.reach = max(run.reach, float(np.abs(positions - spot).max()))
            # The rhythm goes on: count each cycle as it completes (the rep counter ticks live),
            # not only at the next spectral check.
            return self._count_cycles(track, run)
        if left:
            away = np.abs(positions - run.spot) > run.reach + 0.5 * RUN_LEAVE_MARGIN_FU
            still_there = np.flatnonzero(~away)
            run.end_s = max(run.start_s + DT, buffer.t[first + int(still_there[-1])] if len(still_there) else buffer.t[first])
        else:
            run.end_s = max(run.start_s + DT, buffer.t[last] - 0.5 * span * DT)
        track.run = None
        return [self._run_stroke(track, run, final=True)]

    @staticmethod
    def _run_lifting(run: _Run, buffer: _Buffer, first: int, last: int) -> bool:
        """Whether a circling hand rises off the skin (RUN_LIFT_SAMPLES): its size over the newest
        samples grown past its size over the run's last whole period(s) by more than a glide's depth
        change allows (MAX_LIFT_CHANGE: a hand circling on the chin tilts, and its size swung by
        0.07 within a scripted run; the 0.08 a still hold allows closed that run 1.3 s early). The
        contact ends only once the hand looks lifted for END_SAMPLES (it has then risen far), and a
        rhythm's swing takes half a period to fade: the rise shows first.
        Only circles: a finger circling slides at the skin's depth, while a tap's rhythm is in the
        hand's size and a knead's pinch squeezes and lifts the skin (minjerk's kneading hands grew
        by 0.13 over 1.5 s of kneading, and closing on it cut kneads short by 0.5-2.5 s)."""
        if run.pattern != "circle" or run.source != "points" or last - first < 2 * RUN_LIFT_SAMPLES:
            return False
        rising = _median_of_few(buffer.ratio[last - RUN_LIFT_SAMPLES + 1 :])
        return rising - float(median(buffer.ratio[first : last + 1])) > MAX_LIFT_CHANGE

    @staticmethod
    def _run_stopped(run: _Run, signal: np.ndarray) -> bool:
        """Whether a circle's point has gone slower than its even pace allows for a quarter period
        (RUN_STILL_SHARE, RUN_STILL_PERIODS): the finger stopped. Read on the smoothed rate of change
        at LAG samples before the newest (the raw samples' jitter alone would pass for motion)."""
        if run.pattern != "circle" or run.frequency_hz > RUN_STILL_MAX_HZ:
            return False
        rate = abs(complex(_VELOCITY_COEFFS @ signal[-SMOOTH_SAMPLES:]))
        peak_rate = 2.0 * math.pi * run.frequency_hz * run.swing
        run.still = run.still + 1 if rate < RUN_STILL_SHARE * peak_rate else 0
        needed = max(RUN_STILL_MIN_SAMPLES, math.ceil(RUN_STILL_PERIODS / (run.frequency_hz * DT)))
        return run.still >= needed

    def _withdraw_overlapping(self, track: _HandTrack, run_start_s: float) -> list[Stroke]:
        """A run was found: what was reported from its first cycles (a glide of its first half
        turn, a hold before the taps showed) was the run's beginning. Take those back, and close
        a hold that began well before the run at the run's start."""
        events: list[Stroke] = []
        while track.glides and (track.glides[-1].stroke.end_s > run_start_s + 0.5 * track.glides[-1].stroke.duration_s
                                or _joined_to_run(run_start_s - track.glides[-1].stroke.end_s, track.glides[-1].stroke.duration_s)):
            glide = track.glides.pop()
            events.append(replace(glide.stroke, withdrawn=True, reported_s=self._now_s))
        for stroke_id, hold_start_s in list(track.holds):
            if hold_start_s > run_start_s - MIN_HOLD_S:
                track.holds.remove((stroke_id, hold_start_s))
                events.append(self._withdrawn_hold(track, stroke_id, hold_start_s))
        hold = track.hold
        if hold is not None and hold.stroke_id is not None:
            hold_start_s = track.buffer.t[hold.start]
            if run_start_s - hold_start_s >= MIN_HOLD_S:
                end = hold.start + int((run_start_s - hold_start_s) / DT)
                events.append(self._hold_stroke(track, hold, end, final=True))
            else:
                events.append(self._withdrawn_open_hold(track, hold))
        track.hold = None
        return events

    @staticmethod
    def _extend_run(run: _Run, finding: RunFinding, seen_until_s: float) -> None:
        run.misses = 0
        # The run's own tempo is the average over all it has shown; each confirmation adds its cycles.
        span_s = seen_until_s - run.start_s
        weight = _clamp(RUN_HOP_SAMPLES * DT / max(span_s, 1e-9), 0.05, 0.5)
        run.frequency_hz = (1 - weight) * run.frequency_hz + weight * finding.frequency_hz
        run.end_s = max(run.end_s, seen_until_s)
        run.evidence = max(run.evidence, finding.evidence)
        run.regularity = (1 - weight) * run.regularity + weight * finding.regularity

    def _run_stroke(self, track: _HandTrack, run: _Run, final: bool) -> Stroke:
        buffer = track.buffer
        # The buffer's times rise: the run's samples are one stretch of it (only that stretch is
        # made into arrays; this runs at every cycle counted).
        first = bisect.bisect_left(buffer.t, run.start_s - 1e-9)
        stop = bisect.bisect_right(buffer.t, run.end_s + 1e-9)
        if stop <= first:
            first, stop = len(buffer) - 1, len(buffer)
        times = np.asarray(buffer.t[first:stop])
        points = np.column_stack([np.asarray(buffer.x[first:stop]), np.asarray(buffer.y[first:stop])])
        cycles = run.frequency_hz * (run.end_s - run.start_s)
        rate = run.frequency_hz
        if final and stop - first > RUN_WINDOW_SAMPLES:
            # The windows the run was found and followed on were 1-2.5 s long; its whole length
            # measures its tempo more finely (a spectral peak's width is one over the time it spans).
            rate = run_tempo(buffer.signal(run.source, first, stop - 1), DT, run.pattern, run.frequency_hz) or rate
        count = max(1, int(round(cycles))) if final else max(1, run.counted)
        direction = None
        if run.pattern == "circle" and run.clockwise is not None:
            direction = circle_direction(run.clockwise, float(points[:, 0].mean()))
        fresh_share = float(np.mean(np.asarray(buffer.fresh[first:stop])))
        # A rhythm's spectral evidence was found over a few cycles; every cycle it keeps since adds to
        # it (a steady oscillation's peak power grows with its length over a flat noise floor), taken
        # conservatively as the square root of the cycles' growth.
        evidence = run.evidence * math.sqrt(max(1.0, cycles / run.found_cycles))
        confidence = min(_ramp(evidence, 1.0, 2.0),
                         _ramp(cycles, MIN_CYCLES[run.pattern], MIN_CYCLES[run.pattern] + 1.0)) * (0.6 + 0.4 * fresh_share)
        landed = points
        if run.pattern == "tap" and TAP_REGION_LANDED:
            # A tapping finger is on the skin only as it lands; lifted toward the camera, its tip is
            # seen off its spot. The spot is the half of the run's samples farthest from the camera:
            # the hand at its smallest when the whole hand lifts (a run read from its size), else
            # the fingertip farthest behind its knuckle (a finger pivoting up and down).
            if run.source == "size_ratio":
                ratios = np.asarray(buffer.ratio[first:stop])
                landed = points[ratios <= np.median(ratios)]
            else:
                depths = np.asarray(buffer.depth[first:stop])
                landed = points[depths >= np.median(depths)]
            if not len(landed):  # (no size or depth read: NaN)
                landed = points
        stroke = self._stroke(track.hand, times, points, run.pattern, direction, None, count, rate,
                              run.regularity, confidence, run.stroke_id, final, start_s=run.start_s, end_s=run.end_s,
                              region_points=landed)
        if final:
            track.last_run_end_s = run.end_s
            track.closed_run = _ClosedRun(stroke, run.pattern, run.clockwise, run.end_s, self._now_s)
        return stroke

    # -- helpers --------------------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _resting_size(self, track: _HandTrack) -> float:
        """The size ``track``'s hand is judged against: its own resting size, or the other hand's
        (settled) when its own is under SAME_PERSON_SHARE of that."""
        other = self._hands["left" if track.hand == "right" else "right"]
        if not other.size_settled:
            return track.resting_size
        # No more than an adult palm at the face's depth: a larger "hand" was nearer the camera.
        reference = min(other.resting_size, RESTING_SIZE_PRIOR_FU)
        return reference if track.resting_size < SAME_PERSON_SHARE * reference else track.resting_size

    def _near_face(self, point_fu: np.ndarray) -> bool:
        """Inside a face or neck region, or within a finger's width of one.

        The margin keeps a tap or circle at the edge of the temple or jaw from dropping in and out
        of contact as the fingertip bobs across the outline (and the outline itself is approximate).
        """
        # The hand stays in one region for a while: the region it was last found in is tried
        # first (region_at tries them all in order, ~8 polygon tests a frame; only yes/no counts here).
        if self._last_region is not None and self.regions.contains(self._last_region, point_fu):
            return True
        # Only regions whose bounding box holds the point (or a margin's offset of it) can hold it:
        # a hand beside the face made 60 polygon tests a frame.
        points = np.vstack([point_fu[None], point_fu + _EDGE_OFFSETS])
        names, (lows, highs) = self.regions.names, self.regions.bounding_boxes
        boxed = ((points[:, None, :] >= lows) & (points[:, None, :] <= highs)).all(axis=2)
        for point_index, region_index in zip(*np.nonzero(boxed)):
            if self.regions.contains(names[region_index], points[point_index]):
                if point_index == 0:
                    self._last_region = names[region_index]
                return True
        return False

    def _stroke(self, hand: Handedness, times: np.ndarray, points: np.ndarray, pattern: str, direction: str | None,
                speed: float | None, count: int, rate: float | None, regularity: float, confidence: float,
                stroke_id: int, final: bool, start_s: float | None = None, end_s: float | None = None,
                region_points: np.ndarray | None = None) -> Stroke:
        return Stroke(
            start_s=float(times[0]) if start_s is None else float(start_s),
            end_s=float(times[-1]) if end_s is None else float(end_s),
            hand=hand,
            region=_majority_region(self.regions, points if region_points is None else region_points),
            pattern=pattern,
            direction=direction,
            speed_fu_s=speed,
            count=count,
            rate_hz=rate,
            path_fu=np.asarray(points, dtype=float),
            times_s=np.asarray(times, dtype=float),
            regularity=_clamp(float(regularity), 0.0, 1.0),
            confidence=_clamp(float(confidence), 0.0, 1.0),
            reported_s=self._now_s,
            stroke_id=stroke_id,
            final=final,
        )


def _joined_to_run(gap_s: float, duration_s: float) -> bool:
    """Whether a slide ``gap_s`` from a run (before its start, or after its end) and ``duration_s``
    long was the hand's way over to the run's spot or off it (see JOINED_SLIDE_MAX_S)."""
    return gap_s < RUN_JOIN_GAP_S and duration_s <= JOINED_SLIDE_MAX_S


def _rejected(hand: str, times: np.ndarray, reason: str, value: float) -> "Stroke | None":
    """Say why a slide was not reported (debug log), and report nothing (None)."""
    logger.debug("%s hand: slide %.2f–%.2f s is not a glide: %s (%.3f)", hand, times[0], times[-1], reason, value)
    return None


def _watch_span(frequency_hz: float) -> int:
    """Samples over which a run's swing is read: whole periods, at least RUN_WATCH_MIN_SAMPLES."""
    period = 1.0 / (frequency_hz * DT)
    return int(round(max(1, math.ceil(RUN_WATCH_MIN_SAMPLES / period)) * period))


def _turning_sense(run: _Run) -> int:
    """A circle's rhythm is its turning one way (+1 counter-clockwise, −1 clockwise); other runs' is any swing (0)."""
    if run.pattern != "circle" or run.clockwise is None:
        return 0
    return -1 if run.clockwise else 1


def _majority_region(regions: FaceRegions, points_fu: np.ndarray) -> str | None:
    counts = Counter(label for label in regions.regions_at(points_fu) if label is not None)
    if not counts:
        return None
    # The most frequent; on a tie the first by name, as np.unique's sorted counts gave (at a fifth of its cost).
    return max(sorted(counts), key=counts.__getitem__)
