"""The head's motion read from the skin round a hand on the face (issue 10: forehead work).

Under a hand, Face Mesh's fit follows the hand or the face is lost. coach.perception.face_motion
measures the head's motion between two frames on the face's pixels that no hand covers, and the
stroke engine carries the face frame by it (see tests/test_dragged_face.py for whole clips).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.geometry.canonical import canonical_face
from coach.geometry.face_frame import FaceFrameFitter, moved_pose
from coach.perception.face_motion import FaceMotionReader, hand_overlaps_face
from coach.types import FaceLandmarks, HAND_INDEX_TIP
from tests.conftest import face_landmarks_of


def _similarity(angle_deg: float, scale: float, shift: tuple[float, float], centre: np.ndarray) -> np.ndarray:
    linear = scale * np.array([[math.cos(math.radians(angle_deg)), -math.sin(math.radians(angle_deg))],
                               [math.sin(math.radians(angle_deg)), math.cos(math.radians(angle_deg))]])
    return np.column_stack([linear, np.asarray(shift) + centre - linear @ centre])


def test_a_pose_moved_by_an_image_motion_maps_the_face_where_the_image_moved_it() -> None:
    reference = canonical_face()
    turn = math.radians(12.0)
    rotation = np.array([[math.cos(turn), -math.sin(turn), 0.0], [math.sin(turn), math.cos(turn), 0.0], [0.0, 0.0, 1.0]])
    observed = 90.0 * reference @ rotation.T + np.array([320.0, -240.0, 0.0])  # y up
    points_norm = np.column_stack([observed[:, 0] / 640, -observed[:, 1] / 480, observed[:, 2] / 640])
    pose = FaceFrameFitter().fit(FaceLandmarks(points_norm), 640, 480)
    assert pose is not None
    motion = _similarity(3.0, 1.04, (6.0, -4.0), np.array([300.0, 250.0]))
    skin = reference[::40, :2]
    expected = pose.face_to_image(skin) @ motion[:, :2].T + motion[:, 2]
    assert np.allclose(moved_pose(pose, motion).face_to_image(skin), expected, atol=1e-6)


def _hand_over_the_face(portrait_path: Path, media_dir: Path, tip_at: int, below_fu: float, lift_px: float,
                        pointing_deg: float, palm_share: float = 0.6,
                        steps: int = 1) -> tuple[np.ndarray, FaceLandmarks, list[np.ndarray], list[np.ndarray]]:
    """The real portrait, then moved ``steps`` times by a known similarity, each with a real hand
    photo pasted (its fingertip ``below_fu`` face widths below landmark ``tip_at``, moved by
    ``lift_px`` more in each frame, fingers pointing ``pointing_deg`` from the image's x axis, the
    palm ``palm_share`` of the face's width): the head motion (one step), the face as last seen, the
    frames (RGB) and the hand's landmarks in each (normalised)."""
    from coach.evaluation.composites import HandPhotos, paste_hand

    portrait = cv2.imread(str(portrait_path))
    assert portrait is not None
    height, width = portrait.shape[:2]
    face = face_landmarks_of(portrait)  # the face as last seen, before the hand came
    face_px = face.points_norm[:, :2] * np.array([width, height])
    head_motion = _similarity(1.5, 1.02, (4.0, -3.0), face_px.mean(axis=0))
    placements = [np.eye(3)]
    for _ in range(steps):
        placements.append(np.vstack([head_motion, [0.0, 0.0, 1.0]]) @ placements[-1])
    images = [cv2.warpAffine(portrait, placement[:2], (width, height), borderMode=cv2.BORDER_REPLICATE) for placement in placements]
    photos = HandPhotos(media_dir)
    try:
        photo = photos.for_hand("hands/h3d_hand_01-01-001_angle04.png", "right")
    finally:
        photos.close()
    face_width = float(np.ptp(face_px[:, 0]))
    frames, hands = [], []
    for step, image in enumerate(images):
        lift = step * lift_px
        scale = palm_share * face_width / photo.palm_px
        tip = face_px[tip_at] + np.array([0.0, below_fu * face_width + lift])
        angle = math.radians(pointing_deg - photo.axis_deg)
        linear = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        matrix = np.column_stack([linear, tip - linear @ photo.landmarks_px[HAND_INDEX_TIP]])
        composite = image.copy()
        paste_hand(composite, photo.rgba, matrix)
        frames.append(cv2.cvtColor(composite, cv2.COLOR_BGR2RGB))
        landmarks = photo.landmarks_px @ linear.T + matrix[:, 2]
        hands.append(np.column_stack([landmarks / np.array([width, height]), np.zeros(21)]))
    return head_motion, face, frames, hands


@pytest.mark.media
def test_the_head_motion_is_read_on_the_skin_round_a_hand_gliding_over_the_forehead(portrait_path: Path, media_dir: Path) -> None:
    """A real portrait moved by a known similarity, a real hand photo pasted over its forehead and
    eyes (fingers up, the palm over the eyes and nose) gliding 30 px up against it: the motion read
    is the head's, not the hand's."""
    head_motion, face, frames, hands = _hand_over_the_face(portrait_path, media_dir, 10, 0.15, -30.0, -90.0)
    reader = FaceMotionReader()
    assert reader.read(frames[0], face.points_norm, [hands[0]]) is None  # nothing to compare with yet
    motion = reader.read(frames[1], None, [hands[1]])  # the face lost under the hand
    assert motion is not None
    height, width = frames[0].shape[:2]
    face_px = face.points_norm[:, :2] * np.array([width, height])
    expected = face_px @ head_motion[:, :2].T + head_motion[:, 2]
    measured = face_px @ motion[:, :2].T + motion[:, 2]
    error = np.linalg.norm(measured - expected, axis=1)
    assert float(error.max()) < 1.0, f"head motion off by up to {error.max():.2f} px"
    # The hand moved 30 px against the head: had its pixels been read, the motion would be far off.
    assert float(np.linalg.norm(motion[:, 2] - head_motion[:, 2])) < 2.0


@pytest.mark.media
def test_the_head_motion_is_read_frame_after_frame(portrait_path: Path, media_dir: Path) -> None:
    """Twelve frames, the head turning and the hand gliding on while the face is lost under it: each
    frame's motion is the head's to within a pixel (after the first, the last frame's crop and grey
    image are reused, so an error there would add up here)."""
    head_motion, face, frames, hands = _hand_over_the_face(portrait_path, media_dir, 10, 0.15, -6.0, -90.0, steps=11)
    reader = FaceMotionReader()
    assert reader.read(frames[0], face.points_norm, [hands[0]]) is None
    height, width = frames[0].shape[:2]
    seen = face.points_norm[:, :2] * np.array([width, height])  # the face's points in the last frame
    for frame, hand in zip(frames[1:], hands[1:]):
        motion = reader.read(frame, None, [hand])
        assert motion is not None
        expected = seen @ head_motion[:, :2].T + head_motion[:, 2]
        error = np.linalg.norm(seen @ motion[:, :2].T + motion[:, 2] - expected, axis=1)
        assert float(error.max()) < 1.0, f"head motion off by up to {error.max():.2f} px"
        seen = expected


@pytest.mark.media
def test_a_hand_under_the_chin_costs_no_measurement(portrait_path: Path, media_dir: Path) -> None:
    """A hand below the chin, its fingertip on the chin and the palm below (neck and jaw work): its
    box overlaps the face's but it covers none of the face's stable points, where Face Mesh's fit
    is sound: nothing is measured."""
    _, face, frames, hands = _hand_over_the_face(portrait_path, media_dir, 152, -0.15, 10.0, -90.0)
    height, width = frames[0].shape[:2]
    assert hand_overlaps_face(face.points_norm[:, :2] * [width, height], [hands[1][:, :2] * [width, height]])
    reader = FaceMotionReader()
    assert reader.read(frames[0], face.points_norm, [hands[0]]) is None
    assert reader.read(frames[1], face.points_norm, [hands[1]]) is None


def test_no_hand_on_the_face_no_motion_is_measured(portrait_path: Path) -> None:
    portrait = cv2.cvtColor(cv2.imread(str(portrait_path)), cv2.COLOR_BGR2RGB)
    face = face_landmarks_of(cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR))
    reader = FaceMotionReader()
    # A hand far beside the face (its box away from the face's): the mesh is trusted, nothing measured.
    beside = np.tile(np.array([[0.02, 0.95, 0.0]]), (21, 1)) + np.linspace(0, 0.02, 21)[:, None]
    assert reader.read(portrait, face.points_norm, [beside]) is None
    assert reader.read(portrait, face.points_norm, [beside]) is None
    assert reader.read(portrait, face.points_norm, []) is None


