"""Reading and validating technique files (assets/techniques/*.toml).

Technique files are meant to be written and edited by people, so every mistake is reported as a
DataFileError that names the file, the key and the fix, instead of surfacing later as a wrong score.

File format (TOML)::

    name = "gua_sha"                 # required; lower-case letters, digits, '_'; how users pick it
    title = "Gua sha lift"           # required; shown in lists and reports
    description = "..."              # required; one paragraph
    tool = "gua_sha"                 # required; fingers | jade_roller | gua_sha
    contact = "tool"                 # required; index | index_middle | tool (tool iff tool != fingers)

    [[steps]]                        # one block per step, in order; at least one
    name = "neck_lift"               # required
    regions = ["neck"]               # required; base names without side: brow, temple, under_eye,
                                     #   cheek, jaw, neck; or the midline regions forehead, nose,
                                     #   upper_lip, chin
    side = "both"                    # optional, default "both": left | right | both. "both" = all reps
                                     #   on the left, then all on the right. Steps on midline regions
                                     #   only must use "both" (one pass; either half of the face counts)
    pattern = "glide"                # required; glide | circle | tap | knead | hold
    direction = "up"                 # glide: required, up|down|in|out|up-out|up-in|down-out|down-in
                                     #   ("out" = away from the face midline);
                                     #   circle: optional, outward|inward; others: not allowed
    speed_fu_s = [0.2, 0.8]          # glide: required, [lo, hi] in face units per second (1 FU ≈ 9 cm)
    rate_hz = [0.5, 1.5]             # circle/tap/knead: required, [lo, hi] repetitions per second
    hold_s = [3, 10]                 # hold: required, [lo, hi] seconds per hold
    reps = 5                         # one of reps (per side; circles/taps/kneads count one each)
    duration_s = 10                  #   or duration_s (seconds of matching strokes, per side)
    pressure = "medium"              # required; light | medium | firm
    instruction = "Stroke up ..."    # required; one short sentence shown while the step runs

Step numbers in messages count from 1, as a person counts the [[steps]] blocks.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from coach import paths
from coach.errors import CoachError, DataFileError
from coach.technique.model import (
    CONTACTS,
    MIDLINE_REGIONS,
    PRESSURES,
    REGION_BASES,
    SIDED_REGION_BASES,
    SIDES,
    TEMPO_KEY_BY_PATTERN,
    TOOLS,
    Step,
    Technique,
)
from coach.types import CIRCLE_DIRECTIONS, GLIDE_DIRECTIONS, PATTERNS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

TOP_LEVEL_KEYS: tuple[str, ...] = ("name", "title", "description", "tool", "contact", "steps")
STEP_KEYS: tuple[str, ...] = (
    "name",
    "regions",
    "side",
    "pattern",
    "direction",
    "speed_fu_s",
    "rate_hz",
    "hold_s",
    "reps",
    "duration_s",
    "pressure",
    "instruction",
)
RANGE_KEYS: tuple[str, ...] = ("speed_fu_s", "rate_hz", "hold_s")
RANGE_UNITS: dict[str, str] = {"speed_fu_s": "face units per second", "rate_hz": "Hz", "hold_s": "seconds"}
RANGE_LIMITS: dict[str, float] = {"speed_fu_s": 10.0, "rate_hz": 20.0, "hold_s": 600.0}
"""The highest sensible target per range key (10 FU/s is about 90 cm/s; 20 Hz is a vibration)."""
MAX_REPS = 1000
MAX_DURATION_S = 3600.0

_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def load_technique(path: Path | str) -> Technique:
    """Read and validate one technique file.

    Raises DataFileError (naming the file, the key and the fix) when the file is missing, is not
    valid TOML (the message gives the line), or breaks any rule of the format in this module's
    docstring.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(path, None, "technique file not found", "Check the path or run 'coach techniques' to list the shipped ones") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(path, None, f"cannot read the file ({exc})", "Make sure it is a readable UTF-8 text file") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, None, f"not valid TOML: {exc}", "Fix the syntax at that line") from None
    except RecursionError:
        raise DataFileError(path, None, "nested too deeply to be a technique", "Write the steps as [[steps]] tables of plain values") from None
    return _TechniqueReader(path).read(document)


