"""Fit the face regions to one user: a smooth warp of the face plane through the touched points.

The default region outlines are drawn on the canonical face. A thin-plate spline maps the plane
so that
- each touched target's default position lands on where the user touched it (so a boundary target's
  boundary passes exactly through the touched point, and an inside target's region moves with it),
- stable mesh points the tracker places well (eye corners, nose, forehead, chin, mouth corners) land
  where the user's own neutral mesh has them (where they already are, without a neutral mesh), so
  the parts of the face the mesh already knows stay put,
- a few outline points below the mesh follow their target (the bottom of the neck follows the
  collarbone hollow), so the neck regions stretch or shrink to reach it.
The thin-plate spline is the smoothest map (least bending) through those points, so the outlines
move as little as the touches allow. Boundary targets are first inserted as outline vertices and
all edges subdivided, so the warped outlines follow the curved map and neighbouring regions keep
sharing their boundaries.

A set of touches that would fold the plane (a cheekbone touched above the eye, say) is refused with
a CalibrationError naming the touch to redo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.interpolate import RBFInterpolator

from coach.calibration.errors import CalibrationError
from coach.calibration.targets import DEFAULT_TARGETS, TouchTarget
from coach.geometry.canonical import canonical_face
from coach.geometry.regions import FaceRegions, default_region_polygons
from coach.types import LEFT_EYE_OUTER, RIGHT_EYE_OUTER

# Mesh points that hold the warp where the tracker already knows the face well.
ANCHOR_LANDMARKS: tuple[int, ...] = (
    RIGHT_EYE_OUTER, LEFT_EYE_OUTER, 133, 362,  # eye corners
    168, 1,  # nose bridge and tip
    10, 152,  # top of the forehead, chin
    61, 291,  # mouth corners
)

MAX_EDGE_FU = 0.05  # outline edges are subdivided to this length so they bend with the warp
ON_EDGE_FU = 1e-6
# Smallest allowed local area ratio of the warp: below it the regions would be squashed or folded.
MIN_AREA_RATIO = 0.2


class FaceWarp:
    """A smooth map of the face plane (FU → FU) through control points; identity when they agree."""

    def __init__(self, source_fu: np.ndarray, destination_fu: np.ndarray) -> None:
        self.source_fu = np.asarray(source_fu, dtype=float).reshape(-1, 2)
        self.destination_fu = np.asarray(destination_fu, dtype=float).reshape(-1, 2)
        displacement = self.destination_fu - self.source_fu
        self._identity = bool(np.abs(displacement).max(initial=0.0) < 1e-12)
        self._displacement = (
            None
            if self._identity
            else RBFInterpolator(self.source_fu, displacement, kernel="thin_plate_spline", degree=1)
        )

    def __call__(self, points_fu: np.ndarray) -> np.ndarray:
        points_fu = np.atleast_2d(np.asarray(points_fu, dtype=float))
        if self._displacement is None:
            return points_fu.copy()
        return points_fu + self._displacement(points_fu)

    def area_ratio(self, points_fu: np.ndarray, step_fu: float = 1e-3) -> np.ndarray:
        """Local area scale (Jacobian determinant) at each point; ≤ 0 where the map folds."""
        points_fu = np.atleast_2d(np.asarray(points_fu, dtype=float))
        dx = np.array([step_fu, 0.0])
        dy = np.array([0.0, step_fu])
        d_by_dx = (self(points_fu + dx) - self(points_fu - dx)) / (2 * step_fu)
        d_by_dy = (self(points_fu + dy) - self(points_fu - dy)) / (2 * step_fu)
        return d_by_dx[:, 0] * d_by_dy[:, 1] - d_by_dx[:, 1] * d_by_dy[:, 0]


def insert_vertex(polygon: np.ndarray, point: np.ndarray, tolerance_fu: float = ON_EDGE_FU) -> np.ndarray:
    """The polygon with ``point`` added as a vertex if it lies on one of its edges (else unchanged)."""
    polygon = np.asarray(polygon, dtype=float)
    if np.min(np.linalg.norm(polygon - point, axis=1)) <= tolerance_fu:
        return polygon
    starts, ends = polygon, np.roll(polygon, -1, axis=0)
    segment = ends - starts
    t = np.clip(((point - starts) * segment).sum(axis=1) / np.maximum((segment**2).sum(axis=1), 1e-12), 0.0, 1.0)
    distance = np.linalg.norm(starts + t[:, None] * segment - point, axis=1)
    edge = int(np.argmin(distance))
    if distance[edge] > tolerance_fu:
        return polygon
    return np.insert(polygon, edge + 1, point, axis=0)


def densify(polygon: np.ndarray, max_edge_fu: float = MAX_EDGE_FU) -> np.ndarray:
    """Subdivide every edge into equal pieces no longer than ``max_edge_fu``.

    The pieces depend only on an edge's two ends, so two regions sharing an edge get the same new
    vertices and still share it after the warp.
    """
    polygon = np.asarray(polygon, dtype=float)
    points: list[np.ndarray] = []
    for start, end in zip(polygon, np.roll(polygon, -1, axis=0)):
        pieces = max(1, int(np.ceil(np.linalg.norm(end - start) / max_edge_fu - 1e-9)))
        t = np.arange(pieces)[:, None] / pieces
        points.append(start + t * (end - start))
    return np.vstack(points)


def region_warp(
    touch_points_fu: Mapping[str, Sequence[float]],
    reference_mesh_fu: np.ndarray | None = None,
    targets: Sequence[TouchTarget] = DEFAULT_TARGETS,
) -> FaceWarp:
    """The warp from default outlines to this user's, from the touches (and neutral mesh) given.

    Targets without a touch simply do not pull; anchors hold the rest.
    """
    canonical_xy = canonical_face()[list(ANCHOR_LANDMARKS), :2]
    user_xy = canonical_xy if reference_mesh_fu is None else np.asarray(reference_mesh_fu)[list(ANCHOR_LANDMARKS), :2]
    sources: list[np.ndarray] = [canonical_xy]
    destinations: list[np.ndarray] = [user_xy]
    for target in targets:
        if target.name not in touch_points_fu:
            continue
        touched = np.asarray(touch_points_fu[target.name], dtype=float).reshape(2)
        shift = touched - target.default
        sources.append(target.default[None, :])
        destinations.append(touched[None, :])
        for follower in target.followers_fu:
            sources.append(np.array([follower]))
            destinations.append(np.array([follower]) + shift)
    return FaceWarp(np.vstack(sources), np.vstack(destinations))


def _nearest_target(
    point: np.ndarray, touch_points_fu: Mapping[str, Sequence[float]], targets: Sequence[TouchTarget]
) -> str:
    """How the prompt names the touch nearest a point (the likeliest culprit of a fold)."""
    names = list(touch_points_fu)
    positions = np.array([np.asarray(touch_points_fu[name], dtype=float) for name in names])
    nearest = names[int(np.argmin(np.linalg.norm(positions - point, axis=1)))]
    labels = {target.name: target.label.replace("your ", "") for target in targets}
    return labels.get(nearest, nearest.replace("_", " "))


def calibrated_polygons(
    touch_points_fu: Mapping[str, Sequence[float]],
    reference_mesh_fu: np.ndarray | None = None,
    targets: Sequence[TouchTarget] = DEFAULT_TARGETS,
    base_polygons: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Default (or given) region outlines warped to this user. Raises CalibrationError if they would fold."""
    polygons = {name: np.asarray(polygon, dtype=float) for name, polygon in (base_polygons or default_region_polygons()).items()}
    for target in targets:
        if target.kind == "boundary" and target.name in touch_points_fu:
            for name in polygons:
                polygons[name] = insert_vertex(polygons[name], target.default)
    polygons = {name: densify(polygon) for name, polygon in polygons.items()}
    warp = region_warp(touch_points_fu, reference_mesh_fu, targets)
    all_vertices = np.vstack(list(polygons.values()))
    low, high = all_vertices.min(axis=0), all_vertices.max(axis=0)
    grid = np.stack(np.meshgrid(np.linspace(low[0], high[0], 25), np.linspace(low[1], high[1], 40)), axis=-1).reshape(-1, 2)
    probe = np.vstack([all_vertices, grid])
    ratio = warp.area_ratio(probe)
    worst = int(np.argmin(ratio))
    if touch_points_fu and ratio[worst] < MIN_AREA_RATIO:
        culprit = _nearest_target(probe[worst], touch_points_fu, targets)
        raise CalibrationError(
            f"The touches are inconsistent: they would fold the face map near "
            f"({probe[worst][0]:+.2f}, {probe[worst][1]:+.2f}) FU. Redo the touch at {culprit}."
        )
    warped_vertices = warp(all_vertices)
    result: dict[str, np.ndarray] = {}
    start = 0
    for name, polygon in polygons.items():
        result[name] = warped_vertices[start : start + len(polygon)]
        start += len(polygon)
    return result


def calibrated_regions(
    touch_points_fu: Mapping[str, Sequence[float]],
    reference_mesh_fu: np.ndarray | None = None,
    targets: Sequence[TouchTarget] = DEFAULT_TARGETS,
) -> FaceRegions:
    """FaceRegions fitted to this user's touches (and neutral mesh)."""
    return FaceRegions(calibrated_polygons(touch_points_fu, reference_mesh_fu, targets))
