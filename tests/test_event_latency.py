"""Issue 10: every final event arrives within 0.5 s of the stroke's end — runs closing, holds ending,
the last glide before the hand leaves — on scripted synthetic sessions (real engine, real face fit).

Each case here was reported later than that before the rule it names (the latency is printed in
the assertion), and the stroke must still be read right (pattern, count, direction)."""

from __future__ import annotations

import pytest

from coach.evaluation.matching import match_strokes
from coach.evaluation.minjerk import MINJERK_TUNING_SEEDS, generate_minjerk_session
from coach.synthetic import Block, SessionSpec, generate_scripted
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)
TARGET_S = 0.5


def _matched(blocks: list[Block], seed: int, hand: str, pattern: str) -> list[tuple[object, object]]:
    frames, labels, _ = generate_scripted(blocks, seed=seed, spec=SPEC)
    labels = [label for label in labels if label.hand == hand and label.pattern == pattern]
    strokes = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.hand == hand]
    evaluation = match_strokes(labels, strokes)
    assert not evaluation.missed, f"missed {[(label.start_s, label.end_s) for label in evaluation.missed]}"
    return [(label, stroke) for label, stroke, *_ in evaluation.pairs]


@pytest.mark.parametrize(("region", "hand", "direction", "rate_hz", "seed"), [
    ("left_temple", "left", "inward", 0.7, 41), ("right_jaw", "right", "outward", 0.65, 41)])
def test_a_slow_circle_run_closes_within_half_a_second_when_the_hand_lifts_away(region: str, hand: str, direction: str,
                                                                                 rate_hz: float, seed: int) -> None:
    """The hand lifts and leaves the camera's view right after its last circle: its contact ends at
    once (it was seen off the skin, then lost), not after the 0.3 s a hand dropping out of tracking
    on the skin is waited for."""
    block = Block("circle", region, hand=hand, direction=direction, rate_hz=rate_hz, count=4, radius_fu=0.08)  # type: ignore[arg-type]
    [(label, stroke)] = _matched([block], seed, hand, "circle")
    assert stroke.pattern == "circle" and stroke.direction == direction and stroke.count == 4
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"circles ending at {label.end_s:.2f} s closed at "
                                                         f"{stroke.reported_s:.2f} s")


def test_a_slow_circle_run_closes_within_half_a_second_when_the_finger_stops_on_the_skin() -> None:
    """Both hands circle; the left one stops and rests on the cheek while the right finishes. A circle
    never rests within a cycle, so its finger still for a quarter period means it stopped: closed
    before its swing over a whole period (1.4 s at 0.7 Hz) has halved."""
    block = Block("circle", "left_cheek", hand="left", direction="outward", rate_hz=0.7, count=3, radius_fu=0.08,
                  both_hands=True)
    pairs = _matched([block, Block("hold", "chin", duration_s=1.5)], 42, "left", "circle")
    [(label, stroke)] = pairs
    assert stroke.pattern == "circle" and stroke.direction == "outward" and stroke.count == 3
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"circles ending at {label.end_s:.2f} s closed at "
                                                         f"{stroke.reported_s:.2f} s")


@pytest.mark.parametrize(("region", "seed"), [("left_temple", 54), ("right_cheek", 51), ("right_cheek", 52), ("right_cheek", 54)])
def test_a_hold_ends_within_half_a_second_when_the_hand_lifts_off(region: str, seed: int) -> None:
    """The hand rests (the label ends), then lifts away. Its growing size is read on the newest
    samples, not LAG samples behind with the smoothed point: the hold closes 0.1 s sooner. (The
    generator keeps the hand still 0.05–0.25 s after the labelled end before it lifts: that part of
    the latency is the label's, no rule can see it.)"""
    [(label, stroke)] = _matched([Block("hold", region, duration_s=2.5)], seed, "left" if region.startswith("left") else "right", "hold")
    assert stroke.pattern == "hold" and stroke.end_s > label.end_s - 0.2
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"hold ending at {label.end_s:.2f} s closed at "
                                                         f"{stroke.reported_s:.2f} s")


def test_a_circle_run_closes_as_the_hand_moves_off_even_while_its_swing_looks_steady() -> None:
    """Minjerk tuning session 7003: seven circles on the right cheek, then the hand sweeps down and
    away at ~2.5 FU/s. The swing's fit takes a straight drift out, so the swing stayed "steady" while
    the hand left, and the run's reach grew with the departure: the run closed only when the hand was
    lost, 0.66 s after its last circle. A window whose centre has left the run's spot is no longer
    learnt from, so the finger is seen leaving the spot at once."""
    assert 7003 in MINJERK_TUNING_SEEDS  # tuning data only
    session = generate_minjerk_session(7003).as_eval_session()
    [label] = [label for label in session.labels if label.pattern == "circle" and abs(label.end_s - 21.78) < 0.05]
    strokes = [stroke for stroke in final_strokes(engine_events(session.frames)) if stroke.hand == label.hand]
    [stroke] = [paired for _, paired, *_ in match_strokes([label], strokes).pairs]
    assert stroke.pattern == "circle" and stroke.direction == label.direction and stroke.count == label.count
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"circles ending at {label.end_s:.2f} s closed at "
                                                         f"{stroke.reported_s:.2f} s")


