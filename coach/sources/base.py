"""What every frame source shares: iteration, closing, and optional real-time pacing.

A source is the only place that knows where pixels come from. Everything after it sees the same
``Frame(index, timestamp_s, image)`` stream, so live coaching, replay and tests run one code path.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Literal

from coach.closing import ClosesOnExit
from coach.errors import SourceError
from coach.types import Frame

Pacing = Literal["fast", "realtime"]
PACINGS: tuple[str, ...] = ("fast", "realtime")


def check_pacing(pacing: str) -> Pacing:
    """Refuse a misspelt pacing early rather than silently running at the wrong speed."""
    if pacing not in PACINGS:
        raise SourceError(f"Unknown pacing '{pacing}': use 'fast' (replay) or 'realtime' (play as a camera).")
    return pacing  # type: ignore[return-value]


class RealtimePacer:
    """Holds frames back until their presentation time has come on the wall clock.

    This makes a file behave like a camera: a consumer that keeps up sees frames at the clip's own
    rhythm. A consumer that falls behind is not made to wait (there is nothing to wait for); with
    ``drop_late`` the source may skip frames that are already more than one frame interval late,
    as a camera driver would.
    """

    def __init__(self) -> None:
        self._wall_start: float | None = None
        self._media_start: float = 0.0

    def lateness_s(self, timestamp_s: float) -> float:
        """How far behind the wall clock this frame already is (negative: it is early)."""
        if self._wall_start is None:
            return 0.0
        due = self._wall_start + (timestamp_s - self._media_start)
        return time.monotonic() - due

    def wait_for(self, timestamp_s: float) -> None:
        """Sleep until the frame stamped ``timestamp_s`` is due; the first frame is due at once."""
        now = time.monotonic()
        if self._wall_start is None:
            self._wall_start = now
            self._media_start = timestamp_s
            return
        delay = self._wall_start + (timestamp_s - self._media_start) - now
        if delay > 0:
            time.sleep(delay)


class FrameSource(ClosesOnExit, ABC):
    """An iterable of ``Frame`` that owns a device or file handle and releases it on ``close``.

    Iterating continues from where the previous iteration stopped (like reading a file); a closed
    source yields nothing more. Subclasses set ``_fps``, ``_width`` and ``_height`` when opened.
    """

    _fps: float
    _width: int
    _height: int

    @property
    def fps(self) -> float:
        """Nominal frame rate (the container's or the camera's claim; timestamps are the truth)."""
        return self._fps

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def frame_count(self) -> int | None:
        """Number of frames if known in advance (may be the container's estimate); None for live sources."""
        return None

    @property
    def is_live(self) -> bool:
        """True for a camera: frames cannot be replayed and timestamps are wall-clock."""
        return False

    @property
    @abstractmethod
    def description(self) -> str:
        """A short human name for messages and report headers (file name, 'camera 0', ...)."""

    @abstractmethod
    def frames(self) -> Iterator[Frame]:
        """Yield frames until the source is exhausted or closed."""

    def close(self) -> None:
        """Release the underlying handle; safe to call more than once."""

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

