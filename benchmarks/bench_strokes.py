"""Stroke engine accuracy: labelled synthetic sessions, and real pixels (MediaPipe on composites).

Synthetic: the fixed seed set coach.synthetic.BENCHMARK_SEEDS (30 random routines covering every
pattern, direction, region, speed and rate, with head motion, MediaPipe-like jitter, face dropouts,
lifted returns, arrivals/departures, hovering, both hands). The engine was tuned on
coach.synthetic.TUNING_SEEDS and on seeds 6000..6029 (both disjoint from the benchmark); pass
``--seeds tuning`` to see the former.

Detected strokes are matched to labels of the same hand by temporal IoU ≥ 0.3 (greedy, best first);
unmatched detections — returns, arrivals, departures, hovering — are false positives.

Real pixels: the composite clips in ../shared/media/composite (real hand photos on a real face) run
through the real Tracker + FaceFrameFitter + engine; then clips made now by
benchmarks/make_composites.py (hand cut-outs pasted on the portrait, the face moving too, the
fingertip following a known path in FU) give the same figures as the synthetic set.

Run: .venv/bin/python benchmarks/bench_strokes.py [--seeds benchmark|tuning] [--no-real] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.geometry import FaceFrameFitter  # noqa: E402
from coach.strokes import StrokeEngine  # noqa: E402
from coach.synthetic import BENCHMARK_SEEDS, TUNING_SEEDS, LabelledStroke, generate_session  # noqa: E402
from coach.types import PATTERNS, Stroke, TrackedFrame  # noqa: E402

REPO_DIR = Path(__file__).resolve().parents[1]
MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))
MATCH_IOU = 0.3

TARGETS = {
    "detection_f1": (">=", 0.95),
    "pattern_accuracy": (">=", 0.95),
    "glide_direction_accuracy": (">=", 0.95),
    "region_accuracy": (">=", 0.90),
    "glide_speed_median_rel_error": ("<=", 0.15),
    "rate_median_rel_error": ("<=", 0.10),
    "engine_ms_per_frame": ("<", 1.0),
}


@dataclass
class Evaluation:
    """Matches between detections and labels, and the figures derived from them."""

    pairs: list[tuple[LabelledStroke, Stroke]] = field(default_factory=list)
    missed: list[LabelledStroke] = field(default_factory=list)
    extra: list[Stroke] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)

    def add(self, other: "Evaluation") -> None:
        self.pairs += other.pairs
        self.missed += other.missed
        self.extra += other.extra
        self.engine_ms += other.engine_ms

    def figures(self) -> dict[str, float | None]:
        tp, fp, fn = len(self.pairs), len(self.extra), len(self.missed)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        pattern_ok = [label.pattern == stroke.pattern for label, stroke in self.pairs]
        glides = [(l, s) for l, s in self.pairs if l.pattern == "glide" and s.pattern == "glide"]
        circles = [(l, s) for l, s in self.pairs if l.pattern == "circle" and s.pattern == "circle"]
        runs = [(l, s) for l, s in self.pairs if l.pattern in ("circle", "tap", "knead") and s.pattern == l.pattern]
        speed_errors = [abs(s.speed_fu_s - l.speed_fu_s) / l.speed_fu_s for l, s in glides if s.speed_fu_s and l.speed_fu_s]
        rate_errors = [abs(s.rate_hz - l.rate_hz) / l.rate_hz for l, s in runs if s.rate_hz and l.rate_hz]
        return {
            "labels": tp + fn,
            "detections": tp + fp,
            "precision": precision,
            "recall": recall,
            "detection_f1": f1,
            "pattern_accuracy": _mean(pattern_ok),
            "glide_direction_accuracy": _mean([l.direction == s.direction for l, s in glides]),
            "circle_direction_accuracy": _mean([l.direction == s.direction for l, s in circles]),
            "region_accuracy": _mean([l.region == s.region for l, s in self.pairs]),
            "glide_speed_median_rel_error": statistics.median(speed_errors) if speed_errors else None,
            "rate_median_rel_error": statistics.median(rate_errors) if rate_errors else None,
            "count_accuracy": _mean([l.count == s.count for l, s in runs]),
            "engine_ms_per_frame": statistics.mean(self.engine_ms) if self.engine_ms else None,
            "engine_worst_frame_ms": max(self.engine_ms) if self.engine_ms else None,
        }

    def confusion(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {name: Counter() for name in (*PATTERNS, "none")}
        for label, stroke in self.pairs:
            table[label.pattern][stroke.pattern] += 1
        for label in self.missed:
            table[label.pattern]["none"] += 1
        for stroke in self.extra:
            table["none"][stroke.pattern] += 1
        return table


def _mean(values: Sequence[bool]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def temporal_iou(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    overlap = max(0.0, min(a_end, b_end) - max(a_start, b_start))
    union = max(a_end, b_end) - min(a_start, b_start)
    return overlap / union if union > 0 else 0.0


def _mostly_within(stroke: Stroke, label: LabelledStroke) -> bool:
    overlap = min(stroke.end_s, label.end_s) - max(stroke.start_s, label.start_s)
    return stroke.hand == label.hand and overlap > 0.5 * max(stroke.duration_s, 1e-9)


def match_strokes(labels: Sequence[LabelledStroke], strokes: Sequence[Stroke], min_iou: float = MATCH_IOU) -> Evaluation:
    """Greedy one-to-one matching by temporal IoU, same hand only."""
    candidates = []
    for i, label in enumerate(labels):
        for j, stroke in enumerate(strokes):
            if stroke.hand != label.hand:
                continue
            iou = temporal_iou(label.start_s, label.end_s, stroke.start_s, stroke.end_s)
            if iou >= min_iou:
                candidates.append((iou, i, j))
    used_labels: set[int] = set()
    used_strokes: set[int] = set()
    evaluation = Evaluation()
    for _, i, j in sorted(candidates, reverse=True):
        if i in used_labels or j in used_strokes:
            continue
        used_labels.add(i)
        used_strokes.add(j)
        evaluation.pairs.append((labels[i], strokes[j]))
    evaluation.missed = [label for i, label in enumerate(labels) if i not in used_labels]
    evaluation.extra = [stroke for j, stroke in enumerate(strokes) if j not in used_strokes]
    return evaluation


def run_engine(frames: Iterable[TrackedFrame], engine: StrokeEngine | None = None) -> tuple[list[Stroke], list[float]]:
    """Face frame fit + engine over tracked frames; returns strokes and the engine's ms per frame."""
    engine = engine or StrokeEngine()
    fitter = FaceFrameFitter()
    strokes: list[Stroke] = []
    engine_ms: list[float] = []
    for tracked in frames:
        pose = fitter.fit(tracked.face, tracked.width, tracked.height) if tracked.face is not None else None
        started = time.perf_counter()
        strokes += engine.update(tracked, pose)
        engine_ms.append((time.perf_counter() - started) * 1000.0)
    started = time.perf_counter()
    strokes += engine.flush()
    engine_ms[-1] += (time.perf_counter() - started) * 1000.0
    return strokes, engine_ms


