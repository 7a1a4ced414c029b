"""A glide whose direction lies on the line between two neighbouring directions is reported, unsure.

When unsure, say less: which of "out" and "up-out" a glide went cannot be told when its chord lies
within its measurement's uncertainty of the 22.5° line between them (its ends' error across its
length, and the face frame's tilt error: direction_uncertainty_deg). Such a glide is still counted
as a glide, but no direction correction is made from it (confidence below 0.6).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from coach.strokes.engine import UNSURE_GLIDE_CONFIDENCE, direction_uncertainty_deg
from coach.synthetic import Block, SessionSpec, generate_scripted
from coach.technique.directions import direction_margin_deg, glide_direction
from coach.technique.scoring import SURE_CONFIDENCE
from coach.types import HAND_INDEX_TIP, TrackedFrame
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False, head_motion=0.0)


def test_the_margin_is_the_angle_to_the_nearest_sector_boundary() -> None:
    start = np.array([0.5, 0.0])  # on the subject's left half: +x is outward
    for angle_deg, margin in [(0.0, 22.5), (45.0, 22.5), (20.0, 2.5), (25.0, 2.5), (67.0, 0.5), (-22.0, 0.5), (180.0, 22.5)]:
        end = start + 0.3 * np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
        assert direction_margin_deg(start, end) == pytest.approx(margin, abs=1e-6), angle_deg
    with pytest.raises(ValueError):
        direction_margin_deg(start, start)


def test_the_uncertainty_grows_as_the_glide_gets_shorter() -> None:
    assert direction_uncertainty_deg(0.1) > direction_uncertainty_deg(0.2) > direction_uncertainty_deg(0.5) > 1.0
    assert direction_uncertainty_deg(0.2) == pytest.approx(math.degrees(math.atan2(0.01, 0.2)) + 1.0)
    assert UNSURE_GLIDE_CONFIDENCE < SURE_CONFIDENCE


def _turned(frames: list[TrackedFrame], pivot_px: np.ndarray, angle_deg: float) -> list[TrackedFrame]:
    """The same session with every hand point turned about ``pivot_px`` in the image (the face stays)."""
    turn = math.radians(angle_deg)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    out = []
    for frame in frames:
        size = np.array([frame.width, frame.height], dtype=float)
        hands = []
        for hand in frame.hands:
            points = hand.points_norm.copy()
            points[:, :2] = ((points[:, :2] * size - pivot_px) @ rotation.T + pivot_px) / size
            hands.append(dataclasses.replace(hand, points_norm=points))
        out.append(dataclasses.replace(frame, hands=tuple(hands) if isinstance(frame.hands, tuple) else hands))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_glide_on_the_line_between_two_directions_is_found_but_unsure(seed: int) -> None:
    frames, labels, _ = generate_scripted([Block("glide", "left_cheek", direction="out", speed_fu_s=0.3, length_fu=0.3)],
                                          seed=seed, spec=SPEC)
    label = labels[0]
    start_frame = min(frames, key=lambda frame: abs(frame.timestamp_s - label.start_s))
    pivot = next(hand for hand in start_frame.hands if hand.handedness == label.hand).points_px(start_frame.width, start_frame.height)[HAND_INDEX_TIP]

    straight = final_strokes(engine_events(frames))
    assert [(stroke.pattern, stroke.direction) for stroke in straight] == [("glide", "out")]
    assert straight[0].confidence >= SURE_CONFIDENCE

    # Turned in the image until its chord lies on the line between "out" and "up-out" (within half
    # a degree): the turn in the image maps onto the face frame only roughly, so it is found by
    # trying (the image's y points down, and which way "up-out" is depends on the side).
    def glide_turned_by(turn: float) -> tuple[float, object]:
        glides = [stroke for stroke in final_strokes(engine_events(_turned(frames, pivot, turn))) if stroke.pattern == "glide"]
        assert len(glides) == 1, (turn, [(stroke.pattern, stroke.start_s) for stroke in glides])
        ends = glides[0].path_fu[[0, -1]]
        offset = (math.degrees(math.atan2(ends[1][1] - ends[0][1], abs(ends[1][0] - ends[0][0]))) - 22.5)
        return offset, glides[0]

    offset, _ = glide_turned_by(0.0)
    turned_offset, _ = glide_turned_by(-offset)
    sign = -1.0 if abs(turned_offset) < abs(offset) else 1.0
    turn = 0.0
    for _ in range(6):
        turn += sign * offset
        offset, glide = glide_turned_by(turn)
        if abs(offset) < 0.5:
            break
    assert abs(offset) < 0.5, (turn, offset)
    assert glide.direction in ("out", "up-out")  # type: ignore[attr-defined]
    assert glide.confidence < SURE_CONFIDENCE  # type: ignore[attr-defined]
