"""The fixed direction vocabulary, shared by the stroke engine (which labels strokes) and the
technique library (which names targets), so that both sides of a comparison use one definition.

The face frame (see coach.geometry): x and y in face units, **+x toward the subject's own left**,
**+y up** toward the forehead, origin on the midline between the eyes. Drawn with +x to the right
and +y up, the face frame looks like an unmirrored camera image of the subject (the subject's left
is on the viewer's right); a mirrored selfie view flips left and right, and with them clockwise and
counter-clockwise.

"Out" always means away from the face midline: +x on the subject's left half (x > 0), −x on the
right half (x < 0). Words therefore mean the same movement of the hand on both halves, which is
how massage instructions are written ("stroke up and out along the cheekbone").
"""

from __future__ import annotations

import math

import numpy as np

from coach.types import CIRCLE_DIRECTIONS

# Glide directions in counter-clockwise order of their angle in the (out, up) plane, 45° apart,
# starting at "out" = 0°. Index × 45° is the centre of each sector.
GLIDE_DIRECTION_RING: tuple[str, ...] = ("out", "up-out", "up", "up-in", "in", "down-in", "down", "down-out")

# Below this |x| (FU) a point is taken to be on the midline.
MIDLINE_TOLERANCE_FU = 1e-9

# Plain-language forms, for corrections and for printing a routine.
GLIDE_DIRECTION_WORDS: dict[str, str] = {
    "up": "upward",
    "down": "downward",
    "in": "inward",
    "out": "outward",
    "up-out": "upward and outward",
    "up-in": "upward and inward",
    "down-out": "downward and outward",
    "down-in": "downward and inward",
}


def outward_sign(side_x: float) -> float:
    """+1 where "out" is +x (subject's left half, and exactly on the midline by convention), else −1.

    The midline convention only matters for drawing a target on a midline region; glide_direction
    handles strokes that straddle the midline by itself.
    """
    return 1.0 if side_x >= 0.0 else -1.0


def glide_direction(start_fu: np.ndarray, end_fu: np.ndarray, side_x: float | None = None) -> str:
    """The 45° sector of the start→end displacement, in the fixed vocabulary.

    The horizontal part of the displacement is read as "out" or "in" relative to the half of the face
    the glide is on. That half is taken from ``side_x`` when given (e.g. the x of the stroke's
    region), otherwise from the x of the glide's midpoint. Using the midpoint makes "out" exactly
    "|x| grows along the glide", so a glide that starts on the midline and travels sideways is "out"
    whichever way it goes, and one that ends on the midline is "in". A glide whose midpoint is on the
    midline (a symmetric sweep across it) has no inward half, so its horizontal travel counts as "out".

    Sectors are centred on the eight directions: "out" covers (−22.5°, 22.5°] in the (out, up) plane,
    "up-out" (22.5°, 67.5°], and so on counter-clockwise. Raises ValueError for a zero displacement,
    which has no direction.
    """
    angle_deg = _outward_angle_deg(start_fu, end_fu, side_x)
    # Shift by half a sector so that each sector's upper boundary belongs to it, then bin.
    sector = math.ceil((angle_deg - 22.5) / 45.0) % 8
    return GLIDE_DIRECTION_RING[sector]


def direction_margin_deg(start_fu: np.ndarray, end_fu: np.ndarray, side_x: float | None = None) -> float:
    """How far, in degrees, the start→end displacement lies from the nearest sector boundary of
    ``glide_direction`` (0 on a boundary, 22.5 at a sector's centre). Raises ValueError as it does."""
    offset = (_outward_angle_deg(start_fu, end_fu, side_x) - 22.5) % 45.0
    return min(offset, 45.0 - offset)


def _outward_angle_deg(start_fu: np.ndarray, end_fu: np.ndarray, side_x: float | None) -> float:
    """The displacement's angle in the (out, up) plane of the half of the face it is on (see glide_direction)."""
    start = np.asarray(start_fu, dtype=float).reshape(2)
    end = np.asarray(end_fu, dtype=float).reshape(2)
    dx, dy = end - start
    if dx == 0.0 and dy == 0.0:
        raise ValueError("a glide with no displacement has no direction")
    reference_x = float((start[0] + end[0]) / 2.0) if side_x is None else float(side_x)
    if abs(reference_x) <= MIDLINE_TOLERANCE_FU:
        outward = abs(dx)
    else:
        outward = dx * outward_sign(reference_x)
    return math.degrees(math.atan2(dy, outward))


def glide_direction_vector(direction: str, side_x: float) -> np.ndarray:
    """Unit vector in the face frame for a glide direction on the half of the face at ``side_x``."""
    index = _ring_index(direction)
    angle = math.radians(45.0 * index)
    return np.array([math.cos(angle) * outward_sign(side_x), math.sin(angle)])


def direction_sector_distance(first: str, second: str) -> int:
    """How many 45° sectors apart two glide directions are: 0 same, 1 adjacent, 4 opposite."""
    difference = abs(_ring_index(first) - _ring_index(second)) % 8
    return min(difference, 8 - difference)


def circle_direction(clockwise_in_face_frame: bool, side_x: float) -> str:
    """"outward" when the upper half of the circle moves away from the midline, else "inward".

    ``clockwise_in_face_frame`` is the rotation sense in the face frame with +x to the subject's
    left and +y up, i.e. clockwise as seen on an unmirrored camera image (counter-clockwise as the
    subject sees it in a mirror). Clockwise, the top of a circle moves toward +x, so:

    - left half (side_x > 0, out = +x): clockwise is "outward", counter-clockwise "inward";
    - right half (side_x < 0, out = −x): counter-clockwise is "outward", clockwise "inward";
    - exactly on the midline, the subject's left half is used (clockwise is "outward").

    ``side_x`` is the x of the circle's centre in FU.
    """
    top_moves_toward_plus_x = bool(clockwise_in_face_frame)
    moves_out = top_moves_toward_plus_x == (outward_sign(side_x) > 0)
    return "outward" if moves_out else "inward"


def circle_is_clockwise(direction: str, side_x: float) -> bool:
    """Inverse of circle_direction: the face-frame rotation sense that draws ``direction`` at ``side_x``."""
    if direction not in CIRCLE_DIRECTIONS:
        raise ValueError(f"unknown circle direction {direction!r}; expected one of {', '.join(CIRCLE_DIRECTIONS)}")
    return (direction == "outward") == (outward_sign(side_x) > 0)


def _ring_index(direction: str) -> int:
    try:
        return GLIDE_DIRECTION_RING.index(direction)
    except ValueError:
        raise ValueError(
            f"unknown glide direction {direction!r}; expected one of {', '.join(GLIDE_DIRECTION_RING)}"
        ) from None
