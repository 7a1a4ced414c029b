"""One face tracked by a Face Mesh graph (or Tasks face landmarker) asked for one, a second searched
for now and then (coach.perception.second_search), on real pixels: the portrait, a second smaller
person beside it, and a real talking-face clip."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import legacy_only

from coach.perception import create_tracker
from coach.perception.tracker import FACE_PROBE_EVERY_FRAMES, SETTLE_FRAMES, Tracker
from coach.sources import VideoFileSource
from coach.types import Frame, TrackedFrame

WIDTH, HEIGHT = 960, 540


def _scene(portrait: np.ndarray, index: int, second: bool) -> np.ndarray:
    """The portrait as the subject, drifting a little, and (when ``second``) a smaller copy of it as
    a second person further back on the right."""
    canvas = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    subject = cv2.resize(portrait, None, fx=0.9, fy=0.9, interpolation=cv2.INTER_AREA)[:HEIGHT]
    left = 60 + int(round(5.0 * np.sin(index / 6.0)))
    canvas[: subject.shape[0], left : left + subject.shape[1]] = subject
    if second:
        other = cv2.resize(portrait, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        top, right = 140, WIDTH - 40
        canvas[top : top + other.shape[0], right - other.shape[1] : right] = other
    return canvas


def _face_width(tracked: TrackedFrame) -> float:
    assert tracked.face is not None
    return float(np.ptp(tracked.face.points_norm[:, 0])) * tracked.width


def test_a_second_person_is_found_within_a_second_and_the_largest_face_stays_the_subject(portrait_path: Path) -> None:
    portrait = cv2.imread(str(portrait_path))
    arrives, leaves, count = 20, 80, 130
    frames = [Frame(index, index / 30.0, _scene(portrait, index, arrives <= index < leaves)) for index in range(count)]
    with create_tracker(mode="video") as tracker:  # the backend in use (COACH_BACKEND): both look for a second face so
        tracked = [tracker.track(frame) for frame in frames]
        search = tracker.second_face_search  # type: ignore[attr-defined]
        assert search is not None and search.switches == 2 and not search.using_two
    seen = np.array([frame.faces_seen for frame in tracked])
    # Alone: one face. A second person is noticed within a probe interval, and kept while there.
    assert (seen[:arrives] == 1).all()
    noticed = arrives + int(np.argmax(seen[arrives:] == 2))
    assert seen[noticed] == 2 and noticed - arrives <= FACE_PROBE_EVERY_FRAMES
    assert (seen[noticed:leaves] == 2).all()
    # Once gone, one face again (tracked by the graph asked for one after SETTLE_FRAMES).
    assert (seen[leaves + SETTLE_FRAMES + 1 :] == 1).all()
    # The subject is the large face throughout, never the small one.
    widths = np.array([_face_width(frame) for frame in tracked])
    assert widths.min() > 0.8 * np.median(widths[:arrives])


@pytest.fixture(scope="module")
def talking_face(media_dir: Path) -> list[Frame]:
    path = media_dir / "videos" / "lp_face_d3.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is not there (../shared/media holds the real test clips)")
    with VideoFileSource(path) as source:
        return [frame for frame, _ in zip(source, range(90))]


@legacy_only
def test_one_face_on_real_footage_is_found_in_every_frame_as_by_a_graph_asked_for_two(talking_face: list[Frame]) -> None:
    """The graph asked for one finds the same face, to within a small part of its size, as the graph
    asked for two (which runs the face detector on every frame), and looks for a second only now and then."""
    import mediapipe as mp

    with Tracker(mode="video", smoothing=False) as tracker:
        ours = [tracker.track(frame) for frame in talking_face]
        search = tracker.second_face_search
        assert search is not None and not search.using_two
        # A look on the frame the face was first found, then one a second.
        assert search.probes == 1 + (len(talking_face) - 1) // FACE_PROBE_EVERY_FRAMES
    assert all(frame.face is not None and frame.faces_seen == 1 for frame in ours)
    with mp.solutions.face_mesh.FaceMesh(max_num_faces=2, refine_landmarks=True) as graph:
        for frame, tracked in zip(talking_face, ours):
            result = graph.process(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB))
            assert result.multi_face_landmarks and len(result.multi_face_landmarks) == 1
            theirs = np.array([(point.x, point.y) for point in result.multi_face_landmarks[0].landmark])
            assert tracked.face is not None
            size = float(np.ptp(theirs[:, 0]))
            apart = np.hypot(*(tracked.face.points_norm[:, :2] - theirs).T)
            assert np.median(apart) < 0.03 * size
