"""The one processing path shared by live coaching, replay, calibration and the tests.

    Frame ─► Tracker ─► TrackedFrame ─► FaceFrameFitter ─► StrokeEngine ─► Session ─► FrameResult

Only the source of frames (camera, paced clip, fast clip, landmark recording) and what is done
with each FrameResult (overlay, report, recording, calibration) differ between uses. A landmark
recording enters after the tracker, so everything downstream runs identically on it.
"""

from __future__ import annotations

import collections
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.closing import ClosesOnExit
from coach.geometry import FaceFrameFitter, FacePose, FaceRegions
from coach.session import Session
from coach.strokes import StrokeEngine
from coach.strokes.engine import POSE_HOLD_S
from coach.types import Frame, FrameResult, ScoredStroke, Stroke, StrokeScore, TrackedFrame

if TYPE_CHECKING:
    from coach.perception import LandmarkTracker
    from coach.storage.profiles import Profile
    from coach.technique import Technique

logger = logging.getLogger(__name__)

# The status line judges "face lost for a moment" against about the last second.
RECENT_FRAMES = 30


@dataclass
class PipelineStats:
    """Counts that reports need: how well the subject was seen."""

    frames: int = 0
    frames_with_face: int = 0
    frames_with_hands: int = 0
    frames_with_several_faces: int = 0
    first_timestamp_s: float | None = None
    last_timestamp_s: float | None = None

    @property
    def duration_s(self) -> float:
        if self.first_timestamp_s is None or self.last_timestamp_s is None:
            return 0.0
        return self.last_timestamp_s - self.first_timestamp_s

    @property
    def face_found_ratio(self) -> float:
        return self.frames_with_face / self.frames if self.frames else 0.0

    @property
    def hands_found_ratio(self) -> float:
        return self.frames_with_hands / self.frames if self.frames else 0.0


def status_message(tracked: TrackedFrame, recent_face_ratio: float) -> str:
    """One short, actionable message when tracking is poor; empty when all is well."""
    if tracked.face is None:
        if recent_face_ratio < 0.2:
            return "No face seen: face the camera and move into the light"
        return "Face lost for a moment: keep your face in view"
    if tracked.faces_seen > 1:
        return "Several faces seen: coaching the largest one"
    if not tracked.hands:
        return "Show your hand to the camera"
    return ""


