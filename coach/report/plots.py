"""The report's figures, drawn with matplotlib's object API onto Agg canvases and returned as PNG bytes.

No pyplot and no backend switch: ``matplotlib.figure.Figure`` renders with Agg by itself, so the
report can be written from a process that also runs Qt (the live window saving a session) without
touching matplotlib's global state. Every function takes the report dict (report.json's layout)
and returns None when it has nothing to show, so the page can say so instead of showing an empty
frame.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.patches import Polygon as PolygonPatch

from coach.geometry import FaceRegions, canonical_face
from coach.render.palette import HAND_RGB, SCORE_COLOR_STOPS, SCORE_NONE, TARGET_RGB, score_hex, score_rgb
from coach.render.text import display_name
from coach.technique.directions import GLIDE_DIRECTION_RING

DPI = 110
FIGURE_WIDTH_IN = 9.0
TEXT_COLOR = "#2b2f36"
MUTED_COLOR = "#8a919c"
GRID_COLOR = "#e3e6ea"
TARGET_BAND_COLOR = "#{:02x}{:02x}{:02x}".format(*TARGET_RGB)
REGION_EDGE_COLOR = "#5b6270"
MESH_COLOR = "#b8bec8"
ROSE_COLUMNS = 2  # the roses sit beside the coverage map, in half the page
MAX_ROSES = 6

# Tempo of each pattern: the stroke field that holds it, the step summary's target key, and the axis label.
TEMPO_SERIES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    ("speed_fu_s", ("glide",), "target_speed_fu_s", "Glide speed (cm/s)", "speed"),
    ("rate_hz", ("circle", "tap", "knead"), "target_rate_hz", "Repetitions per second", "rate"),
)


def score_colormap() -> Any:
    """The score colours as a continuous scale (red → amber → green), the same stops as the overlay."""
    from matplotlib.colors import LinearSegmentedColormap

    low, high = 0.0, 100.0
    stops = [(0.0, _rgb01(SCORE_COLOR_STOPS[0][1]))]
    stops += [(value / high, _rgb01(rgb)) for value, rgb in SCORE_COLOR_STOPS]
    stops.append((1.0, _rgb01(SCORE_COLOR_STOPS[-1][1])))
    return LinearSegmentedColormap.from_list("coach_score", stops), (low, high)


def _score_colorbar(figure: Figure, axes: Any) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    cmap, (low, high) = score_colormap()
    bar = figure.colorbar(ScalarMappable(norm=Normalize(low, high), cmap=cmap), ax=axes, fraction=0.04, pad=0.02)
    bar.set_label("score", color=TEXT_COLOR, fontsize=9)
    bar.ax.tick_params(labelsize=8, colors=TEXT_COLOR)
    bar.outline.set_visible(False)


def _rgb01(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)


def _new_figure(height_in: float, width_in: float = FIGURE_WIDTH_IN) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def _style_axes(axes: Any) -> None:
    axes.set_facecolor("white")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(MUTED_COLOR)
    axes.tick_params(colors=TEXT_COLOR, labelsize=9)
    axes.grid(True, color=GRID_COLOR, linewidth=0.8)
    axes.set_axisbelow(True)


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=figure.get_facecolor())
    return buffer.getvalue()


def _step_names(report: dict[str, Any]) -> dict[int, str]:
    return {
        int(step["index"]): f"{int(step['index']) + 1}. {display_name(step.get('name', ''))}" for step in report.get("steps") or []
    }


def _stroke_color(stroke: dict[str, Any], scored: bool) -> str:
    """Score colour when there is a technique; otherwise the hand's colour, which is then the news."""
    if scored:
        return score_hex(stroke.get("score"))
    return "#{:02x}{:02x}{:02x}".format(*HAND_RGB.get(stroke.get("hand", ""), SCORE_NONE))


def _hand_legend(axes: Any, strokes: list[dict[str, Any]]) -> None:
    hands = sorted({str(stroke["hand"]) for stroke in strokes if stroke.get("hand") in HAND_RGB})
    handles = [Patch(color=_stroke_color({"hand": hand}, False), label=f"{hand} hand") for hand in hands]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)


def _mid_time(stroke: dict[str, Any]) -> float:
    return (float(stroke["start_s"]) + float(stroke["end_s"])) / 2.0


# ---- timeline -----------------------------------------------------------------------------------


