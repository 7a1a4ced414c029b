"""A glide ends where the hand rises off the skin or travels off (issue 10: a glide is reported within 0.5 s of its end).

In a series with lifted returns the finger pauses at the glide's end, then the hand rises and goes
back. The finger's stop shows only 0.1 s late (the smoothing) and its way back later still, but the
hand's apparent size grows at once as it rises: the glide is over, and is timed and reported then.
Minimum-jerk sessions (family b's motion model), scripted seeds; and one tuning session of family (a).
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.evaluation import minjerk
from coach.evaluation.families import synthetic_session
from coach.evaluation.matching import match_strokes, run_engine
from coach.strokes import StrokeEngine, engine
from coach.types import Stroke
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


def test_a_slow_glide_ends_as_the_hand_rises_off_its_way_and_that_rise_is_no_glide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Family (a) tuning seed 5021: a right-brow glide up and out at 0.1 FU/s (labelled end 38.47 s),
    then a lifted return. Tracking jitter moves so slow a finger faster than 0.3 of its peak, and
    the rising fingertip first drifts sideways in the image (0.5-0.66 FU/s), so "the hand rises as
    the slide slows" never held: the glide waited for the way back (0.73 s after its end). The rise
    while the finger leaves its way ends it sooner (engine.LIFT_END_OFF_WAY); and the sideways,
    rising part that follows is the return, not a glide (engine.LIFTED_RETURN_S): without that,
    it and the way back were read as two glides."""
    session = synthetic_session(5021)
    label = next(label for label in session.labels
                 if label.pattern == "glide" and label.hand == "right" and abs(label.end_s - 38.47) < 0.05)
    following = min((other for other in session.labels if other.hand == "right" and other.start_s > label.end_s),
                     key=lambda other: other.start_s)

    def glide_and_extras() -> tuple[Stroke, list[Stroke]]:
        strokes, _ = run_engine(session.frames, StrokeEngine())
        evaluation = match_strokes(session.labels, strokes)
        matched = next(stroke for paired, stroke, *_ in evaluation.pairs if paired is label)
        between = [stroke for stroke in evaluation.extra
                   if stroke.hand == "right" and label.end_s < stroke.end_s < following.start_s + 0.5]
        return matched, between

    glide, extras = glide_and_extras()
    assert glide.direction == label.direction and not extras, extras
    assert glide.reported_s is not None

    monkeypatch.setattr(engine, "LIFT_END_OFF_WAY", False)
    waited, _ = glide_and_extras()
    assert waited.reported_s is not None and waited.reported_s - glide.reported_s >= 0.1, (waited.reported_s, glide.reported_s)

    monkeypatch.setattr(engine, "LIFT_END_OFF_WAY", True)
    monkeypatch.setattr(engine, "LIFTED_RETURN_S", 0.0)
    _, split_return = glide_and_extras()
    assert split_return, "the return's rising part was not read as a glide even without the rule: the test shows nothing"
