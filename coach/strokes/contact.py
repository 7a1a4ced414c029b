"""The working point of a hand, and the hand measurements the on-face test reads.

A fingertip landmark has no absolute depth (MediaPipe's hand z is relative to the wrist), so
whether the finger touches the skin has to be read from cues a single camera gives: the contact
point lying on the face, and the hand's apparent size in face units — a hand lifted toward the
camera looks larger than one resting at the face's own depth.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from coach.strokes.signals import median
from coach.types import (
    HAND_INDEX_DIP,
    HAND_INDEX_MCP,
    HAND_INDEX_PIP,
    HAND_INDEX_TIP,
    HAND_MIDDLE_MCP,
    HAND_MIDDLE_TIP,
    HAND_PINKY_MCP,
    HAND_THUMB_TIP,
    HAND_WRIST,
    HandLandmarks,
)

ContactMode = Literal["index", "index_middle", "tool"]
CONTACT_MODES: tuple[str, ...] = ("index", "index_middle", "tool")

DEFAULT_TOOL_OFFSET: tuple[float, float] = (2.2, 0.25)
"""Tool edge in hand-size units from the wrist: along the fingers, toward the thumb side.

About a third of a hand length beyond the index fingertip, where a roller or a gua sha edge held
between thumb and fingers meets the skin. Calibration replaces it with the user's own."""

MIDDLE_APART_PALMS = 0.5
"""Index-to-middle fingertip distance, in palm sizes, beyond which the middle finger is not working.

Two fingers held together for a two-finger stroke keep their tips about a fifth of a palm apart;
a curled middle finger (someone pointing with one finger) puts its tip near the palm, most of a
palm away from the index tip, and averaging the two would put the contact point in mid-air."""


def _length(vector: np.ndarray) -> float:
    """np.linalg.norm of a vector by its own arithmetic (the root of the dot product), without its
    dispatch: four of these per hand per frame cost more than the rest of measure_hand."""
    return float(np.sqrt(vector.dot(vector)))


def palm_size_px(points_px: np.ndarray) -> float:
    """Apparent hand size in pixels, steady under the hand's own tilt.

    Wrist → middle knuckle shortens when the fingers point into the image, knuckle width when the
    hand turns edge-on; combining the two (knuckle width ≈ 0.6 of the palm length) keeps the
    measure close to constant for one hand at one depth.
    """
    length = _length(points_px[HAND_MIDDLE_MCP] - points_px[HAND_WRIST])
    width = _length(points_px[HAND_PINKY_MCP] - points_px[HAND_INDEX_MCP]) / 0.6
    return float(np.sqrt((length**2 + width**2) / 2.0))


