"""Lighter tracking when the machine cannot keep up with the camera, chosen by measured frame time.

Live coaching is only useful in real time: a stroke judged half a second late is coaching the past.
When the worker's measured time per frame stays above the camera's frame interval (a slow laptop,
another program busy), tracking steps down one level at a time:

1. ``full``: Face Mesh and Hands (full model) on every frame — what replay always uses;
2. ``lite-hands``: Hands with its lite model (about half the cost, slightly less precise fingertips);
3. ``lite-hands-half-face``: also the Face Mesh on every other frame only, the last face carried
   over the frame in between (a face moves little in 33 ms; the hand, measured every frame, is what
   strokes are made of).

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
)
TRACKING_MODES: tuple[TrackingMode, ...] = (FULL, LITE_HANDS, LITE_HANDS_HALF_FACE)
"""From the most to the least work; the governor moves down this list only."""

WARM_UP_FRAMES = 30
"""Frames ignored after a start or a switch: the first detections and a rebuilt graph are slow."""
WINDOW_FRAMES = 45
"""Frames judged together (1.5 s at 30 fps): long enough that one hiccup does not count."""
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
    new mode when the median of the last ``window_frames`` frames (after ``warm_up_frames``) is
    over the budget, else None. The source's frame interval sets the budget: 30 fps leaves 30 ms.
    """

    def __init__(
        self,
        source_fps: float,
        start: TrackingMode = FULL,
        warm_up_frames: int = WARM_UP_FRAMES,
        window_frames: int = WINDOW_FRAMES,
    ) -> None:
        if not source_fps > 0:
            raise ValueError(f"source_fps must be positive, not {source_fps!r}")
        if warm_up_frames < 0 or window_frames < 1:
            raise ValueError(f"need warm_up_frames >= 0 and window_frames >= 1, not {warm_up_frames}, {window_frames}")
        self.budget_ms = 1000.0 / source_fps * BUDGET_SHARE
        self.mode = start
        self._warm_up_frames = warm_up_frames
        self._recent: collections.deque[float] = collections.deque(maxlen=window_frames)
        self._to_skip = warm_up_frames

    @property
    def lightest(self) -> bool:
        return self.mode == TRACKING_MODES[-1]

    def observe(self, frame_ms: float) -> TrackingMode | None:
        if self.lightest:
            return None
        if self._to_skip > 0:
            self._to_skip -= 1
            return None
        self._recent.append(frame_ms)
        if len(self._recent) < (self._recent.maxlen or 1) or statistics.median(self._recent) <= self.budget_ms:
            return None
        self.mode = TRACKING_MODES[TRACKING_MODES.index(self.mode) + 1]
        self._recent.clear()
        self._to_skip = self._warm_up_frames
        return self.mode
