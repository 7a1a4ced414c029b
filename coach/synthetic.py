"""Labelled synthetic landmark streams: a real face mesh moved in 3D and a 21-point hand stroking it.

Why it exists: the stroke engine has to be measured on input whose truth is known, with the
nuisances real input has — head motion, MediaPipe-like jitter, the face lost while the hand covers
it, lifted returns between glides, the hand arriving, leaving and hovering, both hands at once.
Tests build small scripted sessions from explicit blocks; the benchmark uses a fixed set of seeded
random sessions (``BENCHMARK_SEEDS``); engine tuning uses a disjoint set (``TUNING_SEEDS``) so the
benchmark figures are not fitted to.

Geometry. Everything is placed in face units (FU, see coach.geometry.canonical) on the canonical
mesh, then moved as a rigid head (roll, yaw, pitch, translation, distance to the camera) and
projected with a pinhole camera, so that a hand lifted toward the camera looks larger, as it does
in a real webcam image. The fingertip rides the skin surface (the face frame's own depth model), so
it moves with the head while in contact. Landmarks are written as MediaPipe gives them: x, y
normalised to the image, z relative depth scaled like x (face: relative to the head centre; hand:
relative to the wrist).

Hand anatomy: the hand length (wrist → middle fingertip) defaults to ~1.9 FU (≈ 17 cm at 1 FU ≈
9 cm), so the hand is about as tall as the face, as in real footage.

Labels (``LabelledStroke``) give what the engine should report: start and end of the movement on
the skin (dwell before and after excluded), hand, region, pattern, direction, mean speed along the
glide path, count and rate of repetitions. Returns, arrivals, departures, travel between places and
hovering are never labelled: an engine reporting them makes false positives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from coach.geometry.canonical import canonical_face
from coach.geometry.face_frame import FaceSurface
from coach.geometry.regions import FaceRegions, side_of_region
from coach.technique.directions import circle_is_clockwise, glide_direction, glide_direction_vector
from coach.types import (
    FaceLandmarks,
    Handedness,
    HandLandmarks,
    TrackedFrame,
)

BENCHMARK_SEEDS: tuple[int, ...] = tuple(range(1000, 1030))
"""The fixed seed set the accuracy benchmark reports on."""

TUNING_SEEDS: tuple[int, ...] = tuple(range(5000, 5030))
"""Seeds for tuning the engine, disjoint from the benchmark's, so its figures are not fitted to."""

LABELS_SUFFIX = ".labels.json"
RESTING_HOLD_S = 1.5
"""A hand resting still on the skin this long between blocks (waiting for the other hand) is holding:
labelled as a hold, since that is what the user did (and what a coach should see)."""
AMBIGUOUS_REST_S = 1.0
"""A rest from this long up to RESTING_HOLD_S is a hold by a hair (a hold is a second or more of
stillness): left out of the count either way, as unseen strokes are."""

# Regions each pattern is commonly done on (what massage routines name).
PATTERN_REGIONS: dict[str, tuple[str, ...]] = {
    "glide": (
        "forehead", "left_brow", "right_brow", "left_temple", "right_temple", "left_under_eye",
        "right_under_eye", "nose", "left_cheek", "right_cheek", "chin", "left_jaw", "right_jaw",
        "left_neck", "right_neck",
    ),
    "circle": (
        "forehead", "left_temple", "right_temple", "left_cheek", "right_cheek", "left_jaw", "right_jaw", "chin",
    ),
    "tap": ("forehead", "left_cheek", "right_cheek", "left_under_eye", "right_under_eye", "left_temple", "right_temple", "chin"),
    "knead": ("left_cheek", "right_cheek", "left_jaw", "right_jaw", "chin", "left_brow", "right_brow"),
    "hold": (
        "left_temple", "right_temple", "left_brow", "right_brow", "left_cheek", "right_cheek",
        "forehead", "left_under_eye", "right_under_eye", "nose",
    ),
}


# ---------------------------------------------------------------------------------------------
# Labels, blocks and session settings


@dataclass(frozen=True)
class LabelledStroke:
    """What the engine should report for one scripted stroke."""

    start_s: float
    end_s: float
    hand: Handedness
    region: str
    pattern: str
    direction: str | None
    speed_fu_s: float | None
    count: int
    rate_hz: float | None

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> "LabelledStroke":
        return cls(**data)


@dataclass(frozen=True)
class Block:
    """One scripted piece of massage by one hand (mirrored to the other hand when ``both_hands``).

    Fields not used by a pattern are ignored. ``None`` picks a random plausible value.
    """

    pattern: str
    region: str
    hand: Handedness | None = None  # None: the hand on that side (random on the midline)
    direction: str | None = None  # glide: one of GLIDE_DIRECTIONS; circle: outward/inward
    speed_fu_s: float | None = None  # glide
    length_fu: float | None = None  # glide
    reps: int = 1  # glides: repetitions separated by lifted returns
    rate_hz: float | None = None  # circle/tap/knead
    count: int | None = None  # circle turns, taps, kneads
    radius_fu: float | None = None  # circle
    duration_s: float | None = None  # hold
    both_hands: bool = False
    leave_after: bool = True  # the hand leaves the face afterwards (else it travels lifted to the next block)


@dataclass(frozen=True)
class SessionSpec:
    """Knobs for a synthetic session; the defaults are the benchmark's realistic ones."""

    width: int = 640
    height: int = 480
    fps: float = 30.0
    blocks: int = 9  # random blocks per session (ignored for scripted sessions)
    head_motion: float = 1.0  # 0 = still head; 1 = typical turning, nodding, moving closer
    face_jitter_px: float = 0.6
    hand_jitter_px: float = 1.3
    face_dropouts: bool = True  # face lost for a few frames while the hand covers it
    hand_misses: bool = True  # hand not detected for an odd frame
    frame_drops: bool = True  # camera skips an odd frame; timestamps jitter
    hover_probability: float = 0.2  # chance of a hand waving in front of the face between blocks
    both_hands_probability: float = 0.2
    leave_probability: float = 0.5  # else travel lifted to the next block
    hand_length_fu: float | None = None  # None: random 1.75–2.05
    scale_px_per_fu: float | None = None  # None: random 85–130 px per FU at the rest distance
    contact: str = "index"  # "index_middle": two fingers flat together, touching between their tips
    lead_in_s: float = 1.0  # head alone before the first block
    tail_s: float = 1.0
    tracker_smoothing: bool = True  # pass landmarks through the Tracker's One-Euro filters, as a recording of a video would be


