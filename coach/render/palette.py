"""Colours shared by the overlay (Qt) and the report plots (matplotlib), as plain RGB tuples.

Kept free of Qt and matplotlib so that a score looks the same colour on the live image, in the
annotated video and in report.html.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

SCORE_RED: RGB = (220, 53, 69)
SCORE_AMBER: RGB = (255, 176, 32)
SCORE_GREEN: RGB = (40, 180, 99)
SCORE_NONE: RGB = (150, 155, 165)  # strokes with no technique to score against

# Score → colour stops: red up to 40, amber at 65, green from 90.
SCORE_COLOR_STOPS: tuple[tuple[float, RGB], ...] = ((40.0, SCORE_RED), (65.0, SCORE_AMBER), (90.0, SCORE_GREEN))

HAND_RGB: dict[str, RGB] = {"left": (64, 196, 255), "right": (255, 112, 196)}
TARGET_RGB: RGB = (80, 200, 255)
GUIDE_RGB: RGB = (255, 214, 10)


def score_rgb(score: float | None) -> RGB:
    """Red → amber → green as the score rises; grey when there is no score.

    Interpolated between stops rather than bucketed so that a small improvement is visible.
    """
    if score is None:
        return SCORE_NONE
    stops = SCORE_COLOR_STOPS
    if score <= stops[0][0]:
        return stops[0][1]
    for (low, low_rgb), (high, high_rgb) in zip(stops, stops[1:]):
        if score <= high:
            t = (score - low) / (high - low)
            return tuple(round(a + (b - a) * t) for a, b in zip(low_rgb, high_rgb))  # type: ignore[return-value]
    return stops[-1][1]


def score_hex(score: float | None) -> str:
    """The score colour as ``#rrggbb`` for HTML and matplotlib."""
    red, green, blue = score_rgb(score)
    return f"#{red:02x}{green:02x}{blue:02x}"
