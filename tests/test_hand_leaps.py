"""A hand misread for a single frame (leaping off and straight back) does not break a stroke.

On the real-pixel tuning clips MediaPipe sometimes reads a tapping or gliding hand, for one frame,
25 % smaller and 60 px away, then finds it where it was (coach.strokes.engine.LEAP_FU). Here the
same misreading is put into scripted sessions: every fifth frame of the stroke, the whole hand is
moved 0.4 face units and shrunk by a quarter for that frame alone. The engine must report the
strokes it reports on the clean frames: the same patterns, directions and counts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coach.geometry import FaceFrameFitter
from coach.strokes.engine import DT, _Buffer, is_leap
from coach.synthetic import Block, SessionSpec, generate_scripted
from coach.types import TrackedFrame
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)
LEAP_EVERY = 5


def with_leaps(frames: list[TrackedFrame], first_s: float, last_s: float) -> tuple[list[TrackedFrame], int]:
    """Frames with every LEAP_EVERY-th frame between two times carrying a misread hand; how many."""
    fitter = FaceFrameFitter()
    out: list[TrackedFrame] = []
    leaps = 0
    for index, frame in enumerate(frames):
        if not (first_s <= frame.timestamp_s <= last_s and index % LEAP_EVERY == 0 and frame.hands and frame.face is not None):
            out.append(frame)
            continue
        pose = fitter.fit(frame.face, frame.width, frame.height)
        assert pose is not None
        shift_px = 0.4 * pose.scale_px_per_fu * np.array([0.6, 0.8])  # 0.4 FU, down and aside in the image
        hands = []
        for hand in frame.hands:
            points = hand.points_norm.copy()
            centre = points[:, :2].mean(axis=0)
            points[:, :2] = centre + 0.75 * (points[:, :2] - centre) + shift_px / np.array([frame.width, frame.height])
            hands.append(replace(hand, points_norm=points))
        out.append(replace(frame, hands=tuple(hands)))
        leaps += 1
    return out, leaps


def summary(frames: list[TrackedFrame]) -> list[tuple[str, str | None, int, str]]:
    return [(s.pattern, s.direction, s.count, str(s.region)) for s in sorted(final_strokes(engine_events(frames)), key=lambda s: s.start_s)]


@pytest.mark.parametrize(("block", "seed"), [
    pytest.param(Block("tap", "forehead", hand="left", rate_hz=3.5, count=10), 2, id="taps"),
    pytest.param(Block("glide", "right_cheek", direction="up-out", speed_fu_s=0.3, reps=3), 3, id="glides"),
    pytest.param(Block("circle", "left_cheek", hand="left", direction="outward", rate_hz=1.0, count=4, radius_fu=0.08), 4, id="circles"),
])
def test_a_hand_misread_for_single_frames_gives_the_same_strokes(block: Block, seed: int) -> None:
    frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
    clean = summary(frames)
    assert [pattern for pattern, *_ in clean] == [label.pattern for label in labels], clean  # the clean session is read right
    leapt, leaps = with_leaps(frames, labels[0].start_s, labels[-1].end_s)
    assert leaps >= 5
    assert summary(leapt) == clean


@pytest.mark.parametrize(("points", "sizes", "misread"), [
    ([(0, 0), (0.3, 0.2), (0.01, 0)], [1.0, 0.75, 1.0], True),  # off and back, a quarter smaller: misread
    ([(0, 0), (0.3, 0.2), (0.2, 0.1), (0.01, 0)], [1.0, 0.75, 0.8, 1.0], True),  # spread over two samples
    ([(0, 0), (0.3, 0.2), (0.01, 0)], [1.0, 0.97, 1.0], False),  # a brisk tap on a sloping forehead
    ([(0, 0), (0.01, 0.01), (0.01, 0)], [1.0, 0.75, 1.0], False),  # a size misread alone moves nothing
    ([(0, 0), (0.3, 0.2), (0.3, 0.25)], [1.0, 0.75, 0.75], False),  # off and staying: a real move (or a new hand)
])
def test_a_leap_needs_a_jump_in_place_and_size_out_and_back(points, sizes, misread) -> None:
    assert is_leap(points, sizes) is misread


def _buffer_mended_at_the_end(samples: list[tuple[float, float, float]]) -> tuple[bool, tuple[float, float]]:
    """Feed (x, y, size ratio) samples to a contact buffer; whether the last one mended a leap, and
    where the sample before the last then lies."""
    buffer = _Buffer()
    mended = False
    for index, (x, y, ratio) in enumerate(samples):
        buffer.append(np.array([index * DT, x, y, ratio, 0.0, 0.0]), True, True)
        mended = buffer.mend_leap()
    return mended, (buffer.x[-2], buffer.y[-2])


def test_a_steady_hand_misread_once_is_mended_but_a_hand_jittering_on_every_frame_is_not() -> None:
    steady = [(0.0, 0.0, 1.0)] * 4 + [(0.3, 0.2, 0.75), (0.01, 0.0, 1.0)]
    mended, where = _buffer_mended_at_the_end(steady)
    assert mended and where == pytest.approx((0.005, 0.0))
    # A half-seen fist far behind the face: every frame jumps as far; mending one leap of it would
    # smooth its jitter into a slow slide.
    jittering = [(0.0, 0.0, 1.0), (0.2, -0.1, 1.0), (0.0, 0.0, 1.0), (-0.15, 0.2, 1.15), (0.3, 0.2, 0.75), (0.01, 0.0, 1.0)]
    mended, where = _buffer_mended_at_the_end(jittering)
    assert not mended and where == (0.3, 0.2)
