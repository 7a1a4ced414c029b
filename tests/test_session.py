"""The routine state machine, fed hand-built strokes step by step and checked after each one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.geometry.regions import FaceRegions
from coach.session import CIRCLE_RADIUS_FU, GLIDE_PATH_LENGTH_FU, Session
from coach.technique import circle_direction, find_technique, glide_direction, load_library, load_technique
from coach.technique.model import Technique
from coach.types import StepProgress, Stroke

ROUTINE = """\
name = "session_test"
title = "Session test"
description = "Four steps that exercise sides, midline, duration and runs."
tool = "fingers"
contact = "index_middle"

[[steps]]
name = "cheek_lift"
regions = ["cheek"]
pattern = "glide"
direction = "up-out"
speed_fu_s = [0.2, 0.8]
reps = 2
pressure = "light"
instruction = "Glide up and out."

[[steps]]
name = "forehead_out"
regions = ["forehead"]
pattern = "glide"
direction = "out"
speed_fu_s = [0.2, 0.8]
reps = 2
pressure = "light"
instruction = "Glide out from the middle."

[[steps]]
name = "cheek_taps"
regions = ["cheek"]
side = "left"
pattern = "tap"
rate_hz = [2, 8]
duration_s = 3
pressure = "light"
instruction = "Tap the cheek."

[[steps]]
name = "temple_circles"
regions = ["temple"]
side = "right"
pattern = "circle"
direction = "outward"
rate_hz = [0.5, 1.5]
reps = 4
pressure = "medium"
instruction = "Circle outward."
"""

CENTRES = {
    "left_cheek": np.array([0.5, -0.4]),
    "right_cheek": np.array([-0.5, -0.4]),
    "forehead": np.array([0.0, 0.45]),
    "left_temple": np.array([0.8, 0.2]),
    "right_temple": np.array([-0.8, 0.2]),
}


@pytest.fixture()
def routine(tmp_path: Path) -> Technique:
    path = tmp_path / "session_test.toml"
    path.write_text(ROUTINE, encoding="utf-8")
    return load_technique(path)


class Clock:
    """Stroke timestamps that move forward like a real session's."""

    def __init__(self) -> None:
        self.now = 0.0

    def span(self, duration: float) -> tuple[float, float]:
        start = self.now + 0.5
        self.now = start + duration
        return start, self.now


def glide(clock: Clock, region: str | None, direction: str, speed: float = 0.4) -> Stroke:
    start_s, end_s = clock.span(0.3 / speed)
    return Stroke(start_s=start_s, end_s=end_s, hand="left", region=region, pattern="glide", direction=direction,
                  speed_fu_s=speed, count=1, rate_hz=None, regularity=0.95)


def run(clock: Clock, region: str, pattern: str, count: int, rate_hz: float, direction: str | None = None) -> Stroke:
    start_s, end_s = clock.span(count / rate_hz)
    return Stroke(start_s=start_s, end_s=end_s, hand="right", region=region, pattern=pattern, direction=direction,
                  speed_fu_s=None, count=count, rate_hz=rate_hz, regularity=0.9)


