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
is a hull); while one does, a grey crop of the face's box (scaled to at most ``MAX_SIDE_PX``; the last
frame's is kept while the box stays put, else it is cut again), corners, pyramidal Lucas–Kanade both
ways and a RANSAC similarity, 1.2–1.8 ms a frame (``benchmarks/bench_face_motion.py``).
OpenCV comes from mediapipe's own wheel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
KEEP_CROP = 0.05  # the last frame's crop is kept while the face's box is within this share of its longer side of it
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
        self._last_crop: tuple[_Crop, np.ndarray] | None = None  # the last frame's crop and grey image, if it was measured

    def reset(self) -> None:
        self._previous_rgb = None
        self._face_px = None
        self._gate.reset()
        self._last_crop = None

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
        last_crop, self._last_crop = self._last_crop, None
        if previous_rgb is None or face_px is None or previous_rgb.shape != rgb.shape:
            return None
        hands_px = [np.asarray(points)[:, :2] * size for points in hands_points_norm]
        if not self._gate.open(face_px, hands_px):
            return None
        # The face's box moves little from frame to frame: while it stays within KEEP_CROP of the
        # last one, that crop is kept, and the last frame's grey image is this one's "before" (one
        # crop converted a frame instead of two).
        crop = _Crop.around(face_px, rgb.shape)
        if last_crop is not None and last_crop[0].close_to(crop):
            crop, before = last_crop
        else:
            before = crop.gray(previous_rgb)
        after = crop.gray(rgb)
        self._last_crop = (crop, after)
        return _motion(before, after, crop, face_px, hands_px)


@dataclass(frozen=True)
class _Crop:
    """The face's box in the frame (pixels, FACE_MARGIN round it) and the scale its grey image is read at."""

    x0: int
    y0: int
    x1: int
    y1: int

    @staticmethod
    def around(face_px: np.ndarray, shape: tuple[int, ...]) -> _Crop:
        height, width = shape[:2]
        low, high = face_px.min(axis=0), face_px.max(axis=0)
        margin = FACE_MARGIN * (high - low)
        x0, y0 = (int(v) for v in np.clip(np.floor(low - margin), 0, [width - 1, height - 1]))
        x1, y1 = (int(v) for v in np.clip(np.ceil(high + margin), [x0 + 1, y0 + 1], [width, height]))
        return _Crop(x0, y0, x1, y1)

    @property
    def origin(self) -> np.ndarray:
        return np.array([self.x0, self.y0], dtype=float)

    @property
    def factor(self) -> float:
        return min(1.0, MAX_SIDE_PX / float(max(self.x1 - self.x0, self.y1 - self.y0)))

    def close_to(self, other: _Crop) -> bool:
        """Whether ``other`` is this box give or take KEEP_CROP of its longer side on every edge."""
        slack = KEEP_CROP * max(self.x1 - self.x0, self.y1 - self.y0)
        return all(abs(mine - theirs) <= slack for mine, theirs in
                   ((self.x0, other.x0), (self.y0, other.y0), (self.x1, other.x1), (self.y1, other.y1)))

    def gray(self, rgb: np.ndarray) -> np.ndarray:
        """The box's grey image, scaled by ``factor``."""
        factor = self.factor
        size = (max(1, int(round((self.x1 - self.x0) * factor))), max(1, int(round((self.y1 - self.y0) * factor))))
        gray = cv2.cvtColor(rgb[self.y0:self.y1, self.x0:self.x1], cv2.COLOR_RGB2GRAY)
        return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _motion(before: np.ndarray, after: np.ndarray, crop: _Crop, face_px: np.ndarray, hands_px: Sequence[np.ndarray]) -> np.ndarray | None:
    """The similarity carrying the face in ``before`` (outlined by ``face_px``, the face as last
    seen) to ``after`` (the two frames' grey images of ``crop``), measured on the face's pixels
    outside every hand, in frame pixels; None when too few agree."""
    factor, origin = crop.factor, crop.origin
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
