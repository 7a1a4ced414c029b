"""Family (a)'s truth: a finger resting still on the skin is holding, whatever the script meant.

The generator (coach.synthetic) ended a hold's label when its scripted time was up, though the
finger then rested on its spot a little longer before leaving (so the engine, which ends a hold
when the finger moves, looked late); and a hand that waited on the face for the other hand (a
both-hands block after a one-hand block) rested there for seconds with no label at all (so the
engine's hold there counted as a false stroke). Its labels now say what the hands did.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.evaluation.families import synthetic_session
from coach.geometry.canonical import canonical_face
from coach.geometry.face_frame import FaceSurface
from coach.geometry.regions import FaceRegions
from coach.evaluation.matching import evaluate_session
from coach.strokes import StrokeEngine
from coach.synthetic import RESTING_HOLD_S, Block, SessionSpec, _Scripter, generate_scripted
from coach.types import HAND_INDEX_TIP, Handedness, TrackedFrame

STILL = SessionSpec(head_motion=0.0, face_jitter_px=0.0, hand_jitter_px=0.0, face_dropouts=False, hand_misses=False,
                    frame_drops=False, hover_probability=0.0, tracker_smoothing=False)


def _fingertip_px(frames: list[TrackedFrame], hand: Handedness) -> tuple[np.ndarray, np.ndarray]:
    times, tips = [], []
    for frame in frames:
        seen = frame.hand(hand)
        if seen is not None:
            times.append(frame.timestamp_s)
            tips.append(seen.points_px(frame.width, frame.height)[HAND_INDEX_TIP])
    return np.array(times), np.array(tips)


def test_a_hold_is_labelled_until_its_finger_moves_off_its_spot() -> None:
    frames, labels, _ = generate_scripted([Block("hold", "right_cheek", hand="right", duration_s=2.0)], seed=4, spec=STILL)
    (hold,) = [label for label in labels if label.pattern == "hold"]
    assert hold.end_s - hold.start_s > 2.0 + 0.04  # the scripted 2 s and the rest before the hand leaves
    times, tips = _fingertip_px(frames, "right")
    during = (times >= hold.start_s) & (times <= hold.end_s)
    spot = np.median(tips[during], axis=0)
    # Still on the spot up to the label's end (a 0.006 FU tremor: well under a pixel and a half)...
    assert np.abs(tips[during] - spot).max() < 1.5
    # ...and moving off it within a few frames after.
    after = (times > hold.end_s) & (times < hold.end_s + 0.2)
    assert np.abs(tips[after] - spot).max() > 1.5


def test_a_hand_waiting_on_the_face_for_the_other_is_labelled_as_the_hold_it_is_and_the_engine_finds_it() -> None:
    """Tuning seed 5024: the right hand ends a circle on the jaw at 10.7 s and waits there, still,
    until both hands go to the forehead at 14.4 s."""
    session = synthetic_session(5024)
    waits = [label for label in session.labels
             if label.pattern == "hold" and label.hand == "right" and label.region == "right_jaw"]
    assert len(waits) == 1
    wait = waits[0]
    assert 10.5 < wait.start_s < 11.0 and wait.end_s - wait.start_s >= RESTING_HOLD_S
    evaluation, _ = evaluate_session(session, StrokeEngine())
    matched = [stroke for label, stroke in evaluation.pairs if label is wait]
    assert len(matched) == 1 and matched[0].pattern == "hold"
    assert not [stroke for stroke in evaluation.extra if stroke.pattern == "hold" and stroke.region == "right_jaw"]


def _scripter() -> _Scripter:
    return _Scripter(np.random.default_rng(0), FaceRegions(), FaceSurface(np.asarray(canonical_face(), dtype=float)))


@pytest.mark.parametrize(("rest_s", "kind"), [(0.6, "none"), (1.2, "not counted"), (2.0, "hold")])
def test_a_rest_on_the_skin_is_a_hold_from_one_and_a_half_seconds_and_not_counted_just_below(rest_s: float, kind: str) -> None:
    scripter = _scripter()
    spot = scripter.regions.centre("left_cheek")
    scripter.idle_until("left", 1.0)  # off the face: no rest
    scripter.arrive("left", spot, None)
    arrived_s = scripter.tracks["left"].end_s
    scripter.idle_until("left", arrived_s + rest_s)
    scripter.idle_until("right", arrived_s + rest_s + 3.0)  # the other hand, away: never a rest
    labels, not_counted = scripter.rest_labels()
    found = {"hold": labels, "not counted": not_counted}
    for name, found_labels in found.items():
        expected = 1 if name == kind else 0
        assert len(found_labels) == expected, (name, found_labels)
        for label in found_labels:
            assert (label.hand, label.region, label.pattern) == ("left", "left_cheek", "hold")
            assert label.start_s == pytest.approx(arrived_s) and label.end_s == pytest.approx(arrived_s + rest_s)


def test_a_hold_goes_on_through_the_rest_after_it_and_the_pause_before_the_hand_leaves() -> None:
    scripter = _scripter()
    spot = scripter.regions.centre("right_cheek")
    scripter.idle_until("right", 1.0)
    scripter.hold(Block("hold", "right_cheek", hand="right"), "right", spot, {"duration": 2.5})
    (scripted,) = scripter.labels
    scripter.idle_until("right", scripted.end_s + 0.8)  # waiting for the other hand, still on the spot
    scripter.leave("right")  # a moment's pause, then off the face
    labels, not_counted = scripter.rest_labels()
    assert not not_counted
    (hold,) = labels
    assert hold.start_s == scripted.start_s
    assert hold.end_s > scripted.end_s + 0.8 + 0.04
    # It ends where the hand starts to leave: after that the hand is on its way off the face.
    assert scripter.tracks["right"].state(hold.end_s - 1e-6).xy_fu == pytest.approx(spot, abs=0.01)
    assert scripter.tracks["right"].state(hold.end_s + 0.3).lift_fu > 0.0
