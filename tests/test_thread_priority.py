"""The tracking threads' lower priority: set on the calling thread, inherited by the threads it
starts, never applied to the main (GUI) thread. Real threads, real nice values (Linux)."""

from __future__ import annotations

import sys
import threading

import pytest

from coach.thread_priority import BACKGROUND_NICE_STEPS, lower_this_thread, thread_nice

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are a Linux feature")


def test_a_worker_thread_and_the_threads_it_starts_run_lower_and_the_main_thread_does_not() -> None:
    main_nice = thread_nice(threading.get_native_id())
    assert main_nice is not None
    seen: dict[str, object] = {}

    def child() -> None:
        seen["child"] = thread_nice(threading.get_native_id())

    def worker() -> None:
        seen["lowered"] = lower_this_thread()
        seen["worker"] = thread_nice(threading.get_native_id())
        started_later = threading.Thread(target=child)
        started_later.start()
        started_later.join()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    expected = min(19, main_nice + BACKGROUND_NICE_STEPS)
    assert seen == {"lowered": True, "worker": expected, "child": expected}
    assert thread_nice(threading.get_native_id()) == main_nice


def test_the_main_thread_is_never_lowered() -> None:
    before = thread_nice(threading.get_native_id())
    assert lower_this_thread() is False
    assert thread_nice(threading.get_native_id()) == before
