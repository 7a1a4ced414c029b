"""Forehead glides while the hand hides the face (issue 10): the head keeps moving under the hand.

Sessions come from the independently written minimum-jerk model (coach.evaluation.minjerk, family b),
in which a flat hand over the eyes and nose loses the face for seconds while the head turns, nods and
sways. When the face is found again the engine re-expresses the hidden stretch with poses part-way
between the last pose before and the first after, and re-judges the glides it reported meanwhile
(a second event with the same stroke_id replaces the first); a glide read over a loss too long for
that estimate to hold is reported as unsure.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coach.evaluation import minjerk
from coach.evaluation.matching import match_strokes
from coach.geometry import FaceFrameFitter
from coach.geometry.face_frame import image_to_face_between, rotations_part_way
from coach.session import Session
from coach.strokes.engine import GUESSED_POSE_CONFIDENCE, HIDDEN_TRUST_S
from coach.technique import load_technique
from coach.technique.guidance import UNSURE_BELOW
from coach.types import Stroke
from engine_helpers import engine_events_and_poses, final_strokes






def forehead_series(seed: int, head_motion_reading: bool = False) -> minjerk.MinJerkSession:
    """Five upward forehead glides, flat hand over the eyes: every such occlusion loses the face.

    Without the head's motion read round the hand (as from a landmark recording, or in the lightest
    live mode) unless asked for."""
    block = minjerk.Block("glide", "forehead", hand="left", direction="up", reps=5, flat=True)
    spec = minjerk.MinJerkSpec(face_loss_share=1.0, head_motion_reading=head_motion_reading)
    return minjerk.generate_scripted([block], seed=seed, spec=spec)


def test_pose_part_way_is_each_pose_at_its_ends_and_between_them_halfway() -> None:
    session = forehead_series(4)
    fitter = FaceFrameFitter()
    poses = [fitter.fit(frame.face, frame.width, frame.height) for frame in session.frames[:90] if frame.face is not None]
    before, after = poses[0], poses[-1]
    pixels = np.array([[0.5 * session.frames[0].width, 0.4 * session.frames[0].height]] * 3)
    mapped = image_to_face_between(before, after, np.array([0.0, 1.0, 0.5]), pixels)
    np.testing.assert_allclose(mapped[0], before.image_to_face(pixels[:1])[0], atol=1e-9)
    np.testing.assert_allclose(mapped[1], after.image_to_face(pixels[:1])[0], atol=1e-9)
    assert np.linalg.norm(mapped[0] - mapped[1]) > 1e-3  # the head moved over those three seconds
    assert np.linalg.norm(mapped[2] - (mapped[0] + mapped[1]) / 2) < 0.25 * np.linalg.norm(mapped[0] - mapped[1])


def test_rotations_part_way_are_scipys_slerp() -> None:
    from scipy.spatial.transform import Rotation, Slerp

    rng = np.random.default_rng(3)
    shares = np.linspace(0.0, 1.0, 7)
    for before, after in [Rotation.random(2, random_state=rng), Rotation.from_rotvec([[0.0, 0.0, 0.0], [0.1, -0.2, 0.05]])]:
        expected = Slerp([0.0, 1.0], Rotation.concatenate([before, after]))(shares).as_matrix()
        np.testing.assert_allclose(rotations_part_way(before.as_matrix(), after.as_matrix(), shares), expected, atol=1e-9)
    same = Rotation.from_rotvec([0.2, 0.1, 0.0]).as_matrix()
    np.testing.assert_allclose(rotations_part_way(same, same, shares), np.broadcast_to(same, (7, 3, 3)), atol=1e-12)
    # A half turn (its axis read from the turn itself): half-way is a quarter turn about that axis.
    half_turn = Rotation.from_rotvec([0.0, 0.0, np.pi]).as_matrix()
    middle, end = rotations_part_way(np.eye(3), half_turn, np.array([0.5, 1.0]))
    np.testing.assert_allclose(end, half_turn, atol=1e-9)
    rotvec = Rotation.from_matrix(middle).as_rotvec()
    np.testing.assert_allclose(np.abs(rotvec), [0.0, 0.0, np.pi / 2], atol=1e-9)


@pytest.mark.parametrize("seed", [4, 9])
def test_forehead_glides_made_while_the_face_is_hidden_go_up_or_are_unsure(seed: int) -> None:
    session = forehead_series(seed)
    glides = [label for label in session.labels if label.pattern == "glide"]
    events, poses = engine_events_and_poses(session.frames)
    times = np.array([frame.timestamp_s for frame in session.frames])
    # The situation under test: the face is lost over the glides, and the head moves meanwhile.
    hidden = np.array([pose is None for pose in poses])
    in_glides = np.zeros(len(times), dtype=bool)
    for label in glides:
        in_glides |= (times >= label.start_s) & (times <= label.end_s)
    assert hidden[in_glides].mean() > 0.5, "the face should be hidden over most of the glides"
    first_lost = int(np.argmax(hidden))
    refound = first_lost + int(np.argmax(~hidden[first_lost:]))
    before, after = poses[first_lost - 1], poses[refound]
    assert before is not None and after is not None
    assert np.linalg.norm(before.origin_px - after.origin_px) > 0.02 * before.scale_px_per_fu

    strokes = final_strokes(events)
    evaluation = match_strokes(glides, strokes)
    assert len(evaluation.pairs) >= len(glides) - 1, f"missed {[(label.start_s, label.end_s) for label in evaluation.missed]}"
    # Re-judged with the pose part-way over a short loss, or unsure after a long one (the pose
    # estimate holds for HIDDEN_TRUST_S): a glide goes the right way or brings no correction.
    wrong = [(stroke.start_s, stroke.direction, stroke.confidence) for _, stroke, *_ in evaluation.pairs
             if stroke.direction != "up" and stroke.confidence >= UNSURE_BELOW]
    assert wrong == []
    # Glides re-judged once the face was seen again came as a second event of the same stroke.
    finals = [stroke.stroke_id for stroke in events if stroke.final and stroke.pattern == "glide"]
    assert len(finals) > len(set(finals))
    # A glide read over a loss longer than the pose estimate holds is unsure: no correction from a guess.
    lost_s = times[first_lost - 1]
    for stroke in strokes:
        if stroke.pattern == "glide" and lost_s < stroke.start_s and stroke.end_s < times[refound] \
                and times[refound] - lost_s > HIDDEN_TRUST_S:
            assert stroke.confidence <= GUESSED_POSE_CONFIDENCE < UNSURE_BELOW


def test_forehead_glides_carried_by_the_heads_motion_go_up_while_the_face_is_lost() -> None:
    """With the head's motion read round the hand (TrackedFrame.face_motion, modelled with its measured
    error), the face frame follows the nodding, turning head through the loss, where the same frames
    without the reading are read over a face frame left where the face was last seen."""
    going_up = {True: 0, False: 0}
    labelled = 0
    for seed in range(6):
        for reading in (True, False):
            session = forehead_series(seed, head_motion_reading=reading)
            assert any(frame.face_motion is not None for frame in session.frames) == reading
            glides = [label for label in session.labels if label.pattern == "glide"]
            events, poses = engine_events_and_poses(session.frames)
            evaluation = match_strokes(glides, final_strokes(events))
            going_up[reading] += sum(stroke.direction == "up" for _, stroke, *_ in evaluation.pairs)
            labelled += len(glides) if reading else 0
            if reading and seed != 3:  # (seed 3's hand hides the eyes only briefly)
                assert sum(pose is None for pose in poses) > len(poses) // 2, "the face should be lost most of the session"
    assert labelled == 30
    assert going_up[True] >= 0.85 * labelled, going_up  # 27 of 30 when written
    assert going_up[False] < 0.7 * labelled, going_up  # 16 of 30 when written


FOREHEAD_UP = """\
name = "forehead_up_test"
title = "Forehead up"
description = "Two upward forehead glides."
tool = "fingers"
contact = "index"

