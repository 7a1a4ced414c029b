"""The live window's side panel: everything written, beside the picture and never over the face.

From top to bottom: the guided-mode cue (safety notes, rest, demonstration, side countdown), the
current step (title, side, reps with a bar, pressure, why it helps, what to do), the "Jump to …?"
offer, the last stroke (score, what it was in cm/s, a slower/faster gauge, its correction), the
tracking message, a free status line other features write to (``set_status_line``), and the
routine's step list (click a step to go there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from coach.render.palette import score_hex
from coach.technique.guidance import (
    Guidance,
    SpeedScale,
    TempoGauge,
    is_unsure,
    pressure_words,
    step_title,
    tempo_gauge,
    why_it_helps,
)
from coach.types import ScoredStroke, StepProgress

if TYPE_CHECKING:
    from coach.technique import Technique

PANEL_WIDTH_PX = 300
CARD_STYLE = "QFrame#card { background: #1d2027; border-radius: 8px; } QLabel { color: #e8eaee; }"
MUTED = "color: #a9afba;"
CUE_STYLE = "QFrame#cue { background: #2b3a1f; border-radius: 8px; } QLabel { color: #f2f7e8; }"
STATUS_STYLE = "background: #4a3300; color: #ffd27a; border-radius: 6px; padding: 6px; font-weight: bold;"
NOTICE_STYLE = "background: #1d2a3a; color: #cfe3ff; border-radius: 6px; padding: 6px;"


def _label(text: str = "", style: str = "", bold: bool = False, size_factor: float = 1.0) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if style:
        label.setStyleSheet(style)
    if bold or size_factor != 1.0:
        font = QFont(label.font())
        font.setBold(bold)
        if size_factor != 1.0:
            font.setPointSizeF(font.pointSizeF() * size_factor)
        label.setFont(font)
    return label


def _card(name: str = "card") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setStyleSheet(CARD_STYLE if name == "card" else CUE_STYLE)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 8)
    layout.setSpacing(3)
    return frame, layout


class TempoGaugeWidget(QWidget):
    """A horizontal bar: slower on the left, the target band in green, faster on the right, and a
    marker where the last stroke was. Reads at a glance without numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gauge: TempoGauge | None = None
        self.setFixedHeight(26)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_gauge(self, gauge: TempoGauge | None) -> None:
        self.gauge = gauge
        self.setVisible(gauge is not None)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(200, 26)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self.gauge is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width, bar_top, bar_h = float(self.width()), 4.0, 8.0
        # The gauge spans position -1 … 2; the band is 0 … 1 (the middle third).
        def x_at(position: float) -> float:
            return 6.0 + (width - 12.0) * (position + 1.0) / 3.0

        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(90, 96, 108)))
        painter.drawRoundedRect(QRectF(6.0, bar_top, width - 12.0, bar_h), 4, 4)
        painter.setBrush(QBrush(QColor(40, 180, 99)))
        painter.drawRect(QRectF(x_at(0.0), bar_top, x_at(1.0) - x_at(0.0), bar_h))
        marker = x_at(self.gauge.position)
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        painter.setPen(QPen(QColor(0, 0, 0), 1.0))
        painter.drawEllipse(QPointF(marker, bar_top + bar_h / 2), 6.0, 6.0)
        painter.setPen(QColor(169, 175, 186))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 0.8)
        painter.setFont(font)
        painter.drawText(QRectF(0, bar_top + bar_h + 1, width / 2, 12), int(Qt.AlignmentFlag.AlignLeft), "slower")
        painter.drawText(QRectF(width / 2, bar_top + bar_h + 1, width / 2, 12), int(Qt.AlignmentFlag.AlignRight), "faster")
        painter.end()


