"""Capture and the whole pipeline off the GUI thread, newest frame first.

Two threads feed the window:

- the **capture thread** reads the source (camera, or a clip / landmark recording paced like a
  camera) and puts each frame into a one-place mailbox, replacing a frame nobody has taken yet;
- the **worker** (a ``QThread``) takes the newest frame, runs the pipeline on it and emits the
  result with the image and the moment the frame was captured.

When processing is slower than the source, frames are overwritten in the mailbox and counted as
dropped instead of queuing up, so the overlay always shows the person as they are now rather
than as they were a second ago. The GUI sends commands (pause, skip step, restart, change
technique) through a lock-protected queue that the worker drains between frames, so the pipeline
is only ever touched by the worker thread. Failures are never swallowed: they are logged with
their traceback and emitted as one user-facing line, and what was recorded up to then is saved.
"""

from __future__ import annotations

import collections
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from coach.errors import CoachError, SourceError
from coach.thread_priority import lower_this_thread
from coach.recording import is_recording_path
from coach.types import Frame, FrameResult, TrackedFrame

if TYPE_CHECKING:
    from coach.session import Session
    from coach.perception.degradation import TrackingGovernor
    from coach.perception import LandmarkTracker
    from coach.pipeline import Pipeline
    from coach.storage.profiles import Profile
    from coach.ui.composer import FrameComposer
    from coach.ui.tracking_thread import TrackingThread
    from coach.technique import Technique

logger = logging.getLogger(__name__)

STOP_POLL_S = 0.05
"""How often blocked waits look at the stop flag: bounds how long closing the window can take."""
TIMING_WINDOW_S = 2.0
"""Processing fps and per-frame ms are reported over this recent stretch, so they follow changes."""
TIMING_EMIT_INTERVAL_S = 0.5
GIL_SWITCH_INTERVAL_S = 0.001
"""How long a Python thread keeps the GIL while another waits for it (Python's default is 5 ms).

Qt's painting calls and the analysis hold the GIL; with the capture thread, the worker and the GUI
thread busy on two cores, 5 ms waits pile up on each frame's paint and analysis. On the live
benchmark (quiet 2-core machine, two A/B pairs) 1 ms gave sustained fps 27.6–28.2 → 29.0–29.4,
drops 6.7–10.8 % → 4.4–5.8 %, capture→paint p95 84–95 → 76–83 ms. Set while a worker runs."""

CaptureItem = Union[Frame, TrackedFrame]


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceSpec:
    """What the user chose to watch: a camera index, or a clip path played as if it were a camera."""

    camera: int | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.camera is None) == (self.path is None):
            raise ValueError("SourceSpec needs exactly one of camera and path")

    @property
    def is_recording(self) -> bool:
        return self.path is not None and is_recording_path(self.path)

    @property
    def description(self) -> str:
        return f"camera {self.camera}" if self.camera is not None else str(self.path)

    def open(self) -> "OpenedSource":
        """Open the device or file; raises ``SourceError`` with a one-line fix when it cannot."""
        if self.camera is not None:
            from coach.sources import CameraSource

            camera = CameraSource(self.camera)
            return OpenedSource(iter(camera), camera.description, camera.fps, True, camera.close)
        assert self.path is not None
        if not self.path.exists():
            raise SourceError(f"{self.path}: file not found; check the path, or pick a camera with --camera N.")
        if self.is_recording:
            from coach.recording import read_recording

            reader = read_recording(self.path)
            return OpenedSource(iter(reader), self.path.name, float(reader.header.fps), False, reader.close)
        from coach.sources import VideoFileSource

        # Decoded as fast as asked; the capture thread paces it so that pausing can hold the clock.
        video = VideoFileSource(self.path, pacing="fast")
        return OpenedSource(iter(video), video.description, video.fps, False, video.close)


@dataclass
class OpenedSource:
    """An open source as the capture thread needs it: items, and whether it runs on its own clock."""

    items: Iterator[CaptureItem]
    description: str
    fps: float
    is_live: bool  # a camera: never paced, frames keep coming while paused
    close: Callable[[], None]


@dataclass(frozen=True)
class Captured:
    """One frame (or recorded tracked frame) with the moment it became available, on perf_counter."""

    item: CaptureItem
    captured_at: float


