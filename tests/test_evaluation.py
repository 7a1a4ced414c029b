"""The stroke engine's yardstick: generators' labels obey their conventions, and matching counts right.

These tests do not judge the engine's accuracy (the engine is being rewritten; the benchmark does
that); they check what the benchmark's figures rest on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coach.evaluation.matching import EvalSession, evaluate_session, match_strokes
from coach.evaluation.minjerk import (
    MM_PER_FU,
    Block,
    GlidePath,
    GlideProfile,
    MinJerkSpec,
    generate_scripted,
    label_times,
)
from coach.strokes import StrokeEngine
from coach.strokes.contact import palm_size_px
from coach.synthetic import LabelledStroke
from coach.types import HAND_INDEX_TIP, Stroke

STILL = MinJerkSpec(noise=False, tracker_smoothing=False, head_motion=0.0, fps=30.0)


def _glide_label(start: float, end: float, hand: str = "right") -> LabelledStroke:
    return LabelledStroke(start_s=start, end_s=end, hand=hand, region="right_cheek", pattern="glide",  # type: ignore[arg-type]
                          direction="up", speed_fu_s=0.3, count=1, rate_hz=None)


def _stroke(start: float, end: float, hand: str = "right", pattern: str = "glide", **extra: object) -> Stroke:
    stroke = Stroke(start_s=start, end_s=end, hand=hand, region="right_cheek", pattern=pattern,  # type: ignore[arg-type]
                    direction="up" if pattern == "glide" else None, speed_fu_s=0.3 if pattern == "glide" else None,
                    count=1, rate_hz=None)
    for name, value in extra.items():
        object.__setattr__(stroke, name, value)  # v2 attributes (final, reported_s) on a v1 Stroke
    return stroke


# ---------------------------------------------------------------------------------------------
# Label conventions


@pytest.mark.parametrize("skew, surge", [(1.0, 0.0), (0.7, 0.0), (1.5, 0.3)])
def test_min_jerk_glide_label_is_path_over_time_between_the_10_percent_crossings(skew: float, surge: float) -> None:
    path = GlidePath(np.array([-0.5, -0.3]), np.array([-0.55, 0.05]), 0.01, 1.2, GlideProfile(skew=skew, surge=surge, surges=2))
    label = label_times(path.position, path.duration_s)
    # Independently: the true speed sampled very finely, its crossings of 10 % of its peak.
    t = np.linspace(0.0, path.duration_s, 200_001)
    xy = path.position(t)
    steps = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    speed = steps / np.diff(t)
    moving = np.flatnonzero(speed >= 0.1 * speed.max())
    start, end = t[moving[0]], t[moving[-1] + 1]
    expected_speed = steps[moving[0]: moving[-1] + 1].sum() / (end - start)
    assert label.start_s == pytest.approx(start, abs=2e-4)
    assert label.end_s == pytest.approx(end, abs=2e-4)
    assert label.speed_fu_s == pytest.approx(expected_speed, rel=2e-3)
    # The convention differs from path / whole duration (what a trapezoid label would say).
    whole = steps.sum() / path.duration_s
    assert label.speed_fu_s > whole * 1.1


def test_generated_glide_labels_match_what_the_frames_show() -> None:
    """The fingertip seen in the (noise-free) frames starts and stops where the labels say."""
    from coach.geometry import FaceFrameFitter

    session = generate_scripted([Block("glide", "right_cheek", hand="right", direction="up", reps=3)], seed=3, spec=STILL)
    assert [label.pattern for label in session.labels] == ["glide"] * 3
    fitter = FaceFrameFitter()
    times, points = [], []
    for frame in session.frames:
        hand = frame.hand("right")
        if hand is None or frame.face is None:
            continue
        pose = fitter.fit(frame.face, frame.width, frame.height)
        times.append(frame.timestamp_s)
        points.append(pose.image_to_face(hand.points_px(frame.width, frame.height)[HAND_INDEX_TIP][None])[0])
    times_a, points_a = np.array(times), np.array(points)
    speed = np.linalg.norm(np.diff(points_a, axis=0), axis=1) / np.diff(times_a)
    middle = (times_a[1:] + times_a[:-1]) / 2
    for label in session.labels:
        # The run of frames around the glide's peak that stay above 10 % of it (the return after a
        # dwell is a separate run).
        inside = np.flatnonzero((middle >= label.start_s) & (middle <= label.end_s))
        top = int(inside[np.argmax(speed[inside])])
        moving = speed >= 0.1 * speed[top]
        first, last = top, top
        while first > 0 and moving[first - 1]:
            first -= 1
        while last + 1 < len(speed) and moving[last + 1]:
            last += 1
        assert middle[first] == pytest.approx(label.start_s, abs=0.05)
        assert middle[last] == pytest.approx(label.end_s, abs=0.05)
        between = (middle >= label.start_s) & (middle <= label.end_s)
        seen_speed = float(np.sum(speed[between] * np.diff(times_a)[between]) / (label.end_s - label.start_s))
        assert seen_speed == pytest.approx(label.speed_fu_s, rel=0.08)


def test_minjerk_tap_barely_moves_the_fingertip_while_the_hand_size_swings() -> None:
    session = generate_scripted([Block("tap", "left_cheek", hand="left")], seed=11, spec=STILL)
    (label,) = session.labels
    assert label.pattern == "tap" and label.count >= 4 and 2.0 <= label.rate_hz <= 6.0  # type: ignore[operator]
    tips, sizes = [], []
    for frame in session.frames:
        hand = frame.hand("left")
        if hand is None or not label.start_s <= frame.timestamp_s <= label.end_s:
            continue
        points = hand.points_px(frame.width, frame.height)
        tips.append(points[HAND_INDEX_TIP])
        sizes.append(palm_size_px(points))
    tips_a, sizes_a = np.array(tips), np.array(sizes)
    travel_px = float(np.linalg.norm(tips_a.max(axis=0) - tips_a.min(axis=0)))
    travel_mm = travel_px / session.scale_px_per_fu * MM_PER_FU
    swing = float(sizes_a.max() / sizes_a.min() - 1.0)
    assert travel_mm < 3.0, f"fingertip moved {travel_mm:.1f} mm in the image"
    assert swing >= 0.04, f"hand size swung only {swing:.3f}"
    # It really is a tap: the size goes up and down once per tap.
    rising = np.flatnonzero((sizes_a[1:] > np.median(sizes_a)) & (sizes_a[:-1] <= np.median(sizes_a)))
    assert abs(len(rising) - label.count) <= 1


def test_forehead_glide_with_the_hand_over_the_eyes_loses_the_face() -> None:
    losing = MinJerkSpec(noise=False, tracker_smoothing=False, head_motion=0.0, fps=30.0, face_loss_share=1.0)
    session = generate_scripted([Block("glide", "forehead", hand="right", direction="up", reps=2, flat=True)], seed=5, spec=losing)
    glides = [label for label in session.labels if label.pattern == "glide"]
    assert len(glides) == 2
    during = [frame for frame in session.frames if any(g.start_s <= frame.timestamp_s <= g.end_s for g in glides)]
    assert during and sum(frame.face is None for frame in during) > len(during) // 2
    assert all(frame.hand("right") is not None for frame in during)
    before = [frame for frame in session.frames if frame.timestamp_s < 0.9]
    assert before and all(frame.face is not None for frame in before)
    # The other behaviour of MediaPipe: the face tracked on through the occlusion.
    kept = generate_scripted([Block("glide", "forehead", hand="right", direction="up", reps=2, flat=True)], seed=5,
                             spec=MinJerkSpec(noise=False, tracker_smoothing=False, head_motion=0.0, fps=30.0, face_loss_share=0.0))
    assert all(frame.face is not None for frame in kept.frames) and not kept.face_lost.any()


def test_minjerk_gives_the_heads_motion_where_the_tracker_reads_it() -> None:
    """The head's motion round a covering hand (TrackedFrame.face_motion) is given only on frames with
    a hand over the face, carries the face from one frame to the next, and leaves the landmarks as
    they are without it."""
    from coach.geometry.canonical import STABLE_LANDMARKS

    blocks = [Block("glide", "forehead", hand="right", direction="up", reps=2, flat=True), Block("hold", "chin", hand="left")]
    exact = MinJerkSpec(noise=False, tracker_smoothing=False, head_motion=1.0, fps=30.0, face_loss_share=0.0)
    session = generate_scripted(blocks, seed=5, spec=exact)
    without = generate_scripted(blocks, seed=5, spec=MinJerkSpec(noise=False, tracker_smoothing=False, head_motion=1.0, fps=30.0,
                                                                  face_loss_share=0.0, head_motion_reading=False))
    assert all(frame.face_motion is None for frame in without.frames)
    for frame, plain in zip(session.frames, without.frames, strict=True):
        assert frame.face is not None and plain.face is not None
        np.testing.assert_array_equal(frame.face.points_norm, plain.face.points_norm)
    read = [index for index, frame in enumerate(session.frames) if frame.face_motion is not None]
    assert len(read) > 30
    stable = np.array(STABLE_LANDMARKS)
    for index in read:
        frame, before = session.frames[index], session.frames[index - 1]
        assert frame.hands and frame.face is not None and before.face is not None
        previous = before.face.points_px(frame.width, frame.height)[stable]
        moved = previous @ frame.face_motion[:, :2].T + frame.face_motion[:, 2]  # type: ignore[index]
        assert np.abs(moved - frame.face.points_px(frame.width, frame.height)[stable]).max() < 0.5
    glide_frames = [index for index, frame in enumerate(session.frames)
                    if any(label.pattern == "glide" and label.start_s <= frame.timestamp_s <= label.end_s for label in session.labels)]
    assert set(glide_frames) <= set(read)  # the hand over the forehead: read on every glide frame
    chin_hold = [label for label in session.labels if label.pattern == "hold"][0]
    assert not any(chin_hold.start_s <= session.frames[index].timestamp_s <= chin_hold.end_s for index in read)  # a hand on the chin covers nothing


def test_a_glide_series_has_unlabelled_lifted_returns_that_grow_the_hand() -> None:
    session = generate_scripted([Block("glide", "left_cheek", hand="left", direction="down", reps=2)], seed=8, spec=STILL)
    first, second = session.labels
    between = [f for f in session.frames if first.end_s < f.timestamp_s < second.start_s and f.hand("left") is not None]
    on_skin = [f for f in session.frames if first.start_s <= f.timestamp_s <= first.end_s]
    size = lambda f: palm_size_px(f.hand("left").points_px(f.width, f.height))  # noqa: E731
    growth = max(size(f) for f in between) / np.median([size(f) for f in on_skin]) - 1.0
    assert 0.04 <= growth <= 0.17


def test_synthetic_glides_relabelled_to_the_10_percent_convention() -> None:
    from coach.evaluation.families import synthetic_session
    from coach.synthetic import BENCHMARK_SEEDS, generate_session

    _, original, _ = generate_session(BENCHMARK_SEEDS[0])
    session = synthetic_session(BENCHMARK_SEEDS[0])
    assert len(session.labels) == len(original)
    glides = [(a, b) for a, b in zip(original, session.labels) if a.pattern == "glide"]
    assert glides
    for before, after in glides:
        assert before.start_s <= after.start_s < after.end_s <= before.end_s
        # Ramps are 8–20 % of a trapezoid glide: the 10 %-of-peak span is a little shorter, the speed a little higher.
        assert 1.0 < after.speed_fu_s / before.speed_fu_s < 1.25  # type: ignore[operator]
    for before, after in zip(original, session.labels):
        if before.pattern != "glide":
            assert before == after


def test_tuning_and_evaluation_seeds_are_disjoint() -> None:
    from coach.evaluation.families import _seeds

    for family in ("synthetic", "minjerk"):
        assert not set(_seeds(family, tuning=True, quick=False)) & set(_seeds(family, tuning=False, quick=False))
        assert len(_seeds(family, tuning=False, quick=False)) == 30


# ---------------------------------------------------------------------------------------------
# Matching


def test_matching_counts_a_lifted_return_as_a_false_positive() -> None:
    labels = [_glide_label(1.0, 1.6), _glide_label(2.2, 2.8)]
    strokes = [_stroke(1.02, 1.58), _stroke(1.7, 2.05), _stroke(2.25, 2.8)]  # the middle one is the return
    evaluation = match_strokes(labels, strokes)
    figures = evaluation.figures()
    assert len(evaluation.pairs) == 2 and evaluation.missed == []
    assert evaluation.extra == [strokes[1]]
    assert figures["precision"] == pytest.approx(2 / 3)
    assert figures["recall"] == 1.0
    assert figures["detection_f1"] == pytest.approx(0.8)
    assert evaluation.confusion()["none"]["glide"] == 1


def test_what_a_user_is_told_as_sure_is_counted_apart() -> None:
    """sure_share / sure_wrong_share: detections at confidence 0.6 or more (corrected on), and how
    many of those are wrong; an unsure wrong stroke is not counted against the sure ones."""
    labels = [_glide_label(1.0, 1.6), _glide_label(2.2, 2.8), _glide_label(3.4, 4.0)]
    strokes = [_stroke(1.02, 1.58, confidence=0.9),                       # right, sure
               _stroke(2.25, 2.8, confidence=0.3, direction="down"),      # wrong way, unsure
               _stroke(3.45, 4.0, confidence=0.8, direction="down"),      # wrong way, sure
               _stroke(1.7, 2.05, confidence=0.2)]                        # a return read as a glide, unsure
    figures = match_strokes(labels, strokes).figures()
    assert figures["sure_share"] == pytest.approx(2 / 4)
    assert figures["sure_wrong_share"] == pytest.approx(1 / 2)
    assert figures["glide_direction_accuracy"] == pytest.approx(1 / 3)
    assert figures["glide_direction_accuracy_sure"] == pytest.approx(1 / 2)


def test_matching_pairs_same_hand_only_and_judges_final_strokes_only() -> None:
    labels = [_glide_label(1.0, 2.0, hand="left")]
    strokes = [
        _stroke(1.0, 2.0, hand="right"),  # the other hand: a false positive, not a match
        _stroke(1.0, 1.5, hand="left", final=False, reported_s=1.6),  # a progress event: ignored
        _stroke(1.05, 1.95, hand="left", final=True, reported_s=2.3),
    ]
    evaluation = match_strokes(labels, strokes, emitted_s=[2.1, 1.6, 2.4])
    assert [stroke.hand for _, stroke in evaluation.pairs] == ["left"]
    assert evaluation.pairs[0][1] is strokes[2]
    assert evaluation.extra == [strokes[0]]
    # Latency from the engine's own reported_s when it has one (else from when it was returned).
    assert evaluation.latencies_s == [pytest.approx(0.3)]
    v1 = match_strokes(labels, [_stroke(1.05, 1.95, hand="left")], emitted_s=[2.45])
    assert v1.latencies_s == [pytest.approx(0.45)]


def test_cycle_latency_of_a_run_counted_live_and_counted_at_its_end() -> None:
    label = LabelledStroke(start_s=1.0, end_s=3.0, hand="left", region="left_cheek", pattern="tap",
                           direction=None, speed_fu_s=None, count=4, rate_hz=2.0)

    def tap(count: int, final: bool, reported: float | None = None) -> Stroke:
        stroke = _stroke(1.0, 3.0, hand="left", pattern="tap", final=final, stroke_id=7, reported_s=reported)
        object.__setattr__(stroke, "count", count)
        object.__setattr__(stroke, "region", "left_cheek")
        return stroke

    # Repetitions end at 1.5, 2.0, 2.5 and 3.0 s; a streaming engine counts each 0.1 s later.
    progress = [(tap(1, False, 1.6), 1.6), (tap(2, False, 2.1), 2.1), (tap(3, False, 2.6), 2.6)]
    live = match_strokes([label], [tap(4, True, 3.2)], emitted_s=[3.2], progress=progress)
    assert live.cycle_latencies_s == pytest.approx([0.1, 0.1, 0.1, 0.2])
    assert live.figures()["cycle_latency_p95_s"] == pytest.approx(0.185)
    # Events of another run (another stroke_id) do not count for this one.
    other = [(tap(3, False, 1.2), 1.2)]
    object.__setattr__(other[0][0], "stroke_id", 8)
    assert match_strokes([label], [tap(4, True, 3.2)], emitted_s=[3.2], progress=other).cycle_latencies_s == pytest.approx([1.7, 1.2, 0.7, 0.2])
    # A batch engine counts all four when the run closes.
    batch = _stroke(1.0, 3.0, hand="left", pattern="tap")
    object.__setattr__(batch, "count", 4)
    object.__setattr__(batch, "region", "left_cheek")
    assert match_strokes([label], [batch], emitted_s=[4.0]).cycle_latencies_s == pytest.approx([2.5, 2.0, 1.5, 1.0])


def test_latency_by_kind_keeps_glides_run_closes_and_recognised_repetitions_apart() -> None:
    label = LabelledStroke(start_s=1.0, end_s=3.0, hand="left", region="left_cheek", pattern="tap",
                           direction=None, speed_fu_s=None, count=4, rate_hz=2.0)

    def tap(count: int, final: bool, reported: float) -> Stroke:
        stroke = _stroke(1.0, 3.0, hand="left", pattern="tap", final=final, stroke_id=7, reported_s=reported)
        object.__setattr__(stroke, "count", count)
        object.__setattr__(stroke, "region", "left_cheek")
        return stroke

    # Recognised at 2.2 s with two taps counted (they ended at 1.5 and 2.0 s); the third and fourth
    # are counted 0.1 s after they end; the run closes 0.6 s after its last tap.
    progress = [(tap(2, False, 2.2), 2.2), (tap(3, False, 2.6), 2.6), (tap(4, False, 3.1), 3.1)]
    glide = _glide_label(4.0, 4.6, hand="left")
    glide_stroke = _stroke(4.0, 4.6, hand="left", final=True, reported_s=4.9)
    evaluation = match_strokes([label, glide], [tap(4, True, 3.6), glide_stroke], emitted_s=[3.6, 4.9], progress=progress)
    figures = evaluation.figures()
    assert evaluation.cycle_latencies_recognised == [(pytest.approx(0.7), False), (pytest.approx(0.2), False),
                                                     (pytest.approx(0.1), True), (pytest.approx(0.1), True)]
    assert figures["cycle_latency_recognised_p95_s"] == pytest.approx(0.1)
    assert figures["run_close_latency_p95_s"] == pytest.approx(0.6)
    assert figures["glide_latency_p95_s"] == pytest.approx(0.3)
    assert figures["hold_latency_p95_s"] is None


def test_matching_ignores_detections_inside_unseen_strokes_and_scores_attributes() -> None:
    hidden = _glide_label(5.0, 6.0)
    labels = [_glide_label(1.0, 2.0)]
    wrong_direction = Stroke(start_s=1.0, end_s=2.0, hand="right", region="right_cheek", pattern="glide",
                             direction="down", speed_fu_s=0.36, count=1, rate_hz=None)
    evaluation = match_strokes(labels, [wrong_direction, _stroke(5.1, 5.9)], unseen=[hidden])
    figures = evaluation.figures()
    assert evaluation.extra == []
    assert figures["glide_direction_accuracy"] == 0.0
    assert figures["pattern_accuracy"] == 1.0
    assert figures["glide_speed_median_rel_error"] == pytest.approx(0.2)
    object.__setattr__(wrong_direction, "confidence", 0.4)
    assert match_strokes(labels, [wrong_direction]).figures()["confidence_wrong_mean"] == pytest.approx(0.4)


def test_negative_session_figures() -> None:
    evaluation = match_strokes([], [_stroke(1.0, 2.0)])
    figures = evaluation.figures()
    assert figures["detections"] == 1 and figures["labels"] == 0
    assert figures["precision"] == 0.0 and figures["recall"] is None
    assert match_strokes([], []).figures()["precision"] == 1.0


# ---------------------------------------------------------------------------------------------
# The engine through the whole evaluation path


@pytest.mark.slow
def test_engine_runs_on_a_minjerk_session_through_match_strokes() -> None:
    blocks = [Block("glide", "left_cheek", hand="left", reps=3), Block("circle", "right_temple", hand="right"),
              Block("tap", "forehead", hand="right")]
    generated = generate_scripted(blocks, seed=21)
    session = generated.as_eval_session()
    assert isinstance(session, EvalSession) and session.family == "minjerk"
    evaluation, run = evaluate_session(session)
    labels = len(session.labels) + 0
    # Every label is either paired or missed; every final stroke is paired, extra, or inside an unseen stroke.
    assert len(evaluation.pairs) + len(evaluation.missed) == labels
    assert len(evaluation.pairs) + len(evaluation.extra) <= len(run.strokes)
    assert len(run.engine_ms) == len(session.frames) and all(ms >= 0 for ms in run.engine_ms)
    assert len(run.emitted_s) == len(run.strokes)
    assert all(session.frames[0].timestamp_s <= t <= session.frames[-1].timestamp_s for t in run.emitted_s)
    assert len(evaluation.latencies_s) == len(evaluation.pairs)
    figures = evaluation.figures()
    assert figures["labels"] == labels and figures["sessions"] == 1
    assert figures["engine_ms_p99"] is not None and figures["engine_ms_worst"] >= figures["engine_ms_p99"]  # type: ignore[operator]
    for label, stroke in evaluation.pairs:
        assert stroke.hand == label.hand
        overlap = min(stroke.end_s, label.end_s) - max(stroke.start_s, label.start_s)
        union = max(stroke.end_s, label.end_s) - min(stroke.start_s, label.start_s)
        assert overlap / union >= 0.3 - 1e-9
        assert not math.isnan(stroke.start_s)


def test_repeated_timing_keeps_the_first_runs_strokes_and_each_frames_lowest_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench_strokes times the engine over three runs of each session: the strokes must be those of
    one run, the cost each frame's lowest over the runs, and Python's collector left as it was found."""
    import gc

    from coach.evaluation import matching

    session = generate_scripted([Block("glide", "left_cheek", hand="left", reps=2), Block("tap", "forehead", hand="right")],
                                seed=5, spec=STILL).as_eval_session()
    once, single = evaluate_session(session)
    runs: list[list[float]] = []
    timed = matching.run_engine_timed

    def recorded(*arguments, **keywords):  # type: ignore[no-untyped-def]
        run = timed(*arguments, **keywords)
        runs.append(list(run.engine_ms))
        return run

    monkeypatch.setattr(matching, "run_engine_timed", recorded)
    thrice, repeated = evaluate_session(session, timing_runs=3)
    assert len(runs) == 3 and repeated.engine_ms == [min(costs) for costs in zip(*runs)]
    assert [(s.pattern, s.start_s, s.end_s, s.count) for s in repeated.strokes] == \
        [(s.pattern, s.start_s, s.end_s, s.count) for s in single.strokes]
    assert repeated.strokes and len(thrice.pairs) == len(once.pairs)
    assert len(repeated.engine_ms) == len(session.frames) and all(ms >= 0 for ms in repeated.engine_ms)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    with pytest.raises(ValueError, match="default engine"):
        evaluate_session(session, StrokeEngine(), timing_runs=2)


