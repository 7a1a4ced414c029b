"""The same tracker on MediaPipe's Tasks API (FaceLandmarker + HandLandmarker), for current mediapipe.

mediapipe 0.10.30 and later (one wheel for every Python 3, numpy 2) removed the legacy Solutions
API that ``coach.perception.tracker`` uses and no longer bundles models; the Tasks API needs the
model bundles in models/ (fetched and hash-checked by ``coach.model_bundles``). This class gives
exactly the legacy tracker's ``TrackedFrame`` contract: 478 face points, 21 per hand, handedness as
the subject's own hand whatever the mirroring, the largest face as the subject, One-Euro smoothing
in video mode, every frame independent in image mode.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from coach.closing import ClosesOnExit
from coach.model_bundles import FACE_LANDMARKER, HAND_LANDMARKER, load_verified
from coach.perception.face_motion import FaceMotionReader
from coach.perception.parallel import PairRunner
from coach.perception.second_search import Graph, OneOrTwo
from coach.perception.smoothing import FACE_SMOOTHING, HAND_SMOOTHING, OneEuroParams
from coach.perception.tracker import (
    FACE_PROBE_EVERY_FRAMES,
    HANDEDNESS_VALUES,
    SETTLE_FRAMES,
    STAGES,
    LandmarkSmoother,
    StageTiming,
    TrackerMode,
    largest_face,
    mediapipe_rgb,
    one_hand_per_side,
    prime_numpy_bridge,
)
from coach.types import FaceLandmarks, Frame, Handedness, HandLandmarks, TrackedFrame

logger = logging.getLogger(__name__)


def tasks_subject_handedness(category_name: str) -> Handedness:
    """The subject's own hand from HandLandmarker's label on an unmirrored image.

    Unlike legacy Hands (which labels as if the image were a mirrored selfie), the pinned
    ``hand_landmarker.task`` bundle labels the hand as seen on the unmirrored image: on the shared
    hand cut-outs (a right hand) it says "Right" where legacy Hands says "Left", with mediapipe
    0.10.21's Tasks runtime and with 1.2.3 alike, and on the clip of a woman raising her right hand
    likewise. The tracker flips mirrored input back first, so the label is always taken as is;
    ``tests/test_tracker.py`` checks it on real pixels for whichever backend runs.
    """
    label = category_name.strip().lower()
    if label not in HANDEDNESS_VALUES:
        raise ValueError(f"unexpected MediaPipe handedness label {category_name!r}")
    return label  # type: ignore[return-value]


def _points_array(landmarks: Any) -> np.ndarray:
    """N×3 float array from a list of Tasks NormalizedLandmark (x, y normalised; z relative depth)."""
    return np.array([(point.x, point.y, point.z) for point in landmarks], dtype=np.float64)


@contextlib.contextmanager
def native_stderr_to_log() -> Iterator[None]:
    """Route what MediaPipe's native code writes to stderr meanwhile into ``logging`` (DEBUG).

    Current mediapipe prints a dozen INFO/WARNING lines (LiteRT set-up, XNNPACK, alignment notes)
    from C++ when its graphs start, run their first frame and close, and no longer obeys
    GLOG_minloglevel; users must not see them. Only file descriptor 2 is redirected, for the
    duration of the block, and everything captured is logged.
    """
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. pytest capture): nothing to hide
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(stderr_fd)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, stderr_fd)
            os.close(saved_fd)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace").strip()
            if text:
                logger.debug("MediaPipe (native): %s", text)


class _FrameClock:
    """The time in ms of the frame being tracked, read by the face landmarkers in VIDEO mode."""

    def __init__(self) -> None:
        self.ms = 0


class _TasksFaceGraph:
    """A Tasks face landmarker with the Solutions graphs' ``process(rgb)`` (what
    coach.perception.second_search drives). In VIDEO mode each landmarker keeps its own strictly
    increasing timestamps: a blank frame given to it just before a real one (to clear its tracking)
    takes the next ms, and the real frame the one after."""

    def __init__(self, mp: Any, landmarker: Any, clock: _FrameClock | None) -> None:
        self._mp = mp
        self._landmarker = landmarker
        self._clock = clock
        self._last_ms = -1

    def process(self, rgb: np.ndarray) -> Any:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._clock is None:
            return self._landmarker.detect(image)
        self._last_ms = max(self._clock.ms, self._last_ms + 1)
        return self._landmarker.detect_for_video(image, self._last_ms)

    def close(self) -> None:
        self._landmarker.close()


class TasksTracker(ClosesOnExit):
    """Face (478 points) and up to ``max_hands`` hands per frame via the Tasks API, optionally smoothed.

    Same arguments and behaviour as ``coach.perception.Tracker``: ``mode="video"`` uses the Tasks
    VIDEO running mode (tracking across frames; timestamps in ms must increase, so a timestamp that
    does not — a restarted clip — is moved just past the previous one), ``mode="image"`` the IMAGE
    mode and never smooths; ``mirrored`` input is flipped back before tracking. The bundles are read
    from ``models_dir`` (default: models/), checked against their pinned SHA-256 and handed to
    MediaPipe as bytes, so a file failing its check is never loaded (``ModelBundleError``).
    """

    backend_name = "tasks"

    def __init__(
        self,
        mode: TrackerMode = "video",
        mirrored: bool = False,
        max_hands: int = 2,
        smoothing: bool = True,
        face_smoothing: OneEuroParams = FACE_SMOOTHING,
        hand_smoothing: OneEuroParams = HAND_SMOOTHING,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        models_dir: Path | None = None,
        concurrent: bool = True,
    ) -> None:
        if mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', not {mode!r}")
        face_model = load_verified(FACE_LANDMARKER, models_dir)
        hand_model = load_verified(HAND_LANDMARKER, models_dir)
        import mediapipe as mp  # imported here so that modules importing coach.perception stay light
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        prime_numpy_bridge(mp)
        self._mp = mp
        self._face_clock = _FrameClock()
        self.mode: TrackerMode = mode
        self.mirrored = mirrored
        self.smoothing = smoothing and mode == "video"
        with native_stderr_to_log():
            self._face_landmarker, self._hand_landmarker = self._create_landmarkers(
                vision, BaseOptions, face_model, hand_model, mode, max_hands, min_detection_confidence, min_tracking_confidence
            )
        self._smoother = LandmarkSmoother(face_smoothing, hand_smoothing)
        self._face_motion = FaceMotionReader() if mode == "video" else None  # as Tracker's
        self._last_timestamp_ms = -1
        self._first_frame_done = False
        self.timings: dict[str, StageTiming] = {stage: StageTiming() for stage in STAGES}
        # Like the legacy tracker: the hand landmarker runs on a helper thread while the face
        # landmarker runs here (the Tasks graphs release the GIL too); each keeps its own order.
        self._models = PairRunner(concurrent=concurrent)
        self._closed = False

    def _create_landmarkers(
        self,
        vision: Any,
        base_options: Any,  # MediaPipe's class, passed in to keep the import lazy
        face_model: bytes,
        hand_model: bytes,
        mode: TrackerMode,
        max_hands: int,
        min_detection_confidence: float,
        min_tracking_confidence: float,
    ) -> tuple[Any, Any]:
        running_mode = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE

        def face_landmarker(faces: int, still: bool) -> Any:
            return vision.FaceLandmarker.create_from_options(
                vision.FaceLandmarkerOptions(
                    base_options=base_options(model_asset_buffer=face_model),
                    running_mode=vision.RunningMode.IMAGE if still else running_mode,
                    num_faces=faces,
                    min_face_detection_confidence=min_detection_confidence,
                    min_face_presence_confidence=min_detection_confidence,
                    min_tracking_confidence=min_tracking_confidence,
                )
            )

        # A second face is only counted, to warn; the largest is the subject. In VIDEO mode a
        # landmarker asked for two runs the face detector on every frame that shows one (17 ms a
        # frame against 11–13 asked for one, on a real clip): one face is tracked by a landmarker
        # asked for one, and a second searched for once a second (coach.perception.second_search).
        face: Any
        if mode == "video":
            clock = self._face_clock

            def face_graph(faces: int, still: bool) -> Graph:
                with native_stderr_to_log():
                    return _TasksFaceGraph(self._mp, face_landmarker(faces, still), None if still else clock)

            face = OneOrTwo(face_graph, lambda result: len(result.face_landmarks or []), FACE_PROBE_EVERY_FRAMES, SETTLE_FRAMES)
        else:
            face = _TasksFaceGraph(self._mp, face_landmarker(2, True), None)
        hand_landmarker = vision.HandLandmarker.create_from_options(
            vision.HandLandmarkerOptions(
                base_options=base_options(model_asset_buffer=hand_model),
                running_mode=running_mode,
                num_hands=max_hands,
                min_hand_detection_confidence=min_detection_confidence,
                min_hand_presence_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        )
        return face, hand_landmarker

    def _timestamp_ms(self, timestamp_s: float) -> int:
        """The frame's time in whole ms, strictly increasing as the VIDEO mode demands."""
        timestamp_ms = max(round(timestamp_s * 1000.0), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = timestamp_ms
        return timestamp_ms

    def track(self, frame: Frame, next_frame: Frame | None = None) -> TrackedFrame:
        """Landmarks for one frame; a frame with no face or no hands is normal (None / empty).

        ``next_frame`` is accepted for the tracker contract and not used: this backend runs its two
        models at once on each frame but does not start on the next frame early.
        """
        if self._closed:
            raise RuntimeError("TasksTracker.track called after close()")
        started = time.perf_counter()
        height, width = frame.height, frame.width

        rgb = mediapipe_rgb(frame.image, self.mirrored)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        after_convert = time.perf_counter()

        # The first frame starts MediaPipe's inference (and its native notices on stderr).
        quiet = contextlib.nullcontext() if self._first_frame_done else native_stderr_to_log()
        with quiet:
            if self.mode == "video":
                timestamp_ms = self._timestamp_ms(frame.timestamp_s)
                self._face_clock.ms = timestamp_ms
                face_run, hands_run = self._models.run_pair(
                    lambda: self._face_landmarker.process(rgb),
                    lambda: self._hand_landmarker.detect_for_video(image, timestamp_ms),
                )
            else:
                face_run, hands_run = self._models.run_pair(
                    lambda: self._face_landmarker.process(rgb), lambda: self._hand_landmarker.detect(image)
                )
        face_result, hand_result = face_run.value, hands_run.value
        self._first_frame_done = True

        face_points, faces_seen = self._subject_face(face_result, width, height)
        raw_hands = self._raw_hands(hand_result)
        before_smoothing = time.perf_counter()
        if self.smoothing:
            face_points, raw_hands = self._smoother.smooth(frame.timestamp_s, face_points, raw_hands)
        after_smoothing = time.perf_counter()
        face_motion = (self._face_motion.read(rgb, face_points, [points for _, _, points in raw_hands])
                       if self._face_motion is not None else None)

        tracked = TrackedFrame(
            index=frame.index,
            timestamp_s=frame.timestamp_s,
            width=width,
            height=height,
            face=FaceLandmarks(face_points) if face_points is not None else None,
            hands=tuple(HandLandmarks(handedness, score, points) for handedness, score, points in raw_hands),
            image=frame.image,
            faces_seen=faces_seen,
            face_motion=face_motion,
        )
        finished = time.perf_counter()
        self.timings["convert"].add((after_convert - started) * 1e3)
        self.timings["face"].add(face_run.elapsed_ms)
        self.timings["hands"].add(hands_run.elapsed_ms)
        self.timings["smoothing"].add((after_smoothing - before_smoothing) * 1e3)
        self.timings["total"].add((finished - started) * 1e3)
        return tracked

    def track_all(self, frames: Iterable[Frame]) -> Iterator[TrackedFrame]:
        """``track`` over a stream, lazily."""
        for frame in frames:
            yield self.track(frame)

    @property
    def second_face_search(self) -> OneOrTwo | None:
        """How the face landmarker looks for a second face in VIDEO mode; None in IMAGE mode."""
        return self._face_landmarker if isinstance(self._face_landmarker, OneOrTwo) else None

    @staticmethod
    def _subject_face(result: Any, width: int, height: int) -> tuple[np.ndarray | None, int]:
        return largest_face([_points_array(face) for face in result.face_landmarks or []], width, height)

    @staticmethod
    def _raw_hands(result: Any) -> list[tuple[Handedness, float, np.ndarray]]:
        """(subject's hand, score, 21×3) per detected hand, most confident first, one per side."""
        hands: list[tuple[Handedness, float, np.ndarray]] = []
        for landmarks, categories in zip(result.hand_landmarks or [], result.handedness or []):
            category = categories[0]
            hands.append((tasks_subject_handedness(category.category_name), float(category.score), _points_array(landmarks)))
        return one_hand_per_side(hands)

    def reset(self) -> None:
        """Forget smoothing state, e.g. before feeding a different clip to the same tracker.

        MediaPipe's tracking state stays; timestamps keep increasing past the last one seen.
        """
        self._smoother.reset()
        if self._face_motion is not None:
            self._face_motion.reset()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._models.close()  # first: no model call may still be running when the landmarkers close
            with native_stderr_to_log():
                self._face_landmarker.close()
                self._hand_landmarker.close()
