"""The live window's history line: the practice streak and how the chosen technique went last time
("4-day streak · Last time: 72, slow down"), so a session starts from where the last one ended.

One self-contained label: ``make_history_panel`` builds it, ``show_technique`` refreshes it when the
routine changes. The text comes from ``coach.report.history_trends`` (Qt-free); reading the
history is a few small queries, done on the GUI thread only at start and when the technique changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from coach.technique import Technique

logger = logging.getLogger(__name__)

PANEL_STYLE = "color: #2b5d7a; background: #eef6fb; border-radius: 6px; padding: 3px 10px;"


class HistoryPanel(QLabel):
    """A one-line label with the streak and last time's score and main correction."""

    def __init__(self, enabled: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history")
        self.setStyleSheet(PANEL_STYLE)
        self.setToolTip("From your session history ('coach history' lists it; '--no-history' leaves a session out)")
        self._enabled = enabled
        self.setVisible(enabled)

    def show_technique(self, technique: "Technique | None") -> None:
        """Read the history for this technique (or all, for none) and show the line."""
        if not self._enabled:
            return
        from coach.report.history_trends import history_summary_text

        try:
            text = history_summary_text(technique=technique.name if technique is not None else None)
        except Exception as error:  # the history is a nicety here: the window works without it
            logger.warning("History panel: cannot read the history (%s)", error)
            text = ""
        self.setText(text)
        self.setVisible(bool(text))


def make_history_panel(technique: "Technique | None", enabled: bool = True) -> HistoryPanel:
    """The panel, already showing the line for ``technique`` (hidden when history is off)."""
    panel = HistoryPanel(enabled)
    panel.show_technique(technique)
    return panel
