"""The user's neutral face: their own mesh in face units, averaged over a couple of still seconds.

Each frame's mesh is expressed in face units with ``face_units_from_points`` (origin between the
outer eye corners, 1 FU = their distance, axes from the eyes and the forehead–chin line), which
removes head position, size and rotation; averaging the frames of a still, frontal stretch removes
landmark jitter. The user's own asymmetry is kept on purpose (no symmetrising): it is what makes
their mesh a better reference than the generic one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.geometry.canonical import canonical_face, face_units_from_points, image_points_to_observed
from coach.geometry.face_frame import FacePose
from coach.types import TrackedFrame

MESH_POINTS = 478


@dataclass(frozen=True)
class NeutralSettings:
    hold_s: float = 2.0  # how long to stay still
    min_frames: int = 5
    max_drift_fu: float = 0.05  # head movement allowed during the hold
    max_turn_deg: float = 4.0  # head rotation allowed during the hold
    max_expression_fu: float = 0.03  # mean mesh change allowed (talking, smiling)
    max_yaw_deg: float = 15.0  # how far from frontal the face may be
    max_pitch_deg: float = 20.0


@dataclass(frozen=True)
class NeutralUpdate:
    """What one frame did to the neutral capture."""

    fraction: float  # 0..1 of the hold done
    advice: str  # why the hold restarted ("" when all is well)
    mesh_fu: np.ndarray | None = None  # 478×3, set when the capture is complete


def frame_mesh_fu(tracked: TrackedFrame) -> np.ndarray | None:
    """This frame's face mesh in face units (478×3), or None without a face.

    A 468-point mesh (no iris refinement) is completed with the canonical iris points so that the
    reference always has the full 478.
    """
    if tracked.face is None:
        return None
    observed = image_points_to_observed(tracked.face.points_norm, tracked.width, tracked.height)
    mesh = face_units_from_points(observed)
    if len(mesh) < MESH_POINTS:
        mesh = np.vstack([mesh, canonical_face()[len(mesh) : MESH_POINTS]])
    return mesh


class NeutralFaceCollector:
    """Collects still, frontal, relaxed frames until ``hold_s`` of them in a row are averaged."""

    def __init__(self, settings: NeutralSettings | None = None) -> None:
        self.settings = settings or NeutralSettings()
        self._times: list[float] = []
        self._meshes: list[np.ndarray] = []
        self._first_pose: FacePose | None = None

    def reset(self) -> None:
        self._times.clear()
        self._meshes.clear()
        self._first_pose = None

    def _restart(self, timestamp_s: float, mesh: np.ndarray, pose: FacePose) -> None:
        self._times = [timestamp_s]
        self._meshes = [mesh]
        self._first_pose = pose

    def add(self, tracked: TrackedFrame, pose: FacePose | None) -> NeutralUpdate:
        settings = self.settings
        mesh = frame_mesh_fu(tracked)
        if mesh is None or pose is None:
            self.reset()
            return NeutralUpdate(0.0, "Face not seen: face the camera")
        if abs(pose.yaw_deg) > settings.max_yaw_deg or abs(pose.pitch_deg) > settings.max_pitch_deg:
            self.reset()
            return NeutralUpdate(0.0, "Turn to face the camera straight on")
        first = self._first_pose
        if first is None:
            self._restart(tracked.timestamp_s, mesh, pose)
            return NeutralUpdate(0.0, "")
        drift_fu = float(np.linalg.norm(pose.origin_px - first.origin_px)) / first.scale_px_per_fu
        size_change = abs(pose.scale_px_per_fu / first.scale_px_per_fu - 1.0)
        turn_deg = max(
            abs(pose.roll_deg - first.roll_deg), abs(pose.yaw_deg - first.yaw_deg), abs(pose.pitch_deg - first.pitch_deg)
        )
        if drift_fu > settings.max_drift_fu or size_change > settings.max_drift_fu or turn_deg > settings.max_turn_deg:
            self._restart(tracked.timestamp_s, mesh, pose)
            return NeutralUpdate(0.0, "Hold your head still")
        mean_so_far = np.mean(np.stack(self._meshes), axis=0)
        expression_fu = float(np.linalg.norm(mesh - mean_so_far, axis=1).mean())
        if expression_fu > settings.max_expression_fu:
            self._restart(tracked.timestamp_s, mesh, pose)
            return NeutralUpdate(0.0, "Keep a relaxed, neutral face (mouth closed, no smile)")
        self._times.append(tracked.timestamp_s)
        self._meshes.append(mesh)
        held_s = self._times[-1] - self._times[0]
        fraction = min(1.0, held_s / settings.hold_s)
        if held_s >= settings.hold_s and len(self._meshes) >= settings.min_frames:
            return NeutralUpdate(1.0, "", np.mean(np.stack(self._meshes), axis=0))
        return NeutralUpdate(fraction, "")