def timeline_png(report: dict[str, Any]) -> bytes | None:
    """Each stroke as a bar over its time span, one lane per step (or per pattern without a
    technique), coloured by score: the session's rhythm and where it went well at a glance."""
    strokes = report.get("strokes") or []
    if not strokes:
        return None
    names = _step_names(report)
    scored = report.get("technique") is not None
    if scored:
        lane_of = lambda stroke: names.get(stroke["step"], "not matched") if stroke.get("step") is not None else "not matched"  # noqa: E731
        lanes = [names[index] for index in sorted(names)] + ["not matched"]
    else:
        lane_of = lambda stroke: stroke["pattern"]  # noqa: E731
        lanes = sorted({stroke["pattern"] for stroke in strokes})
    used = {lane_of(stroke) for stroke in strokes}
    lanes = [lane for lane in lanes if lane in used or (scored and lane != "not matched")]
    figure = _new_figure(max(2.2, 0.9 + 0.42 * len(lanes)))
    axes = figure.add_subplot()
    _style_axes(axes)
    duration = float(report.get("duration_s") or max(float(stroke["end_s"]) for stroke in strokes))
    min_width = max(duration / 400.0, 0.02)
    for stroke in strokes:
        lane = lanes.index(lane_of(stroke))
        width = max(float(stroke["end_s"]) - float(stroke["start_s"]), min_width)
        color = _stroke_color(stroke, scored)
        axes.barh(lane, width, left=float(stroke["start_s"]), height=0.62, color=color, edgecolor="white", linewidth=0.6)
    axes.set_yticks(range(len(lanes)), labels=lanes)
    axes.invert_yaxis()
    axes.set_xlim(0.0, max(duration, max(float(stroke["end_s"]) for stroke in strokes)) * 1.01)
    axes.set_xlabel("time (s)", color=TEXT_COLOR)
    axes.grid(True, axis="x", color=GRID_COLOR)
    axes.grid(False, axis="y")
    if scored:
        _score_colorbar(figure, axes)
    else:
        _hand_legend(axes, strokes)
    return figure_png(figure)


# ---- tempo --------------------------------------------------------------------------------------


def tempo_png(report: dict[str, Any]) -> bytes | None:
    """Glide speed and repetition rate of each stroke over time, against each step's target band
    (drawn over the time the step was being done), so "too fast" is seen where it happened."""
    strokes = report.get("strokes") or []
    steps = {int(step["index"]): step for step in report.get("steps") or []}
    panels: list[tuple[str, tuple[str, ...], str, str, str]] = []
    for series in TEMPO_SERIES:
        key, patterns = series[0], series[1]
        if any(stroke["pattern"] in patterns and stroke.get(key) is not None for stroke in strokes):
            panels.append(series)
    if not panels:
        return None
    figure = _new_figure(2.6 * len(panels))
    cm_per_fu = float(report.get("cm_per_fu") or 9.0)
    # Speeds are drawn in cm/s (what people feel); the report's data stays in face units.
    unit_scale = {"speed_fu_s": cm_per_fu}
    end_s = max([float(report.get("duration_s") or 0.0)] + [float(stroke["end_s"]) for stroke in strokes])
    first_axes = None
    for row, (key, patterns, target_key, label, _) in enumerate(panels, start=1):
        axes = figure.add_subplot(len(panels), 1, row, sharex=first_axes)
        first_axes = first_axes or axes
        axes.set_xlim(0.0, end_s * 1.01)
        _style_axes(axes)
        chosen = [stroke for stroke in strokes if stroke["pattern"] in patterns and stroke.get(key) is not None]
        # Target bands over the span of each step's strokes.
        by_step: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for stroke in chosen:
            if stroke.get("step") is not None:
                by_step[int(stroke["step"])].append(stroke)
        band_drawn = False
        for index, members in sorted(by_step.items()):
            target = steps.get(index, {}).get(target_key)
            if not target:
                continue
            start = min(float(stroke["start_s"]) for stroke in members)
            end = max(float(stroke["end_s"]) for stroke in members)
            factor = unit_scale.get(key, 1.0)
            axes.fill_between(
                [start, end], [target[0] * factor] * 2, [target[1] * factor] * 2, color=TARGET_BAND_COLOR, alpha=0.22,
                linewidth=0, label=None if band_drawn else "target",
            )
            band_drawn = True
        times = [_mid_time(stroke) for stroke in chosen]
        values = [float(stroke[key]) * unit_scale.get(key, 1.0) for stroke in chosen]
        colors = [_stroke_color(stroke, report.get("technique") is not None) for stroke in chosen]
        # Each stroke its own mark: a line between strokes would suggest a speed between them.
        axes.scatter(times, values, c=colors, s=38, edgecolors="#4b5260", linewidths=0.6, zorder=3)
        axes.set_ylabel(label if key != "speed_fu_s" or report.get("profile") else label.replace("(cm/s)", "(about, cm/s)"),
                        color=TEXT_COLOR)
        axes.set_ylim(bottom=0.0)
        if band_drawn:
            axes.legend(loc="upper left", frameon=False, fontsize=8)
        if row == len(panels):
            axes.set_xlabel("time (s)", color=TEXT_COLOR)
    return figure_png(figure)


