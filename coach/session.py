"""The routine as it is being done: which step and side are current, how many reps are in, what to show.

The session is fed finished strokes (from the stroke engine, live or in replay) and never looks at
frames or clocks: durations come from the strokes' own timestamps, so a replay of a recording gives
exactly the session a live run gave.

Rules:

- Steps run in file order. A step with side "both" runs its left pass, then its right pass; but if
  the first stroke of the step that counts is on the right, the session starts with the right
  instead (people start on whichever side their hand is on). A stroke that fits the other side of
  the current step counts there too (people often work both sides at once, one hand each); a pass
  whose reps are already in is skipped. A midline-only step has one pass.
- Every stroke is scored against the current step and pass (scoring.score_stroke). Only strokes that
  count advance the step: a glide or hold adds one rep, a circle/tap/knead run adds its count.
  Duration steps add the stroke's duration instead. Extra reps in a run do not carry over to the
  next pass.
- When the pass is done the session moves to the next pass or step at once, so the next stroke is
  scored against the new target.
- The session follows a user who moves on early: when FOLLOW_AFTER_STROKES strokes in a row miss
  the current step but would count for the next one, the session moves there and counts the
  stroke; the step left behind keeps the reps it got, and the summary shows it short. After the last step the session is finished; further strokes get
  an empty score (step_index None, total None).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from coach.technique.directions import circle_is_clockwise, glide_direction_vector
from coach.technique.model import MIDLINE_REGIONS, Step, Technique
from coach.technique.scoring import score_stroke, tempo_value
from coach.types import Handedness, ScoredStroke, StepProgress, Stroke, StrokeScore

RegionCentres = Union[Callable[[str], np.ndarray], Mapping[str, np.ndarray], None]

GLIDE_PATH_LENGTH_FU = 0.35
# Strokes in a row that fit the next pass, not the current one, before the session follows the user.
FOLLOW_AFTER_STROKES = 2
CIRCLE_RADIUS_FU = 0.08
CIRCLE_PATH_POINTS = 33
# Where to draw on a midline region when the target has a half (a glide "out" on the forehead):
# this far from the midline, roughly the middle of that half of the region.
MIDLINE_HALF_OFFSET_FU: dict[str, float] = {"forehead": 0.25, "nose": 0.08, "upper_lip": 0.15, "chin": 0.15}

TEMPO_UNITS: dict[str, tuple[str, str]] = {
    # tempo part → (summary key suffix, unit for people)
    "speed": ("speed_fu_s", "FU/s"),
    "rate": ("rate_hz", "Hz"),
    "hold": ("hold_s", "s"),
}


@dataclass
class _Counted:
    """Where one stroke (all events of one stroke_id) was scored, and what it has counted so far."""

    step_index: int
    side: Handedness | None
    reps: int = 0
    seconds: float = 0.0
    counted: bool = False


@dataclass
class _StepRecord:
    """Mutable bookkeeping for one step, owned by one Session."""

    side_order: list[Handedness | None]
    reps: dict[Handedness | None, int] = field(default_factory=dict)
    seconds: dict[Handedness | None, float] = field(default_factory=dict)
    counted_strokes: dict[Handedness | None, int] = field(default_factory=dict)
    scored: list[ScoredStroke] = field(default_factory=list)
    skipped: bool = False

    @classmethod
    def fresh(cls, step: Step) -> _StepRecord:
        order = list(step.sides)
        return cls(
            side_order=order,
            reps={side: 0 for side in order},
            seconds={side: 0.0 for side in order},
            counted_strokes={side: 0 for side in order},
        )


def _rep_units(stroke: Stroke, step: Step) -> int:
    """How many reps a counted stroke adds: runs add their count, glides and holds one."""
    if step.pattern in ("glide", "hold"):
        return 1
    return max(1, int(stroke.count))


def _centre_lookup(region_centres: RegionCentres) -> Callable[[str], np.ndarray | None]:
    if region_centres is None:
        return lambda region: None
    if isinstance(region_centres, Mapping):
        mapping = region_centres
        return lambda region: None if region not in mapping else np.asarray(mapping[region], dtype=float).reshape(2)

    function = region_centres

    def lookup(region: str) -> np.ndarray | None:
        try:
            return np.asarray(function(region), dtype=float).reshape(2)
        except KeyError:
            return None

    return lookup


class Session:
    """State machine over a technique's steps and sides. See the module docstring for the rules.

    ``region_centres`` gives the centre of a concrete region in face units (e.g.
    ``FaceRegions().centre`` or a dict); it is only used to place the target path. Without it the
    target path is empty.
    """

    def __init__(self, technique: Technique, region_centres: RegionCentres = None) -> None:
        self._technique = technique
        self._centre_of = _centre_lookup(region_centres)
        self._step_index = 0
        self._pass_index = 0
        self._records: list[_StepRecord] = []
        self._history: list[ScoredStroke] = []
        self._moved_on_streak = 0
        self.restart()

    # --- state ------------------------------------------------------------------------------------

    @property
    def technique(self) -> Technique:
        return self._technique

    @property
    def finished(self) -> bool:
        return self._step_index >= len(self._technique.steps)

    @property
    def step_index(self) -> int | None:
        return None if self.finished else self._step_index

    @property
    def current_step(self) -> Step | None:
        return None if self.finished else self._technique.steps[self._step_index]

    @property
    def current_side(self) -> Handedness | None:
        """The side of the current pass; None for a midline-only step or when finished."""
        if self.finished:
            return None
        return self._records[self._step_index].side_order[self._pass_index]

    @property
    def history(self) -> tuple[ScoredStroke, ...]:
        return tuple(self._history)

    # --- commands ---------------------------------------------------------------------------------

    def restart(self) -> None:
        """Back to the first step with nothing done and no history."""
        self._step_index = 0
        self._pass_index = 0
        self._records = [_StepRecord.fresh(step) for step in self._technique.steps]
        self._history = []
        self._by_id: dict[int, _Counted] = {}
        self._moved_on_streak = 0

    def skip_step(self) -> None:
        """Leave the current step (all its remaining passes) and go to the next one."""
        if self.finished:
            return
        self._records[self._step_index].skipped = True
        self._step_index += 1
        self._pass_index = 0
        self._moved_on_streak = 0

    def go_to_step(self, step_index: int) -> None:
        """Jump to a step (the user chose it in the step list). Steps passed over forward count as
        skipped; going back keeps every step's reps, so the step continues its count."""
        step_index = max(0, min(step_index, len(self._technique.steps) - 1))
        current = self._step_index
        if step_index > current:
            for skipped in range(current, min(step_index, len(self._technique.steps))):
                self._records[skipped].skipped = True
        else:
            self._records[step_index].skipped = False
        self._step_index, self._pass_index, self._moved_on_streak = step_index, 0, 0
        self._advance_past_done_passes()

    def on_stroke(self, stroke: Stroke) -> ScoredStroke:
        """Score a stroke event against the current step and side, count it, and advance.

        The engine reports runs and holds while they go on: later events of the same stroke_id
        are scored against the step and side where the stroke began and add only what they add
        (a run's new cycles, a hold's new seconds); a withdrawn event takes back what its stroke
        counted.
        """
        known = self._by_id.get(stroke.stroke_id) if stroke.stroke_id else None
        if stroke.withdrawn:
            return self._withdraw(stroke, known)
        if known is not None:
            return self._update(stroke, known)
        if self._user_moved_on(stroke):
            self._step_index, self._pass_index = self._next_step()  # type: ignore[misc]
        return self._score_and_count(stroke)

    def _replace(self, stroke: Stroke, scored: ScoredStroke | None, record: _StepRecord | None) -> None:
        """Put the newest version of a stroke where its earlier one was (or remove it)."""
        def swap(items: list[ScoredStroke]) -> None:
            for position, item in enumerate(items):
                if item.stroke.stroke_id == stroke.stroke_id:
                    if scored is None:
                        del items[position]
                    else:
                        items[position] = scored
                    return

        swap(self._history)
        if record is not None:
            swap(record.scored)

    def _update(self, stroke: Stroke, known: _Counted) -> ScoredStroke:
        step = self._technique.steps[known.step_index]
        record = self._records[known.step_index]
        score = score_stroke(stroke, step, known.side)
        scored = ScoredStroke(stroke=stroke, score=score)
        self._replace(stroke, scored, record)
        if score.counted:
            if not known.counted:
                record.counted_strokes[known.side] += 1
                known.counted = True
            if step.duration_s is not None:
                record.seconds[known.side] += max(0.0, stroke.duration_s - known.seconds)
                known.seconds = max(known.seconds, stroke.duration_s)
            else:
                units = _rep_units(stroke, step)
                record.reps[known.side] += max(0, units - known.reps)
                known.reps = max(known.reps, units)
            if known.step_index == self._step_index:
                self._advance_past_done_passes()
        return scored

    def _withdraw(self, stroke: Stroke, known: _Counted | None) -> ScoredStroke:
        empty = ScoredStroke(stroke=stroke, score=StrokeScore(step_index=None, total=None))
        if known is None:
            return empty
        del self._by_id[stroke.stroke_id]
        record = self._records[known.step_index]
        self._replace(stroke, None, record)
        if known.counted:
            record.counted_strokes[known.side] -= 1
            record.reps[known.side] -= known.reps
            record.seconds[known.side] -= known.seconds
        return empty

    def _user_moved_on(self, stroke: Stroke) -> bool:
        """True on the FOLLOW_AFTER_STROKES-th stroke in a row that misses the current step (either
        side) but would count for the next step."""
        next_pass = None if self.finished else self._next_step()
        if next_pass is None:
            return False
        step = self._technique.steps[self._step_index]
        record = self._records[self._step_index]
        if any(score_stroke(stroke, step, side).counted for side in record.side_order):
            self._moved_on_streak = 0
            return False
        step_index, pass_index = next_pass
        next_side = self._records[step_index].side_order[pass_index]
        if not score_stroke(stroke, self._technique.steps[step_index], next_side).counted:
            self._moved_on_streak = 0
            return False
        self._moved_on_streak += 1
        if self._moved_on_streak < FOLLOW_AFTER_STROKES:
            return False
        self._moved_on_streak = 0
        return True

    def _next_step(self) -> tuple[int, int] | None:
        """(step, pass) where the next step starts, or None after the last step."""
        if self._step_index + 1 < len(self._technique.steps):
            return self._step_index + 1, 0
        return None

    def _score_and_count(self, stroke: Stroke) -> ScoredStroke:
        """Score a stroke against the current step and pass, count it, and advance when done."""
        if self.finished:
            scored = ScoredStroke(stroke=stroke, score=StrokeScore(step_index=None, total=None))
            if stroke.stroke_id and any(item.stroke.stroke_id == stroke.stroke_id for item in self._history):
                self._replace(stroke, scored, None)
            else:
                self._history.append(scored)
            return scored
        step = self._technique.steps[self._step_index]
        record = self._records[self._step_index]
        side = record.side_order[self._pass_index]
        score = score_stroke(stroke, step, side)
        if not score.counted and len(record.side_order) == 2:
            other_side = record.side_order[1 - self._pass_index]
            other_score = score_stroke(stroke, step, other_side)
            if other_score.counted and not self._pass_done(step, record, other_side):
                if self._may_swap_sides(step, record):
                    record.side_order.reverse()  # begin with the side the user began on
                side, score = other_side, other_score
        scored = ScoredStroke(stroke=stroke, score=score)
        record.scored.append(scored)
        self._history.append(scored)
        known = _Counted(self._step_index, side)
        if stroke.stroke_id:
            self._by_id[stroke.stroke_id] = known
        if score.counted:
            record.counted_strokes[side] += 1
            known.counted = True
            if step.duration_s is not None:
                known.seconds = max(0.0, stroke.duration_s)
                record.seconds[side] += known.seconds
            else:
                known.reps = _rep_units(stroke, step)
                record.reps[side] += known.reps
            self._advance_past_done_passes()
        return scored

    def _may_swap_sides(self, step: Step, record: _StepRecord) -> bool:
        """Only before anything counted in a two-sided step's first pass."""
        if self._pass_index != 0 or len(record.side_order) != 2:
            return False
        first = record.side_order[0]
        return record.counted_strokes[first] == 0

    @staticmethod
    def _pass_done(step: Step, record: _StepRecord, side: Handedness | None) -> bool:
        if step.duration_s is not None:
            return record.seconds[side] >= step.duration_s - 1e-9
        return record.reps[side] >= (step.reps or 0)

    def _advance_past_done_passes(self) -> None:
        """Move on while the current pass has its reps (the other side may have been done already)."""
        while not self.finished:
            step = self._technique.steps[self._step_index]
            record = self._records[self._step_index]
            if not self._pass_done(step, record, record.side_order[self._pass_index]):
                return
            self._pass_index += 1
            if self._pass_index >= len(record.side_order):
                self._step_index += 1
                self._pass_index = 0

    # --- what to show -------------------------------------------------------------------------------

    def progress(self) -> StepProgress:
        """The current target: step, side, region, reps, and the path and tempo of the ghost stroke."""
        steps = self._technique.steps
        if self.finished:
            last = steps[-1]
            return StepProgress(
                technique=self._technique.name,
                step_index=len(steps) - 1,
                step_count=len(steps),
                step_name=last.name,
                instruction="Routine complete.",
                side=None,
                region=last.regions_for(last.sides[-1])[0],
                pattern=last.pattern,
                direction=last.direction,
                reps_done=last.reps or math.ceil(last.duration_s or 0),
                reps_wanted=last.reps or math.ceil(last.duration_s or 0),
                finished=True,
            )
        step = steps[self._step_index]
        record = self._records[self._step_index]
        side = record.side_order[self._pass_index]
        region = step.regions_for(side)[0]
        if step.duration_s is not None:
            seconds_done: float | None = min(record.seconds[side], step.duration_s)
            seconds_wanted: float | None = step.duration_s
            reps_done, reps_wanted = int(min(record.seconds[side], step.duration_s)), math.ceil(step.duration_s)
        else:
            seconds_done = seconds_wanted = None
            reps_wanted = step.reps or 0
            reps_done = min(record.reps[side], reps_wanted)
        tempo_mid = None if step.tempo_range is None else float(sum(step.tempo_range) / 2.0)
        return StepProgress(
            technique=self._technique.name,
            step_index=self._step_index,
            step_count=len(steps),
            step_name=step.name,
            instruction=step.instruction,
            side=side,
            region=region,
            pattern=step.pattern,
            direction=step.direction,
            reps_done=reps_done,
            reps_wanted=reps_wanted,
            target_path_fu=self._target_path(step, region, side, record.counted_strokes[side]),
            target_speed_fu_s=tempo_mid if step.pattern == "glide" else None,
            target_rate_hz=tempo_mid if step.pattern in ("circle", "tap", "knead") else None,
            seconds_done=seconds_done,
            seconds_wanted=seconds_wanted,
        )

    def _target_path(self, step: Step, region: str, side: Handedness | None, strokes_done: int) -> np.ndarray:
        """A short path through the region centre in the step's direction, in FU (empty without centres).

        Glides: a 0.35 FU segment from start to end. Circles: a 0.08 FU circle from its top, turning the
        step's way (outward when no direction is named). Taps, kneads, holds: the centre point. On a
        midline region the path sits on one half, alternating halves with each counted stroke when
        the step has no side, as people alternate when they stroke out from the midline.
        """
        centre = self._centre_of(region)
        if centre is None:
            return np.zeros((0, 2))
        side_x = 1.0 if side == "left" else -1.0 if side == "right" else (1.0 if strokes_done % 2 == 0 else -1.0)
        if region in MIDLINE_REGIONS:
            centre = centre + np.array([MIDLINE_HALF_OFFSET_FU.get(region, 0.1) * side_x, 0.0])
        if step.pattern == "glide" and step.direction is not None:
            half = glide_direction_vector(step.direction, side_x) * (GLIDE_PATH_LENGTH_FU / 2.0)
            return np.vstack([centre - half, centre + half])
        if step.pattern == "circle":
            clockwise = circle_is_clockwise(step.direction or "outward", side_x)
            sweep = np.linspace(0.0, 2.0 * np.pi, CIRCLE_PATH_POINTS)
            angles = np.pi / 2.0 + (-sweep if clockwise else sweep)
            return centre + CIRCLE_RADIUS_FU * np.column_stack([np.cos(angles), np.sin(angles)])
        return centre.reshape(1, 2)

    # --- after the routine ----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Per-step results and the overall score, as plain JSON-ready values.

        ``overall_score`` is the mean, over steps that received at least one stroke, of each step's
        mean stroke score, where a stroke weighs as many reps as it holds (a run of 8 circles weighs
        8, a glide 1). Each step counts equally whatever its length, so a long step does not drown
        the others, and strokes that did not count still lower the score (they were done, just not
        well enough). Skipped and untouched steps do not enter the score; ``completion`` (mean of each
        step's done/wanted fraction) says how much of the routine was done. None when nothing was scored.
        """
        step_summaries: list[dict[str, Any]] = []
        step_means: list[float] = []
        completions: list[float] = []
        for step, record in zip(self._technique.steps, self._records):
            entry, mean_score, completion = self._step_summary(step, record)
            step_summaries.append(entry)
            completions.append(completion)
            if mean_score is not None:
                step_means.append(mean_score)
        overall = round(float(np.mean(step_means)), 1) if step_means else None
        return {
            "technique": self._technique.name,
            "finished": self.finished,
            "overall_score": overall,
            "completion": round(float(np.mean(completions)), 3) if completions else 0.0,
            "steps": step_summaries,
        }

    def _step_summary(self, step: Step, record: _StepRecord) -> tuple[dict[str, Any], float | None, float]:
        scored = [item for item in record.scored if item.score.total is not None]
        weights = np.array([_rep_units(item.stroke, step) for item in scored], dtype=float)
        totals = np.array([item.score.total for item in scored], dtype=float)
        mean_score = float(np.average(totals, weights=weights)) if scored else None
        tempos = [
            value
            for item in scored
            if item.stroke.pattern == step.pattern and (value := tempo_value(item.stroke, step.pattern)) is not None
        ]
        suffix, unit = TEMPO_UNITS[step.tempo_part]
        passes = len(record.side_order)
        seconds_done: float | None
        seconds_wanted: float | None
        if step.duration_s is not None:
            seconds_done = float(sum(min(record.seconds[side], step.duration_s) for side in record.side_order))
            seconds_wanted = step.duration_s * passes
            completion = seconds_done / seconds_wanted
            reps_done: int | None = sum(record.reps.values())
            reps_wanted: int | None = None
        else:
            wanted_per_pass = step.reps or 0
            reps_done = sum(min(record.reps[side], wanted_per_pass) for side in record.side_order)
            reps_wanted = wanted_per_pass * passes
            seconds_done = seconds_wanted = None
            completion = reps_done / reps_wanted if reps_wanted else 1.0
        entry: dict[str, Any] = {
            "index": step.index,
            "name": step.name,
            "regions": list(step.regions),
            "side": step.side,
            "side_order": [side for side in record.side_order],
            "pattern": step.pattern,
            "direction": step.direction,
            "reps_done": reps_done,
            "reps_wanted": reps_wanted,
            "seconds_done": None if seconds_done is None else round(seconds_done, 2),
            "seconds_wanted": seconds_wanted,
            "strokes": len(scored),
            "counted": sum(1 for item in scored if item.score.counted),
            "mean_score": None if mean_score is None else round(mean_score, 1),
            "tempo": step.tempo_part,
            "tempo_unit": unit,
            f"mean_{suffix}": round(float(np.mean(tempos)), 3) if tempos else None,
            f"target_{suffix}": list(step.tempo_range) if step.tempo_range is not None else None,
            "completed": completion >= 1.0 - 1e-9,
            "skipped": record.skipped,
        }
        return entry, mean_score, min(1.0, completion)
