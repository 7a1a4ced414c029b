"""Face regions in face units: which part of the face a contact point is on.

The default polygons are laid out on the canonical face (see canonical.py): boundaries follow
the brows, the nose, the cheekbones, the mouth corners and the jawline, and the neck regions
continue below the jaw where the mesh has no points. Polygons are defined for the subject's right
half (x < 0) and mirrored for the left, so the two sides are treated alike. Calibration produces
adjusted polygons for one user; everything else only sees a `FaceRegions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from coach.types import REGION_NAMES, Handedness

if TYPE_CHECKING:
    from matplotlib.path import Path as PolygonPath

# Subject's right half (x < 0), each polygon listed counter-clockwise or clockwise (either works).
_RIGHT_HALF_POLYGONS: dict[str, list[tuple[float, float]]] = {
    "brow": [(-0.13, 0.0), (-0.13, 0.28), (-0.64, 0.28), (-0.64, 0.0)],
    "temple": [(-0.64, -0.15), (-0.64, 0.55), (-0.82, 0.55), (-0.95, 0.30), (-0.95, -0.15)],
    "under_eye": [(-0.13, 0.0), (-0.64, 0.0), (-0.64, -0.15), (-0.55, -0.22), (-0.20, -0.20)],
    "cheek": [
        (-0.20, -0.20), (-0.55, -0.22), (-0.64, -0.15), (-0.95, -0.15), (-0.92, -0.55),
        (-0.70, -0.60), (-0.55, -0.78), (-0.36, -0.80), (-0.34, -0.50), (-0.22, -0.50), (-0.27, -0.40),
    ],
    "jaw": [
        (-0.36, -0.80), (-0.55, -0.78), (-0.70, -0.60), (-0.92, -0.55), (-0.95, -0.72),
        (-0.76, -0.97), (-0.56, -1.11), (-0.36, -1.19),
    ],
    "neck": [
        (0.0, -1.26), (-0.36, -1.19), (-0.56, -1.11), (-0.76, -0.97), (-0.95, -0.72),
        (-0.90, -1.50), (-0.80, -2.50), (0.0, -2.50),
    ],
}

# Midline regions, given for the right half and mirrored into one symmetric polygon.
_MIDLINE_HALF_POLYGONS: dict[str, list[tuple[float, float]]] = {
    "forehead": [(0.0, 0.0), (-0.13, 0.0), (-0.13, 0.28), (-0.64, 0.28), (-0.64, 0.55), (-0.45, 0.80), (0.0, 0.88)],
    "nose": [(0.0, 0.0), (-0.13, 0.0), (-0.20, -0.20), (-0.27, -0.40), (-0.22, -0.50), (0.0, -0.50)],
    "upper_lip": [(0.0, -0.50), (-0.22, -0.50), (-0.34, -0.50), (-0.36, -0.74), (0.0, -0.74)],
    "chin": [(0.0, -0.74), (-0.36, -0.74), (-0.36, -0.80), (-0.36, -1.19), (0.0, -1.26)],
}


def _mirror(points: np.ndarray) -> np.ndarray:
    return points * np.array([-1.0, 1.0])


def _symmetric_polygon(half: list[tuple[float, float]]) -> np.ndarray:
    """Right-half outline from the top of the midline round to its bottom, closed by its mirror."""
    right = np.array(half, dtype=float)
    left = _mirror(right[::-1])
    # Drop the duplicated midline points where the halves meet.
    return np.vstack([right, left[1:-1]])


def default_region_polygons() -> dict[str, np.ndarray]:
    polygons: dict[str, np.ndarray] = {}
    for name, half in _MIDLINE_HALF_POLYGONS.items():
        polygons[name] = _symmetric_polygon(half)
    for base, outline in _RIGHT_HALF_POLYGONS.items():
        right = np.array(outline, dtype=float)
        polygons[f"right_{base}"] = right
        polygons[f"left_{base}"] = _mirror(right)
    return {name: polygons[name] for name in REGION_NAMES}


def side_of_region(region: str) -> Handedness | None:
    """'left' or 'right' for a sided region, None for a midline one."""
    if region.startswith("left_"):
        return "left"
    if region.startswith("right_"):
        return "right"
    return None


def base_region(region: str) -> str:
    """The region without its side: 'left_cheek' → 'cheek'."""
    for prefix in ("left_", "right_"):
        if region.startswith(prefix):
            return region[len(prefix) :]
    return region


@dataclass(frozen=True)
class FaceRegions:
    """Named polygons in face units, with point lookup and drawing helpers."""

    polygons_fu: Mapping[str, np.ndarray] = field(default_factory=default_region_polygons)

    @cached_property
    def _paths(self) -> dict[str, "PolygonPath"]:
        # Imported here: naming helpers above are used by code (technique files) that needs no matplotlib.
        from matplotlib.path import Path as PolygonPath

        return {name: PolygonPath(np.asarray(poly)) for name, poly in self.polygons_fu.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.polygons_fu)

    def region_at(self, point_fu: Iterable[float]) -> str | None:
        """The region containing a face-unit point, or None when it is off the face and neck."""
        point = np.asarray(point_fu, dtype=float).reshape(2)
        for name, path in self._paths.items():
            if path.contains_point(point):  # type: ignore[arg-type]  # matplotlib's stub wants a tuple
                return name
        return None

    def contains(self, region: str, point_fu: Iterable[float]) -> bool:
        """Whether one named region contains a face-unit point (the same test region_at makes)."""
        return bool(self._paths[region].contains_point(np.asarray(point_fu, dtype=float).reshape(2)))  # type: ignore[arg-type]

    def regions_at(self, points_fu: np.ndarray) -> list[str | None]:
        """Vectorised region_at for N×2 points."""
        points_fu = np.atleast_2d(points_fu)
        labels: list[str | None] = [None] * len(points_fu)
        unassigned = np.ones(len(points_fu), dtype=bool)
        # A polygon holds no point outside its bounding box: only regions whose box meets the
        # points' own box are tested (a stroke's path lies in one or two of the sixteen).
        lows, highs = self.bounding_boxes
        meets = (lows <= points_fu.max(axis=0)).all(axis=1) & (highs >= points_fu.min(axis=0)).all(axis=1)
        for region_index in np.flatnonzero(meets):
            if not unassigned.any():
                break
            name = self.names[region_index]
            inside = self._paths[name].contains_points(points_fu) & unassigned
            for index in np.flatnonzero(inside):
                labels[index] = name
            unassigned &= ~inside
        return labels

    @cached_property
    def bounding_boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each region's bounding box: lowest and highest x, y of its outline (regions × 2, twice)."""
        polygons = [np.asarray(polygon, dtype=float) for polygon in self.polygons_fu.values()]
        return np.array([polygon.min(axis=0) for polygon in polygons]), np.array([polygon.max(axis=0) for polygon in polygons])

    def centre(self, region: str) -> np.ndarray:
        """A point well inside the region (area centroid; for concave outlines, the inside point nearest it)."""
        polygon = np.asarray(self.polygons_fu[region], dtype=float)
        x, y = polygon[:, 0], polygon[:, 1]
        x_next, y_next = np.roll(x, -1), np.roll(y, -1)
        cross = x * y_next - x_next * y
        area = cross.sum() / 2.0
        centroid = np.array([((x + x_next) * cross).sum(), ((y + y_next) * cross).sum()]) / (6.0 * area)
        if self._paths[region].contains_point(centroid):
            return centroid
        xs = np.linspace(x.min(), x.max(), 40)
        ys = np.linspace(y.min(), y.max(), 40)
        grid = np.array([(gx, gy) for gx in xs for gy in ys])
        inside = grid[self._paths[region].contains_points(grid)]
        return inside[np.argmin(np.linalg.norm(inside - centroid, axis=1))]

    def distance_to(self, point_fu: Iterable[float], region: str) -> float:
        """Distance in FU from a point to a region's outline (0 inside)."""
        point = np.asarray(point_fu, dtype=float).reshape(2)
        if self._paths[region].contains_point(point):  # type: ignore[arg-type]
            return 0.0
        polygon = np.asarray(self.polygons_fu[region], dtype=float)
        starts, ends = polygon, np.roll(polygon, -1, axis=0)
        segment = ends - starts
        t = np.clip(((point - starts) * segment).sum(axis=1) / np.maximum((segment**2).sum(axis=1), 1e-12), 0, 1)
        closest = starts + t[:, None] * segment
        return float(np.linalg.norm(closest - point, axis=1).min())

    def with_polygons(self, polygons_fu: Mapping[str, np.ndarray]) -> "FaceRegions":
        """A copy with some polygons replaced (calibration)."""
        merged = dict(self.polygons_fu)
        merged.update({name: np.asarray(poly, dtype=float) for name, poly in polygons_fu.items()})
        return FaceRegions(merged)
