"""The head's motion from frame to frame, read from the face's pixels that no hand covers.

Why: while a hand lies on the forehead or over the eyes, Face Mesh does not see the face it
reports. It either loses the face or, in its tracking mode, keeps fitting a face to a crop that
follows the hand. A finger gliding up the forehead then drags the whole mesh along, and in face
units the glide is read as short or turned sideways. Tested on a real-pixel composite (a still
selfie photo, a hand photo gliding 0.3 face units up the forehead), the mesh moved 0.5 face units
with the finger.

The skin around the hand is still in view: the cheeks, mouth, chin and jaw. It moves with the
head and not with the hand. Sparse optical flow on those pixels gives the head's in-plane motion
between two frames, a similarity (scale, roll, shift). ``FaceMotionReader`` measures it only while
a hand covers part of the face (MEASURE_COVER), where the mesh cannot be trusted. The stroke engine composes it onto the
pose of the frame before (``coach.geometry.face_frame.moved_pose``). On the composite above, the
fingertip's path read that way went straight up by 0.30 face units, and over 9 s it drifted less
than 0.02 face units. See the engine's use of ``TrackedFrame.face_motion``.

Costs: nothing while no hand covers the face (the last frame is kept by reference, the cover test
is a hull); while one does, two grey crops of the face's box (scaled to at most ``MAX_SIDE_PX``), corners, pyramidal
Lucas–Kanade both ways and a RANSAC similarity, about 2 ms a frame (``benchmarks/bench_face_motion.py``).
OpenCV comes from mediapipe's own wheel.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from coach.geometry.canonical import STABLE_LANDMARKS
from coach.geometry.hull import palm_length_px, share_under_hand

MAX_SIDE_PX = 240  # the face's box is scaled so its longer side is at most this (flow needs texture, not detail)
FACE_MARGIN = 0.1  # the box reaches this share of its size beyond the face's landmarks
HAND_MARGIN_PALMS = 0.35  # pixels within this many palm lengths of a hand's outline are the hand (fingers have width, and they cast shadows)
MAX_FEATURES = 60
MIN_INLIERS = 10  # fewer agreeing points than this is no measurement (the face mostly covered)
MIN_INLIER_SHARE = 0.5
RANSAC_PX = 1.0  # in the scaled crop: half a pixel of the full frame or less on a typical face
ROUND_TRIP_PX = 0.5  # a point tracked forward and back must land within this of where it began
MEASURE_COVER = 0.1
"""Share of the face's stable points under a hand from which the motion is measured; then it goes on
being measured while a hand overlaps the face. The stroke engine starts carrying its face frame by
it only once a hand covers 0.15 of them (coach.strokes.engine.FLOW_COVER) and goes on while the hand
is on the face (switching back with a finger on the skin would move it), so a hand that never
covers the face — beside or below it (the chin, the jaw, the neck, a gesture) — costs nothing here."""


_STABLE = np.array(STABLE_LANDMARKS)


def hand_overlaps_face(face_px: np.ndarray, hands_px: Sequence[np.ndarray]) -> bool:
    """Whether any hand's box overlaps the face's box (the only time the mesh may be read through a hand)."""
    low, high = face_px.min(axis=0), face_px.max(axis=0)
    for hand in hands_px:
        hand_low, hand_high = hand.min(axis=0), hand.max(axis=0)
        if np.all(hand_low <= high) and np.all(hand_high >= low):
            return True
    return False


class MotionGate:
    """When the head's motion is read: from the frame a hand covers MEASURE_COVER of the face's
    stable points, then on every frame a hand still overlaps the face's box.

    Apart from the pixels so that the landmark-stream families (coach.evaluation.minjerk) can give
    the engine the reading on exactly the frames the Tracker would.
    """

    def __init__(self) -> None:
        self._measuring = False  # the last frame was measured

    def reset(self) -> None:
        self._measuring = False

    def open(self, face_px: np.ndarray, hands_px: Sequence[np.ndarray]) -> bool:
        """Whether to measure this frame, given the face as last seen and this frame's hands (pixels)."""
        self._measuring = hand_overlaps_face(face_px, hands_px) and (self._measuring or self._hand_covers_face(face_px, hands_px))
        return self._measuring

    @staticmethod
    def _hand_covers_face(face_px: np.ndarray, hands_px: Sequence[np.ndarray]) -> bool:
        stable = face_px[_STABLE]
        return any(share_under_hand(stable, hand) >= MEASURE_COVER for hand in hands_px)  # as the engine's cover test


