"""The live picture and its overlay drawn on the worker's thread, so the GUI thread only copies it.

Why: on two cores the GUI thread painted each frame (the camera image scaled into the view, the
region outlines, the guide, the trails) while MediaPipe kept both cores busy with the next frame,
and its painting waited for a core and for Python's lock: on the live benchmark its own CPU was
about 4 ms a frame but its wall time 10–14 ms at the 95th percentile. Qt draws into a ``QImage``
from any thread, so the worker draws the frame at exactly the size the window shows it, right
after analysing it, and the window copies the finished picture (a plain 1:1 copy, well under a
millisecond). The figures are in ``benchmarks/bench_live.py``.

The window keeps its own renderer for what cannot wait for the next frame (a resize, the mirror
switched while paused): each renderer's caches are used by one thread only, and the settings the
window changes (mirroring, the guided demo) are plain attributes it sets on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage, QPainter

from coach.render.overlay import OverlayRenderer
from coach.types import FrameResult


@dataclass(frozen=True)
class PictureSize:
    """The picture's size in the window: logical pixels and the screen's pixels per logical pixel
    (2 on a high-density screen, where the picture is drawn at twice the size to stay sharp)."""

    width: int
    height: int
    pixel_ratio: float = 1.0


@dataclass(frozen=True)
class ComposedFrame:
    """One frame drawn with its overlay, and what it was drawn for (the window checks both)."""

    image: QImage
    size: PictureSize
    mirrored: bool


class FrameComposer:
    """Draws each frame with its overlay at ``size``, the picture's size in the window.

    ``size`` is set by the GUI thread (when it paints) and read once per frame by the worker; it is
    replaced whole, so the worker never sees half of one. ``None`` until the window has painted a
    frame: nothing is drawn then.
    """

    def __init__(self, renderer: OverlayRenderer) -> None:
        self.renderer = renderer
        self.size: PictureSize | None = None

    def compose(self, picture: QImage | None, result: FrameResult) -> ComposedFrame | None:
        size = self.size
        if size is None:
            return None
        mirrored = self.renderer.mirrored
        image = QImage(round(size.width * size.pixel_ratio), round(size.height * size.pixel_ratio), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(size.pixel_ratio)  # the painter then works in logical pixels, as on the window
        painter = QPainter(image)
        try:
            self.renderer.paint_frame(painter, picture, result, (size.width, size.height), result.tracked.timestamp_s)
        finally:
            painter.end()
        return ComposedFrame(image, size, mirrored)
