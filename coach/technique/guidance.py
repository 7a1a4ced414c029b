"""What to tell a person during a routine, in their words: titles, speeds in cm/s, why a step helps,
the guided-mode phases (safety notes, demonstration, side countdown, rest), a "jump to" offer when
strokes keep fitting a later step, and which sentences the voice says when.

Qt-free and clock-free: callers pass the time (clip or session seconds), so the same guidance is
given live and in a test. The live window (ui/) shows and speaks what these classes decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coach.geometry.regions import base_region
from coach.render.text import display_name
from coach.technique.model import Step, Technique
from coach.technique.scoring import score_stroke
from coach.types import ScoredStroke, StepProgress

DEFAULT_CM_PER_FU = 9.0
"""The outer-eye-corner distance of an average adult; speeds computed with it are said as "about"."""
UNSURE_BELOW = 0.6
"""Strokes the engine is less sure of than this are shown as "unsure", never with a correction."""

SAFETY_NOTES: tuple[str, ...] = (
    "Start with clean hands and a clean face.",
    "Use a few drops of oil or serum so fingers and tools glide without pulling the skin.",
    "Never press on the eyes; around them use the lightest touch.",
    "Stop if anything hurts, stings or feels numb.",
)
PRESSURE_WORDS: dict[str, str] = {
    "light": "Light pressure: just resting on the skin",
    "medium": "Medium pressure: you feel the muscle underneath",
    "firm": "Firm pressure: deep but never painful",
}

# Why a step helps, by (pattern, region without its side); then by pattern alone.
_WHY_BY_PATTERN_AND_REGION: dict[tuple[str, str], str] = {
    ("glide", "forehead"): "Smoothing outward relaxes the muscles that hold frown lines.",
    ("glide", "brow"): "Sweeping along the brow eases the tension that gathers around the eyes.",
    ("glide", "under_eye"): "A feather-light outward sweep helps fluid drain away from puffy under-eyes.",
    ("glide", "cheek"): "Lifting toward the ear moves fluid toward the lymph nodes in front of the ear.",
    ("glide", "jaw"): "Gliding along the jaw releases tension from clenching and defines the jawline.",
    ("glide", "neck"): "Stroking down the neck opens the path the face's fluid drains along.",
    ("glide", "temple"): "Drawing toward the temples carries fluid out toward the ears.",
    ("glide", "nose"): "Gliding beside the nose eases sinus pressure.",
    ("glide", "chin"): "Gliding out from the chin relaxes the lower face.",
    ("glide", "upper_lip"): "Gliding out from the lip relaxes the muscles around the mouth.",
}
_WHY_BY_PATTERN: dict[str, str] = {
    "glide": "Slow, even strokes at the right speed feel most soothing and move fluid best.",
    "circle": "Small circles loosen tight spots and bring warmth to the skin.",
    "tap": "Light, quick tapping wakes up the skin and gets the circulation going.",
    "knead": "Kneading works deeper into tense muscles.",
    "hold": "A steady press lets a tight point let go; breathe out slowly while you hold.",
}

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number_word(value: int) -> str:
    return _NUMBER_WORDS[value] if 0 <= value < len(_NUMBER_WORDS) else str(value)


def step_title(name: str) -> str:
    """A step as people read it: 'chin_to_ear' → 'Chin to ear'."""
    return display_name(name)


def why_it_helps(step: Step) -> str:
    """One line on why the step is worth doing (from the step's pattern and where it works)."""
    for region in step.regions:
        reason = _WHY_BY_PATTERN_AND_REGION.get((step.pattern, base_region(region)))
        if reason:
            return reason
    return _WHY_BY_PATTERN.get(step.pattern, "")


def pressure_words(pressure: str) -> str:
    return PRESSURE_WORDS.get(pressure, pressure.capitalize())


@dataclass(frozen=True)
class SpeedScale:
    """Face units → centimetres: the profile's calibrated size, else the average one (said as "about")."""

    cm_per_fu: float = DEFAULT_CM_PER_FU
    calibrated: bool = False

    @classmethod
    def for_profile(cls, profile: Any | None) -> "SpeedScale":
        if profile is None:
            return cls()
        return cls(float(getattr(profile, "cm_per_fu", DEFAULT_CM_PER_FU)), calibrated=True)

    def cm_s(self, speed_fu_s: float) -> float:
        return speed_fu_s * self.cm_per_fu

    def say(self, speed_fu_s: float) -> str:
        """'about 3 cm/s' (default size) or '3.2 cm/s' (calibrated)."""
        value = self.cm_s(speed_fu_s)
        text = f"{value:.0f} cm/s" if value >= 10 or not self.calibrated else f"{value:.1f} cm/s"
        return text if self.calibrated else f"about {text}"

    def say_range(self, low_fu_s: float, high_fu_s: float) -> str:
        low, high = self.cm_s(low_fu_s), self.cm_s(high_fu_s)
        text = f"{low:.0f}–{high:.0f} cm/s"
        return text if self.calibrated else f"about {text}"


@dataclass(frozen=True)
class TempoGauge:
    """Where a stroke's tempo sits against the step's target band, for a slower/faster gauge.

    ``position`` is 0 at the band's low end and 1 at its high end (below 0: too slow; above 1: too
    fast), clipped to [-1, 2] so the gauge stays on screen.
    """

    position: float
    verdict: str  # "slower", "on target", "faster"
    words: str  # "A little slower", "Right speed", "Much too fast" …


def tempo_gauge(value: float, band: tuple[float, float], kind: str = "speed") -> TempoGauge:
    low, high = band
    span = max(high - low, 1e-9)
    position = (value - low) / span
    slow_word, fast_word = ("slower", "faster") if kind != "hold" else ("longer", "shorter")
    if position < 0:
        far = position < -0.5
        return TempoGauge(max(-1.0, position), slow_word, ("Much too " if far else "A little too ") + ("slow" if kind != "hold" else "short"))
    if position > 1:
        far = position > 1.5
        return TempoGauge(min(2.0, position), fast_word, ("Much too " if far else "A little too ") + ("fast" if kind != "hold" else "long"))
    return TempoGauge(position, "on target", "Right speed" if kind == "speed" else "Right tempo" if kind == "rate" else "Right length")


def stroke_confidence(scored: ScoredStroke) -> float:
    """The engine's confidence in a stroke (1.0 for engines that do not say)."""
    return float(getattr(scored.stroke, "confidence", 1.0))


def is_unsure(scored: ScoredStroke) -> bool:
    return stroke_confidence(scored) < UNSURE_BELOW


def is_settled(scored: ScoredStroke) -> bool:
    """A finished, standing stroke: not a progress event of a run still going (``final`` False) and
    not an event the engine took back (``withdrawn``). Engines without these fields emit only
    settled strokes."""
    stroke = scored.stroke
    return bool(getattr(stroke, "final", True)) and not bool(getattr(stroke, "withdrawn", False))


# ---- guided mode ---------------------------------------------------------------------------------

SAFETY_S = 8.0
DEMO_S = 4.0
REST_S = 3.0
SIDE_COUNTDOWN_S = 3.0


@dataclass(frozen=True)
class Guidance:
    """What guided mode shows now: a phase, a headline and a line of detail; ``demo`` asks the
    overlay for the large demonstration ghost; ``countdown`` is whole seconds left (0 when none)."""

    phase: str  # "safety", "rest", "demo", "countdown", "coach", "finished", "idle"
    headline: str
    detail: str = ""
    demo: bool = False
    countdown: int = 0


class GuidedMode:
    """Phases around the steps, from the progress the session reports and the time.

    The routine is never held back: strokes made during a cue still count (people start when they
    are ready). At the start the safety notes show; each new step begins with a short rest (after
    the first) and a demonstration of its motion; a change of side within a step shows a countdown.
    """

    def __init__(self, technique: Technique | None) -> None:
        self.technique = technique
        self._started_at: float | None = None
        self._step_key: tuple[int, str | None] | None = None
        self._phase_started_at = 0.0
        self._phase = "idle"

    def reset(self, technique: Technique | None = None) -> None:
        self.__init__(technique if technique is not None else self.technique)  # type: ignore[misc]

    def update(self, progress: StepProgress | None, now_s: float) -> Guidance:
        if progress is None or self.technique is None:
            return Guidance("idle", "")
        if progress.finished:
            return Guidance("finished", "Routine finished", "Well done. Your report is being saved.")
        if self._started_at is None:
            self._started_at = now_s
            self._step_key = (progress.step_index, progress.side)
            self._phase, self._phase_started_at = "safety", now_s
        key = (progress.step_index, progress.side)
        if key != self._step_key:
            same_step = self._step_key is not None and key[0] == self._step_key[0]
            self._phase = "countdown" if same_step else "rest"
            self._phase_started_at = now_s
            self._step_key = key
        elapsed = now_s - self._phase_started_at
        step = self.technique.steps[progress.step_index] if progress.step_index < len(self.technique.steps) else None
        title = step_title(step.name if step is not None else progress.step_name)
        if self._phase == "safety":
            if elapsed < SAFETY_S:
                # The first step's motion is demonstrated meanwhile (the large ghost on the face).
                return Guidance("safety", "Before you start", " ".join(SAFETY_NOTES), demo=True)
            self._phase, self._phase_started_at, elapsed = "demo", now_s, 0.0
        if self._phase == "rest":
            if elapsed < REST_S:
                return Guidance("rest", "Rest a moment", f"Relax your hands. Next: {title}.")
            self._phase, self._phase_started_at, elapsed = "demo", now_s, 0.0
        if self._phase == "countdown":
            left = SIDE_COUNTDOWN_S - elapsed
            if left > 0:
                side = progress.side or "other"
                return Guidance("countdown", f"Switch to the {side} side", f"{title} on the {side} side in {math.ceil(left)}…",
                                countdown=math.ceil(left))
            self._phase = "coach"
        if self._phase == "demo":
            if elapsed < DEMO_S:
                how = step.instruction if step is not None else progress.instruction
                return Guidance("demo", f"Watch: {title}", f"Follow the moving dot. {how}", demo=True)
            self._phase = "coach"
        return Guidance("coach", title, progress.instruction)


# ---- "jump to" offers ----------------------------------------------------------------------------

JUMP_OFFER_AFTER = 2
"""Strokes in a row that fit the same later step (and not the current one) before a jump is offered."""


class LaterStepWatcher:
    """Notices when strokes keep fitting a later step than the current one, to offer a jump there.

    The session already follows a user onto the *next* step by itself; this covers the steps after
    it (and a step before, when someone goes back), which the session never jumps to on its own.
    """

    def __init__(self, technique: Technique | None) -> None:
        self.technique = technique
        self._candidate: int | None = None
        self._streak = 0
        self.offer: int | None = None

    def reset(self) -> None:
        self._candidate, self._streak, self.offer = None, 0, None

    def on_strokes(self, strokes: Sequence[ScoredStroke], progress: StepProgress | None) -> int | None:
        """Feed the strokes that ended at this frame; returns the step index to offer, or None."""
        if self.technique is None or progress is None or progress.finished:
            self.reset()
            return None
        for scored in strokes:
            if not is_settled(scored):
                continue  # a run still going (or taken back) is judged when it ends
            if scored.score.counted or is_unsure(scored):
                self._candidate, self._streak = None, 0
                self.offer = None
                continue
            match = self._matching_step(scored, progress.step_index)
            if match is None:
                self._candidate, self._streak = None, 0
                continue
            if match == self._candidate:
                self._streak += 1
            else:
                self._candidate, self._streak = match, 1
            if self._streak >= JUMP_OFFER_AFTER:
                self.offer = match
        if self.offer is not None and self.offer == progress.step_index:
            self.offer = None
        return self.offer

    def _matching_step(self, scored: ScoredStroke, current: int) -> int | None:
        assert self.technique is not None
        for index, step in enumerate(self.technique.steps):
            if index in (current, current + 1):
                continue  # the current step, and the next one the session follows by itself
            if any(score_stroke(scored.stroke, step, side).counted for side in step.sides):
                return index
        return None


# ---- the voice -----------------------------------------------------------------------------------

CORRECTION_REPEATS = 2
"""The same correction on this many strokes in a row is worth saying aloud."""
CORRECTION_COOLDOWN_S = 12.0
"""The same correction is not said again within this long."""
SPOKEN_SAFETY = "Before you start: clean hands, a little oil, and never press on your eyes."
REP_MILESTONES = (3, 1)
"""Reps left at which the count is said ("three more", "one more")."""


@dataclass(frozen=True)
class Prompt:
    """One sentence to say; ``priority`` prompts (a new step, the end) wait for the voice's
    cooldown, the others are dropped when the voice is busy."""

    text: str
    priority: bool = False


class VoicePrompter:
    """Chooses the sentences of the spoken coaching from what happens, frame by frame.

    Says: the step and side when they start, rep counts at milestones, a correction when the same
    one repeats (never the same again within CORRECTION_COOLDOWN_S), and the end of the routine.
    The speaker (coach.audio) adds a global cooldown so at most one sentence plays every few seconds.
    """

    def __init__(self) -> None:
        self._step_key: tuple[int, str | None, str] | None = None
        self._finished_said = False
        self._milestones_said: set[int] = set()
        self._last_correction: str | None = None
        self._correction_streak = 0
        self._said_at: dict[str, float] = {}
        # Strokes already judged for the streak: a glide re-judged when the face comes back arrives
        # again with its stroke_id and replaces the first; it is not a second stroke to count.
        self._judged_ids: set[int] = set()

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def update(self, progress: StepProgress | None, new_strokes: Sequence[ScoredStroke], now_s: float) -> list[Prompt]:
        prompts: list[Prompt] = []
        if progress is None:
            return prompts
        if progress.finished:
            if not self._finished_said:
                self._finished_said = True
                prompts.append(Prompt("Routine finished. Well done.", priority=True))
            return prompts
        key = (progress.step_index, progress.side, progress.technique)
        if key != self._step_key:
            if self._step_key is None:
                prompts.append(Prompt(SPOKEN_SAFETY, priority=True))
            self._step_key = key
            self._milestones_said = set()
            self._last_correction, self._correction_streak = None, 0
            self._judged_ids = set()
            side = f", {progress.side} side" if progress.side else ""
            prompts.append(Prompt(f"Step {number_word(progress.step_index + 1)}: {step_title(progress.step_name)}{side}.", priority=True))
            return prompts
        left = progress.reps_wanted - progress.reps_done
        if progress.seconds_wanted is None and new_strokes:
            for milestone in REP_MILESTONES:
                if left == milestone and milestone not in self._milestones_said and progress.reps_wanted > milestone:
                    self._milestones_said.add(milestone)
                    prompts.append(Prompt(f"{number_word(milestone).capitalize()} more."))
        for scored in new_strokes:
            if is_unsure(scored) or not is_settled(scored):
                continue
            stroke_id = scored.stroke.stroke_id  # 0: a stroke from outside the engine, without an id
            if stroke_id:
                if stroke_id in self._judged_ids:
                    continue
                self._judged_ids.add(stroke_id)
            correction = scored.score.corrections[0] if scored.score.corrections else None
            if correction is None or correction != self._last_correction:
                self._last_correction = correction
                self._correction_streak = 1 if correction else 0
                continue
            self._correction_streak += 1
            if self._correction_streak >= CORRECTION_REPEATS and now_s - self._said_at.get(correction, -math.inf) >= CORRECTION_COOLDOWN_S:
                self._said_at[correction] = now_s
                self._correction_streak = 0
                prompts.append(Prompt(correction.rstrip(".") + "."))
        return prompts
