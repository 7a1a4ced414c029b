"""annotated.mp4: opens with OpenCV, same frame count and rate as the input, at the size asked, overlay burned in."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import face_landmarks_of
from coach.errors import CoachError
from coach.geometry import FaceFrameFitter, FacePose, FaceRegions
from coach.render.video import AnnotatedVideoWriter
from coach.types import FaceLandmarks, FrameResult, StepProgress, TrackedFrame

GLIDE_PATH_FU = np.array([[0.25 + 0.5 * t, -0.55 + 0.4 * t] for t in np.linspace(0.0, 1.0, 30)])


@pytest.fixture(scope="module")
def portrait(portrait_path: Path) -> np.ndarray:
    image = cv2.imread(str(portrait_path))
    assert image is not None
    return image


@pytest.fixture(scope="module")
def face_and_pose(portrait: np.ndarray) -> tuple[FaceLandmarks, FacePose]:
    face = face_landmarks_of(portrait)
    return face, FaceFrameFitter().fit(face, portrait.shape[1], portrait.shape[0])


def _progress() -> StepProgress:
    return StepProgress(
        technique="test", step_index=0, step_count=2, step_name="cheek_lift", instruction="Glide up and out",
        side="left", region="left_cheek", pattern="glide", direction="up-out", reps_done=1, reps_wanted=6,
        target_path_fu=GLIDE_PATH_FU, target_speed_fu_s=0.3,
    )


def _results(portrait: np.ndarray, face: FaceLandmarks, pose: FacePose, count: int, fps: float) -> list[FrameResult]:
    height, width = portrait.shape[:2]
    return [
        FrameResult(
            tracked=TrackedFrame(index=index, timestamp_s=index / fps, width=width, height=height, face=face),
            pose=pose,
            progress=_progress(),
        )
        for index in range(count)
    ]


def _read_all(path: Path) -> tuple[list[np.ndarray], float, int]:
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"{path} does not open"
    fps = capture.get(cv2.CAP_PROP_FPS)
    reported = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps, reported


def _guide_yellow(frame: np.ndarray) -> int:
    blue, green, red = (frame[..., channel].astype(int) for channel in range(3))
    return int(((red > 190) & (green > 150) & (blue < 110)).sum())


def test_annotated_video_keeps_rate_count_and_size(
    portrait: np.ndarray, face_and_pose: tuple[FaceLandmarks, FacePose], tmp_path: Path
) -> None:
    face, pose = face_and_pose
    fps, count, size = 15.0, 24, (320, 376)  # scaled down from the 512×600 portrait
    path = tmp_path / "out" / "annotated.mp4"
    with AnnotatedVideoWriter(path, fps, size, FaceRegions()) as writer:
        for result in _results(portrait, face, pose, count, fps):
            writer.write(portrait, result)
    assert writer.frames_written == count
    frames, read_fps, reported = _read_all(path)
    assert len(frames) == count and reported == count
    assert read_fps == pytest.approx(fps, abs=0.01)
    assert frames[0].shape == (size[1], size[0], 3)
    # The overlay is burned in: the frames differ from the plain scaled portrait, and the ghost moves.
    plain = cv2.resize(portrait, size, interpolation=cv2.INTER_AREA)
    assert np.abs(frames[0].astype(int) - plain.astype(int)).mean() > 2
    assert np.abs(frames[0].astype(int) - frames[count // 2].astype(int)).max() > 100


def test_landmark_recording_gets_a_plain_background(
    portrait: np.ndarray, face_and_pose: tuple[FaceLandmarks, FacePose], tmp_path: Path
) -> None:
    face, pose = face_and_pose
    path = tmp_path / "annotated.mp4"
    size = (portrait.shape[1], portrait.shape[0])
    with AnnotatedVideoWriter(path, 30.0, size) as writer:
        for result in _results(portrait, face, pose, 10, 30.0):
            writer.write(None, result)
    frames, _, _ = _read_all(path)
    assert len(frames) == 10
    frame = frames[5]
    corner = frame[-30:, -30:].reshape(-1, 3).astype(float)
    assert corner.mean() < 60 and corner.std() < 6  # dark plain background, no picture
    assert _guide_yellow(frame) > 100  # the guidance arrow is there to watch


def test_unwritable_or_unknown_paths_raise_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(CoachError, match="cannot write"):
        AnnotatedVideoWriter(blocker / "annotated.mp4", 30.0, (64, 48))
    with pytest.raises(CoachError, match="unknown video type"):
        AnnotatedVideoWriter(tmp_path / "annotated.gif", 30.0, (64, 48))
    with pytest.raises(CoachError, match="must be positive"):
        AnnotatedVideoWriter(tmp_path / "annotated.mp4", 0.0, (64, 48))


@pytest.mark.media
def test_real_clip_through_the_pipeline_keeps_frame_count(media_dir: Path, tmp_path: Path) -> None:
    """A composite clip of a real hand on a real face, tracked by MediaPipe, annotated frame for frame."""
    from coach.pipeline import Pipeline
    from coach.types import Frame

    clip = media_dir / "composite" / "clip_stroke_up_Rcheek_point.mp4"
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS)
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    out = tmp_path / "annotated.mp4"
    frames_in = 0
    with Pipeline() as pipeline, AnnotatedVideoWriter(out, fps, size, pipeline.regions) as writer:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            result = pipeline.process_frame(Frame(frames_in, frames_in / fps, image))
            writer.write(image, result)
            frames_in += 1
    capture.release()
    frames, read_fps, _ = _read_all(out)
    assert frames_in > 10
    assert len(frames) == frames_in
    assert read_fps == pytest.approx(fps, abs=0.01)
    assert frames[0].shape == (size[1], size[0], 3)
