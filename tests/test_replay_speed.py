"""Replay's speed-ups change nothing: tracking on its own thread, ahead of the analysis, gives the
same report as tracking and analysing each frame in turn (real MediaPipe, a real clip), no thread
is left behind when the replay stops early, and landmarks read from MediaPipe's bytes are the
numbers its objects hold."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import legacy_only
from coach.replay import run_replay
from coach.technique import find_technique

CIRCLE_CLIP = "composite/clip_circle_Rcheek205_point.mp4"  # real pixels: a hand circling on a real face
REPLAY_THREAD_PREFIXES = ("coach-tracking", "coach-read-ahead", "coach-side-model")


def replay_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith(REPLAY_THREAD_PREFIXES)]


@pytest.mark.media
@pytest.mark.slow
def test_tracking_ahead_gives_the_same_report_as_tracking_in_turn(media_dir: Path, tmp_path: Path) -> None:
    clip = media_dir / CIRCLE_CLIP
    technique = find_technique("circular_motions")
    in_turn = run_replay(clip, tmp_path / "in_turn", technique=technique, write_video=False, write_html=False,
                         history=False, track_ahead=False).report
    ahead = run_replay(clip, tmp_path / "ahead", technique=technique, write_video=False, write_html=False,
                       history=False, track_ahead=True).report
    assert in_turn["frames"] == 60 and in_turn["hands_found_ratio"] > 0.9, "the clip's hand must be tracked for this to mean much"
    assert in_turn["strokes"], "the clip's circle must give strokes for this to mean much"
    assert ahead == in_turn  # every stroke, score, step and count, to the last digit
    assert replay_threads() == []


@pytest.mark.media
def test_stopping_midway_leaves_no_tracking_thread_behind(media_dir: Path, tmp_path: Path) -> None:
    """Ctrl-C arrives in the analysis (this thread) while the tracking thread is frames ahead."""

    def stop_at_frame_10(done: int, total: int | None, media_time_s: float) -> None:
        if done == 10:
            raise KeyboardInterrupt

    outcome = run_replay(media_dir / CIRCLE_CLIP, tmp_path / "stopped", write_video=False, write_html=False,
                         history=False, progress=stop_at_frame_10)
    assert outcome.exit_code == 130
    assert outcome.report["partial"] is True
    assert outcome.report["frames"] == 10
    assert replay_threads() == []


@legacy_only
def test_landmarks_read_from_the_wire_bytes_equal_the_objects(portrait_path: Path) -> None:
    import mediapipe as mp
    from mediapipe.framework.formats import landmark_pb2

    from coach.perception.tracker import _points_array

    def from_objects(landmarks: landmark_pb2.NormalizedLandmarkList) -> np.ndarray:
        return np.array([(point.x, point.y, point.z) for point in landmarks.landmark], dtype=np.float64)

    rgb = cv2.cvtColor(cv2.imread(str(portrait_path)), cv2.COLOR_BGR2RGB)
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True) as face_mesh:
        face = face_mesh.process(rgb).multi_face_landmarks[0]
    assert len(face.landmark) == 478
    np.testing.assert_array_equal(_points_array(face), from_objects(face))
    # Another layout (a landmark with a visibility, a zero coordinate) is read from the objects.
    other = landmark_pb2.NormalizedLandmarkList()
    other.CopyFrom(face)
    other.landmark[5].visibility = 0.5
    other.landmark[7].z = 0.0
    np.testing.assert_array_equal(_points_array(other), from_objects(other))
    assert _points_array(landmark_pb2.NormalizedLandmarkList()).size == 0
