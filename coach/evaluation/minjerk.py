"""Family (b): a second, independently written motion model — bell-shaped strokes, a perspective
camera, and a hand that lifts toward the lens.

Why it exists: the stroke engine was tuned on coach.synthetic, whose glides cruise at a constant
speed (trapezoid profile), whose taps move the fingertip in the image, and whose face stays found
under the hand. An engine judged only there learns that world. This model is written apart from it
(no motion code shared; only the canonical face, the regions and the Tracker's One-Euro smoothing
are reused) and moves the way people do:

- glides follow minimum-jerk (bell-shaped) speed profiles, warped so the peak comes early or late
  and the speed surges and sags; a series of glides is joined by lifted returns — the hand comes
  off toward the camera (it grows 5–15 % in the image), moves back faster and slightly off the line;
- taps lift the whole hand toward the camera along the viewing ray: the hand's apparent size swings
  4–8 % while the fingertip moves only 1–3 mm in the image, 2–6 times a second;
- circles (0.5–2 Hz, both senses), kneads (the thumb–index gap opening and closing), holds of 1–3 s;
- forehead, brow and under-eye work with the hand in front of the eyes and nose: when the hand
  covers two of the eyes, the nose bridge and the nose tip, the face is lost for those frames in
  most such occlusions (``FACE_LOSS_SHARE``), and in the others Face Mesh tracks on with the covered
  landmarks drifting, as MediaPipe does both;
- every region with either hand, including a hand crossing to the other side; hands of different
  sizes; the head turning, nodding, tilting and moving closer; the hand leaving the image and
  coming back; the idle hand sometimes in view beside the face;
- tracking noise of the size measured from real MediaPipe output (see the constants below), then
  the Tracker's own One-Euro smoothing, as a recording of a video would be;
- the head's motion as the Tracker reads it on the skin round a hand covering the face
  (``TrackedFrame.face_motion``, coach.perception.face_motion): on the frames its gate opens, the
  true head motion with the error bench_face_motion measured (``MOTION_ERROR_FU``). Drawn from a
  generator of its own, so the landmarks are the same with it or without
  (``MinJerkSpec.head_motion_reading``).

Geometry: a pinhole camera ``camera_distance_fu`` from the head, so anything nearer the lens looks
larger. The head is the canonical mesh in face units (coach.geometry.canonical), rotated and moved
rigidly. The hand is a 21-point skeleton (index finger pointing, other fingers curled) placed in the
head's frame so it moves with the head while on the skin; its index fingertip is the contact point.
Landmarks are written as MediaPipe gives them (x, y normalised to the image; z relative depth on
the x scale, face relative to the mesh centre, hand relative to the wrist).

Labels (coach.synthetic.LabelledStroke, the shared label type):
- glide: from motion onset to stop, where the true fingertip speed on the face crosses 10 % of its
  peak (first rising, last falling crossing); ``speed_fu_s`` is the path length between those
  crossings over that time; direction from the positions at the crossings; region the block's;
- circle / tap / knead: the run from its first movement to its last, ``count`` exact, ``rate_hz``
  repetitions per second (count / duration);
- hold: the still time on the skin.
Returns, arrivals, departures and travel are never labelled: detecting one is a false positive.
Scripted strokes with the hand mostly (>20 %) out of view go to ``unseen``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from coach.evaluation.matching import EvalSession
from coach.geometry.canonical import STABLE_LANDMARKS, canonical_face
from coach.geometry.face_frame import FaceSurface
from coach.geometry.regions import FaceRegions, side_of_region
from coach.perception.face_motion import MotionGate
from coach.technique.directions import circle_direction, glide_direction, glide_direction_vector
from coach.types import FaceLandmarks, Handedness, HandLandmarks, TrackedFrame

# The label type is shared with family (a) so one matcher judges both.
from coach.synthetic import LabelledStroke

MINJERK_TUNING_SEEDS: tuple[int, ...] = tuple(range(7000, 7030))
"""Family (b) seeds the engine may be tuned on."""

MINJERK_EVALUATION_SEEDS: tuple[int, ...] = tuple(range(8000, 8030))
"""Family (b) seeds the benchmark reports on; never tune on these."""

MM_PER_FU = 90.0
"""1 FU (outer eye corner to outer eye corner) is about 9 cm on an adult face."""

# ---------------------------------------------------------------------------------------------
# Tracking noise, measured by benchmarks/measure_tracking_noise.py (raw MediaPipe 0.10.21, legacy
# Solutions, the Tracker with smoothing off; the generator then smooths as the Tracker does):
# - hand: the four composite clips in ../shared/media/composite (a real hand photo pasted on the
#   portrait, 512×600, 30 fps, ~121 px per FU); detected − ground-truth landmarks minus each
#   landmark's steady offset: median per-landmark SD per axis 0.70–1.48 px by clip (0.0057–0.0121 FU,
#   median 0.0085), fingertip 0.96–2.0 px (median 0.0141 FU); lag-1 autocorrelation 0.08–0.80
#   (median 0.71): the error wanders over a few frames rather than jumping;
# - face: real footage (lp_face_d3/d10/d18, up to 240 frames each, 156–197 px per FU), the stable
#   landmarks' second differences x[t+1] − 2x[t] + x[t−1], whose SD is √6·σ for white noise:
#   0.0015–0.0058 FU by clip, median 0.0018. Slow head motion makes the first differences useless
#   for a lag-1 estimate, so the face noise is modelled white: it then reproduces the measured
#   second-difference statistic exactly.
HAND_JITTER_FU = 0.0085
FINGERTIP_JITTER_FU = 0.0141
HAND_JITTER_LAG1 = 0.71
FACE_JITTER_FU = 0.0018
FACE_JITTER_LAG1 = 0.0
HAND_DROPOUT_PER_FRAME = 0.002  # composites: hand found in 100 % of stroke frames; a rare miss of 1–3 frames

# Occlusion: the face is lost when the hand covers at least this many of these points (MediaPipe's
# detector needs the eyes and nose); points under a hand that does not hide the face drift.
FACE_KEY_POINTS: tuple[int, ...] = (468, 473, 168, 1)  # right iris, left iris, nose bridge, nose tip
FACE_LOST_COVERED = 2
FACE_LOSS_SHARE = 0.6
"""Share of such occlusions in which the face is lost; in the others Face Mesh tracks on and drifts.

