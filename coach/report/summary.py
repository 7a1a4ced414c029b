"""The session in a few plain sentences: how much of the routine was done, the best step, the one
thing to change. Shared by report.html's headline and the live window's end-of-session summary,
so both say the same thing. Qt-free; works on report.json's layout.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from coach.render.text import display_name

NO_STROKES = "No strokes seen: was your hand on your face?"


@dataclass(frozen=True)
class Correction:
    """One correction as a person reads it: the phrase and how many strokes it was said about."""

    phrase: str
    strokes: int
    points_lost: float

    @property
    def plain(self) -> str:
        """What went wrong, counted: '2 strokes went the wrong way', '1 stroke was too fast'."""
        return what_went_wrong(self.phrase, self.strokes)


@dataclass(frozen=True)
class PlainSummary:
    headline: str  # "Routine finished" / "3 of 7 steps done" / "No strokes seen: …"
    steps_done: int
    step_count: int
    finished: bool
    stroke_count: int
    score: float | None
    best_step: str | None  # "Cheek lift (88)"
    one_thing: str | None  # the correction worth acting on first, in words
    partial: bool

    @property
    def completion_text(self) -> str:
        return f"{self.steps_done} of {self.step_count} step{'s' if self.step_count != 1 else ''}"

    def lines(self) -> list[str]:
        lines = [self.headline]
        if self.step_count and not self.headline.startswith(self.completion_text) and not self.finished:
            lines.append(f"{self.completion_text} done")
        if self.score is not None:
            lines.append(f"Score {self.score:.0f} of 100 over {self.stroke_count} stroke{'s' if self.stroke_count != 1 else ''}")
        if self.best_step:
            lines.append(f"Best step: {self.best_step}")
        if self.one_thing:
            lines.append(f"Next time: {self.one_thing}")
        if self.partial:
            lines.append("Stopped before the end: the report shows what was done.")
        return lines


# What a correction says went wrong, by how the phrase starts (coach.technique.scoring's phrases):
# (plural, singular).
_WHAT_WENT_WRONG: tuple[tuple[tuple[str, ...], tuple[str, str]], ...] = (
    (("Slow down", "Slower", "Knead more slowly", "Release sooner"), ("were too fast", "was too fast")),
    (("Speed up", "Faster", "Lighter, faster", "Knead a little faster"), ("were too slow", "was too slow")),
    (("Hold still longer",), ("were held too briefly", "was held too briefly")),
    (("Stroke ", "Circle "), ("went the wrong way", "went the wrong way")),
    (("Stay on the", "Move to the"), ("were off the target area", "was off the target area")),
    (("Make ", "Keep moving", "Press and hold"), ("were a different kind of stroke", "was a different kind of stroke")),
    (("Keep an even", "Keep a steady", "Keep still"), ("were uneven", "was uneven")),
)


def what_went_wrong(phrase: str, strokes: int) -> str:
    for starts, (plural, singular) in _WHAT_WENT_WRONG:
        if phrase.startswith(starts):
            return f"{strokes} stroke{'s' if strokes != 1 else ''} {plural if strokes != 1 else singular}"
    return f"said about {strokes} stroke{'s' if strokes != 1 else ''}"


# How a stroke's lost points are shared between its corrections: the first named matters most.
CORRECTION_SHARES: dict[int, tuple[float, ...]] = {1: (1.0,), 2: (2 / 3, 1 / 3)}


def ranked_corrections(report: dict[str, Any], limit: int = 3) -> list[Correction]:
    """Corrections ranked by the points they cost in total (a stroke's lost points are shared
    between its corrections, the first more than the second), so a phrase said about many poor
    strokes ranks above one said about nearly perfect ones. Unsure strokes are left out."""
    cost: dict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    for stroke in report.get("strokes") or []:
        if stroke.get("confidence") is not None and float(stroke["confidence"]) < 0.6:
            continue
        phrases = [phrase for phrase in stroke.get("feedback") or [] if phrase]
        if not phrases:
            continue
        lost = 100.0 - float(stroke["score"]) if stroke.get("score") is not None else 0.0
        shares = CORRECTION_SHARES.get(len(phrases), tuple(1.0 / len(phrases) for _ in phrases))
        for phrase, share in zip(phrases, shares):
            cost[phrase] += lost * share
            count[phrase] += 1
    ranked = sorted(count, key=lambda phrase: (-cost[phrase], -count[phrase], phrase))
    return [Correction(phrase, count[phrase], round(cost[phrase], 1)) for phrase in ranked[:limit]]


def steps_done(report: dict[str, Any]) -> int:
    return sum(1 for step in report.get("steps") or [] if step.get("completed"))


def plain_summary(report: dict[str, Any]) -> PlainSummary:
    strokes = report.get("strokes") or []
    steps = report.get("steps") or []
    done = steps_done(report)
    finished = bool(steps) and done == len(steps) and not report.get("partial")
    if not strokes:
        headline = NO_STROKES
    elif report.get("technique") is None:
        headline = f"{len(strokes)} stroke{'s' if len(strokes) != 1 else ''} seen (no routine chosen)"
    elif finished:
        headline = "Routine finished"
    else:
        headline = f"{done} of {len(steps)} step{'s' if len(steps) != 1 else ''} done"
    scored_steps = [step for step in steps if step.get("mean_score") is not None and (step.get("counted") or 0) > 0]
    best = max(scored_steps, key=lambda step: float(step["mean_score"]), default=None)
    best_text = f"{display_name(best.get('name', ''))} ({float(best['mean_score']):.0f})" if best else None
    corrections = ranked_corrections(report, limit=1)
    return PlainSummary(
        headline=headline,
        steps_done=done,
        step_count=len(steps),
        finished=finished,
        stroke_count=len(strokes),
        score=report.get("overall_score") if strokes else None,
        best_step=best_text,
        one_thing=corrections[0].phrase if corrections else None,
        partial=bool(report.get("partial")),
    )
