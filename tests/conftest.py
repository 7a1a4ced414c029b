"""Shared fixtures: the real portrait, the shared media folder, a private user data directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import numpy as np

    from coach.types import FaceLandmarks

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_DIR = Path(__file__).resolve().parents[1]
MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))


def legacy_tracker_runs() -> bool:
    """Whether tests run the legacy tracker: not forced to Tasks, and mediapipe still < 0.10.30.

    Read from package metadata so that the live-window process never imports MediaPipe here.
    """
    import importlib.metadata

    if os.environ.get("COACH_BACKEND", "").strip().lower() == "tasks":
        return False
    try:
        version = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        return False
    return tuple(int(part) if part.isdigit() else 0 for part in version.split(".")[:3]) < (0, 10, 30)


legacy_only = pytest.mark.skipif(
    not legacy_tracker_runs(),
    reason="uses the legacy Solutions API directly (mp.solutions); the Tasks backend runs here",
)


@pytest.fixture(scope="session")
def portrait_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


@pytest.fixture(scope="session")
def media_dir() -> Path:
    if not MEDIA_DIR.is_dir():
        pytest.skip(f"shared test media not found at {MEDIA_DIR} (clone with ../shared/media beside it to run this)")
    return MEDIA_DIR


@pytest.fixture(autouse=True)
def private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path_factory.mktemp("coach-data")
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    return data_dir


def face_landmarks_of(image: "np.ndarray") -> "FaceLandmarks":
    """The real tracker, in image mode, on one picture; fails the test when no face is found."""
    from coach.perception import create_tracker
    from coach.types import Frame

    with create_tracker(mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, image))
    assert tracked.face is not None, "no face found"
    return tracked.face
