"""Two models on the same frame at once: one on a persistent helper thread, one on the caller's.

MediaPipe releases the GIL while a graph runs, so Face Mesh and Hands on one frame can use both
cores of a small machine instead of one after the other (about 1.2× faster for a plain loop on a
real clip, issue 11). The helper thread is created once and reused for every frame: starting a
thread per frame would cost more than it saves.

Each model keeps being called from one place, frame after frame, and ``run_pair`` returns only
when both calls are done, so every graph still sees its frames in order with increasing
timestamps and the results are the same as running the two calls one after the other. Any tracker
backend (legacy Solutions or the Tasks API) can use this.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from coach.closing import ClosesOnExit

_MainResult = TypeVar("_MainResult")
_SideResult = TypeVar("_SideResult")
_Result = TypeVar("_Result")
_Item = TypeVar("_Item")


def with_next(items: Iterable[_Item]) -> Iterator[tuple[_Item, _Item | None]]:
    """Each item with the one after it (None after the last), reading one item ahead: a tracker
    given the next frame can start a model on it early."""
    iterator = iter(items)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


class TimedResult(Generic[_Result]):
    """A call's result and how many milliseconds it took on the thread that ran it."""

    __slots__ = ("value", "elapsed_ms")

    def __init__(self, value: _Result, elapsed_ms: float) -> None:
        self.value = value
        self.elapsed_ms = elapsed_ms


def timed_call(call: Callable[[], _Result]) -> TimedResult[_Result]:
    """Run ``call`` and time it (milliseconds on the running thread's wall clock)."""
    started = time.perf_counter()
    value = call()
    return TimedResult(value, (time.perf_counter() - started) * 1e3)


class PairRunner(ClosesOnExit):
    """Runs ``side`` on a persistent helper thread while the caller runs ``main``; waits for both.

    With ``concurrent=False`` the two run one after the other on the caller's thread (``main``
    first): the reference order the concurrent results must equal, and the choice for a one-core
    machine. ``close`` waits for a call still running and ends the helper thread, so no thread
    outlives the runner.
    """

    def __init__(self, concurrent: bool = True, name: str = "coach-side-model") -> None:
        self.concurrent = concurrent
        self._executor: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) if concurrent else None
        )

    def submit(self, side: Callable[[], _SideResult]) -> "Future[TimedResult[_SideResult]]":
        """Start ``side`` on the helper thread now; its result is picked up later by ``run_with``.

        Lets a caller start the side model on the next frame before it has finished with this one
        (the helper thread runs calls one at a time, in the order they were submitted). Without a
        helper thread the call runs here and the returned future is already done.
        """
        if self._executor is not None:
            return self._executor.submit(timed_call, side)
        done: Future[TimedResult[_SideResult]] = Future()
        try:
            done.set_result(timed_call(side))
        except BaseException as error:  # kept for the caller, as the executor would
            done.set_exception(error)
        return done

    def run_with(
        self, main: Callable[[], _MainResult], pending: "Future[TimedResult[_SideResult]]"
    ) -> tuple[TimedResult[_MainResult], TimedResult[_SideResult]]:
        """Run ``main`` here while ``pending`` finishes; both results, an error raised after both ended.

        Waiting for ``pending`` even when ``main`` failed matters: the next frame must not reach the
        side model while it is still busy with this one.
        """
        try:
            main_result = timed_call(main)
        finally:
            side_result = pending.result()  # re-raises the side model's error, if any
        return main_result, side_result

    def run_pair(
        self, main: Callable[[], _MainResult], side: Callable[[], _SideResult]
    ) -> tuple[TimedResult[_MainResult], TimedResult[_SideResult]]:
        """Both results with their own durations (``side`` on the helper thread, ``main`` here)."""
        if self._executor is None:
            return timed_call(main), timed_call(side)
        return self.run_with(main, self.submit(side))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
