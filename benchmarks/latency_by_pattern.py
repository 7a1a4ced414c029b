"""When the stroke engine emits each final event, per pattern, on the TUNING sessions only.

Issue 10's target is an event latency p95 ≤ 0.5 s for every final event: the labelled stroke's end
(coach.evaluation.matching: label ``end_s``) to the clip time of the frame at which the engine emitted
its final event (``reported_s``). This prints, per family, the headline figures (F1, pattern, glide
direction, glide speed error) beside the latency p50/p95 per labelled pattern, and the latest events
with why they came when they did: which of the engine's watchers emitted the final event (the run
watch, a spectral run check, the hold watch, a glide's leg ending, the contact ending) and where the
engine put the stroke's end against the label's.

Data: ``tuning_sessions(family, quick)`` (synthetic TUNING_SEEDS, minjerk tuning seeds) only; the
evaluation seeds are never run here, since thresholds are chosen from what this shows.

Run: .venv/bin/python benchmarks/latency_by_pattern.py [--family synthetic|minjerk ...] [--full] [--latest 10]
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.evaluation.families import tuning_sessions  # noqa: E402
from coach.evaluation.matching import Evaluation, evaluate_session  # noqa: E402
from coach.strokes import StrokeEngine  # noqa: E402

TARGET_P95_S = 0.5
EMITTERS = {
    "_watch_run": "run watch (swing faded / finger left the spot)",
    "_check_run": "spectral run check failed twice",
    "_watch_hold": "hold watch (finger moved / hand lifted)",
    "_finish_leg": "glide: its slide ended",
    "_end_contact": "contact ended (hand lifted or lost)",
}
"""StrokeEngine methods whose returned final events are tagged with the watcher that emitted them
(the innermost one wins: _end_contact calls _finish_leg, for instance)."""


@dataclass
class LateEvent:
    session: str
    pattern: str
    detected: str
    label_start_s: float
    label_end_s: float
    engine_end_s: float
    reported_s: float
    why: str
    label_count: int = 1
    count: int = 1

    @property
    def latency_s(self) -> float:
        return self.reported_s - self.label_end_s


def tagged_engine() -> tuple[StrokeEngine, dict[int, str]]:
    """An engine whose final events are tagged (by stroke_id) with the method that returned them."""
    engine = StrokeEngine()
    emitted_by: dict[int, str] = {}

    def wrap(name: str, method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            events = method(*args, **kwargs)
            for stroke in events or ():
                if getattr(stroke, "final", True) and not getattr(stroke, "withdrawn", False):
                    emitted_by.setdefault(stroke.stroke_id, name)
            return events
        return wrapper

    for name in EMITTERS:
        setattr(engine, name, wrap(name, getattr(engine, name)))
    return engine, emitted_by


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def run_family(family: str, quick: bool, latest: int, runs: bool = False) -> None:
    total = Evaluation()
    late: list[LateEvent] = []
    for session in tuning_sessions(family, quick=quick):
        engine, emitted_by = tagged_engine()
        evaluation, run = evaluate_session(session, engine)
        total.add(evaluation)
        emitted = {id(stroke): when for stroke, when in zip(run.strokes, run.emitted_s)}
        for label, stroke in evaluation.pairs:
            reported = getattr(stroke, "reported_s", None)
            reported = float(reported) if reported is not None else emitted.get(id(stroke), float("nan"))
            late.append(LateEvent(session.name, label.pattern, stroke.pattern, label.start_s, label.end_s, stroke.end_s,
                                  reported, EMITTERS.get(emitted_by.get(stroke.stroke_id, ""), "flush at the clip's end"),
                                  label.count, stroke.count))
    figures = total.figures()
    print(f"== {family}: tuning sessions ({'quick' if quick else 'all'}: {total.sessions}); target latency p95 ≤ {TARGET_P95_S} s")
    for key in ("detection_f1", "precision", "recall", "pattern_accuracy", "glide_direction_accuracy",
                "glide_speed_median_rel_error", "rate_median_rel_error", "count_accuracy", "latency_p50_s", "latency_p95_s"):
        value = figures.get(key)
        print(f"  {key:30s} {value if value is None or isinstance(value, int) else round(value, 3)}")
    by_pattern: dict[str, list[float]] = defaultdict(list)
    for pattern, latency in total.latencies_by_pattern:
        by_pattern[pattern].append(latency)
    print(f"  {'pattern':8s} {'n':>4s} {'p50 s':>6s} {'p95 s':>6s} {'> 0.5 s':>7s}")
    for pattern in sorted(by_pattern):
        values = by_pattern[pattern]
        print(f"  {pattern:8s} {len(values):4d} {fmt(percentile(values, 50)):>6s} {fmt(percentile(values, 95)):>6s} "
              f"{sum(v > TARGET_P95_S for v in values):7d}")
    print(f"  latest {latest} final events (latency = reported − label end; engine end − label end says where the "
          "engine put the stroke's end):")
    for event in sorted(late, key=lambda e: -e.latency_s)[:latest]:
        detected = "" if event.detected == event.pattern else f" (as {event.detected})"
        print(f"    {event.session:14s} {event.pattern:6s}{detected} label {event.label_start_s:6.2f}–{event.label_end_s:6.2f} "
              f"engine end {event.engine_end_s - event.label_end_s:+.2f}  reported {event.reported_s:6.2f} "
              f"(+{event.latency_s:.2f} s)  by {event.why}")
    if runs:
        print("  every run (circle, tap, knead): labelled count → counted, latency, emitted by")
        for event in late:
            if event.pattern in ("circle", "tap", "knead"):
                detected = "" if event.detected == event.pattern else f" (as {event.detected})"
                print(f"    {event.session:14s} {event.pattern:6s}{detected} {event.label_start_s:6.2f}–{event.label_end_s:6.2f} "
                      f"count {event.label_count} → {event.count}  {event.latency_s:+.2f} s  by {event.why}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", action="append", choices=("synthetic", "minjerk"))
    parser.add_argument("--full", action="store_true", help="all 30 tuning sessions per family (default: the quick subset)")
    parser.add_argument("--latest", type=int, default=10)
    parser.add_argument("--runs", action="store_true", help="also list every labelled run with its count and latency")
    args = parser.parse_args(argv)
    for family in args.family or ["synthetic", "minjerk"]:
        run_family(family, not args.full, args.latest, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
