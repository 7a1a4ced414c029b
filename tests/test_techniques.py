"""Technique files: the shipped library, validation messages, the direction vocabulary, CLI text."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from coach import paths
from coach.errors import CoachError, DataFileError
from coach.technique import circle_direction, find_technique, glide_direction, load_library, load_technique
from coach.technique.cli_support import describe_technique, list_techniques
from coach.technique.directions import (
    GLIDE_DIRECTION_RING,
    circle_is_clockwise,
    direction_sector_distance,
    glide_direction_vector,
)
from coach.types import CIRCLE_DIRECTIONS, GLIDE_DIRECTIONS, PATTERNS, REGION_NAMES

# ---------------------------------------------------------------------------------------------------
# The shipped library


def test_every_shipped_file_loads_and_the_library_covers_the_issue() -> None:
    files = sorted(paths.techniques_dir().glob("*.toml"))
    assert len(files) >= 8
    for path in files:
        technique = load_technique(path)
        assert technique.steps, path
    library = load_library()
    assert len(library) == len(files)
    for wanted in (
        "gentle_glides",
        "firm_tension_release",
        "circular_motions",
        "tapping",
        "kneading",
        "jade_roller",
        "gua_sha",
        "lymphatic_drainage",
    ):
        assert wanted in library
    patterns = {step.pattern for technique in library.values() for step in technique.steps}
    assert patterns == set(PATTERNS)


def test_shipped_steps_expand_to_real_regions_and_sensible_targets() -> None:
    for technique in load_library().values():
        assert (technique.tool == "fingers") == (technique.contact != "tool")
        for step in technique.steps:
            for side, regions in step.regions_by_side.items():
                assert regions and all(region in REGION_NAMES for region in regions)
                if side is not None:
                    assert all(not region.startswith(("left_", "right_")) or region.startswith(side) for region in regions)
            low, high = step.tempo_range
            assert 0 < low <= high
            if step.pattern == "glide":
                assert 0.1 <= low and high <= 0.8, (technique.name, step.name)
            elif step.pattern == "tap":
                assert 2.0 <= low and high <= 8.0
            elif step.pattern in ("circle", "knead"):
                assert 0.5 <= low and high <= 1.5
            else:
                assert 3.0 <= low and high <= 10.0
            assert step.instruction.endswith(".")


def test_lymphatic_and_gua_sha_neck_directions_follow_the_literature() -> None:
    lymphatic = find_technique("lymphatic_drainage")
    gua_sha = find_technique("gua_sha")
    lymph_neck = [step for step in lymphatic.steps if step.regions == ("neck",)]
    gua_neck = [step for step in gua_sha.steps if step.regions == ("neck",)]
    assert lymph_neck and all(step.direction == "down" for step in lymph_neck)
    assert gua_neck and all(step.direction == "up" for step in gua_neck)
    assert lymphatic.steps[0].regions == ("neck",)  # clear the neck first
    for step in lymphatic.steps:
        assert step.pressure == "light"
        assert step.speed_fu_s is not None and 0.1 <= step.speed_fu_s[0] and step.speed_fu_s[1] <= 0.35
        assert step.reps is not None and 5 <= step.reps <= 7
    for step in gua_sha.steps:
        assert step.pattern == "glide" and step.direction is not None
        assert step.reps is not None and 3 <= step.reps <= 10
        assert step.direction.startswith("up") or step.direction == "out"


def test_step_sides_and_regions() -> None:
    gentle = find_technique("gentle_glides")
    forehead, brow = gentle.steps[0], gentle.steps[1]
    assert forehead.sides == (None,)
    assert forehead.regions_for(None) == ("forehead",)
    assert brow.sides == ("left", "right")
    assert brow.regions_for("left") == ("left_brow",)
    assert brow.regions_for("right") == ("right_brow",)
    assert brow.regions_for(None) == ("left_brow", "right_brow")


def test_find_technique_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(CoachError) as caught:
        find_technique("gua_shaa")
    message = str(caught.value)
    assert "gua_shaa" in message
    assert "Did you mean 'gua_sha'" in message
    assert "lymphatic_drainage" in message and "tapping" in message


def test_find_technique_accepts_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    assert find_technique(str(path)).name == "test_routine"


def test_duplicate_names_in_a_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.toml").write_text(VALID, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_library(tmp_path)
    assert "b.toml" in str(caught.value) and "a.toml" in str(caught.value)


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(CoachError, match="technique folder not found"):
        load_library(tmp_path / "nowhere")


# ---------------------------------------------------------------------------------------------------
# Validation: each mistake gives a DataFileError naming the file and the key

VALID = """\
name = "test_routine"
title = "Test routine"
description = "A routine for tests."
tool = "fingers"
contact = "index_middle"

