"""How well one stroke matches one step: parts in 0..1, a total 0..100, and what to say about it.

Parts (keys of ``StrokeScore.parts``), each 0..1:

- ``region``: 1 on a target region of the right side; 0.5 on a neighbouring region (drifted off);
  0.25 on the same region of the other side; 0 elsewhere or off the face.
- ``pattern``: 1 for the step's pattern; 0.3 for a related one (circle/knead, tap/hold); else 0.
- ``direction`` (glide steps, and circle steps that name one): 1 exact, 0.5 for the adjacent 45°
  sector, 0 otherwise (perpendicular or opposite; a circle the wrong way round).
- ``speed`` (glide, FU/s), ``rate`` (circle/tap/knead, Hz) or ``hold`` (hold, seconds): 1 inside the
  target range, falling off linearly in log-ratio outside it to 0 at a factor of 3 beyond the range.
- ``regularity``: the stroke engine's own evenness figure.

When the pattern is wrong, direction and tempo cannot be judged and score 0. The total is the
weighted mean of the parts a step has (weights in WEIGHTS, renormalised), × 100.

A stroke counts as a repetition when it is on a target region of the right side, has the step's
pattern, its direction is exact or in the adjacent sector, and its tempo is within a factor of 3
of the range: close enough that the user did the step, while the score still shows how well.
"""

from __future__ import annotations

import math

from coach.geometry.regions import base_region, side_of_region
from coach.technique.directions import GLIDE_DIRECTION_WORDS, direction_sector_distance
from coach.technique.model import MIDLINE_REGIONS, Step, region_label
from coach.types import Handedness, Stroke, StrokeScore

# Relative weight of each part in the total; "tempo" stands for speed, rate or hold.
WEIGHTS: dict[str, float] = {"region": 0.25, "pattern": 0.25, "direction": 0.20, "tempo": 0.20, "regularity": 0.10}

REGION_NEIGHBOUR_PART = 0.5
REGION_OTHER_SIDE_PART = 0.25
RELATED_PATTERN_PART = 0.3
DIRECTION_ADJACENT_PART = 0.5
# Beyond the target range the tempo part reaches 0 at this factor (3× too fast, or a third of the low end).
TEMPO_ZERO_FACTOR = 3.0
# Below this regularity the stroke gets an evenness correction. A glide's speed naturally rises and
# falls (a bell-shaped profile scores about 0.5), so glides are only told off when really jerky.
REGULARITY_CORRECTION_BELOW = 0.6
GLIDE_REGULARITY_CORRECTION_BELOW = 0.3
MAX_CORRECTIONS = 2

_RELATED_PATTERNS: frozenset[frozenset[str]] = frozenset({frozenset({"circle", "knead"}), frozenset({"tap", "hold"})})

# Anatomical neighbours by base name; sided neighbours must also share the side (see regions_adjacent).
_NEIGHBOURS: dict[str, frozenset[str]] = {
    "forehead": frozenset({"brow", "temple", "nose"}),
    "brow": frozenset({"forehead", "temple", "under_eye", "nose"}),
    "temple": frozenset({"forehead", "brow", "under_eye", "cheek", "jaw"}),
    "under_eye": frozenset({"brow", "temple", "nose", "cheek"}),
    "nose": frozenset({"forehead", "brow", "under_eye", "cheek", "upper_lip"}),
    "cheek": frozenset({"temple", "under_eye", "nose", "upper_lip", "jaw"}),
    "upper_lip": frozenset({"nose", "cheek", "chin"}),
    "chin": frozenset({"upper_lip", "jaw", "neck"}),
    "jaw": frozenset({"temple", "cheek", "chin", "neck"}),
    "neck": frozenset({"jaw", "chin"}),
}

_PATTERN_NOUNS: dict[str, str] = {
    "glide": "glides",
    "circle": "circles",
    "tap": "taps",
    "knead": "kneading motions",
    "hold": "still holds",
}

# (too fast / too long, too slow / too short) for each pattern.
_TEMPO_CORRECTIONS: dict[str, tuple[str, str]] = {
    "glide": ("Slow down", "Speed up"),
    "circle": ("Slower circles", "Faster circles"),
    "tap": ("Slower, softer taps", "Lighter, faster taps"),
    "knead": ("Knead more slowly", "Knead a little faster"),
    "hold": ("Release sooner", "Hold still longer"),
}

_REGULARITY_CORRECTIONS: dict[str, str] = {
    "glide": "Keep an even speed",
    "hold": "Keep still while you press",
}


SURE_CONFIDENCE = 0.6
"""Below this engine confidence a stroke is scored and may count, but is never corrected."""


def regions_adjacent(first: str, second: str) -> bool:
    """Whether two concrete regions touch: neighbouring bases, on the same side unless one is midline."""
    first_side, second_side = side_of_region(first), side_of_region(second)
    if first_side is not None and second_side is not None and first_side != second_side:
        return False
    return base_region(second) in _NEIGHBOURS.get(base_region(first), frozenset())


def tempo_value(stroke: Stroke, pattern: str) -> float | None:
    """The measured tempo that a step of ``pattern`` is judged by: speed, rate or hold time."""
    if pattern == "glide":
        return stroke.speed_fu_s
    if pattern == "hold":
        return stroke.duration_s
    return stroke.rate_hz


def range_part(value: float, low: float, high: float) -> float:
    """1 inside [low, high]; outside, 1 − |log(value / nearest end)| / log(TEMPO_ZERO_FACTOR), floored at 0."""
    if low <= value <= high:
        return 1.0
    if value <= 0.0:
        return 0.0
    ratio = value / high if value > high else low / value
    return max(0.0, 1.0 - math.log(ratio) / math.log(TEMPO_ZERO_FACTOR))


