"""Strokes: contact point, on-skin test, segmentation into episodes, classification into strokes."""

from coach.strokes.analysis import Episode, EpisodeAnalyser
from coach.strokes.contact import CONTACT_MODES, DEFAULT_TOOL_OFFSET, contact_point_px, measure_hand, palm_size_px
from coach.strokes.engine import StrokeEngine

__all__ = [
    "CONTACT_MODES",
    "DEFAULT_TOOL_OFFSET",
    "Episode",
    "EpisodeAnalyser",
    "StrokeEngine",
    "contact_point_px",
    "measure_hand",
    "palm_size_px",
]