[[steps]]
name = "cheek_lift"
regions = ["cheek"]
side = "both"
pattern = "glide"
direction = "up-out"
speed_fu_s = [0.2, 0.8]
reps = 5
pressure = "light"
instruction = "Glide up and out."

[[steps]]
name = "temple_circles"
regions = ["temple"]
pattern = "circle"
direction = "outward"
rate_hz = [0.5, 1.5]
reps = 8
pressure = "medium"
instruction = "Circle outward."
"""


def _first_step_replaced(old: str, new: str) -> str:
    head, first, second = VALID.partition("[[steps]]")
    step_one, marker, rest = second.partition("[[steps]]")
    assert old in step_one, old
    return head + first + step_one.replace(old, new, 1) + marker + rest


BAD_FILES: list[tuple[str, str, str, str]] = [
    # (case id, file text, key named in the message, a word of the problem or fix)
    ("unknown top-level key", VALID.replace('title = "Test routine"', 'titel = "Test routine"'), "titel", "Did you mean 'title'"),
    ("unknown step key", _first_step_replaced("speed_fu_s =", "speed ="), "steps[1].speed", "speed_fu_s"),
    ("reps not a number", _first_step_replaced("reps = 5", 'reps = "5"'), "steps[1].reps", "whole number"),
    ("reps is a boolean", _first_step_replaced("reps = 5", "reps = true"), "steps[1].reps", "whole number"),
    ("reps zero", _first_step_replaced("reps = 5", "reps = 0"), "steps[1].reps", "at least 1"),
    ("regions not a list", _first_step_replaced('regions = ["cheek"]', 'regions = "cheek"'), "steps[1].regions", "list"),
    ("regions empty", _first_step_replaced('regions = ["cheek"]', "regions = []"), "steps[1].regions", "empty"),
    ("unknown region", _first_step_replaced('regions = ["cheek"]', 'regions = ["cheeks"]'), "steps[1].regions", "Did you mean 'cheek'"),
    ("region with side", _first_step_replaced('regions = ["cheek"]', 'regions = ["left_cheek"]'), "steps[1].regions", "side = \"left\""),
    ("unknown pattern", _first_step_replaced('pattern = "glide"', 'pattern = "glyde"'), "steps[1].pattern", "Did you mean 'glide'"),
    ("unknown direction", _first_step_replaced('direction = "up-out"', 'direction = "upwards"'), "steps[1].direction", "unknown glide direction"),
    ("circle direction on a glide", _first_step_replaced('direction = "up-out"', 'direction = "outward"'), "steps[1].direction", "not a glide direction"),
    ("glide without direction", _first_step_replaced('direction = "up-out"\n', ""), "steps[1].direction", "needs a direction"),
    ("direction on a tap", _first_step_replaced('pattern = "glide"\ndirection = "up-out"\nspeed_fu_s = [0.2, 0.8]', 'pattern = "tap"\ndirection = "up"\nrate_hz = [2, 8]'), "steps[1].direction", "no direction"),
    ("range low above high", _first_step_replaced("speed_fu_s = [0.2, 0.8]", "speed_fu_s = [0.8, 0.2]"), "steps[1].speed_fu_s", "Swap them"),
    ("range of one number", _first_step_replaced("speed_fu_s = [0.2, 0.8]", "speed_fu_s = [0.2]"), "steps[1].speed_fu_s", "[low, high]"),
    ("range not positive", _first_step_replaced("speed_fu_s = [0.2, 0.8]", "speed_fu_s = [0, 0.8]"), "steps[1].speed_fu_s", "not positive"),
    ("tempo missing", _first_step_replaced("speed_fu_s = [0.2, 0.8]\n", ""), "steps[1].speed_fu_s", "missing"),
    ("tempo of another pattern", _first_step_replaced("speed_fu_s = [0.2, 0.8]", "speed_fu_s = [0.2, 0.8]\nrate_hz = [1, 2]"), "steps[1].rate_hz", "does not apply"),
    ("reps and duration", _first_step_replaced("reps = 5", "reps = 5\nduration_s = 10"), "steps[1].duration_s", "Keep one"),
    ("neither reps nor duration", _first_step_replaced("reps = 5\n", ""), "steps[1].reps", "reps = 5"),
    ("unknown side", _first_step_replaced('side = "both"', 'side = "lef"'), "steps[1].side", "Did you mean 'left'"),
    ("side on a midline region", _first_step_replaced('regions = ["cheek"]\nside = "both"', 'regions = ["forehead"]\nside = "left"'), "steps[1].side", "side = 'both'"),
    ("pressure wrong type", _first_step_replaced('pressure = "light"', "pressure = 2"), "steps[1].pressure", "expected a string"),
    ("instruction missing", _first_step_replaced('instruction = "Glide up and out."\n', ""), "steps[1].instruction", "missing"),
    ("error in the second step", VALID.replace('regions = ["temple"]', 'regions = ["temples"]'), "steps[2].regions", "Did you mean 'temple'"),
    ("unknown tool", VALID.replace('tool = "fingers"', 'tool = "roller"'), "tool", "Use one of"),
    ("tool without tool contact", VALID.replace('tool = "fingers"', 'tool = "gua_sha"'), "contact", "contact = 'tool'"),
    ("bad technique name", VALID.replace('name = "test_routine"', 'name = "Test Routine"'), "name", "lower-case"),
    ("empty routine", VALID.split("[[steps]]")[0], "steps", "Add at least one [[steps]]"),
    ("empty steps list", VALID.split("[[steps]]")[0] + "steps = []\n", "steps", "no steps"),
]


@pytest.mark.parametrize(("case", "text", "key", "hint"), BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_invalid_file_names_file_key_and_fix(tmp_path: Path, case: str, text: str, key: str, hint: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_technique(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"key '{key}'" in message
    assert hint in message
    assert caught.value.key == key
    assert "\n" not in message


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    lines = VALID.splitlines()
    lines[8] = "regions = [\"cheek\""  # unclosed list on line 9
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_technique(path)
    message = str(caught.value)
    assert str(path) in message and "not valid TOML" in message
    assert "line 9" in message or "line 10" in message


def test_missing_file_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not found"):
        load_technique(tmp_path / "absent.toml")


def test_one_bad_file_fails_the_library_load_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "bad.toml").write_text(VALID.replace('name = "test_routine"', 'name = "other"').replace('"cheek"', '"cheeck"'), encoding="utf-8")
    with pytest.raises(DataFileError, match="bad.toml"):
        load_library(tmp_path)


# ---------------------------------------------------------------------------------------------------
# Direction vocabulary

# (direction, displacement on the subject's LEFT half, where out = +x)
LEFT_HALF_DISPLACEMENTS: dict[str, tuple[float, float]] = {
    "out": (1.0, 0.0),
    "up-out": (1.0, 1.0),
    "up": (0.0, 1.0),
    "up-in": (-1.0, 1.0),
    "in": (-1.0, 0.0),
    "down-in": (-1.0, -1.0),
    "down": (0.0, -1.0),
    "down-out": (1.0, -1.0),
}


@pytest.mark.parametrize("direction", GLIDE_DIRECTIONS)
def test_glide_direction_all_sectors_on_both_halves(direction: str) -> None:
    dx, dy = LEFT_HALF_DISPLACEMENTS[direction]
    left_start = np.array([0.4, -0.3])
    right_start = np.array([-0.4, -0.3])
    step = 0.2 * np.array([dx, dy])
    assert glide_direction(left_start, left_start + step) == direction
    # The right half is the mirror image: out is −x there.
    assert glide_direction(right_start, right_start + step * np.array([-1.0, 1.0])) == direction
    # Small wobbles inside the sector keep the label.
    for wobble_deg in (-20.0, 20.0):
        angle = math.radians(wobble_deg)
        rotated = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) @ step
        assert glide_direction(left_start, left_start + rotated) == direction


def test_glide_direction_on_and_across_the_midline() -> None:
    centre = np.array([0.0, 0.5])
    # Starting on the midline, sideways travel either way is "out"; ending on it is "in".
    assert glide_direction(centre, centre + [0.3, 0.0]) == "out"
    assert glide_direction(centre, centre + [-0.3, 0.0]) == "out"
    assert glide_direction(centre, centre + [-0.3, 0.3]) == "up-out"
    assert glide_direction(centre + [0.3, 0.0], centre) == "in"
    assert glide_direction(centre + [-0.3, 0.0], centre) == "in"
    assert glide_direction(centre, centre + [0.0, 0.3]) == "up"
    # A symmetric sweep across the midline has no inward half.
    assert glide_direction(centre + [-0.2, 0.0], centre + [0.2, 0.0]) == "out"
    # An explicit side overrides the midpoint: a right-side stroke moving +x is "in".
    assert glide_direction(centre, centre + [0.3, 0.0], side_x=-0.5) == "in"


def test_glide_direction_sector_boundaries_and_zero() -> None:
    start = np.array([0.5, 0.0])
    just_below = math.radians(22.4)
    just_above = math.radians(22.6)
    assert glide_direction(start, start + [math.cos(just_below), math.sin(just_below)]) == "out"
    assert glide_direction(start, start + [math.cos(just_above), math.sin(just_above)]) == "up-out"
    with pytest.raises(ValueError):
        glide_direction(start, start)


def test_direction_ring_and_vectors_round_trip() -> None:
    assert set(GLIDE_DIRECTION_RING) == set(GLIDE_DIRECTIONS)
    assert direction_sector_distance("up", "up") == 0
    assert direction_sector_distance("up", "up-out") == 1
    assert direction_sector_distance("out", "down-out") == 1
    assert direction_sector_distance("up", "down") == 4
    for direction in GLIDE_DIRECTIONS:
        for side_x in (0.5, -0.5):
            vector = glide_direction_vector(direction, side_x)
            assert np.linalg.norm(vector) == pytest.approx(1.0)
            start = np.array([side_x, 0.0])
            assert glide_direction(start, start + 0.1 * vector) == direction


def test_circle_direction_convention() -> None:
    # Left half (x > 0): clockwise in the face frame moves the top of the circle toward +x = out.
    assert circle_direction(clockwise_in_face_frame=True, side_x=0.5) == "outward"
    assert circle_direction(clockwise_in_face_frame=False, side_x=0.5) == "inward"
    # Right half (x < 0): out is −x, so counter-clockwise is outward.
    assert circle_direction(clockwise_in_face_frame=False, side_x=-0.5) == "outward"
    assert circle_direction(clockwise_in_face_frame=True, side_x=-0.5) == "inward"
    # Midline: the subject's left half is used.
    assert circle_direction(clockwise_in_face_frame=True, side_x=0.0) == "outward"
    for direction in CIRCLE_DIRECTIONS:
        for side_x in (0.5, -0.5, 0.0):
            assert circle_direction(circle_is_clockwise(direction, side_x), side_x) == direction


def test_circle_direction_matches_the_motion_of_the_top_of_a_drawn_circle() -> None:
    """Trace a clockwise circle (+y up) and check that its top really moves away from the midline."""
    for side_x in (0.45, -0.45):
        angles = np.pi / 2 - np.linspace(0.0, 0.2, 5)  # clockwise from the top
        points = np.column_stack([side_x + 0.08 * np.cos(angles), 0.08 * np.sin(angles)])
        top_moves_out = (points[-1, 0] - points[0, 0]) * np.sign(side_x) > 0
        assert (circle_direction(True, side_x) == "outward") == top_moves_out


# ---------------------------------------------------------------------------------------------------
# Text for the CLI


def test_list_techniques_lists_every_technique() -> None:
    text = list_techniques()
    library = load_library()
    for technique in library.values():
        line = next(line for line in text.splitlines() if line.startswith(technique.name + " "))
        assert technique.title in line
        assert str(len(technique.steps)) in line
    assert "gua sha stone" in text and "jade roller" in text


def test_describe_technique_describes_the_routine() -> None:
    text = describe_technique("lymphatic_drainage")
    technique = find_technique("lymphatic_drainage")
    assert text.splitlines()[0] == "Lymphatic drainage (lymphatic_drainage)"
    for step in technique.steps:
        assert f"{step.index + 1}. {step.name}:" in text
    assert "glide downward on the side of the neck, left side then right, 6 strokes per side" in text
    assert "0.10–0.35 FU/s" in text and "cm/s" in text
    with pytest.raises(CoachError, match="Available"):
        describe_technique("no_such_technique")