@dataclass(frozen=True)
class SessionInfo:
    """Header information for a generated session (also written into the recording's header)."""

    seed: int
    width: int
    height: int
    fps: float
    duration_s: float
    frames: int
    unseen: tuple[LabelledStroke, ...] = ()  # left out of the count: scripted strokes whose hand was mostly out of view, and rests on the skin too short to call a hold or not

    def header_extra(self) -> dict[str, Any]:
        return {"source": "synthetic", "synthetic_seed": self.seed}


# ---------------------------------------------------------------------------------------------
# Smooth random signals


def _smooth_signal(rng: np.random.Generator, times: np.ndarray, amplitude: float, max_hz: float = 0.35) -> np.ndarray:
    """A smooth wandering signal of roughly ±amplitude: a few sinusoids with random phases."""
    signal = np.zeros_like(times)
    for _ in range(3):
        frequency = rng.uniform(0.03, max_hz)
        signal += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * frequency * times + rng.uniform(0, 2 * np.pi))
    return amplitude * signal / 1.6


def _ar1_noise(rng: np.random.Generator, count: int, dims: tuple[int, ...], sigma: float, tau_frames: float) -> np.ndarray:
    """Correlated drift (first-order autoregressive) with stationary std ``sigma``."""
    a = math.exp(-1.0 / max(tau_frames, 1e-6))
    innovation = sigma * math.sqrt(1 - a * a)
    out = np.zeros((count, *dims))
    state = rng.normal(0.0, sigma, dims)
    for index in range(count):
        state = a * state + rng.normal(0.0, innovation, dims)
        out[index] = state
    return out


def _min_jerk(tau: np.ndarray | float) -> np.ndarray | float:
    tau = np.clip(tau, 0.0, 1.0)
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5


def _trapezoid_progress(tau: np.ndarray | float, ramp: float) -> np.ndarray | float:
    """Fraction of the path covered at time fraction tau with smooth ramps of ``ramp`` at each end.

    Speeds up over the first ramp (a smooth S), cruises, slows over the last; a finger sliding on skin
    moves like this, rather than with a bell-shaped speed.
    """
    tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    # Speed profile: sin² ramp up, 1 plateau, sin² ramp down; integrate in closed form.
    plateau_area = 1.0 - ramp  # area of the speed profile with unit cruise speed (each ramp contributes ramp/2)

    def ramp_area(x: np.ndarray) -> np.ndarray:  # ∫0^x sin²(π u / (2 ramp)) du
        return x / 2 - ramp / (2 * np.pi) * np.sin(np.pi * x / ramp)

    up = np.minimum(tau, ramp)
    area = ramp_area(up)
    middle = np.clip(tau - ramp, 0.0, 1.0 - 2 * ramp)
    area = area + middle
    down = np.clip(tau - (1.0 - ramp), 0.0, ramp)
    area = area + (ramp / 2 - ramp_area(ramp - down)) * (down > 0)
    return area / plateau_area


# ---------------------------------------------------------------------------------------------
# Hand state over time


@dataclass(frozen=True)
class HandState:
    """Where the hand is at one instant: contact point on (or above) the skin and finger shape."""

    xy_fu: np.ndarray  # 2: contact point projected on the face frame
    lift_fu: float  # height of the contact point above the skin, toward the camera
    pinch_gap_fu: float | None  # thumb tip to index tip; None: the hand's resting thumb
    visible: bool = True
    finger_lift_rad: float = 0.0  # index finger raised at its knuckle, off the skin (tapping)


Motion = Callable[[float], HandState]


@dataclass
class _Track:
    """One hand's scripted motion: consecutive timed pieces."""

    pieces: list[tuple[float, float, Motion]] = field(default_factory=list)
    end_s: float = 0.0

    def add(self, duration_s: float, motion: Motion) -> tuple[float, float]:
        start = self.end_s
        self.pieces.append((start, start + duration_s, motion))
        self.end_s = start + duration_s
        return start, self.end_s

    def state(self, t: float) -> HandState | None:
        for start, end, motion in self.pieces:
            if start <= t < end:
                return motion(t - start)
        return None

    def last_state(self) -> HandState | None:
        if not self.pieces:
            return None
        start, end, motion = self.pieces[-1]
        return motion(end - start)


def _still(xy: np.ndarray, lift: float = 0.0, gap: float | None = None, visible: bool = True) -> Motion:
    xy = np.array(xy, dtype=float)
    return lambda _t: HandState(xy, lift, gap, visible)


def _move(start: HandState, end: HandState, duration: float, arc_lift: float = 0.0, xy_lead: float = 1.0,
          bulge: np.ndarray | None = None) -> Motion:
    """Minimum-jerk move between two states; the lift may arc up on the way (a lifted return)."""
    bulge = np.zeros(2) if bulge is None else np.asarray(bulge, dtype=float)

    def motion(t: float) -> HandState:
        tau = t / duration
        s_xy = float(_min_jerk(min(1.0, tau * xy_lead)))
        s = float(_min_jerk(tau))
        xy = start.xy_fu + (end.xy_fu - start.xy_fu) * s_xy + bulge * math.sin(math.pi * s_xy)
        lift = start.lift_fu + (end.lift_fu - start.lift_fu) * s + arc_lift * math.sin(math.pi * s)
        gap_start = start.pinch_gap_fu
        gap = gap_start if gap_start == end.pinch_gap_fu else None
        return HandState(xy, lift, gap, start.visible or end.visible)

    return motion


# ---------------------------------------------------------------------------------------------
# The hand skeleton

# Template in hand-local units: v toward the thumb side, u along the fingers (wrist → middle MCP = 1).
_FINGER_MCP = {
    "index": (0.24, 0.96),
    "middle": (0.0, 1.0),
    "ring": (-0.20, 0.92),
    "pinky": (-0.38, 0.82),
}
_FINGER_SEGMENTS = {
    "index": (0.40, 0.24, 0.20),
    "middle": (0.45, 0.28, 0.22),
    "ring": (0.40, 0.26, 0.20),
    "pinky": (0.30, 0.18, 0.17),
}
_FINGER_FIRST_LANDMARK = {"index": 5, "middle": 9, "ring": 13, "pinky": 17}
_TEMPLATE_UNITS_PER_HAND_LENGTH = 1.0 + sum(_FINGER_SEGMENTS["middle"])


@dataclass(frozen=True)
class HandShape:
    """Finger flexion (radians per joint) and how the hand is held against the face."""

    flex: dict[str, tuple[float, float, float]]
    rest_thumb: tuple[float, float, float]  # thumb tip in template units (v, u, n) when not pinching
    dive_rad: float  # how steeply the index points into the skin
    length_fu: float


