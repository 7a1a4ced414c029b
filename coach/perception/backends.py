"""Which MediaPipe tracker runs: the legacy Solutions API or the Tasks API, and the one factory.

Two backends give the same ``TrackedFrame`` contract (see ``tracker.Tracker`` and
``tasks_tracker.TasksTracker``). mediapipe 0.10.21 (Python 3.10–3.12, numpy < 2) has both APIs and
bundles the legacy models; from 0.10.30 on (every Python 3, numpy 2) only the Tasks API remains and
its models come from models/. The choice, strongest first: the ``backend`` argument (the CLI's
``--backend``), the ``COACH_BACKEND`` environment variable, then automatic: legacy where it is
installed, else Tasks. Legacy stays first because the measurements do not favour Tasks: on the
composite clips both are equally accurate and find face and hand in every frame, but on real
footage Tasks loses the face more often (a chin resting on the hand: 91 % of frames against 99 %)
and its jaw and mouth points move more under head roll (0.041 FU against < 0.03, tests/test_geometry.py);
see benchmarks/bench_backends.py.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, Protocol, TypeVar, get_args

from coach.errors import CoachError
from coach.perception.tracker import StageTiming, TrackerMode
from coach.types import Frame, TrackedFrame

Backend = Literal["legacy", "tasks"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
BACKEND_ENV = "COACH_BACKEND"
_Tracker = TypeVar("_Tracker", bound="LandmarkTracker")
LAST_LEGACY_MEDIAPIPE = (0, 10, 29)
"""mediapipe 0.10.30 removed ``mp.solutions``; 0.10.21 is the one coach pins and tests."""


class LandmarkTracker(Protocol):
    """What the pipeline, recording and benchmarks use of a tracker, whichever the backend."""

    mode: TrackerMode
    mirrored: bool
    smoothing: bool
    timings: dict[str, StageTiming]

    def track(self, frame: Frame, next_frame: Frame | None = None) -> TrackedFrame: ...

    def track_all(self, frames: Iterable[Frame]) -> Iterator[TrackedFrame]: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self: _Tracker) -> _Tracker: ...

    def __exit__(self, *exc_info: object) -> None: ...


class BackendError(CoachError):
    """A backend that was asked for but cannot run here; the message says what to do."""


def installed_mediapipe_version() -> tuple[int, ...] | None:
    """mediapipe's version from its metadata (cheap: MediaPipe itself is not imported), or None."""
    try:
        text = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        return None
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(character for character in piece if character.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def legacy_available(version: tuple[int, ...] | None = None) -> bool:
    """Whether the installed mediapipe still has the Solutions API (and its bundled models)."""
    version = installed_mediapipe_version() if version is None else version
    return version is not None and version <= LAST_LEGACY_MEDIAPIPE


def resolve_backend(requested: str | None = None, version: tuple[int, ...] | None = None) -> Backend:
    """The backend to run: ``requested``, else ``$COACH_BACKEND``, else automatic.

    Raises ``BackendError`` (one line: what is wrong, what to do) for an unknown name or a backend
    the installed mediapipe cannot run. ``version`` overrides the installed one (tests).
    """
    version = installed_mediapipe_version() if version is None else version
    source = "--backend"
    choice = requested
    if not choice:
        choice = os.environ.get(BACKEND_ENV, "").strip().lower() or None
        source = BACKEND_ENV
    if version is None:
        raise BackendError("mediapipe is not installed: run 'bash scripts/install.sh' in the coach folder")
    if choice is None or choice == "auto":
        return "legacy" if legacy_available(version) else "tasks"
    if choice not in BACKENDS:
        raise BackendError(f"{source}={choice!r} is not a tracker backend: use one of {', '.join(BACKENDS)} (or auto)")
    if choice == "legacy" and not legacy_available(version):
        raise BackendError(
            f"the legacy tracker needs mediapipe 0.10.21, but {_version_text(version)} is installed "
            "(Tasks API only): use --backend tasks, or install coach on Python 3.10-3.12 "
            "with 'bash scripts/install.sh'"
        )
    return choice  # type: ignore[return-value]


def create_tracker(
    backend: str | None = None,
    mode: TrackerMode = "video",
    mirrored: bool = False,
    models_dir: Path | None = None,
    **options: object,
) -> LandmarkTracker:
    """A tracker of the resolved backend (see ``resolve_backend``) with the given settings.

    ``options`` are the trackers' shared keyword arguments (``max_hands``, ``smoothing``, …, and
    ``thin_hand_search``, which the Tasks backend ignores);
    ``models_dir`` applies to the Tasks backend only. Raises ``BackendError`` or, for Tasks,
    ``ModelBundleError`` when a model bundle is missing or corrupt.
    """
    chosen = resolve_backend(backend)
    if chosen == "tasks":
        options.pop("thin_hand_search", None)  # legacy graphs only (coach.perception.hands_graph)
        from coach.perception.tasks_tracker import TasksTracker

        return TasksTracker(mode=mode, mirrored=mirrored, models_dir=models_dir, **options)  # type: ignore[arg-type]
    from coach.perception.tracker import Tracker

    return Tracker(mode=mode, mirrored=mirrored, **options)  # type: ignore[arg-type]


def backend_of(tracker: object) -> Backend:
    """Which backend a tracker object belongs to (for reports and benchmarks)."""
    return "tasks" if getattr(tracker, "backend_name", "legacy") == "tasks" else "legacy"
