"""The real-pixel evaluation families: composites (c) and negatives (d), with the real Tracker.

The composite tests build the quick clips in a private cache folder (so the first build, the
tracking and the cache read-back are all exercised here), then check that MediaPipe really sees
what was pasted: the hand in most frames, its fingertip a few pixels from the pasted one, the
stroke in the region it was scripted in, and a flipped photo reported as the other hand.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from coach.geometry import FaceFrameFitter, FaceRegions

pytestmark = [pytest.mark.media]


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private cache folder for this module (the user's ~/.cache/coach-bench is left alone)."""
    folder = tmp_path_factory.mktemp("coach-bench")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("COACH_BENCH_CACHE", str(folder))
    yield folder
    monkeypatch.undo()


@pytest.fixture(scope="module")
def quick_clips(media_dir: Path, bench_cache: Path) -> dict[str, object]:
    """The quick clips, rendered and tracked once (into the private cache), with the build time."""
    from coach.evaluation.composites import real_pixel_clips

    started = time.perf_counter()
    clips = real_pixel_clips(media_dir, quick=True)
    return {"clips": {clip.recipe.name: clip for clip in clips}, "build_s": time.perf_counter() - started}


def test_glide_label_runs_from_onset_to_stop_at_ten_percent_of_peak_speed() -> None:
    """Minimum-jerk glide: speed crosses 10 % of its peak at 8.6 % and 91.4 % of the motion;
    over that span the path is 98.9 % of the length, so the labelled speed is 1.195 × length / duration."""
    from coach.evaluation.composites import HandState, _glide_label, _min_jerk

    start, end, duration = np.array([-0.5, -0.4]), np.array([-0.7, -0.1]), 1.6
    length = float(np.linalg.norm(end - start))

    def motion(t: float) -> HandState:
        return HandState(start + (end - start) * _min_jerk(t / duration))

    onset, stop, speed = _glide_label(motion, duration)
    assert onset == pytest.approx(0.0861 * duration, abs=0.003)
    assert stop == pytest.approx(0.9139 * duration, abs=0.003)
    assert speed == pytest.approx(1.1945 * length / duration, rel=0.01)


@pytest.mark.slow
def test_a_flipped_photo_is_reported_as_the_other_hand(media_dir: Path) -> None:
    from coach.evaluation.composites import HandPhotos

    photos = HandPhotos(media_dir)
    try:
        for relative in ("hands/h3d_hand_01-01-001_angle01.png", "composite/cutout_tfjs_hands_open_grabcut.png"):
            photo, flipped = photos.load(relative), photos.load(relative, flipped=True)
            assert photo is not None and flipped is not None, relative
            assert {photo.handedness, flipped.handedness} == {"left", "right"}, relative
            assert photos.for_hand(relative, "left").handedness == "left"
            assert photos.for_hand(relative, "right").handedness == "right"
    finally:
        photos.close()


@pytest.mark.slow
def test_a_bent_thumb_is_seen_closing_on_the_index_finger(media_dir: Path) -> None:
    """Kneads are made by bending the photo's thumb: MediaPipe must follow it."""
    import cv2

    from coach.evaluation.composites import HandPhotos, bend_thumb
    from coach.perception import Tracker
    from coach.types import Frame

    photos = HandPhotos(media_dir)
    try:
        photo = photos.load("hands/h3d_hand_01-05-001_angle01.png")
        assert photo is not None
        gaps = []
        with Tracker(mode="image", max_hands=1) as tracker:
            for angle in (0.0, 35.0):
                rgba, landmarks = bend_thumb(photo, angle)
                alpha = rgba[..., 3:4] / 255.0
                image = cv2.copyMakeBorder((rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8), 40, 40, 40, 40,
                                           cv2.BORDER_CONSTANT, value=(255, 255, 255))
                tracked = tracker.track(Frame(0, 0.0, image))
                assert tracked.hands, f"no hand found with the thumb bent {angle}°"
                points = tracked.hands[0].points_px(image.shape[1], image.shape[0]) - 40
                assert np.linalg.norm(points[4] - landmarks[4]) < 0.06 * photo.palm_px  # the thumb tip where it was bent to
                gaps.append(float(np.linalg.norm(points[4] - points[8])))
    finally:
        photos.close()
    assert gaps[1] < 0.85 * gaps[0], gaps


@pytest.mark.slow
def test_tracker_finds_the_pasted_hand_where_it_was_pasted(quick_clips: dict) -> None:
    from coach.evaluation.composites import tracking_quality

    clip = quick_clips["clips"]["quick_portrait_cheek_glides"]
    assert clip.session.family == "real" and len(clip.session.labels) == 2
    quality = tracking_quality(clip)
    assert quality.stroke_frames > 60
    assert quality.face_found >= 0.9
    assert quality.hand_found >= 0.9
    # The truth is MediaPipe's own fingertip on the photo carried through the paste: a few px.
    assert quality.fingertip_median_px is not None and quality.fingertip_median_px < 6.0
    assert quality.fingertip_p90_px is not None and quality.fingertip_p90_px < 12.0


