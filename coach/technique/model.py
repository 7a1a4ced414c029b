"""Techniques as data: a routine of steps, each naming where, how, how fast and how many.

Kept free of file handling (see loader.py) so that tests and other tools can build techniques in
code, and free of scoring (see scoring.py) so that the data can be printed or drawn on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach.geometry.regions import base_region, side_of_region
from coach.types import REGION_NAMES, Handedness

SIDES: tuple[str, ...] = ("left", "right", "both")
PRESSURES: tuple[str, ...] = ("light", "medium", "firm")
TOOLS: tuple[str, ...] = ("fingers", "jade_roller", "gua_sha")
CONTACTS: tuple[str, ...] = ("index", "index_middle", "tool")

# Regions that exist once per side, by their name without the side ("cheek" for left_cheek/right_cheek).
SIDED_REGION_BASES: tuple[str, ...] = tuple(name[len("left_") :] for name in REGION_NAMES if name.startswith("left_"))
# Regions that straddle the midline and have no side.
MIDLINE_REGIONS: tuple[str, ...] = tuple(
    name for name in REGION_NAMES if not name.startswith(("left_", "right_"))
)
REGION_BASES: tuple[str, ...] = MIDLINE_REGIONS + SIDED_REGION_BASES

# What each pattern's tempo is measured in, and the file key that holds its target range.
TEMPO_KEY_BY_PATTERN: dict[str, str] = {
    "glide": "speed_fu_s",
    "circle": "rate_hz",
    "tap": "rate_hz",
    "knead": "rate_hz",
    "hold": "hold_s",
}
# The name of the tempo part in a StrokeScore, by pattern.
TEMPO_PART_BY_PATTERN: dict[str, str] = {
    "glide": "speed",
    "circle": "rate",
    "tap": "rate",
    "knead": "rate",
    "hold": "hold",
}


def region_name(base: str, side: Handedness | None) -> str:
    """The concrete region for a base name on a side: ('cheek', 'left') → 'left_cheek'; midline names pass through."""
    if base in MIDLINE_REGIONS or side is None:
        return base
    return f"{side}_{base}"


_REGION_PHRASES: dict[str, str] = {
    "forehead": "forehead",
    "brow": "{side} brow",
    "temple": "{side} temple",
    "under_eye": "area under the {side} eye",
    "nose": "nose",
    "cheek": "{side} cheek",
    "upper_lip": "upper lip",
    "chin": "chin",
    "jaw": "{side} jaw",
    "neck": "{side} side of the neck",
}


def region_label(region: str) -> str:
    """How a region is said in a sentence: 'left_under_eye' → 'area under the left eye'."""
    side = side_of_region(region)
    phrase = _REGION_PHRASES.get(base_region(region), base_region(region).replace("_", " "))
    return phrase.format(side=side or "").replace("  ", " ").strip()


@dataclass(frozen=True)
class Step:
    """One step of a routine.

    ``regions`` holds base names as written in the file ("cheek", "forehead"); ``regions_for``
    expands them for one side. ``side`` "both" means all repetitions on the left, then all on the
    right (the session may start with the right if the user does); for a step whose regions are all
    midline regions there is one pass with no side, and strokes on either half count.
    ``reps`` is per side; a circle, tap or knead run counts each of its circles, taps or kneads.
    Exactly one of ``reps`` and ``duration_s`` is set.
    """

    index: int  # position in the routine, from 0
    name: str
    regions: tuple[str, ...]
    side: str  # left | right | both
    pattern: str
    direction: str | None
    pressure: str
    instruction: str
    speed_fu_s: tuple[float, float] | None = None
    rate_hz: tuple[float, float] | None = None
    hold_s: tuple[float, float] | None = None
    reps: int | None = None
    duration_s: float | None = None

    @property
    def is_midline_only(self) -> bool:
        return all(base in MIDLINE_REGIONS for base in self.regions)

    @property
    def sides(self) -> tuple[Handedness | None, ...]:
        """The passes of this step in their default order; (None,) for a midline-only step."""
        if self.is_midline_only:
            return (None,)
        if self.side == "left":
            return ("left",)
        if self.side == "right":
            return ("right",)
        return ("left", "right")

    def regions_for(self, side: Handedness | None) -> tuple[str, ...]:
        """The concrete region names that count on ``side``.

        ``None`` means "either side": the regions of every pass of the step.
        """
        if side is None:
            names: list[str] = []
            for pass_side in self.sides:
                for base in self.regions:
                    name = region_name(base, pass_side)
                    if name not in names:
                        names.append(name)
            return tuple(names)
        return tuple(region_name(base, side) for base in self.regions)

    @property
    def regions_by_side(self) -> dict[Handedness | None, tuple[str, ...]]:
        return {side: self.regions_for(side) for side in self.sides}

    @property
    def tempo_range(self) -> tuple[float, float] | None:
        """The target range of this step's tempo: speed (FU/s), rate (Hz) or hold time (s)."""
        key = TEMPO_KEY_BY_PATTERN[self.pattern]
        return getattr(self, key)

    @property
    def tempo_part(self) -> str:
        """Name of the tempo part in a score: 'speed', 'rate' or 'hold'."""
        return TEMPO_PART_BY_PATTERN[self.pattern]

    @property
    def passes(self) -> int:
        return len(self.sides)


@dataclass(frozen=True)
class Technique:
    """A named routine of steps, with the tool and the contact point the stroke engine should follow."""

    name: str
    title: str
    description: str
    tool: str  # fingers | jade_roller | gua_sha
    contact: str  # index | index_middle | tool
    steps: tuple[Step, ...]
    path: Path | None = None

    def step(self, index: int) -> Step:
        return self.steps[index]
