"""Stroke engine accuracy, latency and cost, per evaluation family, beside the targets of issue 10.

Families (named in coach.evaluation.families, which says which seeds are tuning and which evaluation):
  synthetic  (a) coach.synthetic, evaluation seeds 1000–1029 (the engine may be tuned on 5000–5029)
  minjerk    (b) coach.evaluation.minjerk, an independent motion model, evaluation seeds 8000–8029
             (tuning seeds 7000–7029)
  real       (c) real hand photos pasted along scripted strokes on real moving faces, tracked now
             (its tuning clips use two other faces and three other hand photos)
  negatives  (d) real footage where no hand touches the face: every stroke is a false positive

Matching (coach.evaluation.matching): a detection and a label of the same hand pair by temporal
IoU ≥ 0.3, greedy, one to one; unpaired detections (lifted returns, arrivals, departures) are
false positives. Only final strokes are judged (progress events of a run still going are not).
Latency is the stroke's reported_s (or, for an engine without it, the clip time of the frame that
returned it) minus the labelled end; cycle latency, for runs, is when each repetition was counted
(progress events of the same stroke_id, then the final stroke) minus when that repetition ended.
The latencies are also given by kind: glides (the issue's "within 0.5 s of its end"), holds (last
event after the finger moved on), a run's closing event after its last repetition (a run that fades
out on its spot cannot be known to have stopped before about half a period), and the repetitions
that ended once the run had been reported (the rep counter ticking; a run's first cycles cannot be
counted before it is recognisable). Engine cost is StrokeEngine.update per frame (face fit
excluded), in thread CPU time, the lowest of TIMING_RUNS runs of the same frames (the engine is
deterministic: the runs differ only by what the machine did meanwhile), with the benchmark's own
loaded sessions kept out of Python's garbage collector while it runs.

Run: .venv/bin/python benchmarks/bench_strokes.py [--family NAME ...] [--quick] [--verbose] [--tuning]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.evaluation.families import FAMILIES, FamilyUnavailableError, describe, evaluation_sessions, tuning_sessions  # noqa: E402
from coach.evaluation.matching import EvalSession, Evaluation, attributes_right, evaluate_session  # noqa: E402
from coach.native_logs import NativeLogCapture, quiet_native_environment  # noqa: E402
from coach.types import PATTERNS, Stroke  # noqa: E402

TIMING_RUNS = 3
"""Runs of the engine over each session whose per-frame minimum is its cost (the strokes are the first run's)."""

TARGETS: dict[str, tuple[str, float]] = {
    "detection_f1": (">=", 0.97),
    "pattern_accuracy": (">=", 0.97),
    "glide_direction_accuracy": (">=", 0.97),
    "region_accuracy": (">=", 0.95),
    "glide_speed_median_rel_error": ("<=", 0.10),
    "rate_median_rel_error": ("<=", 0.05),
    "latency_p95_s": ("<=", 0.5),
    "cycle_latency_p95_s": ("<=", 0.5),
    "glide_latency_p95_s": ("<=", 0.5),
    "cycle_latency_recognised_p95_s": ("<=", 0.5),
    "engine_ms_p99": ("<=", 2.0),
    "engine_ms_worst": ("<=", 10.0),
}

FIGURE_ORDER: tuple[str, ...] = (
    "precision", "recall", "detection_f1", "pattern_accuracy", "glide_direction_accuracy", "circle_direction_accuracy",
    "region_accuracy", "glide_speed_median_rel_error", "rate_median_rel_error", "count_accuracy",
    "latency_p50_s", "latency_p95_s", "cycle_latency_p95_s", "glide_latency_p95_s", "hold_latency_p95_s",
    "run_close_latency_p95_s", "cycle_latency_recognised_p95_s", "engine_ms_mean", "engine_ms_p99", "engine_ms_worst",
    "confidence_right_mean", "confidence_wrong_mean", "sure_share", "sure_wrong_share", "glide_direction_accuracy_sure",
)


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def _describe_stroke(stroke: Stroke) -> str:
    speed = f" speed {stroke.speed_fu_s:.3f}" if stroke.speed_fu_s else ""
    rate = f" rate {stroke.rate_hz:.2f} ×{stroke.count}" if stroke.rate_hz else ""
    return (f"{stroke.pattern:6s} {stroke.hand:5s} {str(stroke.region):16s} {stroke.start_s:6.2f}–{stroke.end_s:6.2f} "
            f"{stroke.direction or ''}{speed}{rate}")


def _describe_label(label: object) -> str:
    speed = f" speed {label.speed_fu_s:.3f}" if label.speed_fu_s else ""  # type: ignore[attr-defined]
    rate = f" rate {label.rate_hz:.2f} ×{label.count}" if label.rate_hz else ""  # type: ignore[attr-defined]
    return (f"{label.pattern:6s} {label.hand:5s} {label.region:16s} {label.start_s:6.2f}–{label.end_s:6.2f} "  # type: ignore[attr-defined]
            f"{label.direction or ''}{speed}{rate}")  # type: ignore[attr-defined]


def _visibility(session: EvalSession, label: object) -> str:
    """How much of a stroke's time the face and its hand were seen (why a miss may have happened)."""
    during = [f for f in session.frames if label.start_s <= f.timestamp_s <= label.end_s]  # type: ignore[attr-defined]
    if not during:
        return ""
    face = sum(f.face is not None for f in during) / len(during)
    hand = sum(f.hand(label.hand) is not None for f in during) / len(during)  # type: ignore[attr-defined]
    return f"  [face seen {face:.0%}, hand seen {hand:.0%}]"


def print_session_details(session: EvalSession, evaluation: Evaluation) -> None:
    """--verbose: what this session's misses, false positives and wrong attributes were."""
    figures = evaluation.figures()
    print(f"  {session.name}: {len(session.labels)} labels, {figures['detections']} detections, "
          f"missed {len(evaluation.missed)}, extra {len(evaluation.extra)}")
    for label in evaluation.missed:
        print(f"    missed {_describe_label(label)}{_visibility(session, label)}")
    for stroke in evaluation.extra:
        print(f"    extra  {_describe_stroke(stroke)}")
    for label, stroke in evaluation.pairs:
        wrong = []
        if not attributes_right(label, stroke):
            wrong.append("attributes")
        if label.speed_fu_s and stroke.speed_fu_s and abs(stroke.speed_fu_s / label.speed_fu_s - 1) > 0.10:
            wrong.append("speed")
        if label.rate_hz and stroke.rate_hz and abs(stroke.rate_hz / label.rate_hz - 1) > 0.05:
            wrong.append("rate")
        if label.count != stroke.count and label.pattern == stroke.pattern:
            wrong.append("count")
        if wrong:
            print(f"    wrong ({', '.join(wrong)}) label {_describe_label(label)}\n"
                  f"    {'':{len(', '.join(wrong)) + 8}s} got   {_describe_stroke(stroke)}")


NEGATIVE_FIGURES: tuple[str, ...] = ("engine_ms_mean", "engine_ms_p99", "engine_ms_worst", "confidence_wrong_mean")
"""Negatives have no labels: only what the engine costs (and how sure it was of its false strokes) applies."""


def print_figures(figures: dict[str, float | int | None], names: Sequence[str] = FIGURE_ORDER) -> None:
    print(f"  sessions {figures['sessions']}, labels {figures['labels']}, detections {figures['detections']}")
    for name in names:
        value = figures.get(name)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            op, goal = target
            if value is None:
                verdict = f"target {op} {goal:g}  (no data)"
            else:
                ok = value >= goal if op == ">=" else value <= goal
                verdict = f"target {op} {goal:g}  {'OK' if ok else 'MISSED'}"
        print(f"  {name:30s} {_fmt(value):>8s}   {verdict}")


def print_confusion(evaluation: Evaluation) -> None:
    table = evaluation.confusion()
    columns = (*PATTERNS, "none")
    print("  confusion (rows: labelled, columns: detected; 'none' = missed / false positive)")
    print("  " + " " * 8 + "".join(f"{c:>8s}" for c in columns))
    for row in columns:
        print("  " + f"{row:8s}" + "".join(f"{table[row][c]:8d}" for c in columns))


def run_family(family: str, quick: bool, verbose: bool, tuning: bool) -> Evaluation | None:
    title = f"{family} — {describe(family, tuning=tuning, quick=quick)}"
    print(f"\n== {title}")
    sessions = tuning_sessions(family, quick=quick) if tuning else evaluation_sessions(family, quick=quick)
    total = Evaluation()
    per_clip: list[tuple[str, int]] = []
    started = time.perf_counter()
    try:
        for session in sessions:
            evaluation, run = evaluate_session(session, timing_runs=TIMING_RUNS)
            total.add(evaluation)
            per_clip.append((session.name, len(run.strokes)))
            if verbose:
                print_session_details(session, evaluation)
    except FamilyUnavailableError as reason:
        print(f"  SKIPPED: {reason}")
        return None
    if total.sessions == 0:
        print("  no sessions")
        return None
    if family == "negatives":
        worst = max(count for _, count in per_clip)
        print(f"  strokes per clip (target 0 on every clip): {'OK' if worst == 0 else 'MISSED'}")
        for name, count in per_clip:
            print(f"    {name:50s} {count}")
        for stroke in total.extra:
            print(f"    false positive {_describe_stroke(stroke)}")
    if family == "negatives":
        print_figures(total.figures(), NEGATIVE_FIGURES)
    else:
        print_figures(total.figures())
        print_confusion(total)
    print(f"  ({time.perf_counter() - started:.0f} s for this family)")
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--family", choices=FAMILIES, action="append",
                        help="family to run (repeatable; default: all; with --tuning: synthetic, minjerk and real)")
    parser.add_argument("--quick", action="store_true", help="a fast look: 8 sessions per generated family, fewer composites")
    parser.add_argument("--verbose", action="store_true", help="list every miss, false positive and wrong attribute")
    parser.add_argument("--tuning", action="store_true", help="the same figures on the tuning set (the only data to tune on)")
    arguments = parser.parse_args(argv)
    families = arguments.family or (("synthetic", "minjerk", "real") if arguments.tuning else FAMILIES)
    if arguments.tuning:
        unknown = [f for f in families if f not in ("synthetic", "minjerk", "real")]
        if unknown:
            print(f"--tuning: the negatives have no tuning set (every clip is evaluation); "
                  "choose --family synthetic, minjerk or real.")
            return 2
    quiet_native_environment()
    NativeLogCapture().start()  # MediaPipe's C++ log lines (family (c) is tracked at run time) stay off the figures
    print(f"Stroke engine benchmark ({'TUNING set' if arguments.tuning else 'evaluation sets'}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; engine ms: each frame's lowest thread CPU "
          f"time over {TIMING_RUNS} runs of the engine, still noisy under load")
    for family in families:
        run_family(family, arguments.quick, arguments.verbose, arguments.tuning)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
