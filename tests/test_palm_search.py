"""Hands' palm detector looks for a second hand on one frame in three while one hand is tracked
(coach.perception.hands_graph), on real pixels: a real clip of a hand in front of a face, and the
portrait with real hand cut-outs pasted on it.

The graphs are compared with MediaPipe's stock hand graph frame by frame, asking both for the
``palm_detections`` stream, which carries a packet exactly on the frames the palm detector ran.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import legacy_only

from coach.perception import create_tracker
from coach.perception.hands_graph import GRAPH_FILE, sparse_palm_search_config
from coach.perception.tracker import PALM_SEARCH_EVERY_FRAMES
from coach.types import Frame

pytestmark = legacy_only

HAND_CUTOUT = "h3d_hand_01-01-001_angle01.png"


def _graph(sparse: bool) -> object:
    from mediapipe.python.solution_base import SolutionBase

    source = {"graph_config": sparse_palm_search_config(PALM_SEARCH_EVERY_FRAMES)} if sparse else {"binary_graph_path": GRAPH_FILE}
    return SolutionBase(
        **source,
        side_inputs={"model_complexity": 1, "num_hands": 2, "use_prev_landmarks": True},
        outputs=["multi_hand_landmarks", "palm_detections"],
    )


def _run(sparse: bool, images: list[np.ndarray]) -> tuple[list[list[np.ndarray]], list[bool]]:
    """Per frame: the hands' landmarks, and whether the palm detector ran."""
    graph = _graph(sparse)
    hands: list[list[np.ndarray]] = []
    palm_ran: list[bool] = []
    try:
        for image in images:
            result = graph.process({"image": image})  # type: ignore[attr-defined]
            hands.append([np.array([[p.x, p.y, p.z] for p in hand.landmark]) for hand in result.multi_hand_landmarks or []])
            palm_ran.append(result.palm_detections is not None)
    finally:
        graph.close()  # type: ignore[attr-defined]
    return hands, palm_ran


def _rgb(bgr: np.ndarray) -> np.ndarray:
    """Read-only RGB, as the tracker gives MediaPipe (its packets then share the pixels)."""
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    rgb.flags.writeable = False
    return rgb


@pytest.mark.media
def test_one_hand_in_front_of_a_face_the_detector_runs_a_third_as_often_and_the_hand_is_tracked_as_before(media_dir: Path) -> None:
    clip = media_dir / "videos" / "mps_gesture_woman_hand_in_front_of_face.mp4"
    capture = cv2.VideoCapture(str(clip))
    images = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        images.append(_rgb(cv2.resize(image, (640, 360), interpolation=cv2.INTER_AREA)))
    capture.release()
    assert len(images) == 195, f"{clip.name}: {len(images)} frames read"

    stock_hands, stock_ran = _run(False, images)
    sparse_hands, sparse_ran = _run(True, images)

    def after(counts: list[int], ran: list[bool], hands_before: int) -> list[bool]:
        return [ran[i] for i in range(1, len(ran)) if counts[i - 1] == hands_before]

    stock_counts = [len(hands) for hands in stock_hands]
    sparse_counts = [len(hands) for hands in sparse_hands]
    # She raises one hand in front of her face: one hand on most frames, none at the start.
    assert sparse_counts.count(1) >= 150 and sparse_counts[:20] == [0] * 20
    # No hand tracked: the detector runs on every frame, in both graphs.
    assert all(after(stock_counts, stock_ran, 0)) and all(after(sparse_counts, sparse_ran, 0))
    # One hand tracked: the stock graph looks for a second on every frame; this one on one in three.
    stock_one, sparse_one = after(stock_counts, stock_ran, 1), after(sparse_counts, sparse_ran, 1)
    assert all(stock_one)
    assert np.mean(sparse_one) <= 1.0 / PALM_SEARCH_EVERY_FRAMES + 0.02, f"detector ran on {np.mean(sparse_one):.0%} of one-hand frames"
    # The tracked hand is read exactly as the stock graph reads it on (nearly) every frame: they differ
    # only where the stock graph's every-frame search found a second "hand" for a few frames.
    identical = [
        len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) for a, b in zip(stock_hands, sparse_hands, strict=True)
    ]
    assert np.mean(identical) >= 0.95, f"only {np.mean(identical):.0%} of frames identical"


