"""Face frame (image ↔ face units) and face regions."""

from coach.geometry.canonical import canonical_face
from coach.geometry.face_frame import FaceFrameFitter, FacePose, fit_face_pose
from coach.geometry.regions import FaceRegions, base_region, default_region_polygons, side_of_region

__all__ = [
    "FaceFrameFitter",
    "FacePose",
    "FaceRegions",
    "base_region",
    "canonical_face",
    "default_region_polygons",
    "fit_face_pose",
    "side_of_region",
]
