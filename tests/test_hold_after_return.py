"""A hold is not invented in the landing of a glide's return (issue 10).

In a series of slow glides with lifted returns the hand comes back and lands on the skin; the return's
slow tail stays within a hold's spot, so the still stretch that follows, counted from inside the return,
reached a second before the next (slow, creeping) glide began and passed for a press. A hold can only
begin where the return stopped, as it already could only begin where a glide stopped. The session is
minjerk tuning seed 7004 (family b, the independent minimum-jerk model): right-hand inward chin glides.
"""

from __future__ import annotations

from coach.evaluation import minjerk
from engine_helpers import engine_events, final_strokes


def test_no_hold_between_a_chin_glides_return_and_the_next_glide() -> None:
    session = minjerk.generate_minjerk_session(7004)
    labels = [label for label in session.labels if label.hand == "right" and 34.0 < label.start_s < 38.0]
    assert [(label.pattern, label.region) for label in labels] == [("glide", "chin")]  # no hold was made there
    frames = [frame for frame in session.frames if frame.timestamp_s < 39.0]
    strokes = final_strokes(engine_events(frames))
    holds = [stroke for stroke in strokes if stroke.hand == "right" and stroke.pattern == "hold" and 34.0 < stroke.start_s < 37.5]
    assert not holds, f"holds invented after the return: {[(hold.start_s, hold.end_s) for hold in holds]}"
    # the glide before the return is still found (the rule takes no stroke away)
    before = next(label for label in session.labels if label.hand == "right" and 32.0 < label.start_s < 33.0)
    glides = [stroke for stroke in strokes if stroke.hand == "right" and stroke.pattern == "glide" and stroke.region == "chin"]
    assert any(min(glide.end_s, before.end_s) - max(glide.start_s, before.start_s) > 0.5 * (before.end_s - before.start_s)
               and glide.direction == before.direction for glide in glides)
