"""Perception: MediaPipe face and hand landmarks (legacy or Tasks backend), subject handedness, One-Euro smoothing."""

from __future__ import annotations

from coach.perception.backends import (
    BACKEND_ENV,
    BACKENDS,
    Backend,
    BackendError,
    LandmarkTracker,
    create_tracker,
    resolve_backend,
)
from coach.perception.smoothing import (
    FACE_SMOOTHING,
    HAND_SMOOTHING,
    LANDMARK_SMOOTHING,
    OneEuroFilter,
    OneEuroParams,
)
from coach.perception.tracker import StageTiming, Tracker, TrackerMode, subject_handedness

__all__ = [
    "BACKEND_ENV",
    "BACKENDS",
    "Backend",
    "BackendError",
    "LandmarkTracker",
    "create_tracker",
    "resolve_backend",
    "FACE_SMOOTHING",
    "HAND_SMOOTHING",
    "LANDMARK_SMOOTHING",
    "OneEuroFilter",
    "OneEuroParams",
    "StageTiming",
    "Tracker",
    "TrackerMode",
    "subject_handedness",
]
