"""Stroke engine on labelled synthetic landmark streams, fed frame by frame as the pipeline does.

The streams come from coach.synthetic: the real canonical face mesh moved in 3D (turning, nodding,
moving closer) and a 21-point hand, with MediaPipe-like jitter, projected through a pinhole camera.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coach.geometry import FaceFrameFitter
from coach.strokes import StrokeEngine, contact_point_px
from coach.synthetic import Block, LabelledStroke, SessionSpec, generate_scripted, read_labels, write_session
from coach.types import Stroke, TrackedFrame

# Realistic noise, no random extras (hovering, frame drops), so each test sees only what it scripts.
SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)


def run(frames: list[TrackedFrame], engine: StrokeEngine | None = None) -> list[Stroke]:
    engine = engine or StrokeEngine()
    fitter = FaceFrameFitter()
    strokes: list[Stroke] = []
    for frame in frames:
        pose = fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None
        strokes += engine.update(frame, pose)
    events = strokes + engine.flush()
    withdrawn = {stroke.stroke_id for stroke in events if stroke.withdrawn}
    return [stroke for stroke in events if stroke.final and stroke.stroke_id not in withdrawn]


def overlapping(strokes: list[Stroke], label: LabelledStroke) -> list[Stroke]:
    return [s for s in strokes if s.hand == label.hand and min(s.end_s, label.end_s) > max(s.start_s, label.start_s)]


@pytest.mark.parametrize(
    ("block", "seed"),
    [
        (Block("glide", "left_cheek", direction="up-out", speed_fu_s=0.3), 1),
        (Block("glide", "right_cheek", direction="up-out", speed_fu_s=0.5), 2),
        (Block("glide", "forehead", direction="out", hand="left", speed_fu_s=0.25), 3),
        (Block("glide", "left_neck", direction="down", speed_fu_s=0.2, length_fu=0.4), 4),
        (Block("glide", "right_jaw", direction="up-out", speed_fu_s=0.6), 5),
        (Block("glide", "left_under_eye", direction="out", speed_fu_s=0.15, length_fu=0.25), 6),
        (Block("circle", "right_cheek", direction="outward", rate_hz=1.0, count=4, radius_fu=0.08), 7),
        (Block("circle", "left_temple", direction="inward", rate_hz=0.7, count=3, radius_fu=0.07), 8),
        (Block("tap", "left_cheek", rate_hz=4.0, count=10), 9),
        (Block("tap", "forehead", hand="right", rate_hz=6.5, count=16), 10),
        (Block("knead", "right_jaw", rate_hz=0.8, count=4), 11),
        (Block("hold", "left_temple", duration_s=4.0), 12),
    ],
    ids=lambda value: getattr(value, "pattern", None) and f"{value.pattern}-{value.region}",
)
def test_each_pattern_is_recognised_with_its_direction_region_count_and_rate(block: Block, seed: int) -> None:
    frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
    assert len(labels) == 1
    label = labels[0]
    strokes = run(frames)
    assert len(strokes) == 1, f"expected one {label.pattern}, got {[(s.pattern, s.start_s, s.end_s) for s in strokes]}"
    stroke = strokes[0]
    assert stroke.hand == label.hand
    assert stroke.pattern == label.pattern
    assert stroke.region == label.region
    assert stroke.direction == label.direction
    assert min(stroke.end_s, label.end_s) - max(stroke.start_s, label.start_s) > 0.5 * (label.end_s - label.start_s)
    if label.pattern == "glide":
        assert stroke.count == 1
        # Single strokes: within 30% (the orthographic face frame maps skin nearer the camera a little large).
        assert stroke.speed_fu_s == pytest.approx(label.speed_fu_s, rel=0.3)
        assert stroke.rate_hz is None
    elif label.pattern == "hold":
        assert stroke.count == 1
        assert stroke.duration_s == pytest.approx(label.end_s - label.start_s, abs=0.6)
    else:
        assert stroke.rate_hz == pytest.approx(label.rate_hz, rel=0.1)
        assert abs(stroke.count - label.count) <= max(1, round(0.2 * label.count))
    assert 0.0 <= stroke.regularity <= 1.0
    assert len(stroke.path_fu) == len(stroke.times_s) > 2


def test_lifted_returns_between_glides_are_not_strokes() -> None:
    frames, labels, _ = generate_scripted(
        [Block("glide", "right_cheek", direction="up-out", speed_fu_s=0.3, reps=4)], seed=21, spec=SPEC
    )
    assert len(labels) == 4
    strokes = run(frames)
    assert [s.pattern for s in strokes] == ["glide"] * 4
    assert {s.direction for s in strokes} == {"up-out"}
    for label in labels:
        assert len(overlapping(strokes, label)) == 1


def test_head_motion_alone_makes_no_strokes() -> None:
    spec = dataclasses.replace(SPEC, head_motion=1.5, tail_s=12.0)
    frames, labels, _ = generate_scripted([], seed=22, spec=spec)
    assert labels == [] and len(frames) > 300
    assert run(frames) == []


def test_hand_resting_still_in_front_of_head_motion_is_a_hold_not_glides() -> None:
    """Turning and nodding moves the fingertip in the image; on the face it stays put."""
    spec = dataclasses.replace(SPEC, head_motion=1.5)
    frames, labels, _ = generate_scripted([Block("hold", "right_cheek", duration_s=6.0)], seed=23, spec=spec)
    strokes = run(frames)
    assert [(s.pattern, s.region) for s in strokes] == [("hold", "right_cheek")]


def test_face_lost_for_a_few_frames_does_not_split_a_stroke() -> None:
    spec = dataclasses.replace(SPEC, face_dropouts=False)
    frames, labels, _ = generate_scripted(
        [Block("glide", "left_cheek", direction="down-out", speed_fu_s=0.2, length_fu=0.35)], seed=24, spec=spec
    )
    label = labels[0]
    middle = (label.start_s + label.end_s) / 2
    hidden = [dataclasses.replace(f, face=None) if abs(f.timestamp_s - middle) < 0.2 else f for f in frames]
    assert sum(f.face is None for f in hidden) >= 10
    strokes = run(hidden)
    assert len(strokes) == 1
    assert strokes[0].pattern == "glide" and strokes[0].direction == "down-out"
    assert strokes[0].start_s < middle - 0.3 and strokes[0].end_s > middle + 0.3


def test_both_hands_mirror_strokes_on_both_sides() -> None:
    frames, labels, _ = generate_scripted(
        [Block("circle", "left_cheek", hand="left", direction="outward", rate_hz=1.0, count=4, both_hands=True)],
        seed=25, spec=SPEC,
    )
    assert {label.hand for label in labels} == {"left", "right"}
    strokes = run(frames)
    found = sorted((s.hand, s.pattern, s.region, s.direction) for s in strokes)
    assert found == [("left", "circle", "left_cheek", "outward"), ("right", "circle", "right_cheek", "outward")]


def test_arriving_touching_briefly_and_leaving_is_not_a_stroke() -> None:
    frames, labels, _ = generate_scripted([Block("hold", "right_cheek", duration_s=0.5)], seed=26, spec=SPEC)
    assert any(frame.hands for frame in frames)
    assert run(frames) == []


def test_hovering_hand_in_front_of_the_face_is_not_a_stroke() -> None:
    spec = dataclasses.replace(SPEC, hover_probability=1.0)
    frames, labels, _ = generate_scripted(
        [Block("hold", "left_temple", duration_s=0.4), Block("hold", "left_temple", duration_s=0.4)], seed=27, spec=spec
    )
    assert run(frames) == []


def test_engine_reports_contacts_trails_and_strokes_frame_by_frame() -> None:
    frames, labels, _ = generate_scripted(
        [Block("glide", "right_cheek", direction="up", speed_fu_s=0.3, length_fu=0.3)], seed=28, spec=SPEC
    )
    label = labels[0]
    engine = StrokeEngine()
    fitter = FaceFrameFitter()
    completed_at: list[float] = []
    on_face_during_stroke: list[bool] = []
    for frame in frames:
        pose = fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None
        for stroke in engine.update(frame, pose):
            completed_at.append(frame.timestamp_s)
            assert stroke.end_s <= frame.timestamp_s
        contacts = engine.contacts()
        assert len(contacts) == len(frame.hands)
        if label.start_s + 0.1 < frame.timestamp_s < label.end_s - 0.1 and contacts:
            (contact,) = contacts
            assert contact.hand == "right"
            assert contact.point_fu is not None and contact.point_px.shape == (2,)
            on_face_during_stroke.append(contact.on_face)
            trail = engine.trails_fu()["right"]
            assert trail.ndim == 2 and trail.shape[1] == 2 and len(trail) > 3
    assert np.mean(on_face_during_stroke) > 0.95
    # Reported once, soon after the hand lifts away (not only at the end of the stream).
    assert len(completed_at) == 1 and completed_at[0] < label.end_s + 1.5
    assert engine.flush() == []


def test_contact_modes_pick_the_working_point() -> None:
    points = np.zeros((21, 2))
    points[0] = (100, 300)  # wrist
    points[5] = (120, 200)
    points[9] = (100, 200)  # middle knuckle: fingers point up
    points[17] = (60, 210)
    points[8] = (120, 120)
    points[12] = (100, 110)
    assert np.allclose(contact_point_px(points, "index"), (120, 120))
    assert np.allclose(contact_point_px(points, "index_middle"), (110, 115))
    tool = contact_point_px(points, "tool")
    assert tool[1] < 120  # beyond the fingertips, along the hand
    custom = contact_point_px(points, "tool", (1.0, 0.0))
    assert np.allclose(custom, points[9])
    with pytest.raises(ValueError):
        contact_point_px(points, "elbow")
    with pytest.raises(ValueError):
        StrokeEngine(contact="elbow")


def test_index_middle_mode_falls_back_to_the_index_tip_when_the_middle_finger_is_curled() -> None:
    """Pointing with one finger while the technique asks for two: the index tip is what touches."""
    points = np.zeros((21, 2))
    points[0] = (100, 300)  # wrist
    points[5] = (120, 200)
    points[9] = (100, 200)  # middle knuckle: palm about 100 px
    points[17] = (60, 210)
    points[8] = (120, 120)  # index extended
    points[12] = (100, 230)  # middle tip curled into the palm, ~113 px from the index tip
    assert np.allclose(contact_point_px(points, "index_middle"), (120, 120))
    points[12] = (140, 125)  # middle tip beside the index tip again (~21 px): the two average
    assert np.allclose(contact_point_px(points, "index_middle"), (130, 122.5))


def test_generated_session_round_trips_through_a_recording(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from coach.recording import read_recording

    frames, labels, info = generate_scripted([Block("tap", "left_cheek", rate_hz=5.0, count=10)], seed=29, spec=SPEC)
    path = tmp_path / "taps.jsonl.gz"
    labels_path = write_session(path, frames, labels, info)
    assert labels_path.name == "taps.labels.json"
    assert read_labels(labels_path) == labels
    replayed = list(read_recording(path))
    assert len(replayed) == len(frames)
    strokes = run(replayed)
    assert [(s.pattern, s.region) for s in strokes] == [("tap", "left_cheek")]



def test_clean_circle_runs_are_sure_enough_to_be_coached() -> None:
    """Five even, clearly round turns: the engine must be sure of them (a correction of their sense
    is given from 0.6), however rough the spectrum of the first turns it found them on."""
    confidences = []
    for seed in range(20, 25):
        for block in (Block("circle", "forehead", direction="outward", rate_hz=1.25, count=5, radius_fu=0.06),
                      Block("circle", "right_cheek", direction="inward", rate_hz=1.4, count=5, radius_fu=0.05)):
            frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
            strokes = run(frames)
            circles = [s for s in strokes if s.pattern == "circle"]
            assert len(circles) == 1, f"seed {seed} {block.region}: {[(s.pattern, s.start_s, s.end_s) for s in strokes]}"
            assert circles[0].direction == labels[0].direction
            confidences.append(circles[0].confidence)
    assert min(confidences) >= 0.3, np.round(confidences, 2)
    assert float(np.median(confidences)) >= 0.6, np.round(confidences, 2)
