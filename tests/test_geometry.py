"""Face frame and regions on the real portrait, moved, turned and warped with real pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import face_landmarks_of, legacy_only, legacy_tracker_runs
from coach.geometry import FaceFrameFitter, FacePose, FaceRegions, canonical_face
from coach.geometry.canonical import CANONICAL_PATH, build_canonical_face
from coach.types import FaceLandmarks

# Fixed anatomical points: eye corners, nose, chin, mouth corners, cheeks, forehead, jaw angles.
# (Brows are left out: MediaPipe itself moves them by ~0.04 FU when the image merely rotates.)
ANATOMICAL = (33, 263, 133, 362, 1, 6, 152, 61, 291, 205, 425, 10, 172, 397)

# The Tasks face model (scripts/test.sh runs these tests on it too) places points a little
# differently from legacy Face Mesh, from which the canonical face was built: on the portrait its
# outer eye corners land at -0.477/+0.490 FU rather than ±0.5, and under a 20° image roll or a
# perspective warp its jaw angle (397) and mouth corner (61) move up to 0.041 FU (legacy: < 0.03).
# These are the model's own figures (issue 13's report); the tolerances below allow exactly them.
TASKS = not legacy_tracker_runs()
EYE_CORNER_TOLERANCE_FU = 0.03 if TASKS else 0.02
INVARIANCE_TOLERANCE_FU = 0.045 if TASKS else 0.03


def _face_landmarks(image: np.ndarray) -> FaceLandmarks:
    return face_landmarks_of(image)


def _warp_with_homography(
    image: np.ndarray, angle_deg: float, scale: float, shift: tuple[float, float], perspective: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate, scale, shift and perspective-warp onto a larger canvas; also return the 3×3 map."""
    height, width = image.shape[:2]
    canvas = (int(width * 1.5), int(height * 1.5))
    affine = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, scale)
    affine[:, 2] += np.array(shift) + np.array([canvas[0] - width, canvas[1] - height]) / 2
    homography = np.vstack([affine, [perspective, 0.0, 1.0]])
    return cv2.warpPerspective(image, homography, canvas, borderMode=cv2.BORDER_REPLICATE), homography


def _warp(image: np.ndarray, angle_deg: float, scale: float, shift: tuple[float, float], perspective: float) -> np.ndarray:
    return _warp_with_homography(image, angle_deg, scale, shift, perspective)[0]


@pytest.fixture(scope="module")
def portrait(portrait_path: Path) -> np.ndarray:
    image = cv2.imread(str(portrait_path))
    assert image is not None
    return image


@pytest.fixture(scope="module")
def reference_pose(portrait: np.ndarray) -> FacePose:
    height, width = portrait.shape[:2]
    return FaceFrameFitter().fit(_face_landmarks(portrait), width, height)


@pytest.fixture(scope="module")
def reference_coordinates(portrait: np.ndarray, reference_pose: FacePose) -> np.ndarray:
    height, width = portrait.shape[:2]
    return reference_pose.image_to_face(_face_landmarks(portrait).points_px(width, height)[list(ANATOMICAL)])


def test_canonical_face_conventions() -> None:
    face = canonical_face()
    assert face.shape == (478, 3)
    np.testing.assert_allclose(face[33], [-0.5, 0.0, 0.0], atol=1e-6)  # subject's right outer eye corner
    np.testing.assert_allclose(face[263], [0.5, 0.0, 0.0], atol=1e-6)
    assert face[10, 1] > 0 > face[1, 1] > face[152, 1]  # forehead above origin above nose tip above chin
    assert face[1, 2] > face[234, 2]  # nose tip nearer the camera than the face edge


@legacy_only
def test_shipped_canonical_matches_the_portrait(portrait_path: Path) -> None:
    rebuilt = build_canonical_face(portrait_path)
    shipped = np.load(CANONICAL_PATH)
    assert np.abs(rebuilt - shipped).max() < 1e-3


def test_untransformed_portrait_maps_onto_canonical(portrait: np.ndarray, reference_coordinates: np.ndarray) -> None:
    canonical_xy = canonical_face()[list(ANATOMICAL), :2]
    # The canonical is the symmetrised portrait: the raw portrait differs by its small asymmetry only.
    assert np.abs(reference_coordinates - canonical_xy).max() < 0.06
    assert reference_coordinates[0, 0] == pytest.approx(-0.5, abs=EYE_CORNER_TOLERANCE_FU)
    assert reference_coordinates[1, 0] == pytest.approx(0.5, abs=EYE_CORNER_TOLERANCE_FU)