class LatestFrameSlot:
    """A one-place mailbox: ``put`` replaces a frame nobody took (counted as dropped).

    This is how "newest frame wins" is enforced without the producer ever waiting on the consumer.
    """

    def __init__(self, lossless: bool = False) -> None:
        self._condition = threading.Condition()
        self._lossless = lossless
        self._item: Captured | None = None
        self._producer_done = False
        self._closed = False
        self.captured = 0
        self.dropped = 0

    def put(self, captured: Captured) -> None:
        """Replace a waiting frame (counted as dropped); a ``lossless`` slot waits until it is taken
        instead (a test comparing two runs frame for frame: every frame is processed)."""
        with self._condition:
            while self._lossless and self._item is not None and not self._closed:
                self._condition.wait(STOP_POLL_S)
            if self._closed:
                return
            if self._item is not None:
                self.dropped += 1
            self._item = captured
            self.captured += 1
            self._condition.notify_all()

    def take(self, timeout_s: float) -> Captured | None:
        """The newest frame, or None after ``timeout_s`` / once the producer is done and it is empty."""
        with self._condition:
            if self._item is None and not self._producer_done and not self._closed:
                self._condition.wait(timeout_s)
            item, self._item = self._item, None
            if item is not None and self._lossless:
                self._condition.notify_all()  # a producer waiting to put the next frame
            return item

    def discard(self) -> None:
        """Forget a waiting frame without counting it as dropped (paused: nobody wanted it)."""
        with self._condition:
            if self._item is not None:
                self._item = None
                self.captured -= 1

    def wake(self) -> None:
        """Return a waiting ``take`` early, e.g. so a command is applied while a clip is paused."""
        with self._condition:
            self._condition.notify_all()

    def producer_done(self) -> None:
        with self._condition:
            self._producer_done = True
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    @property
    def exhausted(self) -> bool:
        """True once the producer has finished and its last frame has been taken."""
        with self._condition:
            return (self._producer_done or self._closed) and self._item is None


class CaptureThread(threading.Thread):
    """Reads the source into the slot; paces files like a camera; owns (and closes) the source.

    Pacing is done here rather than in the source so that a pause can stop the clip's clock: after
    resuming, the next frame is due one interval later, not all at once. A camera is never paced
    and keeps being read while paused, so the driver does not hand over stale buffered frames on
    resume.
    """

    def __init__(self, source: OpenedSource, slot: LatestFrameSlot) -> None:
        super().__init__(name="coach-capture", daemon=True)
        self._source = source
        self._slot = slot
        self._stop_requested = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.error: BaseException | None = None

    def request_stop(self) -> None:
        self._stop_requested.set()
        self._running.set()  # wake a paused wait

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._running.clear()
        else:
            self._running.set()

    def run(self) -> None:
        wall_start: float | None = None
        media_start = 0.0
        try:
            for item in self._source.items:
                if self._stop_requested.is_set():
                    break
                if not self._source.is_live:
                    if not self._running.is_set():
                        paused_at = time.perf_counter()
                        while not self._running.wait(STOP_POLL_S):
                            pass
                        if wall_start is not None:
                            wall_start += time.perf_counter() - paused_at
                    if wall_start is None:
                        wall_start, media_start = time.perf_counter(), item.timestamp_s
                    due = wall_start + (item.timestamp_s - media_start)
                    # An Event wait rather than sleep: a stop request cuts the wait short.
                    delay = due - time.perf_counter()
                    if delay > 0 and self._stop_requested.wait(delay):
                        break
                self._slot.put(Captured(item, time.perf_counter()))
        except BaseException as error:  # handed to the worker, which reports it to the user
            self.error = error
        finally:
            try:
                self._source.close()
            except Exception:
                logger.exception("closing %s failed", self._source.description)
            self._slot.producer_done()


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Pause:
    paused: bool


@dataclass(frozen=True)
class SkipStep:
    pass


@dataclass(frozen=True)
class Restart:
    """Start the routine again from its first step (the source keeps running)."""


@dataclass(frozen=True)
class ChangeTechnique:
    technique: "Technique | None"


@dataclass(frozen=True)
class JumpToStep:
    """Go to this step (0-based), forward or back; the steps passed over are marked skipped."""

    step_index: int


Command = Union[Pause, SkipStep, Restart, ChangeTechnique, JumpToStep]


def jump_to_step(session: "Session", step_index: int) -> None:
    """Move a session to ``step_index`` (the step list, or keys 1–9 and ←/→)."""
    session.go_to_step(step_index)


