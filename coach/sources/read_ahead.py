"""Decode the next few frames on a reader thread while the current one is tracked.

Decoding a video frame (OpenCV releases the GIL while it decodes) and tracking the previous one
can use both cores at once; one after the other, the tracker waits for every decode. The queue
between them holds only a few frames, so memory stays flat however long the clip is, and the
reader simply waits when it is that far ahead.

The consumer stays in charge: when it stops early (Ctrl-C, an error downstream, a closed window),
``close`` tells the reader to stop, frees a reader blocked on a full queue and joins it, so no
thread outlives the replay and the source can then be closed safely. An error while reading is
raised in the consumer, in frame order, after the frames read before it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from coach.closing import ClosesOnExit

logger = logging.getLogger(__name__)

_Item = TypeVar("_Item")

READ_AHEAD_FRAMES = 4
"""Frames decoded ahead: enough to hide a slow decode, a few MB even for 1280×720."""
POLL_S = 0.1
"""Longest wait between looks at the stop flag; also how quickly Ctrl-C is noticed while waiting."""
JOIN_TIMEOUT_S = 5.0


class _End:
    """Marks the end of the stream in the queue (with the reader's error, if it failed)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(ClosesOnExit, Generic[_Item]):
    """Iterates ``items`` on a reader thread, ``depth`` items ahead of the consumer.

    Iterate it once; ``close`` (or leaving a ``with`` block) stops and joins the reader. It does not
    close the underlying source: its owner does that after ``close``, when no thread is reading.
    """

    def __init__(self, items: Iterable[_Item], depth: int = READ_AHEAD_FRAMES, name: str = "coach-read-ahead") -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, not {depth}")
        self._items = items
        self._queue: queue.Queue[_Item | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name=name, daemon=True)
        self._started = False
        self._iterated = False
        self._finished = False

    def _put(self, entry: "_Item | _End") -> bool:
        """Queue ``entry``, waiting while the queue is full; False when asked to stop meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            self._put(_End(error))
            return
        self._put(_End())

    def start(self) -> None:
        """Start reading now, before the consumer's first look (by default, reading starts then):
        the queue fills while the consumer is still getting ready. Does nothing once started."""
        if not self._started and not self._stop.is_set():
            self._started = True
            self._thread.start()

    def __iter__(self) -> Iterator[_Item]:
        if self._iterated:
            raise RuntimeError("ReadAhead can be iterated only once")
        self._iterated = True
        self.start()
        while not self._finished:
            try:
                entry = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    self._finished = True  # the reader was stopped by close()
                continue
            if isinstance(entry, _End):
                self._finished = True
                if entry.error is not None:
                    raise entry.error
                return
            yield entry

    def close(self) -> None:
        """Stop the reader and wait for it; safe to call more than once and before iterating.

        The reader notices within ``POLL_S`` (or when the frame it is decoding is done), since it
        never blocks on the queue for longer than that.
        """
        self._stop.set()
        self._finished = True
        if not self._started:
            return
        self._thread.join(JOIN_TIMEOUT_S)
        if self._thread.is_alive():
            logger.warning("the frame reader did not stop within %.0f s; leaving it behind (daemon thread)", JOIN_TIMEOUT_S)
