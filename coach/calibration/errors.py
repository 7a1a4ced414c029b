"""The calibration's own user error."""

from __future__ import annotations

from coach.errors import CoachError


class CalibrationError(CoachError):
    """A calibration that cannot finish (face lost, no hand, inconsistent touches); says why and what to redo."""