Real MediaPipe does both: the shared media's README notes Face Mesh keeps giving (drifting)
landmarks while a hand covers the face, while in eval-real's composites on lp_face_d3 the face was
lost for a third of the stroke frames with a hand tapping the forehead. The share is a modelling
choice between those observations, not a measurement."""
HIDDEN_DRIFT_FACTOR = 3.0  # covered points drift this much more while the key points are hidden
FACE_REFOUND_FRAMES = 3  # frames of a clear view before the face is found again
FINGER_RADIUS_FU = 0.09  # half a finger's width
COVERED_DRIFT_FU = 0.02  # extra wander of face landmarks under the hand
MOTION_ERROR_FU = 0.0023
"""Per-frame error (each axis) of the head's motion as the Tracker reads it round a covering hand
(coach.perception.face_motion), as a shift of the face: benchmarks/bench_face_motion.py measured a
median 0.21 px per frame at the face's landmarks on a 640×480 clip whose face is 77 px per FU
(0.16 px at 117 px per FU on 1280×720), i.e. 0.0027 FU (0.0014) as a distance, 0.0023 (0.0012)
on each axis; the webcam-sized figure is used."""
MOTION_TURN_ERROR = 0.002  # its error in scale (share) and roll (radians): about the same shift at the face's edge
STABLE_POINTS = np.array(STABLE_LANDMARKS)

# Skeleton in palm lengths (wrist → middle knuckle = 1): u along the fingers, v toward the thumb,
# n out of the palm toward the face. Index pointing and slightly bent; middle, ring, pinky curled.
_SKELETON_UVN: np.ndarray = np.array([
    (0.00, 0.00, 0.00),  # 0 wrist
    (0.20, 0.22, 0.06), (0.40, 0.40, 0.12), (0.62, 0.50, 0.18), (0.80, 0.55, 0.24),  # thumb
    (0.94, 0.30, 0.00), (1.36, 0.31, 0.05), (1.61, 0.31, 0.11), (1.82, 0.31, 0.17),  # index
    (1.00, 0.10, 0.00), (1.30, 0.10, 0.18), (1.22, 0.10, 0.40), (1.06, 0.10, 0.45),  # middle (curled)
    (0.96, -0.10, 0.00), (1.24, -0.10, 0.17), (1.16, -0.10, 0.37), (1.02, -0.10, 0.41),  # ring (curled)
    (0.88, -0.28, 0.00), (1.10, -0.28, 0.14), (1.04, -0.28, 0.30), (0.94, -0.28, 0.33),  # pinky (curled)
])
# A flat hand (all four fingers extended side by side, index tip on the skin): forehead and eye work.
_FLAT_FINGERS_UVN: np.ndarray = np.array([
    (1.00, 0.10, 0.00), (1.45, 0.10, 0.05), (1.73, 0.10, 0.11), (1.95, 0.10, 0.17),  # middle
    (0.96, -0.10, 0.00), (1.37, -0.10, 0.05), (1.62, -0.10, 0.10), (1.82, -0.10, 0.15),  # ring
    (0.88, -0.28, 0.00), (1.18, -0.28, 0.04), (1.38, -0.28, 0.08), (1.55, -0.28, 0.12),  # pinky
])
_INDEX_TIP = 8
_THUMB_TIP = 4
_THUMB_IP = 3
_THUMB_MCP = 2
_PALM_OUTLINE = (0, 1, 2, 5, 9, 13, 17)
_FINGER_BONES = ((5, 6), (6, 7), (7, 8), (9, 10), (10, 11), (11, 12), (13, 14), (14, 15), (15, 16),
                 (17, 18), (18, 19), (19, 20), (2, 3), (3, 4))
RELAXED_PINCH_PALMS = float(np.linalg.norm(_SKELETON_UVN[_THUMB_TIP] - _SKELETON_UVN[_INDEX_TIP]))

LABEL_SPEED_FRACTION = 0.1
"""A glide starts and stops where its speed crosses this share of its peak (the issue's convention)."""


# ---------------------------------------------------------------------------------------------
# Speed profiles


def min_jerk(u: np.ndarray) -> np.ndarray:
    """Flash & Hogan's minimum-jerk progress: zero speed and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return 10 * u**3 - 15 * u**4 + 6 * u**5


@dataclass(frozen=True)
class GlideProfile:
    """Progress 0→1 along a glide's path over time share 0→1: min-jerk, skewed and uneven.

    ``skew`` > 1 puts the speed peak late, < 1 early (time warped as τ^skew); ``surge`` (0–0.4)
    with ``surges`` (1–2) makes the speed rise and fall along the way (a warp whose effect vanishes
    at both ends, so the path and the duration are kept).
    """

    skew: float = 1.0
    surge: float = 0.0
    surges: int = 1

    def progress(self, tau: np.ndarray) -> np.ndarray:
        tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
        uneven = tau + self.surge * np.sin(2 * np.pi * self.surges * tau) / (2 * np.pi * self.surges)
        return min_jerk(np.clip(uneven, 0.0, 1.0) ** self.skew)


@dataclass(frozen=True)
class GlidePath:
    """A glide on the face: a gently bowed line from ``start`` to ``end`` (FU), timed by a profile."""

    start: np.ndarray
    end: np.ndarray
    bow_fu: float
    duration_s: float
    profile: GlideProfile

    def position(self, t_s: np.ndarray) -> np.ndarray:
        """Fingertip on the face (N×2 FU) at times since the glide's start."""
        s = self.profile.progress(np.asarray(t_s, dtype=float) / self.duration_s)
        delta = self.end - self.start
        normal = np.array([-delta[1], delta[0]]) / max(float(np.linalg.norm(delta)), 1e-12)
        return self.start + np.outer(s, delta) + np.outer(self.bow_fu * np.sin(np.pi * s), normal)


@dataclass(frozen=True)
class GlideLabelTimes:
    """Where a glide's true speed crosses ``LABEL_SPEED_FRACTION`` of its peak, and what lies between."""

    start_s: float  # from the glide's scripted start
    end_s: float
    path_fu: float
    start_fu: np.ndarray
    end_fu: np.ndarray

    @property
    def speed_fu_s(self) -> float:
        return self.path_fu / (self.end_s - self.start_s)


def label_times(position: Callable[[np.ndarray], np.ndarray], duration_s: float,
                fraction: float = LABEL_SPEED_FRACTION, samples: int = 4001) -> GlideLabelTimes:
    """Onset and stop of a movement from its true trajectory, sampled finely (the label convention).

    Shared by family (b) and the relabelling of family (a) glides: one definition of a glide's
    extent for every generated family.
    """
    t = np.linspace(0.0, duration_s, samples)
    xy = position(t)
    speed = np.linalg.norm(np.diff(xy, axis=0), axis=1) / np.diff(t)
    middle = (t[:-1] + t[1:]) / 2.0  # each speed belongs to the middle of its interval
    threshold = fraction * float(speed.max())
    above = np.flatnonzero(speed >= threshold)
    first, last = int(above[0]), int(above[-1])
    # The crossing is interpolated inside its interval, so labels do not depend on the sampling.
    start_s = float(np.interp(threshold, speed[first - 1:first + 1], middle[first - 1:first + 1])) if first > 0 else 0.0
    if last + 1 < len(speed):
        end_s = float(np.interp(threshold, speed[last:last + 2][::-1], middle[last:last + 2][::-1]))
    else:
        end_s = float(duration_s)
    fine_t = np.linspace(start_s, end_s, samples)
    fine_xy = position(fine_t)
    path = float(np.linalg.norm(np.diff(fine_xy, axis=0), axis=1).sum())
    return GlideLabelTimes(start_s, end_s, path, fine_xy[0], fine_xy[-1])


# ---------------------------------------------------------------------------------------------
# One hand's script: timed pieces, each a function of time giving the hand's state


@dataclass
class HandTimeline:
    """Arrays of a hand's state at a set of times (what a piece of script returns)."""

    xy: np.ndarray  # N×2, contact point on the face (FU, head frame)
    lift: np.ndarray  # N, distance off the skin toward the camera (FU)
    pinch: np.ndarray  # N, thumb tip to index tip (palm lengths)
    present: np.ndarray  # N bool, the hand is in the scene (False: left the image)


Piece = Callable[[np.ndarray], HandTimeline]


def _timeline(n: int, xy: np.ndarray, lift: float | np.ndarray = 0.0, pinch: float | np.ndarray = RELAXED_PINCH_PALMS,
              present: bool = True) -> HandTimeline:
    return HandTimeline(
        xy=np.broadcast_to(np.asarray(xy, dtype=float), (n, 2)).copy(),
        lift=np.broadcast_to(np.asarray(lift, dtype=float), (n,)).copy(),
        pinch=np.broadcast_to(np.asarray(pinch, dtype=float), (n,)).copy(),
        present=np.full(n, present),
    )


def _still(xy: np.ndarray, lift: float = 0.0, pinch: float = RELAXED_PINCH_PALMS, present: bool = True) -> Piece:
    """The hand staying put (on the skin when ``lift`` is 0), or out of the picture."""
    where = np.array(xy, dtype=float)

    def piece(t: np.ndarray) -> HandTimeline:
        return _timeline(len(t), where, lift, pinch, present)

    return piece


def _following(position: Callable[[np.ndarray], np.ndarray]) -> Piece:
    """The fingertip on the skin along a path given as a function of time."""

    def piece(t: np.ndarray) -> HandTimeline:
        return _timeline(len(t), position(t))

    return piece


@dataclass
class HandState:
    xy: np.ndarray
    lift: float
    pinch: float = RELAXED_PINCH_PALMS
    present: bool = True


@dataclass
class HandScript:
    """One hand's consecutive pieces, with its attitude (finger direction, dive) per piece."""

    hand: Handedness
    state: HandState
    pieces: list[tuple[float, float, Piece, float, float, bool]] = field(default_factory=list)  # t0, t1, piece, angle, dive, flat
    end_s: float = 0.0
    angle_rad: float = math.pi / 2  # finger direction in the face plane (0 = +x, π/2 = up)
    dive_rad: float = math.radians(25)
    flat: bool = False  # all four fingers extended (else index pointing, others curled)

    def add(self, duration_s: float, piece: Piece) -> tuple[float, float]:
        start = self.end_s
        self.pieces.append((start, start + duration_s, piece, self.angle_rad, self.dive_rad, self.flat))
        self.end_s = start + duration_s
        last = piece(np.array([duration_s]))
        self.state = HandState(last.xy[0].copy(), float(last.lift[0]), float(last.pinch[0]), bool(last.present[0]))
        return start, self.end_s

    def wait_until(self, t_s: float) -> None:
        if t_s > self.end_s:
            state = self.state
            self.add(t_s - self.end_s, _still(state.xy, state.lift, state.pinch, state.present))

    def sample(self, times: np.ndarray) -> tuple[HandTimeline, np.ndarray, np.ndarray, np.ndarray]:
        """The hand's state and attitude (angle, dive, flat) at every time (absent outside the script)."""
        n = len(times)
        out = _timeline(n, np.zeros(2), 0.0, RELAXED_PINCH_PALMS, present=False)
        angle = np.full(n, math.pi / 2)
        dive = np.full(n, math.radians(25))
        flat = np.zeros(n, dtype=bool)
        for start, end, piece, piece_angle, piece_dive, piece_flat in self.pieces:
            inside = (times >= start) & (times < end)
            if not inside.any():
                continue
            part = piece(times[inside] - start)
            out.xy[inside] = part.xy
            out.lift[inside] = part.lift
            out.pinch[inside] = part.pinch
            out.present[inside] = part.present
            angle[inside] = piece_angle
            dive[inside] = piece_dive
            flat[inside] = piece_flat
        return out, angle, dive, flat


def _move(start: HandState, end: HandState, duration_s: float, lift_arc: float = 0.0, bow: np.ndarray | None = None,
          xy_delay: float = 0.0) -> Piece:
    """A min-jerk move between two states; the lift may arc up on the way and the path bow sideways.

    ``xy_delay`` (share of the time) lets the hand lift before it travels and land after, as a
    lifted return does.
    """
    bow = np.zeros(2) if bow is None else bow

    def piece(t: np.ndarray) -> HandTimeline:
        tau = np.clip(t / duration_s, 0.0, 1.0)
        s_xy = min_jerk((tau - xy_delay) / max(1.0 - 2 * xy_delay, 1e-9))
        s = min_jerk(tau)
        xy = start.xy + np.outer(s_xy, end.xy - start.xy) + np.outer(np.sin(np.pi * s_xy), bow)
        lift = start.lift + (end.lift - start.lift) * s + lift_arc * np.sin(np.pi * tau)
        pinch = start.pinch + (end.pinch - start.pinch) * s
        return HandTimeline(xy, lift, pinch, np.full(len(t), start.present or end.present))

    return piece


# ---------------------------------------------------------------------------------------------
# The session script


@dataclass(frozen=True)
class MinJerkSpec:
    """What a family-(b) session may contain; the defaults are the benchmark's."""

    blocks: int = 9
    noise: bool = True  # measured tracking noise, dropouts and occlusion drift
    tracker_smoothing: bool = True  # the Tracker's One-Euro filters, as a recording of a video
    head_motion: float = 1.0  # 0: still head
    face_loss_share: float = FACE_LOSS_SHARE  # occlusions of eyes and nose that lose the face (else it drifts)
    fps: float | None = None  # None: 30 (sometimes 25 or 24)
    lead_in_s: float = 1.0
    tail_s: float = 1.0
    head_motion_reading: bool = True  # the Tracker's reading of the head's motion round a covering hand


@dataclass(frozen=True)
class Block:
    """One scripted piece of massage; ``None`` fields are drawn at random."""

    pattern: str
    region: str
    hand: Handedness | None = None
    direction: str | None = None
    reps: int | None = None
    from_above: bool | None = None  # the hand comes from above (fingers pointing down) — over the eyes for under-eye work
    flat: bool | None = None  # all four fingers extended (covers more of the face) rather than the index alone


PATTERN_REGIONS: dict[str, tuple[str, ...]] = {
    "glide": ("forehead", "left_brow", "right_brow", "left_temple", "right_temple", "left_under_eye", "right_under_eye",
              "nose", "left_cheek", "right_cheek", "upper_lip", "chin", "left_jaw", "right_jaw", "left_neck", "right_neck"),
    "circle": ("forehead", "left_temple", "right_temple", "left_cheek", "right_cheek", "left_jaw", "right_jaw", "chin"),
    "tap": ("forehead", "left_cheek", "right_cheek", "left_under_eye", "right_under_eye", "left_temple", "right_temple", "chin"),
    "knead": ("left_cheek", "right_cheek", "left_jaw", "right_jaw", "chin", "left_brow", "right_brow"),
    "hold": ("left_temple", "right_temple", "left_brow", "right_brow", "left_cheek", "right_cheek", "forehead",
             "left_under_eye", "right_under_eye", "nose", "upper_lip"),
}


@lru_cache(maxsize=1)
def _regions() -> FaceRegions:
    return FaceRegions()


@lru_cache(maxsize=1)
def _surface() -> FaceSurface:
    return FaceSurface(np.asarray(canonical_face(), dtype=float))


class _Scripter:
    """Writes both hands' scripts and the labels, block by block."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.regions = _regions()
        self.scripts: dict[Handedness, HandScript] = {
            hand: HandScript(hand, HandState(self._outside_point(hand), 1.0, present=False)) for hand in ("left", "right")
        }
        self.labels: list[LabelledStroke] = []
        self.on_face: dict[Handedness, bool] = {"left": False, "right": False}
        self.palm_fu = {"left": 1.0, "right": 1.0}
        self.camera_distance_fu = 5.5

    # -- places ------------------------------------------------------------------------------

    def _outside_point(self, hand: Handedness) -> np.ndarray:
        """Below the image, on the hand's own side: where a hand that left the picture waits."""
        return np.array([-1.2 if hand == "right" else 1.2, -5.0])

    def _inside(self, points: np.ndarray, region: str, margin: float) -> bool:
        regions = self.regions
        if any(name != region for name in regions.regions_at(points)):
            return False
        offsets = np.array([[margin, 0], [-margin, 0], [0, margin], [0, -margin]])
        return all(all(name == region for name in regions.regions_at(points + offset)) for offset in offsets)

    def point_in(self, region: str, margin: float = 0.06) -> np.ndarray:
        polygon = np.asarray(self.regions.polygons_fu[region])
        low, high = polygon.min(axis=0), polygon.max(axis=0)
        for _ in range(2000):
            point = self.rng.uniform(low, high)
            if self._inside(point[None], region, margin):
                return point
        return self.regions.centre(region)

    # -- attitude ----------------------------------------------------------------------------

    def attitude(self, hand: Handedness, region: str, from_above: bool) -> tuple[float, float, bool]:
        """Finger direction, dive and hand shape for this hand on this region.

        Fingers point up and lean across toward the other side (a hand comes from below and from
        its own side); a hand working on the other side leans further; on the jaw and neck the hand
        comes from the side; from above, fingers point down. Forehead, brow and under-eye work is
        often done with a flat hand, which covers the eyes and nose.
        """
        rng = self.rng
        lean_sign = 1.0 if hand == "right" else -1.0  # the right hand sits at −x, so it leans toward +x
        side = side_of_region(region)
        crossing = side is not None and side != hand
        if region.endswith(("neck", "jaw")):
            lean = math.radians(rng.uniform(45, 80))
        elif region == "forehead":
            lean = math.radians(rng.uniform(0, 20))
        else:
            lean = math.radians(rng.uniform(35, 60) if crossing else rng.uniform(0, 35))
        angle = math.pi / 2 - lean_sign * lean
        if from_above:
            angle = -math.pi / 2 + lean_sign * math.radians(rng.uniform(10, 40))
        flat = region.endswith(("forehead", "brow", "under_eye")) and rng.random() < 0.7
        return angle, math.radians(rng.uniform(15, 35)), flat

    # -- moves between blocks ----------------------------------------------------------------

    def arrive(self, hand: Handedness, at: np.ndarray, pinch: float = RELAXED_PINCH_PALMS) -> None:
        script = self.scripts[hand]
        target = HandState(at.copy(), 0.0, pinch)
        if not script.state.present:
            # Enter the image from below, lifted, then land.
            entry = HandState(np.array([at[0] * 0.6 + (-0.8 if hand == "right" else 0.8), -4.0]), 1.2, RELAXED_PINCH_PALMS, True)
            script.add(1e-3, _still(entry.xy, entry.lift, entry.pinch))
        distance = float(np.linalg.norm(target.xy - script.state.xy))
        duration = float(np.clip(distance / self.rng.uniform(1.2, 2.2), 0.35, 1.6))
        arc = self.rng.uniform(0.2, 0.5) if script.state.lift < 0.2 else 0.0
        script.add(duration, _move(replace(script.state, present=True), target, duration, lift_arc=arc))
        script.add(self.rng.uniform(0.15, 0.4), _still(target.xy, 0.0, target.pinch))
        self.on_face[hand] = True

    def leave(self, hand: Handedness, out_of_view: bool) -> None:
        """Lift off; either leave the picture or hover in view beside the face."""
        script = self.scripts[hand]
        if out_of_view:
            target = HandState(self._outside_point(hand), 1.2, RELAXED_PINCH_PALMS, True)
            duration = self.rng.uniform(0.6, 1.2)
            script.add(duration, _move(script.state, target, duration))
            script.add(1e-3, _still(target.xy, target.lift, target.pinch, present=False))
        else:
            side = -1.0 if hand == "right" else 1.0
            target = HandState(np.array([side * self.rng.uniform(1.5, 1.9), self.rng.uniform(-1.6, -0.6)]),
                               self.rng.uniform(0.6, 1.0), RELAXED_PINCH_PALMS, True)
            duration = self.rng.uniform(0.5, 1.0)
            script.add(duration, _move(script.state, target, duration))
        self.on_face[hand] = False

    def label(self, **fields: object) -> None:
        self.labels.append(LabelledStroke(**fields))  # type: ignore[arg-type]

    # -- blocks ------------------------------------------------------------------------------

    def glide_geometry(self, region: str, direction: str | None) -> tuple[np.ndarray, np.ndarray, float, str]:
        rng = self.rng
        for attempt in range(800):
            chosen = direction if direction is not None and attempt < 600 else str(rng.choice(
                ("up", "down", "in", "out", "up-out", "up-in", "down-out", "down-in")))
            start = self.point_in(region, margin=0.03)
            side = side_of_region(region)
            side_x = -1.0 if side == "right" else 1.0 if side == "left" else (start[0] if abs(start[0]) > 0.05 else float(rng.choice([-1.0, 1.0])))
            vector = glide_direction_vector(chosen, side_x)
            angle = math.atan2(vector[1], vector[0]) + math.radians(rng.uniform(-10, 10))
            length = rng.uniform(0.16, 0.45) * (0.998 ** attempt)
            end = start + length * np.array([math.cos(angle), math.sin(angle)])
            bow = rng.uniform(-0.05, 0.05) * length
            line = np.linspace(0, 1, 20)[:, None]
            delta = end - start
            normal = np.array([-delta[1], delta[0]]) / length
            points = start + line * delta + np.sin(np.pi * line) * bow * normal
            if not self._inside(points, region, 0.025):
                continue
            if glide_direction(start, end) != chosen:
                continue
            # Keep glides whose in/out survives the face frame's usual error near the midline.
            if any(glide_direction(start + shift, end + shift) != chosen for shift in (np.array([0.06, 0.0]), np.array([-0.06, 0.0]))):
                continue
            return start, end, bow, chosen
        raise ValueError(f"cannot fit a glide in {region}")

    def glide(self, block: Block, hand: Handedness) -> None:
        rng = self.rng
        start, end, bow, direction = self.glide_geometry(block.region, block.direction)
        reps = block.reps if block.reps is not None else int(rng.integers(2, 6))
        series_speed = float(math.exp(rng.uniform(math.log(0.15), math.log(0.8))))
        self.arrive(hand, start)
        script = self.scripts[hand]
        for rep in range(reps):
            profile = GlideProfile(skew=float(rng.uniform(0.7, 1.5)), surge=float(rng.uniform(0.0, 0.4)),
                                   surges=int(rng.integers(1, 3)))
            unit = GlidePath(start, end, bow, 1.0, profile)
            unit_label = label_times(unit.position, 1.0)
            speed = series_speed * float(rng.uniform(0.85, 1.18))
            duration = float(np.clip(unit_label.speed_fu_s / speed, 0.35, 3.5))
            path = GlidePath(start, end, bow, duration, profile)
            times = label_times(path.position, duration)
            begin, _ = script.add(duration, _following(path.position))
            self.label(start_s=begin + times.start_s, end_s=begin + times.end_s, hand=hand, region=block.region,
                       pattern="glide", direction=glide_direction(times.start_fu, times.end_fu),
                       speed_fu_s=times.speed_fu_s, count=1, rate_hz=None)
            script.add(rng.uniform(0.05, 0.3), _still(end))
            if rep < reps - 1:
                # Lifted return: toward the camera (5–15 % larger), faster, slightly off the line.
                growth = rng.uniform(0.05, 0.15)
                lift = growth * self.camera_distance_fu / (1 + growth)
                back = duration / rng.uniform(1.5, 3.0)
                back = max(back, 0.25)
                length = float(np.linalg.norm(end - start))
                normal = np.array([-(end - start)[1], (end - start)[0]]) / length
                piece = _move(HandState(end, 0.0), HandState(start, 0.0), back, lift_arc=lift,
                              bow=normal * rng.uniform(0.02, 0.08) * rng.choice([-1.0, 1.0]), xy_delay=0.12)
                script.add(back, piece)
                script.add(rng.uniform(0.05, 0.25), _still(start))

    def circle(self, block: Block, hand: Handedness) -> None:
        rng = self.rng
        radius = rng.uniform(0.05, 0.13)
        centre = self.point_in(block.region, margin=radius + 0.03)
        rate = rng.uniform(0.5, 2.0)
        count = int(rng.integers(3, 8))
        direction = block.direction if block.direction in ("outward", "inward") else str(rng.choice(["outward", "inward"]))
        clockwise = (direction == "outward") == (centre[0] >= 0)
        sign = -1.0 if clockwise else 1.0
        phase0 = rng.uniform(0, 2 * math.pi)
        uneven = rng.uniform(0.0, 0.25)
        squash = rng.uniform(0.8, 1.0)
        duration = count / rate

        def position(t: np.ndarray) -> np.ndarray:
            cycles = rate * t + uneven * np.sin(2 * np.pi * rate * t) / (2 * np.pi)
            phase = phase0 + sign * 2 * np.pi * cycles
            return centre + radius * np.column_stack([np.cos(phase), squash * np.sin(phase)])

        self.arrive(hand, position(np.array([0.0]))[0])
        begin, finish = self.scripts[hand].add(duration, _following(position))
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="circle",
                   direction=circle_direction(clockwise, float(centre[0])), speed_fu_s=None, count=count, rate_hz=count / duration)

    def tap(self, block: Block, hand: Handedness) -> None:
        """The hand lifts toward the camera along the viewing ray; the fingertip barely moves in the image."""
        rng = self.rng
        base = self.point_in(block.region, margin=0.05)
        rate = rng.uniform(2.0, 6.0)
        count = int(rng.integers(4, 10))
        growth = rng.uniform(0.04, 0.08)
        lift = growth * self.camera_distance_fu / (1 + growth)
        wobble_fu = rng.uniform(1.0, 3.0) / MM_PER_FU / 2  # half the peak-to-peak in-plane movement
        wobble_dir = rng.normal(size=2)
        wobble_dir /= np.linalg.norm(wobble_dir)
        duration = count / rate

        def piece(t: np.ndarray) -> HandTimeline:
            height = np.sin(np.pi * rate * t) ** 2
            xy = base + np.outer(2 * wobble_fu * height, wobble_dir)
            return _timeline(len(t), xy, lift * height)

        self.arrive(hand, base)
        begin, finish = self.scripts[hand].add(duration, piece)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="tap",
                   direction=None, speed_fu_s=None, count=count, rate_hz=rate)

    def knead(self, block: Block, hand: Handedness) -> None:
        rng = self.rng
        base = self.point_in(block.region, margin=0.05)
        rate = rng.uniform(0.6, 1.8)
        count = int(rng.integers(3, 8))
        open_gap = rng.uniform(0.30, 0.45) / self.palm_fu[hand]
        closed_gap = rng.uniform(0.03, 0.08) / self.palm_fu[hand]
        roll = rng.normal(size=2)
        roll = roll / np.linalg.norm(roll) * rng.uniform(0.0, 0.03)
        duration = count / rate

        def piece(t: np.ndarray) -> HandTimeline:
            closing = (1 - np.cos(2 * np.pi * rate * t)) / 2
            return _timeline(len(t), base + np.outer(closing, roll), 0.0, open_gap + (closed_gap - open_gap) * closing)

        self.arrive(hand, base, open_gap)
        begin, finish = self.scripts[hand].add(duration, piece)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="knead",
                   direction=None, speed_fu_s=None, count=count, rate_hz=rate)

    def hold(self, block: Block, hand: Handedness) -> None:
        rng = self.rng
        base = self.point_in(block.region, margin=0.05)
        duration = rng.uniform(1.0, 3.0)
        phases = rng.uniform(0, 2 * np.pi, 2)

        def piece(t: np.ndarray) -> HandTimeline:
            tremor = 0.004 * np.column_stack([np.sin(2 * np.pi * 0.9 * t + phases[0]), np.sin(2 * np.pi * 1.3 * t + phases[1])])
            return _timeline(len(t), base + tremor)

        self.arrive(hand, base)
        begin, finish = self.scripts[hand].add(duration, piece)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="hold",
                   direction=None, speed_fu_s=None, count=1, rate_hz=None)


