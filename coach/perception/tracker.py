"""MediaPipe Face Mesh + Hands on each frame, returned as plain ``TrackedFrame`` objects.

This is the only module that imports MediaPipe. It uses the legacy Solutions API of mediapipe
0.10.21 because that wheel bundles the Face Mesh (478 refined points) and Hands models, so the
program works offline with no model download.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from coach.closing import ClosesOnExit
from coach.perception.degradation import FULL, TrackingMode
from coach.perception.face_motion import FaceMotionReader
from coach.perception.hands_graph import sparse_palm_search_hands
from coach.perception.parallel import PairRunner, TimedResult, timed_call, with_next
from coach.perception.second_search import Graph, OneOrTwo
from coach.perception.smoothing import FACE_SMOOTHING, HAND_SMOOTHING, LandmarkSmoother, OneEuroParams
from coach.types import FaceLandmarks, Frame, Handedness, HandLandmarks, TrackedFrame

logger = logging.getLogger(__name__)

TrackerMode = Literal["video", "image"]
FACE_PROBE_EVERY_FRAMES = 30
"""While one face is tracked, a second (a second person in view, warned about) is looked for once a
second at 30 fps (coach.perception.second_search)."""
SETTLE_FRAMES = 15
"""Tracking two faces goes back to tracking one after fewer than two were seen in this many frames
in a row (half a second): a face lost for a few frames under a hand is not gone."""
PALM_SEARCH_EVERY_FRAMES = 3
"""While one hand is tracked, Hands looks for a second on one frame in three (coach.perception.hands_graph):
at 30 fps a second hand is found at most 67 ms after it comes into view, and the palm detector, most of
Hands' cost with one hand in view, runs a third as often."""
HANDEDNESS_VALUES: tuple[Handedness, Handedness] = ("left", "right")
_OTHER_HAND: dict[Handedness, Handedness] = {"left": "right", "right": "left"}

STAGES: tuple[str, ...] = ("convert", "face", "hands", "smoothing", "total")
"""Stages timed on every frame; ``total`` is the whole ``track`` call including our bookkeeping.

``face`` and ``hands`` are each model's own time; run concurrently, they overlap within ``total``.
"""


@dataclass
class StageTiming:
    """Milliseconds spent in one stage: the last frame and the running mean."""

    last_ms: float = 0.0
    total_ms: float = 0.0
    count: int = 0

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0

    def add(self, elapsed_ms: float) -> None:
        self.last_ms = elapsed_ms
        self.total_ms += elapsed_ms
        self.count += 1


def prime_numpy_bridge(mp: Any) -> None:
    """Have MediaPipe's bindings look up numpy's C API now, on the one thread that builds the tracker.

    Why: pybind11 looks it up on the first numpy array a binding receives and keeps it in a C++
    function-local static (``npy_api::get``). That lookup imports ``numpy.core.multiarray``, and
    the import can hand Python's lock to another thread. With Face Mesh and Hands on two threads,
    the first frame reached both graphs at once: one thread was inside the lookup waiting for
    Python's lock, the other held that lock and waited on the static's guard (``__cxa_guard_acquire``),
    so the tracker hung for good. The live window's real-window tests hung so, about one run in
    ten (the face on screen, no hand); gdb showed the two threads as above. One conversion here,
    before any second thread exists, fills the static.
    """
    mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((1, 1, 3), dtype=np.uint8))


def mediapipe_rgb(image_bgr: np.ndarray, mirrored: bool) -> np.ndarray:
    """A frame as MediaPipe takes it: RGB, unmirrored, and writeable, so that each graph copies it.

    Why writeable: the legacy Solutions API wraps a read-only array instead of copying it, and the
    wrapper's deleter drops its reference to the array on a MediaPipe thread without holding
    Python's lock (``Py_XDECREF`` in mediapipe/python/pybind/image_frame_util.h, 0.10.21). With
    Face Mesh and Hands on two threads, that unlocked reference count raced with Python's own:
    the array's count drifted by 30–40 over 400 frames in a stress run, and a count that drifts
    down frees the pixels while they are in use (segmentation faults in evaluation runs once the
    thinned hand graph, coach.perception.hands_graph, changed the threads' timing). A copy costs
    about 0.1 ms a graph at 640×480 and 0.4 ms at 1280×720.
    """
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    if mirrored:
        rgb = cv2.flip(rgb, 1)
    return rgb


