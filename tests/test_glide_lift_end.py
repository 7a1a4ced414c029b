"""A glide ends where the hand rises off the skin or travels off (issue 10: a glide is reported within 0.5 s of its end).

In a series with lifted returns the finger pauses at the glide's end, then the hand rises and goes
back. The finger's stop shows only 0.1 s late (the smoothing) and its way back later still, but the
hand's apparent size grows at once as it rises: the glide is over, and is timed and reported then.
Minimum-jerk sessions (family b's motion model), scripted seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.evaluation import minjerk
from coach.evaluation.matching import match_strokes
from engine_helpers import engine_events, final_strokes


@pytest.mark.parametrize(("region", "hand", "direction", "seed"), [
    ("left_under_eye", "left", "out", 2), ("right_jaw", "right", "up-out", 3)])
def test_a_series_glide_is_reported_as_the_hand_rises_for_its_return(region: str, hand: str, direction: str, seed: int) -> None:
    session = minjerk.generate_scripted([minjerk.Block("glide", region, hand=hand, direction=direction, reps=5)], seed=seed)  # type: ignore[arg-type]
    glides = [label for label in session.labels if label.pattern == "glide"]
    strokes = [stroke for stroke in final_strokes(engine_events(session.frames)) if stroke.pattern == "glide"]
    evaluation = match_strokes(glides, strokes)
    assert not evaluation.missed and not evaluation.extra
    assert all(stroke.direction == label.direction for label, stroke, *_ in evaluation.pairs)
    latencies = sorted(stroke.reported_s - label.end_s for label, stroke, *_ in evaluation.pairs)
    # Waiting for the way back gave medians of 0.48-0.52 s on these series; the rise is seen 0.1-0.2 s sooner.
    assert float(np.median(latencies)) <= 0.42, [round(value, 2) for value in latencies]


@pytest.mark.parametrize(("region", "hand", "direction", "seed"), [
    ("nose", None, "down", 1), ("left_under_eye", "left", "out", 3), ("left_under_eye", "left", "out", 4)])
def test_the_last_glide_is_reported_as_the_hand_travels_off(region: str, hand: str | None, direction: str, seed: int) -> None:
    """After a series' last glide the hand leaves the face at once. It moves at a speed no glide
    reaches well before it is off the skin: the glide ended where the finger was slowest just before,
    and is reported then, not when the contact ends (0.8-0.96 s after the glide on these series)."""
    session = minjerk.generate_scripted([minjerk.Block("glide", region, hand=hand, direction=direction, reps=3)], seed=seed)  # type: ignore[arg-type]
    glides = [label for label in session.labels if label.pattern == "glide"]
    strokes = [stroke for stroke in final_strokes(engine_events(session.frames)) if stroke.pattern == "glide"]
    evaluation = match_strokes(glides, strokes)
    assert not evaluation.missed and not evaluation.extra
    pairs = sorted(((label, stroke) for label, stroke, *_ in evaluation.pairs), key=lambda pair: pair[0].start_s)
    assert all(stroke.direction == label.direction for label, stroke in pairs)
    last_label, last_stroke = pairs[-1]
    assert last_stroke.reported_s - last_label.end_s <= 0.5, f"last glide reported {last_stroke.reported_s - last_label.end_s:.2f} s after its end"
