"""history.html: the practice history beside a session's report.html, in one self-contained page.

Like report.html it has everything inside (inline CSS, figures as base64 PNGs, no scripts, no links
out), so it opens offline and can be archived with the report. It shows the streak and practice
days, score over time per technique, minutes per week, the recurring corrections and whether they
fade, and the recent sessions with the one this report is about highlighted.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from coach.report.history_plots import HistoryFigures, figures_from_store, single_png
from coach.report.history_trends import current_streak, format_duration, format_score
from coach.storage.history import HistoryStore, SessionRecord

logger = logging.getLogger(__name__)

RECENT_ROWS = 15
HISTORY_PAGE_NAME = "history.html"

EXTRA_CSS = """
.facts-row { display: flex; flex-wrap: wrap; gap: 12px 34px; }
.fact .value { font-size: 30px; font-weight: 800; line-height: 1.1; }
.fact .label { color: var(--muted); font-size: 13px; }
tr.current td { background: #e8f4fb; font-weight: 600; }
"""


def _e(value: object) -> str:
    import html

    return html.escape(str(value), quote=True)


def _figure(plot_id: str, png: bytes, alt: str, caption: str) -> str:
    from coach.report.html import _png_data_uri

    return (
        f'<figure id="plot-{plot_id}" data-plot="{plot_id}"><img alt="{_e(alt)}" src="{_png_data_uri(png)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _fact(field: str, value: object, shown: str, label: str) -> str:
    return (
        f'<div class="fact"><div class="value" data-field="{field}" data-value="{_e(value)}">{_e(shown)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _session_rows(records: list[SessionRecord], current_id: int | None) -> str:
    rows = []
    for record in reversed(records[-RECENT_ROWS:]):
        state = "" if record.state == "complete" and not record.partial else ("incomplete" if record.state != "complete" else "partial")
        completion = "-" if record.completion is None else f"{record.completion:.0%}"
        css = ' class="current"' if record.id == current_id else ""
        rows.append(
            f'<tr data-session="{record.id}"{css}><td>{record.started_local.strftime("%a %d %b %Y, %H:%M")}</td>'
            f"<td>{_e(record.technique_title or record.technique or 'no technique')}</td>"
            f'<td class="num">{format_duration(record.duration_s)}</td>'
            f'<td class="num">{format_score(record.overall_score)}</td><td class="num">{completion}</td>'
            f'<td class="muted">{_e(state)}</td></tr>'
        )
    return "".join(rows)


def render_history_page(figures: HistoryFigures, all_records: list[SessionRecord], current_id: int | None, technique: str | None) -> str:
    """The page as a string; ``figures`` are for ``technique`` (or every session when None)."""
    from coach.report.html import PAGE_CSS

    records = list(figures.records)
    streak = current_streak(figures.days.keys(), figures.today)
    minutes_total = sum(figures.days.values())
    week_minutes = figures.weeks[-1][1] if figures.weeks else 0.0
    name = next((record.technique_title for record in reversed(records) if record.technique_title), None) or (
        technique.replace("_", " ") if technique else None
    )
    subtitle = f"{_e(name)} · " if name else "All techniques · "
    subtitle += f"{len(records)} session{'s' if len(records) != 1 else ''}, {len(figures.days)} practice day{'s' if len(figures.days) != 1 else ''}"
    corrections = "".join(
        f'<tr data-correction="{_e(trend.phrase)}"><td>{_e(trend.phrase)}</td><td class="num">{trend.strokes}</td>'
        f'<td class="num">{trend.sessions}</td><td data-field="verdict" data-value="{_e(trend.verdict)}">{_e(trend.verdict)}</td></tr>'
        for trend in figures.corrections
    )
    corrections_table = (
        '<table data-table="corrections"><thead><tr><th>Correction</th><th class="num">Strokes</th>'
        f'<th class="num">Sessions</th><th>Trend</th></tr></thead><tbody>{corrections}</tbody></table>'
        if corrections
        else '<p class="empty">No corrections so far.</p>'
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Practice history{(' – ' + _e(name)) if name else ''}</title>"
        f"<style>{PAGE_CSS}{EXTRA_CSS}</style></head><body><main>"
        f"<header><h1>Your practice history</h1><p>{subtitle}</p></header>"
        '<section id="streak"><div class="facts-row">'
        + _fact("streak_days", streak, f"{streak} day{'s' if streak != 1 else ''}", "current streak")
        + _fact("sessions", len(records), str(len(records)), "sessions")
        + _fact("minutes_this_week", round(week_minutes, 1), f"{week_minutes:.0f} min", "this week")
        + _fact("minutes_total", round(minutes_total, 1), f"{minutes_total:.0f} min", "in all")
        + "</div>"
        + _figure("calendar", single_png("calendar", figures), "Practice days calendar",
                  "Each square is a day; green days had a session (darker: more minutes). The outlined square is today.")
        + "</section>"
        + '<section id="scores"><h2>Score over time</h2>'
        + _figure("scores", single_png("scores", figures), "Overall score per session over time",
                  "Each dot is a session's overall score; hollow dots: sessions that stopped early.")
        + "</section>"
        + '<section id="minutes"><h2>Minutes per week</h2>'
        + _figure("minutes", single_png("minutes", figures), "Minutes practised per week", "Weeks start on Monday.")
        + "</section>"
        + '<section id="corrections"><h2>What keeps coming up</h2>'
        + _figure("corrections", single_png("corrections", figures), "Most frequent corrections, earlier against recent sessions",
                  "Share of strokes that got each correction, in your earlier sessions and your recent ones: "
                  "a shorter blue bar means it is fading.")
        + corrections_table
        + "</section>"
        + '<section id="sessions"><h2>Recent sessions</h2>'
        '<table data-table="sessions"><thead><tr><th>When</th><th>Technique</th><th class="num">Duration</th>'
        '<th class="num">Score</th><th class="num">Done</th><th></th></tr></thead><tbody>'
        + _session_rows(all_records, current_id)
        + "</tbody></table></section>"
        + f"<footer>coach · practice history · made {datetime.now().strftime('%Y-%m-%d %H:%M')}</footer>"
        + "</main></body></html>\n"
    )


def write_history_page(out_path: Path, technique: str | None = None, current_id: int | None = None,
                       store: HistoryStore | None = None, today: date | None = None) -> Path:
    """Write history.html (atomically) for ``technique`` (all sessions when None); returns its path."""
    from coach.storage.profiles import write_text_atomically

    own = store is None
    opened = HistoryStore.open(check=False) if store is None else store
    try:
        figures = figures_from_store(opened, technique, today)
        if technique is not None and not figures.records:
            figures = figures_from_store(opened, None, today)
            technique = None
        all_records = opened.sessions(technique=technique, last=RECENT_ROWS)
    finally:
        if own:
            opened.close()
    write_text_atomically(Path(out_path), render_history_page(figures, all_records, current_id, technique))
    logger.info("wrote %s", out_path)
    return Path(out_path)


def history_link(report: dict[str, Any]) -> str:
    """report.html's link to the history page, when this session is in the history."""
    if report.get("history_id") is None:
        return ""
    return (
        '<p class="history-link" data-field="history_link" data-value="history.html">'
        f'<a href="{HISTORY_PAGE_NAME}">Your practice history: streak, scores over time, recurring corrections</a></p>'
    )


def write_history_page_beside(report: dict[str, Any], report_html: Path) -> Path | None:
    """history.html beside a report.html whose session is in the history; a failure is logged only."""
    if report.get("history_id") is None:
        return None
    try:
        return write_history_page(Path(report_html).parent / HISTORY_PAGE_NAME, report.get("technique"), report["history_id"])
    except Exception:
        logger.exception("writing history.html failed; report.html was written")
        return None