def _pointing_shape(rng: np.random.Generator, length_fu: float, index_and_middle: bool = False) -> HandShape:
    curled = (math.radians(rng.uniform(60, 80)), math.radians(rng.uniform(80, 100)), math.radians(rng.uniform(40, 60)))
    straight = (math.radians(rng.uniform(5, 15)), math.radians(rng.uniform(5, 15)), math.radians(rng.uniform(0, 10)))
    flex = {
        "index": straight,
        "middle": straight if index_and_middle else curled,
        "ring": curled,
        "pinky": curled,
    }
    rest_thumb = (rng.uniform(0.1, 0.25), rng.uniform(1.0, 1.2), rng.uniform(0.15, 0.3))
    return HandShape(flex, rest_thumb, math.radians(rng.uniform(20, 40)), length_fu)


def _hand_local_points(shape: HandShape, pinch_gap_fu: float | None, unit_fu: float, index_lift_rad: float = 0.0) -> np.ndarray:
    """21×3 points in (v, u, n) template units; n points from the palm toward the skin."""
    points = np.zeros((21, 3))
    for finger, (v, u) in _FINGER_MCP.items():
        first = _FINGER_FIRST_LANDMARK[finger]
        position = np.array([v, u, 0.0])
        points[first] = position
        angle = -index_lift_rad if finger == "index" else 0.0
        for joint, (length, flex) in enumerate(zip(_FINGER_SEGMENTS[finger], shape.flex[finger])):
            angle += flex
            position = position + length * np.array([0.0, math.cos(angle), math.sin(angle)])
            points[first + joint + 1] = position
    cmc = np.array([0.22, 0.18, 0.05])
    if pinch_gap_fu is None:
        tip = np.array(shape.rest_thumb)
    else:
        # Thumb tip opposite the index tip, on the thumb side, a little back toward the wrist.
        direction = np.array([0.85, -0.5, 0.0])
        direction /= np.linalg.norm(direction)
        tip = points[8] + direction * (pinch_gap_fu / unit_fu)
    bulge = np.array([0.18, 0.0, 0.05])
    for joint, fraction in zip((1, 2, 3, 4), (0.0, 0.4, 0.72, 1.0)):
        points[joint] = cmc + (tip - cmc) * fraction + bulge * math.sin(math.pi * fraction) * (joint != 1)
    return points


def _hand_basis(finger_dir_xy: np.ndarray, dive_rad: float, hand: Handedness) -> np.ndarray:
    """3×3 rows (v, u, n) in face coordinates: fingers along the face toward finger_dir, palm to the skin."""
    direction = np.asarray(finger_dir_xy, dtype=float) / np.linalg.norm(finger_dir_xy)
    u = np.array([direction[0] * math.cos(dive_rad), direction[1] * math.cos(dive_rad), -math.sin(dive_rad)])
    n0 = np.array([0.0, 0.0, -1.0])
    n = n0 - n0.dot(u) * u
    n /= np.linalg.norm(n)
    v = np.cross(u, n) if hand == "right" else np.cross(n, u)
    return np.stack([v, u, n])


# ---------------------------------------------------------------------------------------------
# Camera and head


@dataclass(frozen=True)
class _Camera:
    width: int
    height: int
    focal_px: float
    rest_distance_fu: float


def _rotation(roll: float, yaw: float, pitch: float) -> np.ndarray:
    """Face → camera rotation; yaw about y, pitch about x, roll about z (radians)."""
    cr, sr = math.cos(roll), math.sin(roll)
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    return rz @ ry @ rx


def _project(camera: _Camera, points_cam: np.ndarray, distance_fu: float) -> np.ndarray:
    """Camera-frame points (FU; x right, y up, z toward the camera) → pixels (x right, y down)."""
    depth = distance_fu - points_cam[:, 2]
    x = camera.width / 2 + camera.focal_px * points_cam[:, 0] / depth
    y = camera.height / 2 - camera.focal_px * points_cam[:, 1] / depth
    return np.column_stack([x, y])


# ---------------------------------------------------------------------------------------------
# Scripting


