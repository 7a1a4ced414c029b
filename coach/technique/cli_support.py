"""Text for `coach techniques` and `coach techniques show NAME`; the CLI only prints it.

Kept here rather than in cli.py so the wording of a routine lives next to the data it describes
and can be tested without running the command line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from coach.technique.directions import GLIDE_DIRECTION_WORDS
from coach.technique.loader import find_technique, load_library
from coach.technique.model import Step, Technique, region_label, region_name

# The nominal scale (outer eye corners ≈ 9 cm apart); calibration measures the user's own.
DEFAULT_CM_PER_FU = 9.0

_TOOL_WORDS: dict[str, str] = {"fingers": "fingers", "jade_roller": "jade roller", "gua_sha": "gua sha stone"}
_CONTACT_WORDS: dict[str, str] = {
    "index": "followed at the index fingertip",
    "index_middle": "followed between the index and middle fingertips",
    "tool": "followed at the tool's working edge",
}
_UNIT_NOUNS: dict[str, str] = {"glide": "strokes", "circle": "circles", "tap": "taps", "knead": "kneads", "hold": "holds"}


def list_techniques(library: Mapping[str, Technique] | None = None) -> str:
    """A table of the available techniques: name, title, number of steps, tool."""
    library = load_library() if library is None else library
    if not library:
        return "No techniques found."
    rows = [("NAME", "TITLE", "STEPS", "TOOL")] + [
        (technique.name, technique.title, str(len(technique.steps)), _TOOL_WORDS.get(technique.tool, technique.tool))
        for technique in sorted(library.values(), key=lambda item: item.name)
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        f"{name:<{widths[0]}}  {title:<{widths[1]}}  {steps:>{widths[2]}}  {tool}".rstrip()
        for name, title, steps, tool in rows
    ]
    lines.append("")
    lines.append("Show one with: coach techniques show NAME")
    return "\n".join(lines)


def describe_technique(technique: Technique | str, cm_per_fu: float = DEFAULT_CM_PER_FU) -> str:
    """The routine in words, step by step, with targets in the file's units and in cm/s for glides.

    ``technique`` may be a Technique or a name (or .toml path) for find_technique, which raises
    CoachError listing the available names when it is unknown.
    """
    if isinstance(technique, str):
        technique = find_technique(technique)
    steps_word = "step" if len(technique.steps) == 1 else "steps"
    lines = [
        f"{technique.title} ({technique.name})",
        f"Tool: {_TOOL_WORDS.get(technique.tool, technique.tool)}, {_CONTACT_WORDS.get(technique.contact, technique.contact)}. "
        f"{len(technique.steps)} {steps_word}.",
        "",
        *textwrap.wrap(technique.description, width=88),
        "",
    ]
    number_width = len(str(len(technique.steps)))
    for step in technique.steps:
        indent = " " * (number_width + 2)
        lines.append(f"{step.index + 1:>{number_width}}. {step.name}: {_step_headline(step)}")
        lines.append(f"{indent}{_step_targets(step, cm_per_fu)}")
        lines.extend(textwrap.wrap(step.instruction, width=88, initial_indent=indent, subsequent_indent=indent))
    return "\n".join(lines)


def _step_headline(step: Step) -> str:
    if step.pattern == "glide" and step.direction is not None:
        how = f"glide {GLIDE_DIRECTION_WORDS[step.direction]}"
    elif step.pattern == "circle":
        how = "circles"
    elif step.pattern == "tap":
        how = "tapping"
    elif step.pattern == "knead":
        how = "kneading"
    else:
        how = "press and hold"
    # Labels of base names come out without a side ("cheek", "area under the eye").
    regions = " or ".join(region_label(region_name(base, None)) for base in step.regions)
    where = f"on the {regions}"
    per = ""
    if not step.is_midline_only:
        where += {"left": ", left side", "right": ", right side"}.get(step.side, ", left side then right")
        per = " per side"
    if step.pattern == "circle" and step.direction is not None:
        where += f", turning {step.direction}"
    if step.duration_s is not None:
        amount = f"{step.duration_s:g} s{per}"
    else:
        amount = f"{step.reps} {_UNIT_NOUNS[step.pattern]}{per}"
    return f"{how} {where}, {amount}"


def _step_targets(step: Step, cm_per_fu: float) -> str:
    low, high = step.tempo_range if step.tempo_range is not None else (0.0, 0.0)
    if step.pattern == "glide":
        tempo = f"speed {low:.2f}–{high:.2f} FU/s (about {low * cm_per_fu:.1f}–{high * cm_per_fu:.1f} cm/s)"
    elif step.pattern == "hold":
        tempo = f"hold {low:g}–{high:g} s each"
    else:
        tempo = f"rate {low:g}–{high:g} per second"
    return f"{tempo}, {step.pressure} pressure"
