"""Figures of the practice history: score over time per technique, practice days as a calendar strip
with the current streak, minutes per week, and the most frequent corrections and whether they fade.

Drawn like the session report's figures (matplotlib's object API on Agg canvases, no pyplot), so
they can be made from any process, including the live window's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from coach.report.history_trends import CorrectionTrend, current_streak, week_start
from coach.report.plots import GRID_COLOR, MUTED_COLOR, TEXT_COLOR, _new_figure, _style_axes, figure_png
from coach.storage.history import SessionRecord

CALENDAR_WEEKS = 16
PRACTICE_CMAP = LinearSegmentedColormap.from_list("practice", ["#c7ecd2", "#1e9e57"])
NO_PRACTICE_COLOR = "#eceef1"
EARLY_COLOR = "#c9ced6"
RECENT_COLOR = "#1f9bd1"
TECHNIQUE_COLORS = ("#1f9bd1", "#e07b39", "#1e9e57", "#9b59b6", "#c0392b", "#7f8c8d", "#d4ac0d", "#16a085", "#34495e")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class HistoryFigures:
    """What the figures are drawn from (computed once by the caller)."""

    records: Sequence[SessionRecord]
    days: Mapping[date, float]  # practice day → minutes
    weeks: Sequence[tuple[date, float]]  # week start → minutes
    corrections: Sequence[CorrectionTrend]
    today: date


def _technique_label(record: SessionRecord) -> str:
    return record.technique_title or (record.technique or "no technique").replace("_", " ")


def draw_scores(axes: Any, records: Sequence[SessionRecord], title: bool = True) -> bool:
    """Each technique's overall score per session over time; hollow marks: incomplete sessions."""
    _style_axes(axes)
    scored = [record for record in records if record.overall_score is not None and record.technique]
    groups: dict[str, list[SessionRecord]] = {}
    for record in scored:
        groups.setdefault(_technique_label(record), []).append(record)
    for index, (label, group) in enumerate(sorted(groups.items())):
        colour = TECHNIQUE_COLORS[index % len(TECHNIQUE_COLORS)]
        times = [record.started_local.replace(tzinfo=None) for record in group]
        scores = [record.overall_score for record in group]
        axes.plot(times, scores, "-", color=colour, linewidth=1.6, alpha=0.8, label=label)
        for when, score, record in zip(times, scores, group):
            complete = record.state == "complete" and not record.partial
            axes.plot([when], [score], "o", markersize=6, color=colour, markerfacecolor=colour if complete else "white")
    axes.set_ylim(0, 100)
    axes.set_ylabel("Overall score", color=TEXT_COLOR)
    if title:
        axes.set_title("Score over time", loc="left", color=TEXT_COLOR, fontsize=11)
    if groups:
        axes.legend(loc="lower left", fontsize=8, frameon=False, ncols=min(3, len(groups)))
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        times = [record.started_local.replace(tzinfo=None) for record in scored]
        if max(times) - min(times) < timedelta(days=7):  # a few sessions: a readable week, not years
            middle = min(times) + (max(times) - min(times)) / 2
            axes.set_xlim(middle - timedelta(days=3.5), middle + timedelta(days=3.5))
    else:
        axes.text(0.5, 0.5, "No scored sessions yet (choose a technique)", ha="center", va="center",
                  transform=axes.transAxes, color=MUTED_COLOR)
    return bool(groups)


def draw_calendar(axes: Any, days: Mapping[date, float], today: date, weeks: int = CALENDAR_WEEKS) -> int:
    """Practice days of the last ``weeks`` weeks as a strip of squares (darker: more minutes),
    titled with the current streak; returns the streak."""
    streak = current_streak(days.keys(), today)
    first = week_start(today) - timedelta(weeks=weeks - 1)
    # A session stopped after its first frame lasts 0 minutes: the scale must still not be zero.
    most = max([minutes for day, minutes in days.items() if day >= first], default=0.0) or 1.0
    for column in range(weeks):
        for row in range(7):
            day = first + timedelta(weeks=column, days=row)
            if day > today:
                continue
            minutes = days.get(day)
            colour = NO_PRACTICE_COLOR if minutes is None else PRACTICE_CMAP(min(1.0, 0.25 + 0.75 * minutes / most))
            axes.add_patch(_square(column, row, colour, edge=TEXT_COLOR if day == today else "white"))
    axes.set_xlim(-0.6, weeks - 0.4)
    axes.set_ylim(6.6, -0.6)
    axes.set_aspect("equal")
    axes.set_yticks(range(7), WEEKDAYS, fontsize=8, color=MUTED_COLOR)
    month_ticks = [(column, first + timedelta(weeks=column)) for column in range(weeks)]
    shown = [(column, day) for column, day in month_ticks if day.day <= 7 or column == 0]
    axes.set_xticks([column for column, _ in shown], [day.strftime("%b %d") for _, day in shown], fontsize=8, color=MUTED_COLOR)
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(length=0)
    label = f"current streak: {streak} day{'s' if streak != 1 else ''}" if streak else "no current streak"
    axes.set_title(f"Practice days · {label}", loc="left", color=TEXT_COLOR, fontsize=11)
    return streak


