"""A hand far smaller than one on the face is not on the face (issue 10, real-pixel tuning set).

On a real photo of a speaker, the speaker's own fist on a microphone below the chin was found by
MediaPipe as a hand: half a face unit or less, still, its apparent size jittering by a quarter from
frame to frame. Read as a hand on the neck, that jitter made strokes (glides, and runs of taps), and
learnt as the resting size it made the real working hand look lifted. Two physical rules keep it
off: a hand under 0.7 of the size it is judged against is behind the face (BEHIND_RATIO), and a
hand whose size jumps by more than 6 % a frame for half a second is not a hand read on the skin
(SIZE_JITTER). The second is what works before the working hand's size is known, when the fist is
judged against its own readings. Each test below runs 20 draws of the fist's jitter: one draw
passed or failed by luck before (session 21).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from coach.evaluation.matching import match_strokes
from coach.geometry import FaceFrameFitter
from coach.strokes import engine as engine_module
from coach.strokes.engine import _HandTrack
from coach.synthetic import Block, generate_scripted
from coach.types import HAND_WRIST, HandLandmarks, Stroke, TrackedFrame
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


def _far_hand_strokes(seeds: range = range(3, 23)) -> list[tuple[int, Stroke, float]]:
    """Every stroke the fist makes over these jitter draws, with its draw and when the working hand's
    size was learnt; the working hand's three glides must be found in each."""
    found = []
    for seed in seeds:
        frames, labels = _session(seed)
        strokes = final_strokes(engine_events(frames))
        learnt_s = _working_hand_size_learnt_s(frames)
        found += [(seed, stroke, learnt_s) for stroke in strokes if stroke.hand == "left"]
        evaluation = match_strokes(labels, [stroke for stroke in strokes if stroke.hand == "right"])
        assert len(labels) == 3 and not evaluation.missed and not evaluation.extra, seed
    return found


def test_a_small_still_hand_below_the_chin_makes_no_stroke_and_hides_none() -> None:
    assert _far_hand_strokes() == []


def test_without_the_jitter_rule_the_fist_makes_strokes_before_the_working_hand_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above can fail: with BEHIND_RATIO alone, the fist still makes strokes in some draws,
    # all before the working hand's size is learnt (3 of 20 draws when the rule was written).
    monkeypatch.setattr(engine_module, "SIZE_JITTER", math.inf)
    found = _far_hand_strokes()
    assert found
    assert all(stroke.end_s <= learnt_s for _, stroke, learnt_s in found)


def test_without_the_rules_the_same_hand_is_read_as_strokes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BEHIND_RATIO", 0.0)
    monkeypatch.setattr(engine_module, "SMALLEST_HAND_ON_FACE", 0.0)
    monkeypatch.setattr(engine_module, "SIZE_JITTER", math.inf)
    frames, _ = _session()
    strokes = final_strokes(engine_events(frames))
    assert [stroke for stroke in strokes if stroke.hand == "left"]


def _jittery_after(sizes: np.ndarray, points: np.ndarray | None = None) -> bool:
    track = _HandTrack("left")
    points = np.zeros((len(sizes), 2)) if points is None else points
    return [track.read_jittery(point, float(size)) for point, size in zip(points, sizes)][-1]


def test_a_size_that_jumps_every_frame_is_jitter_but_a_brisk_tap_and_a_label_switch_are_not() -> None:
    rng = np.random.default_rng(0)
    frames = np.arange(45) / 30.0
    # The half-seen fist: 7-11 % a frame on the median, as the far hand above measures.
    assert _jittery_after(0.45 * (1.0 + 0.08 * np.sign(np.sin(np.arange(45) * 2.1)) + 0.02 * rng.standard_normal(45)))
    assert not _jittery_after(1.0 + 0.01 * rng.standard_normal(45))  # a hand resting on the skin
    # Taps at 6 Hz lifting the hand 6 % nearer the camera: 3-4 % a frame at the steepest.
    assert not _jittery_after(1.0 + 0.03 * np.sin(2 * np.pi * 6.0 * frames))
    # MediaPipe's "left" going back and forth between a far fist and the user's left hand.
    assert not _jittery_after(np.where((np.arange(45) // 4) % 2 == 0, 1.0, 0.35))
    # A steady hand misread one frame in three (a fifth smaller, 0.3 FU away) makes big steps out
    # and back: each misread counts as the one small step between its neighbours.
    misread = np.arange(45) % 3 == 1
    sizes = np.where(misread, 0.8, 1.0) * (1.0 + 0.01 * rng.standard_normal(45))
    assert not _jittery_after(sizes, np.where(misread[:, None], [0.3, 0.0], [0.0, 0.0]))
    assert _jittery_after(sizes)  # (the same sizes with the hand not leaping: a size that jumps)
