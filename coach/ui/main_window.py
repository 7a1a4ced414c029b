"""The live coaching window: the camera picture with the guidance overlay, controls and a status line.

The GUI thread only paints. Frames arrive from ``LiveWorker`` already processed, with a QImage and
the moment they were captured; the view keeps just the newest one and asks Qt for a repaint, so
a slow paint skips frames instead of falling behind. The window measures what the person
experiences: capture → painted latency and the GUI thread's own time per frame.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QRegion,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from coach.render.overlay import OverlayRenderer, letterbox_rect
from coach.types import FrameResult, StepProgress
from coach.ui.metronome import Metronome, beat_period_s
from coach.ui.worker import (
    ChangeTechnique,
    LiveWorker,
    Pause,
    Restart,
    SessionOutcome,
    SkipStep,
    SourceSpec,
    WorkerTiming,
    default_out_dir,
)

if TYPE_CHECKING:
    from coach.geometry import FaceRegions
    from coach.storage.profiles import Profile
    from coach.technique import Technique

logger = logging.getLogger(__name__)

SHORTCUTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # (action name, key sequences, what it does)
    ("pause", ("Space",), "pause / resume"),
    ("next_step", ("Right",), "next step"),
    ("restart", ("R",), "restart routine"),
    ("mirror", ("M",), "mirror view"),
    ("sound", ("S",), "metronome"),
    ("calibrate", ("C",), "calibrate"),
    ("quit", ("Esc", "Q"), "quit"),
)
HELP_LINE = "   ·   ".join(
    f"{' / '.join('→' if key == 'Right' else key for key in keys)}: {what}" for _, keys, what in SHORTCUTS
)
STATUS_INTERVAL_S = 0.5
RECENT_FRAMES = 60  # tracking quality and latency on the status line cover about two seconds
BEAT_FLASH_S = 0.15
NO_TECHNIQUE_LABEL = "No technique (just detect strokes)"
DEFAULT_PROFILE_NAME = "default"  # what calibrating from the window saves when no --profile was given
SUMMARY_MIN_WIDTH_PX = 320


@dataclass
class DisplayTiming:
    """What the GUI thread measures: per painted frame, capture → painted latency and GUI time."""

    frames_received: int = 0
    frames_painted: int = 0
    latency_ms: list[float] = field(default_factory=list)
    gui_ms: list[float] = field(default_factory=list)


class VideoView(QWidget):
    """Paints the newest frame with the overlay, letterboxed, and nothing else.

    Receiving a frame only stores it and schedules a repaint; Qt merges repaints, so frames that
    arrive faster than the screen can show are skipped here rather than queued.
    """

    def __init__(self, renderer: OverlayRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.timing = DisplayTiming()
        self.result: FrameResult | None = None
        self.image: QImage | None = None
        self.message = ""
        self.paused = False
        self.beat_enabled = False
        self._captured_at: float | None = None
        self._pending_gui_ms = 0.0
        self._last_beat = -1.0
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def show_frame(self, result: FrameResult, image: QImage | None, captured_at: float) -> None:
        started = time.perf_counter()
        self.result, self.image, self._captured_at = result, image, captured_at
        self.message = ""
        self.timing.frames_received += 1
        self.update()
        self._pending_gui_ms += (time.perf_counter() - started) * 1000.0

    def show_message(self, message: str) -> None:
        self.message = message
        self.update()

    def clear(self) -> None:
        self.result, self.image, self._captured_at = None, None, None
        self.update()

    def beat(self) -> None:
        self._last_beat = time.perf_counter()
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture goes: as large as fits, centred, keeping the frame's proportions."""
        if self.result is None:
            return QRectF(self.rect())
        return letterbox_rect(self.width(), self.height(), self.result.tracked.width, self.result.tracked.height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        started = time.perf_counter()
        painter = QPainter(self)
        try:
            target = self.image_rect()
            # Only the letterbox bars: the picture covers the rest (WA_OpaquePaintEvent).
            outside = QRegion(self.rect()).subtracted(QRegion(target.toAlignedRect())) if self.result is not None else QRegion(self.rect())
            for bar in outside:  # type: ignore[attr-defined]  # QRegion iterates its rectangles
                painter.fillRect(bar, QColor(0, 0, 0))
            if self.result is not None:
                painter.save()
                painter.translate(target.topLeft())
                size = (max(1, round(target.width())), max(1, round(target.height())))
                self.renderer.paint_frame(painter, self.image, self.result, size, self.result.tracked.timestamp_s)
                painter.restore()
            if self.message:
                self._paint_banner(painter, self.message, Qt.AlignmentFlag.AlignCenter)
            elif self.paused:
                self._paint_banner(painter, "Paused: press Space to resume", Qt.AlignmentFlag.AlignCenter)
            if self.beat_enabled:
                self._paint_beat(painter)
        finally:
            painter.end()
        finished = time.perf_counter()
        if self._captured_at is not None:
            # First paint of this frame: a repaint for a resize or a beat is not a new frame.
            latency_ms = (finished - self._captured_at) * 1000.0
            self.timing.frames_painted += 1
            self.timing.latency_ms.append(latency_ms)
            self.timing.gui_ms.append(self._pending_gui_ms + (finished - started) * 1000.0)
            self._pending_gui_ms = 0.0
            self._captured_at = None

    def _paint_banner(self, painter: QPainter, text: str, alignment: Qt.AlignmentFlag) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(14, self.height() // 28))
        font.setBold(True)
        painter.setFont(font)
        bounds = painter.boundingRect(
            QRectF(self.rect()).adjusted(40, 40, -40, -40), int(alignment) | int(Qt.TextFlag.TextWordWrap), text
        )
        box = bounds.adjusted(-14, -10, 14, 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(12, 14, 18, 215))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(245, 246, 248))
        painter.drawText(bounds, int(alignment) | int(Qt.TextFlag.TextWordWrap), text)

    def _paint_beat(self, painter: QPainter) -> None:
        """Top-right dot that flashes on each beat, so the tempo is visible even without sound."""
        age = time.perf_counter() - self._last_beat
        strength = max(0.0, 1.0 - age / BEAT_FLASH_S) if self._last_beat >= 0 else 0.0
        radius = 9.0 + 5.0 * strength
        centre = QPointF(self.width() - 24.0, self.height() - 24.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, int(60 + 195 * strength)))
        painter.drawEllipse(centre, radius, radius)


