"""Frame sources: camera, video file, image folder, in-memory array — one ``Frame`` stream.

``open_source`` turns what the user typed after ``--source`` into the right one.
"""

from __future__ import annotations

from pathlib import Path

from coach.errors import SourceError
from coach.sources.array import ArraySource
from coach.sources.base import PACINGS, FrameSource, Pacing
from coach.sources.camera import CameraSource
from coach.sources.images import IMAGE_EXTENSIONS, ImageFolderSource
from coach.sources.video import VIDEO_EXTENSIONS, VideoFileSource

__all__ = [
    "ArraySource",
    "CameraSource",
    "FrameSource",
    "IMAGE_EXTENSIONS",
    "ImageFolderSource",
    "PACINGS",
    "Pacing",
    "VIDEO_EXTENSIONS",
    "VideoFileSource",
    "open_source",
]


def open_source(
    spec: str | int | Path,
    pacing: Pacing = "fast",
    loop: bool = False,
    fps: float = 30.0,
) -> FrameSource:
    """A source for ``spec``: a camera index (int or digits), an image folder, or a video file.

    ``pacing`` and ``loop`` apply to files; ``fps`` only to image folders, which carry no timing.
    A camera is always live and ignores pacing. Raises ``SourceError`` with a one-line fix.
    """
    if isinstance(spec, bool):
        raise SourceError(f"Invalid source {spec!r}: give a camera index, a video file or an image folder.")
    if isinstance(spec, int):
        return CameraSource(spec)
    text = str(spec).strip()
    if not text:
        raise SourceError("Empty source: give a camera index (e.g. 0), a video file or an image folder.")
    if text.isdigit() and not Path(text).exists():
        return CameraSource(int(text))
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, fps=fps, pacing=pacing)
    return VideoFileSource(path, pacing=pacing, loop=loop)
