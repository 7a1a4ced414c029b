"""Perception: MediaPipe face and hand landmarks, subject handedness, One-Euro smoothing."""

from __future__ import annotations

from coach.perception.smoothing import (
    FACE_SMOOTHING,
    HAND_SMOOTHING,
    LANDMARK_SMOOTHING,
    OneEuroFilter,
    OneEuroParams,
)
from coach.perception.tracker import StageTiming, Tracker, TrackerMode, subject_handedness

__all__ = [
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
