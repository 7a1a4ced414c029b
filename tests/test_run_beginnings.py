"""A slow circle or knead whose first seconds were read as taps (the hand's size or the fingertip's
depth swings faster than the run's own tempo) is one run from its start, once it shows: the "taps"
are taken back (StrokeEngine._was_under_way). Taps on one spot followed by a circle on another stay
taps.

The sessions are family (a)'s tuning seeds (coach.synthetic), where the previous engine reported
a false tap run and then the run with its first cycles missing.
"""

from __future__ import annotations

from coach.evaluation.families import synthetic_session
from coach.evaluation.matching import EvalSession, run_engine
from coach.strokes import StrokeEngine
from coach.types import Stroke


def _strokes_of(session: EvalSession, hand: str, start_s: float, end_s: float) -> list[Stroke]:
    strokes, _ = run_engine(session.frames, StrokeEngine())
    return [stroke for stroke in strokes if stroke.hand == hand and stroke.end_s > start_s and stroke.start_s < end_s]


def _label(session: EvalSession, pattern: str, hand: str, region: str, near_s: float) -> tuple[float, float, int]:
    """The labelled stroke of that kind that begins nearest ``near_s``."""
    label = min((label for label in session.labels
                 if label.pattern == pattern and label.hand == hand and label.region == region),
                key=lambda label: abs(label.start_s - near_s))
    return label.start_s, label.end_s, label.count


def test_a_slow_circle_first_read_as_taps_is_one_circle_from_its_start() -> None:
    session = synthetic_session(5009)
    start_s, end_s, count = _label(session, "circle", "right", "right_temple", 2.1)
    found = _strokes_of(session, "right", start_s, end_s)
    assert [stroke.pattern for stroke in found] == ["circle"], found
    assert abs(found[0].start_s - start_s) < 0.2 and found[0].count == count


def test_a_slow_knead_first_read_as_taps_is_one_knead_from_its_start() -> None:
    session = synthetic_session(5015)
    start_s, end_s, count = _label(session, "knead", "right", "right_cheek", 35.0)
    found = [stroke for stroke in _strokes_of(session, "right", start_s, end_s) if stroke.pattern != "glide" or stroke.start_s > start_s]
    assert [stroke.pattern for stroke in found] == ["knead"], found
    assert abs(found[0].start_s - start_s) < 0.2 and found[0].count == count


def test_taps_on_one_spot_then_a_circle_on_another_stay_taps() -> None:
    session = synthetic_session(5029)
    tap_start_s, tap_end_s, tap_count = _label(session, "tap", "left", "left_temple", 19.8)
    circle_start_s, circle_end_s, _ = _label(session, "circle", "left", "left_cheek", 22.3)
    found = _strokes_of(session, "left", tap_start_s, circle_end_s)
    assert [stroke.pattern for stroke in found] == ["tap", "circle"], found
    assert found[0].region == "left_temple" and found[0].count == tap_count
    assert found[1].region == "left_cheek"