def _paste(canvas: np.ndarray, rgba: np.ndarray, centre_x: float, centre_y: float, height: int) -> None:
    scale = height / rgba.shape[0]
    resized = cv2.resize(rgba, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    rows, cols = resized.shape[:2]
    top, left = int(centre_y - rows / 2), int(centre_x - cols / 2)
    alpha = resized[:, :, 3:4].astype(np.float32) / 255.0
    region = canvas[top : top + rows, left : left + cols].astype(np.float32)
    canvas[top : top + rows, left : left + cols] = (resized[:, :, :3] * alpha + region * (1.0 - alpha)).astype(np.uint8)


def _two_hand_scene(portrait: np.ndarray, hand: np.ndarray, index: int, second_from: int) -> np.ndarray:
    """The portrait with a right hand at her cheek from the start and a left hand at the other cheek
    from frame ``second_from`` on, each moving a little."""
    width, height = 960, 600
    canvas = np.full((height, width, 3), 60, np.uint8)
    face = cv2.resize(portrait, (portrait.shape[1] * height // portrait.shape[0], height), interpolation=cv2.INTER_AREA)
    left = (width - face.shape[1]) // 2
    canvas[:, left : left + face.shape[1]] = face
    _paste(canvas, hand, 300 + 3.0 * np.sin(index / 4.0), 360, 300)
    if index >= second_from:
        _paste(canvas, cv2.flip(hand, 1), 660, 360 + 3.0 * np.cos(index / 4.0), 300)
    return canvas


@pytest.mark.media
def test_a_second_hand_coming_into_view_is_found_within_two_frames(media_dir: Path, portrait_path: Path) -> None:
    portrait = cv2.imread(str(portrait_path))
    hand = cv2.imread(str(media_dir / "hands" / HAND_CUTOUT), cv2.IMREAD_UNCHANGED)
    assert hand is not None and hand.shape[2] == 4, f"{HAND_CUTOUT} is not an RGBA cut-out"
    # The second hand arrives on each of the three phases of the detector's one-in-three rhythm.
    for arrives in (12, 13, 14):
        images = [_rgb(_two_hand_scene(portrait, hand, index, arrives)) for index in range(arrives + 8)]
        stock_hands, _ = _run(False, images)
        sparse_hands, _ = _run(True, images)
        stock_counts = [len(hands) for hands in stock_hands]
        sparse_counts = [len(hands) for hands in sparse_hands]
        assert stock_counts[arrives - 1] == 1 and stock_counts[arrives] == 2, f"stock graph: {stock_counts}"
        found = arrives + sparse_counts[arrives:].index(2) if 2 in sparse_counts[arrives:] else None
        assert found is not None and found - arrives <= PALM_SEARCH_EVERY_FRAMES - 1, f"arrives {arrives}: {sparse_counts}"
        assert sparse_counts[:arrives] == stock_counts[:arrives] and all(count == 2 for count in sparse_counts[found:])


@pytest.mark.media
def test_the_tracker_uses_the_thinned_graph_in_video_mode_unless_told_not_to(media_dir: Path, portrait_path: Path) -> None:
    """Guards against a silent fallback to the stock graph (the graph check failing on a new wheel)."""
    portrait = cv2.imread(str(portrait_path))
    hand = cv2.imread(str(media_dir / "hands" / HAND_CUTOUT), cv2.IMREAD_UNCHANGED)
    with (
        create_tracker(mode="video") as video,
        create_tracker(mode="image") as still,
        create_tracker(mode="video", thin_hand_search=False) as stock,
    ):
        assert type(video._hands).__name__ == "SparsePalmSearchHands"  # type: ignore[attr-defined]
        assert type(still._hands).__name__ == "Hands"  # type: ignore[attr-defined]
        assert type(stock._hands).__name__ == "Hands"  # type: ignore[attr-defined]
        frame = Frame(0, 0.0, _two_hand_scene(portrait, hand, 0, 0))
        assert len(video.track(frame).hands) == 2 and len(still.track(frame).hands) == 2 and len(stock.track(frame).hands) == 2