class Pipeline(ClosesOnExit):
    """Turns frames (or tracked frames from a recording) into FrameResults, one at a time."""

    def __init__(
        self,
        technique: "Technique | None" = None,
        profile: "Profile | None" = None,
        tracker: "LandmarkTracker | None" = None,
    ) -> None:
        self.technique = technique
        self.profile = profile
        self._tracker = tracker
        reference = profile.reference_mesh_fu if profile is not None else None
        self.regions: FaceRegions = profile.regions if profile is not None else FaceRegions()
        self.fitter = FaceFrameFitter(reference)
        contact = technique.contact if technique is not None else "index"
        tool_offset = profile.tool_offset if (profile is not None and contact == "tool") else None
        self.engine = StrokeEngine(self.regions, contact=contact, tool_offset=tool_offset)
        self.session: Session | None = None
        if technique is not None:
            self.session = Session(technique, self.regions.centre)
        self.stats = PipelineStats()
        self.strokes: list[ScoredStroke] = []  # one per stroke, its newest version, in the order they began to be reported
        self._positions: dict[int, int] = {}  # stroke_id → index in strokes
        self._last_id = 0
        self._last_pose: FacePose | None = None
        self._last_pose_time_s: float | None = None
        self._recent_face: collections.deque[bool] = collections.deque(maxlen=RECENT_FRAMES)

    @property
    def tracker(self) -> "LandmarkTracker":
        """Created on first use so that replaying a recording never loads MediaPipe."""
        if self._tracker is None:
            from coach.perception import create_tracker

            self._tracker = create_tracker(mode="video")
        return self._tracker

    @property
    def loaded_tracker(self) -> "LandmarkTracker | None":
        """The tracker if one was made (None for a landmark recording): for the report's tracking section."""
        return self._tracker

    def process_frame(self, frame: Frame, next_frame: Frame | None = None) -> FrameResult:
        """Track one camera or video frame, then analyse it. ``next_frame``, when already decoded
        (a video file), lets the tracker start on it early (see Tracker.track)."""
        started = time.perf_counter()
        tracked = self.tracker.track(frame, next_frame)
        return self.process_tracked(tracked, started=started)

    def process_tracked(self, tracked: TrackedFrame, started: float | None = None) -> FrameResult:
        """Analyse one tracked frame (from the tracker or a landmark recording)."""
        started = time.perf_counter() if started is None else started
        self._count(tracked)
        fresh_pose = self._fit(tracked)
        # The engine gets only fresh poses: it bridges a face hidden by the hand itself, re-mapping
        # those frames' contact points once the face is back.
        events = self.engine.update(tracked, fresh_pose)
        pose = fresh_pose if fresh_pose is not None else self._held_pose(tracked)
        new_strokes = self._take(events)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        recent_face_ratio = sum(self._recent_face) / len(self._recent_face)
        return FrameResult(
            tracked=tracked,
            pose=pose,
            contacts=self.engine.contacts(),
            trails_fu=self.engine.trails_fu(),
            new_strokes=new_strokes,
            last_stroke=self._latest(new_strokes),
            progress=self.session.progress() if self.session is not None else None,
            status=status_message(tracked, recent_face_ratio),
            processing_ms=elapsed_ms,
        )

    def finish(self) -> list[ScoredStroke]:
        """End of stream: close strokes still open and score them. Returns the new ones."""
        return list(self._take(self.engine.flush()))

    def _take(self, events: list[Stroke]) -> tuple[ScoredStroke, ...]:
        """Score the engine's events; ``strokes`` keeps the newest version of each stroke.

        A run's progress events and its final event share one stroke_id, so the list holds each
        stroke once (as it stands now); a withdrawn event removes its stroke.
        """
        scored_events: list[ScoredStroke] = []
        for stroke in events:
            scored = self._score(stroke)
            position = self._positions.get(stroke.stroke_id) if stroke.stroke_id else None
            if stroke.withdrawn:
                if position is not None:
                    del self.strokes[position]
                    del self._positions[stroke.stroke_id]
                    self._positions = {key: (index - 1 if index > position else index) for key, index in self._positions.items()}
                scored_events.append(scored)
                continue
            if position is not None:
                self.strokes[position] = scored
            else:
                self._positions[stroke.stroke_id] = len(self.strokes)
                self.strokes.append(scored)
            scored_events.append(scored)
        return tuple(scored_events)

    def _latest(self, new_strokes: tuple[ScoredStroke, ...]) -> ScoredStroke | None:
        """The stroke to give feedback on: the one reported most recently (as it stands now)."""
        for scored in reversed(new_strokes):
            if not scored.stroke.withdrawn:
                self._last_id = scored.stroke.stroke_id
                break
        position = self._positions.get(self._last_id)
        if position is not None:
            return self.strokes[position]
        return self.strokes[-1] if self.strokes else None

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()


    def _count(self, tracked: TrackedFrame) -> None:
        stats = self.stats
        stats.frames += 1
        stats.frames_with_face += tracked.face is not None
        stats.frames_with_hands += bool(tracked.hands)
        stats.frames_with_several_faces += tracked.faces_seen > 1
        if stats.first_timestamp_s is None:
            stats.first_timestamp_s = tracked.timestamp_s
        stats.last_timestamp_s = tracked.timestamp_s
        self._recent_face.append(tracked.face is not None)

    def _fit(self, tracked: TrackedFrame) -> FacePose | None:
        if tracked.face is None:
            return None
        self._last_pose = self.fitter.fit(tracked.face, tracked.width, tracked.height)
        self._last_pose_time_s = tracked.timestamp_s
        return self._last_pose

    def _held_pose(self, tracked: TrackedFrame) -> FacePose | None:
        """While the face is briefly hidden, the last pose stands in for drawing the overlay."""
        if self._last_pose_time_s is not None and tracked.timestamp_s - self._last_pose_time_s <= POSE_HOLD_S:
            return self._last_pose
        return None

    def _score(self, stroke: Stroke) -> ScoredStroke:
        if self.session is None:
            return ScoredStroke(stroke, StrokeScore(step_index=None, total=None))
        return self.session.on_stroke(stroke)
