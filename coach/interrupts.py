"""Ctrl-C, SIGTERM and SIGHUP: one clean way to stop, whatever the moment.

The three signals mean the same thing to a user ("stop now, keep what you can"), so they take the
same path: an ``Interrupted`` exception (a ``KeyboardInterrupt``, so every ``except
KeyboardInterrupt`` that already keeps partial work handles all three) carrying the exit code the
shell expects (128 + the signal number: 130, 143, 129).

Raising from a signal handler is only safe where Python code can be abandoned midway. While
heavy native modules load (MediaPipe, Qt's shiboken) an exception in the middle of an import
leaves half-initialised modules behind (ImportError tracebacks, even "Fatal Python error" aborts),
and inside Qt's event loop it surfaces as a traceback from ``paintEvent``. So the guard starts
*deferring*: a signal is remembered, not raised, and ``allow()`` raises it at the first safe
point, where the long work begins. A window polls ``pending`` instead and closes itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

logger = logging.getLogger(__name__)

HANDLED_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_DESCRIPTIONS = {"SIGINT": "Ctrl-C", "SIGTERM": "a request to stop (SIGTERM)", "SIGHUP": "the terminal closing (SIGHUP)"}


def exit_code_for(signal_number: int) -> int:
    """What a shell expects from a program stopped by this signal."""
    return 128 + int(signal_number)


def describe_signal(signal_number: int) -> str:
    """'Ctrl-C', 'a request to stop (SIGTERM)', ... for the terminal and the report."""
    try:
        name = signal.Signals(signal_number).name
    except ValueError:
        return f"signal {signal_number}"
    return _DESCRIPTIONS.get(name, name)


class Interrupted(KeyboardInterrupt):
    """The user (or the system) asked the program to stop; carries which signal and the exit code."""

    def __init__(self, signal_number: int = signal.SIGINT) -> None:
        super().__init__(describe_signal(signal_number))
        self.signal_number = int(signal_number)

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.signal_number)

    @property
    def description(self) -> str:
        return describe_signal(self.signal_number)


def interruption_of(error: BaseException) -> Interrupted:
    """A plain KeyboardInterrupt (raised by Python's own handler) as an Interrupted by SIGINT."""
    return error if isinstance(error, Interrupted) else Interrupted(signal.SIGINT)


def interruption_behind(error: BaseException) -> Interrupted | None:
    """The interruption an error stands for, if any: the error itself, or one it was raised over.

    A signal's exception raised while Qt converts an argument (its enums call back into Python)
    is not passed on by the binding: it fails with ``SystemError: bad argument to internal
    function``, whose context is the interruption. That is the user stopping the program, not a
    fault (seen once in a replay stopped by SIGTERM while the annotated video was being drawn).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return interruption_of(current)
        seen.add(id(current))
        current = current.__context__
    return None


REDELIVER_S = 0.05


def _inside_import(frame: FrameType | None) -> bool:
    """Whether Python is executing an import (the import system's frames are on the stack)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _send_again(signal_number: int) -> None:
    os.kill(os.getpid(), signal_number)


class InterruptGuard:
    """Turns SIGINT, SIGTERM and SIGHUP into ``Interrupted``, deferred until it is safe.

    Use as a context manager around the whole command (it restores the previous handlers). While
    ``deferring`` (the start, and inside ``deferred()``), the first signal is kept in ``pending``;
    ``allow()`` raises it, and any later signal is raised at once. ``on_signal`` callbacks are told
    of every signal (a window uses this to close itself).
    """

    def __init__(self) -> None:
        self.pending: int | None = None
        self._deferring = True
        self._holding = False  # the command is putting its finished work in place: no signal raises any more
        self._held: list[int] = []  # signals that came since, for the SignalHold to count
        self._previous: dict[int, object] = {}
        self._listeners: list[Callable[[int], None]] = []

    def install(self) -> "InterruptGuard":
        if threading.current_thread() is not threading.main_thread():
            return self  # signals are only delivered to the main thread's handlers
        for number in HANDLED_SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def __enter__(self) -> "InterruptGuard":
        return self.install()

    def __exit__(self, *exc_info: object) -> None:
        self.restore()

    @property
    def exit_code(self) -> int | None:
        """The exit code of the signal received, if any."""
        return None if self.pending is None else exit_code_for(self.pending)

    def _handle(self, signal_number: int, frame: FrameType | None) -> None:
        if self.pending is None:
            self.pending = signal_number
        for listener in list(self._listeners):
            listener(signal_number)
        if self._holding:
            self._held.append(signal_number)
            return
        if self._deferring:
            return
        if _inside_import(frame):
            # A module imported lazily mid-run (matplotlib for a region lookup, say) must not be
            # left half-initialised: ask again in a moment, when the import is done.
            timer = threading.Timer(REDELIVER_S, _send_again, args=(signal_number,))
            timer.daemon = True
            timer.start()
            return
        raise Interrupted(signal_number)

    def hold_signals(self) -> None:
        """From here to the end of the command no signal raises: it finishes its files (SignalHold).

        The OS mask SignalHold sets is the main thread's only. With MediaPipe's or the read-ahead's
        threads running, the OS hands a signal to one of them, and Python runs this guard's handler
        on the main thread all the same, whenever that thread next looks: during the hold, or just
        after it (the work then complete). Either way it is kept (``take_held``), not raised."""
        self._holding = True

    def take_held(self) -> list[int]:
        """The signals that came since ``hold_signals``, oldest first; forgotten once taken."""
        held, self._held = self._held, []
        return held

    def allow(self) -> None:
        """From here on signals interrupt at once; one that came while deferring is raised now."""
        self._deferring = False
        if self.pending is not None:
            raise Interrupted(self.pending)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold signals back during a section that must not be cut midway (imports, a commit)."""
        before = self._deferring
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = before
        if not before and self.pending is not None:
            raise Interrupted(self.pending)

    @contextlib.contextmanager
    def listening(self, listener: Callable[[int], None]) -> Iterator[None]:
        """Tell ``listener`` about signals (while deferring) for the duration of the block."""
        self._listeners.append(listener)
        try:
            yield
        finally:
            self._listeners.remove(listener)


class SignalHold:
    """Holds SIGINT, SIGTERM and SIGHUP back (blocked by the OS) from ``start()`` until the end of
    the ``with`` block, then takes any that arrived without raising: ``arrived`` lists them.

    For the short stretch where a run finishes its files (writing a report, renaming it into
    place): a second Ctrl-C there would otherwise throw away work that is seconds from done.
    Does nothing off the main thread or where the OS has no signal masks.

    A mask is per thread: with other threads running, the OS hands a signal to one that does not
    block it, and Python then runs its handler on the main thread all the same. Given the command's
    ``guard``, no signal raises from ``start()`` on (InterruptGuard.hold_signals); those its handler
    took are counted here too.
    """

    def __init__(self, guard: InterruptGuard | None = None) -> None:
        self.arrived: list[int] = []
        self._previous: set[int | signal.Signals] | None = None
        self._guard = guard

    def start(self) -> None:
        if self._guard is not None:
            self._guard.hold_signals()
        if self._previous is not None or not hasattr(signal, "pthread_sigmask"):
            return
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)

    def stop(self) -> None:
        if self._previous is not None:
            waiting = signal.sigpending() & set(HANDLED_SIGNALS)
            for number in sorted(waiting):
                if signal.sigtimedwait([number], 0) is not None:
                    self.arrived.append(int(number))
            signal.pthread_sigmask(signal.SIG_SETMASK, self._previous)
            self._previous = None
        if self._guard is not None:
            self.arrived += self._guard.take_held()

    @property
    def exit_code(self) -> int | None:
        return exit_code_for(self.arrived[0]) if self.arrived else None

    def __enter__(self) -> "SignalHold":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
