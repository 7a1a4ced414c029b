"""The tracker on real pixels: the portrait, real hand cut-outs, real and composite clips."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.perception import OneEuroFilter, OneEuroParams, create_tracker, subject_handedness
from coach.perception.tracker import one_hand_per_side
from coach.recording import read_recording, track_video_to_recording
from coach.sources import VideoFileSource
from coach.types import HAND_INDEX_TIP, LEFT_EYE_OUTER, RIGHT_EYE_OUTER, Frame

NOSE_TIP = 1
CHIN = 152


def _on_white(rgba_path: Path, margin: int = 80) -> np.ndarray:
    """A BGRA cut-out composited on white with a margin, as a BGR photo of a hand."""
    rgba = cv2.imread(str(rgba_path), cv2.IMREAD_UNCHANGED)
    assert rgba is not None and rgba.shape[2] == 4, f"{rgba_path} is not an RGBA image"
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    hand = rgba[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return cv2.copyMakeBorder(hand.astype(np.uint8), margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=(255, 255, 255))


def test_portrait_face_mesh(portrait_path: Path) -> None:
    image = cv2.imread(str(portrait_path))
    with create_tracker(mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, image))
    assert tracked.face is not None and tracked.faces_seen == 1
    points = tracked.face.points_norm
    assert points.shape == (478, 3)
    assert (tracked.width, tracked.height) == (image.shape[1], image.shape[0])
    assert points[RIGHT_EYE_OUTER, 1] < points[NOSE_TIP, 1] < points[CHIN, 1]
    assert points[LEFT_EYE_OUTER, 1] < points[NOSE_TIP, 1]
    # Unmirrored photo: the subject's right eye (33) is on the image's left.
    np.testing.assert_allclose(points[RIGHT_EYE_OUTER, :2], [0.40, 0.32], atol=0.03)
    np.testing.assert_allclose(points[LEFT_EYE_OUTER, :2], [0.63, 0.31], atol=0.03)
    assert tracked.hands == ()
    assert set(tracker.timings) >= {"face", "hands", "smoothing"}
    assert tracker.timings["face"].last_ms > 0


def test_no_face_no_hands_is_normal() -> None:
    blank = np.full((240, 320, 3), 127, dtype=np.uint8)
    with create_tracker(mode="video") as tracker:
        tracked = [tracker.track(Frame(i, i / 30, blank)) for i in range(3)]
    assert all(t.face is None and t.hands == () and t.faces_seen == 0 for t in tracked)


def test_subject_handedness_label_mapping() -> None:
    assert subject_handedness("Left", mirrored=False) == "right"
    assert subject_handedness("Right", mirrored=False) == "left"
    assert subject_handedness("Left", mirrored=True) == "left"


@pytest.mark.media
def test_hand_cutouts_handedness(media_dir: Path) -> None:
    cutouts = sorted((media_dir / "hands").glob("h3d_hand_*.png"))[:4]
    assert cutouts, f"no hand cut-outs in {media_dir / 'hands'}"
    unsure = []
    with create_tracker(mode="image", mirrored=False) as unmirrored, create_tracker(mode="image", mirrored=True) as mirrored:
        for path in cutouts:
            frame = Frame(0, 0.0, _on_white(path))
            plain = unmirrored.track(frame)
            assert len(plain.hands) == 1, f"{path.name}: expected one hand, got {len(plain.hands)}"
            # A right hand (legacy Hands says "Left" on these unmirrored photos, MANIFEST; the Tasks
            # bundle says "Right"): each backend must report the subject's right hand.
            assert plain.hands[0].handedness == "right", path.name
            assert plain.hands[0].points_norm.shape == (21, 3)
            assert plain.hands[0].score > 0.5
            selfie = mirrored.track(frame)
            assert len(selfie.hands) == 1, path.name
            # The same photo taken as a selfie shows the subject's left hand. A confident label must
            # say so; the Tasks model is unsure (0.54) and wrong on the flipped angle-2 view, which
            # is tolerated once among the four since the label carries that low score.
            if selfie.hands[0].score < 0.6:
                unsure.append(path.name)
            else:
                assert selfie.hands[0].handedness == "left", path.name
            # A mirrored input is flipped back: its landmarks are in unmirrored coordinates.
            wrist_x = plain.hands[0].points_norm[0, 0]
            assert abs(selfie.hands[0].points_norm[0, 0] - (1.0 - wrist_x)) < 0.03, path.name
    assert len(unsure) <= 1, f"unsure handedness on {unsure}"


@pytest.mark.media
def test_composite_fingertip_matches_ground_truth(media_dir: Path) -> None:
    clip = media_dir / "composite" / "clip_stroke_up_Rcheek_point.mp4"
    truth = np.loadtxt(clip.with_name(clip.stem + "_groundtruth.csv"), delimiter=",", skiprows=1)
    truth_tip_px = {int(row[0]): row[1:].reshape(21, 2)[HAND_INDEX_TIP] for row in truth}
    errors_px = []
    with VideoFileSource(clip) as source, create_tracker(mode="video", smoothing=True) as tracker:
        for frame in source:
            tracked = tracker.track(frame)
            assert tracked.face is not None
            hand = tracked.hand("right")
            if hand is None:
                errors_px.append(np.inf)
                continue
            tip_px = hand.points_px(tracked.width, tracked.height)[HAND_INDEX_TIP]
            errors_px.append(float(np.linalg.norm(tip_px - truth_tip_px[frame.index])))
    errors = np.array(errors_px)
    assert len(errors) == len(truth_tip_px)
    assert np.median(errors) <= 8.0, f"median fingertip error {np.median(errors):.1f} px"
    assert np.mean(errors <= 8.0) >= 0.90, f"only {np.mean(errors <= 8.0):.0%} of frames within 8 px"


@pytest.mark.media
@pytest.mark.slow
def test_track_real_clip_hand_in_front_of_face(media_dir: Path, tmp_path: Path) -> None:
    clip = media_dir / "videos" / "mps_gesture_woman_hand_in_front_of_face.mp4"
    out = tmp_path / "woman.jsonl.gz"
    calls: list[tuple[int, int | None]] = []
    stats = track_video_to_recording(clip, out, progress=lambda done, total: calls.append((done, total)))
    assert stats.frames == 195 and calls[-1] == (195, 195)
    assert stats.face_fraction >= 0.95
    assert stats.hand_fraction >= 0.80
    recording = read_recording(out)
    assert (recording.header.width, recording.header.height) == (1280, 720)
    frames = list(recording)
    assert len(frames) == 195
    assert sum(frame.face is not None for frame in frames) == stats.frames_with_face
    # She raises her right hand (MediaPipe: "Left" on this unmirrored clip).
    labels = [hand.handedness for frame in frames for hand in frame.hands]
    assert labels.count("right") / len(labels) >= 0.95


def test_one_euro_constant_signal_stays_constant() -> None:
    smoother = OneEuroFilter(OneEuroParams())
    value = np.array([[0.3, 0.6, -0.01]] * 5)
    outputs = [smoother(value, t / 30) for t in range(30)]
    for output in outputs:
        np.testing.assert_allclose(output, value, atol=1e-12)


def test_one_euro_reduces_noise() -> None:
    rng = np.random.default_rng(7)
    times = np.arange(300) / 30.0
    truth = np.full((300, 21, 3), 0.5)
    noisy = truth + rng.normal(0.0, 0.003, truth.shape)  # ~2 px jitter on a 640 px image
    smoother = OneEuroFilter(OneEuroParams())
    smoothed = np.array([smoother(sample, t) for sample, t in zip(noisy, times)])
    raw_error = np.std(noisy[30:] - truth[30:])
    smoothed_error = np.std(smoothed[30:] - truth[30:])
    assert smoothed_error < 0.67 * raw_error  # at least a third less jitter


def test_one_euro_follows_a_step() -> None:
    smoother = OneEuroFilter(OneEuroParams())
    before, after = np.zeros((1, 2)), np.full((1, 2), 0.2)
    for frame in range(10):
        smoother(before, frame / 30)
    outputs = [smoother(after, (10 + frame) / 30)[0, 0] for frame in range(15)]
    assert 0.0 < outputs[0] < 0.2  # smoothed, not jumped
    assert all(b >= a for a, b in zip(outputs, outputs[1:]))  # no overshoot back and forth
    assert outputs[5] == pytest.approx(0.2, abs=0.01)  # within 1% of the image after 6 frames


def test_one_euro_restarts_on_reset_and_time_going_back() -> None:
    smoother = OneEuroFilter(OneEuroParams())
    smoother(np.zeros(3), 0.0)
    smoother(np.zeros(3), 0.033)
    jump = np.ones(3)
    np.testing.assert_array_equal(smoother(jump, 0.0), jump)  # new sequence: passes through
    smoother.reset()
    np.testing.assert_array_equal(smoother(np.zeros(3), 1.0), np.zeros(3))


def test_two_faces_the_largest_is_the_subject(portrait_path: Path) -> None:
    from coach.pipeline import Pipeline

    portrait = cv2.imread(str(portrait_path))
    height, width = portrait.shape[:2]
    canvas = np.full((height, width * 2, 3), 90, np.uint8)
    small = cv2.resize(portrait, (int(width * 0.75), int(height * 0.75)))
    canvas[height // 8 : height // 8 + small.shape[0], width + 40 : width + 40 + small.shape[1]] = small
    canvas[:, :width] = portrait  # the larger face on the left half
    with create_tracker(mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, canvas))
    assert tracked.faces_seen == 2
    assert tracked.face is not None
    eye_span = abs(tracked.face.points_norm[LEFT_EYE_OUTER, 0] - tracked.face.points_norm[RIGHT_EYE_OUTER, 0]) * canvas.shape[1]
    assert tracked.face.points_norm[NOSE_TIP, 0] < 0.5 and eye_span > 100
    with Pipeline(tracker=create_tracker(mode="image")) as pipeline:
        result = pipeline.process_frame(Frame(0, 0.0, canvas))
    assert "Several faces" in result.status


def _hand_at(x: float, y: float, size: float = 0.1) -> np.ndarray:
    """21 points spread over a square of ``size`` at (x, y), normalised image coordinates."""
    grid = np.linspace(0.0, size, 21)
    return np.stack([x + grid, y + grid[::-1], np.zeros(21)], axis=1)


def test_more_hands_than_asked_for_keep_one_per_side() -> None:
    # Hands can return three palms from a graph asked for two (mediapipe issues 2319, 4607); a
    # recording must still hold at most one left and one right hand.
    first_right, second_right, left = _hand_at(0.3, 0.5), _hand_at(0.35, 0.65), _hand_at(0.6, 0.5)
    kept = one_hand_per_side([("right", 0.98, second_right), ("left", 0.97, left), ("right", 0.99, first_right)])
    assert [(hand, score) for hand, score, _ in kept] == [("right", 0.99), ("left", 0.97)]
    assert kept[0][2] is first_right and kept[1][2] is left


def test_two_hands_with_one_label_are_a_duplicate_or_the_other_hand() -> None:
    right, on_top, apart = _hand_at(0.3, 0.5), _hand_at(0.305, 0.505), _hand_at(0.6, 0.5)
    assert [hand for hand, _, _ in one_hand_per_side([("right", 0.9, right), ("right", 0.8, on_top)])] == ["right"]
    kept = one_hand_per_side([("right", 0.8, apart), ("right", 0.9, right)])
    assert [(hand, score) for hand, score, _ in kept] == [("right", 0.9), ("left", 0.8)]


def test_a_small_hand_found_inside_a_hand_is_part_of_it_whatever_its_label() -> None:
    # Real pixels: Hands found a second "hand" of a third the area on the fingers of a fist, labelled
    # the other side, in a third of the frames; its wanderings became strokes of a phantom hand.
    whole, part = _hand_at(0.3, 0.4, size=0.2), _hand_at(0.36, 0.45, size=0.1)
    kept = one_hand_per_side([("right", 0.95, whole), ("left", 0.97, part)])
    assert [(hand, score) for hand, score, _ in kept] == [("right", 0.95)]
    # Two real hands of about one size stay two, even overlapping (stacked on the forehead).
    other = _hand_at(0.35, 0.45, size=0.18)
    assert sorted(hand for hand, _, _ in one_hand_per_side([("right", 0.95, whole), ("left", 0.9, other)])) == ["left", "right"]
