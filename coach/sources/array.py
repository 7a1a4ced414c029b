"""In-memory images as a frame source, so tests and benchmarks can build exact clips without files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from coach.errors import SourceError
from coach.sources.base import FrameSource, Pacing, RealtimePacer, check_pacing
from coach.types import Frame


class ArraySource(FrameSource):
    """Yields the given BGR uint8 images, stamped ``index / fps`` or with explicit ``timestamps``.

    Explicit timestamps let a test reproduce jittery or variable-rate capture; they must increase.
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        fps: float = 30.0,
        timestamps: Sequence[float] | None = None,
        pacing: Pacing = "fast",
        description: str = "in-memory frames",
    ) -> None:
        if len(images) == 0:
            raise SourceError(f"{description}: no images given; pass at least one frame.")
        for position, image in enumerate(images):
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise SourceError(
                    f"{description}: image {position} is {image.shape} {image.dtype}; "
                    "pass H×W×3 uint8 BGR images."
                )
        if timestamps is None:
            if not fps > 0:
                raise SourceError(f"{description}: frame rate must be positive, got {fps}.")
            times = [i / fps for i in range(len(images))]
        else:
            times = [float(t) for t in timestamps]
            if len(times) != len(images):
                raise SourceError(f"{description}: {len(times)} timestamps for {len(images)} images; give one per image.")
            if any(b <= a for a, b in zip(times, times[1:])):
                raise SourceError(f"{description}: timestamps must strictly increase.")
            if len(times) > 1:
                fps = (len(times) - 1) / (times[-1] - times[0])
        self._images = list(images)
        self._times = times
        self._fps = float(fps)
        self._pacing = check_pacing(pacing)
        self._description = description
        self._next_index = 0
        self._closed = False
        self._pacer = RealtimePacer()

    @property
    def width(self) -> int:
        return int(self._images[0].shape[1])

    @property
    def height(self) -> int:
        return int(self._images[0].shape[0])

    @property
    def frame_count(self) -> int:
        return len(self._images)

    @property
    def description(self) -> str:
        return self._description

    def frames(self) -> Iterator[Frame]:
        while not self._closed and self._next_index < len(self._images):
            index = self._next_index
            self._next_index += 1
            if self._pacing == "realtime":
                self._pacer.wait_for(self._times[index])
            yield Frame(index=index, timestamp_s=self._times[index], image=self._images[index])

    def close(self) -> None:
        self._closed = True