def test_a_hand_can_work_on_the_other_side_of_the_face() -> None:
    session = generate_scripted([Block("glide", "left_cheek", hand="right", direction="down", reps=1)], seed=4, spec=STILL)
    (label,) = session.labels
    assert (label.hand, label.region) == ("right", "left_cheek")
    during = [f for f in session.frames if label.start_s <= f.timestamp_s <= label.end_s]
    for frame in during:
        points = frame.hand("right").points_px(frame.width, frame.height)  # type: ignore[union-attr]
        # Unmirrored image: the subject's right is the viewer's left, so the arm reaches across from the left.
        assert points[0, 0] < points[HAND_INDEX_TIP, 0]
        assert points[HAND_INDEX_TIP, 0] > frame.face.points_px(frame.width, frame.height)[168, 0]  # type: ignore[union-attr]


def test_real_families_say_why_they_are_unavailable_without_the_media(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from coach.evaluation.families import FamilyUnavailableError, evaluation_sessions

    monkeypatch.setenv("COACH_MEDIA_DIR", str(tmp_path) + "/absent")
    for family in ("real", "negatives"):
        with pytest.raises(FamilyUnavailableError, match="shared media not found"):
            next(evaluation_sessions(family))
    with pytest.raises(ValueError, match="unknown family"):
        next(evaluation_sessions("imaginary"))


def test_bench_refuses_a_tuning_run_of_a_family_without_tuning_data(capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_strokes  # type: ignore[import-not-found]

    assert bench_strokes.main(["--tuning", "--family", "negatives"]) == 2
    assert "the negatives have no tuning set" in capsys.readouterr().out