def test_session_walks_through_steps_and_sides(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    progress = session.progress()
    assert (progress.step_index, progress.side, progress.region, progress.reps_done, progress.reps_wanted) == (0, "left", "left_cheek", 0, 2)
    assert progress.step_count == 4 and progress.instruction == "Glide up and out."

    # Left pass: a wrong stroke does not count; two right ones finish the pass.
    wrong = session.on_stroke(glide(clock, "left_cheek", "down"))
    assert not wrong.score.counted and session.progress().reps_done == 0
    assert session.on_stroke(glide(clock, "left_cheek", "up-out")).score.counted
    assert session.progress().reps_done == 1
    session.on_stroke(glide(clock, "left_cheek", "up-out"))
    progress = session.progress()
    assert (progress.step_index, progress.side, progress.region, progress.reps_done) == (0, "right", "right_cheek", 0)

    # The left cheek no longer counts; the right one does.
    stale = session.on_stroke(glide(clock, "left_cheek", "up-out"))
    assert not stale.score.counted and stale.score.corrections[0] == "Move to the right cheek"
    session.on_stroke(glide(clock, "right_cheek", "up-out"))
    session.on_stroke(glide(clock, "right_cheek", "up-out"))

    # Midline step: one pass, either half of the forehead counts.
    progress = session.progress()
    assert (progress.step_index, progress.side, progress.region, progress.reps_wanted) == (1, None, "forehead", 2)
    session.on_stroke(glide(clock, "forehead", "out"))
    session.on_stroke(glide(clock, "forehead", "out"))

    # Duration step: seconds of counted taps, from the strokes' own timestamps.
    progress = session.progress()
    assert (progress.step_index, progress.side, progress.seconds_wanted, progress.reps_wanted) == (2, "left", 3.0, 3)
    assert progress.target_rate_hz == pytest.approx(5.0)
    session.on_stroke(run(clock, "left_cheek", "tap", count=10, rate_hz=5.0))  # 2 s
    progress = session.progress()
    assert progress.seconds_done == pytest.approx(2.0) and progress.reps_done == 2 and not session.finished
    session.on_stroke(run(clock, "right_cheek", "tap", count=10, rate_hz=5.0))  # wrong side: no time
    assert session.progress().seconds_done == pytest.approx(2.0)
    session.on_stroke(run(clock, "left_cheek", "tap", count=10, rate_hz=5.0))

    # A run of circles counts each circle; one run of 5 finishes 4 reps.
    progress = session.progress()
    assert (progress.step_index, progress.side, progress.region) == (3, "right", "right_temple")
    scored = session.on_stroke(run(clock, "right_temple", "circle", count=5, rate_hz=1.0, direction="outward"))
    assert scored.score.counted and scored.score.step_index == 3
    assert session.finished
    assert session.progress().finished

    # After the routine, strokes are recorded without a score.
    extra = session.on_stroke(glide(clock, "left_cheek", "up-out"))
    assert extra.score.step_index is None and extra.score.total is None and not extra.score.counted


def test_both_sides_step_starts_on_the_side_the_user_starts_on(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    first = session.on_stroke(glide(clock, "right_cheek", "up-out"))
    assert first.score.counted
    progress = session.progress()
    assert (progress.side, progress.region, progress.reps_done) == ("right", "right_cheek", 1)
    # The other side's strokes count for that side while the right pass is still the current one.
    assert session.on_stroke(glide(clock, "left_cheek", "up-out")).score.counted
    assert session.current_side == "right"
    session.on_stroke(glide(clock, "right_cheek", "up-out"))
    assert session.current_side == "left" and session.progress().reps_done == 1
    session.on_stroke(glide(clock, "left_cheek", "up-out"))
    assert session.step_index == 1
    assert session.summary()["steps"][0]["side_order"] == ["right", "left"]


def test_skip_and_restart(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    session.on_stroke(glide(clock, "left_cheek", "up-out"))
    session.skip_step()
    assert session.step_index == 1 and session.current_side is None
    session.skip_step()
    session.skip_step()
    assert session.progress().step_name == "temple_circles"
    session.skip_step()
    assert session.finished
    session.skip_step()  # no-op when finished
    summary = session.summary()
    assert [step["skipped"] for step in summary["steps"]] == [True, True, True, True]
    assert summary["steps"][0]["reps_done"] == 1 and summary["steps"][0]["reps_wanted"] == 4

    session.restart()
    assert not session.finished and session.step_index == 0 and session.current_side == "left"
    assert session.history == ()
    assert session.progress().reps_done == 0
    assert session.summary()["overall_score"] is None


def test_progress_paths_point_the_step_direction(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    path = session.progress().target_path_fu
    assert path.shape == (2, 2)
    assert np.linalg.norm(path[1] - path[0]) == pytest.approx(GLIDE_PATH_LENGTH_FU)
    assert np.allclose(path.mean(axis=0), CENTRES["left_cheek"])
    assert glide_direction(path[0], path[-1]) == "up-out"
    assert path[1, 0] > path[0, 0]  # out is +x on the subject's left
    assert session.progress().target_speed_fu_s == pytest.approx(0.5)

    session.on_stroke(glide(clock, "left_cheek", "up-out"))
    session.on_stroke(glide(clock, "left_cheek", "up-out"))
    path = session.progress().target_path_fu
    assert glide_direction(path[0], path[-1]) == "up-out" and path[1, 0] < path[0, 0]  # out is −x on the right

    session.skip_step()
    # Forehead, "out" from the middle: the ghost alternates halves with each counted stroke.
    first = session.progress().target_path_fu
    assert glide_direction(first[0], first[-1]) == "out" and first[:, 0].min() > 0
    session.on_stroke(glide(clock, "forehead", "out"))
    second = session.progress().target_path_fu
    assert glide_direction(second[0], second[-1]) == "out" and second[:, 0].max() < 0

    session.skip_step()
    taps = session.progress().target_path_fu
    assert taps.shape == (1, 2) and np.allclose(taps[0], CENTRES["left_cheek"])

    session.skip_step()
    circle = session.progress().target_path_fu
    centre = CENTRES["right_temple"]
    assert np.allclose(np.linalg.norm(circle - centre, axis=1), CIRCLE_RADIUS_FU)
    assert circle[0, 1] == pytest.approx(centre[1] + CIRCLE_RADIUS_FU)  # starts at the top
    signed_area = 0.5 * np.sum(circle[:-1, 0] * circle[1:, 1] - circle[1:, 0] * circle[:-1, 1])
    clockwise = signed_area < 0
    assert circle_direction(clockwise, centre[0]) == "outward"
    assert circle[1, 0] < circle[0, 0]  # the top moves toward −x, away from the midline on the right
    assert session.progress().target_rate_hz == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(load_library()))
def test_progress_on_the_real_face_regions_for_every_shipped_technique(name: str) -> None:
    """Every step of every shipped routine, on both sides: the ghost sits in its region and goes its way."""
    regions = FaceRegions()
    technique = find_technique(name)
    session = Session(technique, regions.centre)
    while not session.finished:
        progress = session.progress()
        path = progress.target_path_fu
        assert regions.region_at(path.mean(axis=0)) == progress.region, (progress.step_name, progress.side)
        if progress.pattern == "glide":
            assert path.shape == (2, 2)
            assert glide_direction(path[0], path[-1]) == progress.direction
        elif progress.pattern == "circle":
            signed_area = 0.5 * np.sum(path[:-1, 0] * path[1:, 1] - path[1:, 0] * path[:-1, 1])
            assert circle_direction(signed_area < 0, path.mean(axis=0)[0]) == (progress.direction or "outward")
        else:
            assert path.shape == (1, 2)
        if session.current_side == "left" and len(technique.steps[progress.step_index].sides) == 2:
            # Finish the left pass with matching strokes to see the right side's target too.
            _complete_pass(session, progress)
        else:
            session.skip_step()
    assert Session(technique).progress().target_path_fu.shape == (0, 2)


def _complete_pass(session: Session, progress: StepProgress) -> None:
    step = session.current_step
    assert step is not None
    low, high = step.tempo_range
    tempo = (low + high) / 2
    clock = Clock()
    while session.progress().side == progress.side and session.step_index == progress.step_index:
        if step.pattern == "glide":
            stroke = glide(clock, progress.region, progress.direction, speed=tempo)
        elif step.pattern == "hold":
            start_s, end_s = clock.span(tempo)
            stroke = Stroke(start_s=start_s, end_s=end_s, hand="left", region=progress.region, pattern="hold",
                            direction=None, speed_fu_s=None, count=1, rate_hz=None)
        else:
            stroke = run(clock, progress.region, step.pattern, count=4, rate_hz=tempo, direction=step.direction)
        assert session.on_stroke(stroke).score.counted


def test_summary_reports_reps_scores_and_tempo(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    session.on_stroke(glide(clock, "left_cheek", "up-out", speed=0.4))
    session.on_stroke(glide(clock, "left_cheek", "up-out", speed=0.6))
    session.on_stroke(glide(clock, "right_cheek", "down", speed=0.5))  # does not count
    session.on_stroke(glide(clock, "right_cheek", "up-out", speed=0.5))
    summary = session.summary()
    first = summary["steps"][0]
    assert (first["reps_done"], first["reps_wanted"], first["strokes"], first["counted"]) == (3, 4, 4, 3)
    assert first["mean_speed_fu_s"] == pytest.approx(0.5)
    assert first["target_speed_fu_s"] == [0.2, 0.8]
    assert 50 < first["mean_score"] < 95
    assert not first["completed"] and not first["skipped"]
    assert summary["steps"][2]["target_rate_hz"] == [2.0, 8.0]
    assert summary["steps"][2]["seconds_wanted"] == 3.0
    assert summary["overall_score"] == first["mean_score"]  # only one step was done
    assert summary["completion"] == pytest.approx(0.75 / 4, abs=1e-3)

    # A step with a perfect run weighs the same as the glide step in the overall score.
    session.skip_step()
    session.skip_step()
    session.skip_step()
    session.on_stroke(run(clock, "right_temple", "circle", count=4, rate_hz=1.0, direction="outward"))
    summary = session.summary()
    circles = summary["steps"][3]
    assert circles["completed"] and circles["mean_rate_hz"] == pytest.approx(1.0)
    assert summary["overall_score"] == pytest.approx((first["mean_score"] + circles["mean_score"]) / 2, abs=0.1)
    assert summary["finished"]


def test_both_sides_at_once_count_for_each_side(routine: Technique) -> None:
    """One hand on each cheek, strokes alternating: every stroke counts, on its own side."""
    session = Session(routine, CENTRES)
    clock = Clock()
    for region in ("left_cheek", "right_cheek", "left_cheek"):
        scored = session.on_stroke(glide(clock, region, "up-out"))
        assert scored.score.counted and not scored.score.corrections
    assert session.step_index == 0 and session.current_side == "right"  # left done; right has 1 of 2
    assert session.on_stroke(glide(clock, "right_cheek", "up-out")).score.counted
    assert session.step_index == 1
    summary = session.summary()["steps"][0]
    assert (summary["reps_done"], summary["reps_wanted"]) == (4, 4)


def test_session_follows_a_user_who_moves_on_early(routine: Technique) -> None:
    session = Session(routine, CENTRES)
    clock = Clock()
    session.on_stroke(glide(clock, "left_cheek", "up-out"))  # 1 of 2 on the left, nothing on the right
    first_forehead = session.on_stroke(glide(clock, "forehead", "out"))
    assert not first_forehead.score.counted  # one stroke elsewhere is a mistake, not a decision
    assert session.step_index == 0
    second_forehead = session.on_stroke(glide(clock, "forehead", "out"))
    assert second_forehead.score.counted and second_forehead.score.step_index == 1  # moved on: follow
    assert session.progress().reps_done == 1
    summary = session.summary()
    assert summary["steps"][0]["reps_done"] < summary["steps"][0]["reps_wanted"]
