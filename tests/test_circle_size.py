"""A circle is a few millimetres round at least (periodic.MIN_CIRCLE_RADIUS_FU): the tracking's jitter
round a finger resting for seconds can loop at a steady slow pace, and was read as a slow circle in
the middle of a long hold, cutting it in three. Real small circles are still found.

Sessions: seed 5057 of family (a)'s second tuning set (5030–5089, never evaluated) and scripted circles.
"""

from __future__ import annotations

import pytest

from coach.evaluation.families import synthetic_session
from coach.evaluation.matching import run_engine
from coach.strokes import StrokeEngine
from coach.strokes.periodic import MIN_CIRCLE_RADIUS_FU
from coach.synthetic import Block, SessionSpec, generate_scripted
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)


def test_a_long_hold_is_not_read_as_a_slow_circle() -> None:
    session = synthetic_session(5057)
    label = next(label for label in session.labels
                 if label.pattern == "hold" and label.hand == "right" and abs(label.start_s - 34.7) < 0.5)
    strokes, _ = run_engine(session.frames, StrokeEngine())
    found = [stroke for stroke in strokes if stroke.hand == "right" and stroke.end_s > label.start_s and stroke.start_s < label.end_s]
    assert [stroke.pattern for stroke in found] == ["hold"], found
    assert found[0].duration_s > 0.8 * (label.end_s - label.start_s)


@pytest.mark.parametrize(("region", "hand", "direction", "rate_hz", "seed"), [
    ("right_cheek", "right", "outward", 1.0, 61), ("left_temple", "left", "inward", 0.8, 62), ("forehead", "right", "inward", 1.3, 63)])
def test_small_circles_are_still_circles(region: str, hand: str, direction: str, rate_hz: float, seed: int) -> None:
    """Circles of 3.5 mm radius (0.042 FU, about the smallest the generators make), scripted."""
    radius_fu = 1.4 * MIN_CIRCLE_RADIUS_FU
    block = Block("circle", region, hand=hand, direction=direction, rate_hz=rate_hz, count=4, radius_fu=radius_fu)  # type: ignore[arg-type]
    frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
    strokes = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.hand == hand]
    circles = [stroke for stroke in strokes if stroke.pattern == "circle"]
    assert len(circles) == 1 and circles[0].direction == direction, strokes
    assert abs(circles[0].count - 4) <= 1, circles[0]