class _Scripter:
    """Turns blocks into hand tracks and labels."""

    def __init__(self, rng: np.random.Generator, regions: FaceRegions, surface: FaceSurface) -> None:
        self.rng = rng
        self.regions = regions
        self.surface = surface
        self.tracks: dict[Handedness, _Track] = {"left": _Track(), "right": _Track()}
        self.labels: list[LabelledStroke] = []
        self.on_face: dict[Handedness, bool] = {"left": False, "right": False}
        # Stretches where a hand rests still on the skin between strokes (waiting for the other hand,
        # or pausing before it leaves): a finger resting on the skin is a hold (see rest_labels).
        self.rests: list[tuple[Handedness, float, float, np.ndarray]] = []

    # -- geometry helpers ---------------------------------------------------------------------

    def _inside(self, points: np.ndarray, region: str, margin: float = 0.035) -> bool:
        offsets = np.array([[0, 0], [margin, 0], [-margin, 0], [0, margin], [0, -margin]])
        test = (points[:, None, :] + offsets[None]).reshape(-1, 2)
        return all(name == region for name in self.regions.regions_at(test))

    def _random_point_in(self, region: str, margin: float = 0.06) -> np.ndarray:
        polygon = np.asarray(self.regions.polygons_fu[region])
        low, high = polygon.min(axis=0), polygon.max(axis=0)
        for _ in range(400):
            point = self.rng.uniform(low, high)
            if self._inside(point[None], region, margin):
                return point
        return self.regions.centre(region)

    def _home_side_x(self, hand: Handedness) -> float:
        return -1.0 if hand == "right" else 1.0

    def _away_state(self, hand: Handedness) -> HandState:
        """Resting below the face, out of view (or at the bottom edge)."""
        x = self._home_side_x(hand) * self.rng.uniform(0.8, 1.6)
        return HandState(np.array([x, self.rng.uniform(-4.2, -3.4)]), self.rng.uniform(1.5, 2.5), None, False)

    # -- pieces -------------------------------------------------------------------------------

    def arrive(self, hand: Handedness, target: np.ndarray, gap: float | None) -> None:
        track = self.tracks[hand]
        start = track.last_state() or self._away_state(hand)
        start = replace(start, visible=True)
        end = HandState(target, 0.0, gap)
        if self.on_face[hand]:
            # Travel lifted to the new place.
            distance = float(np.linalg.norm(target - start.xy_fu))
            duration = max(0.35, distance / self.rng.uniform(1.0, 2.2))
            track.add(duration, _move(start, end, duration, arc_lift=self.rng.uniform(0.5, 1.2)))
        else:
            duration = self.rng.uniform(0.5, 0.9)
            track.add(duration, _move(start, end, duration, xy_lead=self.rng.uniform(1.15, 1.5)))
        self.on_face[hand] = True
        track.add(self.rng.uniform(0.05, 0.3), _still(target, 0.0, gap))  # settle on the skin

    def leave(self, hand: Handedness) -> None:
        track = self.tracks[hand]
        start = track.last_state()
        if start is None:
            return
        begin, finish = track.add(self.rng.uniform(0.05, 0.25), _still(start.xy_fu, 0.0, start.pinch_gap_fu))
        self.rests.append((hand, begin, finish, start.xy_fu))
        away = self._away_state(hand)
        duration = self.rng.uniform(0.5, 0.9)
        # Lift first, then drop away: reverse of an arrival.
        lift_first = HandState(start.xy_fu, 0.0, None)
        track.add(duration, _reverse(_move(away, lift_first, duration, xy_lead=self.rng.uniform(1.15, 1.5)), duration))
        rest = self.rng.uniform(0.4, 1.5)
        track.add(rest, _still(away.xy_fu, away.lift_fu, None, visible=False))
        self.on_face[hand] = False

    def hover(self, hand: Handedness) -> None:
        """A hand waved in front of the face, clearly off the skin: never a stroke."""
        track = self.tracks[hand]
        start = track.last_state() or self._away_state(hand)
        start = replace(start, visible=True)
        lift = self.rng.uniform(1.2, 2.2)
        a = HandState(self.rng.uniform([-0.7, -1.2], [0.7, 0.4]), lift, None)
        b = HandState(self.rng.uniform([-0.7, -1.2], [0.7, 0.4]), lift, None)
        for first, second in ((start, a), (a, b)):
            duration = self.rng.uniform(0.5, 1.0)
            track.add(duration, _move(first, second, duration))
        away = self._away_state(hand)
        duration = self.rng.uniform(0.5, 0.8)
        track.add(duration, _move(b, away, duration))
        track.add(self.rng.uniform(0.3, 0.8), _still(away.xy_fu, away.lift_fu, None, visible=False))
        self.on_face[hand] = False

    def idle_until(self, hand: Handedness, t: float) -> None:
        track = self.tracks[hand]
        if track.end_s >= t:
            return
        state = track.last_state()
        if state is None or not self.on_face[hand]:
            away = self._away_state(hand) if state is None else state
            track.add(t - track.end_s, _still(away.xy_fu, away.lift_fu, None, visible=False))
        else:
            begin, finish = track.add(t - track.end_s, _still(state.xy_fu, state.lift_fu, state.pinch_gap_fu))
            self.rests.append((hand, begin, finish, state.xy_fu))

    def label(self, **fields: Any) -> None:
        self.labels.append(LabelledStroke(**fields))

    def rest_labels(self) -> tuple[list[LabelledStroke], list[LabelledStroke]]:
        """The scripted labels with the hands' rests on the skin accounted for, and the rests too
        short to say (to leave out of the count, as unseen strokes are).

        A finger resting still on the skin is holding, whatever the script meant by it: a hold goes on
        while its finger rests on its spot after the block (it ends when the finger moves), and a
        hand that waits on the face for the other hand for RESTING_HOLD_S or more makes a hold of
        its own. A rest between AMBIGUOUS_REST_S and that is a hold or not by a hair: neither a
        report nor its absence is counted.
        """
        labels = list(self.labels)
        ambiguous: list[LabelledStroke] = []
        for hand in ("left", "right"):
            merged: list[list[Any]] = []
            for rest_hand, begin, finish, point in sorted(self.rests, key=lambda rest: rest[1]):
                if rest_hand != hand or finish - begin <= 0:
                    continue
                if merged and abs(merged[-1][1] - begin) < 1e-9 and np.allclose(merged[-1][2], point):
                    merged[-1][1] = finish
                else:
                    merged.append([begin, finish, point])
            for begin, finish, point in merged:
                held = [index for index, label in enumerate(labels)
                        if label.hand == hand and label.pattern == "hold" and abs(label.end_s - begin) < 1e-9]
                if held:
                    labels[held[0]] = replace(labels[held[0]], end_s=finish)
                    continue
                region = self.regions.region_at(point)
                if region is None or finish - begin < AMBIGUOUS_REST_S:
                    continue
                rest = LabelledStroke(start_s=begin, end_s=finish, hand=hand, region=region, pattern="hold",  # type: ignore[arg-type]
                                      direction=None, speed_fu_s=None, count=1, rate_hz=None)
                (labels if finish - begin >= RESTING_HOLD_S else ambiguous).append(rest)
        return labels, ambiguous

    # -- patterns -----------------------------------------------------------------------------

    def glide_path(self, block: Block, hand: Handedness) -> tuple[np.ndarray, np.ndarray, float, str]:
        """Start, end, bulge and direction of a glide that fits inside the region."""
        region = block.region
        direction = block.direction
        for attempt in range(600):
            if direction is None or attempt % 100 == 99:
                direction = str(self.rng.choice(("up", "down", "in", "out", "up-out", "up-in", "down-out", "down-in")))
            start = self._random_point_in(region, margin=0.04)
            side = side_of_region(region)
            side_x = -1.0 if side == "right" else 1.0 if side == "left" else (start[0] if abs(start[0]) > 0.05 else self.rng.choice([-1.0, 1.0]))
            vector = glide_direction_vector(direction, side_x)
            angle = math.atan2(vector[1], vector[0]) + math.radians(self.rng.uniform(-12, 12))
            length = block.length_fu if block.length_fu is not None else self.rng.uniform(0.18, 0.5) * (0.997 ** attempt)
            end = start + length * np.array([math.cos(angle), math.sin(angle)])
            bulge = self.rng.uniform(-0.06, 0.06) * length
            path = _glide_points(start, end, bulge, 24)
            if not self._inside(path, region, margin=0.03):
                continue
            if glide_direction(start, end) != direction:
                continue
            # Near the midline, "in" and "out" hinge on which side the glide is: keep only glides whose
            # direction survives the face frame's usual error (a few hundredths of a face unit).
            shifts = (np.array([0.06, 0.0]), np.array([-0.06, 0.0]))
            if any(glide_direction(start + shift, end + shift) != direction for shift in shifts):
                continue
            return start, end, bulge, direction
        raise ValueError(f"cannot fit a {direction} glide in {region}")

    def glide(self, block: Block, hand: Handedness, geometry: tuple[np.ndarray, np.ndarray, float, str], params: dict[str, Any]) -> None:
        start, end, bulge, direction = geometry
        track = self.tracks[hand]
        self.arrive(hand, start, None)
        speed = params["speed"]
        path = _glide_points(start, end, bulge, 200)
        length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
        duration = length / speed
        for rep in range(block.reps):
            ramp = params["ramps"][rep]
            begin, finish = track.add(duration, _glide_motion(start, end, bulge, duration, ramp, params["unevenness"][rep]))
            self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="glide",
                       direction=direction, speed_fu_s=speed, count=1, rate_hz=None)
            track.add(params["dwells"][rep], _still(end))
            if rep < block.reps - 1:
                # Lifted return: faster, off the skin, slightly off the line.
                return_duration = length / (speed * params["return_factor"][rep])
                normal = np.array([-(end - start)[1], (end - start)[0]]) / max(length, 1e-9)
                track.add(return_duration, _move(
                    HandState(end, 0.0, None), HandState(start, 0.0, None), return_duration,
                    arc_lift=params["return_lift"][rep], bulge=normal * params["return_bulge"][rep],
                ))
                track.add(params["pre_dwells"][rep], _still(start))

    def circle(self, block: Block, hand: Handedness, centre: np.ndarray, params: dict[str, Any]) -> None:
        radius, rate, turns, direction = params["radius"], params["rate"], params["count"], params["direction"]
        clockwise = circle_is_clockwise(direction, centre[0])
        sign = -1.0 if clockwise else 1.0
        phase0 = params["phase0"]
        start = centre + radius * np.array([math.cos(phase0), math.sin(phase0)])
        self.arrive(hand, start, None)
        duration = turns / rate

        def motion(t: float) -> HandState:
            phase = phase0 + sign * 2 * math.pi * rate * t
            wobble = 1.0 + 0.08 * math.sin(2 * math.pi * rate * 0.37 * t)
            return HandState(centre + radius * wobble * np.array([math.cos(phase), math.sin(phase)]), 0.0, None)

        begin, finish = self.tracks[hand].add(duration, motion)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="circle",
                   direction=direction, speed_fu_s=None, count=turns, rate_hz=rate)

    def tap(self, block: Block, hand: Handedness, base: np.ndarray, params: dict[str, Any]) -> None:
        """Fingertip taps: the index finger lifts at its knuckle (and the hand bobs a little)."""
        rate, count = params["rate"], params["count"]
        bob_xy = params["bob_dir"] * params["bob_fu"]
        lift = params["lift_fu"]
        finger = params["finger_rad"]
        self.arrive(hand, base, None)
        duration = count / rate

        def motion(t: float) -> HandState:
            height = abs(math.sin(math.pi * rate * t))
            return HandState(base + bob_xy * height, lift * height, None, finger_lift_rad=finger * height)

        begin, finish = self.tracks[hand].add(duration, motion)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="tap",
                   direction=None, speed_fu_s=None, count=count, rate_hz=rate)

    def knead(self, block: Block, hand: Handedness, base: np.ndarray, params: dict[str, Any]) -> None:
        rate, count = params["rate"], params["count"]
        open_gap, closed_gap = params["open_gap"], params["closed_gap"]
        roll = params["roll_dir"] * params["roll_fu"]
        self.arrive(hand, base, open_gap)
        duration = count / rate

        def motion(t: float) -> HandState:
            closing = (1 - math.cos(2 * math.pi * rate * t)) / 2
            gap = open_gap + (closed_gap - open_gap) * closing
            return HandState(base + roll * closing, 0.0, gap)

        begin, finish = self.tracks[hand].add(duration, motion)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="knead",
                   direction=None, speed_fu_s=None, count=count, rate_hz=rate)

    def hold(self, block: Block, hand: Handedness, base: np.ndarray, params: dict[str, Any]) -> None:
        duration = params["duration"]
        self.arrive(hand, base, None)
        tremor_phase = self.rng.uniform(0, 2 * math.pi, 2)

        def motion(t: float) -> HandState:
            tremor = 0.006 * np.sin(2 * math.pi * np.array([0.7, 1.1]) * t + tremor_phase)
            return HandState(base + tremor, 0.0, None)

        begin, finish = self.tracks[hand].add(duration, motion)
        self.label(start_s=begin, end_s=finish, hand=hand, region=block.region, pattern="hold",
                   direction=None, speed_fu_s=None, count=1, rate_hz=None)


