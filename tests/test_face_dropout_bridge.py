"""The face lost for a moment mid-stroke (the hand covers it), the head moving meanwhile (issue 10).

For a loss shorter than the engine's bridge wait (0.5 s) the points mapped on the stand-in pose are
corrected once the face is found again. They keep the hand's own motion (a circle goes on circling)
and only the head's drift over the gap is taken out; a sample on the engine's clock that falls
between the last stand-in frame and the first found one is read as the stand-in maps it, so the
correction is anchored on a point the face found. Before, the gap was a straight line anchored on
such a mixed sample: circles broke into a circle and a tap, and a slow glide's point jumped by the
head's drift at the gap's end (an extra brisk glide, the slow one lost).
"""

from __future__ import annotations

from dataclasses import replace

from coach.evaluation.families import synthetic_session
from coach.evaluation.matching import evaluate_session
from coach.synthetic import Block, SessionSpec, generate_scripted
from coach.types import TrackedFrame
from engine_helpers import engine_events, final_strokes

# Camera timestamps jitter (the engine resamples them), the head moves more than typical, and the
# face is lost only where the test says.
SPEC = SessionSpec(hover_probability=0.0, frame_drops=True, hand_misses=False, face_dropouts=False, head_motion=1.5)
LOSS_S = 0.37  # under the bridge wait (0.5 s): bridged, not followed with the stand-in pose


def _face_lost(frames: list[TrackedFrame], start_s: float, duration_s: float) -> list[TrackedFrame]:
    return [replace(frame, face=None) if start_s <= frame.timestamp_s < start_s + duration_s else frame for frame in frames]


def _lost_over_stroke(block: Block, seed: int) -> tuple[list[TrackedFrame], float, float]:
    """The block's frames with the face lost 60 % of the way through its stroke; the stroke's extent."""
    frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
    label = next(label for label in labels if label.pattern == block.pattern)
    lost_at = label.start_s + 0.6 * (label.end_s - label.start_s)
    return _face_lost(frames, lost_at, LOSS_S), label.start_s, label.end_s


def test_a_circle_goes_on_through_a_brief_face_loss_as_one_circle() -> None:
    block = Block("circle", "left_cheek", hand="left", rate_hz=1.2, count=5, direction="outward")
    frames, start_s, end_s = _lost_over_stroke(block, seed=5)
    strokes = final_strokes(engine_events(frames))
    assert [stroke.pattern for stroke in strokes] == ["circle"], [(s.pattern, round(s.start_s, 2), round(s.end_s, 2)) for s in strokes]
    circle = strokes[0]
    assert circle.direction == "outward"
    assert circle.count == 5
    assert abs(circle.start_s - start_s) < 0.5 and abs(circle.end_s - end_s) < 0.5


def test_a_slow_glide_keeps_its_direction_through_a_brief_face_loss() -> None:
    block = Block("glide", "nose", hand="left", direction="up-in", speed_fu_s=0.12, reps=1)
    frames, start_s, end_s = _lost_over_stroke(block, seed=7)
    strokes = final_strokes(engine_events(frames))
    assert [(stroke.pattern, stroke.direction) for stroke in strokes] == [("glide", "up-in")], \
        [(s.pattern, s.direction, round(s.start_s, 2), round(s.end_s, 2)) for s in strokes]
    assert strokes[0].end_s > end_s - 0.5  # the glide is whole, not cut where the face was lost


def test_tuning_session_slow_nose_glide_under_a_face_loss_is_found_and_no_brisk_glide_invented() -> None:
    """Synthetic tuning session 5000: a slow glide up the nose (0.12 FU/s, 13.1-14.8 s) with the face
    lost for 0.37 s in it. It was missed, and its last part reported as a brisk glide (0.53 FU/s)."""
    session = synthetic_session(5000)
    evaluation, _ = evaluate_session(session)
    def near(start_s: float, end_s: float) -> bool:
        return start_s < 14.8 and end_s > 13.1
    assert not [label for label in evaluation.missed if near(label.start_s, label.end_s)]
    assert not [stroke for stroke in evaluation.extra if near(stroke.start_s, stroke.end_s)]
    found = [(label, stroke) for label, stroke in evaluation.pairs if label.pattern == "glide" and near(label.start_s, label.end_s)]
    assert len(found) == 1 and found[0][1].direction == "up-in"
    assert abs(found[0][1].speed_fu_s / found[0][0].speed_fu_s - 1.0) < 0.5
