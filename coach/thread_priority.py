"""Tracking and analysis threads yield to the thread that paints, so the picture is never late.

Why: on a two-core machine the live window's MediaPipe graphs, its analysis and the capture
thread keep both cores busy. When a processed frame arrives, the GUI thread (a few milliseconds
of painting) had to wait for a core behind them, and the person saw each frame later than it was
ready. Measured on the live benchmark (a 640×480 30 fps clip, the window at 960×760; a shared
2-core machine at load 2.3–7 from other programs; nine interleaved pairs, medians): with the
worker's threads 4 nice steps below the window, GUI thread per frame p50 11.4 → 8.6 ms (p95
25 → 20 ms; its own CPU unchanged at 4.6 ms), capture → paint p50 70 → 62 ms (p95 126 → 118 ms),
and tracking not slower: processed fps 21 → 22, worker p50 39 → 35 ms. 10 steps starved tracking
(18 fps); SCHED_BATCH for the worker was no better than nothing.

How: Linux schedules each thread on its own, with its own nice value, and a thread starts with
the nice value of the thread that created it. ``lower_this_thread`` raises the calling thread's
nice value, so the worker calls it first thing and every thread it then starts (the capture
thread, the helper running Hands, MediaPipe's own graph threads) runs at that priority too, while
the GUI thread keeps its own. Raising a nice value needs no privileges; lowering it back does, so
a lowered thread stays lowered until it ends (a worker is a fresh thread per session). On other
systems a process has one nice value for all its threads, so nothing is changed there.

Other programs: where Linux groups threads by session or application before sharing the cores
(autogroup, on by default on desktop kernels, or systemd's per-application groups), a nice value
only orders the threads within coach, and tracking keeps its share against other busy programs.
Without such grouping tracking also gives way a little to them; the window then lightens tracking
as it does on any busy machine (``coach.perception.degradation``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

logger = logging.getLogger(__name__)

BACKGROUND_NICE_STEPS = 4
"""How far below the GUI thread the tracking threads run (see the module docstring for the figures)."""


def lower_this_thread(steps: int = BACKGROUND_NICE_STEPS) -> bool:
    """Raise the calling thread's nice value by ``steps``; True when it was changed.

    Does nothing on the main thread (in a Qt program, the GUI thread itself) and outside Linux.
    Never raises: a priority that cannot be changed only costs smoothness.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return False
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + steps))
    except OSError as error:
        logger.debug("could not lower the priority of thread %d: %s", thread_id, error)
        return False
    return True


def thread_nice(thread_id: int) -> int | None:
    """The nice value of one thread of this process (Linux), or None when it cannot be read."""
    if not hasattr(os, "getpriority"):  # Windows
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, thread_id)
    except OSError:
        return None
