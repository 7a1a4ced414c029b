"""A folder of still images as a frame source (e.g. frames exported from another tool)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from coach.errors import SourceError
from coach.sources.base import FrameSource, Pacing, RealtimePacer, check_pacing
from coach.types import Frame

IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def natural_sort_key(path: Path) -> list[object]:
    """Order ``frame2.png`` before ``frame10.png``, as exporters that do not zero-pad expect."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


class ImageFolderSource(FrameSource):
    """The folder's images in natural name order, stamped ``index / fps`` (a folder has no clock).

    Raises ``SourceError`` for a missing folder, a folder without images, or an image that cannot be
    decoded (when it is reached).
    """

    def __init__(self, folder: str | Path, fps: float = 30.0, pacing: Pacing = "fast") -> None:
        self._folder = Path(folder)
        if not self._folder.is_dir():
            raise SourceError(f"{self._folder}: folder not found; check the path.")
        if not fps > 0:
            raise SourceError(f"{self._folder}: frame rate must be positive, got {fps}.")
        self._paths = sorted(
            (p for p in self._folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS),
            key=natural_sort_key,
        )
        if not self._paths:
            raise SourceError(
                f"{self._folder}: no images in this folder; put frames there as "
                f"{', '.join(IMAGE_EXTENSIONS)} files or pass a video file instead."
            )
        self._fps = float(fps)
        self._pacing = check_pacing(pacing)
        first = self._load(self._paths[0])
        self._height, self._width = int(first.shape[0]), int(first.shape[1])
        self._next_index = 0
        self._closed = False
        self._pacer = RealtimePacer()

    @staticmethod
    def _load(path: Path) -> np.ndarray:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"{path}: cannot decode this image; replace or remove it.")
        return image

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(self._paths)

    @property
    def frame_count(self) -> int:
        return len(self._paths)

    @property
    def description(self) -> str:
        return f"{self._folder.name}/ ({len(self._paths)} images)"

    def frames(self) -> Iterator[Frame]:
        while not self._closed and self._next_index < len(self._paths):
            index = self._next_index
            self._next_index += 1
            image = self._load(self._paths[index])
            timestamp_s = index / self._fps
            if self._pacing == "realtime":
                self._pacer.wait_for(timestamp_s)
            yield Frame(index=index, timestamp_s=timestamp_s, image=image)

    def close(self) -> None:
        self._closed = True