# ---- direction roses ----------------------------------------------------------------------------


def _rose_groups(report: dict[str, Any], glides: list[dict[str, Any]]) -> list[tuple[str, Counter[str], str | None]]:
    """(title, glides per direction, the one target direction or None) for each rose.

    With a technique: one rose per glide step, with that step's target direction as its one arrow,
    plus one for glides matched to no step (no arrow). Without: one rose per region, no arrows."""
    steps = {int(step["index"]): step for step in report.get("steps") or []}
    groups: dict[object, Counter[str]] = defaultdict(Counter)
    for stroke in glides:
        if report.get("technique") is not None:
            key: object = int(stroke["step"]) if stroke.get("step") is not None else "unmatched"
        else:
            key = stroke.get("region") or "off face"
        groups[key][stroke["direction"]] += 1
    names = _step_names(report)
    out: list[tuple[str, Counter[str], str | None]] = []
    for key, counts in groups.items():
        if isinstance(key, int):
            step = steps.get(key, {})
            target = step.get("direction") if step.get("pattern") == "glide" else None
            out.append((names.get(key, f"step {key + 1}"), counts, target if target in GLIDE_DIRECTION_RING else None))
        elif key == "unmatched":
            out.append(("not matched to a step", counts, None))
        else:
            out.append((str(key).replace("_", " "), counts, None))
    out.sort(key=lambda item: -sum(item[1].values()))
    return out[:MAX_ROSES]


def direction_rose_png(report: dict[str, Any]) -> bytes | None:
    """How many glides went each way (bars in the out/up plane: "out" to the right, "up" at the
    top, the same on both halves of the face), one rose per step with that step's target direction
    as its one arrow."""
    glides = [s for s in report.get("strokes") or [] if s["pattern"] == "glide" and s.get("direction") in GLIDE_DIRECTION_RING]
    if not glides:
        return None
    groups = _rose_groups(report, glides)
    columns = min(ROSE_COLUMNS, len(groups))
    rows = math.ceil(len(groups) / columns)
    figure = _new_figure(2.75 * rows + 0.2, width_in=2.75 * columns + 0.3)
    sector = 2 * math.pi / len(GLIDE_DIRECTION_RING)
    angles = np.arange(len(GLIDE_DIRECTION_RING)) * sector
    for position, (title, by_direction, wanted) in enumerate(groups, start=1):
        axes = figure.add_subplot(rows, columns, position, projection="polar")
        counts = np.array([by_direction[name] for name in GLIDE_DIRECTION_RING], dtype=float)
        top = max(1.0, counts.max())
        colors = [score_hex(95) if name == wanted else "#7d8696" for name in GLIDE_DIRECTION_RING]
        axes.bar(angles, counts, width=sector * 0.85, color=colors, alpha=0.85, edgecolor="white")
        if wanted is not None:
            angle = GLIDE_DIRECTION_RING.index(wanted) * sector
            axes.annotate(
                "", xy=(angle, top * 1.12), xytext=(0.0, 0.0),
                arrowprops={"arrowstyle": "-|>", "color": TARGET_BAND_COLOR, "lw": 2.0, "mutation_scale": 14},
            )
        axes.set_xticks(angles, labels=GLIDE_DIRECTION_RING, fontsize=8, color=TEXT_COLOR)
        axes.set_ylim(0, top * 1.15)
        axes.set_yticks([])
        axes.grid(color=GRID_COLOR)
        total = int(counts.sum())
        axes.set_title(f"{title} · {total} glide{'s' if total != 1 else ''}", fontsize=10, color=TEXT_COLOR, pad=12)
    return figure_png(figure)


# ---- coverage map -------------------------------------------------------------------------------


