"""Family (c), real pixels: real hand photos pasted along scripted strokes on real, moving faces.

Why: the stroke engine must be judged on what MediaPipe really reports, not only on generated
landmark streams. Each clip pastes RGBA hand photos (../shared/media/hands/h3d_*.png and
../shared/media/composite/cutout_*.png; a photo flipped left-right is the other hand) onto a real
face that moves: matplotlib's portrait (rolled, zoomed and shifted a little every frame) or real
footage of people talking (../shared/media/videos/lp_face_*.mp4). The real Tracker, run exactly
as the app runs it, then tracks the composite frames; the session holds its frames and the labels.

Truth. The fingertip's path is scripted in face units (FU, see coach.geometry.canonical) and mapped
into each frame's pixels through that frame's face pose: for the portrait, the still portrait's
pose (Face Mesh once) carried through the frame's warp; for footage, the pose fitted to the real
Tracker's face on the clean footage frame (before any hand is pasted). So the truth is in the
same face units the engine reports. The photo is placed so that its index fingertip — where
MediaPipe finds it on the photo alone — lies on the path point.

What a clip contains (``ClipRecipe``): one or more blocks, each one pattern on one region by one
hand (or both hands at once), the hand arriving before and leaving after — lifted and hovering, or
leaving the frame and coming back:
- glides: minimum-jerk (bell-shaped speed, slightly asymmetric) reps with lifted returns between
  them (the hand 8–15 % larger and 1.8–3× faster on the way back);
- circles in both senses; taps (the hand 4–8 % larger and back, about the fingertip, 3–5 times a
  second, the fingertip moving 1–3 mm); kneads (the photo's thumb bent toward the index finger and
  back, a two-layer warp of the thumb); holds of 1–3 s.
Labels follow the project's convention (README): a glide lasts from motion onset to stop where
its speed crosses 10 % of its peak, ``speed_fu_s`` = path length between those crossings / their
time; a run (circle, tap, knead) and a hold last as long as the scripted motion.

Nothing here is committed as media: clips are rendered when needed and only their tracking is
cached (coach.evaluation.tracking_cache), with the labels and the pasted landmarks beside it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from coach.evaluation.matching import EvalSession
from coach.evaluation.negatives import footage_path, tracked_footage
from coach.evaluation.tracking_cache import cache_dir, cache_key, code_digest, track_frames_cached, write_atomically
from coach.geometry import FaceFrameFitter, FacePose, FaceRegions
from coach.geometry.regions import side_of_region
from coach.strokes.contact import palm_size_px
from coach.synthetic import LabelledStroke
from coach.technique.directions import circle_is_clockwise, glide_direction, glide_direction_vector
from coach.types import HAND_INDEX_TIP, HAND_THUMB_TIP, Frame, Handedness, TrackedFrame

logger = logging.getLogger(__name__)

_CODE_DIGEST = code_digest(Path(__file__))
"""This module's code as imported: part of every clip's cache key (see tracking_cache.cache_key)."""

FAMILY = "real"
FPS = 30.0
PORTRAIT = "portrait"
PORTRAIT_SIZE = (640, 480)  # width, height of the portrait clips
PALM_FU = 1.0
"""Palm size (coach.strokes.contact.palm_size_px) of an adult hand at the face's depth, in FU.

On the photos the palm size is 0.52–0.56 of the wrist → middle fingertip length, so this makes a
hand about 1.85 FU (17 cm) long, as coach.synthetic's hands and as tall as the face."""
FOOTAGE_VIEW_FU = 5.5
"""Face units across the picture for footage clips: a webcam at arm's length (see _FootageBackground)."""
MM_PER_FU = 90.0  # 1 FU is about 9 cm on an adult
ON_FACE_MAX_X_FU = 0.84
"""Scripted contact stays this far from the midline at most: beyond, the skin turns away from the
camera and a pasted (flat) hand would look beside the face rather than on it."""
NECK_MIN_Y_FU = -1.7
"""Neck strokes stay above this (FU below the eyes), where a webcam framing the face still sees them."""
THUMB_PHOTOS = (
    "h3d_hand_01-05-001_angle01", "h3d_hand_01-10-001_angle01", "cutout_tfjs_hands_open_grabcut", "cutout_mps_thumbup_grabcut",
)
"""Photos whose thumb stands free of the fingers, so it can be bent for kneading."""

# Pointing direction of the fingers (degrees in the face frame, 90 = up, 0 = toward the subject's
# left) for the subject's RIGHT hand on each base region; mirrored for the left hand. Hands come
# from below and outside, as they do in a mirror; on the neck they lie across it.
_POINTING_DEG = {
    "forehead": 80.0, "brow": 95.0, "temple": 100.0, "under_eye": 60.0, "nose": 80.0, "cheek": 70.0,
    "upper_lip": 70.0, "jaw": 45.0, "chin": 70.0, "neck": 15.0,
}
_GLIDE_DIRECTIONS = {
    "forehead": ("up",), "brow": ("out", "up-out"), "temple": ("up", "down"), "under_eye": ("out",),
    "nose": ("down",), "cheek": ("up-out", "out", "up"), "jaw": ("out", "up-out"), "chin": ("out",),
    "neck": ("down",), "upper_lip": ("out",),
}


# ---------------------------------------------------------------------------------------------
# Recipes


@dataclass(frozen=True)
class BlockSpec:
    """One pattern on one region by one hand ("both": the two hands at once, each on its side)."""

    pattern: str
    region: str
    hand: str  # "left", "right" or "both"
    leave: str = "hover"  # "hover": lift off and wait nearby; "frame": leave the picture and come back
    direction: str | None = None  # glide direction or circle sense; None: drawn from the seed
    reps: int = 3  # glides


STILL_FACES = "images/"
"""A recipe's face starting with this is a still photo in the media folder, moved like the portrait."""


def is_still_face(face: str) -> bool:
    return face.startswith(STILL_FACES)


@dataclass(frozen=True)
class ClipRecipe:
    """Everything that decides a clip's pixels (with the code): face, photos, blocks, seed."""

    name: str
    face: str  # PORTRAIT, a file name in videos/, or "images/…" (a still photo, see is_still_face)
    photos: tuple[tuple[str, str], ...]  # (hand, photo file relative to the media folder)
    blocks: tuple[BlockSpec, ...]
    seed: int
    face_offset_s: float = 0.0  # where in the footage the clip starts
    hand_size: float = 1.0  # hand size relative to PALM_FU
    talking: bool = False  # a still face whose jaw and mouth move as in speech (see _TalkingJaw)


def _photos(right: str | None = None, left: str | None = None) -> tuple[tuple[str, str], ...]:
    chosen = []
    if right:
        chosen.append(("right", right))
    if left:
        chosen.append(("left", left))
    return tuple(chosen)


H = "hands/h3d_hand_"
POINT_1, POINT_2, POINT_3 = H + "01-01-001_angle01.png", H + "01-01-001_angle02.png", H + "01-01-001_angle03.png"
V_SIGN, FOUR, OPEN, OPEN_BENT, THUMB_OUT = (
    H + "01-02-001_angle01.png", H + "01-04-001_angle01.png", H + "01-05-001_angle01.png",
    H + "01-05-007_angle01.png", H + "01-10-001_angle01.png",
)
CUT_POINT, CUT_OPEN = "composite/cutout_h3d_point_alpha.png", "composite/cutout_tfjs_hands_open_grabcut.png"

