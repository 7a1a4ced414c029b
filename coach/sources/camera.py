"""A webcam as a frame source, stamped with the monotonic clock at the moment each frame arrives."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import cv2
import numpy as np

from coach.errors import SourceError
from coach.sources.base import FrameSource
from coach.types import Frame

logger = logging.getLogger(__name__)

_OPENCV_LOG_SILENT = 0  # cv::utils::logging::LOG_LEVEL_SILENT; the Python wheel exposes no constant


def _open_capture_quietly(index: int) -> cv2.VideoCapture:
    """Open a camera without OpenCV printing backend warnings for every probe that fails.

    We explain a missing camera ourselves in one line; OpenCV's own WARN/ERROR lines would only
    confuse. The log level is restored immediately.
    """
    # OpenCV 4 has the log level at the top level; OpenCV 5 (current mediapipe's) in cv2.utils.logging.
    opencv_logging = getattr(getattr(cv2, "utils", None), "logging", cv2)
    previous = opencv_logging.getLogLevel()
    opencv_logging.setLogLevel(_OPENCV_LOG_SILENT)
    try:
        return cv2.VideoCapture(index)
    finally:
        opencv_logging.setLogLevel(previous)


class CameraSource(FrameSource):
    """Frames from camera ``index``; timestamps are seconds on the monotonic clock since opening.

    The monotonic clock (not the wall clock) because a clock adjustment mid-session must not make
    time run backwards for the stroke engine. ``width``/``height`` are requests; the driver may pick
    the nearest mode it supports, and the properties report what it actually delivers.

    Raises ``SourceError`` when there is no camera at ``index`` or it delivers no frame.
    """

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        self._index = int(index)
        self._capture = _open_capture_quietly(self._index)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(
                f"No camera at index {self._index}: nothing answered there; "
                "connect a camera (or try another index) or use --source CLIP."
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, float(width))
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, float(height))
        self._opened_at = time.monotonic()
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise SourceError(
                f"Camera {self._index} opened but sent no picture; close other programs using it, "
                "check its permissions, or use --source CLIP."
            )
        self._pending: np.ndarray | None = first
        self._pending_t = time.monotonic() - self._opened_at
        self._height, self._width = int(first.shape[0]), int(first.shape[1])
        claimed_fps = self._capture.get(cv2.CAP_PROP_FPS)
        self._fps = float(claimed_fps) if 0.5 <= claimed_fps <= 1000.0 else 30.0
        self._closed = False
        self._next_index = 0
        self._last_timestamp_s = -1.0

    @property
    def is_live(self) -> bool:
        return True

    @property
    def description(self) -> str:
        return f"camera {self._index}"

    def frames(self) -> Iterator[Frame]:
        while not self._closed:
            if self._pending is not None:
                image, timestamp_s = self._pending, self._pending_t
                self._pending = None
            else:
                ok, image = self._capture.read()
                timestamp_s = time.monotonic() - self._opened_at
                if not ok or image is None:
                    logger.warning("camera %d stopped sending frames", self._index)
                    return
            # Two reads within the clock's resolution must still be strictly ordered.
            timestamp_s = max(timestamp_s, self._last_timestamp_s + 1e-6)
            self._last_timestamp_s = timestamp_s
            index = self._next_index
            self._next_index += 1
            yield Frame(index=index, timestamp_s=timestamp_s, image=image)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._capture.release()
