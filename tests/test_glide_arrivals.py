"""Glides made right after the hand arrives on the face, and right before it leaves (issue 10).

A hand lands on the skin still travelling and glides on after a short settle, and leaves the face
at travel speed right after its last glide. The arrival is not a glide of its own, and neither the
arrival nor the departure is timed as part of the glide next to it (which made its direction and
speed wrong, or lost it). Minimum-jerk sessions (family b's motion model), scripted seeds, with the face
frame from Face Mesh alone (``head_motion_reading=False``): these tests time arrivals and departures;
the head's motion read round a hand carries its own per-frame error, judged by test_face_loss and
the benchmark.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.evaluation import minjerk
from coach.evaluation.matching import match_strokes
from coach.geometry import FaceFrameFitter
from coach.strokes import StrokeEngine
from coach.strokes.glides import still_bounds
from coach.types import Stroke

TIMING_TOLERANCE_S = 0.25
FACE_MESH_ONLY = minjerk.MinJerkSpec(head_motion_reading=False)


def _final_strokes(frames) -> list[Stroke]:
    engine, fitter = StrokeEngine(), FaceFrameFitter()
    events: list[Stroke] = []
    for frame in frames:
        pose = fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None
        events += engine.update(frame, pose)
    events += engine.flush()
    withdrawn = {stroke.stroke_id for stroke in events if stroke.withdrawn}
    return [stroke for stroke in events if stroke.final and stroke.stroke_id not in withdrawn]


@pytest.mark.parametrize(("region", "hand", "direction", "seed"), [
    ("left_cheek", "left", "up-out", 0),
    ("left_cheek", "left", "up-out", 2),
    ("left_cheek", "left", "up-out", 4),
    ("nose", None, "down", 1),
    ("nose", None, "down", 5),
    ("left_under_eye", "left", "out", 3),
    ("left_under_eye", "left", "out", 4),
])
def test_a_series_after_an_arrival_is_read_glide_by_glide(region: str, hand: str | None, direction: str, seed: int) -> None:
    session = minjerk.generate_scripted([minjerk.Block("glide", region, hand=hand, direction=direction, reps=3)], seed=seed,
                                         spec=FACE_MESH_ONLY)
    strokes = _final_strokes(session.frames)
    evaluation = match_strokes(session.labels, strokes)
    found = [(s.pattern, s.direction, round(s.start_s, 2), round(s.end_s, 2)) for s in strokes]
    assert not evaluation.missed, f"missed {[(label.start_s, label.end_s) for label in evaluation.missed]}; found {found}"
    assert not evaluation.extra, f"extra {[(s.pattern, s.direction, s.start_s, s.end_s) for s in evaluation.extra]}"
    for label, stroke, *_ in evaluation.pairs:
        assert stroke.pattern == "glide" and stroke.direction == label.direction
        assert abs(stroke.start_s - label.start_s) < TIMING_TOLERANCE_S, (stroke.start_s, label.start_s)
        assert abs(stroke.end_s - label.end_s) < TIMING_TOLERANCE_S, (stroke.end_s, label.end_s)


def _slide(segments: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A 30 Hz slide along x made of (duration s, speed FU/s) pieces."""
    speeds = np.concatenate([np.full(int(round(duration * 30)), speed) for duration, speed in segments])
    times = np.arange(len(speeds)) / 30.0
    x = np.concatenate([[0.0], np.cumsum(speeds[1:] / 30.0)])
    return times, np.column_stack([x, np.zeros_like(x)])


def test_an_arrival_is_cut_off_at_the_rest_before_the_glide() -> None:
    times, points = _slide([(0.2, 2.0), (0.2, 0.0), (0.5, 0.4), (0.3, 0.0)])
    first, last = still_bounds(times, points, travel_fu_s=1.2, min_glide_fu=0.1)
    assert 0.2 <= times[first] <= 0.4  # inside the rest between the landing and the glide
    assert last == len(times) - 1


def test_a_slide_that_only_slows_from_an_arrival_is_not_a_glide() -> None:
    times, points = _slide([(0.3, 2.0), (0.3, 0.8), (0.3, 0.2), (0.3, 0.0)])
    assert still_bounds(times, points, travel_fu_s=1.2, min_glide_fu=0.1) is None


def test_a_departure_at_travel_speed_is_cut_off_but_a_glide_that_ends_moving_is_kept() -> None:
    times, points = _slide([(0.2, 0.0), (0.5, 0.4), (0.2, 0.0), (0.2, 3.0)])
    first, last = still_bounds(times, points, travel_fu_s=1.2, min_glide_fu=0.1)
    assert first == 0 and 0.7 <= times[last] <= 0.9
    times, points = _slide([(0.2, 0.0), (0.6, 0.5)])  # cut where the hand lifts while still gliding
    assert still_bounds(times, points, travel_fu_s=1.2, min_glide_fu=0.1) == (0, len(times) - 1)