_LANDMARK_RECORD = np.dtype(
    [("field", "u1"), ("size", "u1"), ("x_key", "u1"), ("x", "<f4"), ("y_key", "u1"), ("y", "<f4"), ("z_key", "u1"), ("z", "<f4")]
)
"""One landmark of a serialised NormalizedLandmarkList that holds x, y and z only, as Face Mesh and
Hands give them: field 1 (length-delimited, 15 bytes), then fields 1, 2, 3 as 32-bit floats."""
_LANDMARK_KEY_COLUMNS = [0, 1, 2, 7, 12]
_LANDMARK_KEYS = np.array([0x0A, 15, 0x0D, 0x15, 0x1D], dtype=np.uint8)


def _points_array(landmark_list: Any) -> np.ndarray:
    """N×3 float array from a MediaPipe NormalizedLandmarkList (x, y normalised; z relative depth).

    Read from the list's protobuf wire bytes in one numpy step when every landmark holds exactly
    x, y, z (Face Mesh's 478 points: under 0.1 ms instead of 0.4 for 1,434 attribute reads in Python,
    every frame, holding the lock other threads need); any other layout takes the attribute path.
    The values are the same float32 numbers either way.
    """
    raw = landmark_list.SerializeToString()
    if raw and len(raw) % _LANDMARK_RECORD.itemsize == 0:
        keys = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _LANDMARK_RECORD.itemsize)[:, _LANDMARK_KEY_COLUMNS]
        if np.array_equal(keys, np.broadcast_to(_LANDMARK_KEYS, keys.shape)):
            records = np.frombuffer(raw, dtype=_LANDMARK_RECORD)
            return np.stack([records["x"], records["y"], records["z"]], axis=1).astype(np.float64)
    return np.array([(p.x, p.y, p.z) for p in landmark_list.landmark], dtype=np.float64)


def _face_area_px(points_norm: np.ndarray, width: int, height: int) -> float:
    """Bounding-box area in pixels, to pick the subject (the largest face) among several."""
    span = points_norm[:, :2].max(axis=0) - points_norm[:, :2].min(axis=0)
    return float(span[0] * width * span[1] * height)


DUPLICATE_HAND_OVERLAP = 0.6
"""Two same-label hand detections whose boxes overlap this much (of the smaller box) are one hand.

Legacy Hands sometimes reports one hand twice, with the same label, for a few frames (seen on the
shared clip of a hand raised in front of the face); keeping both would invent a second hand.
Overlapping hands with different labels are kept (stacked or crossed hands are real), unless one is
a part of the other (PART_OF_HAND_AREA).
"""


PART_OF_HAND_AREA = 0.5
"""A hand detection whose box lies inside another's (DUPLICATE_HAND_OVERLAP of it, at least) and has
less than this share of its area is a part of that hand, not a second hand.

Hands sometimes finds a second, smaller "hand" within one hand — on a fist or a hand seen from the
back, on its fingers — often with the other label: on the real-pixel tuning clips one hand was
reported twice like that in 100 of 289 frames (box area 0.3 of the whole hand's, landmarks 0.75 palm
lengths off), and its circles broke into glides of a phantom other hand. Two real hands on one face
are at about the same depth, so about the same size: neither's box holds the other's at half its area.
"""


def _box_area(points: np.ndarray) -> float:
    return float(np.prod(points[:, :2].max(axis=0) - points[:, :2].min(axis=0)))


