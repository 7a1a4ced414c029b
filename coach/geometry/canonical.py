"""The canonical face: MediaPipe's 478 mesh points in face units, frontal, symmetric.

It is the reference the face frame is fitted to on every frame, and the face on which the default
regions are drawn. It is derived from the real portrait matplotlib ships (grace_hopper.jpg) by
`build_canonical_face`, mirrored and averaged so that the midline is exactly x = 0, and stored in
``coach/data/canonical_face.npy`` so that start-up needs no MediaPipe run. Calibration replaces it
with the user's own neutral face.

Face units (FU), fixed conventions: origin midway between the outer eye corners (33 and 263),
+x toward the subject's own left, +y up toward the forehead, +z toward the camera,
1 FU = distance between landmarks 33 and 263.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.types import LEFT_EYE_OUTER, RIGHT_EYE_OUTER

CANONICAL_PATH = Path(__file__).resolve().parents[1] / "data" / "canonical_face.npy"

# Points that move little with expressions: forehead, nose bridge, eye corners, temples,
# cheekbones, face edge at eye level. Mouth, jaw and brows are left out on purpose.
STABLE_LANDMARKS: tuple[int, ...] = (
    10, 151, 9, 108, 337, 109, 338, 67, 297, 69, 299, 104, 333,  # forehead
    168, 6, 197, 195, 5, 4, 1,  # nose bridge and tip
    33, 133, 263, 362, 130, 359, 243, 463,  # eye corners
    127, 356, 162, 389, 21, 251, 234, 454, 93, 323, 139, 368,  # temples, face edge at eye level
    116, 345, 117, 346, 123, 352, 50, 280, 111, 340, 143, 372,  # cheekbones
    230, 450, 231, 451, 228, 448, 229, 449,  # under the eyes
)


def face_units_from_points(points: np.ndarray) -> np.ndarray:
    """Express 3D mesh points (x right, y up, z toward camera; any scale) in face units.

    Used to turn a single, roughly frontal face (the portrait, or a user's neutral face in
    calibration) into a reference mesh.
    """
    origin = (points[RIGHT_EYE_OUTER] + points[LEFT_EYE_OUTER]) / 2.0
    x_axis = points[LEFT_EYE_OUTER] - points[RIGHT_EYE_OUTER]
    scale = float(np.linalg.norm(x_axis))
    x_axis = x_axis / scale
    up = points[10] - points[152]  # chin to forehead
    up = up - up.dot(x_axis) * x_axis
    y_axis = up / np.linalg.norm(up)
    z_axis = np.cross(x_axis, y_axis)
    rotation = np.stack([x_axis, y_axis, z_axis])
    return (points - origin) @ rotation.T / scale


def mirror_pairs(points_fu: np.ndarray) -> np.ndarray:
    """For each point, the index of its mirror image across the midline (itself on the midline).

    The mesh topology is symmetric, so the nearest neighbour of a point's reflection is its twin.
    """
    reflected = points_fu * np.array([-1.0, 1.0, 1.0])
    distances = np.linalg.norm(points_fu[None, :, :] - reflected[:, None, :], axis=2)
    return np.argmin(distances, axis=1)


def symmetrise(points_fu: np.ndarray) -> np.ndarray:
    """Average each point with the reflection of its twin so that the midline is exactly x = 0."""
    pairs = mirror_pairs(points_fu)
    reflected_twins = points_fu[pairs] * np.array([-1.0, 1.0, 1.0])
    symmetric = (points_fu + reflected_twins) / 2.0
    on_midline = pairs == np.arange(len(points_fu))
    symmetric[on_midline, 0] = 0.0
    return symmetric


def image_points_to_observed(points_norm: np.ndarray, width: int, height: int) -> np.ndarray:
    """MediaPipe's normalised (x right, y down, z into the screen) → pixels with y up, z toward camera.

    MediaPipe's z uses roughly the same scale as x, so it is multiplied by the image width.
    """
    return np.column_stack(
        [points_norm[:, 0] * width, -points_norm[:, 1] * height, -points_norm[:, 2] * width]
    )


def build_canonical_face(image_path: Path) -> np.ndarray:
    """Run Face Mesh on a frontal portrait and return its symmetric 478×3 face-unit mesh."""
    import cv2
    import mediapipe as mp

    image = cv2.imread(str(image_path))
    if image is None:
        raise FileNotFoundError(image_path)
    height, width = image.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, refine_landmarks=True, max_num_faces=1
    ) as face_mesh:
        result = face_mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    if not result.multi_face_landmarks:
        raise ValueError(f"no face found in {image_path}")
    points_norm = np.array([[p.x, p.y, p.z] for p in result.multi_face_landmarks[0].landmark])
    observed = image_points_to_observed(points_norm, width, height)
    return symmetrise(face_units_from_points(observed))


@lru_cache(maxsize=1)
def canonical_face() -> np.ndarray:
    """The shipped 478×3 canonical mesh in face units (read-only)."""
    points = np.load(CANONICAL_PATH)
    points.setflags(write=False)
    return points


def main() -> None:
    """Regenerate coach/data/canonical_face.npy from matplotlib's portrait."""
    import matplotlib

    portrait = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    points = build_canonical_face(portrait)
    CANONICAL_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.save(CANONICAL_PATH, points.astype(np.float32))


if __name__ == "__main__":
    main()
