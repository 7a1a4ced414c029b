"""Live tracking on a thread of its own, one frame ahead of the analysis.

Why: in the live window the worker used to track a frame (MediaPipe, which releases Python's lock)
and then analyse it (smoothing, face frame, stroke engine, session, history: Python, holding the
lock), one after the other, so a frame cost the sum of both. Here the **tracking thread** takes the
newest captured frame, tracks it and hands it over; while the worker analyses that frame, the
tracking thread already tracks the next one. A frame then costs about the slower of the two stages
instead of their sum, as ``coach replay`` does with ``TRACKED_AHEAD_FRAMES``.

The hand-over holds one tracked frame: the tracking thread waits until the worker has taken it
before it looks for the next capture, so it always starts on the newest frame (the capture slot
replaces the ones nobody took) and no tracked frame ever queues up to become stale. Every tracked
frame is analysed, strictly in the order it was tracked, by the one worker thread, so strokes are
the same as tracking and analysing each frame in turn (tests/test_live_track_ahead.py).

The tracker is used by this thread only: a lighter tracking mode chosen by the worker's governor
is requested here and applied between two frames (``request_mode``).

Measured, it does not pay on two cores, so the live window does not use it by default
(``LiveWorker(track_ahead=True)`` and ``bench_live.py --track-ahead`` do). Face Mesh and Hands
already keep both cores busy while a frame is tracked, and the analysis is small (1.5–2 ms of a
25–35 ms frame), while a fourth thread wanting Python's lock (beside the window, the Hands helper
and the worker) slowed tracking and the analysis: in five interleaved pairs of ``bench_live.py``
(load 2–3 from other work; medians) tracking took 35.2 ms a frame instead of 27.5, the analysis
p95 7.4 ms instead of 3.3, 26.6 fps were processed instead of 28.0, and capture → paint p95 was
92 ms instead of 82. (Before the frame conversion for painting left the lock free, overlapping hid
that 3 ms hold and measured slightly better: 27–30 fps against 26–29.) It may pay on a machine with
a core to spare.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.types import Frame, TrackedFrame

if TYPE_CHECKING:
    from coach.perception import LandmarkTracker
    from coach.perception.degradation import TrackingMode
    from coach.ui.worker import Captured, LatestFrameSlot

logger = logging.getLogger(__name__)

POLL_S = 0.05
"""Longest wait between looks at the stop flag (closing the window never waits longer for this thread)."""
JOIN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class TrackedCapture:
    """One captured frame, tracked: what the worker analyses next."""

    captured: "Captured"
    tracked: TrackedFrame
    tracking_ms: float  # the tracking thread's wall time on this frame (0 for a recorded frame)
    tracking_started_at: float  # perf_counter when tracking began: the frame waited in the capture slot until then


class _End:
    """The captures ended (the clip finished, the camera stopped, or the tracker failed)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class TrackingThread(threading.Thread):
    """Takes the newest capture from ``slot``, tracks it and hands it to ``take``, one at a time.

    A recorded frame (already tracked) passes through untouched. An error while tracking ends the
    thread and is raised by ``take`` in the worker, after the frames tracked before it. Frames taken
    while paused are discarded untracked (a camera keeps delivering while paused).
    """

    def __init__(self, slot: "LatestFrameSlot", tracker: "LandmarkTracker | None") -> None:
        super().__init__(name="coach-tracking", daemon=True)
        self._slot = slot
        self._tracker = tracker
        self._condition = threading.Condition()
        self._handed: TrackedCapture | _End | None = None
        self._stop_requested = threading.Event()
        self._paused = threading.Event()
        self._requested_mode: TrackingMode | None = None
        self._woken = False

    # ---- called from the worker

    def request_mode(self, mode: "TrackingMode") -> None:
        """Track from the next frame on in ``mode`` (applied on this thread, between two frames)."""
        with self._condition:
            self._requested_mode = mode

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._paused.set()
        else:
            self._paused.clear()

    def take(self, timeout_s: float) -> TrackedCapture | None:
        """The next tracked frame, in order; None after ``timeout_s``, when woken, or at the end
        (``finished`` then says so). Raises the tracking thread's error once its frames are taken."""
        with self._condition:
            if self._handed is None and not self._woken:
                self._condition.wait(timeout_s)
            self._woken = False
            handed = self._handed
            if handed is None or isinstance(handed, _End):
                if isinstance(handed, _End) and handed.error is not None:
                    error, handed.error = handed.error, None
                    raise error
                return None
            self._handed = None
            self._condition.notify_all()
            return handed

    def wake(self) -> None:
        """Return a waiting ``take`` early, e.g. so a command is applied while a clip is paused."""
        with self._condition:
            self._woken = True
            self._condition.notify_all()

    @property
    def finished(self) -> bool:
        """True once the captures have ended and every tracked frame has been taken."""
        with self._condition:
            return isinstance(self._handed, _End)

    def close(self) -> None:
        """Stop and wait for the thread (it must be done with the tracker before the tracker closes)."""
        self._stop_requested.set()
        with self._condition:
            self._condition.notify_all()
        if self.is_alive():
            self.join(JOIN_TIMEOUT_S)
            if self.is_alive():
                logger.warning("the tracking thread did not stop within %.0f s; leaving it behind (daemon thread)",
                               JOIN_TIMEOUT_S)

    # ---- the tracking thread

    def run(self) -> None:
        try:
            while not self._stop_requested.is_set():
                captured = self._slot.take(POLL_S)
                if captured is None:
                    if self._slot.exhausted:
                        break
                    continue
                if self._paused.is_set():
                    continue
                item = captured.item
                if isinstance(item, Frame):
                    assert self._tracker is not None, "a video frame needs a tracker"
                    self._apply_requested_mode()
                    started = time.perf_counter()
                    tracked = self._tracker.track(item)
                    handed = TrackedCapture(captured, tracked, (time.perf_counter() - started) * 1000.0, started)
                else:
                    handed = TrackedCapture(captured, item, 0.0, time.perf_counter())
                if not self._hand_over(handed):
                    return
        except BaseException as error:  # raised in the worker, which reports it to the user
            self._hand_over(_End(error))
            return
        self._hand_over(_End())

    def _apply_requested_mode(self) -> None:
        with self._condition:
            mode, self._requested_mode = self._requested_mode, None
        set_mode = getattr(self._tracker, "set_mode", None)
        if mode is not None and set_mode is not None:
            set_mode(mode)

    def _hand_over(self, handed: "TrackedCapture | _End") -> bool:
        """Wait until the worker took the previous frame, then hand this one; False when stopped."""
        with self._condition:
            while self._handed is not None and not self._stop_requested.is_set():
                self._condition.wait(POLL_S)
            if self._stop_requested.is_set() and not isinstance(handed, _End):
                return False
            self._handed = handed
            self._condition.notify_all()
            return True
