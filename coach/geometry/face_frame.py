"""The face frame: where the face is in the image, so that strokes are measured on the face.

Every frame, a scaled orthographic projection (scale, 3D rotation, translation) is fitted from many
stable mesh points to the reference mesh (the canonical face, or the user's own from calibration). Fitting
many points, with a second pass that drops the worst, keeps landmark jitter and expressions from
moving the frame; fitting in 3D handles roll, scale and moderate yaw and pitch.

A fingertip has no usable depth of its own relative to the face, so image points are mapped into
face units by intersecting the viewing ray (orthographic, as MediaPipe's own model) with the
reference face surface.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from coach.geometry.canonical import STABLE_LANDMARKS, canonical_face, image_points_to_observed
from coach.types import FaceLandmarks

_FLIP_Y = np.array([1.0, -1.0])
MIN_FACE_SPAN_PX = 1.0
"""Stable points spread over less than a pixel in x or y are not a face (a degenerate fit)."""


@dataclass(frozen=True)
class FaceSurface:
    """Depth of the reference face for any (x, y) in face units, so rays can land on the skin.

    Beyond the mesh (the neck, the hairline) the depth of the nearest mesh points is used.
    """

    reference_fu: np.ndarray  # N×3

    @cached_property
    def _mesh_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y and depth of the mesh points as contiguous rows, made once per surface."""
        return tuple(np.ascontiguousarray(self.reference_fu[:, axis]) for axis in range(3))  # type: ignore[return-value]

    def depth_at(self, points_xy_fu: np.ndarray) -> np.ndarray:
        """Inverse-square-distance mean depth of the 4 nearest mesh points (in x, y) to each point.

        It runs several times per hand per frame (the stroke engine's budget) and on whole paths
        for the overlay: squared distances to the 478 columns and a partial sort, no square root
        over the whole table (about half the time of the plain norm for one point, a quarter for 60). A
        KD-tree (scipy.spatial) is faster still for long paths but costs 0.4 s of CPU to import,
        which would land on the frame where a hand first touches the face.
        """
        points_xy_fu = np.atleast_2d(points_xy_fu)
        mesh_x, mesh_y, mesh_depth = self._mesh_columns
        if len(points_xy_fu) == 1:  # the engine's case, several times a frame: the same sums on flat rows
            squared_row = (points_xy_fu[0, 0:1] - mesh_x) ** 2 + (points_xy_fu[0, 1:2] - mesh_y) ** 2  # (float64 rows: a scalar would give the float32 table's precision)
            nearest_row = np.argpartition(squared_row, 4)[:4]
            row_weights = 1.0 / (np.sqrt(squared_row[nearest_row]) + 1e-3) ** 2
            return ((row_weights * mesh_depth[nearest_row]).sum() / row_weights.sum()).reshape(1)
        squared = (points_xy_fu[:, 0:1] - mesh_x) ** 2 + (points_xy_fu[:, 1:2] - mesh_y) ** 2
        nearest = np.argpartition(squared, 4, axis=1)[:, :4]
        # Plain fancy indexing: take_along_axis's index building cost more than the distances.
        nearest_distances = np.sqrt(squared[np.arange(len(squared))[:, None], nearest])
        weights = 1.0 / (nearest_distances + 1e-3) ** 2
        return (weights * mesh_depth[nearest]).sum(axis=1) / weights.sum(axis=1)


