"""Deciding that something has been held still long enough, on the frames' own timestamps."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hold:
    """A completed hold: the mean position and how long it was held."""

    position: np.ndarray
    duration_s: float
    samples: int


class HoldDetector:
    """Accepts a position once it has stayed within ``radius`` of the latest sample for ``hold_s``.

    Only the unbroken run of recent samples near the latest one counts, so moving away and coming
    back starts the hold again; a gap in the samples (hand out of view) also restarts it.
    """

    def __init__(self, radius: float, hold_s: float, max_gap_s: float = 0.25) -> None:
        self.radius = radius
        self.hold_s = hold_s
        self.max_gap_s = max_gap_s
        self._times: deque[float] = deque()
        self._points: deque[np.ndarray] = deque()

    def reset(self) -> None:
        self._times.clear()
        self._points.clear()

    def add(self, timestamp_s: float, point: np.ndarray) -> Hold | None:
        """Add a sample; returns the Hold when the point has been still for long enough."""
        point = np.asarray(point, dtype=float)
        if self._times and timestamp_s - self._times[-1] > self.max_gap_s:
            self.reset()
        self._times.append(timestamp_s)
        self._points.append(point)
        # Keep only the unbroken run of samples near the newest one.
        for index in range(len(self._points) - 1, -1, -1):
            if np.linalg.norm(self._points[index] - point) > self.radius:
                for _ in range(index + 1):
                    self._times.popleft()
                    self._points.popleft()
                break
        held_s = self._times[-1] - self._times[0]
        if held_s >= self.hold_s:
            return Hold(position=np.mean(np.stack(self._points), axis=0), duration_s=held_s, samples=len(self._points))
        return None

    @property
    def held_s(self) -> float:
        return self._times[-1] - self._times[0] if self._times else 0.0

    @property
    def fraction(self) -> float:
        """How far into the hold (0..1), for a progress bar."""
        return min(1.0, self.held_s / self.hold_s) if self.hold_s > 0 else 1.0
