"""report.html: the session told to a person, in one self-contained file.

Everything is inside the file (inline CSS, figures as base64 PNG data URIs, one small inline script
that sorts the stroke table, no links out except to annotated.mp4 beside it), so it opens offline in any browser and can be mailed or archived as it is. Numbers a test or
a tool may want to check carry ``data-field`` attributes with their exact value from report.json
in ``data-value``; figures carry ``id`` and ``data-plot``.
"""

from __future__ import annotations

import base64
import html
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from coach.geometry import FaceRegions
from coach.render.palette import score_hex
from coach.render.text import display_name
from coach.report import plots
from coach.report.history_page import history_link, write_history_page_beside
from coach.report.summary import NO_STROKES, plain_summary, ranked_corrections, what_went_wrong

logger = logging.getLogger(__name__)

TOP_CORRECTIONS = 3
OPEN_STROKE_TABLE_UP_TO = 60  # a longer session's table starts folded, so the page stays short

PAGE_CSS = """
:root { --text: #22262d; --muted: #6b7280; --line: #e5e7eb; --card: #ffffff; --bg: #f3f4f6; --accent: #1f9bd1; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 20px 48px; }
header h1 { margin: 0 0 2px; font-size: 26px; letter-spacing: -0.01em; }
header p { margin: 0; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
         background: #fde68a; color: #7c4a03; vertical-align: middle; margin-left: 6px; }
section { background: var(--card); border-radius: 14px; padding: 20px 22px; margin-top: 18px;
          box-shadow: 0 1px 2px rgba(0,0,0,.05), 0 1px 8px rgba(0,0,0,.04); }
section h2 { margin: 0 0 12px; font-size: 17px; }
.headline { display: grid; grid-template-columns: minmax(180px, 230px) 1fr; gap: 26px; align-items: center; }
.score { text-align: center; }
.score .value { font-size: 64px; font-weight: 800; line-height: 1; }
.score .label { color: var(--muted); font-size: 13px; margin-top: 6px; }
.facts-inline { display: flex; flex-wrap: wrap; gap: 8px 18px; color: var(--muted); font-size: 13px; margin-top: 10px; }
ol.corrections { margin: 0; padding-left: 22px; }
ol.corrections li { margin: 4px 0 10px; font-size: 17px; font-weight: 600; }
.completion { font-size: 17px; margin: 0 0 10px; }
th[data-sort] { cursor: pointer; user-select: none; white-space: nowrap; }
td.when { white-space: nowrap; }
ul.regions { columns: 2; margin: 10px 0 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
ol.corrections li .why { display: block; font-weight: 400; font-size: 13px; color: var(--muted); }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pill { display: inline-block; min-width: 38px; text-align: center; padding: 1px 8px; border-radius: 999px;
        color: white; font-weight: 700; font-size: 13px; }
.ok { color: #15803d; } .off { color: #b45309; } .muted { color: var(--muted); }
figure { margin: 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 8px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; align-items: start; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 26px; }
@media (max-width: 760px) { .headline, .two { grid-template-columns: 1fr; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _number(value: float | int | None, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or digits == 0:
        return f"{value:.0f}{suffix}" if not isinstance(value, int) else f"{value}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def _field(name: str, value: object, text: str, tag: str = "span", css: str = "") -> str:
    """An element carrying report.json's exact value, so a test can compare the page with the data."""
    raw = "" if value is None else value
    if isinstance(raw, bool):
        raw = str(raw).lower()
    css_attr = f' class="{css}"' if css else ""
    return f'<{tag} data-field="{_e(name)}" data-value="{_e(raw)}"{css_attr}>{_e(text)}</{tag}>'