FULL_RECIPES: tuple[ClipRecipe, ...] = (
    # The portrait, every pattern.
    ClipRecipe("portrait_cheek_jaw_glides", PORTRAIT, _photos(right=POINT_1), (
        BlockSpec("glide", "right_cheek", "right", leave="frame"),
        BlockSpec("glide", "right_jaw", "right"),
    ), seed=11),
    ClipRecipe("portrait_forehead_glides_left", PORTRAIT, _photos(left=POINT_3), (
        BlockSpec("glide", "forehead", "left", reps=4),
        BlockSpec("hold", "left_temple", "left"),
    ), seed=12),
    ClipRecipe("portrait_circles", PORTRAIT, _photos(right=FOUR, left=CUT_POINT), (
        BlockSpec("circle", "right_cheek", "right", direction="outward"),
        BlockSpec("circle", "left_temple", "left", direction="inward", leave="frame"),
    ), seed=13, hand_size=0.92),
    ClipRecipe("portrait_taps", PORTRAIT, _photos(left=CUT_OPEN, right=V_SIGN), (
        BlockSpec("tap", "left_cheek", "left"),
        BlockSpec("tap", "right_under_eye", "right"),
    ), seed=14),
    ClipRecipe("portrait_kneads_holds", PORTRAIT, _photos(right=OPEN), (
        BlockSpec("knead", "right_cheek", "right"),
        BlockSpec("hold", "right_temple", "right"),
    ), seed=15, hand_size=1.08),
    ClipRecipe("portrait_both_hands", PORTRAIT, _photos(right=POINT_2, left=POINT_1), (
        BlockSpec("glide", "right_cheek", "both", reps=3),
        BlockSpec("glide", "left_neck", "left", direction="down", reps=2),
    ), seed=16),
    # Real footage, every pattern, each face a different mix.
    ClipRecipe("d3_cheek_glides_left_and_forehead_taps", "lp_face_d3.mp4", _photos(left=POINT_1, right=CUT_OPEN), (
        BlockSpec("glide", "left_cheek", "left", leave="frame"),
        BlockSpec("tap", "forehead", "right"),
    ), seed=21),
    ClipRecipe("d6_circles_and_temple_hold", "lp_face_d6.mp4", _photos(right=POINT_3, left=FOUR), (
        BlockSpec("circle", "right_cheek", "right", direction="inward"),
        BlockSpec("hold", "left_temple", "left"),
    ), seed=22, face_offset_s=2.0),
    ClipRecipe("d6_both_hands_glides_and_kneads", "lp_face_d6.mp4", _photos(right=OPEN, left=OPEN), (
        BlockSpec("glide", "left_cheek", "both", reps=3, leave="frame"),
        BlockSpec("knead", "left_cheek", "left"),
    ), seed=23, face_offset_s=17.0),
    ClipRecipe("d10_forehead_and_under_eye_glides", "lp_face_d10.mp4", _photos(right=CUT_POINT, left=POINT_2), (
        BlockSpec("glide", "forehead", "right", reps=3),
        BlockSpec("glide", "left_under_eye", "left", direction="out", reps=2),
    ), seed=24, hand_size=0.95),
    ClipRecipe("d13_jaw_neck_glides", "lp_face_d13.mp4", _photos(right=POINT_1, left=V_SIGN), (
        BlockSpec("glide", "right_jaw", "right", leave="frame", reps=2),
        BlockSpec("glide", "left_neck", "left", direction="down", reps=2),
    ), seed=25),
    ClipRecipe("d18_taps_and_hold", "lp_face_d18.mp4", _photos(right=POINT_2, left=OPEN_BENT), (
        BlockSpec("tap", "right_cheek", "right"),
        BlockSpec("hold", "left_temple", "left"),
    ), seed=26),
    ClipRecipe("d19_kneads_and_chin_circles", "lp_face_d19.mp4", _photos(left=OPEN, right=POINT_3), (
        BlockSpec("knead", "left_cheek", "left"),
        BlockSpec("circle", "chin", "right", direction="outward"),
    ), seed=27),
    ClipRecipe("d10_temple_circles_forehead_hold", "lp_face_d10.mp4", _photos(left=CUT_POINT, right=FOUR), (
        BlockSpec("circle", "left_temple", "left", direction="outward", leave="frame"),
        BlockSpec("hold", "forehead", "right"),
    ), seed=28, face_offset_s=0.5),
    ClipRecipe("d3_kneads_and_jaw_glides", "lp_face_d3.mp4", _photos(right=THUMB_OUT, left=POINT_2), (
        BlockSpec("knead", "right_jaw", "right"),
        BlockSpec("glide", "left_jaw", "left", reps=2),
    ), seed=29),
    ClipRecipe("d13_chin_taps_right_neck", "lp_face_d13.mp4", _photos(right=V_SIGN, left=CUT_OPEN), (
        BlockSpec("tap", "chin", "left"),
        BlockSpec("glide", "right_neck", "right", direction="down", reps=2),
    ), seed=30, face_offset_s=0.3),
)
"""The full family: 16 clips of 10–15 s (about 210 s, 59 labelled strokes), every pattern on the
portrait and on footage of all six people, ten hand photos (and their mirror images as the other
hand), both hands (also at once), lifted returns, the hand leaving the picture and coming back."""

SELFIE, SPEAKER = "images/mp_man_selfie_1280.jpg", "images/fr_lin_manuel_miranda.png"
OBAMA = "images/tfjs_portrait_obama.jpg"
BACK_1, BACK_2 = H + "01-01-001_angle04.png", H + "01-01-001_angle05.png"
# Not h3d_hand_01-01-001_angle06: MediaPipe's index fingertip on it jumps 0.3 FU from frame to
# frame wherever it is pasted (fingertip error median 40–47 px, p90 58–90 px, against ≤ 4 / ≤ 13 px
# for the other photos), more than a glide's length: no engine could read strokes from it.
CUT_THUMB = "composite/cutout_mps_thumbup_grabcut.png"

TUNING_RECIPES: tuple[ClipRecipe, ...] = (
    ClipRecipe("tune_selfie_forehead_glides", SELFIE, _photos(right=BACK_1), (
        BlockSpec("glide", "forehead", "right", reps=4),
        BlockSpec("hold", "right_temple", "right"),
    ), seed=501),
    ClipRecipe("tune_selfie_circles_taps", SELFIE, _photos(right=CUT_THUMB, left=BACK_2), (
        BlockSpec("circle", "right_cheek", "right", direction="outward"),
        BlockSpec("tap", "left_under_eye", "left"),
    ), seed=502, hand_size=0.94),
    ClipRecipe("tune_speaker_cheek_glides_left_chin_taps", SPEAKER, _photos(left=BACK_2), (
        BlockSpec("glide", "left_cheek", "left", leave="frame"),
        BlockSpec("tap", "chin", "left"),
    ), seed=503),
    ClipRecipe("tune_speaker_kneads_holds", SPEAKER, _photos(right=CUT_THUMB), (
        BlockSpec("knead", "right_jaw", "right"),
        BlockSpec("hold", "forehead", "right"),
    ), seed=504, hand_size=1.06),
    ClipRecipe("tune_selfie_both_hands_glides", SELFIE, _photos(right=BACK_1, left=BACK_2), (
        BlockSpec("glide", "right_cheek", "both", reps=3),
        BlockSpec("glide", "left_neck", "left", direction="down", reps=2),
    ), seed=505),
    ClipRecipe("tune_speaker_jaw_under_eye_glides", SPEAKER, _photos(right=BACK_2, left=BACK_1), (
        BlockSpec("glide", "right_jaw", "right", reps=3),
        BlockSpec("glide", "left_under_eye", "left", direction="out", reps=2),
    ), seed=506, hand_size=0.97),
    ClipRecipe("tune_selfie_temple_circles_cheek_taps", SELFIE, _photos(left=CUT_THUMB, right=BACK_2), (
        BlockSpec("circle", "left_temple", "left", direction="inward", leave="frame"),
        BlockSpec("tap", "right_cheek", "right"),
    ), seed=507),
    ClipRecipe("tune_speaker_forehead_taps_nose_glides", SPEAKER, _photos(right=BACK_1, left=CUT_THUMB), (
        BlockSpec("tap", "forehead", "right"),
        BlockSpec("glide", "nose", "right", direction="down", reps=3),
        BlockSpec("knead", "left_cheek", "left"),
    ), seed=508),
    ClipRecipe("tune_speaker_talking_forehead_glides", SPEAKER, _photos(right=BACK_2, left=BACK_1), (
        BlockSpec("glide", "forehead", "right", reps=4),
        BlockSpec("glide", "left_under_eye", "left", direction="out", reps=2),
    ), seed=509, talking=True),
    ClipRecipe("tune_selfie_talking_forehead_circles", SELFIE, _photos(left=BACK_1, right=CUT_THUMB), (
        BlockSpec("glide", "forehead", "left", reps=3),
        BlockSpec("circle", "right_temple", "right", direction="outward"),
    ), seed=510, talking=True),
    # A third tuning face (session 19): ten clips on two faces were too few to tell a change that
    # helps real pixels from one that fits a handful of strokes. BACK_1 is not used as a left hand
    # here: mirrored, MediaPipe's fingertip on it jumps 20–40 px between frames on the cheek, jaw and
    # forehead (session 10, docs/stroke_engine_tuning.md), which would measure the tracker.
    ClipRecipe("tune_obama_forehead_glides_left_temple_hold", OBAMA, _photos(left=BACK_2), (
        BlockSpec("glide", "forehead", "left", reps=4),
        BlockSpec("hold", "left_temple", "left"),
    ), seed=511),
    ClipRecipe("tune_obama_cheek_glides_nose_glides", OBAMA, _photos(right=BACK_2), (
        BlockSpec("glide", "right_cheek", "right", leave="frame"),
        BlockSpec("glide", "nose", "right", direction="down", reps=3),
    ), seed=512, hand_size=1.04),
    ClipRecipe("tune_obama_under_eye_glides_chin_circles", OBAMA, _photos(right=CUT_THUMB, left=BACK_2), (
        BlockSpec("glide", "right_under_eye", "right", direction="out", reps=3),
        BlockSpec("circle", "chin", "left", direction="outward"),
    ), seed=513),
    ClipRecipe("tune_obama_talking_cheek_taps_jaw_kneads", OBAMA, _photos(left=BACK_2, right=CUT_THUMB), (
        BlockSpec("tap", "left_cheek", "left"),
        BlockSpec("knead", "right_jaw", "right"),
    ), seed=514, talking=True),
    ClipRecipe("tune_obama_talking_jaw_glides_both_neck", OBAMA, _photos(right=BACK_1, left=CUT_THUMB), (
        BlockSpec("glide", "left_jaw", "both", reps=3, leave="frame"),
        BlockSpec("glide", "right_neck", "right", direction="down", reps=2),
    ), seed=515, talking=True, hand_size=0.96),
    ClipRecipe("tune_obama_temple_circles_forehead_taps_hold", OBAMA, _photos(right=CUT_THUMB, left=BACK_2), (
        BlockSpec("circle", "right_temple", "right", direction="inward"),
        BlockSpec("tap", "forehead", "left"),
        BlockSpec("hold", "right_cheek", "right"),
    ), seed=516),
)
"""The real-pixel TUNING set: the only real pixels the engine may be tuned on. Its faces (three still
photos, moved like the portrait) and hand photos (two other views of a hand, from the back as a
webcam sees a hand on the face, and a thumb-up cut-out, each also mirrored as the other hand) appear in no evaluation clip, so the evaluation family stays unseen.
In the last two the still face talks (``_TalkingJaw``): its jaw and lips move under the hand, as a
real face's do (forehead work read from the skin round the hand must not follow them)."""

