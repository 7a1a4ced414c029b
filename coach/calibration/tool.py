"""Where a held tool touches the skin, relative to the hand that holds it.

A gua sha stone or a jade roller touches the face some way from the fingertips, and the tracker
sees only the hand. Calibration measures that offset once, in the hand's own frame, so that it
follows the hand as it turns and as it comes nearer or farther from the camera. The frame is the
stroke engine's (coach.strokes.contact), so that the offset calibration stores is exactly the one
the engine applies:

- origin: the wrist (hand landmark 0);
- ``along``: unit vector from the wrist to the middle-finger knuckle (9), the direction of the fingers;
- ``across``: perpendicular to it, toward the thumb side (where the index knuckle lies relative to
  the little-finger knuckle), so it means the same on either hand;
- unit length: the hand size, wrist to middle knuckle, which bending the fingers round a tool
  does not change.

``tool_offset = (a, c)`` puts the tool contact at ``wrist + size · (a · along + c · across)``.
"""

from __future__ import annotations

import numpy as np

from coach.strokes.contact import contact_point_px, hand_axes_px
from coach.types import HAND_MIDDLE_MCP, HAND_WRIST

MIN_HAND_SIZE_PX = 4.0  # below this the hand is too small (or foreshortened) to measure an offset


def tool_offset_from(points_px: np.ndarray, contact_px: np.ndarray) -> tuple[float, float] | None:
    """The tool offset that puts the contact at ``contact_px`` for this 21-point hand (None if unmeasurable)."""
    points_px = np.asarray(points_px, dtype=float)[:, :2]
    size = float(np.linalg.norm(points_px[HAND_MIDDLE_MCP] - points_px[HAND_WRIST]))
    if size < MIN_HAND_SIZE_PX:
        return None
    along, across = hand_axes_px(points_px)
    relative = np.asarray(contact_px, dtype=float).reshape(2) - points_px[HAND_WRIST]
    return float(relative @ along) / size, float(relative @ across) / size


def tool_contact_px(points_px: np.ndarray, tool_offset: tuple[float, float] | None) -> np.ndarray:
    """Where the held tool touches, in pixels, as the stroke engine computes it."""
    return contact_point_px(np.asarray(points_px, dtype=float)[:, :2], "tool", tool_offset)