def random_blocks(rng: np.random.Generator, count: int) -> list[Block]:
    """A routine: mostly glide series, every pattern, regions and hands at random, forehead glides often."""
    blocks: list[Block] = []
    patterns = ("glide", "glide", "glide", "circle", "tap", "tap", "knead", "hold")
    for number in range(count):
        pattern = str(rng.choice(patterns))
        region = str(rng.choice(PATTERN_REGIONS[pattern]))
        direction = None
        if number == 0 and rng.random() < 0.7:
            pattern, region, direction = "glide", "forehead", "up"  # hand over the eyes and nose
        blocks.append(Block(pattern=pattern, region=region, direction=direction))
    return blocks


def _hand_for(rng: np.random.Generator, block: Block) -> Handedness:
    if block.hand is not None:
        return block.hand
    side = side_of_region(block.region)
    if side is None:
        return "left" if rng.random() < 0.5 else "right"
    other: Handedness = "left" if side == "right" else "right"
    return other if rng.random() < 0.3 else side


# ---------------------------------------------------------------------------------------------
# Rendering: head, camera, hand skeleton, noise


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Head rotation: turn about y, nod about x, tilt about z (face frame → camera frame)."""
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    turn = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    nod = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    tilt = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return tilt @ nod @ turn


def _wander(rng: np.random.Generator, times: np.ndarray, amplitude: float, slowest_hz: float, fastest_hz: float) -> np.ndarray:
    """A slow head movement: two sinusoids of random frequency and phase, peak about ±amplitude."""
    total = np.zeros_like(times)
    for weight in (0.65, 0.35):
        total += weight * np.sin(2 * np.pi * rng.uniform(slowest_hz, fastest_hz) * times + rng.uniform(0, 2 * np.pi))
    return amplitude * total


def _ar1(rng: np.random.Generator, count: int, shape: tuple[int, ...], sigma: float, lag1: float) -> np.ndarray:
    """Noise with the given SD and lag-1 autocorrelation (it wanders over a few frames, as MediaPipe's does)."""
    out = np.empty((count, *shape))
    innovation = sigma * math.sqrt(1 - lag1**2)
    value = rng.normal(0.0, sigma, shape)
    for index in range(count):
        value = lag1 * value + rng.normal(0.0, innovation, shape)
        out[index] = value
    return out


def hand_points_fu(tip_fu: np.ndarray, angle: float, dive: float, palm_fu: float, hand: Handedness,
                   pinch_palms: float, flat: bool = False) -> np.ndarray:
    """21 hand points (head frame, FU) with the index fingertip at ``tip_fu``.

    ``angle`` is the fingers' direction in the face plane, ``dive`` how steeply they point into the
    face; the thumb side is the subject's right for the right hand when the fingers point up.
    """
    along_2d = np.array([math.cos(angle), math.sin(angle)])
    u = np.array([along_2d[0] * math.cos(dive), along_2d[1] * math.cos(dive), -math.sin(dive)])
    turn = 1.0 if hand == "right" else -1.0
    v = np.array([-along_2d[1] * turn, along_2d[0] * turn, 0.0])
    n = np.cross(u, v)
    if n[2] > 0:
        n = -n
    skeleton = _SKELETON_UVN.copy()
    if flat:
        skeleton[9:] = _FLAT_FINGERS_UVN
    if abs(pinch_palms - RELAXED_PINCH_PALMS) > 1e-9:
        # The thumb tip sits ``pinch_palms`` from the index tip toward the thumb side; its joints follow.
        direction = skeleton[_THUMB_TIP] - skeleton[_INDEX_TIP]
        direction /= np.linalg.norm(direction)
        skeleton[_THUMB_TIP] = skeleton[_INDEX_TIP] + direction * pinch_palms
        skeleton[_THUMB_IP] = 0.55 * skeleton[_THUMB_TIP] + 0.45 * skeleton[_THUMB_MCP]
    local = skeleton - skeleton[_INDEX_TIP]
    return tip_fu + palm_fu * (local[:, :1] * u + local[:, 1:2] * v + local[:, 2:3] * n)


def _covered(points_px: np.ndarray, hand_px: np.ndarray, finger_radius_px: float) -> np.ndarray:
    """Which image points lie under the hand's silhouette (palm polygon and finger capsules)."""
    from matplotlib.path import Path as PolygonPath

    under = PolygonPath(hand_px[list(_PALM_OUTLINE)]).contains_points(points_px)
    for a, b in _FINGER_BONES:
        start, end = hand_px[a], hand_px[b]
        segment = end - start
        t = np.clip(((points_px - start) @ segment) / max(float(segment @ segment), 1e-9), 0.0, 1.0)
        closest = start + t[:, None] * segment
        under |= np.linalg.norm(points_px - closest, axis=1) <= finger_radius_px
    return under


@dataclass(frozen=True)
class MinJerkSession:
    """A generated family-(b) session with its truth: what the benchmark and the tests need."""

    seed: int
    frames: list[TrackedFrame]
    labels: list[LabelledStroke]
    unseen: tuple[LabelledStroke, ...]
    scale_px_per_fu: float  # face scale at the rest distance
    truth_tip_px: dict[str, np.ndarray]  # hand → N×2 true fingertip in the image (NaN when absent)
    truth_palm_px: dict[str, np.ndarray]  # hand → N true palm size in the image (the engine's measure)
    face_lost: np.ndarray  # N bool: the face was lost under the hand

    def as_eval_session(self, family: str = "minjerk") -> EvalSession:
        return EvalSession(name=f"minjerk seed {self.seed}", family=family, frames=self.frames,
                           labels=self.labels, unseen=self.unseen)


def _palm_size(points_px: np.ndarray) -> float:
    from coach.strokes.contact import palm_size_px

    return palm_size_px(points_px)


def render(rng: np.random.Generator, scripter: _Scripter, duration_s: float, spec: MinJerkSpec,
           sizes: tuple[int, int], scale: float, seed: int) -> MinJerkSession:
    width, height = sizes
    fps = spec.fps if spec.fps is not None else float(rng.choice([30.0, 30.0, 30.0, 25.0, 24.0]))
    times = np.arange(0.0, duration_s, 1.0 / fps) + 1e-3
    count = len(times)
    distance = scripter.camera_distance_fu
    focal = scale * distance
    reference = np.asarray(canonical_face(), dtype=float)
    surface = _surface()
    motion = spec.head_motion
    yaw = _wander(rng, times, math.radians(rng.uniform(5, 18)) * motion, 0.04, 0.25)
    pitch = _wander(rng, times, math.radians(rng.uniform(3, 10)) * motion, 0.05, 0.3)
    roll = _wander(rng, times, math.radians(rng.uniform(2, 8)) * motion, 0.03, 0.2)
    closer = _wander(rng, times, rng.uniform(0.2, 0.7) * motion, 0.02, 0.1)  # FU toward the camera
    shift_x = _wander(rng, times, rng.uniform(0.1, 0.4) * motion, 0.03, 0.2)
    shift_y = _wander(rng, times, rng.uniform(0.05, 0.25) * motion, 0.03, 0.2)
    centre_px = np.array([width / 2 + rng.uniform(-0.08, 0.08) * width, height * rng.uniform(0.38, 0.48)])

    tracks = {hand: script.sample(times) for hand, script in scripter.scripts.items()}
    face_noise = _ar1(rng, count, (len(reference), 2), FACE_JITTER_FU, FACE_JITTER_LAG1) if spec.noise else np.zeros((count, len(reference), 2))
    hand_noise = {h: _ar1(rng, count, (21, 2), HAND_JITTER_FU, HAND_JITTER_LAG1) if spec.noise else np.zeros((count, 21, 2)) for h in ("left", "right")}
    tip_extra = {h: _ar1(rng, count, (2,), math.sqrt(max(FINGERTIP_JITTER_FU**2 - HAND_JITTER_FU**2, 0.0)), HAND_JITTER_LAG1)
                 if spec.noise else np.zeros((count, 2)) for h in ("left", "right")}
    drift = _ar1(rng, count, (2,), COVERED_DRIFT_FU, 0.95) if spec.noise else np.zeros((count, 2))

    frames: list[TrackedFrame] = []
    truth_tip = {h: np.full((count, 2), np.nan) for h in ("left", "right")}
    truth_palm = {h: np.full(count, np.nan) for h in ("left", "right")}
    face_lost = np.zeros(count, dtype=bool)
    clear_frames = FACE_REFOUND_FRAMES
    hidden = False  # in an occlusion: the hand covers the detector's key points
    episode_loses = False  # whether this occlusion loses the face (else its landmarks drift)
    dropout_left = {"left": 0, "right": 0}
    key = np.array(FACE_KEY_POINTS)
    # The head's motion as the Tracker reads it on the skin round a hand (its own generator, so the
    # landmarks are the same with the reading or without it).
    motion_rng = np.random.default_rng([seed, 0xF10])
    motion_gate = MotionGate()
    previous_face_px: np.ndarray | None = None  # the true face, last frame
    seen_face_px: np.ndarray | None = None  # the tracked face as last seen (the gate's, as the Tracker's)
    previous_had_hands = False
    for index, t in enumerate(times):
        rotation = _rotation(yaw[index], pitch[index], roll[index])
        offset = np.array([shift_x[index], shift_y[index], closer[index]])

        def to_image(points_fu: np.ndarray, rotation: np.ndarray = rotation, offset: np.ndarray = offset) -> tuple[np.ndarray, np.ndarray]:
            camera = points_fu @ rotation.T + offset
            depth = distance - camera[:, 2]
            px = np.column_stack([centre_px[0] + focal * camera[:, 0] / depth, centre_px[1] - focal * camera[:, 1] / depth])
            return px, camera

        face_px, face_cam = to_image(reference)
        head_scale = focal / float(distance - face_cam[:, 2].mean())
        covered_any = np.zeros(len(reference), dtype=bool)
        hands: list[HandLandmarks] = []
        for hand in ("left", "right"):
            timeline, angle, dive, flat = tracks[hand]
            if not timeline.present[index]:
                continue
            xy = timeline.xy[index]
            skin = np.array([xy[0], xy[1], float(surface.depth_at(xy[None])[0])])
            # Lift along the viewing ray through the skin point (toward the camera).
            camera_skin = skin @ rotation.T + offset
            ray_cam = np.array([0.0, 0.0, distance]) - camera_skin
            ray = (ray_cam / np.linalg.norm(ray_cam)) @ rotation  # back into the head frame
            tip = skin + timeline.lift[index] * ray
            points_fu = hand_points_fu(tip, float(angle[index]), float(dive[index]), scripter.palm_fu[hand], hand,
                                       float(timeline.pinch[index]), bool(flat[index]))
            hand_px, hand_cam = to_image(points_fu)
            inside = (hand_px[:, 0] >= 0) & (hand_px[:, 0] < width) & (hand_px[:, 1] >= 0) & (hand_px[:, 1] < height)
            if inside.mean() < 0.7:
                continue  # mostly out of the picture: MediaPipe reports no hand
            truth_tip[hand][index] = hand_px[_INDEX_TIP]
            truth_palm[hand][index] = _palm_size(hand_px)
            covered_any |= _covered(face_px, hand_px, FINGER_RADIUS_FU * head_scale)
            if spec.noise:
                if dropout_left[hand] > 0:
                    dropout_left[hand] -= 1
                    continue
                if rng.random() < HAND_DROPOUT_PER_FRAME:
                    dropout_left[hand] = int(rng.integers(0, 3))
                    continue
            hand_scale = focal / float(distance - hand_cam[0, 2])
            noisy = hand_px + hand_noise[hand][index] * hand_scale
            noisy[_INDEX_TIP] += tip_extra[hand][index] * hand_scale
            z = -(hand_cam[:, 2] - hand_cam[0, 2]) * hand_scale / width
            points_norm = np.column_stack([noisy[:, 0] / width, noisy[:, 1] / height, z])
            hands.append(HandLandmarks(hand, float(rng.uniform(0.9, 0.99)), points_norm))
        covered_keys = int(covered_any[key].sum())
        if covered_keys >= FACE_LOST_COVERED:
            if not hidden:
                episode_loses = bool(rng.random() < spec.face_loss_share)
            hidden, clear_frames = True, 0
        elif hidden:
            clear_frames += 1
            hidden = clear_frames < FACE_REFOUND_FRAMES
        lost = hidden and episode_loses
        face: FaceLandmarks | None = None
        face_lost[index] = lost
        if not lost:
            noisy_face = face_px + face_noise[index] * head_scale
            if covered_any.any():
                # Tracking on through the occlusion drags the covered points further.
                noisy_face[covered_any] += drift[index] * head_scale * (HIDDEN_DRIFT_FACTOR if hidden else 1.0)
            z = -(face_cam[:, 2] - face_cam[:, 2].mean()) * head_scale / width
            face = FaceLandmarks(np.column_stack([noisy_face[:, 0] / width, noisy_face[:, 1] / height, z]))
        face_motion = None
        if spec.head_motion_reading:
            hands_px = [hand.points_px(width, height) for hand in hands]
            if (previous_had_hands and seen_face_px is not None and previous_face_px is not None
                    and motion_gate.open(seen_face_px, hands_px)):
                face_motion = _read_head_motion(previous_face_px, face_px, head_scale if spec.noise else 0.0, motion_rng)
            previous_had_hands = bool(hands)
            previous_face_px = face_px
            if face is not None:
                seen_face_px = face.points_px(width, height)
        frames.append(TrackedFrame(index=index, timestamp_s=float(t), width=width, height=height, face=face,
                                   hands=tuple(hands), faces_seen=0 if face is None else 1, face_motion=face_motion))
    if spec.tracker_smoothing:
        frames = smooth_like_tracker(frames)
    return MinJerkSession(seed=seed, frames=frames, labels=[], unseen=(), scale_px_per_fu=scale,
                          truth_tip_px=truth_tip, truth_palm_px=truth_palm, face_lost=face_lost)


def _read_head_motion(before_px: np.ndarray, after_px: np.ndarray, px_per_fu: float, rng: np.random.Generator) -> np.ndarray:
    """The 2×3 similarity carrying the true face from the last frame to this one (least squares over
    its stable points, as complex numbers: z' = a·z + b), with the reading's measured error (none
    when ``px_per_fu`` is 0: a session without noise)."""
    before = before_px[STABLE_POINTS] @ np.array([1.0, 1j])
    after = after_px[STABLE_POINTS] @ np.array([1.0, 1j])
    before_mean, after_mean = before.mean(), after.mean()
    turn = complex(np.vdot(before - before_mean, after - after_mean) / np.vdot(before - before_mean, before - before_mean))
    error = 0j
    if px_per_fu > 0:  # scale and roll errors about the face's centre, and a shift
        turn *= (1.0 + MOTION_TURN_ERROR * rng.standard_normal()) * np.exp(1j * MOTION_TURN_ERROR * rng.standard_normal())
        error = complex(*(MOTION_ERROR_FU * px_per_fu * rng.standard_normal(2)))
    shift = after_mean - turn * before_mean + error
    return np.array([[turn.real, -turn.imag, shift.real], [turn.imag, turn.real, shift.imag]])


def smooth_like_tracker(frames: Sequence[TrackedFrame]) -> list[TrackedFrame]:
    """The Tracker's One-Euro filters (coach.perception.smoothing), reset when a face or hand is lost."""
    from coach.perception.smoothing import smooth_tracked_frames

    return smooth_tracked_frames(frames)

def generate_scripted(blocks: Sequence[Block], seed: int = 0, spec: MinJerkSpec | None = None) -> MinJerkSession:
    """A session performing exactly ``blocks`` in order (random where a block leaves values open)."""
    spec = spec or MinJerkSpec()
    rng = np.random.default_rng(seed)
    scripter = _Scripter(rng)
    scripter.camera_distance_fu = float(rng.uniform(4.5, 7.0))
    palm = float(rng.uniform(0.85, 1.2))
    scripter.palm_fu = {"left": palm * float(rng.uniform(0.97, 1.03)), "right": palm}
    width, height = [(640, 480), (960, 540), (1280, 720), (640, 480)][int(rng.integers(0, 4))]
    scale = float(width * rng.uniform(0.10, 0.15))
    idle_in_view = rng.random() < 0.3
    for script in scripter.scripts.values():
        script.wait_until(spec.lead_in_s)
    for block in blocks:
        hand = _hand_for(rng, block)
        other: Handedness = "left" if hand == "right" else "right"
        if scripter.on_face[other]:
            scripter.leave(other, out_of_view=not idle_in_view)
        script = scripter.scripts[hand]
        from_above = block.from_above if block.from_above is not None else (
            block.pattern in ("glide", "hold", "tap") and any(block.region.endswith(r) for r in ("under_eye", "brow"))
            and rng.random() < 0.4)
        if scripter.on_face[hand] and rng.random() < 0.35:
            scripter.leave(hand, out_of_view=True)
            script.add(rng.uniform(0.3, 1.5), _still(script.state.xy, script.state.lift, script.state.pinch, present=False))
        script.angle_rad, script.dive_rad, script.flat = scripter.attitude(hand, block.region, from_above)
        if block.flat is not None:
            script.flat = block.flat
        getattr(scripter, block.pattern)(block, hand)
        latest = max(s.end_s for s in scripter.scripts.values())
        for each in scripter.scripts.values():
            each.wait_until(latest)
    for hand in ("left", "right"):
        if scripter.on_face[hand]:  # type: ignore[index]
            scripter.leave(hand, out_of_view=True)  # type: ignore[arg-type]
    duration = max(s.end_s for s in scripter.scripts.values()) + spec.tail_s
    for each in scripter.scripts.values():
        each.wait_until(duration)
    session = render(rng, scripter, duration, spec, (width, height), scale, seed)
    labels = sorted(scripter.labels, key=lambda label: (label.start_s, label.hand))
    seen: list[LabelledStroke] = []
    unseen: list[LabelledStroke] = []
    for label in labels:
        (seen if _seen_share(session.frames, label) >= 0.8 else unseen).append(label)
    return replace(session, labels=seen, unseen=tuple(unseen))


def _seen_share(frames: Sequence[TrackedFrame], label: LabelledStroke) -> float:
    during = [frame for frame in frames if label.start_s <= frame.timestamp_s <= label.end_s]
    if not during:
        return 0.0
    return sum(frame.hand(label.hand) is not None for frame in during) / len(during)


def generate_minjerk_session(seed: int, spec: MinJerkSpec | None = None) -> MinJerkSession:
    """A random family-(b) routine for one seed (every pattern, random regions, either hand)."""
    spec = spec or MinJerkSpec()
    rng = np.random.default_rng(seed + 91_000_000)
    return generate_scripted(random_blocks(rng, spec.blocks), seed, spec)


def minjerk_sessions(seeds: Sequence[int], spec: MinJerkSpec | None = None) -> list[EvalSession]:
    return [generate_minjerk_session(seed, spec).as_eval_session() for seed in seeds]
