"""Small typed containers passed between the stages of the pipeline.

They carry no Qt and no MediaPipe objects so that every stage can be tested, recorded and
replayed on its own. Arrays are numpy; coordinates say their unit in their name:
``*_px`` image pixels, ``*_norm`` MediaPipe's normalised image coordinates, ``*_fu`` face units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from coach.geometry.face_frame import FacePose

Handedness = Literal["left", "right"]
"""The subject's own hand, whatever the mirroring of the image."""

Pattern = Literal["glide", "circle", "tap", "knead", "hold"]
PATTERNS: tuple[str, ...] = ("glide", "circle", "tap", "knead", "hold")

GLIDE_DIRECTIONS: tuple[str, ...] = ("up", "down", "in", "out", "up-out", "up-in", "down-out", "down-in")
CIRCLE_DIRECTIONS: tuple[str, ...] = ("outward", "inward")

REGION_NAMES: tuple[str, ...] = (
    "forehead",
    "left_brow",
    "right_brow",
    "left_temple",
    "right_temple",
    "left_under_eye",
    "right_under_eye",
    "nose",
    "left_cheek",
    "right_cheek",
    "upper_lip",
    "chin",
    "left_jaw",
    "right_jaw",
    "left_neck",
    "right_neck",
)

# MediaPipe landmark indices used across stages.
LEFT_EYE_OUTER = 263  # subject's left outer eye corner
RIGHT_EYE_OUTER = 33  # subject's right outer eye corner
HAND_WRIST = 0
HAND_THUMB_TIP = 4
HAND_INDEX_MCP = 5
HAND_INDEX_PIP = 6
HAND_INDEX_DIP = 7
HAND_INDEX_TIP = 8
HAND_MIDDLE_MCP = 9
HAND_MIDDLE_TIP = 12
HAND_PINKY_MCP = 17


@dataclass(frozen=True)
class Frame:
    """One image from a source, with the time it was captured (or presented, for a file)."""

    index: int
    timestamp_s: float
    image: np.ndarray  # H×W×3 uint8, BGR (OpenCV order)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class FaceLandmarks:
    """Face Mesh points exactly as MediaPipe gives them: x, y normalised to the image, z relative depth."""

    points_norm: np.ndarray  # N×3 float, N = 478 (refined) or 468

    def points_px(self, width: int, height: int) -> np.ndarray:
        """N×2 pixel coordinates."""
        return self.points_norm[:, :2] * np.array([width, height], dtype=float)


@dataclass(frozen=True)
class HandLandmarks:
    """One hand: 21 points as MediaPipe gives them, labelled with the subject's own hand."""

    handedness: Handedness
    score: float
    points_norm: np.ndarray  # 21×3 float

    def points_px(self, width: int, height: int) -> np.ndarray:
        """21×2 pixel coordinates."""
        return self.points_norm[:, :2] * np.array([width, height], dtype=float)


@dataclass(frozen=True)
class TrackedFrame:
    """What the tracker (or a landmark recording) says about one frame.

    ``image`` is present when the frame came from pixels and absent when it came from a recording,
    so everything downstream must work without it.
    """

    index: int
    timestamp_s: float
    width: int
    height: int
    face: FaceLandmarks | None
    hands: tuple[HandLandmarks, ...] = ()
    image: np.ndarray | None = field(default=None, repr=False, compare=False)
    faces_seen: int = 0  # how many faces the detector saw (the subject is the largest)
    # The head's image motion since the frame before, read from the face's skin around a hand that
    # overlaps it (2×3 similarity, pixels; coach.perception.face_motion); None when not measured.
    face_motion: np.ndarray | None = field(default=None, repr=False, compare=False)

    def hand(self, handedness: Handedness) -> HandLandmarks | None:
        for hand in self.hands:
            if hand.handedness == handedness:
                return hand
        return None


@dataclass(frozen=True)
class Stroke:
    """One massage stroke (or one run of repeated circles/taps/kneads) in face units.

    ``path_fu`` and ``times_s`` keep the contact-point samples so that reports and the overlay
    can draw the stroke as it was made.
    """

    start_s: float
    end_s: float
    hand: Handedness
    region: str | None
    pattern: str  # one of PATTERNS
    direction: str | None  # GLIDE_DIRECTIONS for glides, CIRCLE_DIRECTIONS for circles, else None
    speed_fu_s: float | None  # mean speed along the path (glides); None for others
    count: int  # 1 for glide/hold; number of circles/taps/kneads otherwise
    rate_hz: float | None  # repetitions per second for circle/tap/knead
    path_fu: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros((0, 2)))
    times_s: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros((0,)))
    regularity: float = 1.0  # 0..1, how even the repetitions (or the glide's speed) were
    confidence: float = 1.0  # 0..1, how sure the engine is of what it reports (below ~0.6: unsure, no corrections)
    reported_s: float | None = None  # clip time of the frame at which the engine emitted this event
    stroke_id: int = 0  # the same for every event of one stroke (a run's progress events and its close)
    final: bool = True  # False for a progress event of a run or hold that is still going
    withdrawn: bool = False  # the engine takes back an earlier event of this stroke_id (it was the start of a run)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class StrokeScore:
    """How one stroke compares with the step it was matched to."""

    step_index: int | None
    total: float | None  # 0..100, None when there is no technique
    parts: dict[str, float] = field(default_factory=dict)  # region, pattern, direction, speed, regularity
    corrections: tuple[str, ...] = ()  # at most two short phrases, most important first
    counted: bool = False  # whether it counted as a repetition of the step
    sure: bool = True  # False when the engine was unsure of the stroke: then no corrections are given


@dataclass(frozen=True)
class ScoredStroke:
    stroke: Stroke
    score: StrokeScore


@dataclass(frozen=True)
class StepProgress:
    """What the user should be doing now, for the overlay and the status line."""

    technique: str
    step_index: int
    step_count: int
    step_name: str
    instruction: str
    side: Handedness | None  # which side of the face the current repetition is on
    region: str
    pattern: str
    direction: str | None
    reps_done: int
    reps_wanted: int
    target_path_fu: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros((0, 2)))
    target_speed_fu_s: float | None = None  # glide: speed of the ghost along the path
    target_rate_hz: float | None = None  # circle/tap/knead: tempo of the ghost and the metronome
    finished: bool = False
    # Steps measured in time (duration_s) rather than reps: seconds of matching strokes done and
    # wanted on this side; reps_done/reps_wanted then hold the same in whole seconds. None otherwise.
    seconds_done: float | None = None
    seconds_wanted: float | None = None


@dataclass(frozen=True)
class ContactPoint:
    """Where one hand's working fingertip (or tool edge) is, this frame."""

    hand: Handedness
    point_px: np.ndarray  # 2, image pixels
    point_fu: np.ndarray | None  # 2, face units; None without a face
    on_face: bool  # judged to be touching the skin


@dataclass(frozen=True)
class FrameResult:
    """Everything the overlay, the status line and the sinks need for one processed frame."""

    tracked: TrackedFrame
    pose: "FacePose | None"
    contacts: tuple[ContactPoint, ...] = ()
    trails_fu: dict[str, np.ndarray] = field(default_factory=dict)  # hand → recent K×2 contact path
    new_strokes: tuple[ScoredStroke, ...] = ()  # strokes that ended at this frame
    last_stroke: ScoredStroke | None = None  # most recent stroke so far (for feedback display)
    progress: StepProgress | None = None  # None without a technique
    status: str = ""  # one short message for the user when tracking is poor, else ""
    processing_ms: float = 0.0
