"""Strokes: contact point, on-skin test, and the streaming engine that reports strokes as they happen."""

from coach.strokes.contact import CONTACT_MODES, DEFAULT_TOOL_OFFSET, contact_point_px, measure_hand, palm_size_px
from coach.strokes.engine import StrokeEngine

__all__ = [
    "CONTACT_MODES",
    "DEFAULT_TOOL_OFFSET",
    "StrokeEngine",
    "contact_point_px",
    "measure_hand",
    "palm_size_px",
]
