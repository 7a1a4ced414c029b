"""A hand far smaller than one on the face is not on the face (issue 10, real-pixel tuning set).

On a real photo of a speaker, the speaker's own fist on a microphone below the chin was found by
MediaPipe as a hand: half a face unit or less, still, its apparent size jittering by a quarter from
frame to frame. Read as a hand on the neck, that jitter made strokes (glides, and runs of taps), and
learnt as the resting size it made the real working hand look lifted. A hand at half its resting
size is twice as far from the camera as the face: behind the head, not on the skin. (Here the
fist is a third of a hand; at 0.5–0.55 of one, as in another tuning clip, it is still read.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coach.evaluation.matching import match_strokes
from coach.geometry import FaceFrameFitter
from coach.strokes import engine as engine_module
from coach.synthetic import Block, generate_scripted
from coach.types import HAND_WRIST, HandLandmarks, TrackedFrame
from engine_helpers import engine_events, final_strokes


def _with_a_small_still_hand_below_the_chin(frames: list[TrackedFrame], seed: int = 3) -> list[TrackedFrame]:
    """Every frame gets a left hand a third of an adult hand's size, still at the bottom of the
    neck, its landmarks jittering as MediaPipe's do on a half-seen fist (size ±12 % frame to frame)."""
    rng = np.random.default_rng(seed)
    fitter = FaceFrameFitter()
    template = next(hand for frame in frames for hand in frame.hands if hand.handedness == "right")
    out: list[TrackedFrame] = []
    for frame in frames:
        pose = fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None
        if pose is None:
            out.append(frame)
            continue
        anchor_px = pose.face_to_image(np.array([[0.1, -1.6]]))[0]
        points = template.points_px(frame.width, frame.height)
        shrink = 0.33 * (1.0 + 0.12 * rng.standard_normal())
        placed = (points - points[HAND_WRIST]) * shrink + anchor_px + rng.normal(0.0, 1.0, (21, 2))
        norm = np.column_stack([placed[:, 0] / frame.width, placed[:, 1] / frame.height, template.points_norm[:, 2] * shrink])
        hands = tuple(hand for hand in frame.hands if hand.handedness != "left") + (HandLandmarks("left", 0.9, norm),)
        out.append(replace(frame, hands=hands))
    return out


def _session(seed: int = 3) -> tuple[list[TrackedFrame], list]:
    frames, labels, _ = generate_scripted([Block("glide", "right_cheek", hand="right", direction="up-out", reps=3)], seed=21)
    return _with_a_small_still_hand_below_the_chin(frames, seed), labels


def _working_hand_size_learnt_s(frames: list[TrackedFrame]) -> float:
    """When the working (right) hand has been on the face for the 15 frames its size is learnt from."""
    return [frame.timestamp_s for frame in frames if any(hand.handedness == "right" for hand in frame.hands)][15]


def test_a_small_still_hand_below_the_chin_makes_no_stroke_and_hides_none() -> None:
    # Over 20 draws of the fist's jitter: once the working hand's size is known, the fist (0.5-0.65
    # of it) is behind the face and makes nothing; the working hand's three glides are all found.
    # Before that the fist is the only hand, judged against its own readings: its jitter may then
    # read as a stroke (with the rule at 0.5, 10 of the same 20 draws made one, 6 of them early).
    early = []
    for seed in range(3, 23):
        frames, labels = _session(seed)
        strokes = final_strokes(engine_events(frames))
        far = [stroke for stroke in strokes if stroke.hand == "left"]
        learnt_s = _working_hand_size_learnt_s(frames)
        assert [stroke for stroke in far if stroke.end_s > learnt_s] == [], seed
        early += far
        evaluation = match_strokes(labels, [stroke for stroke in strokes if stroke.hand == "right"])
        assert len(labels) == 3 and not evaluation.missed and not evaluation.extra, seed
    assert len(early) <= 3


def test_without_the_rule_the_same_hand_is_read_as_strokes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above can fail: with the rule switched off, the far hand's jitter is read as strokes.
    monkeypatch.setattr(engine_module, "BEHIND_RATIO", 0.0)
    monkeypatch.setattr(engine_module, "SMALLEST_HAND_ON_FACE", 0.0)
    frames, _ = _session()
    strokes = final_strokes(engine_events(frames))
    assert [stroke for stroke in strokes if stroke.hand == "left"]
