"""The stroke engine: per hand, contact point in face units → contact episodes → strokes.

Per frame and hand, the working point is mapped into face units with the frame's face pose (the
last pose stands in while the face is hidden for up to ``POSE_HOLD_S``, e.g. under the hand), and
judged on or off the skin:

- **on the face**: the point lies inside a face or neck region;
- **at the face's depth**: the hand's apparent size in face units is not clearly larger than its
  size when resting on the face (learnt per hand as a low percentile of recent sizes) — a hand
  lifted toward the camera looks larger;
- **not in transit**: it is not sweeping faster than any massage stroke (travel and quick returns).

Consecutive on-skin samples form an episode (short blips of either state are bridged). When an
episode ends — the hand lifts, leaves, or is lost — it is analysed (coach.strokes.analysis) into
zero or more strokes, which ``update`` returns.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from coach.geometry.face_frame import FacePose
from coach.geometry.regions import FaceRegions
from coach.strokes.analysis import Episode, EpisodeAnalyser
from coach.strokes.contact import CONTACT_MODES, measure_hand
from coach.types import ContactPoint, Handedness, Stroke, TrackedFrame

logger = logging.getLogger(__name__)

POSE_HOLD_S = 0.5  # keep using the last face pose this long while the face is not found
HAND_GAP_S = 0.3  # a hand missing for longer than this ends its episode
LIFT_RATIO = 1.2  # apparent size over resting size above which the hand is off the skin (hand tilt alone gives up to ~1.15)
TRANSIT_FU_S = 1.2  # sustained faster than this (over ~1/3 s) is travel or a return, not a stroke
TRANSIT_WINDOW = 11  # samples (~1/3 s at 30 fps): long enough that taps and circles average out
DASH_FU = 0.3  # travel within 5 samples (~1/6 s) that no tap or small circle reaches: a hand flying off
START_FRAMES = 3  # consecutive on-skin frames that open an episode
END_FRAMES = 4  # consecutive off-skin frames that close one
TRAIL_S = 1.5
CAMERA_DISTANCE_FU = 5.5  # a webcam about 50 cm away; only used to allow for the skin's own depth
RESTING_SIZE_PRIOR_FU = 1.0  # palm size of an adult hand at the face's depth, before any is seen
EDGE_MARGIN_FU = 0.12
_EDGE_OFFSETS = tuple(np.array(offset) * EDGE_MARGIN_FU for offset in ((1, 0), (-1, 0), (0, 1), (0, -1)))
SIZE_HISTORY = 900  # samples (~30 s) of in-region sizes to learn the resting size from


@dataclass
class _Sample:
    t: float
    point_px: np.ndarray
    point_fu: np.ndarray
    size_fu: float
    pinch_fu: float
    tip_depth_fu: float
    in_region: bool
    fresh_pose: bool  # False while the last pose stands in for a hidden face
    size_ratio: float = 1.0
    on_skin: bool = False


@dataclass
class _HandState:
    """What the engine remembers about one hand."""

    hand: Handedness
    episode: list[_Sample] = field(default_factory=list)
    pending: list[_Sample] = field(default_factory=list)  # off-skin samples that may be a blip inside an episode
    candidate: list[_Sample] = field(default_factory=list)  # on-skin samples that may open an episode
    recent: deque[_Sample] = field(default_factory=lambda: deque(maxlen=TRANSIT_WINDOW))
    sizes: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE_HISTORY))
    ratios: deque[float] = field(default_factory=lambda: deque(maxlen=5))
    trail: deque[tuple[float, np.ndarray]] = field(default_factory=deque)
    last_seen_s: float | None = None
    contact: ContactPoint | None = None

    def resting_size_fu(self) -> float:
        if len(self.sizes) < 15:
            return RESTING_SIZE_PRIOR_FU if not self.sizes else min(RESTING_SIZE_PRIOR_FU, float(np.min(self.sizes)))
        return float(np.percentile(self.sizes, 10))


class StrokeEngine:
    """Feeds on tracked frames and face poses; returns strokes as they are completed."""

    def __init__(
        self,
        regions: FaceRegions | None = None,
        contact: str = "index",
        tool_offset: tuple[float, float] | None = None,
    ) -> None:
        if contact not in CONTACT_MODES:
            raise ValueError(f"unknown contact mode {contact!r}; expected one of {', '.join(CONTACT_MODES)}")
        self.regions = regions if regions is not None else FaceRegions()
        self.contact_mode = contact
        self.tool_offset = tool_offset
        self.analyser = EpisodeAnalyser(self.regions)
        self._hands: dict[Handedness, _HandState] = {"left": _HandState("left"), "right": _HandState("right")}
        self._pose: FacePose | None = None
        self._pose_time_s: float | None = None

    # -- public -------------------------------------------------------------------------------

    def update(self, tracked: TrackedFrame, pose: FacePose | None) -> list[Stroke]:
        """Take one frame; return the strokes that were completed at it."""
        t = tracked.timestamp_s
        fresh_pose = pose is not None
        if pose is not None:
            self._pose, self._pose_time_s = pose, t
        elif self._pose_time_s is not None and t - self._pose_time_s <= POSE_HOLD_S:
            pose = self._pose
        completed: list[Stroke] = []
        seen: set[str] = set()
        for hand in tracked.hands:
            state = self._hands[hand.handedness]
            seen.add(hand.handedness)
            measure = measure_hand(hand, tracked.width, tracked.height, self.contact_mode, self.tool_offset)
            if pose is None:
                state.contact = ContactPoint(hand.handedness, measure.contact_px, None, False)
                completed += self._close(state)
                continue
            point_fu = pose.image_to_face(measure.contact_px[None])[0]
            # A hand on the nose tip is nearer the camera than one on the temple: compare sizes as if
            # every contact were at the eye-corner plane (z = 0 in face units).
            skin_depth_fu = float(pose.surface.depth_at(point_fu[None])[0])
            scale = pose.scale_px_per_fu / (1.0 - skin_depth_fu / CAMERA_DISTANCE_FU)
            sample = _Sample(
                t=t,
                point_px=measure.contact_px,
                point_fu=point_fu,
                size_fu=measure.size_px / scale,
                pinch_fu=measure.pinch_px / scale,
                tip_depth_fu=measure.tip_depth_px / scale,
                in_region=self._near_face(point_fu),
                fresh_pose=fresh_pose,
            )
            if state.last_seen_s is not None and t - state.last_seen_s > HAND_GAP_S:
                completed += self._close(state)
                state.recent.clear()
                state.ratios.clear()
            state.last_seen_s = t
            completed += self._add(state, sample)
            state.contact = ContactPoint(hand.handedness, measure.contact_px, point_fu, sample.on_skin)
        for name, state in self._hands.items():
            if name in seen:
                continue
            state.contact = None
            if state.last_seen_s is not None and t - state.last_seen_s > HAND_GAP_S:
                completed += self._close(state)
            while state.trail and t - state.trail[0][0] > TRAIL_S:
                state.trail.popleft()
        return sorted(completed, key=lambda stroke: stroke.start_s)

    def flush(self) -> list[Stroke]:
        """End of stream: analyse whatever episodes are still open."""
        completed: list[Stroke] = []
        for state in self._hands.values():
            completed += self._close(state)
        return sorted(completed, key=lambda stroke: stroke.start_s)

    def contacts(self) -> tuple[ContactPoint, ...]:
        return tuple(state.contact for state in self._hands.values() if state.contact is not None)

    def trails_fu(self) -> dict[str, np.ndarray]:
        return {
            name: np.array([point for _, point in state.trail])
            for name, state in self._hands.items()
            if state.trail
        }

    # -- per-hand bookkeeping ------------------------------------------------------------------

    def _add(self, state: _HandState, sample: _Sample) -> list[Stroke]:
        if sample.in_region:
            state.sizes.append(sample.size_fu)
        state.ratios.append(sample.size_fu / state.resting_size_fu())
        sample.size_ratio = float(np.median(state.ratios))
        state.recent.append(sample)
        sample.on_skin = sample.in_region and sample.size_ratio < LIFT_RATIO and not self._in_transit(state)
        state.trail.append((sample.t, sample.point_fu))
        while state.trail and sample.t - state.trail[0][0] > TRAIL_S:
            state.trail.popleft()

        if state.episode:
            if sample.on_skin:
                state.episode.extend(state.pending)
                state.pending.clear()
                state.episode.append(sample)
                return []
            state.pending.append(sample)
            if len(state.pending) >= END_FRAMES:
                return self._close(state)
            return []
        if sample.on_skin:
            state.candidate.append(sample)
            if len(state.candidate) >= START_FRAMES:
                state.episode = list(state.candidate)
                state.candidate.clear()
        else:
            state.candidate.clear()
        return []

    def _near_face(self, point_fu: np.ndarray) -> bool:
        """Inside a face or neck region, or within a finger's width of one.

        The margin keeps a tap or circle at the edge of the temple or jaw from dropping in and out
        of contact as the fingertip bobs across the outline (and the outline itself is approximate).
        """
        if self.regions.region_at(point_fu) is not None:
            return True
        return any(self.regions.region_at(point_fu + offset) is not None for offset in _EDGE_OFFSETS)

    @staticmethod
    def _in_transit(state: _HandState) -> bool:
        """Sweeping faster than a stroke: travel over the last ~1/3 s (ends averaged against jitter).

        Over this window an oscillation (taps, small circles) cancels out; only sustained travel,
        like a return or a move to another place, adds up.
        """
        if len(state.recent) < 5:
            return False
        samples = list(state.recent)
        dash = np.mean([s.point_fu for s in samples[-2:]], axis=0) - np.mean([s.point_fu for s in samples[-5:-3]], axis=0)
        jump = samples[-1].point_fu - samples[-4].point_fu
        if float(np.linalg.norm(dash)) > DASH_FU or float(np.linalg.norm(jump)) > DASH_FU:
            return True
        if len(samples) < 6:
            return False
        early = np.mean([s.point_fu for s in samples[:3]], axis=0)
        late = np.mean([s.point_fu for s in samples[-3:]], axis=0)
        elapsed = np.mean([s.t for s in samples[-3:]]) - np.mean([s.t for s in samples[:3]])
        if elapsed <= 0:
            return False
        return float(np.linalg.norm(late - early)) / elapsed > TRANSIT_FU_S

    def _close(self, state: _HandState) -> list[Stroke]:
        samples = state.episode
        state.episode = []
        state.pending.clear()
        state.candidate.clear()
        if len(samples) < 2:
            return []
        times = np.array([s.t for s in samples])
        episode = Episode(
            hand=state.hand,
            times_s=times,
            points_fu=_bridge_stale_poses(times, np.array([s.point_fu for s in samples]), np.array([s.fresh_pose for s in samples])),
            size_ratio=np.array([s.size_ratio for s in samples]),
            pinch_fu=np.array([s.pinch_fu for s in samples]),
            tip_depth_fu=np.array([s.tip_depth_fu for s in samples]),
        )
        strokes = self.analyser.strokes(episode)
        logger.debug("%s hand: episode of %.2f s → %d stroke(s)", state.hand, episode.duration_s, len(strokes))
        return strokes


def _bridge_stale_poses(times: np.ndarray, points_fu: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """Replace points mapped with a stand-in pose by interpolation between freshly mapped ones.

    While the face is hidden the head keeps moving but the stand-in pose does not, so the mapped
    fingertip drifts with the head. Interpolating across the gap keeps the stroke whole without
    that drift (a gap is at most POSE_HOLD_S, short next to any stroke).
    """
    if fresh.all() or fresh.sum() < 2:
        return points_fu
    points = points_fu.copy()
    fresh_times = times[fresh]
    stale = ~fresh & (times > fresh_times[0]) & (times < fresh_times[-1])
    for axis in range(points.shape[1]):
        points[stale, axis] = np.interp(times[stale], fresh_times, points_fu[fresh, axis])
    return points