@pytest.mark.slow
def test_labels_lie_in_the_region_their_path_was_scripted_in(quick_clips: dict) -> None:
    """The pasted fingertip, mapped to face units through the face the Tracker found on the
    composite, lies in the labelled region during the labelled stroke."""
    regions, fitter = FaceRegions(), FaceFrameFitter()
    checked = 0
    for clip in quick_clips["clips"].values():
        for label in clip.session.labels:
            seen: Counter[str | None] = Counter()
            for index, tracked in enumerate(clip.session.frames):
                if tracked.face is None or not label.start_s <= tracked.timestamp_s <= label.end_s:
                    continue
                pasted = clip.truth_px[label.hand][index, 8]
                pose = fitter.fit(tracked.face, tracked.width, tracked.height)
                seen[regions.region_at(pose.image_to_face(pasted[None])[0])] += 1
            region, count = seen.most_common(1)[0]
            assert region == label.region and count >= 0.8 * sum(seen.values()), (clip.recipe.name, label, seen)
            checked += 1
    assert checked >= 3


@pytest.mark.slow
def test_a_flipped_photo_on_a_face_is_tracked_as_the_subjects_other_hand(quick_clips: dict) -> None:
    """The quick footage clip pastes a right-hand photo flipped: the Tracker must call it the left hand."""
    clip = quick_clips["clips"]["quick_d18_left_taps"]
    assert dict(clip.recipe.photos)["left"].startswith("hands/h3d_")  # photos of a right hand
    frames = [f for f in clip.session.frames for label in clip.session.labels if label.start_s <= f.timestamp_s <= label.end_s]
    labels = Counter(hand.handedness for frame in frames for hand in frame.hands)
    assert labels["left"] >= 0.9 * len(frames), labels
    assert labels["right"] <= 0.05 * len(frames), labels


@pytest.mark.slow
def test_the_cache_gives_identical_frames_on_a_second_call(media_dir: Path, quick_clips: dict) -> None:
    from coach.evaluation.composites import real_pixel_clips

    first = quick_clips["clips"]
    started = time.perf_counter()
    again = {clip.recipe.name: clip for clip in real_pixel_clips(media_dir, quick=True)}
    read_s = time.perf_counter() - started
    assert set(again) == set(first)
    for name, clip in again.items():
        before = first[name].session
        assert clip.session.labels == before.labels
        assert len(clip.session.frames) == len(before.frames)
        for a, b in zip(before.frames, clip.session.frames):
            assert a.index == b.index and a.timestamp_s == b.timestamp_s and _same_landmarks(a, b)
        for hand, truth in first[name].truth_px.items():
            np.testing.assert_allclose(clip.truth_px[hand], truth, atol=0.01)
    assert read_s < 0.5 * quick_clips["build_s"], (read_s, quick_clips["build_s"])


def _same_landmarks(a, b) -> bool:  # type: ignore[no-untyped-def]
    if (a.face is None) != (b.face is None) or len(a.hands) != len(b.hands):
        return False
    if a.face is not None and not np.array_equal(a.face.points_norm, b.face.points_norm):
        return False
    return all(h.handedness == g.handedness and np.array_equal(h.points_norm, g.points_norm) for h, g in zip(a.hands, b.hands))