def _part_of(points: np.ndarray, other: np.ndarray) -> bool:
    """Whether the detection ``points`` is a part of the hand ``other`` (see PART_OF_HAND_AREA)."""
    return (_box_area(points) < PART_OF_HAND_AREA * _box_area(other)
            and _overlap_of_smaller(points, other) > DUPLICATE_HAND_OVERLAP)


def _overlap_of_smaller(points_a: np.ndarray, points_b: np.ndarray) -> float:
    """Intersection of two landmark bounding boxes as a fraction of the smaller box's area."""
    low = np.maximum(points_a[:, :2].min(axis=0), points_b[:, :2].min(axis=0))
    high = np.minimum(points_a[:, :2].max(axis=0), points_b[:, :2].max(axis=0))
    intersection = float(np.prod(np.clip(high - low, 0.0, None)))
    smaller = min(
        float(np.prod(points_a[:, :2].max(axis=0) - points_a[:, :2].min(axis=0))),
        float(np.prod(points_b[:, :2].max(axis=0) - points_b[:, :2].min(axis=0))),
    )
    return intersection / smaller if smaller > 0 else 0.0


def subject_handedness(mediapipe_label: str, mirrored: bool) -> Handedness:
    """The subject's own hand from MediaPipe's label.

    Legacy Hands labels as if the image were a mirrored selfie view. On an unmirrored image (raw
    webcam frame, ordinary video) its "Left" is therefore the subject's right hand, so the label is
    swapped; on an already mirrored image it is kept.
    """
    label = mediapipe_label.strip().lower()
    if label not in HANDEDNESS_VALUES:
        raise ValueError(f"unexpected MediaPipe handedness label {mediapipe_label!r}")
    return label if mirrored else _OTHER_HAND[label]  # type: ignore[return-value]


def one_hand_per_side(hands: list[tuple[Handedness, float, np.ndarray]]) -> list[tuple[Handedness, float, np.ndarray]]:
    """Most confident first, at most one hand per side (shared by both tracker backends).

    When two detections get the same label, one lying on top of the other is a duplicate and is
    dropped; a distinct one is relabelled (the less confident of the two), since a subject has one
    hand of each. Hands sometimes returns more hands than ``max_num_hands`` (google-ai-edge/mediapipe
    issues 2319 and 4607: three palms from a graph asked for two); the extra ones, least confident,
    are dropped, so every frame holds at most one left and one right hand. A detection lying inside
    another one of more than twice its area is part of that hand, whatever its label (see _part_of).
    """
    ranked = [hand for hand in sorted(hands, key=lambda hand: hand[1], reverse=True)
              if not any(_part_of(hand[2], other[2]) for other in hands if other is not hand)]
    kept: list[tuple[Handedness, float, np.ndarray]] = []
    for hand in ranked:  # the most confident hand of each label
        if all(other[0] != hand[0] for other in kept):
            kept.append(hand)
    if len(kept) == 1:  # one label only: a second, distinct hand is the other side
        for handedness, score, points in ranked[1:]:
            if _overlap_of_smaller(kept[0][2], points) > DUPLICATE_HAND_OVERLAP:
                logger.debug("two %s hands on top of each other; keeping the more confident one", handedness)
                continue
            relabelled = _OTHER_HAND[handedness]
            logger.debug("both hands labelled %s; calling the less confident one %s", handedness, relabelled)
            kept.append((relabelled, score, points))
            break
    if len(hands) > len(kept):
        logger.debug("%d hands found; kept %d, one per side", len(hands), len(kept))
    return kept


def largest_face(candidates: list[np.ndarray], width: int, height: int) -> tuple[np.ndarray | None, int]:
    """The subject's face among those found (the largest in the image) and how many were found."""
    if not candidates:
        return None, 0
    if len(candidates) == 1:
        return candidates[0], 1
    return max(candidates, key=lambda points: _face_area_px(points, width, height)), len(candidates)


