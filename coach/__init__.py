"""coach: real-time coaching of facial self-massage from a webcam."""

__version__ = "0.1.0"