def test_the_negatives_are_every_no_touch_clip_of_the_manifest(media_dir: Path) -> None:
    from coach.evaluation.negatives import EXCLUDED_CLIPS, FACE_FOOTAGE, NEGATIVE_CLIPS, unclassified_clips

    with open(media_dir / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = {row["local_name"]: row for row in csv.DictReader(handle, delimiter="\t")}
    videos = {name.split("/", 1)[1] for name in rows if name.startswith("videos/")}
    assert videos == set(NEGATIVE_CLIPS) | set(EXCLUDED_CLIPS), "every clip in MANIFEST.tsv needs a decision, with its reason"
    assert not set(NEGATIVE_CLIPS) & set(EXCLUDED_CLIPS)
    lp_clips = {name for name in videos if name.startswith("lp_face_")}
    assert len(lp_clips) == 6 and lp_clips == set(FACE_FOOTAGE) and lp_clips <= set(NEGATIVE_CLIPS)
    for name in lp_clips:
        assert "no hands" in rows[f"videos/{name}"]["what_it_shows"]
    assert unclassified_clips(media_dir) == []
    assert all(len(reason) > 20 for reason in (*NEGATIVE_CLIPS.values(), *EXCLUDED_CLIPS.values()))


def test_the_full_family_covers_every_pattern_on_both_kinds_of_face(media_dir: Path) -> None:
    """Without tracking: the recipes' scripts give every pattern on the portrait and on footage,
    both hands, at least six photos and more than one face."""
    from coach.evaluation.composites import FULL_RECIPES, PORTRAIT, used_faces, used_photos

    assert len(FULL_RECIPES) >= 12
    assert len(used_photos()) >= 6
    assert PORTRAIT in used_faces() and len(used_faces() - {PORTRAIT}) >= 2
    for relative in used_photos():
        assert (media_dir / relative).is_file(), relative
    patterns = {(block.pattern, recipe.face == PORTRAIT) for recipe in FULL_RECIPES for block in recipe.blocks}
    for pattern in ("glide", "circle", "tap", "knead", "hold"):
        assert (pattern, True) in patterns and (pattern, False) in patterns, pattern
    hands = {hand for recipe in FULL_RECIPES for block in recipe.blocks for hand in ([block.hand] if block.hand != "both" else ["left", "right"])}
    assert hands == {"left", "right"}
    assert any(block.leave == "frame" for recipe in FULL_RECIPES for block in recipe.blocks)


def test_the_real_pixel_tuning_set_shares_no_face_and_no_photo_with_the_evaluation_clips(media_dir: Path) -> None:
    """Tuning on real pixels must not see an evaluation face or hand: otherwise family (c) would
    grade the engine on what it was tuned on. The tuning set still covers every pattern, both hands."""
    from coach.evaluation.composites import FULL_RECIPES, QUICK_RECIPES, TUNING_RECIPES, used_faces, used_photos

    evaluation = (*FULL_RECIPES, *QUICK_RECIPES)
    assert used_faces(TUNING_RECIPES).isdisjoint(used_faces(evaluation))
    assert used_photos(TUNING_RECIPES).isdisjoint(used_photos(evaluation))
    assert {recipe.name for recipe in TUNING_RECIPES}.isdisjoint(recipe.name for recipe in evaluation)
    for relative in (*used_photos(TUNING_RECIPES), *used_faces(TUNING_RECIPES)):
        assert (media_dir / relative).is_file(), relative
    patterns = {block.pattern for recipe in TUNING_RECIPES for block in recipe.blocks}
    assert patterns == {"glide", "circle", "tap", "knead", "hold"}
    hands = {block.hand for recipe in TUNING_RECIPES for block in recipe.blocks}
    assert {"left", "right", "both"} <= hands


def test_a_still_photo_is_framed_like_a_webcam_at_arms_length(media_dir: Path) -> None:
    """The tuning set's faces are still photos framed every way (a head, a half-length figure):
    each is scaled and shifted so the face is as large and as placed as a webcam would show it."""
    import cv2

    from coach.evaluation.composites import FOOTAGE_VIEW_FU, PORTRAIT_SIZE, SELFIE, SPEAKER, _still_face_canvas
    from coach.perception import create_tracker
    from coach.types import Frame

    width, height = PORTRAIT_SIZE
    for face in (SELFIE, SPEAKER):
        canvas = _still_face_canvas(cv2.imread(str(media_dir / face)), width, height)
        assert canvas.shape == (height, width, 3)
        with create_tracker(mode="image") as tracker:
            tracked = tracker.track(Frame(0, 0.0, canvas))
        assert tracked.face is not None, face
        pose = FaceFrameFitter().fit(tracked.face, width, height)
        assert pose is not None
        assert pose.scale_px_per_fu * FOOTAGE_VIEW_FU == pytest.approx(width, rel=0.08), face
        eyes = pose.face_to_image(np.zeros((1, 2)))[0]
        assert abs(eyes[0] - width / 2) < 0.03 * width and abs(eyes[1] - 0.42 * height) < 0.03 * height, (face, eyes)


def test_a_talking_still_face_moves_its_jaw_and_nothing_above_the_nose() -> None:
    """The tuning set's talking faces (_TalkingJaw): at a syllable's widest, the real Face Mesh finds
    the chin lower than on the still face while the eye corners stay put, and no pixel above the
    nose changes (the head itself does not move: its pose, the truth, is the still's)."""
    import math

    from coach.evaluation.composites import _PortraitBackground
    from tests.conftest import face_landmarks_of

    still = _PortraitBackground(phase=0.0)
    talking = _PortraitBackground(phase=0.0, talking=True)
    assert talking.talking is not None
    widest_s = (math.pi - talking.talking.phase) / (2 * math.pi * 3.1)  # the cosine at −1: the jaw at its lowest
    moved = talking.talking.move(talking.canvas, widest_s)
    below_eyes_y = float(still.pose.face_to_image(np.array([[0.0, -0.2]]))[0, 1])  # well above the nose's base
    chin_y = float(still.pose.face_to_image(np.array([[0.0, -1.0]]))[0, 1])
    difference = np.abs(moved.astype(int) - still.canvas.astype(int)).max(axis=(1, 2))
    assert difference[: int(below_eyes_y)].max() == 0
    assert difference[int(chin_y) - 10 : int(chin_y) + 10].max() > 20
    before = face_landmarks_of(still.canvas).points_norm[:, :2] * [still.width, still.height]
    after = face_landmarks_of(moved).points_norm[:, :2] * [still.width, still.height]
    chin_drop = float(after[152, 1] - before[152, 1])
    eyes_moved = float(np.abs(after[[33, 263]] - before[[33, 263]]).max())  # Face Mesh couples them a little
    assert chin_drop > 3.0 and chin_drop > 2.5 * eyes_moved, (chin_drop, eyes_moved)
