"""What lies under a hand in the image: its landmarks' convex hull as half-planes.

Used by the tracker (whether a hand covers enough of the face to read the head's motion round it)
and by the stroke engine (whether Face Mesh's fit is read through a hand). OpenCV's hull, from
mediapipe's own cv2: SciPy's Qhull cost a fifth of a second to import at start-up.
"""

from __future__ import annotations

import cv2
import numpy as np

from coach.types import HAND_MIDDLE_MCP, HAND_WRIST

HAND_WIDTH_PALMS = 0.2
"""A hand's landmarks run along the middle of each finger, and fingers have a width: what lies this
many palm lengths (wrist to middle knuckle) outside their hull is still under the hand."""


def hull_half_planes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The convex hull of 2-D points as half-planes: unit outward normals n and offsets c, a point
    p inside where n·p + c ≤ 0 for every edge (None when the points lie on a line)."""
    hull = np.asarray(cv2.convexHull(np.asarray(points, dtype=np.float32)), dtype=float).reshape(-1, 2)
    if len(hull) < 3:
        return None
    edges = np.roll(hull, -1, axis=0) - hull
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    keep = lengths > 1e-9
    hull, edges, lengths = hull[keep], edges[keep], lengths[keep]
    if len(hull) < 3:
        return None
    normals = np.column_stack([edges[:, 1], -edges[:, 0]]) / lengths[:, None]
    # Outward: away from the hull's centre, whichever way round OpenCV listed the vertices.
    if float(np.mean(np.sum(normals * (hull - hull.mean(axis=0)), axis=1))) < 0:
        normals = -normals
    return normals, -np.sum(normals * hull, axis=1)


def share_under(points_px: np.ndarray, hull_points_px: np.ndarray, margin_px: float) -> float:
    """Share of ``points_px`` inside the convex hull of ``hull_points_px`` widened by ``margin_px``
    (0 when the hull is a line)."""
    planes = hull_half_planes(hull_points_px)
    if planes is None:
        return 0.0
    normals, offsets = planes
    outside = np.asarray(points_px, dtype=float) @ normals.T + offsets
    return float(np.mean(outside.max(axis=1) <= margin_px))


def palm_length_px(hand_px: np.ndarray) -> float:
    """Wrist to middle knuckle, in the hand's pixels (21×2)."""
    return float(np.linalg.norm(hand_px[HAND_MIDDLE_MCP] - hand_px[HAND_WRIST]))


def share_under_hand(points_px: np.ndarray, hand_px: np.ndarray) -> float:
    """Share of ``points_px`` under a hand (its 21 landmarks in pixels): inside their convex hull
    widened by HAND_WIDTH_PALMS of its palm."""
    return share_under(points_px, hand_px, HAND_WIDTH_PALMS * palm_length_px(hand_px))


__all__ = ["HAND_WIDTH_PALMS", "hull_half_planes", "palm_length_px", "share_under", "share_under_hand"]
