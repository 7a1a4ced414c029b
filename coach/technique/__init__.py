"""Technique files (load and validate), the direction vocabulary, and scoring strokes against steps."""

from coach.technique.directions import circle_direction, glide_direction
from coach.technique.loader import find_technique, load_library, load_technique
from coach.technique.model import Step, Technique
from coach.technique.scoring import score_stroke

__all__ = [
    "Step",
    "Technique",
    "circle_direction",
    "find_technique",
    "glide_direction",
    "load_library",
    "load_technique",
    "score_stroke",
]
