"""Scoring hand-built strokes against steps of the shipped techniques."""

from __future__ import annotations

import numpy as np
import pytest

from coach.technique import find_technique, glide_direction, score_stroke
from coach.technique.directions import glide_direction_vector
from coach.technique.model import Step
from coach.technique.scoring import range_part, regions_adjacent
from coach.types import Stroke

CENTRES = {"left_cheek": (0.5, -0.4), "right_cheek": (-0.5, -0.4), "left_jaw": (0.6, -0.85), "left_temple": (0.8, 0.2)}


def glide(region: str | None, direction: str, speed: float, *, regularity: float = 0.95, side_x: float | None = None) -> Stroke:
    """A glide along a straight 0.3 FU path; its direction label comes from the shared helper."""
    centre = np.array(CENTRES.get(region or "", (0.5, -0.4)), dtype=float)
    side = centre[0] if side_x is None else side_x
    vector = glide_direction_vector(direction, side)
    samples = np.linspace(-0.15, 0.15, 16)
    path = centre + samples[:, None] * vector
    duration = 0.3 / speed
    times = np.linspace(0.0, duration, 16) + 10.0
    label = glide_direction(path[0], path[-1])
    assert label == direction
    return Stroke(
        start_s=float(times[0]),
        end_s=float(times[-1]),
        hand="left" if centre[0] > 0 else "right",
        region=region,
        pattern="glide",
        direction=label,
        speed_fu_s=speed,
        count=1,
        rate_hz=None,
        path_fu=path,
        times_s=times,
        regularity=regularity,
    )


def run(region: str | None, pattern: str, *, count: int, rate_hz: float | None, duration_s: float,
        direction: str | None = None, regularity: float = 0.9) -> Stroke:
    return Stroke(
        start_s=5.0,
        end_s=5.0 + duration_s,
        hand="left",
        region=region,
        pattern=pattern,
        direction=direction,
        speed_fu_s=None,
        count=count,
        rate_hz=rate_hz,
        regularity=regularity,
    )


def step_named(technique: str, name: str) -> Step:
    return next(step for step in find_technique(technique).steps if step.name == name)


@pytest.fixture(scope="module")
def cheek_lift() -> Step:
    step = step_named("gua_sha", "cheekbone_lift")
    assert (step.pattern, step.direction, step.speed_fu_s) == ("glide", "up-out", (0.2, 0.8))
    return step


def test_right_stroke_scores_high_and_counts(cheek_lift: Step) -> None:
    score = score_stroke(glide("left_cheek", "up-out", 0.45), cheek_lift, "left")
    assert score.total is not None and score.total >= 90
    assert score.counted
    assert score.corrections == ()
    assert score.step_index == cheek_lift.index
    assert set(score.parts) == {"region", "pattern", "direction", "speed", "regularity"}
    assert all(0.0 <= value <= 1.0 for value in score.parts.values())


def test_right_stroke_on_the_right_side(cheek_lift: Step) -> None:
    score = score_stroke(glide("right_cheek", "up-out", 0.45), cheek_lift, "right")
    assert score.total >= 90 and score.counted


def test_wrong_direction_scores_lower_with_the_direction_correction(cheek_lift: Step) -> None:
    good = score_stroke(glide("left_cheek", "up-out", 0.45), cheek_lift, "left")
    opposite = score_stroke(glide("left_cheek", "down-in", 0.45), cheek_lift, "left")
    assert opposite.total < good.total - 15
    assert opposite.parts["direction"] == 0.0
    assert opposite.corrections[0] == "Stroke upward and outward"
    assert not opposite.counted


def test_adjacent_direction_gets_partial_credit_and_still_counts(cheek_lift: Step) -> None:
    score = score_stroke(glide("left_cheek", "out", 0.45), cheek_lift, "left")
    assert score.parts["direction"] == 0.5
    assert score.counted
    assert score.corrections == ("Stroke upward and outward",)
    perpendicular = score_stroke(glide("left_cheek", "up-in", 0.45), cheek_lift, "left")
    assert perpendicular.parts["direction"] == 0.0 and not perpendicular.counted


def test_too_fast_says_slow_down_and_too_slow_says_speed_up(cheek_lift: Step) -> None:
    fast = score_stroke(glide("left_cheek", "up-out", 1.6), cheek_lift, "left")
    assert fast.corrections[0] == "Slow down"
    assert 0.0 < fast.parts["speed"] < 1.0
    assert fast.total < 90
    very_fast = score_stroke(glide("left_cheek", "up-out", 3.0), cheek_lift, "left")
    assert very_fast.parts["speed"] == 0.0 and not very_fast.counted
    slow = score_stroke(glide("left_cheek", "up-out", 0.1), cheek_lift, "left")
    assert slow.corrections[0] == "Speed up"


def test_lymphatic_speed_band_is_slow() -> None:
    step = step_named("lymphatic_drainage", "cheek_to_ear")
    ordinary = score_stroke(glide("left_cheek", "out", 0.6), step, "left")
    assert ordinary.corrections[0] == "Slow down"
    gentle = score_stroke(glide("left_cheek", "out", 0.2), step, "left")
    assert gentle.total >= 90 and gentle.counted


