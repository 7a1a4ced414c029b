"""report.html as a person reads it, in a real browser (headless Chromium): the completion beside
the score, the wording when no stroke was seen, the face map's regions named, plain corrections,
no face units, and a stroke table that sorts when a heading is clicked."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from coach.report.html import write_html_report
from coach.report.summary import NO_STROKES, plain_summary, what_went_wrong
from test_report_html import sample_report

REPO_DIR = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_DIR / "test-artifacts"

# Run after the page's own script: click the Score heading twice (descending), then report the order.
PROBE = """
<script>
(function () {
  var table = document.querySelector('table[data-table="strokes"]');
  var before = null, ascending = null, descending = null;
  if (table) {
    var heading = Array.prototype.filter.call(table.tHead.rows[0].cells, function (c) { return /Score/.test(c.textContent); })[0];
    var order = function () {
      return Array.prototype.map.call(table.tBodies[0].rows, function (row) { return row.cells[6].dataset.key; });
    };
    before = order();
    heading.click();
    ascending = order();
    heading.click();
    descending = order();
  }
  var out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({before: before, ascending: ascending, descending: descending,
    completion: (document.getElementById('completion') || {}).textContent || null,
    corrections: (document.getElementById('corrections') || {}).textContent || '',
    regions: Array.prototype.map.call(document.querySelectorAll('#regions li'), function (li) { return li.textContent; }),
    text: document.body.innerText});
  document.body.appendChild(out);
})();
</script>
"""


def _chromium() -> str:
    spec = importlib.util.spec_from_file_location("screenshot_report", REPO_DIR / "benchmarks" / "screenshot_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    binary = module.find_chromium()
    if binary is None:
        pytest.skip("Chromium not installed (apt-get install -y chromium): the browser checks cannot run")
    return binary


def browse(page: Path) -> dict[str, Any]:
    """Open the page (with the probe appended) in headless Chromium and return what the probe saw."""
    chromium = _chromium()
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="coach-chromium-") as profile:
        completed = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={profile}", "--dump-dom", probed.as_uri()],
            capture_output=True, text=True, timeout=90,
        )
    match = re.search(r'<pre id="probe">(.*?)</pre>', completed.stdout, re.S)
    assert match, f"the page's scripts did not run in Chromium: {completed.stderr[-1500:]}"
    import html

    return json.loads(html.unescape(match.group(1)))


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return sample_report()


@pytest.fixture(scope="module")
def seen(report: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("plain")
    page = write_html_report(report, out / "report.html")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return browse(page)


def test_completion_is_shown_beside_the_score(seen: dict[str, Any], report: dict[str, Any]) -> None:
    summary = plain_summary(report)
    assert seen["completion"] is not None
    assert f"{summary.steps_done} of {summary.step_count} step" in seen["completion"]
    # "Routine finished" only when it was.
    assert ("Routine finished" in seen["completion"]) is summary.finished


def test_corrections_are_plain_words_not_points(seen: dict[str, Any]) -> None:
    assert "points" not in seen["corrections"]
    assert re.search(r"\d+ strokes? (were|was|went)", seen["corrections"]), seen["corrections"]


def test_region_names_are_written_out(seen: dict[str, Any], report: dict[str, Any]) -> None:
    regions = {stroke["region"] for stroke in report["strokes"] if stroke.get("region")}
    assert len(seen["regions"]) == len(regions)
    joined = " ".join(seen["regions"])
    assert "left cheek" in joined and "right cheek" in joined


def test_no_face_units_where_a_person_reads(seen: dict[str, Any]) -> None:
    assert "FU" not in seen["text"].replace("FUL", "")
    assert "cm/s" in seen["text"]


def test_stroke_table_sorts_by_score_in_the_browser(seen: dict[str, Any]) -> None:
    def numbers(keys: list[str]) -> list[float]:
        return [float(key) for key in keys]

    assert numbers(seen["ascending"]) == sorted(numbers(seen["before"]))
    assert numbers(seen["descending"]) == sorted(numbers(seen["before"]), reverse=True)
    assert seen["ascending"] != seen["before"] or seen["descending"] != seen["before"]


def test_a_session_without_strokes_says_so_and_never_praises(report: dict[str, Any], tmp_path: Path) -> None:
    empty = copy.deepcopy(report)
    empty["strokes"] = []
    for step in empty["steps"]:
        step.update(reps_done=0, strokes=0, counted=0, mean_score=None, completed=False)
    empty["overall_score"] = None
    seen = browse(write_html_report(empty, tmp_path / "report.html"))
    assert NO_STROKES in seen["text"]
    assert "every stroke was on target" not in seen["text"]
    assert "Routine finished" not in seen["text"]
    assert f"0 of {len(empty['steps'])} steps" in seen["completion"]


def test_the_stroke_times_link_into_the_annotated_video_beside_the_report(report: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "annotated.mp4").write_bytes(b"\x00")  # only its presence matters to the page
    text = write_html_report(report, tmp_path / "report.html").read_text(encoding="utf-8")
    first = report["strokes"][0]
    assert f'href="annotated.mp4#t={first["start_s"]:.2f}"' in text
    assert '<video id="video" src="annotated.mp4"' in text


def test_plain_wording_of_corrections() -> None:
    assert what_went_wrong("Stroke upward and outward", 2) == "2 strokes went the wrong way"
    assert what_went_wrong("Slow down", 1) == "1 stroke was too fast"
    assert what_went_wrong("Stay on the left cheek", 3) == "3 strokes were off the target area"