class Tracker(ClosesOnExit):
    """Face (478 refined points) and up to ``max_hands`` hands per frame, optionally smoothed.

    ``mode="video"`` tracks across frames (MediaPipe's tracking mode: faster and steadier, but frames
    must come in time order from one stream); ``mode="image"`` treats every frame independently and
    never smooths. ``mirrored`` says whether the input images are mirrored (a selfie video): such
    frames are flipped back before tracking, so that landmarks are always in unmirrored image
    coordinates (landmark 33, the subject's right outer eye corner, on the image's left) as the
    recording format requires, and hands are labelled with the subject's own hand either way.

    Up to two faces are detected so that ``faces_seen`` can warn about a second person; the largest
    face is the subject. When both hands get the same label, a second detection lying on top of the
    first is dropped as a duplicate, and a distinct one is relabelled (the less confident of the
    two), since a subject has one hand of each.

    ``thin_hand_search`` (video mode, two hands asked for): while one hand is tracked, Hands looks
    for a second on one frame in ``PALM_SEARCH_EVERY_FRAMES`` only (coach.perception.hands_graph).

    ``timings`` holds per-stage milliseconds (last and mean) for the benchmark and the status line.
    Use as a context manager, or call ``close``, to free the MediaPipe graphs.

    With ``concurrent=True`` (the default) Hands runs on a persistent helper thread while Face Mesh
    runs on the caller's (see ``coach.perception.parallel``); the landmarks are the same as in the
    serial order, since each graph still gets every frame in order. When the caller already has the
    next frame (replay, ``coach track``: ``track(frame, next_frame)`` or ``track_all``), Hands is
    queued on it before Face Mesh starts on this frame, so the helper thread goes straight from this
    frame to the next and works while the caller analyses this frame and Face Mesh reads the next
    one (Hands is the slower model: it is kept busy). ``set_mode`` switches to a
    lighter ``TrackingMode`` (live coaching on a machine that cannot keep up); ``mode_history``
    says which modes ran from which frame time, for the report.
    """

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
        concurrent: bool = True,
        thin_hand_search: bool = True,
    ) -> None:
        if mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', not {mode!r}")
        import mediapipe as mp  # imported here so that modules importing coach.perception stay light

        prime_numpy_bridge(mp)
        self.mode: TrackerMode = mode
        self.mirrored = mirrored
        self.smoothing = smoothing and mode == "video"
        static = mode == "image"
        confidences = {"min_detection_confidence": min_detection_confidence, "min_tracking_confidence": min_tracking_confidence}

        def face_mesh(faces: int, still: bool) -> Graph:
            return mp.solutions.face_mesh.FaceMesh(static_image_mode=still, max_num_faces=faces, refine_landmarks=True, **confidences)

        # Up to two faces are looked for (a second person is warned about; the largest face is the
        # subject), but in video mode a graph asked for two runs the face detector on every frame
        # that shows one: one face is tracked by a graph asked for one, and a second is searched for
        # every second (coach.perception.second_search).
        self._face_mesh: Graph = (
            OneOrTwo(face_mesh, lambda result: len(result.multi_face_landmarks or []), FACE_PROBE_EVERY_FRAMES, SETTLE_FRAMES)
            if not static
            else face_mesh(2, True)
        )
        self._max_hands = max_hands
        self._thin_hand_search = thin_hand_search
        self._hands_confidences = confidences
        self._hands = self._hands_graph(FULL.hand_model_complexity)
        self._smoother = LandmarkSmoother(face_smoothing, hand_smoothing)
        # The head's motion read from the skin round a hand on the face (video mode: frames in order).
        self._face_motion = FaceMotionReader() if mode == "video" else None
        self.timings: dict[str, StageTiming] = {stage: StageTiming() for stage in STAGES}
        self._models = PairRunner(concurrent=concurrent)
        self.tracking_mode: TrackingMode = FULL
        # (timestamp of the first frame tracked in the mode, None until one is; the mode)
        self.mode_history: list[tuple[float | None, TrackingMode]] = [(None, FULL)]
        self._frames_until_face = 0
        self._carried_face: tuple[np.ndarray | None, int] = (None, 0)
        # Hands started on the frame the caller said comes next: (its index, its RGB image, the result to come).
        self._hands_ahead: tuple[int, np.ndarray, Future[TimedResult[Any]]] | None = None
        self._closed = False

    @property
    def second_face_search(self) -> OneOrTwo | None:
        """How the Face Mesh looks for a second face in video mode (its probes, whether two are
        tracked now); None in image mode, where every frame is a fresh detection."""
        return self._face_mesh if isinstance(self._face_mesh, OneOrTwo) else None

    @property
    def concurrent(self) -> bool:
        return self._models.concurrent

    def set_mode(self, mode: TrackingMode) -> None:
        """Track the next frames in ``mode``; rebuilding Hands for another model takes a moment."""
        if mode == self.tracking_mode:
            return
        if mode.hand_model_complexity != self.tracking_mode.hand_model_complexity:
            if self._hands_ahead is not None:
                # The old graph must be idle before it closes; the next frame is tracked afresh by the new one.
                self._hands_ahead[2].result()
                self._hands_ahead = None
            self._hands.close()
            self._hands = self._hands_graph(mode.hand_model_complexity)
        logger.info("tracking mode %s -> %s", self.tracking_mode.name, mode.name)
        self.tracking_mode = mode
        self.mode_history.append((None, mode))
        self._frames_until_face = 0

    def track(self, frame: Frame, next_frame: Frame | None = None) -> TrackedFrame:
        """Landmarks for one frame; a frame with no face or no hands is normal (None / empty).

        ``next_frame``, when the caller already holds it, is the frame its next call will bring:
        Hands starts on it before this call returns (see the class docstring).
        """
        if self._closed:
            raise RuntimeError("Tracker.track called after close()")
        started = time.perf_counter()
        height, width = frame.height, frame.width

        ahead = self._take_hands_ahead(frame)
        rgb = ahead[0] if ahead is not None else self._rgb(frame)
        pending_hands = ahead[1] if ahead is not None else None
        if next_frame is not None and self._models.concurrent:
            if pending_hands is None:
                pending_hands = self._models.submit(lambda: self._hands.process(rgb))
            # Queued now, behind this frame's Hands: the helper thread starts it the moment that one
            # ends, not when this thread gets round to it (Hands is the slower model: kept busy).
            next_rgb = self._rgb(next_frame)
            self._hands_ahead = (next_frame.index, next_rgb, self._models.submit(lambda: self._hands.process(next_rgb)))
        after_convert = time.perf_counter()

        if self.mode_history[-1][0] is None:
            self.mode_history[-1] = (frame.timestamp_s, self.tracking_mode)
        run_face = self._frames_until_face <= 0
        if run_face:
            self._frames_until_face = self.tracking_mode.face_every
            if pending_hands is None:
                pending_hands = self._models.submit(lambda: self._hands.process(rgb))
            face_run, hands_run = self._models.run_with(lambda: self._face_mesh.process(rgb), pending_hands)
            face_points, faces_seen = self._subject_face(face_run.value, width, height)
            face_ms = face_run.elapsed_ms
        else:  # a lighter mode: this frame carries the last face (already smoothed)
            hands_run = pending_hands.result() if pending_hands is not None else timed_call(lambda: self._hands.process(rgb))
            face_points, faces_seen = self._carried_face
            face_ms = 0.0
        self._frames_until_face -= 1
        raw_hands = self._raw_hands(hands_run.value)
        before_smoothing = time.perf_counter()
        if self.smoothing:
            face_points, raw_hands = self._smoother.smooth(frame.timestamp_s, face_points, raw_hands, smooth_face=run_face)
        if self.tracking_mode.face_every > 1:
            self._carried_face = (face_points, faces_seen)
        after_smoothing = time.perf_counter()
        face_motion = (self._face_motion.read(rgb, face_points, [points for _, _, points in raw_hands])
                       if self._face_motion is not None and self.tracking_mode.head_motion else None)

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
        self.timings["face"].add(face_ms)
        self.timings["hands"].add(hands_run.elapsed_ms)
        self.timings["smoothing"].add((after_smoothing - before_smoothing) * 1e3)
        self.timings["total"].add((finished - started) * 1e3)
        return tracked

    def track_all(self, frames: Iterable[Frame]) -> Iterator[TrackedFrame]:
        """``track`` over a stream, lazily, each frame tracked with the next one known."""
        for frame, next_frame in with_next(frames):
            yield self.track(frame, next_frame)

    def _hands_graph(self, complexity: int) -> Graph:
        """Hands at ``complexity`` (1 full, 0 lite), asked for ``max_hands``.

        Unlike the face, a second hand is not searched for only now and then
        (coach.perception.second_search): a graph asked for one hand holds on to the first hand it
        finds, and on the real-pixel tuning clips that was at times a hand resting in view off the
        face (the speaker's own, in the footage) while the stroking hand went unseen until a probe,
        which then picked other candidates (detection F1 0.953 → 0.771 there). Asked for two, Hands
        looks for the second in every frame that shows one; that costs the palm detector each frame
        (lite Hands 21 ms instead of 9 on one hand). So in video mode, while one hand is tracked, the
        palm detector looks for the second on one frame in ``PALM_SEARCH_EVERY_FRAMES`` only
        (coach.perception.hands_graph); with none tracked it looks on every frame. Not with
        ``thin_hand_search`` off, as in the live window (see coach.ui.worker).
        """
        import mediapipe as mp

        if self.mode == "video" and self._max_hands >= 2 and self._thin_hand_search:
            thinned = sparse_palm_search_hands(PALM_SEARCH_EVERY_FRAMES, self._max_hands, complexity, **self._hands_confidences)
            if thinned is not None:
                return thinned
        return mp.solutions.hands.Hands(
            static_image_mode=self.mode == "image", max_num_hands=self._max_hands, model_complexity=complexity, **self._hands_confidences
        )

    def _rgb(self, frame: Frame) -> np.ndarray:
        return mediapipe_rgb(frame.image, self.mirrored)

    def _take_hands_ahead(self, frame: Frame) -> tuple[np.ndarray, Future[TimedResult[Any]]] | None:
        """The RGB image and pending Hands result started for ``frame`` by the previous call, if any."""
        if self._hands_ahead is None:
            return None
        index, rgb, pending = self._hands_ahead
        self._hands_ahead = None
        if index == frame.index:
            return rgb, pending
        # The caller announced another frame than it brought. Hands has seen that frame already
        # (its tracking moves on by one frame); this one is tracked afresh.
        pending.result()
        logger.warning("track: frame %d was announced as next but frame %d came", index, frame.index)
        return None

    @staticmethod
    def _subject_face(result: Any, width: int, height: int) -> tuple[np.ndarray | None, int]:
        return largest_face([_points_array(face) for face in result.multi_face_landmarks or []], width, height)

    def _raw_hands(self, result: Any) -> list[tuple[Handedness, float, np.ndarray]]:
        """(subject's hand, score, 21×3) per detected hand, most confident first, one per side."""
        landmark_lists = result.multi_hand_landmarks or []
        classifications = result.multi_handedness or []
        hands: list[tuple[Handedness, float, np.ndarray]] = []
        for landmarks, classification in zip(landmark_lists, classifications):
            category = classification.classification[0]
            hands.append((subject_handedness(category.label, mirrored=False), float(category.score), _points_array(landmarks)))
        return one_hand_per_side(hands)

    def reset(self) -> None:
        """Forget smoothing state, e.g. before feeding a different clip to the same tracker.

        MediaPipe's own tracking state cannot be reset without rebuilding its graphs; in video mode
        it recovers by re-detecting within a frame or two.
        """
        self._smoother.reset()
        if self._face_motion is not None:
            self._face_motion.reset()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._hands_ahead = None
            self._models.close()  # first: no model call may still be running when the graphs close
            self._face_mesh.close()
            self._hands.close()

