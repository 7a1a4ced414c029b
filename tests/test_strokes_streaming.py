"""The streaming stroke engine (issue 10): strokes arrive while the hand is still on the face.

Generated sessions come from both motion models — coach.synthetic (family a) and the independently
written coach.evaluation.minjerk (family b: bell-shaped speed, taps made by lifting the hand) — and
run through the one Pipeline frame by frame, as live does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from coach.evaluation import minjerk
from coach.evaluation.matching import match_strokes
from coach.pipeline import Pipeline
from coach.recording import read_recording
from coach.replay import run_replay
from coach.synthetic import Block, SessionSpec, generate_scripted, write_session
from coach.technique import load_technique
from coach.types import HAND_INDEX_TIP, REGION_NAMES, HandLandmarks, Stroke, TrackedFrame
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)

SERIES = """\
name = "streaming_test"
title = "Streaming test"
description = "Six upward glides on the left cheek."
tool = "fingers"
contact = "index"

[[steps]]
name = "cheek_lift"
regions = ["cheek"]
side = "left"
pattern = "glide"
direction = "up-out"
speed_fu_s = [0.1, 1.0]
reps = 6
pressure = "light"
instruction = "Glide up and out."
"""






def test_each_glide_of_a_series_is_reported_before_the_next_one_ends_and_reps_rise_one_by_one(tmp_path: Path) -> None:
    """Six glides with lifted returns, the hand over the face throughout: each is reported (and
    counted) before the next one ends, not when the hand finally leaves."""
    block = Block("glide", "left_cheek", hand="left", direction="up-out", speed_fu_s=0.3, reps=6)
    frames, labels, _ = generate_scripted([block], seed=21, spec=SPEC)
    assert len(labels) == 6
    path = tmp_path / "series.toml"
    path.write_text(SERIES, encoding="utf-8")
    pipeline = Pipeline(technique=load_technique(path))
    reps_seen: list[int] = []
    glide_events: list[tuple[float, Stroke]] = []
    for frame in frames:
        result = pipeline.process_tracked(frame)
        assert result.progress is not None
        if not reps_seen or result.progress.reps_done != reps_seen[-1]:
            reps_seen.append(result.progress.reps_done)
        glide_events += [(frame.timestamp_s, scored.stroke) for scored in result.new_strokes if scored.stroke.pattern == "glide"]
    pipeline.finish()
    assert reps_seen[0] == 0 and reps_seen[-1] == 6, reps_seen
    assert all(later - earlier == 1 for earlier, later in zip(reps_seen, reps_seen[1:])), f"reps jumped: {reps_seen}"
    for label, following in zip(labels, labels[1:]):
        reported = [when for when, stroke in glide_events if min(stroke.end_s, label.end_s) > max(stroke.start_s, label.start_s)]
        assert reported, f"glide {label.start_s:.2f}-{label.end_s:.2f} s never reported"
        assert reported[0] < following.end_s, (f"glide ending at {label.end_s:.2f} s reported at {reported[0]:.2f} s, "
                                               f"after the next glide ended ({following.end_s:.2f} s)")
        assert reported[0] - label.end_s <= 0.5


def test_replay_of_a_recording_gives_exactly_the_strokes_of_a_frame_by_frame_feed(tmp_path: Path) -> None:
    blocks = [Block("glide", "right_cheek", hand="right", direction="up-out", speed_fu_s=0.35, reps=3),
              Block("circle", "left_temple", hand="left", direction="outward", rate_hz=1.0, count=3, radius_fu=0.08),
              Block("tap", "left_cheek", hand="left", rate_hz=4.0, count=10)]
    frames, labels, info = generate_scripted(blocks, seed=5, spec=SPEC)
    recording = tmp_path / "session.jsonl.gz"
    write_session(recording, frames, labels, info)
    # The frames as the recording holds them (rounded as written), fed one by one as live does.
    with read_recording(recording) as reader:
        recorded = list(reader)
    live = final_strokes(engine_events(recorded))
    outcome = run_replay(recording, tmp_path / "report", write_video=False, write_html=False, history=False)
    assert outcome is not None
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    replayed = report["strokes"]
    assert len(replayed) == len(live) >= 5
    for stroke, entry in zip(sorted(live, key=lambda s: s.start_s), sorted(replayed, key=lambda e: e["start_s"])):
        assert entry["pattern"] == stroke.pattern and entry["direction"] == stroke.direction
        assert entry["start_s"] == pytest.approx(stroke.start_s, abs=2e-3)
        assert entry["end_s"] == pytest.approx(stroke.end_s, abs=2e-3)
        assert entry["count"] == stroke.count
        assert entry["reported_s"] == pytest.approx(stroke.reported_s, abs=2e-3)
        assert 0.0 <= entry["confidence"] <= 1.0


def _tap_by_size_only(seed: int, rate_hz: float, swing: float) -> tuple[list[TrackedFrame], float, float]:
    """A still hand pressing the cheek whose apparent size swings (the hand lifting toward the
    camera and back) while its fingertip stays exactly where it is in the image."""
    frames, labels, _ = generate_scripted([Block("hold", "left_cheek", hand="left", duration_s=5.0)], seed=seed, spec=SPEC)
    start, end = labels[0].start_s + 0.8, labels[0].end_s - 0.5
    changed: list[TrackedFrame] = []
    for frame in frames:
        hand = frame.hand("left")
        if hand is None or not start <= frame.timestamp_s <= end:
            changed.append(frame)
            continue
        scale = 1.0 + swing / 2 * np.sin(2 * np.pi * rate_hz * (frame.timestamp_s - start))
        points = hand.points_norm.copy()
        tip = points[HAND_INDEX_TIP, :2].copy()
        points[:, :2] = tip + (points[:, :2] - tip) * scale
        others = tuple(h for h in frame.hands if h is not hand)
        changed.append(TrackedFrame(frame.index, frame.timestamp_s, frame.width, frame.height, frame.face,
                                    (HandLandmarks("left", hand.score, points), *others), faces_seen=frame.faces_seen))
    return changed, start, end


def test_a_tap_run_is_read_from_the_hand_size_swinging_alone() -> None:
    frames, start, end = _tap_by_size_only(seed=31, rate_hz=4.0, swing=0.06)
    strokes = final_strokes(engine_events(frames))
    taps = [s for s in strokes if s.pattern == "tap"]
    assert len(taps) == 1, [(s.pattern, round(s.start_s, 2), round(s.end_s, 2)) for s in strokes]
    tap = taps[0]
    assert tap.rate_hz == pytest.approx(4.0, rel=0.05)
    assert tap.region == "left_cheek"
    assert min(tap.end_s, end) - max(tap.start_s, start) > 0.7 * (end - start)
    # and no hold is reported over the tapping
    assert not [s for s in strokes if s.pattern == "hold" and min(s.end_s, end) - max(s.start_s, start) > 0.5]


def test_the_same_still_hand_without_the_swing_is_a_hold_not_taps() -> None:
    """Tracking noise on a still hand once passed for a faint 2 Hz tap run in the size alone
    (confidence 0.19) before the hold was reported: a tempo one signal shows alone needs twice the evidence."""
    frames, start, end = _tap_by_size_only(seed=31, rate_hz=4.0, swing=0.0)
    strokes = final_strokes(engine_events(frames))
    assert [s.pattern for s in strokes] == ["hold"]


@pytest.mark.parametrize(("region", "hand", "direction", "seed"), [
    ("forehead", "left", "up", 1), ("forehead", "left", "up", 3), ("right_brow", "right", "out", 1), ("right_brow", "right", "out", 2)])
def test_each_brisk_glide_of_a_series_is_reported_within_half_a_second_of_its_end(region: str, hand: str, direction: str,
                                                                                   seed: int) -> None:
    """Issue 10: a glide is reported within 0.5 s of its end, the series' last one (the hand then
    leaves the face) included. Brisk glides (0.5 FU/s) are the hard case: the engine's 0.3 s test of
    whether a slide goes on holds most of such a glide for a while after the finger stops."""
    block = Block("glide", region, hand=hand, direction=direction, speed_fu_s=0.5, reps=5)  # type: ignore[arg-type]
    frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
    strokes = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.hand == hand]
    evaluation = match_strokes(labels, strokes)
    assert not evaluation.missed, f"missed {[(label.start_s, label.end_s) for label in evaluation.missed]}"
    for label, stroke, *_ in evaluation.pairs:
        assert stroke.pattern == "glide" and stroke.direction == label.direction
        assert stroke.reported_s - label.end_s <= 0.5, (f"glide ending at {label.end_s:.2f} s reported at "
                                                        f"{stroke.reported_s:.2f} s")


@pytest.mark.parametrize("seed", [3, pytest.param(4, marks=pytest.mark.xfail(
    reason="issue 10 (open): speed error 0.111 over this series (0.096 before) since a glide's onset and stop are "
           "the speed shapes' own averaged by how well each fits (seed 3: 0.157 -> 0.095; tuning sets: 0.113 -> 0.106 "
           "synthetic, 0.144 -> 0.136 minjerk); over scripted seeds 0-11 of this block the median error is 0.16, "
           "0.15 before", strict=False)), pytest.param(7, marks=pytest.mark.xfail(
    reason="issue 10 (open): the series' last glide, lost before, is now found (the hand's departure is cut off), but its "
           "tracked path is 25 % longer than the true one and the third glide's tracked motion is squeezed into 0.3 s of "
           "its 0.5 s, so the median speed error over the four is 0.15", strict=False))])
def test_bell_shaped_glides_are_timed_and_measured_by_the_convention(seed: int) -> None:
    """Minimum-jerk glides (family b's motion model): speed within 10 % of path / time between the
    10 %-of-peak crossings (median over the series), on Face Mesh's frame alone (the head's motion
    read round the hand adds its own error: 0.14 on seed 4, where Face Mesh's frame gives 0.095)."""
    session = minjerk.generate_scripted([minjerk.Block("glide", "left_cheek", hand="left", reps=4)], seed=seed,
                                        spec=minjerk.MinJerkSpec(head_motion_reading=False))
    glides = [label for label in session.labels if label.pattern == "glide"]
    strokes = final_strokes(engine_events(session.frames))
    evaluation = match_strokes(glides, strokes)
    speeds = [abs(stroke.speed_fu_s / label.speed_fu_s - 1) for label, stroke, *_ in evaluation.pairs
              if stroke.pattern == "glide" and stroke.speed_fu_s and label.speed_fu_s]
    assert len(speeds) >= len(glides) - 1
    assert float(np.median(speeds)) <= 0.10, [round(s, 3) for s in speeds]


@pytest.mark.parametrize("region", REGION_NAMES)
def test_a_left_hand_series_is_read_on_every_region(region: str) -> None:
    # Directions along which the skin faces the camera (an outward glide at the side of the face is
    # foreshortened to a few millimetres in the image whatever the engine does).
    direction = {"forehead": "up", "nose": "down", "upper_lip": "out", "chin": "out", "left_brow": "out", "right_brow": "out",
                 "left_under_eye": "out", "right_under_eye": "out", "left_neck": "down", "right_neck": "down"}.get(region, "up")
    block = Block("glide", region, hand="left", direction=direction, speed_fu_s=0.3, reps=2)
    frames, labels, _ = generate_scripted([block], seed=41, spec=SPEC)
    strokes = [s for s in final_strokes(engine_events(frames)) if s.hand == "left"]
    evaluation = match_strokes(labels, strokes)
    assert not evaluation.missed, f"missed {[(label.start_s, label.end_s) for label in evaluation.missed]}; got {[(s.pattern, s.region, s.direction) for s in strokes]}"
    for label, stroke, *_ in evaluation.pairs:
        assert stroke.pattern == "glide" and stroke.region == label.region


@pytest.mark.slow
@pytest.mark.media
def test_no_stroke_on_real_footage_where_no_hand_touches_the_face(media_dir: Path) -> None:
    from coach.evaluation.negatives import negative_sessions

    sessions = negative_sessions(media_dir)
    assert len(sessions) >= 6
    for session in sessions:
        strokes = final_strokes(engine_events(session.frames))
        assert not strokes, f"{session.name}: {[(s.pattern, s.region, round(s.start_s, 2)) for s in strokes]}"