def test_wrong_region_names_the_target(cheek_lift: Step) -> None:
    neighbour = score_stroke(glide("left_jaw", "up-out", 0.45), cheek_lift, "left")
    assert neighbour.corrections[0] == "Stay on the left cheek"
    assert neighbour.parts["region"] == 0.5 and not neighbour.counted
    other_side = score_stroke(glide("right_cheek", "up-out", 0.45), cheek_lift, "left")
    assert other_side.corrections[0] == "Move to the left cheek"
    assert other_side.parts["region"] == 0.25
    far = score_stroke(glide("left_temple", "up-out", 0.45), step_named("gua_sha", "jawline_lift"), "right")
    assert far.corrections[0] == "Move to the right jaw"
    assert far.parts["region"] == 0.0
    off_face = score_stroke(glide(None, "up-out", 0.45), cheek_lift, "left")
    assert off_face.corrections[0] == "Move to the left cheek"
    assert neighbour.total > other_side.total > off_face.total


def test_region_comes_first_and_at_most_two_corrections(cheek_lift: Step) -> None:
    messy = score_stroke(glide("left_jaw", "down-in", 2.5, regularity=0.3), cheek_lift, "left")
    assert messy.corrections == ("Stay on the left cheek", "Stroke upward and outward")
    assert messy.total < 50


def test_side_none_accepts_either_side(cheek_lift: Step) -> None:
    assert score_stroke(glide("right_cheek", "up-out", 0.45), cheek_lift, None).counted
    assert score_stroke(glide("left_cheek", "up-out", 0.45), cheek_lift, None).counted


def test_circles_instead_of_glides() -> None:
    step = step_named("circular_motions", "cheek_circles")
    glided = score_stroke(glide("left_cheek", "out", 0.4), step, "left")
    assert glided.corrections[0] == "Make circles, not glides"
    assert glided.parts["direction"] == 0.0 and glided.parts["rate"] == 0.0
    assert not glided.counted and glided.total < 40
    good = score_stroke(run("left_cheek", "circle", count=6, rate_hz=1.0, duration_s=6.0, direction="outward"), step, "left")
    assert good.total >= 90 and good.counted
    wrong_way = score_stroke(run("left_cheek", "circle", count=6, rate_hz=1.0, duration_s=6.0, direction="inward"), step, "left")
    assert wrong_way.corrections[0] == "Circle outward" and not wrong_way.counted
    knead = score_stroke(run("left_cheek", "knead", count=6, rate_hz=1.0, duration_s=6.0), step, "left")
    assert knead.parts["pattern"] == 0.3
    assert knead.corrections[0] == "Make circles, not kneading motions"


def test_slow_taps_get_lighter_faster() -> None:
    step = step_named("tapping", "cheek_taps")
    slow = score_stroke(run("right_cheek", "tap", count=4, rate_hz=1.2, duration_s=3.3), step, "right")
    assert slow.corrections[0] == "Lighter, faster taps"
    assert "direction" not in slow.parts and "rate" in slow.parts
    good = score_stroke(run("right_cheek", "tap", count=20, rate_hz=5.0, duration_s=4.0), step, "right")
    assert good.total >= 90 and good.counted and good.corrections == ()
    uneven = score_stroke(run("right_cheek", "tap", count=20, rate_hz=5.0, duration_s=4.0, regularity=0.3), step, "right")
    assert uneven.corrections == ("Keep a steady rhythm",)


def test_short_hold_says_hold_longer() -> None:
    step = step_named("acupressure_holds", "temple_point")
    short = score_stroke(run("left_temple", "hold", count=1, rate_hz=None, duration_s=1.8), step, "left")
    assert short.corrections[0] == "Hold still longer"
    assert 0.0 < short.parts["hold"] < 1.0
    good = score_stroke(run("left_temple", "hold", count=1, rate_hz=None, duration_s=5.0), step, "left")
    assert good.total >= 90 and good.counted
    glided = score_stroke(glide("left_temple", "up", 0.4), step, "left")
    assert glided.corrections[0] == "Press and hold still"


def test_range_part_falls_off_with_log_ratio() -> None:
    assert range_part(0.5, 0.2, 0.8) == 1.0
    assert range_part(0.2, 0.2, 0.8) == 1.0
    assert range_part(1.6, 0.2, 0.8) == pytest.approx(range_part(0.1, 0.2, 0.8))  # 2× either way
    assert range_part(1.2, 0.2, 0.8) > range_part(1.6, 0.2, 0.8) > range_part(2.0, 0.2, 0.8)
    assert range_part(2.4, 0.2, 0.8) == pytest.approx(0.0)
    assert range_part(0.0, 0.2, 0.8) == 0.0


def test_region_adjacency_respects_sides() -> None:
    assert regions_adjacent("left_cheek", "left_jaw")
    assert not regions_adjacent("left_cheek", "right_jaw")
    assert regions_adjacent("chin", "right_jaw") and regions_adjacent("left_jaw", "chin")
    assert not regions_adjacent("forehead", "chin")