def evaluate_synthetic(seeds: Sequence[int], verbose: bool = False) -> Evaluation:
    total = Evaluation()
    for seed in seeds:
        frames, labels, info = generate_session(seed)
        strokes, engine_ms = run_engine(frames)
        evaluation = match_strokes(labels, strokes)
        # Strokes made with the hand mostly out of view are not expected, but not wrong either.
        evaluation.extra = [s for s in evaluation.extra if not any(_mostly_within(s, unseen) for unseen in info.unseen)]
        evaluation.engine_ms = engine_ms
        total.add(evaluation)
        if verbose:
            figures = evaluation.figures()
            print(f"  seed {seed}: {len(labels)} labels, {len(strokes)} detections, "
                  f"F1 {figures['detection_f1']:.2f}, missed {len(evaluation.missed)}, extra {len(evaluation.extra)}")
            for label in evaluation.missed:
                print(f"    missed {label.pattern:6s} {label.hand:5s} {label.region:16s} {label.start_s:6.2f}-{label.end_s:6.2f} "
                      f"{label.direction} speed={label.speed_fu_s} rate={label.rate_hz}")
            for stroke in evaluation.extra:
                print(f"    extra  {stroke.pattern:6s} {stroke.hand:5s} {str(stroke.region):16s} {stroke.start_s:6.2f}-{stroke.end_s:6.2f} "
                      f"{stroke.direction} speed={stroke.speed_fu_s} rate={stroke.rate_hz}")
            for label, stroke in evaluation.pairs:
                wrong = []
                if label.pattern != stroke.pattern:
                    wrong.append(f"pattern {stroke.pattern}")
                if label.direction != stroke.direction and label.pattern == stroke.pattern:
                    wrong.append(f"direction {stroke.direction}")
                if label.region != stroke.region:
                    wrong.append(f"region {stroke.region}")
                if label.speed_fu_s and stroke.speed_fu_s and abs(stroke.speed_fu_s / label.speed_fu_s - 1) > 0.25:
                    wrong.append(f"speed {stroke.speed_fu_s:.3f}")
                if label.rate_hz and stroke.rate_hz and abs(stroke.rate_hz / label.rate_hz - 1) > 0.15:
                    wrong.append(f"rate {stroke.rate_hz:.2f}")
                if wrong:
                    print(f"    wrong  {label.pattern:6s} {label.hand:5s} {label.region:16s} {label.start_s:6.2f}-{label.end_s:6.2f} "
                          f"{label.direction} speed={label.speed_fu_s} rate={label.rate_hz} → " + ", ".join(wrong))
    return total


