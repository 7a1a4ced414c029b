"""The calibration window: the camera picture, where to touch, what to do, and how far along it is.

The view only shows and asks; ``CalibrationFlow`` (Qt-free) decides. Processed frames reach the
view in one of two ways, both ending in ``handle_result`` on the GUI thread:

- ``watch(spec)``: a worker thread reads a camera (or a clip paced like one) and runs the pipeline,
  newest frame first, with the live window's capture pieces (coach.ui.worker);
- ``play(items)``: a QTimer feeds frames or recorded tracked frames one per tick through a pipeline
  on the GUI thread (clips and tests; no threads).

The flow is touched only on the GUI thread, so the Redo and Skip buttons need no locking. When the
flow completes, the profile is built and saved (atomically) and ``finished`` is emitted; a failed
step shows its reason and waits for Redo; nothing is saved before the end.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from coach.calibration.errors import CalibrationError
from coach.calibration.flow import CalibrationFlow, CalibrationState
from coach.calibration.run import failure_message
from coach.errors import CoachError
from coach.render.overlay import OverlayRenderer, letterbox_rect, numpy_to_qimage
from coach.render.palette import TARGET_RGB
from coach.types import Frame, FrameResult, TrackedFrame

if TYPE_CHECKING:
    from pathlib import Path

    from coach.interrupts import InterruptGuard
    from coach.pipeline import Pipeline
    from coach.storage.profiles import Profile
    from coach.ui.worker import CaptureThread, SourceSpec

logger = logging.getLogger(__name__)

TARGET_COLOR = QColor(*TARGET_RGB)
FINGERTIP_COLOR = QColor(255, 214, 10)
TARGET_RADIUS_PX = 9.0
FAILURE_STYLE = "color: rgb(220, 53, 69); font-weight: bold; font-size: 15px;"
RETRY_STYLE = "background: rgb(31, 155, 209); color: white; font-weight: bold; padding: 6px 18px;"
HAND_STATUS = "Show your hand to the camera"
"""The pipeline's tracking hint; meaningless while the face alone is being measured (neutral step)."""
NOTICE_STYLE = "color: rgb(255, 176, 32);"


def retry_text(failure: str) -> str:
    """The flow's reason, with its "redo this step" said as the button the window shows."""
    text = failure.replace("redo this step", "press “Retry”")
    return text if "Retry" in text else f"{text} Press “Retry” to try this step again."


class CalibrationCanvas(QWidget):
    """The picture (or, for a recording, the tracked mesh) with the regions so far, the target dot
    and the followed fingertip, letterboxed into the widget."""

    def __init__(self, regions_renderer: OverlayRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.renderer = regions_renderer
        self.result: FrameResult | None = None
        self.image: QImage | None = None
        self.state: CalibrationState | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def show_frame(self, result: FrameResult, image: QImage | None, state: CalibrationState) -> None:
        self.result, self.image, self.state = result, image, state
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture goes: as large as fits, centred, keeping the frame's proportions."""
        if self.result is None:
            return QRectF(self.rect())
        return letterbox_rect(self.width(), self.height(), self.result.tracked.width, self.result.tracked.height)

    def to_widget(self, points_px: np.ndarray) -> np.ndarray:
        """Image pixels → widget pixels (letterboxed, mirrored like the picture)."""
        assert self.result is not None
        rect = self.image_rect()
        points = np.atleast_2d(np.asarray(points_px, dtype=float)).copy()
        points[:, 0] *= rect.width() / max(1, self.result.tracked.width)
        points[:, 1] *= rect.height() / max(1, self.result.tracked.height)
        if self.renderer.mirrored:
            points[:, 0] = rect.width() - points[:, 0]
        return points + np.array([rect.left(), rect.top()])

    def target_point(self) -> QPointF | None:
        """Where the target dot is drawn (widget pixels), or None when there is none to draw."""
        if self.result is None or self.state is None or self.state.target_fu is None or self.result.pose is None:
            return None
        image_point = self.result.pose.face_to_image(self.state.target_fu[None, :])
        x, y = self.to_widget(image_point)[0]
        return QPointF(float(x), float(y))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(0, 0, 0))
            if self.result is None:
                return
            rect = self.image_rect()
            painter.save()
            painter.translate(rect.topLeft())
            size = (max(1, round(rect.width())), max(1, round(rect.height())))
            self.renderer.paint_frame(painter, self.image, self.result, size, self.result.tracked.timestamp_s)
            painter.restore()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint_fingertip(painter)
            self._paint_target(painter)
        finally:
            painter.end()

    def _paint_target(self, painter: QPainter) -> None:
        centre = self.target_point()
        if centre is None or self.state is None:
            return
        ui = max(0.6, self.image_rect().height() / 480.0)
        radius = TARGET_RADIUS_PX * ui
        painter.setPen(QPen(QColor(255, 255, 255), 2.0 * ui))
        painter.setBrush(QBrush(TARGET_COLOR))
        painter.drawEllipse(centre, radius, radius)
        # The hold fills a ring round the dot.
        if self.state.step_progress > 0:
            ring = QRectF(centre.x() - 2 * radius, centre.y() - 2 * radius, 4 * radius, 4 * radius)
            painter.setPen(QPen(TARGET_COLOR, 3.0 * ui))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawArc(ring, 90 * 16, -int(360 * 16 * self.state.step_progress))

    def _paint_fingertip(self, painter: QPainter) -> None:
        if self.result is None or self.state is None or self.state.fingertip_fu is None or self.result.pose is None:
            return
        x, y = self.to_widget(self.result.pose.face_to_image(self.state.fingertip_fu[None, :]))[0]
        ui = max(0.6, self.image_rect().height() / 480.0)
        painter.setPen(QPen(FINGERTIP_COLOR, 2.0 * ui))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(float(x), float(y)), 6.0 * ui, 6.0 * ui)