def _reverse(motion: Motion, duration: float) -> Motion:
    return lambda t: motion(duration - t)


def _glide_points(start: np.ndarray, end: np.ndarray, bulge: float, count: int) -> np.ndarray:
    s = np.linspace(0.0, 1.0, count)
    delta = end - start
    normal = np.array([-delta[1], delta[0]]) / max(float(np.linalg.norm(delta)), 1e-9)
    return start + np.outer(s, delta) + np.outer(bulge * np.sin(np.pi * s), normal)


def _glide_motion(start: np.ndarray, end: np.ndarray, bulge: float, duration: float, ramp: float,
                  unevenness: float = 0.0) -> Motion:
    """A slide along the path; ``unevenness`` makes the cruise speed surge and sag a little, as a hand does."""
    # Arc-length parametrisation so the speed label (length / duration) is the speed along the path.
    fine = _glide_points(start, end, bulge, 400)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(fine, axis=0), axis=1))])
    arc /= arc[-1]

    def motion(t: float) -> HandState:
        tau = t / duration
        # A sine of the time share that vanishes at both ends keeps the start, end and duration exact.
        warped = tau + unevenness * math.sin(2 * math.pi * tau) / (2 * math.pi)
        progress = float(_trapezoid_progress(warped, ramp))
        x = np.interp(progress, arc, fine[:, 0])
        y = np.interp(progress, arc, fine[:, 1])
        return HandState(np.array([x, y]), 0.0, None)

    return motion


