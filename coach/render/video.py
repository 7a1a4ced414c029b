"""annotated.mp4: the clip with the coaching overlay burned in, frame for frame.

One output frame per ``write`` call, at the frame rate given, so the annotated video has the
input's frame rate and frame count (and so its duration). Frames are rendered and written one at a
time; nothing is kept, so long clips cost no memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from coach.closing import ClosesOnExit
from coach.errors import CoachError
from coach.geometry import FaceRegions
from coach.render.overlay import OverlayRenderer, qimage_to_numpy
from coach.types import FrameResult

logger = logging.getLogger(__name__)

# Codecs that OpenCV's bundled FFmpeg writes without extra libraries.
FOURCC_BY_SUFFIX: dict[str, str] = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}


class AnnotatedVideoWriter(ClosesOnExit):
    """Renders each FrameResult over its image (or a plain background) and appends it to a video.

    The file is opened at construction, so a path that cannot be written fails before any work is
    done. Use as a context manager, or call close(); the file is complete once it is closed.
    """

    def __init__(
        self,
        path: Path | str,
        fps: float,
        size: tuple[int, int],
        regions: FaceRegions | None = None,
        mirrored: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.size = (int(size[0]), int(size[1]))
        if self.fps <= 0 or self.size[0] <= 0 or self.size[1] <= 0:
            raise CoachError(
                f"cannot write {self.path}: frame rate {fps} and size {size} must be positive; "
                "check that the input clip reports its frame rate and size"
            )
        self.renderer = OverlayRenderer(regions if regions is not None else FaceRegions(), mirrored=mirrored)
        self.frames_written = 0
        self._writer: cv2.VideoWriter | None = None
        self._open()

    def _open(self) -> None:
        fourcc = FOURCC_BY_SUFFIX.get(self.path.suffix.lower())
        if fourcc is None:
            raise CoachError(
                f"cannot write {self.path}: unknown video type '{self.path.suffix}'; "
                f"use one of {', '.join(sorted(FOURCC_BY_SUFFIX))}"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CoachError(
                f"cannot write {self.path}: cannot create its folder ({error.strerror}); choose another --out folder"
            ) from error
        writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc), self.fps, self.size)  # type: ignore[attr-defined]
        if not writer.isOpened():
            writer.release()
            raise CoachError(
                f"cannot write {self.path}: OpenCV could not open a {fourcc} video writer there; "
                "check the folder is writable, or pass --no-video to skip the annotated video"
            )
        self._writer = writer

    def write(self, image_bgr: np.ndarray | None, result: FrameResult) -> None:
        """Append one frame: ``image_bgr`` (any size; scaled to the video's) with the overlay."""
        if self._writer is None:
            raise RuntimeError(f"{self.path} is already closed")
        rendered = self.renderer.render(image_bgr, result, self.size, result.tracked.timestamp_s)
        self._writer.write(qimage_to_numpy(rendered))
        self.frames_written += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            logger.info("wrote %s: %d frames at %.3f fps", self.path, self.frames_written, self.fps)



def check_video_complete(path: Path, frames_expected: int) -> None:
    """Raise CoachError unless ``path`` opens as a video with its frames (OpenCV's writer does not
    report a full disk: the file just ends, or its index is never written, and it will not play)."""
    capture = cv2.VideoCapture(str(path))
    try:
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    if frames_expected > 0 and frames < frames_expected:
        raise CoachError(
            f"cannot write {path.name}: the video could not be finished ({frames} of {frames_expected} frames "
            "readable; is the disk full?); free some space or choose another --out folder, or pass --no-video"
        )