@pytest.mark.parametrize(
    "angle_deg, scale, shift, perspective",
    [
        (20.0, 1.0, (0.0, 0.0), 0.0),
        (-15.0, 0.7, (40.0, -30.0), 0.0),
        (0.0, 1.3, (-60.0, 20.0), 0.0),
        (8.0, 0.9, (10.0, 10.0), 0.0001),
    ],
    ids=["roll20", "roll-15-small-shifted", "bigger-shifted", "perspective"],
)
def test_face_units_are_invariant_to_image_motion(
    portrait: np.ndarray,
    reference_pose: FacePose,
    reference_coordinates: np.ndarray,
    angle_deg: float, scale: float, shift: tuple[float, float], perspective: float
) -> None:
    warped = _warp(portrait, angle_deg, scale, shift, perspective)
    face = _face_landmarks(warped)
    height, width = warped.shape[:2]
    pose = FaceFrameFitter().fit(face, width, height)
    coordinates = pose.image_to_face(face.points_px(width, height)[list(ANATOMICAL)])
    error = np.linalg.norm(coordinates - reference_coordinates, axis=1)
    assert error.max() < INVARIANCE_TOLERANCE_FU, dict(zip(ANATOMICAL, error.round(3)))
    assert pose.roll_deg - reference_pose.roll_deg == pytest.approx(angle_deg, abs=3.0)


def test_face_to_image_inverts_image_to_face(portrait: np.ndarray) -> None:
    warped = _warp(portrait, 12.0, 0.8, (5.0, 5.0), 0.0)
    face = _face_landmarks(warped)
    height, width = warped.shape[:2]
    pose = FaceFrameFitter().fit(face, width, height)
    points_fu = np.array([[0.0, 0.0], [-0.6, -0.4], [0.5, 0.3], [0.3, -1.6]])
    back = pose.image_to_face(pose.face_to_image(points_fu))
    np.testing.assert_allclose(back, points_fu, atol=1e-3)


def test_image_to_face_with_depth_gives_the_surface_depth_at_the_point_found(portrait: np.ndarray) -> None:
    """The stroke engine takes the skin's depth from the mapping instead of looking it up again."""
    warped = _warp(portrait, 12.0, 0.8, (5.0, 5.0), 0.0)
    face = _face_landmarks(warped)
    height, width = warped.shape[:2]
    pose = FaceFrameFitter().fit(face, width, height)
    points_px = pose.face_to_image(np.array([[0.0, -0.5], [-0.6, -0.4], [0.3, -1.6]]))
    xy, depth = pose.image_to_face_with_depth(points_px)
    np.testing.assert_array_equal(xy, pose.image_to_face(points_px))
    np.testing.assert_array_equal(depth, pose.surface.depth_at(xy))
    assert depth[0] > depth[1]  # the nose is nearer the camera than the cheek


def test_region_centres_are_stable_under_image_motion(portrait: np.ndarray, reference_pose: FacePose) -> None:
    regions = FaceRegions()
    warped, homography = _warp_with_homography(portrait, -18.0, 0.75, (30.0, 0.0), 0.0001)
    moved_pose = FaceFrameFitter().fit(_face_landmarks(warped), warped.shape[1], warped.shape[0])
    for name in regions.names:
        centre_px = reference_pose.face_to_image(regions.centre(name)[None, :])
        moved_px = cv2.perspectiveTransform(centre_px[None, :, :].astype(np.float64), homography)[0]
        assert regions.region_at(moved_pose.image_to_face(moved_px)[0]) == name


def test_regions_cover_the_face_and_name_sides_from_the_subject() -> None:
    regions = FaceRegions()
    face = canonical_face()
    labels = regions.regions_at(face[:, :2])
    assert all(label is not None for label in labels)
    assert regions.region_at([0.6, -0.4]) == "left_cheek"  # +x is the subject's own left
    assert regions.region_at([-0.6, -0.4]) == "right_cheek"
    assert regions.region_at([0.4, -1.6]) == "left_neck"  # below the jaw, where the mesh has no points
    assert regions.region_at([0.0, 0.5]) == "forehead"
    assert regions.region_at([3.0, 3.0]) is None
    for name in regions.names:
        assert regions.region_at(regions.centre(name)) == name