def score_stroke(stroke: Stroke, step: Step, side: Handedness | None) -> StrokeScore:
    """Score ``stroke`` against ``step`` on ``side``.

    ``side`` is the pass of the step being done ("left"/"right"); None accepts the step's regions on
    every side it has (and is what midline-only steps use).
    """
    targets = step.regions_for(side)
    parts: dict[str, float] = {}
    weights: dict[str, float] = {}

    region_score, region_target, region_near = _region_part(stroke.region, targets)
    parts["region"], weights["region"] = region_score, WEIGHTS["region"]

    pattern_matches = stroke.pattern == step.pattern
    if pattern_matches:
        pattern_score = 1.0
    elif frozenset({stroke.pattern, step.pattern}) in _RELATED_PATTERNS:
        pattern_score = RELATED_PATTERN_PART
    else:
        pattern_score = 0.0
    parts["pattern"], weights["pattern"] = pattern_score, WEIGHTS["pattern"]

    if step.direction is not None:
        parts["direction"] = _direction_part(stroke, step) if pattern_matches else 0.0
        weights["direction"] = WEIGHTS["direction"]

    tempo_range = step.tempo_range
    tempo_name = step.tempo_part
    measured = tempo_value(stroke, step.pattern) if pattern_matches else None
    if tempo_range is not None and (measured is not None or not pattern_matches):
        parts[tempo_name] = range_part(measured, *tempo_range) if measured is not None else 0.0
        weights[tempo_name] = WEIGHTS["tempo"]

    parts["regularity"] = float(min(1.0, max(0.0, stroke.regularity)))
    weights["regularity"] = WEIGHTS["regularity"]

    total = 100.0 * sum(parts[name] * weights[name] for name in parts) / sum(weights.values())

    going_on = not stroke.final  # a run or hold still going: judged on what it has shown so far
    if going_on and step.pattern == "hold" and stroke.pattern == "hold" and step.hold_s is not None:
        # A hold still going counts once it reaches the step's minimum time, not before (too long is judged at its end).
        parts[tempo_name] = 1.0 if stroke.duration_s >= step.hold_s[0] else 0.0
    counted = (
        parts["region"] == 1.0
        and pattern_matches
        and parts.get("direction", 1.0) >= DIRECTION_ADJACENT_PART
        and parts.get(tempo_name, 1.0) > 0.0
    )

    corrections: list[str] = []
    if parts["region"] < 1.0:
        corrections.append(("Stay on the " if region_near else "Move to the ") + region_label(region_target))
    if not pattern_matches:
        corrections.append(_pattern_correction(stroke.pattern, step.pattern))
    else:
        if parts.get("direction", 1.0) < 1.0 and step.direction is not None:
            corrections.append(_direction_correction(step.pattern, step.direction))
        if parts.get(tempo_name, 1.0) < 1.0 and measured is not None and tempo_range is not None:
            too_fast_or_long, too_slow_or_short = _TEMPO_CORRECTIONS[step.pattern]
            corrections.append(too_fast_or_long if measured > tempo_range[1] else too_slow_or_short)
    evenness_floor = GLIDE_REGULARITY_CORRECTION_BELOW if step.pattern == "glide" else REGULARITY_CORRECTION_BELOW
    if parts["regularity"] < evenness_floor:
        corrections.append(_REGULARITY_CORRECTIONS.get(step.pattern, "Keep a steady rhythm"))

    sure = stroke.confidence >= SURE_CONFIDENCE
    if going_on and step.pattern == "hold":
        corrections = [text for text in corrections if text not in _TEMPO_CORRECTIONS["hold"]]
    if not sure:
        corrections = []  # no correction from a guess: the report says the stroke was unclear
    return StrokeScore(
        step_index=step.index,
        total=round(total, 1),
        parts={name: round(value, 3) for name, value in parts.items()},
        corrections=tuple(corrections[:MAX_CORRECTIONS]),
        counted=counted,
        sure=sure,
    )


def _region_part(region: str | None, targets: tuple[str, ...]) -> tuple[float, str, bool]:
    """(part, the target to name in a correction, whether the stroke was next to it)."""
    if region is None:
        return 0.0, targets[0], False
    if region in targets:
        return 1.0, region, True
    for target in targets:
        if regions_adjacent(region, target):
            return REGION_NEIGHBOUR_PART, target, True
    for target in targets:
        if base_region(target) == base_region(region) and base_region(region) not in MIDLINE_REGIONS:
            return REGION_OTHER_SIDE_PART, target, False
    return 0.0, targets[0], False


def _direction_part(stroke: Stroke, step: Step) -> float:
    if stroke.direction is None or step.direction is None:
        return 0.0
    if step.pattern == "glide":
        try:
            distance = direction_sector_distance(stroke.direction, step.direction)
        except ValueError:
            return 0.0
        return {0: 1.0, 1: DIRECTION_ADJACENT_PART}.get(distance, 0.0)
    return 1.0 if stroke.direction == step.direction else 0.0


def _pattern_correction(done: str, wanted: str) -> str:
    if wanted == "hold":
        return "Press and hold still"
    if done == "hold":
        return f"Keep moving: make {_PATTERN_NOUNS[wanted]}"
    return f"Make {_PATTERN_NOUNS[wanted]}, not {_PATTERN_NOUNS.get(done, done)}"


def _direction_correction(pattern: str, direction: str) -> str:
    if pattern == "glide":
        return f"Stroke {GLIDE_DIRECTION_WORDS[direction]}"
    return f"Circle {direction}"
