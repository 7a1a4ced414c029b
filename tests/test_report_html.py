"""report.html: parses, is self-contained, shows every plot with real content, and agrees with report.json.

The input is a hand-built report dict in report.json's layout (input data, not a mocked component):
three steps with targets, glides on both cheeks with their contact paths, a circle run, a tap run,
an unmatched stroke, and feedback phrases with scores.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from coach.geometry import FaceRegions
from coach.report.html import render_html_report, top_corrections, write_html_report
from coach.technique.directions import glide_direction_vector

REPO_DIR = Path(__file__).resolve().parents[1]
PLOT_IDS = ("timeline", "tempo", "coverage", "directions")
MIN_PLOT_BYTES = 8_000


def _glide(start_s: float, hand: str, region: str, centre: tuple[float, float], direction: str,
           speed: float, score: float | None, feedback: list[str], step: int | None, counted: bool) -> dict[str, Any]:
    vector = glide_direction_vector(direction, centre[0])
    length = speed * 1.2
    points = [np.array(centre) + vector * length * (t - 0.5) for t in np.linspace(0.0, 1.0, 25)]
    return {
        "start_s": start_s, "end_s": round(start_s + 1.2, 3), "hand": hand, "region": region, "pattern": "glide",
        "direction": direction, "speed_fu_s": speed, "count": 1, "rate_hz": None, "regularity": 0.9,
        "step": step, "score": score, "counted": counted, "feedback": feedback,
        "path_fu": [[round(float(x), 4), round(float(y), 4)] for x, y in points],
    }


def _run(start_s: float, pattern: str, region: str, centre: tuple[float, float], count: int, rate: float,
         score: float | None, feedback: list[str], step: int | None, direction: str | None = None) -> dict[str, Any]:
    duration = count / rate
    times = np.linspace(0.0, duration, 40)
    if pattern == "circle":
        angles = 2 * math.pi * rate * times
        points = np.column_stack([centre[0] + 0.07 * np.cos(angles), centre[1] + 0.07 * np.sin(angles)])
    else:
        points = np.column_stack([np.full_like(times, centre[0]), centre[1] + 0.01 * np.abs(np.sin(math.pi * rate * times))])
    return {
        "start_s": start_s, "end_s": round(start_s + duration, 3), "hand": "left", "region": region, "pattern": pattern,
        "direction": direction, "speed_fu_s": None, "count": count, "rate_hz": rate, "regularity": 0.8,
        "step": step, "score": score, "counted": score is not None and score >= 50, "feedback": feedback,
        "path_fu": [[round(float(x), 4), round(float(y), 4)] for x, y in points],
    }


def sample_report(technique: bool = True) -> dict[str, Any]:
    """A plausible session: cheek lifts on both sides (some too fast), temple circles, forehead taps."""
    strokes = []
    time_s = 1.0
    speeds = [0.32, 0.45, 0.95, 0.38, 1.1, 0.41]
    for index, speed in enumerate(speeds):
        too_fast = speed > 0.8
        strokes.append(_glide(time_s, "left", "left_cheek", (0.5, -0.35), "up-out" if index != 3 else "up", speed,
                              55.0 if too_fast else (70.0 if index == 3 else 92.0),
                              ["Slow down"] if too_fast else (["Stroke upward and outward"] if index == 3 else []),
                              0, True))
        time_s += 2.0
    for index, speed in enumerate([0.35, 0.3, 0.5, 0.28]):
        strokes.append(_glide(time_s, "right", "right_cheek", (-0.5, -0.35), "up-out", speed,
                              88.0 if speed < 0.45 else 80.0, [] if speed < 0.45 else ["Slow down"], 0, True))
        time_s += 2.0
    strokes.append(_glide(time_s, "right", "right_jaw", (-0.6, -0.8), "down", 0.6, 20.0,
                          ["Stay on the right cheek", "Stroke upward and outward"], 0, False))
    time_s += 2.5
    strokes.append(_run(time_s, "circle", "left_temple", (0.8, 0.15), 8, 1.9, 62.0, ["Slower circles"], 1, "outward"))
    time_s += 5.0
    strokes.append(_run(time_s, "circle", "left_temple", (0.8, 0.15), 6, 1.2, 90.0, [], 1, "outward"))
    time_s += 6.0
    strokes.append(_run(time_s, "tap", "forehead", (0.1, 0.5), 20, 5.0, 85.0, ["Lighter, faster taps"], 2))
    steps = [
        {"index": 0, "name": "Cheek lift", "regions": ["cheek"], "side": "both", "side_order": ["left", "right"],
         "pattern": "glide", "direction": "up-out", "reps_done": 10, "reps_wanted": 12, "seconds_done": None,
         "seconds_wanted": None, "strokes": 11, "counted": 10, "mean_score": 72.5, "tempo": "speed",
         "tempo_unit": "FU/s", "mean_speed_fu_s": 0.521, "target_speed_fu_s": [0.2, 0.6], "completed": False,
         "skipped": False},
        {"index": 1, "name": "Temple circles", "regions": ["temple"], "side": "left", "side_order": ["left"],
         "pattern": "circle", "direction": "outward", "reps_done": 14, "reps_wanted": 12, "seconds_done": None,
         "seconds_wanted": None, "strokes": 2, "counted": 2, "mean_score": 74.0, "tempo": "rate", "tempo_unit": "Hz",
         "mean_rate_hz": 1.55, "target_rate_hz": [0.5, 1.5], "completed": True, "skipped": False},
        {"index": 2, "name": "Forehead taps", "regions": ["forehead"], "side": "both", "side_order": [None],
         "pattern": "tap", "direction": None, "reps_done": None, "reps_wanted": None, "seconds_done": 4.0,
         "seconds_wanted": 20.0, "strokes": 1, "counted": 1, "mean_score": 85.0, "tempo": "rate", "tempo_unit": "Hz",
         "mean_rate_hz": 5.0, "target_rate_hz": [2.0, 8.0], "completed": False, "skipped": False},
    ]
    report: dict[str, Any] = {
        "format": "coach-report", "version": 1, "source": "/clips/session one.mp4",
        "technique": "face_lift" if technique else None, "technique_title": "Face lift routine" if technique else None,
        "profile": None, "cm_per_fu": 9.0, "partial": False, "duration_s": round(time_s + 6.0, 3), "frames": 1290,
        "face_found_ratio": 0.965, "hands_found_ratio": 0.812, "several_faces_ratio": 0.0,
        "strokes": strokes, "steps": steps if technique else [], "overall_score": 77.2 if technique else None,
    }
    if not technique:
        for stroke in strokes:
            stroke.update({"step": None, "score": None, "counted": False, "feedback": []})
    return json.loads(json.dumps(report))  # exactly what report.json would give back


class _PageParser(HTMLParser):
    """Collects what the tests look at: fields, plots, images, links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.plots: dict[str, dict[str, str]] = {}
        self.images: list[dict[str, str]] = []
        self.external: list[str] = []
        self.scripts = 0
        self.step_rows: list[str] = []
        self.corrections: list[dict[str, str]] = []
        self._open_plot: str | None = None
        self._in_correction = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if self._in_correction and tag == "span":  # the phrase ends where its explanation starts
            self._in_correction = False
            self.corrections[-1]["phrase"] = "".join(self._text).strip()
        if tag == "script":
            self.scripts += 1
        for key in ("href", "src"):
            value = attributes.get(key, "")
            if value and not value.startswith("data:") and not value.startswith("#"):
                self.external.append(value)
        if "data-field" in attributes and "data-value" in attributes:
            self.fields.setdefault(attributes["data-field"], []).append(attributes["data-value"])
        if attributes.get("data-field") == "correction":
            self.corrections.append(attributes)
            self._in_correction = True
            self._text = []
        if "data-plot" in attributes:
            self.plots[attributes["data-plot"]] = attributes
            self._open_plot = attributes["data-plot"]
        if tag == "img":
            self.images.append({**attributes, "plot": self._open_plot or ""})
        if tag == "tr" and "data-step" in attributes:
            self.step_rows.append(attributes["data-step"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._open_plot = None

    def handle_data(self, data: str) -> None:
        if self._in_correction:
            self._text.append(data)


def _parse(text: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser


def _decode_png(data_uri: str) -> np.ndarray:
    assert data_uri.startswith("data:image/png;base64,")
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    assert len(raw) > MIN_PLOT_BYTES, f"plot PNG only {len(raw)} bytes"
    return imread(io.BytesIO(raw), format="png")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return sample_report()


@pytest.fixture(scope="module")
def page_path(report: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html_report(report, tmp_path_factory.mktemp("report") / "report.html", FaceRegions())


@pytest.fixture(scope="module")
def page(page_path: Path) -> _PageParser:
    return _parse(page_path.read_text(encoding="utf-8"))


def test_page_is_self_contained(page_path: Path, page: _PageParser) -> None:
    text = page_path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert page.external == [], f"links out of the file: {page.external}"
    assert page.scripts == 1  # the stroke table's inline sorter; no script is loaded from anywhere
    assert "http://" not in text and "https://" not in text
    assert not page_path.with_suffix(".html.tmp").exists()


def test_every_plot_is_present_and_has_content(page: _PageParser) -> None:
    assert set(PLOT_IDS) <= set(page.plots)
    for plot_id in PLOT_IDS:
        images = [image for image in page.images if image["plot"] == plot_id]
        assert len(images) == 1, f"plot {plot_id} has no image"
        pixels = _decode_png(images[0]["src"])
        assert pixels.shape[0] > 150 and pixels.shape[1] > 150
        # Not a blank canvas: many distinct colours, and a fair share of non-white pixels.
        flat = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
        assert len(np.unique(flat, axis=0)) > 50, f"plot {plot_id} looks empty"
        assert (flat.min(axis=1) < 200).mean() > 0.01, f"plot {plot_id} is nearly all white"


def test_numbers_agree_with_report(page: _PageParser, report: dict[str, Any]) -> None:
    fields = page.fields
    assert float(fields["overall_score"][0]) == report["overall_score"]
    assert {float(value) for value in fields["duration_s"]} == {report["duration_s"]}
    assert int(fields["frames"][0]) == report["frames"]
    assert float(fields["face_found_ratio"][0]) == report["face_found_ratio"]
    assert float(fields["hands_found_ratio"][0]) == report["hands_found_ratio"]
    assert int(fields["stroke_count"][0]) == len(report["strokes"])
    assert int(fields["counted_count"][0]) == sum(stroke["counted"] for stroke in report["strokes"])
    assert fields["partial"] == ["false"]
    assert page.step_rows == [str(step["index"]) for step in report["steps"]]
    steps = report["steps"]
    assert [float(value) for value in fields["mean_score"]] == [step["mean_score"] for step in steps]
    assert [int(value) for value in fields["reps_done"]] == [step["reps_done"] for step in steps if step["reps_wanted"] is not None]
    assert [int(value) for value in fields["reps_wanted"]] == [step["reps_wanted"] for step in steps if step["reps_wanted"] is not None]
    assert [float(value) for value in fields["seconds_done"]] == [steps[2]["seconds_done"]]
    assert float(fields["mean_speed_fu_s"][0]) == steps[0]["mean_speed_fu_s"]
    assert [float(value) for value in fields["mean_rate_hz"]] == [steps[1]["mean_rate_hz"], steps[2]["mean_rate_hz"]]


def test_corrections_are_ranked_by_points_lost(page: _PageParser, report: dict[str, Any]) -> None:
    ranked = top_corrections(report)
    assert len(ranked) == 3
    # "Slow down" comes with the most (and most costly) strokes. A second phrase gets a third of its
    # stroke's lost points, so "Stroke upward and outward" (30 alone + 80/3 as second) edges out
    # "Stay on the right cheek" (80·2/3), and both beat the circles' 38 and the taps' 15.
    assert ranked[0]["phrase"] == "Slow down"
    assert ranked[0]["strokes"] == 3
    assert ranked[0]["points_lost"] == pytest.approx(45 + 45 + 20)
    assert ranked[1]["phrase"] == "Stroke upward and outward"
    assert ranked[1]["points_lost"] == pytest.approx(30 + 80 / 3, abs=0.1)
    assert ranked[2]["phrase"] == "Stay on the right cheek"
    assert ranked[2]["points_lost"] == pytest.approx(80 * 2 / 3, abs=0.1)
    assert [item["phrase"] for item in page.corrections] == [item["phrase"] for item in ranked]
    assert [int(item["data-strokes"]) for item in page.corrections] == [item["strokes"] for item in ranked]


def test_page_without_technique_has_no_score_but_a_summary(tmp_path: Path) -> None:
    report = sample_report(technique=False)
    path = write_html_report(report, tmp_path / "report.html")
    page = _parse(path.read_text(encoding="utf-8"))
    assert "overall_score" not in page.fields
    assert page.corrections == []
    assert int(page.fields["glide_count"][0]) == sum(stroke["pattern"] == "glide" for stroke in report["strokes"])
    assert int(page.fields["circle_count"][0]) == 2
    for plot_id in ("timeline", "coverage", "directions", "tempo"):
        assert any(image["plot"] == plot_id for image in page.images), plot_id


def test_empty_session_still_renders(tmp_path: Path) -> None:
    report = sample_report(technique=False)
    report.update({"strokes": [], "frames": 0, "duration_s": 0.0, "partial": True})
    page = _parse(render_html_report(report))
    assert page.fields["partial"] == ["true"]
    assert page.plots["timeline"].get("data-empty") == "true"
    assert page.plots["tempo"].get("data-empty") == "true"
    # The coverage map still shows the face and its regions.
    assert any(image["plot"] == "coverage" for image in page.images)


def test_strokes_without_paths_fall_back_to_region_counts() -> None:
    report = sample_report()
    for stroke in report["strokes"]:
        del stroke["path_fu"]
    page = _parse(render_html_report(report))
    coverage = [image for image in page.images if image["plot"] == "coverage"]
    assert len(coverage) == 1
    _decode_png(coverage[0]["src"])


def _load_screenshot_script() -> Any:
    spec = importlib.util.spec_from_file_location("screenshot_report", REPO_DIR / "benchmarks" / "screenshot_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_renders_in_headless_chromium(page_path: Path, tmp_path: Path) -> None:
    script = _load_screenshot_script()
    if script.find_chromium() is None:
        pytest.skip("Chromium not installed (apt-get install -y chromium) — the HTML is still checked above")
    png = script.screenshot(page_path, tmp_path / "report.png", width=1200, height=2400)
    pixels = imread(png)
    assert pixels.shape[:2] == (2400, 1200)
    flat = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    # The page painted: text, cards and the figures give many colours, not a blank or error page.
    assert len(np.unique(flat, axis=0)) > 500