def hand_axes_px(points_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors in the image: along the fingers (wrist → middle knuckle) and across toward the thumb."""
    along = points_px[HAND_MIDDLE_MCP] - points_px[HAND_WRIST]
    along = along / max(_length(along), 1e-9)
    across = np.array([-along[1], along[0]])
    if np.dot(points_px[HAND_INDEX_MCP] - points_px[HAND_PINKY_MCP], across) < 0:
        across = -across
    return along, across


def middle_finger_working(points_px: np.ndarray) -> bool:
    """Whether the middle fingertip is beside the index fingertip (both fingers on the skin)."""
    gap = _length(points_px[HAND_MIDDLE_TIP] - points_px[HAND_INDEX_TIP])
    return gap <= MIDDLE_APART_PALMS * palm_size_px(points_px)


def contact_point_px(
    points_px: np.ndarray, mode: str = "index", tool_offset: tuple[float, float] | None = None
) -> np.ndarray:
    """Image position of the hand's working point for the technique's contact mode.

    In "index_middle" mode a curled middle finger falls back to the index fingertip alone: people
    often point with one finger whatever the technique asks, and that finger is what touches.
    """
    if mode == "index":
        return points_px[HAND_INDEX_TIP].copy()
    if mode == "index_middle":
        if not middle_finger_working(points_px):
            return points_px[HAND_INDEX_TIP].copy()
        return (points_px[HAND_INDEX_TIP] + points_px[HAND_MIDDLE_TIP]) / 2.0
    if mode == "tool":
        along_units, across_units = tool_offset if tool_offset is not None else DEFAULT_TOOL_OFFSET
        along, across = hand_axes_px(points_px)
        size = _length(points_px[HAND_MIDDLE_MCP] - points_px[HAND_WRIST])
        return points_px[HAND_WRIST] + size * (along_units * along + across_units * across)
    raise ValueError(f"unknown contact mode {mode!r}; expected one of {', '.join(CONTACT_MODES)}")


FOLDED_FINGER_SHARE = 0.5
"""The index finger's outer part (middle knuckle → fingertip) seen at under this share of its usual
length beside its first bone: MediaPipe has folded the finger in on itself, not the user.

A finger does not shrink. When a hand covers the eye (under-eye and forehead work), MediaPipe
sometimes pulls the last two finger landmarks back toward the middle knuckle for several frames
while the rest of the hand stays put: the fingertip then jumps 2-3 cm and back, which reads as a
glide the other way. The measure is a ratio of lengths within one finger, so it does not change
with the hand's distance or tilt along the finger's plane; a finger curled to press with its tip
keeps its own (smaller) usual ratio, learnt per hand."""

FINGER_RATIO_HISTORY = 90  # samples (~3 s) of a hand's finger proportions its usual ratio is the median of
FINGER_RATIO_MIN_SAMPLES = 15  # ...and at least this many (half a second) before a fold is judged
FOLDED_CARRY_S = 0.5  # a fold is bridged with the tip's last trusted place on the finger for this long at most; a longer one is the user's own posture


class FingertipKeeper:
    """One hand's index fingertip, with MediaPipe's folded-finger frames bridged (see FOLDED_FINGER_SHARE).

    While the finger is folded, the tip is put where it last was relative to the finger's first
    bone (knuckle → middle knuckle, which MediaPipe still tracks well then): a finger gliding on
    the skin keeps its shape.
    """

    def __init__(self) -> None:
        self._ratios: deque[float] = deque(maxlen=FINGER_RATIO_HISTORY)
        self._usual: float | None = None  # median of _ratios once there are enough
        self._offset: tuple[float, float] | None = None  # tip − knuckle along and across the first bone, in its lengths
        self._offset_s = 0.0

    def tip_px(self, points_px: np.ndarray, time_s: float) -> np.ndarray:
        """The fingertip's image position in this frame (the landmark itself unless the finger is folded)."""
        knuckle, middle, outer, tip = points_px[HAND_INDEX_MCP], points_px[HAND_INDEX_PIP], points_px[HAND_INDEX_DIP], points_px[HAND_INDEX_TIP]
        bone = middle - knuckle
        near_squared = float(bone.dot(bone))
        if near_squared < 1e-12:
            return tip.copy()
        ratio = (_length(outer - middle) + _length(tip - outer)) / math.sqrt(near_squared)
        folded = self._usual is not None and ratio < FOLDED_FINGER_SHARE * self._usual
        if folded and self._offset is not None and time_s - self._offset_s <= FOLDED_CARRY_S:
            along, across = self._offset
            return knuckle + along * bone + across * np.array([-bone[1], bone[0]])
        # Not folded, or folded for longer than a glitch lasts: then it is how the user now holds
        # the finger, and the usual ratio learns it (a curled fingertip press after straight glides).
        self._ratios.append(ratio)
        if len(self._ratios) >= FINGER_RATIO_MIN_SAMPLES:
            self._usual = float(median(np.fromiter(self._ratios, float, len(self._ratios))))
        if not folded:
            relative = tip - knuckle
            self._offset = (float(relative.dot(bone)) / near_squared,
                            float(relative[1] * bone[0] - relative[0] * bone[1]) / near_squared)
            self._offset_s = time_s
        return tip.copy()


@dataclass(frozen=True)
class HandMeasure:
    """One hand in one frame, in pixels: working point, apparent size, thumb-to-index gap."""

    contact_px: np.ndarray
    size_px: float
    pinch_px: float  # thumb tip to index tip
    tip_depth_px: float  # working fingertip's depth relative to its knuckle (MediaPipe z × width); < 0 nearer the camera


def measure_hand(hand: HandLandmarks, width: int, height: int, mode: str = "index",
                 tool_offset: tuple[float, float] | None = None, keeper: FingertipKeeper | None = None,
                 time_s: float = 0.0) -> HandMeasure:
    """The hand's measures; with a ``keeper`` (one per hand, kept across frames), an index contact
    point bridges MediaPipe's folded-finger frames."""
    points = hand.points_px(width, height)
    depth = hand.points_norm[:, 2] * width
    if mode == "index_middle" and middle_finger_working(points):
        tip_depth = (depth[HAND_INDEX_TIP] + depth[HAND_MIDDLE_TIP] - depth[HAND_INDEX_MCP] - depth[HAND_MIDDLE_MCP]) / 2.0
    else:
        tip_depth = depth[HAND_INDEX_TIP] - depth[HAND_INDEX_MCP]
    contact = keeper.tip_px(points, time_s) if (keeper is not None and mode == "index") else contact_point_px(points, mode, tool_offset)
    return HandMeasure(
        contact_px=contact,
        size_px=palm_size_px(points),
        pinch_px=_length(points[HAND_THUMB_TIP] - points[HAND_INDEX_TIP]),
        tip_depth_px=float(tip_depth),
    )
