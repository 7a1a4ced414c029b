"""Ctrl-C, SIGTERM and SIGHUP close a Qt window the way its close button does.

Inside Qt's event loop Python runs only in callbacks, so an exception raised by a signal handler
would surface in whatever callback runs next (a traceback from ``paintEvent``). The CLI's
``InterruptGuard`` therefore keeps signals pending while a window is up, and a light timer here
looks at it a few times a second and closes the window: the session's report is saved as on any
close, and the command exits with the signal's code.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from coach.interrupts import InterruptGuard

POLL_MS = 100


def close_on_interrupt(window: QWidget, interrupts: InterruptGuard | None) -> QTimer | None:
    """Close ``window`` soon after a signal arrives; returns the timer (kept alive by its parent)."""
    if interrupts is None:
        return None
    timer = QTimer(window)
    timer.setInterval(POLL_MS)

    def check() -> None:
        if interrupts.pending is not None:
            timer.stop()
            window.close()

    timer.timeout.connect(check)
    timer.start()
    return timer