def region_short_name(name: str) -> str:
    """A region's name short enough to print inside it: 'left_under_eye' → 'L under eye'."""
    for side, letter in (("left_", "L "), ("right_", "R ")):
        if name.startswith(side):
            return letter + name[len(side):].replace("_", " ")
    return name.replace("_", " ")


def _stroke_paths(strokes: Iterable[dict[str, Any]]) -> list[tuple[np.ndarray, dict[str, Any]]]:
    paths = []
    for stroke in strokes:
        path = np.asarray(stroke.get("path_fu") or [], dtype=float).reshape(-1, 2)
        if len(path):
            paths.append((path, stroke))
    return paths


def coverage_png(report: dict[str, Any], regions: FaceRegions | None = None) -> bytes:
    """Where the contact point travelled, on the canonical face: region outlines over the faint
    mesh, each region shaded by how much of the work happened there, each stroke's path in its
    score colour (by hand when unscored) with a dot where it started. The face is drawn as the
    camera sees it: the subject's left on the right."""
    regions = regions if regions is not None else FaceRegions()
    strokes = report.get("strokes") or []
    paths = _stroke_paths(strokes)
    scored = report.get("technique") is not None
    # How much happened in each region: path samples when there are paths, else strokes.
    weight: Counter[str] = Counter()
    if paths:
        for path, _ in paths:
            for name in regions.regions_at(path):
                if name is not None:
                    weight[name] += 1
    else:
        for stroke in strokes:
            if stroke.get("region"):
                weight[stroke["region"]] += 1
    heaviest = max(weight.values(), default=1)
    figure = _new_figure(6.4, width_in=5.2)
    axes = figure.add_subplot()
    axes.set_aspect("equal")
    axes.axis("off")
    mesh = canonical_face()
    axes.scatter(mesh[:, 0], mesh[:, 1], s=2.0, color=MESH_COLOR, alpha=0.9, linewidths=0, zorder=2.5)
    for name, polygon in regions.polygons_fu.items():
        share = weight.get(name, 0) / heaviest
        face = (*_rgb01(TARGET_RGB), 0.08 + 0.45 * share) if share > 0 else (1, 1, 1, 0)
        axes.add_patch(PolygonPatch(np.asarray(polygon), closed=True, facecolor=face, edgecolor=REGION_EDGE_COLOR, linewidth=0.8, zorder=2))
    stroke_counts = Counter(stroke["region"] for stroke in strokes if stroke.get("region") in regions.polygons_fu)
    # Every region named where it is (as the camera sees the face), with its stroke count beside it.
    for name in regions.polygons_fu:
        centre = regions.centre(name)
        axes.text(
            centre[0], centre[1] - 0.035, region_short_name(name), fontsize=6.2, ha="center", va="top", color=REGION_EDGE_COLOR,
            zorder=5, gid=f"region-label-{name}",
        )
    for name, count in stroke_counts.items():
        centre = regions.centre(name)
        axes.text(
            centre[0], centre[1] + 0.01, str(count), fontsize=8, fontweight="bold", ha="center", va="bottom", color=TEXT_COLOR,
            zorder=6, bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
    for path, stroke in paths:
        if scored:
            color = _rgb01(score_rgb(stroke.get("score")))
        else:
            color = _rgb01(HAND_RGB.get(stroke.get("hand", ""), SCORE_NONE))
        axes.plot(path[:, 0], path[:, 1], color=color, linewidth=1.6, alpha=0.85, solid_capstyle="round", zorder=3)
        axes.scatter(path[:1, 0], path[:1, 1], s=10, color=color, edgecolors="white", linewidths=0.5, zorder=4)
    all_points = np.vstack([np.asarray(polygon) for polygon in regions.polygons_fu.values()])
    low, high = all_points.min(axis=0), all_points.max(axis=0)
    axes.set_xlim(low[0] - 0.15, high[0] + 0.15)
    axes.set_ylim(low[1] - 0.05, max(high[1], mesh[:, 1].max()) + 0.1)
    axes.text(low[0] - 0.1, high[1] + 0.02, "subject's right", fontsize=8, color=MUTED_COLOR, ha="left")
    axes.text(high[0] + 0.1, high[1] + 0.02, "subject's left", fontsize=8, color=MUTED_COLOR, ha="right")
    if not strokes:
        axes.text(0.0, -0.3, "no strokes", fontsize=12, color=MUTED_COLOR, ha="center")
    return figure_png(figure)
