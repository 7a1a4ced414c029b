"""Face Mesh and Hands concurrently (the same landmarks as one after the other), the lighter
tracking modes, and the governor that picks them from measured frame time — on real pixels."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import legacy_only

from coach.perception import Tracker
from coach.perception.degradation import (
    FULL,
    LITE_HANDS,
    LITE_HANDS_HALF_FACE,
    TRACKING_MODES,
    TrackingGovernor,
    tracking_mode_named,
)
from coach.perception.parallel import PairRunner
from coach.sources import VideoFileSource
from coach.types import Frame, TrackedFrame

HAND_CLIP = "mps_gesture_woman_hand_in_front_of_face.mp4"  # a real face with a real hand in front of it


def drifting_portrait(portrait_path: Path, count: int) -> list[Frame]:
    """The portrait moved a few pixels per frame, so video-mode tracking has real work to do."""
    portrait = cv2.imread(str(portrait_path))
    height, width = portrait.shape[:2]
    frames = []
    for index in range(count):
        shift = np.float32([[1, 0, 6.0 * np.sin(index / 3.0)], [0, 1, 3.0 * np.cos(index / 4.0)]])
        image = cv2.warpAffine(portrait, shift, (width, height), borderMode=cv2.BORDER_REPLICATE)
        frames.append(Frame(index, index / 30.0, image))
    return frames


def clip_frames(path: Path, count: int) -> list[Frame]:
    with VideoFileSource(path) as source:
        frames = []
        for frame in source:
            frames.append(frame)
            if len(frames) == count:
                break
    return frames


def track(frames: list[Frame], concurrent: bool, mode: str = "video") -> list[TrackedFrame]:
    with Tracker(mode=mode, concurrent=concurrent) as tracker:  # type: ignore[arg-type]
        assert tracker.concurrent is concurrent
        return [tracker.track(frame) for frame in frames]


def track_ahead(frames: list[Frame], mode: str = "video") -> list[TrackedFrame]:
    """Hands started on each next frame before the caller is done with this one (replay's way)."""
    with Tracker(mode=mode) as tracker:  # type: ignore[arg-type]
        return list(tracker.track_all(frames))


def assert_same_landmarks(serial: list[TrackedFrame], concurrent: list[TrackedFrame]) -> None:
    assert len(serial) == len(concurrent)
    for one, other in zip(serial, concurrent):
        assert (one.face is None) == (other.face is None), f"frame {one.index}: face found in only one run"
        if one.face is not None and other.face is not None:
            np.testing.assert_array_equal(one.face.points_norm, other.face.points_norm, err_msg=f"frame {one.index}")
        assert one.faces_seen == other.faces_seen
        assert [hand.handedness for hand in one.hands] == [hand.handedness for hand in other.hands], f"frame {one.index}"
        for hand, other_hand in zip(one.hands, other.hands):
            assert hand.score == other_hand.score
            np.testing.assert_array_equal(hand.points_norm, other_hand.points_norm, err_msg=f"frame {one.index}")


def test_concurrent_tracking_equals_serial_on_the_portrait(portrait_path: Path) -> None:
    frames = drifting_portrait(portrait_path, 12)
    serial = track(frames, concurrent=False)
    concurrent = track(frames, concurrent=True)
    assert all(tracked.face is not None for tracked in serial), "the portrait's face must be found in every frame"
    assert_same_landmarks(serial, concurrent)
    assert_same_landmarks(serial, track_ahead(frames))
    # Image mode too (each frame on its own, no smoothing).
    assert_same_landmarks(track(frames[:3], False, mode="image"), track(frames[:3], True, mode="image"))
    assert_same_landmarks(track(frames[:3], False, mode="image"), track_ahead(frames[:3], mode="image"))


@pytest.mark.media
@pytest.mark.slow
def test_concurrent_tracking_equals_serial_on_a_real_clip_with_a_hand(media_dir: Path) -> None:
    frames = clip_frames(media_dir / "videos" / HAND_CLIP, 60)
    serial = track(frames, concurrent=False)
    concurrent = track(frames, concurrent=True)
    assert sum(tracked.face is not None for tracked in serial) >= 50
    assert sum(bool(tracked.hands) for tracked in serial) >= 20, "the clip's hand must be tracked for this check to mean much"
    assert_same_landmarks(serial, concurrent)
    assert_same_landmarks(serial, track_ahead(frames))


def test_a_frame_other_than_the_announced_one_is_still_tracked(portrait_path: Path) -> None:
    """A caller that announces one frame and brings another gets that frame's landmarks, not the
    announced frame's (Hands' result for the announced frame is dropped)."""
    frames = drifting_portrait(portrait_path, 3)
    with Tracker(mode="image") as tracker:
        tracker.track(frames[0], next_frame=frames[1])
        surprise = tracker.track(frames[2])
    with Tracker(mode="image") as tracker:
        expected = tracker.track(frames[2])
    assert_same_landmarks([expected], [surprise])


def test_the_helper_thread_is_reused_and_ends_with_the_tracker(portrait_path: Path) -> None:
    frames = drifting_portrait(portrait_path, 4)
    before = set(threading.enumerate())
    tracker = Tracker(mode="video")
    for frame in frames:
        tracker.track(frame)
    helpers = [thread for thread in set(threading.enumerate()) - before if thread.name.startswith("coach-side-model")]
    assert len(helpers) == 1, f"one persistent helper thread expected, found {helpers}"
    assert tracker.timings["face"].count == tracker.timings["hands"].count == 4
    assert tracker.timings["hands"].last_ms > 0 and tracker.timings["face"].last_ms > 0
    tracker.close()
    assert not helpers[0].is_alive()


def test_pair_runner_raises_the_side_error_after_both_ended() -> None:
    finished: list[str] = []

    def slow_main() -> str:
        threading.Event().wait(0.05)
        finished.append("main")
        return "main"

    def failing_side() -> str:
        raise ValueError("side model failed")

    with PairRunner(concurrent=True) as runner:
        with pytest.raises(ValueError, match="side model failed"):
            runner.run_pair(slow_main, failing_side)
        assert finished == ["main"]  # the caller's model finished before the error surfaced
        main, side = runner.run_pair(lambda: 1, lambda: 2)  # still usable afterwards
        assert (main.value, side.value) == (1, 2)
    serial_main, serial_side = PairRunner(concurrent=False).run_pair(lambda: "a", lambda: "b")
    assert (serial_main.value, serial_side.value) == ("a", "b")


def track_switching_modes(frames: list[Frame], ahead: bool) -> tuple[list[TrackedFrame], list[tuple[float | None, str]]]:
    """Frames 0–1 in full, 2–3 with lite Hands, 4–7 also with the face every other frame."""
    tracked: list[TrackedFrame] = []
    with Tracker(mode="video") as tracker:
        for index, frame in enumerate(frames):
            if index == 2:
                tracker.set_mode(LITE_HANDS)
            if index == 4:
                tracker.set_mode(LITE_HANDS_HALF_FACE)
            next_frame = frames[index + 1] if ahead and index + 1 < len(frames) else None
            tracked.append(tracker.track(frame, next_frame))
        return tracked, [(start, mode.name) for start, mode in tracker.mode_history]


def test_lighter_modes_on_real_pixels(portrait_path: Path) -> None:
    frames = drifting_portrait(portrait_path, 8)
    tracked, history = track_switching_modes(frames, ahead=False)
    full, lite, half = tracked[:2], tracked[2:4], tracked[4:8]
    assert all(tracked.face is not None for tracked in full + lite + half)
    # Every other frame carries the face measured on the frame before it, unchanged.
    np.testing.assert_array_equal(half[1].face.points_norm, half[0].face.points_norm)  # type: ignore[union-attr]
    np.testing.assert_array_equal(half[3].face.points_norm, half[2].face.points_norm)  # type: ignore[union-attr]
    assert not np.array_equal(half[2].face.points_norm, half[1].face.points_norm)  # type: ignore[union-attr]
    assert history == [(0.0, "full"), (frames[2].timestamp_s, "lite-hands"), (frames[4].timestamp_s, "lite-hands-half-face")]
    # Switching modes while Hands already works on the next frame changes nothing: the frame after
    # a switch of Hands model is tracked by the new model, as without working ahead.
    tracked_ahead, history_ahead = track_switching_modes(frames, ahead=True)
    assert_same_landmarks(tracked, tracked_ahead)
    assert history_ahead == history


def test_governor_steps_down_on_sustained_slowness_only() -> None:
    governor = TrackingGovernor(source_fps=30.0, warm_up_s=1.0, warm_up_frames=5, window_s=0.3, window_frames=10)
    assert governor.budget_ms == pytest.approx(30.0)
    # Slow first frames (models warming up) and a single long hiccup are not a reason to change.
    changes = [governor.observe(300.0) for _ in range(5)]
    changes += [governor.observe(20.0 if index != 4 else 500.0) for index in range(30)]
    assert changes == [None] * 35 and governor.mode == FULL
    # Frames steadily over budget: one step down once they are most of the window (the median),
    # then a fresh warm-up and a full window in the new mode before the next step.
    changes = [governor.observe(40.0) for _ in range(6)]
    assert changes == [None] * 5 + [LITE_HANDS]
    assert governor.judged_ms == pytest.approx(40.0)  # the median it stepped down on, for the log
    changes = [governor.observe(40.0) for _ in range(40)]
    # Warm-up: 25 frames make the 1 s; then 10 frames (400 ms ≥ 0.3 s) fill the window.
    assert changes.index(LITE_HANDS_HALF_FACE) == 25 + 10 - 1
    # The lightest mode is the floor.
    assert all(governor.observe(1000.0) is None for _ in range(50)) and governor.lightest
    assert [mode.name for mode in TRACKING_MODES] == ["full", "lite-hands", "lite-hands-half-face"]
    assert tracking_mode_named("lite-hands") == LITE_HANDS
    with pytest.raises(ValueError, match="unknown tracking mode"):
        tracking_mode_named("fastest")


def test_governor_judges_a_very_slow_machine_within_seconds() -> None:
    """At 4 frames a second the window is a few frames, not 1.5 s × 30: it decides in seconds."""
    governor = TrackingGovernor(source_fps=30.0)
    frames_until_change = next(count for count in range(1, 100) if governor.observe(250.0) is not None)
    assert frames_until_change <= 10  # 0.5 s warm-up (5 frames) + 0.75 s window (5 frames)


@legacy_only
def test_the_frame_given_to_both_models_keeps_its_reference_count(portrait_path: Path) -> None:
    """Face Mesh and Hands on two threads, given one frame, while this thread takes and drops
    references to it: its reference count must end where it began.

    The legacy API wraps a read-only array instead of copying it and drops its reference on a
    MediaPipe thread without Python's lock; with a read-only frame this count drifted by 30–40 over
    400 frames (checked when this test was written), and a count that drifts down frees pixels in
    use (a segmentation fault). ``mediapipe_rgb`` gives a writeable frame, which each graph copies.
    """
    import sys

    from coach.perception.tracker import mediapipe_rgb

    portrait = cv2.resize(cv2.imread(str(portrait_path)), (192, 224), interpolation=cv2.INTER_AREA)
    rgb = mediapipe_rgb(portrait, mirrored=False)
    before = sys.getrefcount(rgb)
    with Tracker(mode="video", smoothing=False) as tracker:
        graphs = (tracker._face_mesh, tracker._hands)  # noqa: SLF001 - the two graphs the tracker runs side by side

        def run(graph: object) -> None:
            for _ in range(200):
                graph.process(rgb)  # type: ignore[attr-defined]

        threads = [threading.Thread(target=run, args=(graph,)) for graph in graphs]
        for thread in threads:
            thread.start()
        churned = 0
        while any(thread.is_alive() for thread in threads):
            for _ in range(1000):
                held = rgb
                del held
            churned += 1
        for thread in threads:
            thread.join()
    assert churned > 10, "the models ran too briefly for the check to mean anything"
    assert sys.getrefcount(rgb) == before


def test_the_tracker_primes_numpy_for_mediapipe_before_any_second_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first numpy array MediaPipe's bindings receive makes pybind11 look up numpy's C API in a
    C++ static. Two tracking threads doing that at once deadlocked the live window for good (gdb:
    one thread in ``npy_api::lookup`` waiting for Python's lock, the other holding it and waiting on
    the static's guard). The tracker fills the static on the thread that builds it, before its
    helper thread exists."""
    from coach.perception import tracker as tracker_module

    calls: list[tuple[str, int]] = []
    primer = tracker_module.prime_numpy_bridge

    def recorded(mp: object) -> None:
        calls.append((getattr(mp, "__name__", ""), threading.active_count()))
        primer(mp)

    monkeypatch.setattr(tracker_module, "prime_numpy_bridge", recorded)
    before = threading.active_count()
    with Tracker(mode="video") as tracker:
        assert [name for name, _ in calls] == ["mediapipe"]
        assert calls[0][1] == before, "a thread was running when the bindings were primed"
        tracker.track(Frame(0, 0.0, np.zeros((120, 160, 3), dtype=np.uint8)))