def _block_parameters(rng: np.random.Generator, block: Block) -> dict[str, Any]:
    """Random values for everything a block leaves open; drawn once so both hands mirror each other."""
    reps = block.reps
    params: dict[str, Any] = {}
    if block.pattern == "glide":
        params["speed"] = block.speed_fu_s if block.speed_fu_s is not None else float(math.exp(rng.uniform(math.log(0.1), math.log(0.8))))
        params["ramps"] = rng.uniform(0.08, 0.2, reps)
        params["unevenness"] = rng.uniform(-0.3, 0.3, reps)
        params["dwells"] = rng.uniform(0.05, 0.25, reps)
        params["pre_dwells"] = rng.uniform(0.05, 0.2, reps)
        params["return_factor"] = rng.uniform(1.8, 3.5, reps)
        params["return_lift"] = rng.uniform(0.25, 0.9, reps)
        params["return_bulge"] = rng.uniform(-0.06, 0.06, reps)
    elif block.pattern == "circle":
        params["radius"] = block.radius_fu if block.radius_fu is not None else rng.uniform(0.04, 0.11)
        params["rate"] = block.rate_hz if block.rate_hz is not None else rng.uniform(0.5, 1.5)
        params["count"] = block.count if block.count is not None else int(rng.integers(2, 7))
        params["direction"] = block.direction if block.direction is not None else str(rng.choice(["outward", "inward"]))
        params["phase0"] = rng.uniform(0, 2 * math.pi)
    elif block.pattern == "tap":
        params["rate"] = block.rate_hz if block.rate_hz is not None else rng.uniform(2.0, 8.0)
        default_count = int(max(4, round(params["rate"] * rng.uniform(1.2, 3.0))))
        params["count"] = block.count if block.count is not None else default_count
        angle = rng.uniform(0, 2 * math.pi)
        params["bob_dir"] = np.array([math.cos(angle), math.sin(angle)])
        params["bob_fu"] = rng.uniform(0.0, 0.04)
        params["lift_fu"] = rng.uniform(0.0, 0.08)
        params["finger_rad"] = math.radians(rng.uniform(8, 20))
    elif block.pattern == "knead":
        params["rate"] = block.rate_hz if block.rate_hz is not None else rng.uniform(0.5, 1.5)
        params["count"] = block.count if block.count is not None else int(rng.integers(3, 7))
        params["open_gap"] = rng.uniform(0.3, 0.45)
        params["closed_gap"] = rng.uniform(0.04, 0.1)
        angle = rng.uniform(0, 2 * math.pi)
        params["roll_dir"] = np.array([math.cos(angle), math.sin(angle)])
        params["roll_fu"] = rng.uniform(0.0, 0.05)
    elif block.pattern == "hold":
        params["duration"] = block.duration_s if block.duration_s is not None else rng.uniform(2.0, 6.0)
    else:
        raise ValueError(f"unknown pattern {block.pattern!r}")
    return params


def _mirror_params(params: dict[str, Any]) -> dict[str, Any]:
    mirrored = dict(params)
    for key in ("bob_dir", "roll_dir"):
        if key in mirrored:
            mirrored[key] = mirrored[key] * np.array([-1.0, 1.0])
    if "phase0" in mirrored:
        mirrored["phase0"] = math.pi - mirrored["phase0"]
    return mirrored


def _mirror_region(region: str) -> str:
    if region.startswith("left_"):
        return "right_" + region[5:]
    if region.startswith("right_"):
        return "left_" + region[6:]
    return region


def _hand_for(rng: np.random.Generator, block: Block) -> Handedness:
    if block.hand is not None:
        return block.hand
    side = side_of_region(block.region)
    if side is None:
        return "left" if rng.random() < 0.5 else "right"
    return side  # type: ignore[return-value]


def _place(scripter: _Scripter, block: Block, hand: Handedness) -> Any:
    """Where a block happens: glide geometry, or a base point (circle centre, tap/knead/hold spot)."""
    if block.pattern == "glide":
        return scripter.glide_path(block, hand)
    margin = 0.13 if block.pattern == "circle" else 0.07
    return scripter._random_point_in(block.region, margin=margin)


def _mirror_place(place: Any) -> Any:
    flip = np.array([-1.0, 1.0])
    if isinstance(place, tuple):
        start, end, bulge, direction = place
        return start * flip, end * flip, -bulge, direction
    return place * flip


def _run_block(scripter: _Scripter, block: Block) -> None:
    rng = scripter.rng
    hand = _hand_for(rng, block)
    params = _block_parameters(rng, block)
    place = _place(scripter, block, hand)
    performers: list[tuple[Handedness, Block, Any, dict[str, Any]]] = [(hand, block, place, params)]
    if block.both_hands:
        other: Handedness = "left" if hand == "right" else "right"
        mirrored_block = replace(block, region=_mirror_region(block.region), hand=other)
        mirrored_place = _mirror_place(place)
        if block.pattern == "glide" and block.region == mirrored_block.region and abs(place[0][0]) < 0.1:
            mirrored_place = place  # a midline glide cannot be mirrored onto itself sensibly
        performers.append((other, mirrored_block, mirrored_place, _mirror_params(params)))
    start_at = max(scripter.tracks[h].end_s for h, *_ in performers)
    for performer_hand, performer_block, performer_place, performer_params in performers:
        scripter.idle_until(performer_hand, start_at + rng.uniform(0.0, 0.1))
        method = getattr(scripter, performer_block.pattern)
        method(performer_block, performer_hand, performer_place, performer_params)
    # Both hands finish together-ish before whatever comes next.
    finish_at = max(scripter.tracks[h].end_s for h, *_ in performers)
    for performer_hand, *_ in performers:
        scripter.idle_until(performer_hand, finish_at)
        if block.leave_after or block.both_hands:
            scripter.leave(performer_hand)


def _performers(block: Block) -> set[str]:
    """Hands a block will use (a midline block without a set hand could use either: both count)."""
    if block.both_hands:
        return {"left", "right"}
    if block.hand is not None:
        return {block.hand}
    side = side_of_region(block.region)
    return {side} if side is not None else {"left", "right"}


def random_blocks(rng: np.random.Generator, count: int, both_hands_probability: float = 0.2,
                  leave_probability: float = 0.5) -> list[Block]:
    """A random routine covering every pattern: the patterns are dealt round-robin, shuffled."""
    patterns = ["glide", "circle", "tap", "knead", "hold"]
    order: list[str] = []
    while len(order) < count:
        batch = list(patterns) + ["glide"]
        rng.shuffle(batch)
        order.extend(batch)
    blocks = []
    for pattern in order[:count]:
        region = str(rng.choice(PATTERN_REGIONS[pattern]))
        reps = int(rng.integers(1, 5)) if pattern == "glide" else 1
        both = bool(rng.random() < both_hands_probability)
        side = side_of_region(region)
        hand: Handedness | None = side if side is not None else ("left" if rng.random() < 0.5 else "right")  # type: ignore[assignment]
        blocks.append(Block(pattern=pattern, region=region, hand=hand, reps=reps, both_hands=both,
                            leave_after=bool(rng.random() < leave_probability)))
    return blocks