def print_figures(title: str, figures: dict[str, float | None]) -> None:
    print(f"\n{title}")
    print(f"  labels {figures['labels']}, detections {figures['detections']}, "
          f"precision {_fmt(figures['precision'])}, recall {_fmt(figures['recall'])}")
    for name in ("detection_f1", "pattern_accuracy", "glide_direction_accuracy", "circle_direction_accuracy",
                 "region_accuracy", "glide_speed_median_rel_error", "rate_median_rel_error", "count_accuracy",
                 "engine_ms_per_frame", "engine_worst_frame_ms"):
        value = figures.get(name)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None and value is not None:
            op, goal = target
            ok = value >= goal if op == ">=" else value <= goal if op == "<=" else value < goal
            verdict = f"target {op} {goal:g}  {'OK' if ok else 'MISSED'}"
        elif target is not None:
            verdict = f"target {target[0]} {target[1]:g}  (no data)"
        print(f"  {name:30s} {_fmt(value):>8s}   {verdict}")


def print_confusion(evaluation: Evaluation) -> None:
    table = evaluation.confusion()
    columns = (*PATTERNS, "none")
    print("\n  confusion (rows: labelled, columns: detected; 'none' = missed / false positive)")
    print("  " + " " * 8 + "".join(f"{c:>8s}" for c in columns))
    for row in columns:
        print("  " + f"{row:8s}" + "".join(f"{table[row][c]:8d}" for c in columns))


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", choices=("benchmark", "tuning"), default="benchmark")
    parser.add_argument("--count", type=int, default=None, help="use only the first N seeds")
    parser.add_argument("--verbose", action="store_true", help="list every miss, false positive and wrong attribute")
    parser.add_argument("--no-real", action="store_true", help="skip the real-pixel section")
    parser.add_argument("--real-clips", type=int, default=6, help="composite clips to make for the real-pixel figures")
    arguments = parser.parse_args(argv)
    seeds = BENCHMARK_SEEDS if arguments.seeds == "benchmark" else TUNING_SEEDS
    if arguments.count:
        seeds = seeds[: arguments.count]
    print(f"Synthetic sessions: {arguments.seeds} seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} sessions)")
    evaluation = evaluate_synthetic(seeds, verbose=arguments.verbose)
    print_figures("Synthetic landmark sessions", evaluation.figures())
    print_confusion(evaluation)
    if not arguments.no_real:
        run_real_section(MEDIA_DIR, arguments.real_clips)
    return 0


