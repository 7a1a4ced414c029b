"""Video files (and animated GIFs) as a frame source, replayed fast or paced like a camera."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from coach.errors import SourceError
from coach.sources.base import FrameSource, Pacing, RealtimePacer, check_pacing
from coach.types import Frame

logger = logging.getLogger(__name__)

VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".avi", ".mov", ".webm", ".mkv", ".gif")
FALLBACK_FPS = 30.0
"""Used only when a container states no usable frame rate, so timestamps still advance."""


class VideoFileSource(FrameSource):
    """Frames of a video file stamped with the file's own presentation times.

    Timestamps come from the container (``CAP_PROP_POS_MSEC`` after each read) because variable
    frame rate clips exist and a made-up rate would distort every speed measured downstream. If the
    container gives no times, or times that do not increase, the source falls back to steps of
    ``1 / fps`` from the last good time and says so in the log.

    ``pacing="realtime"`` delivers each frame no earlier than its timestamp on the wall clock (a
    clip played as if it were a camera); ``drop_late=True`` additionally skips frames that are
    already more than one frame interval late, as a real camera would. ``loop=True`` starts again
    at the end, with timestamps and indices continuing to increase.

    Raises ``SourceError`` at construction for a missing file, an unsupported extension, or a file
    OpenCV cannot open or decode a first frame from.
    """

    def __init__(
        self,
        path: str | Path,
        pacing: Pacing = "fast",
        loop: bool = False,
        drop_late: bool = False,
    ) -> None:
        self._path = Path(path)
        self._pacing = check_pacing(pacing)
        self._loop = loop
        self._drop_late = drop_late
        suffix = self._path.suffix.lower()
        if suffix not in VIDEO_EXTENSIONS:
            raise SourceError(
                f"{self._path}: unsupported file type '{self._path.suffix or '(none)'}'; "
                f"use a video ({', '.join(VIDEO_EXTENSIONS)}) or a folder of images."
            )
        if not self._path.is_file():
            raise SourceError(f"{self._path}: file not found; check the path, or use --camera N for a webcam.")
        self._capture = cv2.VideoCapture(str(self._path))
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(
                f"{self._path}: cannot open this video (corrupt or unsupported codec); "
                "re-encode it as H.264 .mp4 (e.g. ffmpeg -i IN -c:v libx264 OUT.mp4)."
            )
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise SourceError(
                f"{self._path}: no frame could be decoded (corrupt or empty video); "
                "re-encode it as H.264 .mp4 (e.g. ffmpeg -i IN -c:v libx264 OUT.mp4)."
            )
        self._pending: np.ndarray | None = first
        self._pending_ms = self._capture.get(cv2.CAP_PROP_POS_MSEC)
        self._height, self._width = int(first.shape[0]), int(first.shape[1])
        claimed_fps = self._capture.get(cv2.CAP_PROP_FPS)
        if math.isfinite(claimed_fps) and 0.5 <= claimed_fps <= 1000.0:
            self._fps = float(claimed_fps)
        else:
            logger.warning("%s states no usable frame rate (%r); assuming %.0f fps", self._path, claimed_fps, FALLBACK_FPS)
            self._fps = FALLBACK_FPS
        claimed_count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        self._frame_count = int(claimed_count) if math.isfinite(claimed_count) and claimed_count > 0 else None
        self._closed = False
        self._next_index = 0
        self._last_timestamp_s: float | None = None
        self._loop_offset_s = 0.0
        self._container_times_ok = True
        self._pacer = RealtimePacer()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def frame_count(self) -> int | None:
        return self._frame_count

    @property
    def description(self) -> str:
        return self._path.name

    def _read(self) -> tuple[np.ndarray, float] | None:
        """Next decoded image and the container's time for it in ms (NaN if it gave none)."""
        if self._pending is not None:
            image, ms = self._pending, self._pending_ms
            self._pending = None
            return image, ms
        ok, image = self._capture.read()
        if not ok or image is None:
            if not self._loop or self._next_index == 0:
                return None
            self._loop_offset_s = (self._last_timestamp_s or 0.0) + 1.0 / self._fps
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._capture.read()
            if not ok or image is None:
                return None
        return image, self._capture.get(cv2.CAP_PROP_POS_MSEC)

    def _timestamp_for(self, container_ms: float) -> float:
        """The container's time when it is usable, else one nominal frame after the last one."""
        step = 1.0 / self._fps
        previous = self._last_timestamp_s
        if self._container_times_ok and math.isfinite(container_ms) and container_ms >= 0.0:
            candidate = self._loop_offset_s + container_ms / 1000.0
            if previous is None or candidate > previous:
                return candidate
            logger.warning(
                "%s: container time %.3f s does not increase after %.3f s; using 1/fps steps from here",
                self._path,
                candidate,
                previous,
            )
        elif self._container_times_ok:
            logger.warning("%s: container gives no frame times; using 1/fps steps", self._path)
        self._container_times_ok = False
        return 0.0 if previous is None else previous + step

    def frames(self) -> Iterator[Frame]:
        while not self._closed:
            read = self._read()
            if read is None:
                return
            image, container_ms = read
            timestamp_s = self._timestamp_for(container_ms)
            self._last_timestamp_s = timestamp_s
            index = self._next_index
            self._next_index += 1
            if self._pacing == "realtime":
                if self._drop_late and self._pacer.lateness_s(timestamp_s) > 1.0 / self._fps:
                    continue
                self._pacer.wait_for(timestamp_s)
            yield Frame(index=index, timestamp_s=timestamp_s, image=image)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._capture.release()


def missing_frames_note(path: str | Path, frames_decoded: int, frames_claimed: int | None) -> str | None:
    """Why a clip's frames ended early, or None when it played to its end.

    A file cut short after its index (a copy or download interrupted, a camera app killed)
    opens normally and announces all its frames, but decoding stops where the data does. The
    container's count can be a slight estimate for some formats, so a small shortfall is allowed.
    """
    if not frames_claimed or frames_decoded >= frames_claimed:
        return None
    missing = frames_claimed - frames_decoded
    if missing <= max(2, round(0.02 * frames_claimed)):
        return None
    return (
        f"{Path(path).name} ends early: it announces {frames_claimed} frames but only {frames_decoded} "
        "could be decoded (the file is probably cut short)"
    )
