"""What the history says about practice: days practised and the streak, minutes per week, scores
per technique, and which corrections keep coming back or are fading.

Pure functions over ``SessionRecord`` rows (no database, no plotting), shared by ``coach history``,
its plot, the history page and the live window's panel. Days are the user's local days.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from coach.storage.history import HistoryStore, SessionRecord, history_path

FADING_RATIO = 0.75
"""A correction is fading when its recent share of strokes is below this fraction of its early share."""
MIN_SESSIONS_FOR_TREND = 4
TOP_CORRECTIONS = 5


def session_day(record: SessionRecord) -> date:
    return record.started_local.date()


def practice_days(records: Iterable[SessionRecord]) -> dict[date, float]:
    """Each day with at least one session, and the minutes practised that day."""
    days: dict[date, float] = {}
    for record in records:
        day = session_day(record)
        days[day] = days.get(day, 0.0) + (record.duration_s or 0.0) / 60.0
    return days


def current_streak(days: Iterable[date], today: date | None = None) -> int:
    """Consecutive practice days ending today, or yesterday (today's session may still be to come)."""
    practised = set(days)
    today = today or date.today()
    day = today if today in practised else today - timedelta(days=1)
    streak = 0
    while day in practised:
        streak += 1
        day -= timedelta(days=1)
    return streak


def streak_in_store(store: HistoryStore, today: date | None = None, technique: str | None = None) -> int:
    """The current streak read from the newest sessions back, stopping at the first gap: quick
    however long the history is."""
    today = today or date.today()
    expected, streak = today, 0
    for started_at in store.start_times(technique):
        day = datetime.fromisoformat(started_at).astimezone().date()
        if day > expected:  # another session the same day (or a clock ahead)
            continue
        if day == expected or (streak == 0 and day == today - timedelta(days=1)):
            streak += 1
            expected = day - timedelta(days=1)
        else:
            break
    return streak


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def minutes_per_week(records: Iterable[SessionRecord], today: date | None = None, weeks: int = 12) -> list[tuple[date, float]]:
    """Minutes practised in each of the last ``weeks`` weeks (Monday-based), oldest first, zeros included."""
    today = today or date.today()
    last = week_start(today)
    totals = {last - timedelta(weeks=index): 0.0 for index in range(weeks)}
    for record in records:
        start = week_start(session_day(record))
        if start in totals:
            totals[start] += (record.duration_s or 0.0) / 60.0
    return sorted(totals.items())


@dataclass(frozen=True)
class CorrectionTrend:
    """How often one correction was given: its share of strokes early on and recently."""

    phrase: str
    strokes: int  # strokes that got it, over all sessions
    sessions: int  # sessions in which it came up
    early_share: float | None  # mean share of a session's strokes, first half of the sessions
    recent_share: float | None  # the same over the second half
    shares: tuple[float, ...]  # per session, oldest first

    @property
    def verdict(self) -> str:
        """'fading', 'still frequent', 'growing' or 'too early to tell'."""
        if self.early_share is None or self.recent_share is None:
            return "too early to tell"
        if self.recent_share < self.early_share * FADING_RATIO:
            return "fading"
        if self.recent_share > self.early_share / FADING_RATIO and self.recent_share - self.early_share > 0.05:
            return "growing"
        return "still frequent"


def correction_trends(
    records: Sequence[SessionRecord],
    corrections: Mapping[int, Counter[str]],
    stroke_counts: Mapping[int, int],
    top: int = TOP_CORRECTIONS,
) -> list[CorrectionTrend]:
    """The most frequent corrections over ``records`` (time order) and whether they fade."""
    totals: Counter[str] = Counter()
    for record in records:
        totals.update(corrections.get(record.id, Counter()))
    scored = [record for record in records if stroke_counts.get(record.id, 0) > 0]
    half = len(scored) // 2
    trends: list[CorrectionTrend] = []
    for phrase, total in totals.most_common(top):
        shares = tuple(corrections.get(record.id, Counter())[phrase] / stroke_counts[record.id] for record in scored)
        enough = len(scored) >= MIN_SESSIONS_FOR_TREND
        early = sum(shares[:half]) / half if enough else None
        recent = sum(shares[half:]) / (len(shares) - half) if enough else None
        sessions = sum(1 for record in records if corrections.get(record.id, Counter())[phrase] > 0)
        trends.append(CorrectionTrend(phrase, int(total), sessions, early, recent, shares))
    return trends


def main_correction(counts: Counter[str] | None) -> str | None:
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def lower_first(phrase: str) -> str:
    return phrase[:1].lower() + phrase[1:] if phrase else phrase


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    total = int(round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def format_score(score: float | None) -> str:
    return "-" if score is None else f"{score:.0f}"


def last_time_text(store: HistoryStore, technique: str | None, today: date | None = None) -> str:
    """The live window's line: streak and the last session's score and main correction.

    For a technique: "4-day streak · Last time: 72, slow down"; without one, the overall streak.
    """
    records = store.sessions(technique=technique, last=50)
    streak = streak_in_store(store, today)
    parts: list[str] = []
    if streak >= 1:
        parts.append(f"{streak}-day streak")
    if technique is None:
        if not parts:
            parts.append("Pick a technique to see how it went last time")
        return " · ".join(parts)
    finished = [record for record in records if record.state != "open"]
    if not finished:
        parts.append("First time with this technique")
        return " · ".join(parts)
    last = finished[-1]
    phrase = main_correction(store.corrections([last.id]).get(last.id))
    text = f"Last time: {format_score(last.overall_score)}" if last.overall_score is not None else "Last time: no score"
    if phrase:
        text += f", {lower_first(phrase)}"
    parts.append(text)
    return " · ".join(parts)


def history_summary_text(path: Path | None = None, technique: str | None = None) -> str:
    """``last_time_text`` straight from the file, without creating it when there is none yet."""
    target = path or history_path()
    if not target.exists():
        return "Your first recorded session: your practice history starts today"
    with HistoryStore.open(target, check=False) as store:
        return last_time_text(store, technique)
