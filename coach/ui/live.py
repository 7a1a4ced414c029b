"""``coach live``: open the coaching window on a camera or on a clip played as a camera.

``run_live`` is what the CLI calls. It checks the user's choices before any window appears (an
unknown technique or a missing clip is a one-line error, exit code 2), prepares Qt's environment
(see ``qt_env``), runs the window, and afterwards hands the session summary and the timing
figures to ``echo`` (the CLI passes ``print``; by default they go to the log).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import SourceError

if TYPE_CHECKING:
    from coach.interrupts import InterruptGuard
    from coach.ui.main_window import LiveWindow
    from coach.ui.worker import SourceSpec

logger = logging.getLogger(__name__)

CAMERA_PROBE_INDEXES: tuple[int, ...] = (0, 1, 2, 3)
EXIT_OK = 0
EXIT_FAILED = 2  # like a CoachError: the session could not run as asked


@dataclass(frozen=True)
class LiveTimingSummary:
    """The figures `--exit-at-end` reports, and the benchmark compares with its targets."""

    frames_captured: int
    frames_processed: int
    frames_painted: int
    processed_fps: float  # frames processed per second of session
    latency_p50_ms: float  # capture → painted
    latency_p95_ms: float
    dropped_share: float
    gui_p50_ms: float  # GUI thread per painted frame (frame hand-over + paint)
    gui_p95_ms: float
    processing_p50_ms: float  # the worker's time per frame: tracking + analysis (the slower of the two when tracking runs ahead)
    processing_p95_ms: float

    def lines(self) -> list[str]:
        return [
            f"timing: {self.processed_fps:.1f} fps processed ({self.frames_processed} of {self.frames_captured} "
            f"frames, {self.dropped_share:.1%} dropped), {self.frames_painted} painted",
            f"latency capture→paint: p50 {self.latency_p50_ms:.0f} ms, p95 {self.latency_p95_ms:.0f} ms; "
            f"pipeline p50 {self.processing_p50_ms:.1f} ms, p95 {self.processing_p95_ms:.1f} ms; "
            f"GUI thread p50 {self.gui_p50_ms:.1f} ms, p95 {self.gui_p95_ms:.1f} ms per frame",
        ]


def _percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else math.nan


def timing_summary(window: "LiveWindow") -> LiveTimingSummary:
    """Timing over every worker the window ran (normally one) and everything it painted."""
    workers = window.all_workers()
    captured = sum(worker.timing().frames_captured for worker in workers)
    dropped = sum(worker.timing().frames_dropped for worker in workers)
    processed = sum(worker.processed for worker in workers)
    active_s = sum(worker.active_seconds() for worker in workers)
    processing = [ms for worker in workers for ms in worker.processing_ms]
    display = window.view.timing
    return LiveTimingSummary(
        frames_captured=captured,
        frames_processed=processed,
        frames_painted=display.frames_painted,
        processed_fps=(processed - len(workers)) / active_s if active_s > 0 and processed > len(workers) else 0.0,
        latency_p50_ms=_percentile(display.latency_ms, 50),
        latency_p95_ms=_percentile(display.latency_ms, 95),
        dropped_share=dropped / captured if captured else 0.0,
        gui_p50_ms=_percentile(display.gui_ms, 50),
        gui_p95_ms=_percentile(display.gui_ms, 95),
        processing_p50_ms=_percentile(processing, 50),
        processing_p95_ms=_percentile(processing, 95),
    )


def available_cameras(indexes: Iterable[int] = CAMERA_PROBE_INDEXES, skip: Iterable[int] = ()) -> list[int]:
    """Camera indexes that open and deliver a picture, for the picker (each is released at once)."""
    from coach.sources import CameraSource

    skipped = set(skip)
    found: list[int] = []
    for index in indexes:
        if index in skipped:
            continue
        try:
            CameraSource(index).close()
        except SourceError:
            continue
        found.append(index)
    return found


def source_spec(camera: int | None, source: str | None) -> "SourceSpec":
    """What to watch: ``--source`` (a clip, a recording, or a camera index typed as digits) wins
    over ``--camera``; neither means camera 0. A missing clip is refused here, before any window."""
    from coach.ui.worker import SourceSpec

    if source is not None:
        text = source.strip()
        if text.isdigit() and not Path(text).exists():
            return SourceSpec(camera=int(text))
        path = Path(text).expanduser()
        if not path.is_file():
            raise SourceError(f"{path}: file not found; check the path, or use --camera N for a webcam.")
        return SourceSpec(path=path)
    index = 0 if camera is None else int(camera)
    require_camera(index)
    return SourceSpec(camera=index)


def require_camera(index: int) -> None:
    """Refuse a camera that does not open, naming those that do, before any window appears."""
    if available_cameras([index]):
        return
    others = available_cameras(skip=[index])
    found = f"cameras found: {', '.join(str(other) for other in others)}" if others else "no camera was found"
    advice = f"use --camera {others[0]}" if others else "connect a camera"
    raise SourceError(f"No camera at index {index} ({found}); {advice}, or use --source CLIP to play a video.")


QT_NOISE: tuple[str, ...] = ("propagateSizeHints",)
"""Qt messages that say nothing to a user (the offscreen platform's missing window-manager hints)."""


def route_qt_messages_to_logging() -> None:
    """Qt's own warnings go to the log like ours, instead of raw lines on stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_logger = logging.getLogger("coach.qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handle(kind: QtMsgType, _context: object, message: str) -> None:
        level = logging.DEBUG if any(noise in message for noise in QT_NOISE) else levels.get(kind, logging.WARNING)
        qt_logger.log(level, "%s", message)

    qInstallMessageHandler(handle)


def run_live(
    camera: int | None = None,
    source: str | None = None,
    technique: str | None = None,
    profile: str | None = None,
    mirrored: bool = True,
    exit_at_end: bool = False,
    out_dir: Path | None = None,
    sound: bool = False,
    voice: bool = True,
    echo: Callable[[str], None] | None = None,
    probe_cameras: bool = True,
    history: bool = True,
    interrupts: "InterruptGuard | None" = None,
) -> int:
    """Open the live window and run until it is closed; returns the process exit code.

    Raises ``CoachError`` (the CLI prints it, exit 2) for an unknown technique or profile, a
    missing clip, or a display Qt cannot use. A camera that does not open is shown in the window
    (another can be picked there); with ``exit_at_end`` that ends the run with exit code 2.
    ``echo`` receives the summary and timing lines at the end (default: the log at INFO).
    """
    say = echo if echo is not None else logger.info
    import cv2  # noqa: F401  # before Qt: prepare_qt_environment undoes what this import sets

    from coach.technique import find_technique, load_library
    from coach.render.qt_env import prepare_qt_environment

    chosen_technique = find_technique(technique) if technique else None
    chosen_profile = None
    if profile:
        from coach.storage.profiles import load_profile

        chosen_profile = load_profile(profile)
    initial = source_spec(camera, source)
    library = load_library()
    if history:  # a history database from a newer coach is refused here, before any window
        from coach.storage.history import ensure_history_usable

        history = ensure_history_usable()

    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    from coach.ui.main_window import LiveWindow
    from coach.ui.worker import SourceSpec

    route_qt_messages_to_logging()
    app = QApplication.instance() or QApplication([])
    cameras = available_cameras(skip=[initial.camera] if initial.camera is not None else []) if probe_cameras else []
    sources: list[SourceSpec] = []
    if initial.camera is not None:
        cameras = sorted({*cameras, initial.camera})
    sources.extend(SourceSpec(camera=index) for index in cameras)
    if initial.path is not None:
        sources.append(initial)
    window = LiveWindow(
        sources,
        initial,
        library,
        technique=chosen_technique,
        profile=chosen_profile,
        mirrored=mirrored,
        exit_at_end=exit_at_end,
        out_dir=out_dir,
        sound=sound,
        history=history,
        voice=voice,
    )
    from coach.ui.signals import close_on_interrupt

    close_on_interrupt(window, interrupts)
    window.show()
    app.exec()
    window.stop_worker()
    window.wait_for_workers()

    if window.outcome is not None:
        for line in window.outcome.summary_lines:
            say(line)
        for path in window.outcome.files.values():
            say(f"wrote {path}")
    if window.error_message:
        say(window.error_message)
    timing = timing_summary(window)
    if timing.frames_processed:
        for line in timing.lines():
            say(line)
    if interrupts is not None and interrupts.exit_code is not None:
        from coach.interrupts import describe_signal

        saved = "the session report was saved" if window.outcome is not None and window.outcome.files else "no report was saved"
        say(f"Stopped by {describe_signal(interrupts.pending or 2)}; {saved}.")
        return interrupts.exit_code
    if exit_at_end and window.error_message and (window.outcome is None or window.outcome.reason == "error"):
        return EXIT_FAILED
    return EXIT_OK
