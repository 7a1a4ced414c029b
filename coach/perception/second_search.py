"""Track one face with a graph asked for one, and look for a second one now and then.

Why: MediaPipe's legacy Face Mesh (and Hands) graphs, asked for up to two, run their detector on
every frame in which they track fewer than two: the graph cannot know that the second will not
come. Coach asks for two faces only to warn about a second person and to keep coaching the largest
face, yet with one face in view (nearly always) that cost the face detector on every frame.
Measured on a real 640×480 clip of one face (two cores, medians over 140 frames, one graph at a
time): Face Mesh asked for two faces 9.1–9.7 ms a frame, asked for one 6.2–6.3.

So a graph asked for one tracks while one is in view. Every ``probe_every`` frames during which it
tracks one (and on the frame it first finds one), a still-image graph asked for two looks at the
frame afresh: it has no tracking state to go stale between looks. When it finds two, that frame's
answer is the probe's, and a video graph asked for two tracks from the next frame on, as before,
until it has seen fewer than two for ``settle_frames`` frames in a row; then the graph asked for one
takes over again. A second person is therefore noticed at most ``probe_every`` frames after coming
into view, and nothing changes while two are in view.

A video graph keeps the last place it tracked something and looks there first in the next frame it
is given. A graph coming back into use after other frames went to the other graph is therefore
first given a blank frame, so that it finds its face afresh instead of reading landmarks where the
face was long ago. Each switch costs one such extra detection.

The probe's landmarks are not used when it finds one face only: a still-image graph's landmarks
differ a little from the tracking graph's, and a small jump every second would move the face frame.

Hands do not use this (coach.perception.tracker, ``Tracker._hands_graph``): a graph asked for one
hand holds on to the first hand it finds, and on the real-pixel tuning clips that was at times a
hand resting in view off the face while the stroking hand went unseen until a probe. Hands stays
asked for two, and its palm detector is thinned inside its own graph instead
(coach.perception.hands_graph).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)


class Graph(Protocol):
    """What coach uses of a MediaPipe Solutions graph."""

    def process(self, image: np.ndarray) -> Any: ...

    def close(self) -> None: ...


GraphFactory = Callable[[int, bool], Graph]
"""Makes a graph asked for up to this many faces, a still-image one when the flag is set."""


class OneOrTwo:
    """A video graph asked for one, with a second one searched for (see the module docstring).

    ``count`` says how many distinct objects (faces) a graph's result holds. Used by one thread at
    a time, frames in time order.
    """

    def __init__(self, make: GraphFactory, count: Callable[[Any], int], probe_every: int, settle_frames: int) -> None:
        if probe_every < 1 or settle_frames < 1:
            raise ValueError("probe_every and settle_frames must be at least 1")
        self._make = make
        self._count = count
        self.probe_every = probe_every
        self.settle_frames = settle_frames
        self._one: Graph = make(1, False)
        self._two: Graph | None = None
        self._probe: Graph | None = None
        self._using_two = False
        self._one_stale = False
        self._two_stale = False
        self._since_probe = 0
        self._tracking_one = False
        self._fewer_in_a_row = 0
        self.probes = 0
        self.switches = 0

    @property
    def using_two(self) -> bool:
        """Whether the graph asked for two is tracking (two were in view lately)."""
        return self._using_two

    def process(self, image: np.ndarray) -> Any:
        if self._using_two:
            return self._process_two(image)
        if self._one_stale:
            self._one.process(np.zeros_like(image))
            self._one_stale = False
        result = self._one.process(image)
        if self._count(result) == 0:
            self._tracking_one = False
            return result
        # One just found may have come with another: look at once; then every probe_every frames.
        self._since_probe = self._since_probe + 1 if self._tracking_one else self.probe_every
        self._tracking_one = True
        if self._since_probe < self.probe_every:
            return result
        self._since_probe = 0
        self.probes += 1
        if self._probe is None:
            self._probe = self._make(2, True)
        probed = self._probe.process(image)
        if self._count(probed) < 2:
            return result
        logger.debug("a second one came into view; tracking two")
        self._using_two = True
        self._fewer_in_a_row = 0
        self._one_stale = True
        self.switches += 1
        return probed

    def _process_two(self, image: np.ndarray) -> Any:
        if self._two is None:
            self._two = self._make(2, False)
        elif self._two_stale:
            self._two.process(np.zeros_like(image))
            self._two_stale = False
        result = self._two.process(image)
        if self._count(result) >= 2:
            self._fewer_in_a_row = 0
            return result
        self._fewer_in_a_row += 1
        if self._fewer_in_a_row >= self.settle_frames:
            logger.debug("one or none in view for %d frames; tracking one", self._fewer_in_a_row)
            self._using_two = False
            self._two_stale = True
            self._tracking_one, self._since_probe = True, 0  # (it has just looked for two, settle_frames times)
            self.switches += 1
        return result

    def close(self) -> None:
        for graph in (self._one, self._two, self._probe):
            if graph is not None:
                graph.close()