class CalibrationWorker(QThread):
    """Reads a source (newest frame first) and runs the pipeline off the GUI thread.

    Signals: ``frame_ready(FrameResult, QImage | None)``, ``failed(str)`` (camera lost, unreadable
    clip, a bug) and ``source_ended(str)``.
    """

    frame_ready = Signal(object, object)
    failed = Signal(str)
    source_ended = Signal(str)

    def __init__(self, spec: "SourceSpec", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from coach.ui.worker import LatestFrameSlot

        self.spec = spec
        self._stop_requested = threading.Event()
        self._slot = LatestFrameSlot()
        self._capture: "CaptureThread | None" = None

    def stop(self) -> None:
        self._stop_requested.set()
        if self._capture is not None:
            self._capture.request_stop()
        self._slot.close()

    def stop_and_wait(self, timeout_s: float = 2.0) -> bool:
        self.stop()
        return bool(self.wait(int(timeout_s * 1000)))

    def run(self) -> None:
        from coach.pipeline import Pipeline
        from coach.thread_priority import lower_this_thread
        from coach.ui.worker import STOP_POLL_S, CaptureThread, bgr_to_qimage, user_message

        lower_this_thread()  # the models and the capture thread yield to the painting, as in the live window
        pipeline: Pipeline | None = None
        try:
            opened = self.spec.open()
            pipeline = Pipeline()
            if not self.spec.is_recording:
                _ = pipeline.tracker  # load the models before the clip's clock starts
            self._capture = CaptureThread(opened, self._slot)
            if self._stop_requested.is_set():
                opened.close()
                return
            self._capture.start()
            while not self._stop_requested.is_set():
                captured = self._slot.take(STOP_POLL_S)
                if captured is None:
                    if self._slot.exhausted:
                        break
                    continue
                item = captured.item
                result = pipeline.process_frame(item) if isinstance(item, Frame) else pipeline.process_tracked(item)
                image = bgr_to_qimage(item.image) if isinstance(item, Frame) else None
                self.frame_ready.emit(result, image)
            if not self._stop_requested.is_set():
                if self._capture.error is not None:
                    self.failed.emit(user_message(self._capture.error))
                else:
                    self.source_ended.emit(f"{opened.description} ended")
        except BaseException as error:  # reported to the user, never swallowed
            logger.exception("calibration worker failed")
            self.failed.emit(user_message(error))
        finally:
            if self._capture is not None:
                self._capture.request_stop()
                self._slot.close()
                if self._capture.ident is not None:  # stopped before it started: nothing to join
                    self._capture.join(1.0)
            if pipeline is not None:
                pipeline.close()


class CalibrationView(QWidget):
    """Guided calibration: picture with the target dot, the prompt, progress, Redo and Skip.

    Signals: ``finished(Profile)`` once the profile is built (and saved, unless ``save`` is False);
    ``step_failed(str)`` when a step stops (the reason, also shown); ``source_ended(str)`` when
    the frames run out or the camera stops before the end.
    """

    finished = Signal(object)
    step_failed = Signal(str)
    source_ended = Signal(str)

    def __init__(
        self,
        flow: CalibrationFlow,
        profile_name: str,
        *,
        save: bool = True,
        mirrored: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from coach.storage.profiles import check_profile_name

        self.flow = flow
        self.profile_name = check_profile_name(profile_name)
        self.save = save
        self.profile: "Profile | None" = None
        self.saved_path: "Path | None" = None
        self.error_message = ""
        self._regions_key: tuple[str, ...] = ()
        self._timer: QTimer | None = None
        self._items: Iterator[Frame | TrackedFrame] | None = None
        self._pipeline: "Pipeline | None" = None
        self._own_pipeline = False
        self._worker: CalibrationWorker | None = None
        self._reported_failure: str | None = None
        self._spec: "SourceSpec | None" = None

        self.setWindowTitle(f"coach: calibrating profile '{profile_name}'")
        self.canvas = CalibrationCanvas(OverlayRenderer(flow.regions_so_far(), mirrored=mirrored))
        self.step_label = QLabel()
        self.prompt_label = QLabel()
        self.prompt_label.setWordWrap(True)
        font = self.prompt_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.prompt_label.setFont(font)
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.redo_button = QPushButton("Retry")
        self.redo_button.setToolTip("Start this step again (after a clip has ended, the clip plays again)")
        self.redo_button.clicked.connect(self.redo_step)
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Skip this optional step")
        self.skip_button.clicked.connect(self.skip_step)

        buttons = QHBoxLayout()
        buttons.addWidget(self.step_label, 1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.redo_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.prompt_label)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.progress_bar)
        layout.addLayout(buttons)
        self.resize(800, 720)
        self._show_state(flow.state)

    # ---- what the user sees

    @property
    def state(self) -> CalibrationState:
        return self.flow.state

    def _show_state(self, state: CalibrationState) -> None:
        self.step_label.setText(
            "Done" if state.done else f"Step {state.step_index + 1} of {state.step_count}: {state.step.replace('_', ' ')}"
        )
        self.prompt_label.setText(state.prompt)
        if state.failure:
            self.notice_label.setStyleSheet(FAILURE_STYLE)
            self.notice_label.setText(retry_text(state.failure))
            self.redo_button.setStyleSheet(RETRY_STYLE)
        else:
            self.notice_label.setStyleSheet(FAILURE_STYLE if self.error_message else NOTICE_STYLE)
            self.notice_label.setText(state.notice or self.error_message)
            self.redo_button.setStyleSheet(RETRY_STYLE if self.error_message else "")
        self.progress_bar.setValue(round(state.progress * 1000))
        self.redo_button.setEnabled(not state.done)
        self.skip_button.setVisible(state.optional and not state.done)
        touched = tuple(sorted(self.flow.touch_points_fu))
        if touched != self._regions_key:
            self._regions_key = touched
            self.canvas.renderer = OverlayRenderer(self.flow.regions_so_far(), mirrored=self.canvas.renderer.mirrored)

    def handle_result(self, result: FrameResult, image: QImage | np.ndarray | None = None) -> CalibrationState:
        """Feed one processed frame to the flow and show the outcome (GUI thread only)."""
        if self.profile is not None:
            return self.flow.state
        state = self.flow.feed(result)
        if isinstance(image, np.ndarray):
            image = numpy_to_qimage(image)
        self._show_state(state)
        # Strokes mean nothing while calibrating: show the picture, regions and hands only. During
        # the neutral step the hands should be down, so no "Show your hand".
        status = "" if state.kind == "neutral" and result.status == HAND_STATUS else result.status
        self.canvas.show_frame(
            replace(result, last_stroke=None, new_strokes=(), trails_fu={}, progress=None, status=status), image, state
        )
        if state.failed and state.failure != self._reported_failure:
            self._reported_failure = state.failure
            self.step_failed.emit(failure_message(state))
        if state.done:
            self._complete()
        return state

    def _complete(self) -> None:
        from coach.storage.profiles import ProfileNotFoundError, load_profile, save_profile

        created = None
        try:
            created = load_profile(self.profile_name).created
        except ProfileNotFoundError:
            pass
        except CoachError as error:
            logger.warning("Replacing unreadable profile '%s': %s", self.profile_name, error)
        try:
            profile = self.flow.build_profile(self.profile_name, created=created)
            if self.save:
                self.saved_path = save_profile(profile)
        except CoachError as error:
            self.error_message = str(error)
            self.notice_label.setStyleSheet(FAILURE_STYLE)
            self.notice_label.setText(self.error_message)
            self.step_failed.emit(self.error_message)
            return
        self.profile = profile
        where = f" and saved to {self.saved_path}" if self.saved_path else ""
        self.prompt_label.setText(f"Calibration complete: profile '{profile.name}' built{where}.")
        self.stop()
        self.finished.emit(profile)

    def redo_step(self) -> None:
        """Try the current step again; when the source has ended (a clip), watch it again from its start."""
        self._reported_failure = None
        self.error_message = ""
        self._show_state(self.flow.redo_step())
        worker = self._worker
        if self._spec is not None and (worker is None or worker.isFinished()):
            self.watch(self._spec)

    def skip_step(self) -> None:
        try:
            state = self.flow.skip_step()
        except CalibrationError as error:
            self.notice_label.setText(str(error))
            return
        self._show_state(state)
        if state.done:
            self._complete()

    # ---- where frames come from

    def play(
        self,
        items: Iterable[Frame | TrackedFrame],
        pipeline: "Pipeline | None" = None,
        interval_ms: int = 0,
    ) -> None:
        """Feed frames (or tracked frames) one per timer tick through ``pipeline`` on the GUI thread."""
        from coach.pipeline import Pipeline

        self.stop()
        self._items = iter(items)
        self._own_pipeline = pipeline is None
        self._pipeline = pipeline or Pipeline()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        assert self._items is not None and self._pipeline is not None
        try:
            item = next(self._items)
        except StopIteration:
            self._stop_timer()
            if self.profile is None:
                self._on_source_ended("The clip ended")
            return
        except CoachError as error:
            self._stop_timer()
            self._on_worker_failed(str(error))
            return
        pipeline = self._pipeline
        result = pipeline.process_frame(item) if isinstance(item, Frame) else pipeline.process_tracked(item)
        self.handle_result(result, item.image if isinstance(item, Frame) else None)

    def watch(self, spec: "SourceSpec") -> None:
        """Run ``spec`` (camera, or a clip paced like one) on a worker thread and follow it."""
        self.stop()
        self._spec = spec
        self._worker = CalibrationWorker(spec)
        self._worker.frame_ready.connect(self.handle_result)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.source_ended.connect(self._on_source_ended)
        self._worker.start()

    def _on_worker_failed(self, message: str) -> None:
        self.error_message = message
        self.notice_label.setStyleSheet(FAILURE_STYLE)
        self.notice_label.setText(message)
        self.source_ended.emit(message)

    def _on_source_ended(self, message: str) -> None:
        if self.profile is not None:
            return
        state = self.flow.state
        self.error_message = (
            f"{message} at step {state.step_index + 1} of {state.step_count} ({state.step.replace('_', ' ')}); "
            "nothing was saved yet. Press “Retry” to play it again."
        )
        self.redo_button.setEnabled(True)
        self.redo_button.setStyleSheet(RETRY_STYLE)
        self.notice_label.setStyleSheet(FAILURE_STYLE)
        self.notice_label.setText(self.error_message)
        self.source_ended.emit(self.error_message)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._pipeline is not None and self._own_pipeline:
            self._pipeline.close()
        self._pipeline = None
        self._items = None

    def stop(self) -> None:
        """Stop following the source (the timer or the worker)."""
        self._stop_timer()
        if self._worker is not None:
            if not self._worker.stop_and_wait():
                # Still loading models or reading: wait it out rather than drop a running QThread,
                # which Qt aborts on when it is garbage-collected.
                self._worker.wait()
            self._worker = None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.stop()
        super().closeEvent(event)


def run_calibration_window(
    profile_name: str,
    flow: CalibrationFlow,
    camera: int | None = None,
    source: str | None = None,
    announce: Callable[[str], None] | None = None,
    interrupts: "InterruptGuard | None" = None,
) -> int:
    """`coach calibrate` with a window; returns 0 when a profile was saved (128 + the signal after
    Ctrl-C, SIGTERM or SIGHUP, which close the window; nothing is saved then).

    Raises CalibrationError with the reason when the window is closed (or the clip ends) before
    the calibration is complete; nothing is saved then.
    """
    import cv2  # noqa: F401  # before Qt: prepare_qt_environment undoes what this import sets

    from coach.ui.live import source_spec
    from coach.render.qt_env import prepare_qt_environment

    say = announce or logger.info
    spec = source_spec(camera, source)
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    view = CalibrationView(flow, profile_name, mirrored=spec.camera is not None)
    view.finished.connect(lambda _profile: QTimer.singleShot(1500, view.close))
    # A failed step or an ended clip keeps the window open with the reason and Retry; closing
    # the window gives up (the reason is then also printed).
    from coach.ui.signals import close_on_interrupt

    close_on_interrupt(view, interrupts)
    view.show()
    view.watch(spec)
    app.exec()
    view.stop()
    if view.profile is None and interrupts is not None and interrupts.exit_code is not None:
        from coach.interrupts import describe_signal

        say(f"Calibration stopped by {describe_signal(interrupts.pending or 2)}; nothing was saved.")
        return interrupts.exit_code
    if view.profile is None:
        state = flow.state
        if view.error_message:
            reason = view.error_message.rstrip(".")
        elif state.failed:
            reason = failure_message(state).rstrip(".")
        else:
            reason = f"the window was closed at step {state.step_index + 1} of {state.step_count}"
        if "nothing was saved" not in reason:
            reason += "; nothing was saved"
        raise CalibrationError(
            f"Calibration not finished: {reason}. Run `coach calibrate --profile {profile_name}` again to finish."
        )
    say(f"Saved profile '{view.profile.name}' to {view.saved_path}.")
    return 0