QUICK_RECIPES: tuple[ClipRecipe, ...] = (
    ClipRecipe("quick_portrait_cheek_glides", PORTRAIT, _photos(right=POINT_1), (
        BlockSpec("glide", "right_cheek", "right", reps=2),
    ), seed=101),
    ClipRecipe("quick_d18_left_taps", "lp_face_d18.mp4", _photos(left=POINT_1), (
        BlockSpec("tap", "left_cheek", "left"),
    ), seed=102),
)
"""A few short clips for tests and a fast benchmark run."""


# ---------------------------------------------------------------------------------------------
# Hand photos


@dataclass(frozen=True)
class HandPhoto:
    """An RGBA hand photo and where the real Tracker finds its landmarks on it."""

    name: str
    rgba: np.ndarray = field(repr=False)  # H×W×4 uint8, BGR + alpha
    landmarks_px: np.ndarray = field(repr=False)  # 21×2 in the photo's pixels
    handedness: Handedness  # the subject's own hand, as the Tracker reports it on the photo alone
    thumb_weight: np.ndarray | None = field(default=None, repr=False)  # H×W float, 1 on the thumb

    @property
    def fingertip_px(self) -> np.ndarray:
        return self.landmarks_px[HAND_INDEX_TIP]

    @property
    def palm_px(self) -> float:
        return palm_size_px(self.landmarks_px)

    @property
    def axis_deg(self) -> float:
        """Direction wrist → middle knuckle in the photo (image coordinates, y down)."""
        along = self.landmarks_px[9] - self.landmarks_px[0]
        return math.degrees(math.atan2(along[1], along[0]))


