"""report.json: the session's strokes, scores and tracking quality, for programs.

The layout ("coach-report" version 1) is fixed by the replay issue; keys may be added, never
renamed. Each stroke also carries its contact path in face units (``path_fu``) so that the HTML
report can draw where the hand travelled without the video.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.types import ScoredStroke

if TYPE_CHECKING:
    from coach.pipeline import Pipeline

REPORT_FORMAT = "coach-report"
REPORT_VERSION = 1
# Enough points to draw a stroke's path; long holds and runs are thinned to this many.
MAX_PATH_POINTS = 60


def _rounded(value: float | None, digits: int = 3) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def _thinned_path(path_fu: np.ndarray) -> list[list[float]]:
    if len(path_fu) == 0:
        return []
    keep = np.unique(np.linspace(0, len(path_fu) - 1, min(len(path_fu), MAX_PATH_POINTS)).round().astype(int))
    return [[round(float(x), 4), round(float(y), 4)] for x, y in path_fu[keep]]


def stroke_to_dict(scored: ScoredStroke) -> dict[str, Any]:
    stroke, score = scored.stroke, scored.score
    return {
        "start_s": _rounded(stroke.start_s),
        "end_s": _rounded(stroke.end_s),
        "hand": stroke.hand,
        "region": stroke.region,
        "pattern": stroke.pattern,
        "direction": stroke.direction,
        "speed_fu_s": _rounded(stroke.speed_fu_s),
        "count": int(stroke.count),
        "rate_hz": _rounded(stroke.rate_hz),
        "regularity": _rounded(stroke.regularity),
        "confidence": _rounded(stroke.confidence, 2),
        "sure": score.sure,
        "reported_s": _rounded(stroke.reported_s),
        "stroke_id": int(stroke.stroke_id),  # the same for every event of one stroke (live progress)
        "withdrawn": bool(stroke.withdrawn),  # only ever true for a live event taking a stroke back
        "step": score.step_index,
        "score": _rounded(score.total, 1),
        "counted": score.counted,
        "feedback": list(score.corrections),
        "path_fu": _thinned_path(stroke.path_fu),
    }


def build_report(pipeline: "Pipeline", source: str, partial: bool = False) -> dict[str, Any]:
    """Everything replay and live sessions save, as plain JSON-ready data."""
    stats = pipeline.stats
    strokes = [stroke_to_dict(scored) for scored in pipeline.strokes]
    technique = pipeline.technique
    steps: list[dict[str, Any]] = []
    overall_score: float | None = None
    if pipeline.session is not None:
        summary = pipeline.session.summary()
        steps = summary["steps"]
        overall_score = _rounded(summary["overall_score"], 1)
    profile = pipeline.profile
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "source": source,
        "technique": technique.name if technique is not None else None,
        "technique_title": technique.title if technique is not None else None,
        "profile": profile.name if profile is not None else None,
        "cm_per_fu": profile.cm_per_fu if profile is not None else 9.0,
        "partial": partial,
        "duration_s": _rounded(stats.duration_s),
        "frames": stats.frames,
        "face_found_ratio": _rounded(stats.face_found_ratio),
        "hands_found_ratio": _rounded(stats.hands_found_ratio),
        "several_faces_ratio": _rounded(stats.frames_with_several_faces / stats.frames if stats.frames else 0.0),
        "strokes": strokes,
        "steps": steps,
        "overall_score": overall_score,
        "tracking": tracking_section(pipeline),
    }


def tracking_section(pipeline: "Pipeline") -> dict[str, Any] | None:
    """How the landmarks were tracked: the mode(s) that ran (live coaching makes tracking lighter
    when the machine cannot keep up) and whether Face Mesh and Hands ran concurrently.

    None for a landmark recording, whose tracking happened elsewhere.
    """
    tracker = pipeline.loaded_tracker
    if tracker is None or not hasattr(tracker, "mode_history"):
        return None if tracker is None else {"mode": "full", "modes": [{"mode": "full", "from_s": 0.0}], "face_and_hands": "serial"}
    return {
        "mode": tracker.tracking_mode.name,  # type: ignore[attr-defined]
        "modes": [
            {"mode": mode.name, "from_s": _rounded(start_s)}
            for start_s, mode in tracker.mode_history  # type: ignore[attr-defined]
            if start_s is not None or mode == tracker.tracking_mode  # type: ignore[attr-defined]
        ],
        "face_and_hands": "concurrent" if tracker.concurrent else "serial",  # type: ignore[attr-defined]
    }


def write_json_report(report: dict[str, Any], out_dir: Path) -> Path:
    """Write DIR/report.json atomically, so an interrupted run never leaves half a file. A value
    that is not a finite number is written as null: JSON has no NaN."""
    from coach.outputs import dumps_json, translated_os_errors, write_text_atomically

    path = out_dir / "report.json"
    with translated_os_errors(path):
        out_dir.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(path, dumps_json(report, indent=2) + "\n")