# Expected results on the shared composite clips (pt 205 is the subject's right cheek, 425 the left).
SHARED_CLIPS: dict[str, tuple[str, tuple[str | None, ...], str]] = {
    "clip_stroke_up_Rcheek_point.mp4": ("glide", ("up", "up-out"), "right_cheek"),
    "clip_circle_Rcheek205_point.mp4": ("circle", ("outward", "inward"), "right_cheek"),
    "clip_circle_Rcheek205_openhand.mp4": ("circle", ("outward", "inward"), "right_cheek"),
    "clip_tap_Lcheek425_point.mp4": ("tap", (None,), "left_cheek"),
}


def track_frames(frames: Iterable) -> tuple[list[Stroke], list[float], list[float]]:  # type: ignore[type-arg]
    """The real path: Tracker (MediaPipe, video mode, smoothing) → face frame → engine."""
    from coach.perception import Tracker

    engine = StrokeEngine()
    fitter = FaceFrameFitter()
    strokes: list[Stroke] = []
    engine_ms: list[float] = []
    tracking_ms: list[float] = []
    with Tracker(mode="video") as tracker:
        for frame in frames:
            started = time.perf_counter()
            tracked = tracker.track(frame)
            tracking_ms.append((time.perf_counter() - started) * 1000.0)
            pose = fitter.fit(tracked.face, tracked.width, tracked.height) if tracked.face is not None else None
            started = time.perf_counter()
            strokes += engine.update(tracked, pose)
            engine_ms.append((time.perf_counter() - started) * 1000.0)
    strokes += engine.flush()
    return strokes, engine_ms, tracking_ms


def run_real_section(media_dir: Path, clip_count: int) -> None:
    if not media_dir.is_dir():
        print(f"\nReal pixels: SKIPPED — shared media not found at {media_dir} (put ../shared/media beside the checkout).")
        return
    from coach.sources.video import VideoFileSource

    print("\nReal pixels, shared composite clips (real MediaPipe Tracker on real hand photos on a real face)")
    passed = 0
    tracking: list[float] = []
    for name, (pattern, directions, region) in SHARED_CLIPS.items():
        path = media_dir / "composite" / name
        if not path.is_file():
            print(f"  {name}: missing")
            continue
        source = VideoFileSource(path)
        try:
            strokes, _, tracking_ms = track_frames(source.frames())
        finally:
            source.close()
        tracking += tracking_ms
        found = [(s.pattern, s.direction, s.region) for s in strokes]
        ok = len(strokes) == 1 and strokes[0].pattern == pattern and strokes[0].direction in directions and strokes[0].region == region
        passed += ok
        expected = f"{pattern} {'/'.join(str(d) for d in directions)} {region}"
        print(f"  {name:40s} expected {expected:32s} got {found}  {'OK' if ok else 'WRONG'}")
    print(f"  {passed}/{len(SHARED_CLIPS)} clips as expected; tracking {statistics.mean(tracking):.1f} ms/frame" if tracking else "")

    from make_composites import make_clips  # type: ignore[import-not-found]

    clips = make_clips(media_dir / "hands", count=clip_count)
    if not clips:
        print("  no usable hand cut-outs found; composite section skipped")
        return
    total = Evaluation()
    for clip in clips:
        strokes, engine_ms, _ = track_frames(clip.frames)
        evaluation = match_strokes(clip.labels, strokes)
        evaluation.engine_ms = engine_ms
        total.add(evaluation)
        print(f"  made {clip.name:40s} labels {[(l.pattern, l.direction, l.region) for l in clip.labels]}\n"
              f"  {'':45s} got    {[(s.pattern, s.direction, s.region, s.hand) for s in strokes]}")
    print_figures(f"Real pixels, {len(clips)} composite clips made now (hand cut-outs on the moving portrait)", total.figures())
    print_confusion(total)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