class HandPhotos:
    """Loads photos and finds their landmarks with the real Tracker (image mode), once each."""

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir
        self._loaded: dict[tuple[str, bool], HandPhoto | None] = {}
        self._tracker: Any = None

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None

    def load(self, relative: str, flipped: bool = False) -> HandPhoto | None:
        """The photo (mirrored left-right when ``flipped``), or None when no hand is found on it."""
        key = (relative, flipped)
        if key not in self._loaded:
            self._loaded[key] = self._detect(relative, flipped)
        return self._loaded[key]

    def for_hand(self, relative: str, hand: Handedness) -> HandPhoto:
        """The photo as the subject's ``hand``: flipped when the photo shows the other hand."""
        photo = self.load(relative)
        if photo is None:
            raise ValueError(f"{relative}: MediaPipe finds no hand on this photo")
        if photo.handedness == hand:
            return photo
        flipped = self.load(relative, flipped=True)
        if flipped is None or flipped.handedness != hand:
            raise ValueError(f"{relative}: flipped, the photo is not reported as the {hand} hand")
        return flipped

    def _detect(self, relative: str, flipped: bool) -> HandPhoto | None:
        from coach.perception import Tracker

        path = self.media_dir / relative
        rgba = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if rgba is None or rgba.ndim != 3 or rgba.shape[2] != 4:
            logger.warning("%s: not an RGBA photo; skipped", path)
            return None
        if flipped:
            rgba = np.ascontiguousarray(rgba[:, ::-1])
        pad = 40
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        on_white = (rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
        canvas = cv2.copyMakeBorder(on_white, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
        if self._tracker is None:
            self._tracker = Tracker(mode="image", max_hands=1)
        tracked = self._tracker.track(Frame(0, 0.0, canvas))
        if not tracked.hands:
            return None
        hand = tracked.hands[0]
        points = hand.points_px(canvas.shape[1], canvas.shape[0]) - pad
        name = Path(relative).stem + ("_flipped" if flipped else "")
        return HandPhoto(name, rgba, points, hand.handedness, _thumb_weight(rgba, points))


def _segment_distance(pixels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    share = np.clip(((pixels - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.linalg.norm(pixels - (a + share[:, None] * ab), axis=1)


_THUMB_BONES = ((2, 3), (3, 4))
_OTHER_BONES = ((0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10), (10, 11), (11, 12), (0, 13), (13, 14), (14, 15),
                (15, 16), (0, 17), (17, 18), (18, 19), (19, 20), (5, 9), (9, 13), (13, 17), (0, 1), (1, 2))


def _thumb_weight(rgba: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """1 on the thumb beyond its knuckle, 0 elsewhere, soft across a few pixels: which pixels bend."""
    height, width = rgba.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.column_stack([xs.ravel(), ys.ravel()]).astype(float)
    thumb = np.min([_segment_distance(pixels, landmarks[a], landmarks[b]) for a, b in _THUMB_BONES], axis=0)
    other = np.min([_segment_distance(pixels, landmarks[a], landmarks[b]) for a, b in _OTHER_BONES], axis=0)
    softness = max(2.0, 0.03 * palm_size_px(landmarks))
    weight = 1.0 / (1.0 + np.exp(-(other - thumb) / softness))
    return weight.reshape(height, width).astype(np.float32)


def bend_thumb(photo: HandPhoto, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo with its thumb turned ``angle_deg`` about the thumb's knuckle, and its landmarks.

    Two layers: the thumb (alpha × weight) turned rigidly, over the rest (alpha × (1 − weight)).
    Positive angles close the thumb toward the index fingertip.
    """
    if angle_deg == 0.0 or photo.thumb_weight is None:
        return photo.rgba, photo.landmarks_px
    pivot = photo.landmarks_px[2]
    tip, index_tip = photo.landmarks_px[HAND_THUMB_TIP], photo.landmarks_px[HAND_INDEX_TIP]
    # Sign: the turn that brings the thumb tip nearer the index fingertip.
    closing = 1.0
    for sign in (1.0, -1.0):
        turned = _rotate_about(tip[None], pivot, sign * 10.0)[0]
        if np.linalg.norm(turned - index_tip) < np.linalg.norm(tip - index_tip):
            closing = sign
            break
    angle = closing * angle_deg
    matrix = cv2.getRotationMatrix2D((float(pivot[0]), float(pivot[1])), -angle, 1.0)  # cv2: positive = counter-clockwise on screen
    height, width = photo.rgba.shape[:2]
    weight = photo.thumb_weight[..., None]
    alpha = photo.rgba[..., 3:4].astype(np.float32)
    thumb_layer = np.concatenate([photo.rgba[..., :3].astype(np.float32), alpha * weight], axis=2)
    rest_alpha = alpha * (1.0 - weight)
    turned = cv2.warpAffine(thumb_layer, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    turned_alpha = turned[..., 3:4] / 255.0
    colour = turned[..., :3] * turned_alpha + photo.rgba[..., :3] * (rest_alpha / 255.0) * (1 - turned_alpha)
    out_alpha = turned_alpha + (rest_alpha / 255.0) * (1 - turned_alpha)
    colour = np.where(out_alpha > 1e-3, colour / np.maximum(out_alpha, 1e-3), 0)
    rgba = np.concatenate([colour, out_alpha * 255.0], axis=2).clip(0, 255).astype(np.uint8)
    landmarks = photo.landmarks_px.copy()
    landmarks[[3, 4]] = _rotate_about(landmarks[[3, 4]], pivot, angle)
    return rgba, landmarks


def _rotate_about(points: np.ndarray, pivot: np.ndarray, angle_deg: float) -> np.ndarray:
    """Turn image points (y down) by ``angle_deg`` clockwise on screen about ``pivot``."""
    angle = math.radians(angle_deg)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return (points - pivot) @ rotation.T + pivot


# ---------------------------------------------------------------------------------------------
# The scripted motion, in face units and seconds


@dataclass(frozen=True)
class HandState:
    """One hand at one instant: fingertip (FU), apparent-size factor, finger direction, thumb bend."""

    tip_fu: np.ndarray
    lift: float = 1.0  # 1 on the skin; larger when lifted toward the camera
    pointing_deg: float = 90.0  # fingers' direction in the face frame (90 = up)
    thumb_deg: float = 0.0  # thumb bent toward the index finger (kneading)
    away: bool = False  # out of the picture: not pasted


Motion = Callable[[float], HandState]  # local time in seconds → state


@dataclass
class _Timeline:
    """One hand's motion as consecutive pieces; the last state carries on."""

    pieces: list[tuple[float, float, Motion]] = field(default_factory=list)  # start, duration, motion
    end_s: float = 0.0
    state: HandState | None = None

    def add(self, duration: float, motion: Motion) -> tuple[float, float]:
        start = self.end_s
        self.pieces.append((start, duration, motion))
        self.end_s = start + duration
        self.state = motion(duration)
        return start, self.end_s

    def at(self, t: float) -> HandState | None:
        for start, duration, motion in reversed(self.pieces):
            if t >= start:
                return motion(min(t - start, duration))
        return None


def _min_jerk(tau: float) -> float:
    tau = min(max(tau, 0.0), 1.0)
    return tau**3 * (10 - 15 * tau + 6 * tau**2)


def _skewed(tau: float, skew: float) -> float:
    """Time warp making the bell asymmetric (peak earlier for skew < 1, later for > 1)."""
    return min(max(tau, 0.0), 1.0) ** skew


def _mirror_deg(angle: float, hand: Handedness) -> float:
    return angle if hand == "right" else 180.0 - angle


class _Choreographer:
    """Builds a clip's timelines and labels from its blocks, with the recipe's seed."""

    def __init__(self, recipe: ClipRecipe, off_frame_fu: float) -> None:
        self.recipe = recipe
        self.rng = np.random.default_rng(recipe.seed)
        self.regions = FaceRegions()
        self.off_frame_fu = off_frame_fu
        self.timelines: dict[Handedness, _Timeline] = {hand: _Timeline() for hand, _ in recipe.photos}  # type: ignore[misc]
        self.labels: list[LabelledStroke] = []
        for hand, timeline in self.timelines.items():
            outside = self._outside_point(np.array([0.6 if hand == "left" else -0.6, -0.4]), hand)
            timeline.add(0.3, self._still(HandState(outside, 1.2, _mirror_deg(70.0, hand), away=True)))

    # -- geometry helpers -------------------------------------------------------------------------

    def _outside_point(self, near: np.ndarray, hand: Handedness) -> np.ndarray:
        direction = np.array([0.45 if hand == "left" else -0.45, -1.0])
        return near + direction / np.linalg.norm(direction) * self.off_frame_fu

    def _inside(self, points: np.ndarray, region: str, margin: float) -> bool:
        """All points in the region, ``margin`` from its edges, and on the skin a camera sees
        frontally (not on the face's outline, where a hand would be beside the face, nor low on the neck)."""
        if np.any(np.abs(points[:, 0]) > ON_FACE_MAX_X_FU) or np.any(points[:, 1] < NECK_MIN_Y_FU):
            return False
        if not all(name == region for name in self.regions.regions_at(points)):
            return False
        return all(self.regions.distance_to(p + o, region) == 0.0 for p in points[:: max(1, len(points) // 6)]
                   for o in (np.array([margin, 0]), np.array([-margin, 0]), np.array([0, margin]), np.array([0, -margin])))

    def _point_in(self, region: str, margin: float = 0.05, spread_fu: float | None = None) -> np.ndarray:
        """A random point of the region; with ``spread_fu``, near its middle (where people work)."""
        polygon = np.asarray(self.regions.polygons_fu[region])
        low, high = polygon.min(axis=0), polygon.max(axis=0)
        centre = self.regions.centre(region)
        for _ in range(2000):
            point = centre + self.rng.normal(0.0, spread_fu, 2) if spread_fu else self.rng.uniform(low, high)
            if self._inside(point[None], region, margin):
                return point
        raise ValueError(f"{self.recipe.name}: no point of {region} lies {margin:.2f} FU inside it")

    def _pointing(self, region: str, hand: Handedness) -> float:
        from coach.geometry.regions import base_region

        return _mirror_deg(_POINTING_DEG[base_region(region)], hand) + float(self.rng.uniform(-10, 10))

    @staticmethod
    def _still(state: HandState, tremor_fu: float = 0.0, phase: float = 0.0) -> Motion:
        def motion(t: float) -> HandState:
            if tremor_fu == 0.0:
                return state
            wobble = tremor_fu * np.array([math.sin(2 * math.pi * 0.7 * t + phase), math.sin(2 * math.pi * 1.1 * t + 2 * phase)])
            return HandState(state.tip_fu + wobble, state.lift, state.pointing_deg, state.thumb_deg, state.away)

        return motion

    @staticmethod
    def _travel(start: HandState, end: HandState, duration: float, lift_peak: float, bulge_fu: np.ndarray | None = None) -> Motion:
        """Minimum-jerk move from one state to another, lifted by ``lift_peak`` in the middle."""
        bulge = np.zeros(2) if bulge_fu is None else bulge_fu

        def motion(t: float) -> HandState:
            share = _min_jerk(t / duration)
            tip = start.tip_fu + (end.tip_fu - start.tip_fu) * share + bulge * math.sin(math.pi * share)
            lift = start.lift + (end.lift - start.lift) * share + lift_peak * math.sin(math.pi * share)
            pointing = start.pointing_deg + (end.pointing_deg - start.pointing_deg) * share
            return HandState(tip, lift, pointing, 0.0, away=start.away and end.away)

        return motion

    # -- arriving and leaving -----------------------------------------------------------------

    def _arrive(self, hand: Handedness, target: np.ndarray, pointing: float) -> None:
        timeline = self.timelines[hand]
        current = timeline.state
        assert current is not None
        landing = HandState(target, 1.0, pointing)
        if current.away:
            entry = HandState(self._outside_point(target, hand), 1.2, pointing, away=False)
            duration = float(self.rng.uniform(0.7, 1.0))
            timeline.add(duration, self._travel(entry, landing, duration, 0.0))
        else:
            distance = float(np.linalg.norm(target - current.tip_fu))
            duration = max(0.45, distance / 1.6)
            timeline.add(duration, self._travel(current, landing, duration, 0.06))
        timeline.add(float(self.rng.uniform(0.15, 0.3)), self._still(landing))

    def _leave(self, hand: Handedness, how: str) -> None:
        timeline = self.timelines[hand]
        current = timeline.state
        assert current is not None
        if how == "frame":
            outside = HandState(self._outside_point(current.tip_fu, hand), 1.2, current.pointing_deg)
            duration = float(self.rng.uniform(0.6, 0.8))
            timeline.add(duration, self._travel(current, outside, duration, 0.0))
            gone = HandState(outside.tip_fu, 1.2, current.pointing_deg, away=True)
            timeline.add(float(self.rng.uniform(0.4, 0.9)), self._still(gone))
        else:
            outward = np.array([0.12 if hand == "left" else -0.12, -0.22])
            hover = HandState(current.tip_fu + outward, 1.18, current.pointing_deg)
            duration = float(self.rng.uniform(0.35, 0.5))
            timeline.add(duration, self._travel(current, hover, duration, 0.0))
            timeline.add(float(self.rng.uniform(0.3, 0.6)), self._still(hover, tremor_fu=0.01))

    def sync(self) -> None:
        """Both hands wait until the later one is done."""
        end = max(timeline.end_s for timeline in self.timelines.values())
        for timeline in self.timelines.values():
            if timeline.end_s < end and timeline.state is not None:
                timeline.add(end - timeline.end_s, self._still(timeline.state))

    # -- patterns -------------------------------------------------------------------------------

    def _label(self, **fields: Any) -> None:
        self.labels.append(LabelledStroke(**fields))

    def glide(self, spec: BlockSpec, hand: Handedness, region: str) -> None:
        from coach.geometry.regions import base_region

        choices = (spec.direction,) if spec.direction else _GLIDE_DIRECTIONS[base_region(region)]
        direction = str(self.rng.choice(choices))
        side = side_of_region(region)
        start = end = np.zeros(2)
        for attempt in range(3000):
            start = self._point_in(region, 0.03)
            side_x = -1.0 if side == "right" else 1.0 if side == "left" else (1.0 if hand == "left" else -1.0)
            vector = glide_direction_vector(direction, side_x)
            angle = math.atan2(vector[1], vector[0]) + math.radians(float(self.rng.uniform(-10, 10)))
            length = float(self.rng.uniform(0.2, 0.38)) * 0.999**attempt
            end = start + length * np.array([math.cos(angle), math.sin(angle)])
            line = start + np.linspace(0, 1, 12)[:, None] * (end - start)
            shifts = (np.array([0.06, 0.0]), np.array([-0.06, 0.0]))
            if (self._inside(line, region, 0.03) and glide_direction(start, end) == direction
                    and all(glide_direction(start + s, end + s) == direction for s in shifts)):
                break
        else:
            raise ValueError(f"{self.recipe.name}: cannot fit a {direction} glide in {region}")
        pointing = self._pointing(region, hand)
        self._arrive(hand, start, pointing)
        timeline = self.timelines[hand]
        mean_speed = float(np.exp(self.rng.uniform(math.log(0.2), math.log(0.6))))
        length = float(np.linalg.norm(end - start))
        for rep in range(spec.reps):
            duration = length / mean_speed * float(self.rng.uniform(0.9, 1.1))
            skew = float(self.rng.uniform(0.8, 1.25))
            motion = self._glide_motion(start, end, duration, skew, pointing)
            begin, _ = timeline.add(duration, motion)
            label_start, label_end, speed = _glide_label(motion, duration)
            self._label(start_s=begin + label_start, end_s=begin + label_end, hand=hand, region=region, pattern="glide",
                        direction=direction, speed_fu_s=speed, count=1, rate_hz=None)
            landing = HandState(end, 1.0, pointing)
            timeline.add(float(self.rng.uniform(0.12, 0.3)), self._still(landing))
            if rep < spec.reps - 1:
                back = duration / float(self.rng.uniform(1.8, 3.0))
                normal = np.array([-(end - start)[1], (end - start)[0]]) / length
                bulge = normal * float(self.rng.uniform(-0.05, 0.05))
                lift = float(self.rng.uniform(0.08, 0.15))
                timeline.add(back, self._travel(landing, HandState(start, 1.0, pointing), back, lift, bulge))
                timeline.add(float(self.rng.uniform(0.12, 0.25)), self._still(HandState(start, 1.0, pointing)))

    @staticmethod
    def _glide_motion(start: np.ndarray, end: np.ndarray, duration: float, skew: float, pointing: float) -> Motion:
        def motion(t: float) -> HandState:
            return HandState(start + (end - start) * _min_jerk(_skewed(t / duration, skew)), 1.0, pointing)

        return motion

    def circle(self, spec: BlockSpec, hand: Handedness, region: str) -> None:
        sense = spec.direction or str(self.rng.choice(["outward", "inward"]))
        radius = float(self.rng.uniform(0.06, 0.1))
        while True:  # narrow regions (the temple) take smaller circles
            try:
                centre = self._point_in(region, margin=radius + 0.02, spread_fu=0.08)
                break
            except ValueError:
                if radius < 0.04:
                    raise
                radius *= 0.9
        rate = float(self.rng.uniform(0.7, 1.3))
        turns = int(self.rng.integers(2, 4))
        side_x = float(centre[0]) if abs(centre[0]) > 0.05 else (1.0 if hand == "left" else -1.0)
        sign = -1.0 if circle_is_clockwise(sense, side_x) else 1.0
        phase0 = float(self.rng.uniform(0, 2 * math.pi))
        pointing = self._pointing(region, hand)
        start = centre + radius * np.array([math.cos(phase0), math.sin(phase0)])
        self._arrive(hand, start, pointing)
        duration = turns / rate

        def motion(t: float) -> HandState:
            phase = phase0 + sign * 2 * math.pi * rate * t
            wobble = 1.0 + 0.06 * math.sin(2 * math.pi * rate * 0.37 * t)
            return HandState(centre + radius * wobble * np.array([math.cos(phase), math.sin(phase)]), 1.0, pointing)

        begin, finish = self.timelines[hand].add(duration, motion)
        self._label(start_s=begin, end_s=finish, hand=hand, region=region, pattern="circle", direction=sense,
                    speed_fu_s=None, count=turns, rate_hz=rate)
        self.timelines[hand].add(0.2, self._still(motion(duration)))

    def tap(self, spec: BlockSpec, hand: Handedness, region: str) -> None:
        base = self._point_in(region, 0.06, spread_fu=0.08)
        rate = float(self.rng.uniform(3.0, 5.0))
        count = int(self.rng.integers(6, 13))
        swell = float(self.rng.uniform(0.04, 0.08))
        angle = float(self.rng.uniform(0, 2 * math.pi))
        shift = float(self.rng.uniform(1.0, 3.0)) / MM_PER_FU * np.array([math.cos(angle), math.sin(angle)])
        pointing = self._pointing(region, hand)
        self._arrive(hand, base, pointing)
        duration = count / rate

        def motion(t: float) -> HandState:
            height = abs(math.sin(math.pi * rate * t))
            return HandState(base + shift * height, 1.0 + swell * height, pointing)

        begin, finish = self.timelines[hand].add(duration, motion)
        self._label(start_s=begin, end_s=finish, hand=hand, region=region, pattern="tap", direction=None,
                    speed_fu_s=None, count=count, rate_hz=rate)
        self.timelines[hand].add(0.2, self._still(HandState(base, 1.0, pointing)))

    def knead(self, spec: BlockSpec, hand: Handedness, region: str) -> None:
        base = self._point_in(region, 0.06, spread_fu=0.08)
        rate = float(self.rng.uniform(0.7, 1.2))
        count = int(self.rng.integers(3, 5))
        bend = float(self.rng.uniform(28.0, 40.0))
        angle = float(self.rng.uniform(0, 2 * math.pi))
        roll = float(self.rng.uniform(0.0, 0.03)) * np.array([math.cos(angle), math.sin(angle)])
        pointing = self._pointing(region, hand)
        self._arrive(hand, base, pointing)
        duration = count / rate

        def motion(t: float) -> HandState:
            closing = (1 - math.cos(2 * math.pi * rate * t)) / 2
            return HandState(base + roll * closing, 1.0, pointing, thumb_deg=bend * closing)

        begin, finish = self.timelines[hand].add(duration, motion)
        self._label(start_s=begin, end_s=finish, hand=hand, region=region, pattern="knead", direction=None,
                    speed_fu_s=None, count=count, rate_hz=rate)
        self.timelines[hand].add(0.2, self._still(HandState(base, 1.0, pointing)))

    def hold(self, spec: BlockSpec, hand: Handedness, region: str) -> None:
        base = self._point_in(region, 0.06, spread_fu=0.08)
        pointing = self._pointing(region, hand)
        self._arrive(hand, base, pointing)
        duration = float(self.rng.uniform(1.0, 3.0))
        begin, finish = self.timelines[hand].add(duration, self._still(HandState(base, 1.0, pointing), 0.004,
                                                                          float(self.rng.uniform(0, 6.28))))
        self._label(start_s=begin, end_s=finish, hand=hand, region=region, pattern="hold", direction=None,
                    speed_fu_s=None, count=1, rate_hz=None)

    def perform(self, spec: BlockSpec) -> None:
        """One block after the previous ones; a hand not in it leaves the picture first."""
        hands: list[Handedness] = ["right", "left"] if spec.hand == "both" else [spec.hand]  # type: ignore[list-item]
        for hand, timeline in self.timelines.items():
            if hand not in hands and timeline.state is not None and not timeline.state.away:
                self._leave(hand, "frame")
        self.sync()
        for hand in hands:
            if spec.pattern == "knead" and Path(dict(self.recipe.photos)[hand]).stem not in THUMB_PHOTOS:
                raise ValueError(f"{self.recipe.name}: kneading needs a photo with a free thumb ({', '.join(THUMB_PHOTOS)})")
            region = spec.region
            side = side_of_region(region)
            if side is not None and side != hand:
                region = f"{hand}_{region.split('_', 1)[1]}"
            getattr(self, spec.pattern)(spec, hand, region)
            self._leave(hand, spec.leave)
        self.sync()

    def finish(self) -> float:
        for hand, timeline in self.timelines.items():
            if timeline.state is not None and not timeline.state.away:
                self._leave(hand, "frame")
        self.sync()
        return max(timeline.end_s for timeline in self.timelines.values())


def _glide_label(motion: Motion, duration: float) -> tuple[float, float, float]:
    """Onset and stop (speed crossing 10 % of its peak) and the path speed between them."""
    times = np.linspace(0.0, duration, 2001)
    points = np.array([motion(float(t)).tip_fu for t in times])
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    speed = steps / np.diff(times)
    moving = np.flatnonzero(speed >= 0.1 * speed.max())
    first, last = int(moving[0]), int(moving[-1])
    start_s, end_s = float(times[first]), float(times[last + 1])
    return start_s, end_s, float(steps[first : last + 1].sum() / (end_s - start_s))


# ---------------------------------------------------------------------------------------------
# Faces: where face units are in each frame's pixels


@dataclass(frozen=True)
class FacePlacement:
    """A face pose, then an image warp (identity for footage): face units → this frame's pixels."""

    pose: FacePose
    warp: np.ndarray  # 2×3

    def to_px(self, points_fu: np.ndarray) -> np.ndarray:
        on_face = self.pose.face_to_image(np.atleast_2d(points_fu))
        return on_face @ self.warp[:, :2].T + self.warp[:, 2]

    @property
    def px_per_fu(self) -> float:
        return self.pose.scale_px_per_fu * math.sqrt(abs(float(np.linalg.det(self.warp[:, :2]))))


_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


class _Background:
    """A real face that moves: the frames and each frame's placement."""

    width: int
    height: int

    def frames(self, count: int) -> Iterator[tuple[np.ndarray, FacePlacement]]:
        raise NotImplementedError


def portrait_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


def _still_face_canvas(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """A still photo scaled and shifted so its face is as large and as placed as the portrait's.

    Why: photos of people are framed every way (a head and shoulders, a half-length figure); a
    webcam at arm's length sees about ``FOOTAGE_VIEW_FU`` face units across, the eyes a little
    above the middle. Face Mesh on the photo alone gives the face's scale and place.
    """
    from coach.perception import Tracker

    with Tracker(mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, image))
    pose = FaceFrameFitter().fit(tracked.face, image.shape[1], image.shape[0]) if tracked.face is not None else None
    if pose is None:
        raise RuntimeError("Face Mesh found no face in the still photo")
    scale = width / FOOTAGE_VIEW_FU / pose.scale_px_per_fu
    eyes = pose.face_to_image(np.zeros((1, 2)))[0]
    matrix = np.array([[scale, 0.0, width / 2 - scale * eyes[0]], [0.0, scale, height * 0.42 - scale * eyes[1]]])
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=(60, 60, 60))


class _TalkingJaw:
    """A still face made to talk: the jaw and lips below the nose drop and close as in speech.

    Why: a still photo moves only rigidly, but a real face talks and pulls faces, and what a hand
    leaves in view on the forehead is mostly the lower face, which moves on its own then (the head's
    motion read round the hand, coach.perception.face_motion, must not follow it). The jaw drops by
    up to JAW_DROP_FU at the chin (about 7 mm) three times a second, the drop growing from nothing
    at the nose's base; the head itself does not move (its pose, the truth, is unchanged).
    """

    JAW_DROP_FU = 0.08

    def __init__(self, pose: FacePose, width: int, height: int, phase: float) -> None:
        grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        face = pose.image_to_face(np.column_stack([grid_x.ravel(), grid_y.ravel()]), iterations=1)
        below_nose = np.clip((-0.45 - face[:, 1]) / 0.75, 0.0, 1.0)  # 0 at the nose's base, 1 at the chin
        on_jaw = np.clip(1.0 - (np.abs(face[:, 0]) - 0.45) / 0.3, 0.0, 1.0) * np.clip((face[:, 1] + 1.45) / 0.25, 0.0, 1.0)
        weight = (below_nose * on_jaw).reshape(height, width).astype(np.float32)
        down = pose.face_to_image(np.array([[0.0, -1.0]]))[0] - pose.face_to_image(np.zeros((1, 2)))[0]
        self.step_px = (down / max(float(np.hypot(*down)), 1e-9) * pose.scale_px_per_fu).astype(np.float32)  # one FU down the face
        self.weight, self.grid_x, self.grid_y, self.phase = weight, grid_x, grid_y, phase

    def move(self, canvas: np.ndarray, t: float) -> np.ndarray:
        syllables = 0.5 - 0.5 * math.cos(2 * math.pi * 3.1 * t + self.phase)
        phrase = 0.6 + 0.4 * math.sin(2 * math.pi * 0.4 * t + 2 * self.phase)
        drop = self.JAW_DROP_FU * syllables * phrase * self.weight  # FU, per pixel
        map_x = self.grid_x - drop * self.step_px[0]
        map_y = self.grid_y - drop * self.step_px[1]
        return np.asarray(cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))


class _PortraitBackground(_Background):
    """A still portrait on a grey canvas, rolled, zoomed and shifted a little every frame.

    matplotlib's portrait (``still`` None) as the evaluation family has always shown it, or another
    still photo of a face from the media folder, placed by ``_still_face_canvas``.
    """

    def __init__(self, phase: float, still: Path | None = None, talking: bool = False) -> None:
        from coach.perception import Tracker

        self.width, self.height = PORTRAIT_SIZE
        if still is not None:
            canvas = _still_face_canvas(cv2.imread(str(still)), self.width, self.height)
        else:
            image = cv2.imread(str(portrait_path()))
            scale = 420 / image.shape[0]
            face = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            canvas = np.full((self.height, self.width, 3), 60, dtype=np.uint8)
            top, left = (self.height - face.shape[0]) // 2 - 20, (self.width - face.shape[1]) // 2
            y0, x0 = max(top, 0), max(left, 0)
            crop = face[y0 - top : y0 - top + self.height - y0, x0 - left : x0 - left + self.width - x0]
            canvas[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
        with Tracker(mode="image") as tracker:
            tracked = tracker.track(Frame(0, 0.0, canvas))
        if tracked.face is None:
            raise RuntimeError("Face Mesh found no face in the portrait canvas")
        self.canvas = canvas
        pose = FaceFrameFitter().fit(tracked.face, self.width, self.height)
        if pose is None:
            raise RuntimeError("the face frame could not be fitted to the portrait's face")
        self.pose: FacePose = pose
        self.phase = phase
        self.talking = _TalkingJaw(pose, self.width, self.height, phase) if talking else None

    def warp(self, t: float) -> np.ndarray:
        """A small roll, zoom and drift of the whole portrait, changing smoothly (head motion)."""
        phase = self.phase
        angle = 5.0 * math.sin(2 * math.pi * 0.23 * t + phase)
        zoom = 1.0 + 0.05 * math.sin(2 * math.pi * 0.17 * t + 2 * phase)
        shift = np.array([14.0 * math.sin(2 * math.pi * 0.19 * t + phase), 9.0 * math.sin(2 * math.pi * 0.27 * t + 3 * phase)])
        matrix = cv2.getRotationMatrix2D((self.width / 2, self.height / 2), angle, zoom)
        matrix[:, 2] = matrix[:, 2] + shift
        return np.asarray(matrix, dtype=float)

    def frames(self, count: int) -> Iterator[tuple[np.ndarray, FacePlacement]]:
        for index in range(count):
            warp = self.warp(index / FPS)
            canvas = self.canvas if self.talking is None else self.talking.move(self.canvas, index / FPS)
            image = cv2.warpAffine(canvas, warp, (self.width, self.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            yield image, FacePlacement(self.pose, warp)


class _FootageBackground(_Background):
    """Real footage of a face; each frame's pose from the real Tracker on the clean frame.

    The footage (close-ups: the face fills the picture) is shown smaller, on a blurred, darkened
    enlargement of itself, so the face is about as large as a webcam at arm's length sees it
    (``FOOTAGE_VIEW_FU`` across) and a hand on the face stays in the picture.
    """

    def __init__(self, media_dir: Path, name: str, offset_s: float) -> None:
        self.path = footage_path(media_dir, name)
        tracked = tracked_footage(media_dir, name)
        self.width, self.height = tracked[0].width, tracked[0].height
        self.first = int(round(offset_s * FPS))
        fitter = FaceFrameFitter()
        self.poses: list[FacePose | None] = [
            fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None for frame in tracked
        ]
        scales = [pose.scale_px_per_fu for pose in self.poses[self.first :] if pose is not None]
        if not scales:
            raise ValueError(f"{name}: no face found after {offset_s} s")
        zoom = min(1.0, self.width / FOOTAGE_VIEW_FU / float(np.median(scales)))
        self.inner = (max(8, int(round(zoom * self.width))), max(8, int(round(zoom * self.height))))
        self.left = (self.width - self.inner[0]) // 2
        self.top = int((self.height - self.inner[1]) * 0.3)
        self.warp = np.array([[self.inner[0] / self.width, 0.0, self.left], [0.0, self.inner[1] / self.height, self.top]])

    def _compose(self, inner: np.ndarray) -> np.ndarray:
        small = cv2.resize(inner, (max(8, self.width // 8), max(8, self.height // 8)), interpolation=cv2.INTER_AREA)
        backdrop = cv2.resize(cv2.GaussianBlur(small, (0, 0), 3), (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        canvas = (backdrop * 0.6).astype(np.uint8)
        canvas[self.top : self.top + self.inner[1], self.left : self.left + self.inner[0]] = inner
        return canvas

    def frames(self, count: int) -> Iterator[tuple[np.ndarray, FacePlacement]]:
        """``count`` frames from the offset on; past the footage's end it plays backward, and so on.

        The shrunken frames are kept JPEG-encoded in memory (a few MB) to play them back and forth.
        """
        encoded: list[bytes] = []
        capture = cv2.VideoCapture(str(self.path))
        try:
            index = 0
            while len(encoded) < min(count, len(self.poses) - self.first):
                ok, image = capture.read()
                if not ok:
                    break
                if index >= self.first:
                    inner = cv2.resize(image, self.inner, interpolation=cv2.INTER_AREA)
                    encoded.append(cv2.imencode(".jpg", inner, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes())
                index += 1
        finally:
            capture.release()
        if not encoded:
            raise ValueError(f"{self.path}: no frames after {self.first}")
        last_pose = next(pose for pose in self.poses[self.first :] if pose is not None)
        for number in range(count):
            position = _ping_pong(number, len(encoded))
            pose = self.poses[self.first + position]
            last_pose = pose if pose is not None else last_pose
            inner = cv2.imdecode(np.frombuffer(encoded[position], dtype=np.uint8), cv2.IMREAD_COLOR)
            yield self._compose(inner), FacePlacement(last_pose, self.warp)


def _ping_pong(number: int, length: int) -> int:
    """0, 1, …, length−1, length−2, …, 0, 1, …: footage played forward, then backward."""
    if length <= 1:
        return 0
    period = 2 * (length - 1)
    position = number % period
    return position if position < length else period - position


# ---------------------------------------------------------------------------------------------
# Rendering


def paste_hand(image: np.ndarray, rgba: np.ndarray, matrix: np.ndarray) -> None:
    """Alpha-blend ``rgba`` warped by ``matrix`` (2×3) into ``image``, only where it lands."""
    height, width = rgba.shape[:2]
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=float) @ matrix[:, :2].T + matrix[:, 2]
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    shifted = matrix.copy()
    shifted[:, 2] -= (x0, y0)
    warped = cv2.warpAffine(rgba, shifted, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3:4].astype(np.float32) / 255.0
    region = image[y0:y1, x0:x1]
    region[:] = (warped[..., :3] * alpha + region * (1.0 - alpha)).astype(np.uint8)


def hand_matrix(photo: HandPhoto, landmarks_px: np.ndarray, state: HandState, placement: FacePlacement,
                hand_size: float) -> np.ndarray:
    """2×3 transform putting the photo's index fingertip on the state's point, sized and turned."""
    tip_px = placement.to_px(state.tip_fu)[0]
    pointing = math.radians(state.pointing_deg)
    ahead = placement.to_px(state.tip_fu + 0.1 * np.array([math.cos(pointing), math.sin(pointing)]))[0] - tip_px
    turn = math.atan2(ahead[1], ahead[0]) - math.radians(photo.axis_deg)
    scale = PALM_FU * hand_size * placement.px_per_fu * state.lift / photo.palm_px
    linear = scale * np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    return np.column_stack([linear, tip_px - linear @ landmarks_px[HAND_INDEX_TIP]])


@dataclass
class RenderedClip:
    """A clip being rendered: its frames (lazily), labels, and where each landmark was pasted."""

    recipe: ClipRecipe
    width: int
    height: int
    frame_count: int
    labels: list[LabelledStroke]  # every scripted stroke; composite_session sets aside those mostly out of view
    frames: Callable[[], Iterator[Frame]]
    truth_px: dict[str, np.ndarray]  # hand → frame_count×21×2 pasted landmarks (NaN when not pasted); filled while rendering


def render_clip(recipe: ClipRecipe, media_dir: Path, photos: HandPhotos) -> RenderedClip:
    """Script the clip, and a lazy generator of its frames (the truth fills in as they are made)."""
    background: _Background
    if recipe.face == PORTRAIT or is_still_face(recipe.face):
        still = media_dir / recipe.face if is_still_face(recipe.face) else None
        background = _PortraitBackground(phase=float(np.random.default_rng(recipe.seed).uniform(0, 2 * math.pi)), still=still,
                                         talking=recipe.talking)
        typical_px_per_fu = background.pose.scale_px_per_fu
    else:
        background = _FootageBackground(media_dir, recipe.face, recipe.face_offset_s)
        scales = [pose.scale_px_per_fu for pose in background.poses if pose is not None]
        typical_px_per_fu = float(np.median(scales)) * float(background.warp[0, 0])
    hand_span_fu = 2.0 * PALM_FU * 1.2 * recipe.hand_size
    off_frame_fu = math.hypot(background.width, background.height) / typical_px_per_fu + hand_span_fu
    choreographer = _Choreographer(recipe, off_frame_fu)
    for spec in recipe.blocks:
        choreographer.perform(spec)
    duration = choreographer.finish()
    frame_count = int(math.floor(duration * FPS)) + 1
    hand_photos = {hand: photos.for_hand(relative, hand) for hand, relative in recipe.photos}  # type: ignore[arg-type]
    truth = {hand: np.full((frame_count, 21, 2), np.nan) for hand in hand_photos}
    timelines = choreographer.timelines

    def frames() -> Iterator[Frame]:
        for index, (image, placement) in enumerate(background.frames(frame_count)):
            t = index / FPS
            image = image.copy()
            for hand, photo in hand_photos.items():
                state = timelines[hand].at(t)  # type: ignore[index]
                if state is None or state.away:
                    continue
                rgba, landmarks = bend_thumb(photo, state.thumb_deg) if state.thumb_deg else (photo.rgba, photo.landmarks_px)
                matrix = hand_matrix(photo, landmarks, state, placement, recipe.hand_size)
                paste_hand(image, rgba, matrix)
                truth[hand][index] = landmarks @ matrix[:, :2].T + matrix[:, 2]
            yield Frame(index=index, timestamp_s=t, image=image)

    return RenderedClip(recipe, background.width, background.height, frame_count, choreographer.labels, frames, truth)


def _split_unseen(labels: list[LabelledStroke], truth: dict[str, np.ndarray], width: int, height: int,
                  ) -> tuple[list[LabelledStroke], list[LabelledStroke]]:
    """Labels whose hand was mostly in the picture, and those (``unseen``) where it mostly was not."""
    seen: list[LabelledStroke] = []
    unseen: list[LabelledStroke] = []
    for label in labels:
        points = truth[label.hand]
        first, last = int(math.ceil(label.start_s * FPS)), int(math.floor(label.end_s * FPS))
        window = points[first : last + 1]
        inside = (window[..., 0] >= 0) & (window[..., 0] < width) & (window[..., 1] >= 0) & (window[..., 1] < height)
        in_view = inside.mean(axis=1) >= 0.7
        (seen if window.size and in_view.mean() >= 0.5 else unseen).append(label)
    return seen, unseen


# ---------------------------------------------------------------------------------------------
# Sessions, tracked and cached


@dataclass(frozen=True)
class CompositeSession:
    """A tracked composite clip with what was pasted where (for fingertip error and tests)."""

    recipe: ClipRecipe
    session: EvalSession
    truth_px: dict[str, np.ndarray]  # hand → N×21×2 image pixels, NaN where the hand was not pasted


def _recipe_key(recipe: ClipRecipe, media_dir: Path) -> str:
    media = [media_dir / relative for _, relative in recipe.photos]
    if is_still_face(recipe.face):
        media.append(media_dir / recipe.face)
    elif recipe.face != PORTRAIT:
        media.append(footage_path(media_dir, recipe.face))
    else:
        media.append(portrait_path())
    return cache_key(asdict(recipe), code=(_CODE_DIGEST,), media_files=media)


def composite_session(recipe: ClipRecipe, media_dir: Path, photos: HandPhotos | None = None) -> CompositeSession:
    """One clip: rendered, tracked by the real Tracker and cached (a cached clip is only read)."""
    key = _recipe_key(recipe, media_dir)
    folder = cache_dir() / "composites"
    recording = folder / f"{recipe.name}-{key}.jsonl.gz"
    sidecar = folder / f"{recipe.name}-{key}.truth.json"
    tracked: list[TrackedFrame] | None = None
    stored = _read_sidecar(sidecar) if recording.is_file() else None
    if stored is not None:
        from coach.evaluation.tracking_cache import read_cached

        tracked = read_cached(recording)
    if tracked is None or stored is None:
        own_photos = photos is None
        library = photos if photos is not None else HandPhotos(media_dir)
        try:
            rendered = render_clip(recipe, media_dir, library)
            recording.unlink(missing_ok=True)
            tracked = track_frames_cached(recording, rendered.frames, rendered.width, rendered.height, FPS, source=f"composite {recipe.name}")
        finally:
            if own_photos:
                library.close()
        labels, unseen = _split_unseen(rendered.labels, rendered.truth_px, rendered.width, rendered.height)
        stored = (labels, unseen, rendered.truth_px)
        _write_sidecar(sidecar, *stored)
    labels, unseen, truth = stored
    session = EvalSession(name=recipe.name, family=FAMILY, frames=tracked, labels=labels, unseen=tuple(unseen))
    return CompositeSession(recipe, session, truth)


def _write_sidecar(path: Path, labels: list[LabelledStroke], unseen: list[LabelledStroke], truth: dict[str, np.ndarray]) -> None:
    text = json.dumps(_sidecar_json(labels, unseen, truth))

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    write_atomically(path, write)


def _sidecar_json(labels: list[LabelledStroke], unseen: list[LabelledStroke], truth: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "labels": [label.to_json_dict() for label in labels],
        "unseen": [label.to_json_dict() for label in unseen],
        "truth_px": {hand: np.round(points, 2).tolist() for hand, points in truth.items()},
    }


def _read_sidecar(path: Path) -> tuple[list[LabelledStroke], list[LabelledStroke], dict[str, np.ndarray]] | None:
    try:
        data = json.loads(path.read_text())
        labels = [LabelledStroke.from_json_dict(item) for item in data["labels"]]
        unseen = [LabelledStroke.from_json_dict(item) for item in data["unseen"]]
        truth = {hand: np.asarray(points, dtype=float) for hand, points in data["truth_px"].items()}
    except (OSError, ValueError, KeyError, TypeError) as error:
        if path.exists():
            logger.warning("%s: unreadable (%s); rebuilding the clip", path, error)
        return None
    return labels, unseen, truth


@dataclass(frozen=True)
class TrackingQuality:
    """How well MediaPipe saw one clip during its labelled strokes."""

    stroke_frames: int
    face_found: float  # share of stroke frames with a face
    hand_found: float  # share of stroke frames in which the stroking hand was found (with its own label)
    other_label: float  # share in which only a hand with the other label was found there
    fingertip_errors_px: np.ndarray  # detected vs pasted index fingertip, every stroke frame with the hand found

    @property
    def fingertip_median_px(self) -> float | None:
        return float(np.median(self.fingertip_errors_px)) if self.fingertip_errors_px.size else None

    @property
    def fingertip_p90_px(self) -> float | None:
        return float(np.percentile(self.fingertip_errors_px, 90)) if self.fingertip_errors_px.size else None


def tracking_quality(clip: CompositeSession, labels: Sequence[LabelledStroke] | None = None) -> TrackingQuality:
    """Face and hand found, and fingertip error against the pasted truth, over the strokes' frames."""
    frames = clip.session.frames
    chosen = clip.session.labels if labels is None else labels
    total = face = found = other = 0
    errors: list[float] = []
    for label in chosen:
        truth = clip.truth_px[label.hand]
        for index, tracked in enumerate(frames):
            if not label.start_s <= tracked.timestamp_s <= label.end_s:
                continue
            total += 1
            face += tracked.face is not None
            hand = tracked.hand(label.hand)  # type: ignore[arg-type]
            pasted = truth[index, HAND_INDEX_TIP]
            if hand is not None and not np.isnan(pasted[0]):
                found += 1
                tip = hand.points_px(tracked.width, tracked.height)[HAND_INDEX_TIP]
                errors.append(float(np.linalg.norm(tip - pasted)))
            elif tracked.hands:
                other += 1
    def share(count: int) -> float:
        return count / total if total else 0.0

    return TrackingQuality(total, share(face), share(found), share(other), np.asarray(errors))


def recipes(quick: bool = False, tuning: bool = False) -> tuple[ClipRecipe, ...]:
    if tuning:
        return TUNING_RECIPES[:3] if quick else TUNING_RECIPES
    return QUICK_RECIPES if quick else FULL_RECIPES


def real_pixel_clips(media_dir: Path, quick: bool = False, names: Sequence[str] | None = None,
                     tuning: bool = False) -> list[CompositeSession]:
    """Every clip of the family (or the quick few, or those named; ``tuning``: of the tuning set), tracked, with their truth."""
    chosen = [recipe for recipe in recipes(quick, tuning) if names is None or recipe.name in names]
    photos = HandPhotos(media_dir)
    try:
        return [composite_session(recipe, media_dir, photos) for recipe in chosen]
    finally:
        photos.close()


def real_pixel_sessions(media_dir: Path, quick: bool = False, tuning: bool = False) -> list[EvalSession]:
    """Family (c): composites of real hand photos on real moving faces, tracked by the real Tracker.

    ``tuning``: the tuning set instead (TUNING_RECIPES: other faces, other hand photos)."""
    return [clip.session for clip in real_pixel_clips(media_dir, quick, tuning=tuning)]


def used_photos(chosen: Sequence[ClipRecipe] = FULL_RECIPES) -> set[str]:
    return {relative for recipe in chosen for _, relative in recipe.photos}


def used_faces(chosen: Sequence[ClipRecipe] = FULL_RECIPES) -> set[str]:
    return {recipe.face for recipe in chosen}


__all__ = [
    "FAMILY",
    "BlockSpec",
    "ClipRecipe",
    "CompositeSession",
    "HandPhoto",
    "HandPhotos",
    "bend_thumb",
    "composite_session",
    "real_pixel_clips",
    "real_pixel_sessions",
    "render_clip",
]
