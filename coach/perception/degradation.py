"""Lighter tracking when the machine cannot keep up with the camera, chosen by measured frame time.

Live coaching is only useful in real time: a stroke judged half a second late is coaching the past.
When the worker's measured time per frame stays above the camera's frame interval (a slow laptop,
another program busy), tracking steps down one level at a time:

1. ``full``: Face Mesh and Hands (full model) on every frame — what replay always uses;
2. ``lite-hands``: Hands with its lite model (about half the cost, slightly less precise fingertips);
3. ``lite-hands-half-face``: also the Face Mesh on every other frame only, the last face carried
   over the frame in between (a face moves little in 33 ms; the hand, measured every frame, is what
   strokes are made of), and the head's motion no longer read round a hand on the face
   (coach.perception.face_motion: 2–4 ms of the worker's frame while a hand covers the face; without
   it a face read through the hand is followed slowly, as the stroke engine did before it).

It never steps back up within a session: a machine that was too slow a moment ago is likely to be
again, and switching back and forth would change the character of the landmarks mid-routine. The
user is told once per step, and the report records which modes ran from when.
"""

from __future__ import annotations

import collections
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class TrackingMode:
    """How much tracking work each frame gets."""

    name: str
    hand_model_complexity: int  # MediaPipe Hands: 1 full, 0 lite
    face_every: int  # run the Face Mesh on one frame in this many; the face is carried in between
    user_message: str  # the one line the window shows when this mode starts (empty for full)
    head_motion: bool = True  # read the head's motion round a hand on the face (coach.perception.face_motion)


FULL = TrackingMode("full", hand_model_complexity=1, face_every=1, user_message="")
LITE_HANDS = TrackingMode(
    "lite-hands",
    hand_model_complexity=0,
    face_every=1,
    user_message="Your computer is busy: using lighter hand tracking to keep up",
)
LITE_HANDS_HALF_FACE = TrackingMode(
    "lite-hands-half-face",
    hand_model_complexity=0,
    face_every=2,
    user_message="Your computer is still too busy: tracking the face every other frame to keep up",
    head_motion=False,
)
TRACKING_MODES: tuple[TrackingMode, ...] = (FULL, LITE_HANDS, LITE_HANDS_HALF_FACE)
"""From the most to the least work; the governor moves down this list only."""

WARM_UP_S = 0.5
WARM_UP_FRAMES = 5
"""Ignored after a start or a switch (both must pass): the first detections and a rebuilt graph are
slow (the first frames of a new graph take 2-10× a settled one; by 0.5 s they are done)."""
WINDOW_S = 0.75
WINDOW_FRAMES = 5
"""Frames judged together: at least this many, covering at least this much processing time, so one
hiccup does not count and a machine doing 4 frames a second is judged as quickly as one doing 25.
The median of ~20 frames at 30 fps is not moved by a hiccup; a longer window only keeps a user who
is behind the camera behind for longer (every frame over budget adds to the delay until the switch)."""
BUDGET_SHARE = 0.9
"""Share of the frame interval the worker may use; the rest is for capture and painting."""


def tracking_mode_named(name: str) -> TrackingMode:
    for mode in TRACKING_MODES:
        if mode.name == name:
            return mode
    raise ValueError(f"unknown tracking mode {name!r}; use one of {', '.join(mode.name for mode in TRACKING_MODES)}")


class TrackingGovernor:
    """Watches per-frame processing time and says when to step down to a lighter mode.

    ``observe`` is called once per processed frame with that frame's milliseconds; it returns the
    new mode when the median over the recent window (at least ``window_frames`` frames and
    ``window_s`` seconds of processing, after a warm-up) is over the budget, else None. The
    source's frame interval sets the budget: 30 fps leaves 30 ms.
    """

    def __init__(
        self,
        source_fps: float,
        start: TrackingMode = FULL,
        warm_up_s: float = WARM_UP_S,
        warm_up_frames: int = WARM_UP_FRAMES,
        window_s: float = WINDOW_S,
        window_frames: int = WINDOW_FRAMES,
    ) -> None:
        if not source_fps > 0:
            raise ValueError(f"source_fps must be positive, not {source_fps!r}")
        if warm_up_s < 0 or warm_up_frames < 0 or window_s < 0 or window_frames < 1:
            raise ValueError("warm-up and window lengths must not be negative, and a window needs a frame")
        self.budget_ms = 1000.0 / source_fps * BUDGET_SHARE
        self.mode = start
        self._warm_up = (warm_up_s * 1000.0, warm_up_frames)
        self._window_ms = window_s * 1000.0
        self._window_frames = window_frames
        self._recent: collections.deque[float] = collections.deque()
        self._recent_ms = 0.0
        self._warm_up_left_ms, self._warm_up_frames_left = self._warm_up
        self.judged_ms = 0.0
        """The median frame time behind the last step down (what the log line reports)."""

    @property
    def lightest(self) -> bool:
        return self.mode == TRACKING_MODES[-1]

    def observe(self, frame_ms: float) -> TrackingMode | None:
        if self.lightest:
            return None
        if self._warm_up_left_ms > 0 or self._warm_up_frames_left > 0:
            self._warm_up_left_ms -= frame_ms
            self._warm_up_frames_left -= 1
            return None
        self._recent.append(frame_ms)
        self._recent_ms += frame_ms
        while len(self._recent) > self._window_frames and self._recent_ms - self._recent[0] >= self._window_ms:
            self._recent_ms -= self._recent.popleft()
        if len(self._recent) < self._window_frames or self._recent_ms < self._window_ms:
            return None
        median_ms = statistics.median(self._recent)
        if median_ms <= self.budget_ms:
            return None
        self.judged_ms = median_ms
        self.mode = TRACKING_MODES[TRACKING_MODES.index(self.mode) + 1]
        self._recent.clear()
        self._recent_ms = 0.0
        self._warm_up_left_ms, self._warm_up_frames_left = self._warm_up
        return self.mode