class FaceMotionReader:
    """Per frame: the 2×3 similarity (full-frame pixels) carrying the last frame's face to this one's.

    None when no hand overlaps the face, when no face has been seen yet, or when too little of the
    face is in view to measure. One reader per stream: it keeps the last frame (a reference, not a
    copy: each frame's RGB image is a new array) and the last face seen.
    """

    def __init__(self) -> None:
        self._previous_rgb: np.ndarray | None = None
        self._face_px: np.ndarray | None = None  # the last face's landmarks (pixels): stands in while the face is lost
        self._gate = MotionGate()

    def reset(self) -> None:
        self._previous_rgb = None
        self._face_px = None
        self._gate.reset()

    def read(self, rgb: np.ndarray, face_points_norm: np.ndarray | None, hands_points_norm: Sequence[np.ndarray]) -> np.ndarray | None:
        """This frame's head motion since the last frame (see the class docstring).

        ``rgb`` is the frame as the models saw it (unmirrored); landmarks are normalised as
        MediaPipe gives them.
        """
        height, width = rgb.shape[:2]
        size = np.array([width, height], dtype=float)
        previous_rgb, face_px = self._previous_rgb, self._face_px
        self._previous_rgb = rgb if hands_points_norm else None  # no hand: nothing to measure next frame either
        if face_points_norm is not None:
            self._face_px = np.asarray(face_points_norm)[:, :2] * size
        if previous_rgb is None or face_px is None or previous_rgb.shape != rgb.shape:
            return None
        hands_px = [np.asarray(points)[:, :2] * size for points in hands_points_norm]
        if not self._gate.open(face_px, hands_px):
            return None
        return _motion(previous_rgb, rgb, face_px, hands_px)


def _gray(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    gray: np.ndarray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _motion(previous_rgb: np.ndarray, rgb: np.ndarray, face_px: np.ndarray, hands_px: Sequence[np.ndarray]) -> np.ndarray | None:
    """The similarity carrying ``previous_rgb``'s face (outlined by ``face_px``, the face as last
    seen) to ``rgb``'s, measured on the face's pixels outside every hand; None when too few agree."""
    height, width = rgb.shape[:2]
    low, high = face_px.min(axis=0), face_px.max(axis=0)
    margin = FACE_MARGIN * (high - low)
    x0, y0 = (int(v) for v in np.clip(np.floor(low - margin), 0, [width - 1, height - 1]))
    x1, y1 = (int(v) for v in np.clip(np.ceil(high + margin), [x0 + 1, y0 + 1], [width, height]))
    factor = min(1.0, MAX_SIDE_PX / float(max(x1 - x0, y1 - y0)))
    target = (max(1, int(round((x1 - x0) * factor))), max(1, int(round((y1 - y0) * factor))))
    before, after = (_gray(image[y0:y1, x0:x1], target) for image in (previous_rgb, rgb))
    origin = np.array([x0, y0], dtype=float)
    # Where to look: the face's outline, less every hand and a margin round it.
    mask = np.zeros(before.shape, dtype=np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(((face_px - origin) * factor).astype(np.float32)).astype(np.int32), (255,))
    for hand in hands_px:
        outline = cv2.convexHull(((hand - origin) * factor).astype(np.float32)).astype(np.int32)
        palm = palm_length_px(hand) * factor
        cv2.fillConvexPoly(mask, outline, (0,))
        cv2.polylines(mask, [outline], True, (0,), thickness=max(1, int(2 * HAND_MARGIN_PALMS * palm)))
    features = cv2.goodFeaturesToTrack(before, MAX_FEATURES, 0.01, 5, mask=mask)
    if features is None or len(features) < MIN_INLIERS:
        return None
    forward, found, _ = cv2.calcOpticalFlowPyrLK(before, after, features, np.empty_like(features), winSize=(15, 15), maxLevel=2)
    back, found_back, _ = cv2.calcOpticalFlowPyrLK(after, before, forward, np.empty_like(forward), winSize=(15, 15), maxLevel=2)
    good = (found[:, 0] == 1) & (found_back[:, 0] == 1) & (np.linalg.norm((back - features)[:, 0], axis=1) < ROUND_TRIP_PX)
    if int(good.sum()) < MIN_INLIERS:
        return None
    similarity, inliers = cv2.estimateAffinePartial2D(features[good], forward[good], method=cv2.RANSAC,
                                                      ransacReprojThreshold=RANSAC_PX)
    if similarity is None or inliers is None:
        return None
    agreeing = int(inliers.sum())
    if agreeing < MIN_INLIERS or agreeing < MIN_INLIER_SHARE * int(good.sum()):
        return None
    # In crop pixels p_c = f·(p − o), the crop's p_c' = M p_c + b; in the frame p' = M p + (b/f + o − M o).
    linear, shift = similarity[:, :2], similarity[:, 2]
    return np.column_stack([linear, shift / factor + origin - linear @ origin])


__all__ = ["FaceMotionReader", "MotionGate", "hand_overlaps_face"]