[[steps]]
name = "forehead_up"
regions = ["forehead"]
pattern = "glide"
direction = "up"
speed_fu_s = [0.1, 1.0]
reps = 2
pressure = "light"
instruction = "Glide up the forehead."
"""


def test_a_revised_glide_replaces_the_first_in_the_session_and_counts_once(tmp_path: Path) -> None:
    path = tmp_path / "forehead_up_test.toml"
    path.write_text(FOREHEAD_UP, encoding="utf-8")
    session = Session(load_technique(path), {"forehead": np.array([0.0, 0.45])})
    first = Stroke(start_s=1.0, end_s=1.8, hand="left", region="forehead", pattern="glide", direction="down",
                   speed_fu_s=0.3, count=1, rate_hz=None, confidence=0.6, reported_s=2.1, stroke_id=7)
    assert not session.on_stroke(first).score.counted
    revised = replace(first, direction="up", reported_s=4.0)
    rescored = session.on_stroke(revised).score
    assert rescored.counted and "Stroke upward" not in rescored.corrections
    assert session.on_stroke(replace(revised, reported_s=4.5)).score.counted  # the same again adds nothing
    assert session.progress().reps_done == 1
    assert [(scored.stroke.stroke_id, scored.stroke.direction) for scored in session.history] == [(7, "up")]