def _square(column: int, row: int, colour: Any, edge: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((column - 0.42, row - 0.42), 0.84, 0.84, facecolor=colour, edgecolor=edge, linewidth=1.2)


def draw_minutes(axes: Any, weeks: Sequence[tuple[date, float]], title: bool = True) -> None:
    _style_axes(axes)
    labels = [start.strftime("%b %d") for start, _ in weeks]
    minutes = [value for _, value in weeks]
    axes.bar(range(len(weeks)), minutes, color=RECENT_COLOR, width=0.7)
    axes.set_xticks(range(len(weeks)), labels, fontsize=7, rotation=45, ha="right")
    axes.set_ylabel("Minutes", color=TEXT_COLOR)
    if title:
        axes.set_title("Minutes per week", loc="left", color=TEXT_COLOR, fontsize=11)
    axes.grid(True, axis="y", color=GRID_COLOR)
    axes.grid(False, axis="x")


def draw_corrections(axes: Any, trends: Sequence[CorrectionTrend], title: bool = True) -> None:
    """Share of strokes that got each frequent correction: earlier sessions against recent ones."""
    _style_axes(axes)
    if title:
        axes.set_title("Most frequent corrections", loc="left", color=TEXT_COLOR, fontsize=11)
    if not trends:
        axes.text(0.5, 0.5, "No corrections yet", ha="center", va="center", transform=axes.transAxes, color=MUTED_COLOR)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    rows = list(reversed(trends))
    positions = range(len(rows))
    early = [100 * (trend.early_share if trend.early_share is not None else sum(trend.shares) / max(1, len(trend.shares))) for trend in rows]
    recent = [100 * (trend.recent_share if trend.recent_share is not None else 0.0) for trend in rows]
    have_trend = any(trend.recent_share is not None for trend in rows)
    if have_trend:
        axes.barh([p + 0.18 for p in positions], early, height=0.34, color=EARLY_COLOR, label="earlier sessions")
        axes.barh([p - 0.18 for p in positions], recent, height=0.34, color=RECENT_COLOR, label="recent sessions")
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    else:
        axes.barh(list(positions), early, height=0.5, color=RECENT_COLOR)
    axes.set_yticks(list(positions), [f"{trend.phrase}\n({trend.verdict})" for trend in rows], fontsize=8)
    axes.set_xlabel("% of strokes", color=TEXT_COLOR)
    axes.grid(True, axis="x", color=GRID_COLOR)
    axes.grid(False, axis="y")


def history_png(figures: HistoryFigures) -> bytes:
    """The four views in one picture (``coach history --plot OUT.png``)."""
    figure = _new_figure(11.0, 10.0)
    grid = figure.add_gridspec(3, 2, height_ratios=[1.2, 0.9, 1.2])
    draw_scores(figure.add_subplot(grid[0, :]), figures.records)
    draw_calendar(figure.add_subplot(grid[1, :]), figures.days, figures.today)
    draw_minutes(figure.add_subplot(grid[2, 0]), figures.weeks)
    draw_corrections(figure.add_subplot(grid[2, 1]), figures.corrections)
    figure.suptitle(f"Practice history · {len(figures.records)} session{'s' if len(figures.records) != 1 else ''}",
                    color=TEXT_COLOR, fontsize=13, x=0.01, ha="left")
    return figure_png(figure)


def single_png(kind: str, figures: HistoryFigures) -> bytes:
    """One view on its own (the history page shows them one per section)."""
    heights = {"scores": 3.2, "calendar": 2.3, "minutes": 2.8, "corrections": 2.2 + 0.45 * len(figures.corrections)}
    figure: Figure = _new_figure(heights[kind])
    axes = figure.add_subplot()
    if kind == "scores":
        draw_scores(axes, figures.records, title=False)
    elif kind == "calendar":
        draw_calendar(axes, figures.days, figures.today)
    elif kind == "minutes":
        draw_minutes(axes, figures.weeks, title=False)
    elif kind == "corrections":
        draw_corrections(axes, figures.corrections, title=False)
    else:
        raise ValueError(f"unknown history figure {kind!r}")
    return figure_png(figure)


def figures_from_store(store: Any, technique: str | None = None, today: date | None = None) -> HistoryFigures:
    """Everything the figures need, read from a HistoryStore."""
    from coach.report.history_trends import correction_trends, minutes_per_week, practice_days

    today = today or datetime.now().date()
    records = store.sessions(technique=technique)
    ids = [record.id for record in records]
    return HistoryFigures(
        records=records,
        days=practice_days(records),
        weeks=minutes_per_week(records, today),
        corrections=correction_trends(records, store.corrections(ids), store.stroke_counts(ids)),
        today=today,
    )
