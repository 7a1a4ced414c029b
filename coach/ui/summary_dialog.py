"""The end-of-session summary: a few plain lines and "Open report", small enough for a 1280×800 screen.

Shown when the clip ends, the routine finishes, or the user quits (the report is saved first,
marked partial when the routine was not finished).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coach.report.summary import plain_summary

MAX_SIZE = QSize(560, 460)  # well inside 1280×800 with the window's frame and a task bar


class SummaryDialog(QDialog):
    """Steps done, the score, the best step, the one thing to change, and buttons to open the report."""

    def __init__(self, report: dict[str, Any], files: dict[str, Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("session_summary")
        self.setWindowTitle("coach: your session")
        self.setMaximumSize(MAX_SIZE)
        self.setMinimumWidth(420)
        self.files = dict(files)
        summary = plain_summary(report)
        self.summary = summary

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(8)
        self.headline_label = QLabel(summary.headline)
        self.headline_label.setObjectName("headline")
        font = QFont(self.headline_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.headline_label.setFont(font)
        self.headline_label.setWordWrap(True)
        layout.addWidget(self.headline_label)

        self.lines_label = QLabel("\n".join(summary.lines()[1:]))
        self.lines_label.setObjectName("lines")
        self.lines_label.setWordWrap(True)
        self.lines_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body = QFont(self.lines_label.font())
        body.setPointSizeF(body.pointSizeF() * 1.15)
        self.lines_label.setFont(body)
        layout.addWidget(self.lines_label)

        folder = next(iter(self.files.values())).parent if self.files else None
        self.where_label = QLabel(f"Saved in {folder}" if folder else "Nothing was saved (no frames were seen).")
        self.where_label.setWordWrap(True)
        self.where_label.setStyleSheet("color: #6b7280;")
        layout.addWidget(self.where_label)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open report")
        self.open_button.setDefault(True)
        self.open_button.setEnabled("html" in self.files or "json" in self.files)
        self.open_button.clicked.connect(self.open_report)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.adjustSize()

    def open_report(self) -> None:
        """report.html in the browser (or the folder when only report.json was written)."""
        target = self.files.get("html") or (next(iter(self.files.values())).parent if self.files else None)
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
