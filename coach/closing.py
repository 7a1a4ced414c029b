"""One way for the pipeline's resources (sources, tracker, writers) to be used in a `with` block."""

from __future__ import annotations

from typing import TypeVar

_Resource = TypeVar("_Resource", bound="ClosesOnExit")


class ClosesOnExit:
    """Mixin: `with resource:` calls ``close()`` on the way out, on errors and Ctrl-C too, so a
    camera is released and a half-written file is left playable."""

    def close(self) -> None:
        """Release what the object holds; safe to call more than once."""

    def __enter__(self: _Resource) -> _Resource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