def load_library(folder: Path | str | None = None) -> dict[str, Technique]:
    """Every *.toml technique in ``folder`` (default: the shipped assets/techniques), by name.

    One invalid file fails the whole load: a library that silently lost a technique would be worse.
    """
    folder = Path(folder) if folder is not None else paths.techniques_dir()
    if not folder.is_dir():
        raise CoachError(f"technique folder not found: {folder}. Set COACH_ASSETS to the folder that holds 'techniques'")
    library: dict[str, Technique] = {}
    for path in sorted(folder.glob("*.toml")):
        technique = load_technique(path)
        if technique.name in library:
            other = library[technique.name].path
            raise DataFileError(path, "name", f"'{technique.name}' is already used by {other}", "Give each technique its own name")
        library[technique.name] = technique
    return library


def find_technique(name: str, folder: Path | str | None = None) -> Technique:
    """The technique called ``name`` in the library, or loaded from ``name`` when it is a .toml path.

    Raises CoachError listing the available names (and the closest one) when the name is unknown.
    """
    if name.endswith(".toml"):
        return load_technique(Path(name))
    library = load_library(folder)
    if name in library:
        return library[name]
    available = ", ".join(sorted(library)) or "none"
    close = difflib.get_close_matches(name, list(library), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise CoachError(f"unknown technique '{name}'.{hint} Available: {available}")


def _closest(word: str, options: tuple[str, ...] | list[str]) -> str:
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    allowed = f"Use one of: {', '.join(options)}"
    return f"Did you mean '{matches[0]}'? {allowed}" if matches else allowed


def _type_name(value: object) -> str:
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        float(value)
    except OverflowError:  # an integer too large for a float is no usable number
        return False
    return True


def _shown(value: object) -> str:
    """A value for a message, cut short (a hostile file may hold a huge one)."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # nested too deep; an integer of thousands of digits
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


class _TechniqueReader:
    """Validation of one parsed file; holds the path so every error can name it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str | None, problem: str, fix: str) -> DataFileError:
        return DataFileError(self.path, key, problem, fix)

    def read(self, document: Mapping[str, Any]) -> Technique:
        self.reject_unknown_keys(document, TOP_LEVEL_KEYS, prefix="")
        name = self.string(document, "name", "name")
        if not _NAME_PATTERN.match(name):
            raise self.fail("name", f"'{name}' is not a usable technique name", "Use lower-case letters, digits and '_', starting with a letter")
        title = self.string(document, "title", "title")
        description = self.string(document, "description", "description")
        tool = self.choice(document, "tool", "tool", TOOLS)
        contact = self.choice(document, "contact", "contact", CONTACTS)
        if (tool == "fingers") == (contact == "tool"):
            fix = "Use contact = 'tool' with a jade roller or gua sha" if tool != "fingers" else "Use contact = 'index' or 'index_middle' for fingers"
            raise self.fail("contact", f"contact '{contact}' does not go with tool '{tool}'", fix)
        raw_steps = document.get("steps")
        if raw_steps is None or (isinstance(raw_steps, list) and not raw_steps):
            raise self.fail("steps", "the routine has no steps", "Add at least one [[steps]] block")
        if not isinstance(raw_steps, list) or not all(isinstance(item, dict) for item in raw_steps):
            raise self.fail("steps", f"expected [[steps]] blocks, got {_type_name(raw_steps)}", "Write each step as a [[steps]] table")
        steps = tuple(self.read_step(index, raw) for index, raw in enumerate(raw_steps))
        return Technique(name=name, title=title, description=description, tool=tool, contact=contact, steps=steps, path=self.path)

    def read_step(self, index: int, raw: Mapping[str, Any]) -> Step:
        prefix = f"steps[{index + 1}]."
        self.reject_unknown_keys(raw, STEP_KEYS, prefix=prefix)

        def key(name: str) -> str:
            return prefix + name

        name = self.string(raw, "name", key("name"))
        regions = self.regions(raw, key("regions"))
        side = self.choice(raw, "side", key("side"), SIDES, default="both")
        if side != "both" and all(base in MIDLINE_REGIONS for base in regions):
            raise self.fail(key("side"), f"side '{side}' on midline region(s) {', '.join(regions)}, which have no side", "Use side = 'both' (strokes on either half count)")
        pattern = self.choice(raw, "pattern", key("pattern"), PATTERNS)
        direction = self.direction(raw, pattern, key("direction"))
        ranges: dict[str, tuple[float, float] | None] = {}
        wanted_range = TEMPO_KEY_BY_PATTERN[pattern]
        for range_key in RANGE_KEYS:
            if range_key == wanted_range:
                if range_key not in raw:
                    raise self.fail(key(range_key), f"missing; a {pattern} step needs its target range in {RANGE_UNITS[range_key]}", f"Add {range_key} = [low, high]")
                ranges[range_key] = self.range(raw[range_key], key(range_key))
            elif range_key in raw:
                raise self.fail(key(range_key), f"{range_key} does not apply to a {pattern} step", f"Use {wanted_range} instead (or change the pattern)")
            else:
                ranges[range_key] = None
        reps, duration_s = self.amount(raw, key)
        pressure = self.choice(raw, "pressure", key("pressure"), PRESSURES)
        instruction = self.string(raw, "instruction", key("instruction"))
        return Step(
            index=index,
            name=name,
            regions=regions,
            side=side,
            pattern=pattern,
            direction=direction,
            pressure=pressure,
            instruction=instruction,
            speed_fu_s=ranges["speed_fu_s"],
            rate_hz=ranges["rate_hz"],
            hold_s=ranges["hold_s"],
            reps=reps,
            duration_s=duration_s,
        )

    # --- single-value readers -------------------------------------------------------------------

    def reject_unknown_keys(self, table: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in known:
                raise self.fail(prefix + key, "unknown key", _closest(key, known))

    def string(self, table: Mapping[str, Any], name: str, key: str) -> str:
        if name not in table:
            raise self.fail(key, "missing", f"Add {name} = \"...\"")
        value = table[name]
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}", f"Write it in quotes: {name} = \"...\"")
        if not value.strip():
            raise self.fail(key, "is empty", "Write some text")
        return value.strip()

    def choice(self, table: Mapping[str, Any], name: str, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        if name not in table:
            if default is not None:
                return default
            raise self.fail(key, "missing", f"Add {name} = one of: {', '.join(options)}")
        value = table[name]
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}", f"Use one of: {', '.join(options)}")
        if value not in options:
            raise self.fail(key, f"unknown value '{value}'", _closest(value, options))
        return value

    def regions(self, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
        if "regions" not in table:
            raise self.fail(key, "missing", "Add regions = [\"cheek\"] (base names: " + ", ".join(REGION_BASES) + ")")
        value = table["regions"]
        if isinstance(value, str):
            raise self.fail(key, "expected a list of region names, got a string", f"Write it as a list: regions = [\"{value}\"]")
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of region names, got {_type_name(value)}", "Write e.g. regions = [\"cheek\"]")
        if not value:
            raise self.fail(key, "the list is empty", "Name at least one region, e.g. regions = [\"cheek\"]")
        regions: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise self.fail(key, f"expected region names as strings, got {_type_name(item)}", "Write e.g. regions = [\"cheek\"]")
            for side in ("left", "right"):
                base = item[len(side) + 1 :]
                if item.startswith(side + "_") and base in SIDED_REGION_BASES:
                    raise self.fail(key, f"'{item}' includes its side", f"Write \"{base}\" and set side = \"{side}\"")
            if item not in REGION_BASES:
                raise self.fail(key, f"unknown region '{item}'", _closest(item, REGION_BASES))
            if item not in regions:
                regions.append(item)
        return tuple(regions)

    def direction(self, table: Mapping[str, Any], pattern: str, key: str) -> str | None:
        value = table.get("direction")
        if pattern == "glide":
            vocabulary = GLIDE_DIRECTIONS
        elif pattern == "circle":
            vocabulary = CIRCLE_DIRECTIONS
        else:
            if value is not None:
                raise self.fail(key, f"a {pattern} step has no direction", "Remove the direction key")
            return None
        if value is None:
            if pattern == "glide":
                raise self.fail(key, "missing; a glide step needs a direction", f"Add direction = one of: {', '.join(GLIDE_DIRECTIONS)}")
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}", f"Use one of: {', '.join(vocabulary)}")
        if value not in vocabulary:
            other = CIRCLE_DIRECTIONS if pattern == "glide" else GLIDE_DIRECTIONS
            if value in other:
                raise self.fail(key, f"'{value}' is not a {pattern} direction", f"Use one of: {', '.join(vocabulary)}")
            raise self.fail(key, f"unknown {pattern} direction '{value}'", _closest(value, vocabulary))
        return value

    def range(self, value: object, key: str) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2 or not all(_is_number(item) for item in value):
            raise self.fail(key, f"expected [low, high] (two numbers), got {_shown(value)}", "Write e.g. [0.2, 0.8]")
        assert isinstance(value, list)
        limit = RANGE_LIMITS[key.rsplit(".", 1)[-1]]
        for end, number in zip(("low", "high"), value):
            if not math.isfinite(number):
                raise self.fail(key, f"{end} end {number} is not a number", "Write e.g. [0.2, 0.8]")
            if number <= 0:
                raise self.fail(key, f"{end} end {number:g} is not positive", f"Use values above 0 and at most {limit:g}")
            if number > limit:
                raise self.fail(key, f"{end} end {number:g} is above {limit:g}", f"Use values above 0 and at most {limit:g}")
        low, high = float(value[0]), float(value[1])
        if low > high:
            # Both ends were checked above, so the swapped range is itself accepted.
            raise self.fail(key, f"low end {low:g} is above high end {high:g}", f"Swap them: [{high:g}, {low:g}]")
        return low, high

    def amount(self, table: Mapping[str, Any], key: Callable[[str], str]) -> tuple[int | None, float | None]:
        has_reps, has_duration = "reps" in table, "duration_s" in table
        if has_reps and has_duration:
            raise self.fail(key("duration_s"), "both reps and duration_s are given", "Keep one of them")
        if not has_reps and not has_duration:
            raise self.fail(key("reps"), "missing; a step needs reps or duration_s", "Add reps = 5 (per side) or duration_s = 10")
        if has_reps:
            reps = table["reps"]
            if not isinstance(reps, int) or isinstance(reps, bool):
                raise self.fail(key("reps"), f"expected a whole number, got {_type_name(reps)}", "Write e.g. reps = 5")
            if not 1 <= reps <= MAX_REPS:
                raise self.fail(key("reps"), f"{_shown(reps)} repetitions", f"Use at least 1 and at most {MAX_REPS}")
            return reps, None
        duration = table["duration_s"]
        if not _is_number(duration):
            raise self.fail(key("duration_s"), f"expected a number of seconds, got {_type_name(duration)}", "Write e.g. duration_s = 10")
        if not math.isfinite(duration) or not 0 < duration <= MAX_DURATION_S:
            raise self.fail(key("duration_s"), f"{duration:g} seconds", f"Use a number of seconds above 0 and at most {MAX_DURATION_S:g}")
        return None, float(duration)