def _button(text: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must reach the pause shortcut, not a button
    return button


class LiveWindow(QMainWindow):
    """Camera or clip → worker → this window; controls for the routine and a status line.

    ``sources`` are what the picker offers (cameras that opened, the clip given on the command
    line); ``initial_source`` starts at once. ``exit_at_end`` closes the window when the clip ends
    (or, for a camera, when the routine is finished), for demos and automation.
    """

    def __init__(
        self,
        sources: Sequence[SourceSpec],
        initial_source: SourceSpec | None,
        library: dict[str, "Technique"],
        technique: "Technique | None" = None,
        profile: "Profile | None" = None,
        regions: "FaceRegions | None" = None,
        mirrored: bool = True,
        exit_at_end: bool = False,
        out_dir: Path | None = None,
        sound: bool = False,
        write_html: bool = True,
    ) -> None:
        super().__init__()
        from coach.geometry import FaceRegions

        self.setWindowTitle("coach: live")
        self._library = library
        self._technique = technique
        self._profile = profile
        self._exit_at_end = exit_at_end
        self._out_dir = out_dir
        self._write_html = write_html
        self.worker: LiveWorker | None = None
        self.finished_workers: list[LiveWorker] = []
        self.outcome: SessionOutcome | None = None
        self.error_message = ""
        self.paused = False
        self.calibration_dialog: QDialog | None = None
        self.last_progress: StepProgress | None = None
        self.worker_timing: WorkerTiming | None = None
        self._recent_tracking: collections.deque[tuple[bool, bool]] = collections.deque(maxlen=RECENT_FRAMES)
        self._recent_latency: collections.deque[float] = collections.deque(maxlen=RECENT_FRAMES)
        self._last_status_update = 0.0
        self._shown_status = ""
        self._closing = False

        resolved_regions = regions if regions is not None else (profile.regions if profile is not None else FaceRegions())
        self.renderer = OverlayRenderer(resolved_regions, mirrored=mirrored)
        self.view = VideoView(self.renderer)
        self.metronome = Metronome(self)
        self.metronome.beat.connect(self.view.beat)

        self._build_controls(sources, initial_source)
        self._build_status_bar()
        self._build_summary_dock()
        self._build_shortcuts()
        self.mirror_box.setChecked(mirrored)
        self.sound_box.setChecked(sound)
        self.resize(960, 760)
        if initial_source is not None:
            self.start_session()
        else:
            self.view.show_message("Pick a camera or a clip to start.")

    # ---- building ---------------------------------------------------------------------------

    def _build_controls(self, sources: Sequence[SourceSpec], initial_source: SourceSpec | None) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setToolTip("Camera (the indexes that opened) or the clip given with --source")
        for spec in sources:
            label = f"Camera {spec.camera}" if spec.camera is not None else f"Clip: {spec.path.name if spec.path else ''}"
            self.source_combo.addItem(label, spec)
        if initial_source is not None:
            self.source_combo.setCurrentIndex(max(0, list(sources).index(initial_source)))
        self.source_combo.activated.connect(self._on_source_chosen)

        self.technique_combo = QComboBox()
        self.technique_combo.setToolTip("The routine to be coached through")
        # What the picker offers: the library, plus a technique given from outside it (a file).
        self._choices: dict[str, "Technique"] = dict(self._library)
        if self._technique is not None:
            self._choices.setdefault(self._technique.name, self._technique)
        self.technique_combo.addItem(NO_TECHNIQUE_LABEL, None)
        for name, item in sorted(self._choices.items(), key=lambda entry: entry[1].title.lower()):
            self.technique_combo.addItem(item.title, name)
        if self._technique is not None:
            self.technique_combo.setCurrentIndex(self.technique_combo.findData(self._technique.name))
        self.technique_combo.activated.connect(self._on_technique_chosen)

        self.pause_button = _button("Pause", "Pause or resume coaching (Space); starts the session when stopped")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.skip_button = _button("Skip step", "Go on to the next step of the routine (→)")
        self.skip_button.clicked.connect(self.skip_step)
        self.restart_button = _button("Restart", "Start the routine again from its first step (R)")
        self.restart_button.clicked.connect(self.restart_routine)
        self.calibrate_button = _button("Calibrate…", "Fit the face regions to your face and save a profile (C)")
        self.calibrate_button.clicked.connect(self.open_calibration)
        self.mirror_box = QCheckBox("Mirror")
        self.mirror_box.setToolTip("Selfie view: flip the picture left-right (M); text is never mirrored")
        self.mirror_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mirror_box.toggled.connect(self._on_mirror_toggled)
        self.sound_box = QCheckBox("Metronome")
        self.sound_box.setToolTip("A beat at the step's target tempo (S)")
        self.sound_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sound_box.toggled.connect(self._on_sound_toggled)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Source:"))
        controls.addWidget(self.source_combo)
        controls.addWidget(QLabel("Technique:"))
        controls.addWidget(self.technique_combo, 1)
        for widget in (self.pause_button, self.skip_button, self.restart_button, self.calibrate_button, self.mirror_box, self.sound_box):
            controls.addWidget(widget)

        self.help_label = QLabel(HELP_LINE)
        self.help_label.setObjectName("help")
        self.help_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.help_label.setStyleSheet("color: #666;")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 2)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.help_label)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.message_label = QLabel("")
        self.fps_label = QLabel("fps –")
        self.latency_label = QLabel("latency –")
        self.tracking_label = QLabel("tracking –")
        self.fps_label.setToolTip("Frames processed per second (worker) and share of frames dropped to keep up")
        self.latency_label.setToolTip("Capture → painted on screen, median over the last two seconds")
        self.tracking_label.setToolTip("Share of recent frames with a face and with a hand")
        bar.addWidget(self.message_label, 1)
        for label in (self.fps_label, self.latency_label, self.tracking_label):
            bar.addPermanentWidget(label)
        self.setStatusBar(bar)

    def _build_summary_dock(self) -> None:
        self.summary_text = QPlainTextEdit()
        self.summary_text.setReadOnly(True)
        self.summary_text.setMinimumWidth(SUMMARY_MIN_WIDTH_PX)
        self.open_folder_button = QPushButton("Open report folder")
        self.open_folder_button.setEnabled(False)
        self.open_folder_button.clicked.connect(self._open_report_folder)
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.addWidget(self.summary_text)
        layout.addWidget(self.open_folder_button)
        self.summary_dock = QDockWidget("Session summary", self)
        self.summary_dock.setWidget(panel)
        self.summary_dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.summary_dock)
        self.summary_dock.hide()

    def _build_shortcuts(self) -> None:
        handlers = {
            "pause": self.toggle_pause,
            "next_step": self.skip_step,
            "restart": self.restart_routine,
            "mirror": self.mirror_box.toggle,
            "sound": self.sound_box.toggle,
            "calibrate": self.open_calibration,
            "quit": self.close,
        }
        self.actions_by_name: dict[str, QAction] = {}
        for name, keys, what in SHORTCUTS:
            action = QAction(what, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(handlers[name])
            self.addAction(action)
            self.actions_by_name[name] = action

    # ---- session control --------------------------------------------------------------------

    @property
    def mirrored(self) -> bool:
        return self.renderer.mirrored

    @property
    def current_source(self) -> SourceSpec | None:
        return self.source_combo.currentData()

    def start_session(self) -> None:
        """(Re)start the worker on the source picked; the previous one is stopped first."""
        spec = self.current_source
        if spec is None:
            return
        self.stop_worker()
        self.error_message = ""
        self.paused = False
        self.view.paused = False
        self.view.clear()
        self.view.show_message(f"Opening {spec.description}…")
        self.pause_button.setText("Pause")
        worker = LiveWorker(
            spec,
            technique=self._technique,
            profile=self._profile,
            out_dir=self._out_dir if self._out_dir is not None else default_out_dir(),
            write_html=self._write_html,
        )
        worker.frame_ready.connect(self._on_frame)
        worker.timing_changed.connect(self._on_timing)
        worker.failed.connect(self._on_failed)
        worker.source_ended.connect(self._on_source_ended)
        worker.session_finished.connect(self._on_session_finished)
        worker.source_opened.connect(self._on_source_opened)
        worker.finished.connect(self._on_worker_finished)
        self.worker = worker
        worker.start()

    def open_calibration(self) -> None:
        """Calibrate on the same source in a modal dialog, then coach with the new profile.

        The live worker is stopped first so the calibration view can have the camera; the session
        restarts afterwards whether or not a profile was made (nothing half-done is saved).
        """
        from coach.calibration import CalibrationFlow
        from coach.ui.calibration_view import CalibrationView

        spec = self.current_source
        if spec is None:
            return
        self.stop_worker()
        dialog = QDialog(self)
        dialog.setWindowTitle("coach: calibration")
        dialog.resize(self.size())
        profile_name = self._profile.name if self._profile is not None else DEFAULT_PROFILE_NAME
        view = CalibrationView(CalibrationFlow(), profile_name, mirrored=self.mirrored, parent=dialog)
        QVBoxLayout(dialog).addWidget(view)
        view.finished.connect(lambda _profile: dialog.accept())
        self.calibration_dialog = dialog
        view.watch(spec)
        dialog.exec()
        view.stop()
        self.calibration_dialog = None
        if view.profile is not None:
            self._profile = view.profile
            self.statusBar().showMessage(f"Calibrated: using profile '{view.profile.name}'", 5000)
        self.start_session()

    def stop_worker(self, timeout_s: float = 1.0) -> bool:
        """Stop the worker and wait for it (and its capture thread); True when both have ended."""
        worker = self.worker
        if worker is None:
            return True
        self.worker = None
        stopped = worker.stop_and_wait(timeout_s)
        if not stopped:
            logger.warning("the live worker did not stop within %.1f s; it finishes in the background", timeout_s)
            # Qt aborts when a running QThread is destroyed: hand it to the application, which
            # outlives this window, and let it delete itself once it has ended.
            worker.setParent(QApplication.instance())
            worker.finished.connect(worker.deleteLater)
        self.finished_workers.append(worker)
        if worker.outcome is not None:
            self.outcome = worker.outcome
        return stopped

    def toggle_pause(self) -> None:
        if self.worker is None or not self.worker.isRunning():
            self.start_session()
            return
        self.paused = not self.paused
        self.worker.post(Pause(self.paused))
        self.view.paused = self.paused
        self.view.update()
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self.message_label.setText("Paused" if self.paused else "")

    def skip_step(self) -> None:
        if self.worker is not None:
            self.worker.post(SkipStep())

    def restart_routine(self) -> None:
        """The routine from its first step; after a clip has ended, the clip from its start too."""
        self.summary_dock.hide()
        if self.worker is not None and self.worker.isRunning():
            self.worker.post(Restart())
        else:
            self.start_session()

    def _on_source_chosen(self, _index: int) -> None:
        self.start_session()

    def _on_technique_chosen(self, _index: int) -> None:
        name = self.technique_combo.currentData()
        self.set_technique(self._choices[name] if name is not None else None)

    def set_technique(self, technique: "Technique | None") -> None:
        """Coach this routine from its first step (the source keeps running)."""
        self._technique = technique
        self.summary_dock.hide()
        if self.worker is not None:
            self.worker.post(ChangeTechnique(technique))

    def _on_mirror_toggled(self, checked: bool) -> None:
        self.renderer.mirrored = checked
        self.view.update()

    def _on_sound_toggled(self, checked: bool) -> None:
        self.metronome.set_enabled(checked)
        self.view.beat_enabled = checked
        self.view.update()

    # ---- from the worker --------------------------------------------------------------------

    def _on_frame(self, result: FrameResult, image: QImage | None, captured_at: float) -> None:
        if self.sender() is not self.worker:
            return  # a late frame from a worker being replaced
        self.view.show_frame(result, image, captured_at)
        self.last_progress = result.progress
        tracked = result.tracked
        self._recent_tracking.append((tracked.face is not None, bool(tracked.hands)))
        self.metronome.set_period(beat_period_s(result.progress))
        now = time.perf_counter()
        # Labels are re-laid out on every change, so they follow at a human pace, except for the
        # tracking message, which should appear as soon as it applies.
        if now - self._last_status_update >= STATUS_INTERVAL_S or result.status != self._shown_status:
            self._last_status_update = now
            self._shown_status = result.status
            self._update_status(result)

    def _update_status(self, result: FrameResult) -> None:
        if not self.paused:
            self.message_label.setText(result.status or self._progress_text(result.progress))
        if self._recent_tracking:
            face = sum(face for face, _ in self._recent_tracking) / len(self._recent_tracking)
            hands = sum(hand for _, hand in self._recent_tracking) / len(self._recent_tracking)
            self.tracking_label.setText(f"face {face:.0%} · hand {hands:.0%}")
        latencies = self.view.timing.latency_ms[-RECENT_FRAMES:]
        if latencies:
            self.latency_label.setText(f"latency {np.median(latencies):.0f} ms")

    @staticmethod
    def _progress_text(progress: StepProgress | None) -> str:
        if progress is None:
            return ""
        if progress.finished:
            return "Routine finished"
        return f"Step {progress.step_index + 1}/{progress.step_count}: {progress.step_name}"

    def _on_source_opened(self, description: str) -> None:
        self.message_label.setText(f"Watching {description}")

    def _on_timing(self, timing: WorkerTiming) -> None:
        self.worker_timing = timing
        self.fps_label.setText(f"{timing.processing_fps:.1f} fps · {timing.dropped_share:.0%} dropped")

    def _on_failed(self, message: str) -> None:
        self.error_message = message
        self.view.show_message(message)
        self.message_label.setText(message)

    def _on_source_ended(self, message: str) -> None:
        self.message_label.setText(message)

    def _on_session_finished(self, outcome: SessionOutcome) -> None:
        self.outcome = outcome
        lines = list(outcome.summary_lines)
        if outcome.files:
            lines.append("")
            lines.extend(f"saved {path}" for path in outcome.files.values())
        self.summary_text.setPlainText("\n".join(lines))
        self.open_folder_button.setEnabled(bool(outcome.files))
        if not self._closing:
            self.summary_dock.show()
        if self._exit_at_end and outcome.reason == "routine finished" and self.current_source_is_live():
            self.close()

    def current_source_is_live(self) -> bool:
        spec = self.current_source
        return spec is not None and spec.camera is not None

    def _on_worker_finished(self) -> None:
        worker = self.sender()
        if isinstance(worker, LiveWorker) and worker.outcome is not None:
            self.outcome = worker.outcome
        if worker is self.worker:
            self.pause_button.setText("Start")
            if self._exit_at_end and not self._closing:
                self.close()

    def _open_report_folder(self) -> None:
        if self.outcome is not None and self.outcome.files:
            folder = next(iter(self.outcome.files.values())).parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ---- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Stop the worker (releasing the camera) before the window goes away."""
        self._closing = True
        current = self.worker
        self.stop_worker()
        if current is not None and current.outcome is not None:
            self.outcome = current.outcome
        self.metronome.close()
        super().closeEvent(event)

    def wait_for_workers(self, timeout_s: float = 10.0) -> bool:
        """Before the process ends: a worker still loading models when the window closed gets
        time to finish, since a QThread destroyed while running aborts the program."""
        deadline = time.perf_counter() + timeout_s
        for worker in self.all_workers():
            worker.stop()
            if not worker.wait(max(0, int((deadline - time.perf_counter()) * 1000))):
                logger.warning("a live worker is still running after %.0f s", timeout_s)
                return False
        return True

    def all_workers(self) -> list[LiveWorker]:
        return [*self.finished_workers, *([self.worker] if self.worker is not None else [])]
