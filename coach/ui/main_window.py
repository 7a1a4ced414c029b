"""The live coaching window: the camera picture with the guidance overlay, controls and a status line.

The GUI thread only paints. Frames arrive from ``LiveWorker`` already processed, with a QImage and
the moment they were captured; the view keeps just the newest one and asks Qt for a repaint, so
a slow paint skips frames instead of falling behind. The window measures what the person
experiences: capture → painted latency and the GUI thread's own time per frame.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
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
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from coach.render.overlay import OverlayRenderer, letterbox_rect
from coach.ui.composer import ComposedFrame, FrameComposer, PictureSize
from coach.ui.history_panel import make_history_panel
from coach.render.text import display_name
from coach.technique.guidance import GuidedMode, LaterStepWatcher, SpeedScale, VoicePrompter
from coach.types import FrameResult, ScoredStroke, StepProgress
from coach.ui.metronome import Metronome, beat_period_s
from coach.ui.side_panel import SidePanel
from coach.ui.summary_dialog import SummaryDialog
from coach.ui.worker import (
    ChangeTechnique,
    JumpToStep,
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
    from coach.audio.voice import Voice
    from coach.geometry import FaceRegions
    from coach.storage.profiles import Profile
    from coach.technique import Technique

logger = logging.getLogger(__name__)

SHORTCUTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # (action name, key sequences, what it does)
    ("pause", ("Space",), "pause / resume"),
    ("next_step", ("Right",), "next step"),
    ("previous_step", ("Left",), "previous step"),
    ("restart", ("R",), "restart routine"),
    ("mirror", ("M",), "mirror view"),
    ("sound", ("S",), "metronome"),
    ("voice", ("V",), "voice"),
    ("calibrate", ("C",), "calibrate"),
    ("quit", ("Esc", "Q"), "quit"),
)
KEY_SYMBOLS = {"Right": "→", "Left": "←"}
HELP_LINE = "  ·  ".join(
    f"{' / '.join(KEY_SYMBOLS.get(key, key) for key in keys)}: {what}" for _, keys, what in SHORTCUTS
) + "  ·  1–9: go to step"
JUMP_KEYS = tuple(str(number) for number in range(1, 10))
STATUS_INTERVAL_S = 0.5
RECENT_FRAMES = 60  # tracking quality and latency on the status line cover about two seconds
BEAT_FLASH_S = 0.15
NO_TECHNIQUE_LABEL = "No technique (just detect strokes)"
DEFAULT_PROFILE_NAME = "default"  # what calibrating from the window saves when no --profile was given
QUIT_SAVE_TIMEOUT_S = 30.0  # closing twice while the report is still being written waits this long at most


@dataclass
class DisplayTiming:
    """What the GUI thread measures: per painted frame, capture → painted latency and GUI time."""

    frames_received: int = 0
    frames_painted: int = 0
    latency_ms: list[float] = field(default_factory=list)
    gui_ms: list[float] = field(default_factory=list)
    # The GUI thread's own CPU for the same work: what painting costs, without the waits for a
    # core or the GIL that ``gui_ms`` includes when the machine is busy.
    gui_cpu_ms: list[float] = field(default_factory=list)
    painted_at: list[float] = field(default_factory=list)  # perf_counter at each first paint of a frame


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
        # The frame with its overlay as the worker drew it (coach.ui.composer): copied as it is
        # when it fits the picture; otherwise (a resize, the mirror switched) drawn here.
        self.composed: ComposedFrame | None = None
        self.composer: FrameComposer | None = None
        self.message = ""
        self.paused = False
        self.beat_enabled = False
        self._captured_at: float | None = None
        self._pending_gui_ms = 0.0
        self._pending_gui_cpu_ms = 0.0
        self.last_handover_ms = 0.0
        self._last_beat = -1.0
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def show_frame(
        self, result: FrameResult, image: QImage | None, captured_at: float, composed: ComposedFrame | None = None
    ) -> None:
        started, started_cpu = time.perf_counter(), time.thread_time()
        self.result, self.image, self._captured_at, self.composed = result, image, captured_at, composed
        self.message = ""
        self.timing.frames_received += 1
        self.update()
        self.last_handover_ms = (time.perf_counter() - started) * 1000.0
        self._pending_gui_ms += self.last_handover_ms
        self._pending_gui_cpu_ms += (time.thread_time() - started_cpu) * 1000.0

    def show_message(self, message: str) -> None:
        self.message = message
        self.update()

    def clear(self) -> None:
        self.result, self.image, self._captured_at, self.composed = None, None, None, None
        self.update()

    def picture_size(self) -> PictureSize | None:
        """The picture's size as painted now (None before the first frame)."""
        if self.result is None:
            return None
        target = self.image_rect()
        return PictureSize(max(1, round(target.width())), max(1, round(target.height())), self.devicePixelRatioF())

    def beat(self) -> None:
        self._last_beat = time.perf_counter()
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture goes: as large as fits, centred, keeping the frame's proportions."""
        if self.result is None:
            return QRectF(self.rect())
        return letterbox_rect(self.width(), self.height(), self.result.tracked.width, self.result.tracked.height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        started, started_cpu = time.perf_counter(), time.thread_time()
        painter = QPainter(self)
        try:
            target = self.image_rect()
            # Only the letterbox bars: the picture covers the rest (WA_OpaquePaintEvent).
            outside = QRegion(self.rect()).subtracted(QRegion(target.toAlignedRect())) if self.result is not None else QRegion(self.rect())
            for bar in outside:  # type: ignore[attr-defined]  # QRegion iterates its rectangles
                painter.fillRect(bar, QColor(0, 0, 0))
            picture_size = self.picture_size()
            if self.result is not None and picture_size is not None:
                composed = self.composed
                if composed is not None and composed.size == picture_size and composed.mirrored == self.renderer.mirrored:
                    painter.drawImage(QPointF(round(target.left()), round(target.top())), composed.image)
                else:
                    painter.save()
                    painter.translate(target.topLeft())
                    size = (picture_size.width, picture_size.height)
                    self.renderer.paint_frame(painter, self.image, self.result, size, self.result.tracked.timestamp_s)
                    painter.restore()
                if self.composer is not None:
                    self.composer.size = picture_size  # the worker draws the next frames at this size
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
            self.timing.gui_cpu_ms.append(self._pending_gui_cpu_ms + (time.thread_time() - started_cpu) * 1000.0)
            self.timing.painted_at.append(finished)
            self._pending_gui_ms = self._pending_gui_cpu_ms = 0.0
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
        history: bool = True,
        voice: bool = True,
        voice_player: object | None = None,
        show_summary: bool | None = None,
        track_ahead: bool = False,
    ) -> None:
        super().__init__()
        self._track_ahead = track_ahead  # track on a thread of its own, overlapping the analysis (coach.ui.tracking_thread)
        self._history = history  # store sessions in the history database (--no-history: False)
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
        self._quit_requested = False
        self._ready_to_close = False
        self._show_summary = (not exit_at_end) if show_summary is None else show_summary
        self.summary_dialog: SummaryDialog | None = None
        self._speed_scale = SpeedScale.for_profile(profile)
        self._guided = GuidedMode(technique)
        self._later_steps = LaterStepWatcher(technique)
        self._prompter = VoicePrompter()
        self._last_stroke_shown: ScoredStroke | None = None
        self._steps_done: list[bool] = []
        self._session_clock_start = time.monotonic()
        self.voice = self._make_voice(voice_player) if voice else None

        resolved_regions = regions if regions is not None else (profile.regions if profile is not None else FaceRegions())
        self.renderer = self._make_renderer(resolved_regions, mirrored)
        self.view = VideoView(self.renderer)
        self.side_panel = SidePanel()
        self.side_panel.set_speed_scale(self._speed_scale)
        self.side_panel.set_technique(technique)
        self.side_panel.jump_requested.connect(self.jump_to_step)
        self.metronome = Metronome(self, click=self.voice.click if self.voice is not None else None)
        self.metronome.beat.connect(self.view.beat)

        self._build_controls(sources, initial_source)
        self._build_status_bar()
        self._build_shortcuts()
        self.mirror_box.setChecked(mirrored)
        self.sound_box.setChecked(sound)
        self.voice_box.setChecked(self.voice is not None)
        self._update_step_buttons()
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
        # Long clip names must not widen the window past 960 pixels: the combo shows the start.
        for combo in (self.source_combo,):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)

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
        self.technique_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.technique_combo.setMinimumContentsLength(16)

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
        self.voice_box = QCheckBox("Voice")
        self.voice_box.setToolTip("Spoken prompts: the step, rep counts, a repeated correction (V)")
        self.voice_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.voice_box.toggled.connect(self._on_voice_toggled)

        controls = QHBoxLayout()
        # No "Source:"/"Technique:" captions: the combos say what they hold ("Clip: …", "Camera 0",
        # a routine's title), and the row must fit a 960-pixel window.
        controls.addWidget(self.source_combo)
        controls.addWidget(self.technique_combo, 1)
        for widget in (self.pause_button, self.skip_button, self.restart_button, self.calibrate_button, self.mirror_box,
                       self.sound_box, self.voice_box):
            controls.addWidget(widget)

        self.help_label = QLabel(HELP_LINE)
        self.help_label.setObjectName("help")
        self.help_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.help_label.setStyleSheet("color: #666;")
        self.help_label.setWordWrap(True)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 2)
        layout.addLayout(controls)
        self.history_panel = make_history_panel(self._technique, enabled=self._history)  # streak, last time
        layout.addWidget(self.history_panel)
        # The picture and, beside it, the side panel: nothing written ever covers the face.
        middle = QHBoxLayout()
        middle.setSpacing(6)
        middle.addWidget(self.view, 1)
        middle.addWidget(self.side_panel)
        layout.addLayout(middle, 1)
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

    def _build_shortcuts(self) -> None:
        handlers = {
            "pause": self.toggle_pause,
            "next_step": self.skip_step,
            "previous_step": self.previous_step,
            "restart": self.restart_routine,
            "mirror": self.mirror_box.toggle,
            "sound": self.sound_box.toggle,
            "voice": self.voice_box.toggle,
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
        for number in JUMP_KEYS:
            action = QAction(f"go to step {number}", self)
            action.setShortcut(QKeySequence(number))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, index=int(number) - 1: self.jump_to_step(index))
            self.addAction(action)
            self.actions_by_name[f"step_{number}"] = action

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
        self.side_panel.set_paused(False)
        self.view.clear()
        self.view.show_message(f"Opening {spec.description}…")
        self.pause_button.setText("Pause")
        worker = LiveWorker(
            spec,
            technique=self._technique,
            profile=self._profile,
            out_dir=self._out_dir if self._out_dir is not None else default_out_dir(),
            write_html=self._write_html,
            history=self._history,
            track_ahead=self._track_ahead,
            composer=self._new_composer(),
        )
        worker.frame_ready.connect(self._on_frame)
        worker.timing_changed.connect(self._on_timing)
        worker.failed.connect(self._on_failed)
        worker.source_ended.connect(self._on_source_ended)
        worker.session_finished.connect(self._on_session_finished)
        worker.source_opened.connect(self._on_source_opened)
        worker.tracking_mode_changed.connect(self._on_tracking_mode_changed)
        worker.progress_changed.connect(self._on_progress_changed)
        worker.steps_done_changed.connect(self._on_steps_done_changed)
        worker.finished.connect(self._on_worker_finished)
        self.worker = worker
        self._reset_coaching()
        worker.start()

    def _new_composer(self) -> FrameComposer:
        """The worker's drawing of each frame (coach.ui.composer), with a twin of the window's
        renderer: the same settings, caches of its own."""
        composer = FrameComposer(self.renderer.twin())
        composer.size = self.view.picture_size()
        self.view.composer = composer
        return composer

    def _overlay_renderers(self) -> list[OverlayRenderer]:
        """The window's renderer and the worker's: a setting the user changes applies to both."""
        composer = self.view.composer
        return [self.renderer] + ([composer.renderer] if composer is not None else [])

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
            self.use_profile(view.profile)
            self.statusBar().showMessage(f"Calibrated: using profile '{view.profile.name}'", 5000)
        self.start_session()

    def use_profile(self, profile: "Profile") -> None:
        """Coach with this calibration from the next session on: the worker analyses with it, and the
        overlay draws its regions and speaks its speeds (the window's renderer is made anew; the
        next session's worker draws with a twin of it)."""
        self._profile = profile
        self._speed_scale = SpeedScale.for_profile(profile)
        self.renderer = self._make_renderer(profile.regions, self.renderer.mirrored)
        self.view.renderer = self.renderer
        self.side_panel.set_speed_scale(self._speed_scale)

    def _make_renderer(self, regions: "FaceRegions", mirrored: bool) -> OverlayRenderer:
        """The window's overlay renderer: no text panels (words live in the side panel, beside the
        picture), speeds in this profile's scale."""
        renderer = OverlayRenderer(regions, mirrored=mirrored)
        renderer.draw_panels = False
        renderer.speed_scale = self._speed_scale
        return renderer

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
            # outlives this window. It is not deleted when it ends: the window still reads its
            # timing and waits for it before the program exits (all_workers, wait_for_workers).
            worker.setParent(QApplication.instance())
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
        self.side_panel.set_paused(self.paused)
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self.message_label.setText("Paused" if self.paused else "")

    def skip_step(self) -> None:
        if self.worker is not None and self._technique is not None:
            self.worker.post(SkipStep())

    def previous_step(self) -> None:
        progress = self.last_progress
        if progress is not None and self._technique is not None:
            self.jump_to_step(max(0, progress.step_index - (0 if progress.finished else 1)))

    def jump_to_step(self, step_index: int) -> None:
        """Go to a step of the routine (from the list, a number key or the "Jump to …?" offer).

        Applied by the worker before its next frame, and shown at once even while paused."""
        if self.worker is None or self._technique is None or not 0 <= step_index < len(self._technique.steps):
            return
        self.worker.post(JumpToStep(step_index))
        self._later_steps.reset()
        self.side_panel.set_jump_offer(None)

    def _update_step_buttons(self) -> None:
        """Skip and Restart mean nothing without a routine."""
        has_routine = self._technique is not None
        self.skip_button.setEnabled(has_routine)
        self.restart_button.setEnabled(has_routine)
        for name in ("next_step", "previous_step", "restart", *(f"step_{number}" for number in JUMP_KEYS)):
            self.actions_by_name[name].setEnabled(has_routine)

    def _reset_coaching(self) -> None:
        """A new session or routine: guided mode, voice and offers start over."""
        self._guided = GuidedMode(self._technique)
        self._later_steps = LaterStepWatcher(self._technique)
        self._prompter.reset()
        self._last_stroke_shown = None
        self._session_clock_start = time.monotonic()
        self.side_panel.set_technique(self._technique)
        self.side_panel.set_jump_offer(None)
        self.side_panel.set_last_stroke(None)
        for renderer in self._overlay_renderers():
            renderer.demo = False

    def set_status_line(self, text: str) -> None:
        """One line of news in the side panel under the coaching (e.g. "Last time: …", or "your
        computer is busy: lighter tracking"); an empty text hides it."""
        self.side_panel.set_status_line(text)

    def restart_routine(self) -> None:
        """The routine from its first step; after a clip has ended, the clip from its start too."""
        if self._technique is None:
            return
        self._reset_coaching()
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
        self.history_panel.show_technique(technique)
        self._reset_coaching()
        self._update_step_buttons()
        if self.worker is not None:
            self.worker.post(ChangeTechnique(technique))

    def _on_mirror_toggled(self, checked: bool) -> None:
        for renderer in self._overlay_renderers():
            renderer.mirrored = checked
        self.view.update()

    def _on_sound_toggled(self, checked: bool) -> None:
        self.metronome.set_enabled(checked)
        self.view.beat_enabled = checked
        self.view.update()

    def _make_voice(self, player: object | None) -> "Voice | None":
        from coach.audio.voice import Voice

        try:
            return Voice(player=player)  # type: ignore[arg-type]
        except OSError as error:  # no temporary folder for the sounds: coach silently, say why once
            logger.warning("spoken prompts are off: %s", error)
            return None

    def _on_voice_toggled(self, checked: bool) -> None:
        if self.voice is not None:
            self.voice.enabled = checked
        elif checked:
            self.voice = self._make_voice(None)
            if self.voice is not None:
                self.metronome.set_click(self.voice.click)

    # ---- from the worker --------------------------------------------------------------------

    def _on_frame(self, result: FrameResult, image: QImage | None, captured_at: float, composed: ComposedFrame | None) -> None:
        if self.sender() is not self.worker:
            return  # a late frame from a worker being replaced
        started, started_cpu = time.perf_counter(), time.thread_time()
        self._coach(result)
        handover_cpu_before = self.view._pending_gui_cpu_ms
        self.view.show_frame(result, image, captured_at, composed)
        handover_cpu_ms = self.view._pending_gui_cpu_ms - handover_cpu_before
        # The side panel's share of the GUI thread counts in the per-frame GUI time too.
        self.view._pending_gui_ms += (time.perf_counter() - started) * 1000.0 - self.view.last_handover_ms
        self.view._pending_gui_cpu_ms += (time.thread_time() - started_cpu) * 1000.0 - handover_cpu_ms
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

    def _session_seconds(self) -> float:
        return time.monotonic() - self._session_clock_start

    def _coach(self, result: FrameResult) -> None:
        """What the side panel, guided mode and the voice make of one frame (GUI thread, cheap:
        the panel's labels change only when their text does)."""
        progress = result.progress
        now = self._session_seconds()
        guidance = self._guided.update(progress, now)
        self.side_panel.set_guidance(guidance)
        for renderer in self._overlay_renderers():
            renderer.demo = guidance.demo
        self.side_panel.set_progress(progress, self._steps_done)
        self.side_panel.set_tracking_message(result.status)
        if result.new_strokes:
            self.side_panel.set_jump_offer(self._later_steps.on_strokes(result.new_strokes, progress))
        shown = self._stroke_to_show(result)
        if shown is not self._last_stroke_shown:
            self._last_stroke_shown = shown
            self.side_panel.set_last_stroke(shown)
        if self.voice is not None and self.voice.enabled and not self.paused:
            for prompt in self._prompter.update(progress, result.new_strokes, now):
                self.voice.say(prompt.text, priority=prompt.priority)

    @staticmethod
    def _stroke_to_show(result: FrameResult) -> ScoredStroke | None:
        """The last stroke, unless it belongs to a step already left behind (no lingering card)."""
        scored = result.last_stroke
        progress = result.progress
        if scored is None or getattr(scored.stroke, "withdrawn", False):
            return None
        if progress is None:
            return scored
        if progress.finished or scored.score.step_index != progress.step_index:
            return None
        return scored

    def _on_steps_done_changed(self, done: list[bool]) -> None:
        if self.sender() is not self.worker:
            return
        self._steps_done = list(done)
        self.side_panel.set_progress(self.last_progress, self._steps_done)

    def _on_progress_changed(self, progress: StepProgress) -> None:
        """A step command was applied: show it now, even while paused (no frame may follow soon)."""
        if self.sender() is not self.worker:
            return
        self.last_progress = progress
        self.side_panel.set_guidance(self._guided.update(progress, self._session_seconds()))
        self.side_panel.set_progress(progress, self._steps_done)
        self.side_panel.set_last_stroke(None)
        self._last_stroke_shown = None
        if self.view.result is not None:
            self.view.result = dataclasses.replace(self.view.result, progress=progress, last_stroke=None)
            self.view.update()
        if not self.paused:
            self.message_label.setText(self._progress_text(progress))

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
        return f"Step {progress.step_index + 1} of {progress.step_count}: {display_name(progress.step_name)}"

    def _on_source_opened(self, description: str) -> None:
        self.message_label.setText(f"Watching {description}")

    def _on_timing(self, timing: WorkerTiming) -> None:
        self.worker_timing = timing
        self.fps_label.setText(f"{timing.processing_fps:.1f} fps · {timing.dropped_share:.0%} dropped")

    def _on_tracking_mode_changed(self, message: str) -> None:
        """The worker made tracking lighter to keep up: say so once (it does not change back)."""
        self.statusBar().showMessage(message, 10_000)
        self.set_status_line(message)

    def _on_failed(self, message: str) -> None:
        self.error_message = message
        self.view.show_message(message)
        self.message_label.setText(message)

    def _on_source_ended(self, message: str) -> None:
        self.message_label.setText(message)

    def _on_session_finished(self, outcome: SessionOutcome) -> None:
        self.outcome = outcome
        if self._show_summary and not self._closing and not self._quit_requested:
            self.show_summary(outcome)  # when quitting, the summary follows the worker's end
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
        if self._quit_requested and isinstance(worker, LiveWorker) and worker in self.finished_workers:
            self._after_quit_saved(worker)

    def show_summary(self, outcome: SessionOutcome) -> SummaryDialog:
        """The plain-language summary in a small window of its own (it never covers the whole screen)."""
        if self.summary_dialog is not None:
            self.summary_dialog.close()
        dialog = SummaryDialog(outcome.report, outcome.files, self)
        self.summary_dialog = dialog
        dialog.show()
        return dialog

    # ---- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Quitting keeps the work: the camera is released at once, the full report (HTML too,
        marked partial) is saved on the worker, then the summary shows; closing the summary (or
        the window again) ends. With nothing processed, or after that, the window just closes."""
        current = self.worker
        worth_saving = current is not None and current.isRunning() and current.processed > 0
        if current is not None and worth_saving and not self._quit_requested and self._show_summary:
            event.ignore()
            self._quit_requested = True
            self.view.show_message("Saving your report…")
            self.message_label.setText("Saving your report…")
            current.stop()  # the capture thread releases the camera now; the worker saves
            # Owned by the application while it saves: a QThread destroyed while it runs aborts the
            # program, and this window may be gone first (as stop_worker does for a late worker).
            current.setParent(QApplication.instance())
            self.finished_workers.append(current)
            self.worker = None
            return
        # Closing again while the report is being written closes at once; the worker finishes
        # writing in the background (run_live waits for it before the program ends).
        self._closing = True
        self.stop_worker(timeout_s=QUIT_SAVE_TIMEOUT_S if worth_saving else 1.0)
        if current is not None and current.outcome is not None:
            self.outcome = current.outcome
        if self.summary_dialog is not None:
            self.summary_dialog.close()
        self.metronome.close()
        if self.voice is not None:
            self.voice.close()
        super().closeEvent(event)

    def _after_quit_saved(self, worker: LiveWorker) -> None:
        """The quitting session's report is written: show what was done, then let the window go."""
        self._ready_to_close = True
        if worker.outcome is None:
            self.close()
            return
        self.outcome = worker.outcome
        self.view.show_message("Your report is saved.")
        self.message_label.setText("Report saved")
        dialog = self.show_summary(worker.outcome)
        dialog.finished.connect(lambda _result: self.close())

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