# ---------------------------------------------------------------------------------------------
# Rendering the tracks into landmark frames


def _render(
    rng: np.random.Generator,
    spec: SessionSpec,
    scripter: _Scripter,
    duration_s: float,
) -> list[TrackedFrame]:
    width, height = spec.width, spec.height
    scale = spec.scale_px_per_fu if spec.scale_px_per_fu is not None else rng.uniform(85, 130)
    rest_distance = rng.uniform(5.0, 6.5)
    camera = _Camera(width, height, focal_px=scale * rest_distance, rest_distance_fu=rest_distance)
    reference = canonical_face()
    surface = scripter.surface
    head_centre_z = float(reference[:, 2].mean())
    hand_length = spec.hand_length_fu if spec.hand_length_fu is not None else rng.uniform(1.75, 2.05)
    shapes = {
        "left": _pointing_shape(rng, hand_length, index_and_middle=spec.contact == "index_middle"),
        "right": _pointing_shape(rng, hand_length, index_and_middle=spec.contact == "index_middle"),
    }
    unit = hand_length / _TEMPLATE_UNITS_PER_HAND_LENGTH

    # Frame times: nominal rate, small jitter, an odd dropped frame.
    period = 1.0 / spec.fps
    nominal = np.arange(0.0, duration_s, period)
    keep = np.ones(len(nominal), dtype=bool)
    if spec.frame_drops:
        keep &= rng.random(len(nominal)) > 0.01
        nominal = nominal + rng.normal(0.0, 0.002, len(nominal))
    times = np.sort(nominal[keep])
    times = times - times[0] + 1e-3
    count = len(times)

    motion = spec.head_motion
    # Peaks of about ±8° roll, ±16° yaw, ±10° pitch: the turning and nodding of someone watching a
    # screen while massaging, within what the face frame is built for.
    roll = _smooth_signal(rng, times, math.radians(6) * motion, max_hz=0.25)
    yaw = _smooth_signal(rng, times, math.radians(11) * motion, max_hz=0.25)
    pitch = _smooth_signal(rng, times, math.radians(7) * motion, max_hz=0.25)
    distance = rest_distance * (1.0 + _smooth_signal(rng, times, 0.12 * motion, max_hz=0.15))
    shift_x = _smooth_signal(rng, times, 0.4 * motion, max_hz=0.2)
    shift_y = _smooth_signal(rng, times, 0.25 * motion, max_hz=0.2) + rng.uniform(0.4, 0.9)  # face above the centre

    face_drift = _ar1_noise(rng, count, (2,), 0.4 * spec.face_jitter_px / 0.6, tau_frames=8)
    hand_drift = {h: _ar1_noise(rng, count, (2,), 0.9 * spec.hand_jitter_px / 1.3, tau_frames=5) for h in ("left", "right")}
    hand_scale_wobble = {h: _ar1_noise(rng, count, (), 0.015, tau_frames=6) for h in ("left", "right")}
    finger_roll = {h: _smooth_signal(rng, times, math.radians(12), max_hz=0.3) for h in ("left", "right")}
    base_roll = {"left": -math.radians(rng.uniform(0, 35)), "right": math.radians(rng.uniform(0, 35))}

    frames: list[TrackedFrame] = []
    dropout_left = 0
    for index, t in enumerate(times):
        rotation = _rotation(roll[index], yaw[index], pitch[index])
        translation = np.array([shift_x[index], shift_y[index], 0.0])
        face_cam = reference @ rotation.T + translation
        face_px = _project(camera, face_cam, distance[index])
        face_px = face_px + face_drift[index] + rng.normal(0.0, spec.face_jitter_px, face_px.shape)
        pixel_scale = camera.focal_px / distance[index]
        face_z = -(face_cam[:, 2] - head_centre_z) * pixel_scale / width

        hands: list[HandLandmarks] = []
        covering = False
        for hand in ("left", "right"):
            state = scripter.tracks[hand].state(float(t))
            if state is None or not state.visible:
                continue
            xy = state.xy_fu
            skin_z = float(surface.depth_at(xy[None])[0])
            contact = np.array([xy[0], xy[1], skin_z + max(state.lift_fu, 0.0)])
            finger_angle = base_roll[hand] + finger_roll[hand][index]
            finger_dir = np.array([math.sin(finger_angle), math.cos(finger_angle)])
            basis = _hand_basis(finger_dir, shapes[hand].dive_rad, hand)  # type: ignore[arg-type]
            local = _hand_local_points(shapes[hand], state.pinch_gap_fu, unit)
            # The resting fingertip (or the point between two fingertips) touches the contact point.
            anchor = (local[8] + local[12]) / 2 if spec.contact == "index_middle" else local[8]
            if state.finger_lift_rad:
                local = _hand_local_points(shapes[hand], state.pinch_gap_fu, unit, state.finger_lift_rad)
            wobble = 1.0 + hand_scale_wobble[hand][index]
            hand_fu = contact + (local - anchor) @ basis * unit * wobble
            hand_cam = hand_fu @ rotation.T + translation
            hand_px = _project(camera, hand_cam, distance[index])
            inside = (hand_px[:, 0] >= 0) & (hand_px[:, 0] < width) & (hand_px[:, 1] >= 0) & (hand_px[:, 1] < height)
            if inside.mean() < 0.6:
                continue  # mostly out of the frame: MediaPipe would not report it
            if spec.hand_misses and rng.random() < 0.01:
                continue
            hand_px = hand_px + hand_drift[hand][index] + rng.normal(0.0, spec.hand_jitter_px, hand_px.shape)
            hand_z = -(hand_cam[:, 2] - hand_cam[0, 2]) * pixel_scale / width
            hand_z = hand_z + rng.normal(0.0, 1.5 * spec.hand_jitter_px / width, hand_z.shape)  # depth is noisier
            points_norm = np.column_stack([hand_px[:, 0] / width, hand_px[:, 1] / height, hand_z])
            hands.append(HandLandmarks(hand, float(rng.uniform(0.9, 0.99)), points_norm))  # type: ignore[arg-type]
            if state.lift_fu < 0.3 and abs(xy[0]) < 0.6 and -0.9 < xy[1] < 0.4:
                covering = True
                # Face Mesh drifts under a covering finger.
                near = np.linalg.norm(reference[:, :2] - xy, axis=1) < 0.25
                face_px[near] += rng.normal(0.0, 1.5, 2)

        face: FaceLandmarks | None = FaceLandmarks(np.column_stack([face_px[:, 0] / width, face_px[:, 1] / height, face_z]))
        if spec.face_dropouts:
            if dropout_left == 0 and covering and rng.random() < 0.02:
                dropout_left = int(rng.integers(2, 12))
            if dropout_left > 0:
                face = None
                dropout_left -= 1
        frames.append(TrackedFrame(index=index, timestamp_s=float(t), width=width, height=height,
                                   face=face, hands=tuple(hands), faces_seen=0 if face is None else 1))
    return frames