@dataclass(frozen=True)
class FacePose:
    """Image ↔ face-unit transform for one frame: observed = scale · rotation · face + translation.

    ``observed`` is pixels with y up and z toward the camera (see canonical.image_points_to_observed);
    the projection is scaled orthographic, so only its x and y rows matter for the image.
    """

    scale_px_per_fu: float
    rotation: np.ndarray  # 3×3, face frame → observed frame
    translation: np.ndarray  # 3, pixels (y up)
    surface: FaceSurface
    residual_fu: float = 0.0  # RMS fit residual of the stable points, in FU

    @property
    def origin_px(self) -> np.ndarray:
        """The face-frame origin (midway between the outer eye corners) in image pixels."""
        return self.translation[:2] * _FLIP_Y

    @property
    def roll_deg(self) -> float:
        """Head tilt in the image plane, positive when the subject's left eye is higher."""
        return float(np.degrees(np.arctan2(self.rotation[1, 0], self.rotation[0, 0])))

    @property
    def yaw_deg(self) -> float:
        """Head turn; positive when the face turns toward the subject's left."""
        return float(np.degrees(np.arcsin(np.clip(self.rotation[0, 2], -1.0, 1.0))))

    @property
    def pitch_deg(self) -> float:
        """Nod; positive when the face tilts up."""
        return float(np.degrees(-np.arcsin(np.clip(self.rotation[1, 2], -1.0, 1.0))))

    def face_to_image(self, points_fu: np.ndarray) -> np.ndarray:
        """Face-unit points (N×2 on the skin, or N×3) → image pixels N×2."""
        points_fu = np.atleast_2d(np.asarray(points_fu, dtype=float))
        if points_fu.shape[1] == 2:
            points_fu = np.column_stack([points_fu, self.surface.depth_at(points_fu)])
        observed = self.scale_px_per_fu * points_fu @ self.rotation.T + self.translation
        return observed[:, :2] * _FLIP_Y

    @cached_property
    def _image_solve(self) -> tuple[np.ndarray, np.ndarray]:
        """The projection's depth column and the inverse of its in-plane part, made once per pose
        (both hands, and a stand-in pose over many frames, map points with it)."""
        projection = self.scale_px_per_fu * self.rotation[:2, :]  # 2×3
        return projection[:, 2], np.linalg.inv(projection[:, :2])

    def image_to_face(self, points_px: np.ndarray, iterations: int = 3) -> np.ndarray:
        """Image pixels N×2 → face units N×2, on the reference face surface.

        Solves the orthographic projection for (x, y) with z taken from the surface, refining z a
        few times; on a frontal face z barely matters, on a turned face it unfolds the cheek.
        """
        return self.image_to_face_with_depth(points_px, iterations)[0]

    def image_to_face_with_depth(self, points_px: np.ndarray, iterations: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """image_to_face, and the surface's depth at the points found (its last refinement computes
        it anyway; the stroke engine needs it every frame and would otherwise look it up again)."""
        points_px = np.atleast_2d(np.asarray(points_px, dtype=float))
        target = points_px * _FLIP_Y - self.translation[:2]
        depth_column, inverse = self._image_solve
        depth = np.zeros(len(points_px))
        xy = np.zeros((len(points_px), 2))
        for _ in range(iterations):
            xy = (target - depth[:, None] * depth_column[None, :]) @ inverse.T
            depth = self.surface.depth_at(xy)
        return xy, depth

    def fu_to_px_length(self, length_fu: float) -> float:
        return length_fu * self.scale_px_per_fu


def rotations_part_way(before: np.ndarray, after: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Rotation matrices ``shares`` of the way from ``before`` to ``after`` along the shortest turn
    (spherical interpolation, as scipy's Slerp), K×3×3.

    Written with numpy (Rodrigues' formula about the turn's axis) because importing
    scipy.spatial.transform costs about 0.4 s of CPU, which landed on the frame where the face was
    first found again (a 144 ms engine frame); tests/test_face_loss.py checks it against Slerp.
    """
    shares = np.asarray(shares, dtype=float).reshape(-1)
    turn = before.T @ after
    angle = float(np.arccos(np.clip((np.trace(turn) - 1.0) / 2.0, -1.0, 1.0)))
    if angle < 1e-9:
        return np.broadcast_to(before, (len(shares), 3, 3)).copy()
    if np.pi - angle < 1e-6:  # a half turn: the axis is the direction the turn leaves in place
        values, vectors = np.linalg.eigh((turn + turn.T) / 2.0)
        axis = vectors[:, int(np.argmax(values))]
    else:
        axis = np.array([turn[2, 1] - turn[1, 2], turn[0, 2] - turn[2, 0], turn[1, 0] - turn[0, 1]]) / (2.0 * np.sin(angle))
    cross = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    partial = shares * angle
    steps = (np.eye(3)[None] + np.sin(partial)[:, None, None] * cross[None]
             + (1.0 - np.cos(partial))[:, None, None] * (cross @ cross)[None])
    return before[None] @ steps


def pose_part_way(before: FacePose, after: FacePose, share: float) -> FacePose:
    """The pose ``share`` of the way from one pose to another, as image_to_face_between takes it
    (rotation on the sphere, scale and translation linearly), on ``after``'s surface."""
    return FacePose(
        scale_px_per_fu=before.scale_px_per_fu + share * (after.scale_px_per_fu - before.scale_px_per_fu),
        rotation=rotations_part_way(before.rotation, after.rotation, np.array([share]))[0],
        translation=before.translation + share * (after.translation - before.translation),
        surface=after.surface,
        residual_fu=after.residual_fu,
    )


def moved_pose(pose: FacePose, motion_px: np.ndarray) -> FacePose:
    """``pose`` carried by an image-plane similarity ``motion_px`` (2×3, pixels, y down): the head
    moved in the image as measured from its skin (coach.perception.face_motion).

    The similarity's scale multiplies the pose's, its rotation turns the face about the camera's
    axis (roll), its shift moves the face. Turns and nods out of the image plane show only as the
    in-plane part of their motion, which over one frame is all there is to see of them.
    """
    linear = np.asarray(motion_px, dtype=float)[:, :2]
    shift = np.asarray(motion_px, dtype=float)[:, 2]
    # observed = F · image with F = diag(1, −1): the motion in observed coordinates is F M F, F b.
    observed_linear = _FLIP_Y[:, None] * linear * _FLIP_Y[None, :]
    factor = float(np.sqrt(max(abs(np.linalg.det(linear)), 1e-12)))
    rows = (observed_linear / factor) @ pose.rotation[:2]
    third = np.array([rows[0, 1] * rows[1, 2] - rows[0, 2] * rows[1, 1],
                      rows[0, 2] * rows[1, 0] - rows[0, 0] * rows[1, 2],
                      rows[0, 0] * rows[1, 1] - rows[0, 1] * rows[1, 0]])
    translation = pose.translation.copy()
    translation[:2] = observed_linear @ pose.translation[:2] + _FLIP_Y * shift
    return FacePose(
        scale_px_per_fu=pose.scale_px_per_fu * factor,
        rotation=np.vstack([rows, third]),
        translation=translation,
        surface=pose.surface,
        residual_fu=pose.residual_fu,
    )


def image_to_face_between(before: FacePose, after: FacePose, shares: np.ndarray, points_px: np.ndarray,
                          iterations: int = 3) -> np.ndarray:
    """Image pixels N×2, each seen ``shares[i]`` of the way from one pose to the next → face units N×2.

    Used for the stretch in which a hand hid the face: the head went from one pose to the other
    unseen, and over a few seconds it moves smoothly enough that the pose part-way there (rotation
    interpolated on the sphere, scale and translation linearly) is the best estimate there is.
    Solved as FacePose.image_to_face does, one pose per point, all at once.
    """
    shares = np.clip(np.asarray(shares, dtype=float), 0.0, 1.0)
    points_px = np.atleast_2d(np.asarray(points_px, dtype=float))
    rotations = rotations_part_way(before.rotation, after.rotation, shares)
    scale = before.scale_px_per_fu + shares * (after.scale_px_per_fu - before.scale_px_per_fu)
    translation = before.translation[None, :2] + shares[:, None] * (after.translation - before.translation)[None, :2]
    target = points_px * _FLIP_Y - translation
    projection = scale[:, None, None] * rotations[:, :2, :]  # N×2×3
    inverse = np.linalg.inv(projection[:, :, :2])
    depth_column = projection[:, :, 2]
    depth = np.zeros(len(points_px))
    xy = np.zeros((len(points_px), 2))
    for _ in range(iterations):
        xy = np.einsum("nij,nj->ni", inverse, target - depth[:, None] * depth_column)
        depth = after.surface.depth_at(xy)
    return xy


def _weak_perspective_fit(
    reference_fu: np.ndarray, observed_xy: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, 3D rotation and translation that best project the reference onto the image points.

    Only x and y are fitted: MediaPipe's depth changes when the image merely rotates, so
    trusting it tilts the frame. A weighted least-squares affine projection is found first and
    then snapped to the nearest scaled orthographic one (equal, orthogonal rows).
    """
    w = weights / weights.sum()
    reference_mean = w @ reference_fu
    observed_mean = w @ observed_xy
    reference_centred = reference_fu - reference_mean
    observed_centred = observed_xy - observed_mean
    normal_matrix = (reference_centred * w[:, None]).T @ reference_centred
    right_side = (reference_centred * w[:, None]).T @ observed_centred
    affine = np.linalg.solve(normal_matrix, right_side).T  # 2×3
    u, singular, vt = np.linalg.svd(affine, full_matrices=False)
    rows = u @ vt
    scale = float(singular.mean())
    (ax, ay, az), (bx, by, bz) = rows
    # The third row is the cross product of the first two, written out: np.cross costs ~60 µs for
    # one pair of 3-vectors (its axis handling), twice per frame on the tracking thread.
    rotation = np.array([rows[0], rows[1], [ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx]])
    translation = np.append(observed_mean - scale * rows @ reference_mean, 0.0)
    return scale, rotation, translation


class FaceFrameFitter:
    """Fits a FacePose to each frame's face landmarks against one reference mesh."""

    def __init__(self, reference_fu: np.ndarray | None = None, landmarks: tuple[int, ...] = STABLE_LANDMARKS) -> None:
        self.reference_fu = np.asarray(reference_fu if reference_fu is not None else canonical_face(), dtype=float)
        self.landmarks = np.array(landmarks)
        self.surface = FaceSurface(self.reference_fu)

    def fit(self, face: FaceLandmarks, width: int, height: int) -> FacePose | None:
        """The face's pose, or None when the points cannot be a face (all in one spot, e.g. a
        recording of zeros): callers treat that frame as one without a face."""
        observed = image_points_to_observed(face.points_norm[self.landmarks], width, height)[:, :2]
        reference = self.reference_fu[self.landmarks]
        if not np.all(np.isfinite(observed)) or float(np.ptp(observed, axis=0).min()) < MIN_FACE_SPAN_PX:
            return None

        def residuals_fu(scale: float, rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
            projected = scale * reference @ rotation[:2].T + translation[:2]
            return np.linalg.norm(observed - projected, axis=1) / scale

        scale, rotation, translation = _weak_perspective_fit(reference, observed, np.ones(len(reference)))
        if not (math.isfinite(scale) and scale > 0.0):
            return None
        # Second pass: down-weight points that disagree (an expression, a finger pressing the skin).
        residuals = residuals_fu(scale, rotation, translation)
        cutoff = max(float(np.median(residuals)) * 2.5, 1e-3)
        weights = np.where(residuals <= cutoff, 1.0, cutoff / residuals)
        scale, rotation, translation = _weak_perspective_fit(reference, observed, weights)
        if not (math.isfinite(scale) and scale > 0.0):
            return None
        residuals = residuals_fu(scale, rotation, translation)
        return FacePose(
            scale_px_per_fu=scale,
            rotation=rotation,
            translation=translation,
            surface=self.surface,
            residual_fu=float(np.sqrt(np.mean(residuals**2))),
        )


def fit_face_pose(face: FaceLandmarks, width: int, height: int, reference_fu: np.ndarray | None = None) -> FacePose | None:
    """One-off fit; streams should keep a FaceFrameFitter."""
    return FaceFrameFitter(reference_fu).fit(face, width, height)