def test_a_glide_whose_finger_goes_straight_back_is_reported_within_half_a_second() -> None:
    """Four upward forehead glides with lifted returns (seed 2): the second glide's finger goes back
    right after it stops. Its smoothed velocity points back within a few samples, while the travel
    over the last 0.3 s (the turn test before) still held the glide's end: reported 0.52 s after its
    end before. Every glide must still be found, upward, and reported before the next one ends."""
    block = Block("glide", "forehead", hand="right", direction="up", speed_fu_s=0.3, reps=4)
    pairs = sorted(_matched([block], 2, "right", "glide"), key=lambda pair: pair[0].start_s)  # type: ignore[attr-defined]
    assert len(pairs) == 4
    for index, (_, stroke) in enumerate(pairs):
        assert stroke.pattern == "glide" and stroke.direction == "up"
        if index + 1 < len(pairs):
            assert stroke.reported_s < pairs[index + 1][0].end_s  # type: ignore[attr-defined]
    label, stroke = pairs[1]
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"glide ending at {label.end_s:.2f} s reported at "
                                                         f"{stroke.reported_s:.2f} s")


@pytest.mark.parametrize(("region", "hand", "seed"), [("right_cheek", "right", 31), ("left_cheek", "left", 40)])
def test_a_circle_run_closes_as_the_hand_rises_off_the_skin(region: str, hand: str, seed: int) -> None:
    """Four 1 Hz circles on a cheek, then the hand lifts away: its size rises past what a circling
    hand's tilt gives before the contact ends (the hand seen lifted for 4 samples) or the swing
    fades. Closed 0.53 and 0.51 s after the last circle before."""
    block = Block("circle", region, hand=hand, direction="outward", rate_hz=1.0, count=4, radius_fu=0.08)  # type: ignore[arg-type]
    [(label, stroke)] = _matched([block], seed, hand, "circle")
    assert stroke.pattern == "circle" and stroke.direction == "outward" and stroke.count == 4
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"circles ending at {label.end_s:.2f} s closed at "
                                                         f"{stroke.reported_s:.2f} s")


def test_a_slow_glide_is_reported_within_half_a_second_once_its_finger_rests() -> None:
    """Four slow (0.12 FU/s) outward glides on the right cheek with lifted returns (seed 12); after
    the last one the finger rests on the skin before the hand leaves. A slow glide's 0.3 s pace
    test waited out its own slow end, and then the contact's end: the last glide came 0.74 s after
    its end. A finger still within 1 mm for 0.3 s has stopped (the slowest glide leaves that band
    in 0.2 s)."""
    direction = "out"
    block = Block("glide", "right_cheek", hand="right", direction=direction, speed_fu_s=0.12, reps=4)
    pairs = sorted(_matched([block], 12, "right", "glide"), key=lambda pair: pair[0].start_s)  # type: ignore[attr-defined]
    assert len(pairs) == 4
    for label, stroke in pairs:
        assert stroke.pattern == "glide" and stroke.direction == direction
        assert stroke.reported_s - label.end_s <= TARGET_S, (f"glide ending at {label.end_s:.2f} s reported at "
                                                             f"{stroke.reported_s:.2f} s")


def test_a_slow_glide_that_pauses_midway_is_one_glide() -> None:
    """Synthetic tuning session 5019: a 2.5 s downward-inward glide on the left temple at 0.13 FU/s
    whose finger stops and goes on (its speed is uneven). Reported when the finger first rests, the
    glide is taken back (withdrawn) as the finger moves on the same way, and the slide goes on from
    its first start: one glide, matched, the right way, and no extra glide in it."""
    from coach.evaluation.families import synthetic_session
    from coach.synthetic import TUNING_SEEDS

    assert 5019 in TUNING_SEEDS  # tuning data only
    session = synthetic_session(5019)
    [label] = [label for label in session.labels if label.pattern == "glide" and abs(label.start_s - 50.91) < 0.05]
    frames = [frame for frame in session.frames if frame.timestamp_s < label.end_s + 3.0]
    strokes = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.hand == label.hand]
    evaluation = match_strokes([label], strokes)
    [(_, stroke)] = [(paired_label, paired) for paired_label, paired, *_ in evaluation.pairs]
    assert stroke.pattern == "glide" and stroke.direction == label.direction
    inside = [other for other in strokes if other.pattern == "glide" and other is not stroke
              and min(other.end_s, label.end_s) - max(other.start_s, label.start_s) > 0]
    assert not inside, [(other.start_s, other.end_s) for other in inside]


@pytest.mark.parametrize(("seed", "start_s"), [(7020, 12.98), (7008, 30.04)])
def test_a_glide_the_hand_leaves_from_is_reported_as_it_speeds_away(seed: int, start_s: float) -> None:
    """Minjerk tuning sessions: a brisk temple glide comes nearly to rest, then the hand speeds off
    (it leaves, or travels to its next place). Once it moves faster than any glide, after slowing
    to under 0.3 of the glide's peak a glide's length from its start, the glide ended where that
    speeding up began: before, only a speed no glide's peak reaches (2.4 FU/s) said so, 0.52-0.59 s
    after the glide's end."""
    assert seed in MINJERK_TUNING_SEEDS  # tuning data only
    session = generate_minjerk_session(seed).as_eval_session()
    [label] = [label for label in session.labels if label.pattern == "glide" and abs(label.start_s - start_s) < 0.05]
    frames = [frame for frame in session.frames if frame.timestamp_s < label.end_s + 3.0]
    strokes = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.hand == label.hand]
    [stroke] = [paired for _, paired, *_ in match_strokes([label], strokes).pairs]
    assert stroke.pattern == "glide" and stroke.direction == label.direction
    assert stroke.reported_s - label.end_s <= TARGET_S, (f"glide ending at {label.end_s:.2f} s reported at "
                                                         f"{stroke.reported_s:.2f} s")
