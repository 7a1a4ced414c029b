"""The stroke engine's cheaper stand-ins for numpy routines give numpy's own values.

They were written for the engine's per-frame budget (numpy's generic handling cost more than the
arithmetic on its small arrays) under one rule: the strokes stay identical. These tests hold them to
it bit for bit, so that a numpy upgrade that changes its arithmetic shows here, not as a drift in
the strokes.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.geometry import FaceRegions, canonical_face
from coach.geometry.face_frame import FaceSurface
from coach.strokes.contact import _length
from coach.strokes.engine import _EDGE_OFFSETS, StrokeEngine
from coach.strokes.glides import _geomspace, _polyfit
from coach.strokes.periodic import _percentiles
from coach.strokes.signals import gradient, median, pad_edge

RNG_SEED = 20261130


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def test_median_is_numpys(rng: np.random.Generator) -> None:
    for count in range(1, 90):
        values = rng.normal(size=count) * rng.uniform(0.01, 5.0)
        assert median(values) == np.median(values)
        columns = rng.normal(size=(count, 2))
        np.testing.assert_array_equal(median(columns, axis=0), np.median(columns, axis=0))
    with_nan = rng.normal(size=9)
    with_nan[4] = np.nan
    assert np.isnan(median(with_nan))


def test_percentiles_are_numpys(rng: np.random.Generator) -> None:
    for count in range(2, 90):
        values = rng.normal(size=(count, 2)) * rng.uniform(0.01, 3.0)
        np.testing.assert_array_equal(_percentiles(values, (10, 90)), np.percentile(values, [10, 90], axis=0))


def test_gradient_and_edge_padding_are_numpys(rng: np.random.Generator) -> None:
    for count in range(2, 60):
        even = np.arange(count) / 30.0
        uneven = np.cumsum(rng.uniform(0.02, 0.05, size=count))
        for times in (even, uneven):
            values = rng.normal(size=(count, 2))
            np.testing.assert_array_equal(gradient(values, times), np.gradient(values, times, axis=0))
            np.testing.assert_array_equal(gradient(values[:, 0], times), np.gradient(values[:, 0], times))
        signal = rng.normal(size=count) + 1j * rng.normal(size=count)
        for width in (1, 2, 5):
            np.testing.assert_array_equal(pad_edge(signal, width), np.pad(signal, width, mode="edge"))


def test_leg_fit_helpers_are_numpys(rng: np.random.Generator) -> None:
    for _ in range(2000):
        step = rng.uniform(0.005, 0.1)
        start, stop = 3 * step, rng.uniform(0.05, 10.0) + 4 * step
        np.testing.assert_array_equal(_geomspace(start, stop, 12), np.geomspace(start, stop, 12))
    for count in range(4, 40):
        x = np.sort(rng.uniform(-0.2, 0.2, size=count))
        y = rng.normal(size=(count, 2))
        np.testing.assert_array_equal(_polyfit(x, y, 2), np.polyfit(x, y, 2))
        np.testing.assert_array_equal(_polyfit(x, y[:, 0], 3), np.polyfit(x, y[:, 0], 3))
    for _ in range(2000):
        vector = rng.normal(size=2) * rng.uniform(1.0, 500.0)
        assert _length(vector) == float(np.linalg.norm(vector))


def test_surface_depth_of_one_point_equals_its_row_of_many(rng: np.random.Generator) -> None:
    surface = FaceSurface(canonical_face())
    points = rng.uniform([-1.8, -2.8], [1.8, 1.8], size=(400, 2))
    many = surface.depth_at(points)
    one_by_one = np.array([surface.depth_at(point[None])[0] for point in points])
    np.testing.assert_array_equal(one_by_one, many)


def test_region_lookups_with_bounding_boxes_match_testing_every_region(rng: np.random.Generator) -> None:
    regions = FaceRegions()
    engine = StrokeEngine(regions=regions)
    walk = np.cumsum(rng.normal(scale=0.05, size=(3000, 2)), axis=0) % [3.2, 4.2] - [1.6, 2.6]
    points = np.vstack([rng.uniform([-1.8, -2.8], [1.8, 1.8], size=(3000, 2)), walk])
    near = 0
    for point in points:
        expected = regions.region_at(point) is not None or any(regions.region_at(point + offset) is not None
                                                                for offset in _EDGE_OFFSETS)
        assert engine._near_face(point) == expected
        near += expected
    assert 0 < near < len(points)  # both answers were exercised
    for start in range(0, 3000, 30):
        path = walk[start : start + 30]
        assert regions.regions_at(path) == [regions.region_at(point) for point in path]