def generate_scripted(
    blocks: Sequence[Block], seed: int = 0, spec: SessionSpec | None = None
) -> tuple[list[TrackedFrame], list[LabelledStroke], SessionInfo]:
    """A session performing exactly ``blocks`` in order (random where a block leaves values open)."""
    spec = spec or SessionSpec()
    rng = np.random.default_rng(seed)
    regions = FaceRegions()
    surface = FaceSurface(np.asarray(canonical_face(), dtype=float))
    scripter = _Scripter(rng, regions, surface)
    for hand in ("left", "right"):
        scripter.idle_until(hand, spec.lead_in_s)  # type: ignore[arg-type]
    for number, block in enumerate(blocks):
        # A hand that is not needed next does not linger on the face (that would be an unlabelled hold).
        performers = _performers(block)
        for hand in ("left", "right"):
            if scripter.on_face[hand] and hand not in performers and block.hand is not None:  # type: ignore[index]
                scripter.leave(hand)  # type: ignore[arg-type]
        _run_block(scripter, block)
        next_block = blocks[number + 1] if number + 1 < len(blocks) else None
        next_performers = _performers(next_block) if next_block is not None else set()
        for hand in ("left", "right"):
            if scripter.on_face[hand] and hand not in next_performers:  # type: ignore[index]
                scripter.leave(hand)  # type: ignore[arg-type]
        if spec.hover_probability > 0 and rng.random() < spec.hover_probability and number < len(blocks) - 1:
            hover_hand: Handedness = "left" if rng.random() < 0.5 else "right"
            scripter.idle_until(hover_hand, max(t.end_s for t in scripter.tracks.values()))
            if scripter.on_face[hover_hand]:
                scripter.leave(hover_hand)
            scripter.hover(hover_hand)
        latest = max(t.end_s for t in scripter.tracks.values())
        for hand in ("left", "right"):
            scripter.idle_until(hand, latest)  # type: ignore[arg-type]
    for hand in ("left", "right"):
        if scripter.on_face[hand]:  # type: ignore[index]
            scripter.leave(hand)  # type: ignore[arg-type]
    duration = max(t.end_s for t in scripter.tracks.values()) + spec.tail_s
    frames = _render(rng, spec, scripter, duration)
    if spec.tracker_smoothing:
        frames = _smooth_like_tracker(frames)
    with_rests, ambiguous_rests = scripter.rest_labels()
    scripted = sorted(with_rests, key=lambda label: (label.start_s, label.hand))
    labels = [label for label in scripted if _seen_share(frames, label) >= 0.8]
    info = SessionInfo(seed=seed, width=spec.width, height=spec.height, fps=spec.fps,
                       duration_s=frames[-1].timestamp_s if frames else 0.0, frames=len(frames),
                       unseen=tuple(label for label in scripted if label not in labels) + tuple(ambiguous_rests))
    return frames, labels, info


def _smooth_like_tracker(frames: list[TrackedFrame]) -> list[TrackedFrame]:
    """The Tracker's own smoothing (coach.perception.smoothing), applied the way it applies it."""
    from coach.perception.smoothing import smooth_tracked_frames

    return smooth_tracked_frames(frames)

def _seen_share(frames: Sequence[TrackedFrame], label: LabelledStroke) -> float:
    """Share of a stroke's frames in which its hand is in view (a hand low on the neck may not be)."""
    during = [frame for frame in frames if label.start_s <= frame.timestamp_s <= label.end_s]
    if not during:
        return 0.0
    return sum(frame.hand(label.hand) is not None for frame in during) / len(during)


def generate_session(
    seed: int, spec: SessionSpec | None = None
) -> tuple[list[TrackedFrame], list[LabelledStroke], SessionInfo]:
    """A random routine (every pattern, random regions, directions, speeds and rates) for one seed."""
    spec = spec or SessionSpec()
    rng = np.random.default_rng(seed + 7_000_000)
    blocks = random_blocks(rng, spec.blocks, spec.both_hands_probability, spec.leave_probability)
    return generate_scripted(blocks, seed, spec)


# ---------------------------------------------------------------------------------------------
# Files


def labels_path_for(recording_path: str | Path) -> Path:
    """``session.jsonl.gz`` → ``session.labels.json`` beside it."""
    path = Path(recording_path)
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(name + LABELS_SUFFIX)


def write_session(
    recording_path: str | Path,
    frames: Sequence[TrackedFrame],
    labels: Sequence[LabelledStroke],
    info: SessionInfo,
) -> Path:
    """Write a coach-landmarks recording and its labels JSON beside it; returns the labels path."""
    from coach.recording import RecordingWriter

    recording_path = Path(recording_path)
    with RecordingWriter(recording_path, info.width, info.height, info.fps, **info.header_extra()) as writer:
        for frame in frames:
            writer.write(frame)
    labels_path = labels_path_for(recording_path)
    document = {
        "format": "coach-synthetic-labels",
        "version": 1,
        "recording": recording_path.name,
        "seed": info.seed,
        "note": "synthetic landmarks generated by coach.synthetic; strokes are the scripted truth",
        "strokes": [label.to_json_dict() for label in labels],
    }
    labels_path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return labels_path


def read_labels(labels_path: str | Path) -> list[LabelledStroke]:
    data = json.loads(Path(labels_path).read_text(encoding="utf-8"))
    return [LabelledStroke.from_json_dict(item) for item in data["strokes"]]


def write_generated_session(recording_path: str | Path, seed: int, spec: SessionSpec | None = None) -> Path:
    """Generate the session for ``seed`` and write recording + labels; returns the labels path."""
    frames, labels, info = generate_session(seed, spec)
    return write_session(recording_path, frames, labels, info)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m coach.synthetic OUT.jsonl.gz [--seed N]``: write one labelled synthetic recording."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=BENCHMARK_SEEDS[0])
    parser.add_argument("--blocks", type=int, default=SessionSpec().blocks)
    arguments = parser.parse_args(argv)
    labels_path = write_generated_session(arguments.output, arguments.seed, SessionSpec(blocks=arguments.blocks))
    logging_message = f"wrote {arguments.output} and {labels_path}"
    import sys

    sys.stdout.write(logging_message + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