@pytest.mark.media
def test_the_tracker_reads_the_head_motion_unless_stepped_down_to_its_lightest_mode(media_dir: Path) -> None:
    """The real Tracker on a real-pixel tuning clip's forehead glides (a hand photo over the forehead
    and eyes): the head's motion comes with the frames in full tracking, and not once the live
    governor has stepped down to its lightest mode (a machine that cannot keep up: the 2-4 ms a
    frame are given back)."""
    from itertools import islice

    from coach.evaluation.composites import TUNING_RECIPES, HandPhotos, render_clip
    from coach.perception import Tracker
    from coach.perception.degradation import FULL, LITE_HANDS_HALF_FACE

    recipe = next(recipe for recipe in TUNING_RECIPES if recipe.name == "tune_selfie_forehead_glides")
    photos = HandPhotos(media_dir)
    try:
        # The hand arriving and its first glide up the forehead (0-4.7 s): tracked from the start, as MediaPipe
        # finds a hand more readily coming in than already lying over the eyes.
        frames = list(islice(render_clip(recipe, media_dir, photos).frames(), 140))
    finally:
        photos.close()
    measured: dict[str, int] = {}
    for mode in (FULL, LITE_HANDS_HALF_FACE):
        with Tracker(mode="video") as tracker:
            tracker.set_mode(mode)
            tracked = [tracker.track(frame) for frame in frames]
        assert sum(1 for frame in tracked if frame.hands) > 60, "the pasted hand was not found"
        measured[mode.name] = sum(1 for frame in tracked if frame.face_motion is not None)
    assert measured["full"] > 20 and measured["lite-hands-half-face"] == 0, measured