# --------------------------------------------------------------------------- timing and outcome


@dataclass(frozen=True)
class WorkerTiming:
    """The worker's own figures: how fast it keeps up with the source."""

    frames_captured: int
    frames_processed: int
    frames_dropped: int
    processing_fps: float  # frames processed per second over the last few seconds
    mean_frame_ms: float  # pipeline time per frame over the same stretch
    p95_frame_ms: float
    tracking_mode: str = "full"  # coach.perception.degradation: lighter when the machine cannot keep up

    @property
    def dropped_share(self) -> float:
        return self.frames_dropped / self.frames_captured if self.frames_captured else 0.0


@dataclass
class SessionOutcome:
    """What the worker hands back when a session ends (or a routine finishes)."""

    report: dict[str, Any]
    files: dict[str, Path]
    summary_lines: list[str]
    reason: str  # "routine finished", "clip finished", "camera lost", "stopped", "error"
    partial: bool
    timing: WorkerTiming | None = None
    processing_ms: list[float] = field(default_factory=list)


def default_out_dir() -> Path:
    """A fresh folder per live session under the user's data directory."""
    from coach.paths import user_data_dir

    return user_data_dir() / "sessions" / datetime.now().strftime("live-%Y%m%d-%H%M%S")


def bgr_to_qimage(image: np.ndarray) -> QImage:
    """The frame as a QImage in the format the screen blits fastest (32-bit), converted here.

    Converting on the worker keeps the GUI thread to a plain copy when it paints (about 0.3 ms
    instead of 1.6 ms for a 640×480 frame scaled into the window). The result owns its pixels, so
    it outlives the array and can cross threads.

    OpenCV converts (BGR → BGRA, which is RGB32's byte order on a little-endian machine, alpha 255)
    and releases Python's lock while it does; Qt's own ``convertToFormat`` held the lock for the
    whole conversion, about 3 ms a frame of a busy live window (Qt splits a large conversion over
    its thread pool and waits for it), and the GUI thread could not paint meanwhile.
    """
    import cv2

    if sys.byteorder != "little" or image.ndim != 3 or image.shape[2] != 3:
        contiguous = np.ascontiguousarray(image)
        height, width = contiguous.shape[:2]
        view = QImage(contiguous.data, width, height, contiguous.strides[0], QImage.Format.Format_BGR888)
        return view.convertToFormat(QImage.Format.Format_RGB32)
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    height, width = bgra.shape[:2]
    return QImage(bgra.data, width, height, bgra.strides[0], QImage.Format.Format_RGB32).copy()


def user_message(error: BaseException) -> str:
    """One line for the window: our own errors already say what to do; others point to the log."""
    if isinstance(error, CoachError):
        return str(error)
    return f"Internal error ({type(error).__name__}: {error}); the log has the details."


# --------------------------------------------------------------------------- the worker