def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(plot_id: str, png: bytes | None, alt: str, caption: str, empty: str) -> str:
    if png is None:
        return f'<p class="empty" id="plot-{plot_id}" data-plot="{plot_id}" data-empty="true">{_e(empty)}</p>'
    return (
        f'<figure id="plot-{plot_id}" data-plot="{plot_id}">'
        f'<img src="{_png_data_uri(png)}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def top_corrections(report: dict[str, Any], limit: int = TOP_CORRECTIONS) -> list[dict[str, Any]]:
    """The corrections worth acting on first: phrases ranked by the points they cost in total.

    A stroke's lost points (100 − score) are shared between the corrections it was given, the
    first more than the second, so a phrase that comes with many poor strokes ranks above one that
    comes often with nearly perfect ones.
    """
    return [
        {"phrase": item.phrase, "strokes": item.strokes, "points_lost": item.points_lost}
        for item in ranked_corrections(report, limit)
    ]


def _cm_per_fu(report: dict[str, Any]) -> tuple[float, str]:
    """Centimetres per face unit and the word before a speed: "about" without a calibrated profile."""
    return float(report.get("cm_per_fu") or 9.0), ("" if report.get("profile") else "about ")


def speed_text(report: dict[str, Any], speed_fu_s: float) -> str:
    cm_per_fu, about = _cm_per_fu(report)
    return f"{about}{speed_fu_s * cm_per_fu:.1f} cm/s"


def _tempo_cells(step: dict[str, Any], report: dict[str, Any] | None = None) -> tuple[str, str]:
    """The step's measured tempo and its target (speeds in cm/s), with a word on which way it is off."""
    tempo = step.get("tempo") or {"glide": "speed", "hold": "hold"}.get(step.get("pattern", ""), "rate")
    suffix = {"speed": "speed_fu_s", "rate": "rate_hz", "hold": "hold_s"}.get(tempo, "rate_hz")
    unit = {"speed": "cm/s", "rate": "per second", "hold": "s"}.get(tempo, "")
    factor, about = _cm_per_fu(report or {}) if tempo == "speed" else (1.0, "")
    measured = step.get(f"mean_{suffix}")
    target = step.get(f"target_{suffix}")
    target_text = f"{about}{target[0] * factor:.1f}–{target[1] * factor:.1f} {unit}" if target else "—"
    if measured is None:
        return '<span class="muted">—</span>', _e(target_text)
    verdict = ""
    if target:
        if measured < target[0]:
            verdict = ' <span class="off">slow</span>' if tempo != "hold" else ' <span class="off">short</span>'
        elif measured > target[1]:
            verdict = ' <span class="off">fast</span>' if tempo != "hold" else ' <span class="off">long</span>'
        else:
            verdict = ' <span class="ok">✓</span>'
    shown = f"{measured * factor:.1f} {unit}" if tempo == "speed" else f"{measured:.2f} {unit}"
    return _field(f"mean_{suffix}", measured, shown) + verdict, _e(target_text)


def _steps_table(report: dict[str, Any]) -> str:
    steps = report.get("steps") or []
    if not steps:
        return ""
    rows = []
    for step in steps:
        where = ", ".join(region.replace("_", " ") for region in step.get("regions") or [])
        side = step.get("side")
        if side and side != "both":
            where += f" ({side})"
        what = step.get("pattern", "")
        if step.get("direction"):
            what += f" {step['direction']}"
        if step.get("reps_wanted") is not None:
            done = (
                _field("reps_done", step.get("reps_done"), _number(step.get("reps_done")))
                + " / "
                + _field("reps_wanted", step.get("reps_wanted"), _number(step.get("reps_wanted")))
            )
        else:
            done = (
                _field("seconds_done", step.get("seconds_done"), _number(step.get("seconds_done"), 0, " s"))
                + " / "
                + _field("seconds_wanted", step.get("seconds_wanted"), _number(step.get("seconds_wanted"), 0, " s"))
            )
        mean = step.get("mean_score")
        score_cell = (
            f'<span class="pill" style="background:{score_hex(mean)}">'
            + _field("mean_score", mean, _number(mean, 0))
            + "</span>"
            if mean is not None
            else _field("mean_score", None, "—", css="muted")
        )
        measured, target = _tempo_cells(step, report)
        status = "skipped" if step.get("skipped") else ("done" if step.get("completed") else "")
        rows.append(
            f'<tr data-step="{_e(step.get("index"))}">'
            f'<td class="num">{int(step.get("index", 0)) + 1}</td>'
            f"<td><strong>{_e(display_name(step.get('name', '')))}</strong><br><span class=\"muted\">{_e(what)} · {_e(where)}</span></td>"
            f'<td class="num">{done}<br><span class="muted">{_e(status)}</span></td>'
            f'<td class="num">{score_cell}</td>'
            f'<td class="num">{measured}</td>'
            f'<td class="num">{target}</td>'
            "</tr>"
        )
    return (
        '<section id="steps"><h2>Steps</h2><table data-table="steps"><thead><tr>'
        '<th class="num">#</th><th>Step</th><th class="num">Reps done</th><th class="num">Mean score</th>'
        '<th class="num">Your tempo</th><th class="num">Target</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _headline(report: dict[str, Any]) -> str:
    strokes = report.get("strokes") or []
    overall = report.get("overall_score")
    summary = plain_summary(report)
    facts = (
        '<div class="facts-inline">'
        + f"<span>{_field('stroke_count', len(strokes), str(len(strokes)))} stroke{'s' if len(strokes) != 1 else ''}</span>"
        + f"<span>{_field('duration_s', report.get('duration_s'), _number(report.get('duration_s'), 1, ' s'))}</span>"
        + "</div>"
    )
    if report.get("technique") is not None:
        counted = sum(1 for stroke in strokes if stroke.get("counted"))
        score_html = (
            f'<div class="value" style="color:{score_hex(overall)}">'
            + _field("overall_score", overall, _number(overall, 0))
            + "</div><div class=\"label\">overall score (0–100)</div>"
            if overall is not None
            else _field("overall_score", None, "—", tag="div", css="value muted") + '<div class="label">nothing scored yet</div>'
        )
        score_html += (
            f'<div class="label">{_field("counted_count", counted, str(counted))} '
            f'stroke{"s" if counted != 1 else ""} counted as reps</div>'
        )
        # Completion beside the score: a high score over one step of seven is not a routine done.
        completion = (
            f'<p class="completion" id="completion" data-field="steps_done" data-value="{summary.steps_done}" '
            f'data-step-count="{summary.step_count}">'
            + (_e("Routine finished: ") if summary.finished else "")
            + f"<strong>{_e(summary.completion_text)}</strong> done</p>"
        )
        corrections = top_corrections(report)
        if not strokes:
            advice = f'<h2>What to work on</h2><p class="empty" id="corrections" data-field="no_strokes">{_e(NO_STROKES)}</p>'
        elif corrections:
            items = "".join(
                f'<li data-field="correction" data-strokes="{item["strokes"]}" data-points-lost="{item["points_lost"]}">'
                f'{_e(item["phrase"])}<span class="why">{_e(what_went_wrong(item["phrase"], item["strokes"]))}</span></li>'
                for item in corrections
            )
            advice = f'<h2>What to work on</h2><ol class="corrections" id="corrections">{items}</ol>'
        else:
            advice = '<h2>What to work on</h2><p class="empty" id="corrections">No corrections: every stroke was on target.</p>'
        return (
            f'<section id="summary"><div class="headline"><div class="score">{score_html}</div>'
            f"<div>{completion}{advice}{facts}</div></div></section>"
        )
    return f'<section id="summary"><h2>What you did</h2>{_patterns_summary(strokes, report)}{facts}</section>'


def _patterns_summary(strokes: list[dict[str, Any]], report_for_units: dict[str, Any] | None = None) -> str:
    """Without a technique there is nothing to score against: say what was done, and where."""
    report_for_units = report_for_units or {}
    if not strokes:
        return f'<p class="empty" data-field="no_strokes">{_e(NO_STROKES)}</p>'
    by_pattern: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stroke in strokes:
        by_pattern[stroke["pattern"]].append(stroke)
    rows = []
    for pattern, members in sorted(by_pattern.items(), key=lambda item: -len(item[1])):
        directions = Counter(stroke.get("direction") for stroke in members if stroke.get("direction"))
        regions = Counter(stroke.get("region") for stroke in members if stroke.get("region"))
        speeds = [stroke["speed_fu_s"] for stroke in members if stroke.get("speed_fu_s") is not None]
        rates = [stroke["rate_hz"] for stroke in members if stroke.get("rate_hz") is not None]
        tempo = ""
        if speeds:
            tempo = speed_text(report_for_units, sum(speeds) / len(speeds))
        elif rates:
            tempo = f"{sum(rates) / len(rates):.1f} per second"
        rows.append(
            f'<tr data-pattern="{_e(pattern)}"><td><strong>{_e(pattern)}</strong></td>'
            f'<td class="num">{_field(f"{pattern}_count", len(members), str(len(members)))}</td>'
            f"<td>{_e(', '.join(f'{name} ×{n}' for name, n in directions.most_common(3)) or '—')}</td>"
            f"<td>{_e(', '.join(f'{name.replace(chr(95), chr(32))} ×{n}' for name, n in regions.most_common(3)) or '—')}</td>"  # type: ignore[union-attr]
            f'<td class="num">{_e(tempo or "—")}</td></tr>'
        )
    return (
        '<table data-table="patterns"><thead><tr><th>Pattern</th><th class="num">Strokes</th>'
        '<th>Directions</th><th>Regions</th><th class="num">Mean tempo</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def _facts(report: dict[str, Any]) -> str:
    frames = report.get("frames")
    duration = report.get("duration_s")
    fps = frames / duration if frames and duration else None

    def ratio(name: str) -> str:
        value = report.get(name)
        return _field(name, value, _number(value * 100.0 if value is not None else None, 0, " %"))

    rows = [
        ("Source", _e(report.get("source") or "—")),
        ("Technique", _e(report.get("technique_title") or report.get("technique") or "none (strokes not scored)")),
        ("Duration", _field("duration_s", duration, _number(duration, 1, " s"))),
        ("Frames", _field("frames", frames, _number(frames)) + (f' <span class="muted">({fps:.1f} fps)</span>' if fps else "")),
        ("Face found", ratio("face_found_ratio")),
        ("Hands found", ratio("hands_found_ratio")),
    ]
    if report.get("several_faces_ratio"):
        rows.append(("Several faces seen", ratio("several_faces_ratio")))
    if report.get("profile"):
        rows.append(("Profile", _e(report["profile"])))
    partial = bool(report.get("partial"))
    rows.append(("Complete", _field("partial", partial, "no: stopped early, partial results" if partial else "yes")))
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<section id="facts"><h2>Session</h2><dl class="facts">{body}</dl></section>'


SORT_SCRIPT = """
document.querySelectorAll('table[data-sortable] th[data-sort]').forEach(function (header) {
  header.addEventListener('click', function () {
    var table = header.closest('table'), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(header.parentNode.children, header);
    var kind = header.dataset.sort, ascending = header.dataset.order !== 'asc';
    table.querySelectorAll('th[data-sort]').forEach(function (other) { delete other.dataset.order; });
    header.dataset.order = ascending ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.key, y = b.cells[column].dataset.key;
      var result = kind === 'number' ? (parseFloat(x) || -1) - (parseFloat(y) || -1) : x.localeCompare(y);
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
document.querySelectorAll('a[data-seek]').forEach(function (link) {
  link.addEventListener('click', function (event) {
    var video = document.getElementById('video');
    if (!video) { return; }
    event.preventDefault();
    video.currentTime = parseFloat(link.dataset.seek);
    video.scrollIntoView({behavior: 'smooth', block: 'center'});
    video.play();
  });
});
"""


def _stroke_list(report: dict[str, Any], video_name: str | None = None) -> str:
    """Every stroke in a table the reader can sort (click a heading); with the annotated video
    beside the report, each stroke's time links to that moment in it."""
    strokes = report.get("strokes") or []
    if not strokes:
        return ""
    rows = []
    for number, stroke in enumerate(strokes, start=1):
        if stroke.get("speed_fu_s") is not None:
            tempo, tempo_key = speed_text(report, stroke["speed_fu_s"]), stroke["speed_fu_s"]
        elif stroke.get("rate_hz") is not None:
            tempo, tempo_key = f"{stroke['count']}× at {stroke['rate_hz']:.1f} per second", stroke["rate_hz"]
        else:
            tempo, tempo_key = "", -1
        score = stroke.get("score")
        unsure = stroke.get("confidence") is not None and float(stroke["confidence"]) < 0.6
        if unsure:
            score_cell, feedback = '<span class="muted">unsure</span>', "Hard to see: not judged"
        else:
            score_cell = f'<span class="pill" style="background:{score_hex(score)}">{score:.0f}</span>' if score is not None else "—"
            feedback = "; ".join(stroke.get("feedback") or [])
        when = f"{stroke['start_s']:.1f}–{stroke['end_s']:.1f} s"
        if video_name:
            when = f'<a href="{_e(video_name)}#t={stroke["start_s"]:.2f}" data-seek="{stroke["start_s"]:.2f}">{_e(when)}</a>'
        else:
            when = _e(when)
        region = (stroke.get("region") or "off face").replace("_", " ")
        what = f"{stroke['pattern']} {stroke.get('direction') or ''}".strip()
        rows.append(
            f'<tr data-stroke="{number - 1}"><td class="num" data-key="{number}">{number}</td>'
            f'<td class="num when" data-key="{stroke["start_s"]}">{when}</td>'
            f'<td data-key="{_e(stroke.get("hand", ""))}">{_e(stroke.get("hand", ""))}</td>'
            f'<td data-key="{_e(region)}">{_e(region)}</td>'
            f'<td data-key="{_e(what)}">{_e(what)}</td><td class="num" data-key="{tempo_key}">{_e(tempo)}</td>'
            f'<td class="num" data-key="{score if score is not None and not unsure else -1}">{score_cell}</td>'
            f'<td data-key="{_e(feedback)}">{_e(feedback)}</td></tr>'
        )
    video = (
        f'<video id="video" src="{_e(video_name)}" controls preload="metadata" '
        'style="width:100%;max-height:420px;background:#000;border-radius:8px;margin-bottom:10px"></video>'
        if video_name
        else ""
    )
    headings = (
        ("#", "number", True), ("When", "number", True), ("Hand", "text", False), ("Region", "text", False),
        ("Stroke", "text", False), ("Tempo", "number", True), ("Score", "number", True), ("Feedback", "text", False),
    )
    head = "".join(
        f'<th{" class=num" if numeric else ""} data-sort="{kind}" title="Sort by {label.lower()}">{label} ⇅</th>'
        for label, kind, numeric in headings
    ).replace("class=num", 'class="num"')
    return (
        f'<section id="strokes"><details{" open" if len(strokes) <= OPEN_STROKE_TABLE_UP_TO else ""}>'
        f'<summary>All {len(strokes)} strokes '
        '<span class="muted">(click a heading to sort'
        + ("; click a time to see that moment in the video" if video_name else "")
        + ")</span></summary>"
        + video
        + '<table data-table="strokes" data-sortable="true"><thead><tr>'
        + head
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></details></section>"
    )


def _regions_list(report: dict[str, Any]) -> str:
    """The face map's regions in words, with their stroke counts (the picture is not read aloud)."""
    from coach.technique.model import region_label

    counts = Counter(stroke.get("region") for stroke in report.get("strokes") or [] if stroke.get("region"))
    if not counts:
        return ""
    items = "".join(
        f'<li data-region="{_e(name)}">{_e(region_label(name))}: {count} stroke{"s" if count != 1 else ""}</li>'
        for name, count in counts.most_common()
    )
    return f'<ul class="regions" id="regions">{items}</ul>'


def render_html_report(report: dict[str, Any], regions: FaceRegions | None = None, video_name: str | None = None) -> str:
    """The whole page as a string (see write_html_report); ``video_name`` is the annotated video
    beside the page, which the stroke table then links into."""
    technique = report.get("technique_title") or report.get("technique")
    subtitle = f"{_e(technique)} · " if technique else "No technique chosen: strokes detected, not scored · "
    subtitle += _e(Path(str(report.get("source") or "")).name or "session")
    partial = '<span class="badge" data-field="partial_badge">partial</span>' if report.get("partial") else ""
    coloured_by = "its score" if report.get("technique") is not None else "the hand that made it"
    plots_html = (
        '<section id="timeline"><h2>Timeline</h2>'
        + _figure(
            "timeline", plots.timeline_png(report), "Strokes over time, coloured by score",
            f"Each bar is one stroke (or one run of circles, taps or kneads), coloured by {coloured_by}.",
            "No strokes to show.",
        )
        + "</section>"
        + '<section id="tempo"><h2>Speed and rate</h2>'
        + _figure(
            "tempo", plots.tempo_png(report), "Stroke speed and rate over time with target bands",
            f"Dots: each stroke's mean glide speed or repetition rate, coloured by {coloured_by}. "
            "Shaded: the target of the step it was matched to.",
            "No glides, circles, taps or kneads to measure.",
        )
        + "</section>"
        + '<section id="where"><h2>Where and which way</h2><div class="two"><div>'
        + _figure(
            "coverage", plots.coverage_png(report, regions), "Coverage map of the contact point on the face",
            f"Where the fingertip travelled, on the face as the camera sees it, each stroke coloured by {coloured_by} "
            "and dotted where it began. Shading: how much work each region got; numbers: strokes per region.",
            "No strokes to show.",
        )
        + _regions_list(report)
        + "</div>"
        + _figure(
            "directions", plots.direction_rose_png(report), "Glide directions per region",
            ("Glides per direction for each step: out is away from the midline, up toward the forehead."
             " Green bar and blue arrow: the step's target direction."
             if report.get("technique") is not None
             else "Glides per direction for each region: out is away from the midline, up toward the forehead."),
            "No glides to show.",
        )
        + "</div></section>"
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Massage session report{(' – ' + _e(technique)) if technique else ''}</title>"
        f"<style>{PAGE_CSS}</style></head><body><main>"
        f"<header><h1>Massage session report{partial}</h1><p>{subtitle}</p></header>"
        + history_link(report)
        + _headline(report)
        + _steps_table(report)
        + plots_html
        + _facts(report)
        + _stroke_list(report, video_name)
        + f"<footer>coach · report format {_e(report.get('format', ''))} v{_e(report.get('version', ''))}</footer>"
        + f"</main><script>{SORT_SCRIPT}</script></body></html>\n"
    )


def write_html_report(report: dict[str, Any], out_path: Path, regions: FaceRegions | None = None) -> Path:
    """Write the self-contained report.html for a report.json dict; returns its path.

    Written to a temporary file first, so an interrupted run never leaves half a page.
    """
    from coach.outputs import translated_os_errors, write_text_atomically

    out_path = Path(out_path)
    with translated_os_errors(out_path):
        out_path.parent.mkdir(parents=True, exist_ok=True)
    video = out_path.parent / "annotated.mp4"
    write_text_atomically(out_path, render_html_report(report, regions, video.name if video.is_file() else None))
    logger.info("wrote %s", out_path)
    write_history_page_beside(report, out_path)  # history.html, when the session is in the history
    return out_path