class SidePanel(QWidget):
    """See the module docstring. Signals: ``jump_requested(step_index)`` from the list or the offer."""

    jump_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(PANEL_WIDTH_PX)
        self.setObjectName("side_panel")
        self._technique: "Technique | None" = None
        self._speed_scale = SpeedScale()
        self._offer: int | None = None
        self._shown_progress_key: tuple[object, ...] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.setSpacing(8)

        self.paused_label = _label("Paused: press Space to resume", style=STATUS_STYLE)
        self.paused_label.setObjectName("paused")
        self.paused_label.hide()
        layout.addWidget(self.paused_label)

        self.cue_card, cue = _card("cue")
        self.cue_title = _label(bold=True, size_factor=1.1)
        self.cue_detail = _label()
        cue.addWidget(self.cue_title)
        cue.addWidget(self.cue_detail)
        self.cue_card.hide()
        layout.addWidget(self.cue_card)

        self.step_card, step = _card()
        self.step_count_label = _label(style=MUTED)
        self.step_title_label = _label(bold=True, size_factor=1.35)
        self.step_title_label.setObjectName("step_title")
        self.side_label = _label()
        self.reps_bar = QProgressBar()
        self.reps_bar.setTextVisible(False)
        self.reps_bar.setFixedHeight(8)
        self.pressure_label = _label(style=MUTED)
        self.why_label = _label(style=MUTED + " font-style: italic;")
        self.instruction_label = _label()
        for widget in (self.step_count_label, self.step_title_label, self.side_label, self.reps_bar,
                       self.pressure_label, self.instruction_label, self.why_label):
            step.addWidget(widget)
        layout.addWidget(self.step_card)

        self.jump_button = QPushButton()
        self.jump_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.jump_button.setStyleSheet("font-weight: bold; padding: 6px;")
        self.jump_button.clicked.connect(self._on_jump_offer)
        self.jump_button.hide()
        layout.addWidget(self.jump_button)

        self.feedback_card, feedback = _card()
        self.score_label = _label(bold=True, size_factor=1.8)
        self.stroke_label = _label(style=MUTED)
        self.gauge = TempoGaugeWidget()
        self.gauge_words = _label()
        self.correction_label = _label(bold=True, size_factor=1.1)
        self.correction_label.setObjectName("correction")
        feedback_widgets: tuple[QWidget, ...] = (self.score_label, self.stroke_label, self.gauge, self.gauge_words,
                                                 self.correction_label)
        for item in feedback_widgets:
            feedback.addWidget(item)
        self.feedback_card.hide()
        layout.addWidget(self.feedback_card)

        self.tracking_label = _label(style=STATUS_STYLE)
        self.tracking_label.hide()
        layout.addWidget(self.tracking_label)
        self.status_line = _label(style=NOTICE_STYLE)
        self.status_line.setObjectName("status_line")
        self.status_line.hide()
        layout.addWidget(self.status_line)

        self.list_title = _label("Routine", style=MUTED)
        layout.addWidget(self.list_title)
        self.step_list = QListWidget()
        self.step_list.setObjectName("step_list")
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
        self.step_list.setToolTip("Click a step to go there (or press its number)")
        self.step_list.itemClicked.connect(self._on_item_clicked)
        self.step_list.setMinimumHeight(90)
        # The list takes what room is left (scrolling when short of it); the cards above never shrink.
        self.step_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.step_list.setStyleSheet(
            "QListWidget { background: #1d2027; color: #e8eaee; border: none; border-radius: 8px; padding: 4px; }"
            "QListWidget::item { padding: 3px; } QListWidget::item:selected { background: #2f4a63; color: white; }"
        )
        layout.addWidget(self.step_list, 1)
        self.set_technique(None)

    # ---- setting what is shown

    def set_technique(self, technique: "Technique | None") -> None:
        self._technique = technique
        self._shown_progress_key = None
        self.step_list.clear()
        if technique is None:
            self.step_card.hide()
            self.list_title.setText("No routine chosen: strokes are detected, not scored")
            self.step_list.hide()
            return
        self.list_title.setText(f"Routine: {technique.title}")
        self.step_list.show()
        self.step_card.hide()  # until the first frame says where the routine stands
        for index, step in enumerate(technique.steps):
            item = QListWidgetItem(f"{index + 1}. {step_title(step.name)}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setToolTip(step.instruction)
            self.step_list.addItem(item)

    def set_speed_scale(self, scale: SpeedScale) -> None:
        self._speed_scale = scale

    def set_status_line(self, text: str) -> None:
        """A free line for other features (history, "your computer is busy"): hidden when empty."""
        self.status_line.setText(text)
        self.status_line.setVisible(bool(text))

    def set_paused(self, paused: bool) -> None:
        self.paused_label.setVisible(paused)

    def set_tracking_message(self, text: str) -> None:
        if text != self.tracking_label.text():
            self.tracking_label.setText(text)
            self.tracking_label.setVisible(bool(text))

    def set_guidance(self, guidance: Guidance) -> None:
        show = guidance.phase in ("safety", "rest", "demo", "countdown", "finished")
        if show:
            if self.cue_title.text() != guidance.headline:
                self.cue_title.setText(guidance.headline)
            if self.cue_detail.text() != guidance.detail:
                self.cue_detail.setText(guidance.detail)
        if self.cue_card.isVisible() != show:
            self.cue_card.setVisible(show)

    def set_progress(self, progress: StepProgress | None, done_steps: Sequence[bool] = ()) -> None:
        """The current step card and the list's highlight (cheap when nothing changed)."""
        key = None if progress is None else (progress.technique, progress.step_index, progress.side, progress.reps_done,
                                              progress.reps_wanted, progress.finished, tuple(done_steps))
        if key == self._shown_progress_key:
            return
        self._shown_progress_key = key
        if progress is None or self._technique is None:
            return
        steps = self._technique.steps
        self.step_card.show()
        if progress.finished:
            self.step_count_label.setText(f"All {len(steps)} steps")
            self.step_title_label.setText("Routine finished")
            for widget in (self.side_label, self.reps_bar, self.pressure_label, self.why_label, self.instruction_label):
                widget.hide()
        else:
            step = steps[progress.step_index]
            self.step_count_label.setText(f"Step {progress.step_index + 1} of {progress.step_count}")
            self.step_title_label.setText(step_title(progress.step_name))
            if progress.seconds_wanted is not None:
                amount = f"{progress.reps_done} of {progress.reps_wanted} s"
            else:
                amount = f"{progress.reps_done} of {progress.reps_wanted} reps"
            self.side_label.setText(f"{progress.side.capitalize()} side · {amount}" if progress.side else amount)
            self.reps_bar.setRange(0, max(1, progress.reps_wanted))
            self.reps_bar.setValue(min(progress.reps_done, progress.reps_wanted))
            tempo = ""
            if step.pattern == "glide" and step.speed_fu_s is not None:
                tempo = f" · target {self._speed_scale.say_range(*step.speed_fu_s)}"
            elif step.rate_hz is not None:
                tempo = f" · {step.rate_hz[0]:g}–{step.rate_hz[1]:g} per second"
            elif step.hold_s is not None:
                tempo = f" · hold {step.hold_s[0]:g}–{step.hold_s[1]:g} s"
            self.pressure_label.setText(pressure_words(step.pressure) + tempo)
            self.why_label.setText(why_it_helps(step))
            self.instruction_label.setText(step.instruction)
            for widget in (self.side_label, self.reps_bar, self.pressure_label, self.why_label, self.instruction_label):
                widget.show()
        for row in range(self.step_list.count()):
            item = self.step_list.item(row)
            done = row < len(done_steps) and done_steps[row]
            prefix = "✓ " if done else ("▶ " if row == progress.step_index and not progress.finished else "   ")
            item.setText(f"{prefix}{row + 1}. {step_title(steps[row].name)}")
            font = item.font()
            font.setBold(row == progress.step_index and not progress.finished)
            item.setFont(font)
        if not progress.finished:
            self.step_list.setCurrentRow(progress.step_index)
            self.step_list.scrollToItem(self.step_list.item(progress.step_index))

    def set_jump_offer(self, step_index: int | None) -> None:
        self._offer = step_index
        if step_index is None or self._technique is None:
            self.jump_button.hide()
            return
        self.jump_button.setText(f"Jump to {step_title(self._technique.steps[step_index].name)}?")
        self.jump_button.show()

    def set_last_stroke(self, scored: ScoredStroke | None) -> None:
        """The last stroke of the current step, or nothing (a finished step's card does not linger)."""
        if scored is None:
            self.feedback_card.hide()
            return
        stroke, score = scored.stroke, scored.score
        if is_unsure(scored):
            self.score_label.setText("?")
            self.score_label.setStyleSheet("color: #a9afba;")
            self.stroke_label.setText("Unsure: that stroke was hard to see")
            self.gauge.set_gauge(None)
            self.gauge_words.hide()
            self.correction_label.setText("Keep your hand in view and carry on")
            self.feedback_card.show()
            return
        if score.total is not None:
            self.score_label.setText(f"{score.total:.0f}")
            self.score_label.setStyleSheet(f"color: {score_hex(score.total)};")
            self.score_label.show()
        else:
            self.score_label.hide()
        what = stroke.pattern if stroke.direction is None else f"{stroke.pattern} {stroke.direction}"
        if stroke.pattern == "glide" and stroke.speed_fu_s is not None:
            what += f" · {self._speed_scale.say(stroke.speed_fu_s)}"
        elif stroke.rate_hz is not None:
            what += f" · {stroke.count}× at {stroke.rate_hz:.1f} per second"
        self.stroke_label.setText(f"Last stroke: {what}")
        gauge = self._gauge_for(scored)
        self.gauge.set_gauge(gauge)
        self.gauge_words.setText(gauge.words if gauge is not None else "")
        self.gauge_words.setVisible(gauge is not None)
        corrections = score.corrections[:2]
        self.correction_label.setText("\n".join(corrections) if corrections else ("Good stroke" if score.total is not None else ""))
        self.feedback_card.show()

    def _gauge_for(self, scored: ScoredStroke) -> TempoGauge | None:
        if self._technique is None or scored.score.step_index is None:
            return None
        if scored.score.step_index >= len(self._technique.steps):
            return None
        step = self._technique.steps[scored.score.step_index]
        stroke = scored.stroke
        if step.pattern == "glide" and step.speed_fu_s is not None and stroke.speed_fu_s is not None and stroke.pattern == "glide":
            return tempo_gauge(stroke.speed_fu_s, step.speed_fu_s, "speed")
        if step.rate_hz is not None and stroke.rate_hz is not None and stroke.pattern == step.pattern:
            return tempo_gauge(stroke.rate_hz, step.rate_hz, "rate")
        return None

    # ---- user actions

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if index is not None:
            self.jump_requested.emit(int(index))

    def _on_jump_offer(self) -> None:
        if self._offer is not None:
            self.jump_requested.emit(self._offer)