class LiveWorker(QThread):
    """Runs source → pipeline on its own thread and emits one result per processed frame.

    Signals (delivered to the GUI thread through Qt's queued connections):

    - ``frame_ready(FrameResult, QImage | None, captured_at, ComposedFrame | None)``: ``captured_at``
      is perf_counter seconds when the frame was captured; ``QImage`` is None for a landmark
      recording; the composed frame is the picture with its overlay, drawn here when the worker
      has a composer.
    - ``timing_changed(WorkerTiming)`` about twice a second.
    - ``failed(str)``: a user-facing line (no camera, camera lost, unreadable clip, a bug).
    - ``source_ended(str)``: the clip ended or the camera stopped.
    - ``session_finished(SessionOutcome)``: the routine finished, or the session ended; the
      report has been saved by then.
    - ``tracking_mode_changed(str)``: tracking became lighter because frames took longer than the
      source's frame interval; the one line to show the user (once per change; the report records
      the modes too).
    """

    frame_ready = Signal(object, object, float, object)
    timing_changed = Signal(object)
    failed = Signal(str)
    source_ended = Signal(str)
    session_finished = Signal(object)
    source_opened = Signal(str)
    tracking_mode_changed = Signal(str)
    progress_changed = Signal(object)  # StepProgress after a step command (also while paused)
    steps_done_changed = Signal(object)  # list[bool], one per step, when the step or side changes

    def __init__(
        self,
        source: SourceSpec,
        technique: "Technique | None" = None,
        profile: "Profile | None" = None,
        out_dir: Path | None = None,
        write_html: bool = True,
        parent: Any = None,
        history: bool = True,
        adapt_tracking: bool = True,
        make_governor: "Callable[[float], TrackingGovernor] | None" = None,
        track_ahead: bool = False,
        lossless: bool = False,
        composer: "FrameComposer | None" = None,
    ) -> None:
        """``adapt_tracking``: make tracking lighter when frames take longer than the source's frame
        interval; ``make_governor`` builds the judge from the source's fps (default
        ``TrackingGovernor(fps)``; tests pass a quicker one). ``track_ahead``: track the next frame on
        a thread of its own while this one analyses the last (coach.ui.tracking_thread); by default
        each frame is tracked then analysed here, which measured better on two cores (see that
        module's docstring). ``lossless``: every captured
        frame is processed, none replaced by a newer one (tests comparing two runs frame for frame).
        ``composer``: draws each frame with its overlay here, at the size the window shows it, so the
        GUI thread only copies it (coach.ui.composer); without one the window draws the overlay."""
        super().__init__(parent)
        from coach.storage.history_writer import LiveHistory

        self._history = LiveHistory(enabled=history)  # strokes stored as scored, off this thread
        self._adapt_tracking = adapt_tracking
        self._make_governor = make_governor
        self._governor: "TrackingGovernor | None" = None
        self.source = source
        self._technique = technique
        self._profile = profile
        self.out_dir = out_dir if out_dir is not None else default_out_dir()
        self._write_html = write_html
        self._commands: collections.deque[Command] = collections.deque()
        self._commands_lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._slot = LatestFrameSlot(lossless=lossless)
        self._capture: CaptureThread | None = None
        self._track_ahead = track_ahead
        self._composer = composer
        self._tracking: "TrackingThread | None" = None
        self._paused = False
        self._routine_reported = False
        self._progress_key: tuple[object, ...] | None = None
        self._recent: collections.deque[tuple[float, float]] = collections.deque()  # (finished_at, ms)
        self._last_timing_emit = 0.0
        self.processed = 0
        self.processing_ms: list[float] = []  # per frame: tracking + analysis + drawing, or tracking and the rest, the slower, when tracking ahead
        self.tracking_ms: list[float] = []  # per frame: tracking alone (0 for a recorded frame)
        self.analysis_ms: list[float] = []  # per frame: the pipeline after tracking
        self.drawing_ms: list[float] = []  # per frame: the picture and its overlay drawn for the window (0 without a composer)
        # Per frame, where its capture → paint time goes before the GUI thread: waiting in the capture
        # slot for the tracker, and from the end of tracking until it is sent to the window (waiting
        # for the worker to take it, the analysis, the conversion for painting, the drawing).
        self.waited_ms: list[float] = []
        self.to_window_ms: list[float] = []
        self.processed_at: list[float] = []  # perf_counter when each frame was done, for sustained fps
        self.mode_changed_at: list[float] = []  # perf_counter of each step to lighter tracking
        self.outcome: SessionOutcome | None = None
        self.native_thread_id: int | None = None  # the OS's id of the thread running ``run``

    # ---- called from the GUI thread

    def post(self, command: Command) -> None:
        """Queue a command; the worker applies it before the next frame."""
        with self._commands_lock:
            self._commands.append(command)
        self._slot.wake()
        tracking = self._tracking
        if tracking is not None:
            tracking.wake()

    def stop(self) -> None:
        """Ask the worker to end: the capture thread stops and closes the camera at once."""
        self._stop_requested.set()
        capture = self._capture
        if capture is not None:
            capture.request_stop()
        self._slot.close()

    def stop_and_wait(self, timeout_s: float = 1.0) -> bool:
        """Stop and wait for both threads; True when nothing is left running."""
        deadline = time.perf_counter() + timeout_s
        self.stop()
        finished = self.wait(max(0, int(timeout_s * 1000)))
        capture = self._capture
        if capture is not None:
            capture.join(max(0.0, deadline - time.perf_counter()))
            finished = finished and not capture.is_alive()
        return bool(finished)

    def active_seconds(self) -> float:
        """From the first to the last processed frame: the span a session fps is measured over."""
        return self.processed_at[-1] - self.processed_at[0] if self.processed_at else 0.0

    def timing(self) -> WorkerTiming:
        recent_ms = [ms for _, ms in self._recent]
        fps = 0.0
        if len(self._recent) >= 2:
            span = self._recent[-1][0] - self._recent[0][0]
            fps = (len(self._recent) - 1) / span if span > 0 else 0.0
        return WorkerTiming(
            frames_captured=self._slot.captured,
            frames_processed=self.processed,
            frames_dropped=self._slot.dropped,
            processing_fps=fps,
            mean_frame_ms=float(np.mean(recent_ms)) if recent_ms else 0.0,
            p95_frame_ms=float(np.percentile(recent_ms, 95)) if recent_ms else 0.0,
            tracking_mode=self._governor.mode.name if self._governor is not None else "full",
        )

    # ---- the worker thread

    def run(self) -> None:
        pipeline: Pipeline | None = None
        tracker: LandmarkTracker | None = None
        opened: OpenedSource | None = None
        reason = "stopped"
        # Before any thread or model starts: they all inherit the lower priority (see thread_priority).
        self.native_thread_id = threading.get_native_id()
        lower_this_thread()
        previous_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        try:
            if not self.source.is_recording:
                from coach.perception import create_tracker

                # Built before the source opens: the clip's first second is not dropped while
                # the models load, and a window closed meanwhile never grabs the camera.
                # (Hands looks for a second hand on one frame in three, as in replay:
                # coach.perception.hands_graph.)
                tracker = create_tracker(mode="video")
            if self._stop_requested.is_set():
                return
            opened = self.source.open()
            if tracker is not None and self._adapt_tracking:
                from coach.perception.degradation import TrackingGovernor

                source_fps = opened.fps if opened.fps > 0 else 30.0
                make_governor = self._make_governor or TrackingGovernor
                self._governor = make_governor(source_fps)
            pipeline = self._new_pipeline(self._technique, tracker)
            if self._stop_requested.is_set():  # closed while the camera was opening
                return
            if self._track_ahead:
                from coach.ui.tracking_thread import TrackingThread

                self._tracking = TrackingThread(self._slot, tracker)
                self._tracking.start()
            capture = CaptureThread(opened, self._slot)
            capture.start()
            self._capture = capture
            if self._stop_requested.is_set():  # stop() may have missed the thread just started
                capture.request_stop()
            self.source_opened.emit(opened.description)
            pipeline = self._loop(pipeline, tracker)
            reason = self._end_reason(opened)
        except BaseException as error:
            if isinstance(error, CoachError):
                logger.warning("live session: %s", error)
            else:
                logger.exception("live session failed")
            reason = "error"
            self.failed.emit(user_message(error))
        finally:
            capture = self._capture  # type: ignore[assignment]  # None when the source never opened
            if capture is not None:
                capture.request_stop()
                self._slot.close()
                capture.join(1.0)
            elif opened is not None:  # opened, but failed or stopped before capture took it over
                opened.close()
            if self._tracking is not None:
                self._slot.close()
                self._tracking.close()  # before the tracker closes: the thread must be done with it
            if pipeline is not None:
                self._finish(pipeline, reason)
            self._history.close()
            if tracker is not None:
                tracker.close()
            sys.setswitchinterval(previous_switch_interval)

    def _new_pipeline(self, technique: "Technique | None", tracker: "LandmarkTracker | None") -> "Pipeline":
        from coach.pipeline import Pipeline

        self._technique = technique
        self._routine_reported = False
        self._history.begin(technique, self._profile, self.source.description, self.source.path)
        return Pipeline(technique=technique, profile=self._profile, tracker=tracker)

    def _loop(self, pipeline: "Pipeline", tracker: "LandmarkTracker | None") -> "Pipeline":
        while not self._stop_requested.is_set():
            pipeline = self._apply_commands(pipeline, tracker)
            if self._tracking is not None:
                handed = self._tracking.take(STOP_POLL_S)
                if handed is None:
                    if self._tracking.finished:
                        break
                    continue
                captured = handed.captured
                if self._paused:
                    continue
                self.waited_ms.append((handed.tracking_started_at - captured.captured_at) * 1000.0)
                tracking_ms = handed.tracking_ms
                tracked_at = handed.tracking_started_at + tracking_ms / 1000.0
                result, analysis_ms = self._analyse(pipeline, handed.tracked)
            else:
                taken = self._slot.take(STOP_POLL_S)
                if taken is None:
                    if self._slot.exhausted:
                        break
                    continue
                captured = taken
                if self._paused:
                    continue
                self.waited_ms.append((time.perf_counter() - captured.captured_at) * 1000.0)
                result, tracked_at, tracking_ms, analysis_ms = self._process(pipeline, captured.item)
            self._history.add(result.new_strokes)
            image = captured.item.image if isinstance(captured.item, Frame) else None
            picture = bgr_to_qimage(image) if image is not None else None
            drawn_from = time.perf_counter()
            composed = self._composer.compose(picture, result) if self._composer is not None else None
            finished = time.perf_counter()
            self._count(finished, tracking_ms, analysis_ms, (finished - drawn_from) * 1000.0, serial=self._tracking is None)
            if tracker is not None and isinstance(captured.item, Frame):
                self._adapt(tracker)
            self.to_window_ms.append((time.perf_counter() - tracked_at) * 1000.0)
            self.frame_ready.emit(result, picture, captured.captured_at, composed)
            self._maybe_emit_steps_done(pipeline, result)
            if result.progress is not None and result.progress.finished and not self._routine_reported:
                self._routine_reported = True
                self._save(pipeline, "routine finished", partial=False)
            self._maybe_emit_timing()
        return pipeline

    def _process(self, pipeline: "Pipeline", item: CaptureItem) -> tuple[FrameResult, float, float, float]:
        """Track (a camera or clip frame) and analyse, one after the other, on this thread: the
        result, when tracking ended (perf_counter), and the ms tracking and the analysis took."""
        started = time.perf_counter()
        tracked = pipeline.tracker.track(item) if isinstance(item, Frame) else item
        tracked_at = time.perf_counter()
        result = pipeline.process_tracked(tracked, started=started)
        return result, tracked_at, (tracked_at - started) * 1000.0, (time.perf_counter() - tracked_at) * 1000.0

    def _analyse(self, pipeline: "Pipeline", tracked: TrackedFrame) -> tuple[FrameResult, float]:
        """Analyse a frame the tracking thread tracked (it is already tracking the next one); the
        result and the ms the analysis took."""
        started = time.perf_counter()
        result = pipeline.process_tracked(tracked)
        return result, (time.perf_counter() - started) * 1000.0

    def _count(self, finished: float, tracking_ms: float, analysis_ms: float, drawing_ms: float, serial: bool) -> None:
        """One processed frame's figures. Its time per frame, what the governor judges and the
        status line shows: tracking + analysis + drawing when serial; tracking ahead, the slower of
        tracking and the rest (the two stages overlap, so that is what limits the frame rate)."""
        elapsed_ms = tracking_ms + analysis_ms + drawing_ms if serial else max(tracking_ms, analysis_ms + drawing_ms)
        self.processed += 1
        self.processing_ms.append(elapsed_ms)
        self.tracking_ms.append(tracking_ms)
        self.analysis_ms.append(analysis_ms)
        self.drawing_ms.append(drawing_ms)
        self.processed_at.append(finished)
        self._recent.append((finished, elapsed_ms))
        while self._recent and finished - self._recent[0][0] > TIMING_WINDOW_S:
            self._recent.popleft()

    def _adapt(self, tracker: "LandmarkTracker") -> None:
        """Lighter tracking when frames keep taking longer than the source's frame interval."""
        if self._governor is None:
            return
        set_mode = getattr(tracker, "set_mode", None)
        if set_mode is None:
            return  # a backend without lighter modes keeps its one mode
        mode = self._governor.observe(self.processing_ms[-1])
        if mode is not None:
            logger.warning("live: %.1f ms per frame (median) is over the %.1f ms budget; tracking mode %s",
                           self._governor.judged_ms, self._governor.budget_ms, mode.name)
            if self._tracking is not None:
                self._tracking.request_mode(mode)  # applied on the tracking thread, before its next frame
            else:
                set_mode(mode)
            self.mode_changed_at.append(time.perf_counter())
            self.tracking_mode_changed.emit(mode.user_message)

    def _maybe_emit_steps_done(self, pipeline: "Pipeline", result: FrameResult) -> None:
        """Which steps are complete, sent only when the step or side changes (the summary is not free)."""
        progress = result.progress
        key = None if progress is None else (progress.technique, progress.step_index, progress.side, progress.finished)
        if key == self._progress_key:
            return
        self._progress_key = key
        if pipeline.session is not None:
            self.steps_done_changed.emit([bool(step["completed"]) for step in pipeline.session.summary()["steps"]])

    def _emit_progress(self, pipeline: "Pipeline") -> None:
        if pipeline.session is not None:
            self._progress_key = None
            self.progress_changed.emit(pipeline.session.progress())
            self.steps_done_changed.emit([bool(step["completed"]) for step in pipeline.session.summary()["steps"]])

    def _maybe_emit_timing(self) -> None:
        now = time.perf_counter()
        if now - self._last_timing_emit >= TIMING_EMIT_INTERVAL_S:
            self._last_timing_emit = now
            self.timing_changed.emit(self.timing())

    def _apply_commands(self, pipeline: "Pipeline", tracker: "LandmarkTracker | None") -> "Pipeline":
        while True:
            with self._commands_lock:
                if not self._commands:
                    return pipeline
                command = self._commands.popleft()
            if isinstance(command, Pause):
                self._paused = command.paused
                if self._capture is not None:
                    self._capture.set_paused(command.paused)
                if self._tracking is not None:
                    self._tracking.set_paused(command.paused)
                if command.paused:
                    self._slot.discard()
            elif isinstance(command, SkipStep):
                if pipeline.session is not None:
                    pipeline.session.skip_step()
                    self._emit_progress(pipeline)
            elif isinstance(command, JumpToStep):
                if pipeline.session is not None:
                    jump_to_step(pipeline.session, command.step_index)
                    self._emit_progress(pipeline)
            elif isinstance(command, Restart):
                pipeline = self._new_pipeline(self._technique, tracker)
                self._emit_progress(pipeline)
            elif isinstance(command, ChangeTechnique):
                pipeline = self._new_pipeline(command.technique, tracker)
                self._emit_progress(pipeline)
            else:
                raise TypeError(f"unknown command {command!r}")

    def _end_reason(self, opened: OpenedSource) -> str:
        capture = self._capture
        if self._stop_requested.is_set():
            return "stopped"
        if capture is not None and capture.error is not None:
            logger.error("reading %s failed", opened.description, exc_info=capture.error)
            what = "camera lost" if opened.is_live else "error"
            self.failed.emit(
                f"{user_message(capture.error)} What was recorded so far is kept."
                if what == "error"
                else f"{opened.description.capitalize()} stopped sending pictures ({capture.error}). "
                "What was recorded so far is kept."
            )
            return what
        if opened.is_live:
            self.failed.emit(
                f"{opened.description.capitalize()} stopped sending pictures (unplugged, or taken by another "
                "program?). What was recorded so far is kept; pick a camera to continue."
            )
            return "camera lost"
        self.source_ended.emit(f"{opened.description} finished")
        return "clip finished"

    def _finish(self, pipeline: "Pipeline", reason: str) -> None:
        try:
            pipeline.finish()
            if pipeline.stats.frames == 0:
                return
            partial = reason in ("stopped", "camera lost", "error") and not (
                pipeline.session is not None and pipeline.session.finished
            )
            # The camera is already released (the capture thread stopped first); the full report,
            # HTML included, is written here on the worker while the window says it is saving.
            self._save(pipeline, reason, partial=partial)
        except BaseException as error:
            logger.exception("saving the live session failed")
            self.failed.emit(f"Could not save the session report: {user_message(error)}")

    def _save(self, pipeline: "Pipeline", reason: str, partial: bool, html: bool | None = None) -> None:
        from coach.report.json_report import build_report, write_json_report

        from coach.outputs import ReportStage

        report = build_report(pipeline, source=self.source.description, partial=partial)
        self._history.finish(report, self.out_dir)  # adds report["history_id"] when stored
        # The folder is built aside and swapped in whole: no other session's files beside these.
        with ReportStage(self.out_dir) as stage:
            files = {"json": self.out_dir / write_json_report(report, stage.path).name}
            if self._write_html if html is None else html:
                try:
                    from coach.report.html import write_html_report
                except ImportError:
                    logger.info("HTML report not available in this version; saved report.json only")
                else:
                    try:
                        write_html_report(report, stage.file("report.html"), pipeline.regions)
                        files["html"] = self.out_dir / "report.html"
                    except Exception:
                        logger.exception("writing report.html failed; report.json was saved")
            stage.commit()
        from coach.replay import summary_lines

        self.outcome = SessionOutcome(
            report=report,
            files=files,
            summary_lines=summary_lines(report),
            reason=reason,
            partial=partial,
            timing=self.timing(),
            processing_ms=list(self.processing_ms),
        )
        self.session_finished.emit(self.outcome)

