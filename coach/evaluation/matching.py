"""Matching an engine's strokes to labelled strokes, and the figures the benchmark reports.

Why it is shared: the benchmark, the tests and every evaluation family (generated landmark
streams, real-pixel composites, real negatives) must be judged the same way, so the rule lives once.

Rule: a detected stroke and a label of the same hand are paired by temporal IoU ≥ ``MATCH_IOU``
(greedy, best overlap first, one to one). Unpaired detections — lifted returns, arrivals,
departures, hovering — are false positives; unpaired labels are misses. A detection lying mostly
inside a stroke the session marks ``unseen`` (scripted, but the hand was mostly out of view) is
neither: it is not expected, and not wrong either.

Only final strokes are judged: a v2 engine may also return progress events of a run still going
(``final`` False). ``confidence`` and ``reported_s`` are read with getattr so the same code judges
the v1 engine, which has neither; the emit time is then taken from the frame whose update returned
the stroke. A second final event of one ``stroke_id`` revises the stroke (a glide re-judged once the
face is seen again after a hand hid it): it replaces the first, whose report time is kept for
latency, since that is when the user heard of the stroke.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from coach.technique.scoring import SURE_CONFIDENCE
from coach.types import PATTERNS, Stroke, TrackedFrame

if TYPE_CHECKING:
    from coach.synthetic import LabelledStroke
    from coach.strokes import StrokeEngine

MATCH_IOU = 0.3
"""Minimum temporal IoU for a detection to count as a label's stroke."""


@dataclass(frozen=True)
class EvalSession:
    """One labelled session of tracked frames, from any family.

    ``labels`` are what the engine should report; ``unseen`` are scripted strokes left out of the
    labels because the hand was mostly out of view (detections inside them are not counted).
    Negative sessions have no labels: every detection is a false positive.
    """

    name: str
    family: str
    frames: list[TrackedFrame]
    labels: list["LabelledStroke"]
    unseen: tuple["LabelledStroke", ...] = ()


@dataclass(frozen=True)
class EngineRun:
    """The engine's final strokes over one session, when each was emitted, and its cost per frame."""

    strokes: list[Stroke]
    emitted_s: list[float]  # clip time of the frame whose update (or the final flush) returned each stroke
    engine_ms: list[float]  # engine.update time per frame (the flush is added to the last frame)
    progress: list[tuple[Stroke, float]] = field(default_factory=list)  # v2 progress events and when each came


def is_final(stroke: Stroke) -> bool:
    """v2 progress events of a run still going carry ``final`` False; v1 strokes are all final."""
    return bool(getattr(stroke, "final", True))


def _take_final(strokes: list[Stroke], emitted_s: list[float], stroke: Stroke, now_s: float) -> None:
    """Add a final stroke, or let it revise the earlier final event of its stroke_id (keeping when
    that one was reported)."""
    stroke_id = getattr(stroke, "stroke_id", 0)
    if stroke_id and not getattr(stroke, "withdrawn", False):
        for index, earlier in enumerate(strokes):
            if getattr(earlier, "stroke_id", 0) == stroke_id and not getattr(earlier, "withdrawn", False):
                strokes[index] = replace(stroke, reported_s=getattr(earlier, "reported_s", None))
                return
    strokes.append(stroke)
    emitted_s.append(now_s)


def run_engine_timed(frames: Iterable[TrackedFrame], engine: "StrokeEngine | None" = None) -> EngineRun:
    """Face-frame fit + engine over tracked frames, frame by frame as live would feed them."""
    from coach.geometry import FaceFrameFitter
    from coach.strokes import StrokeEngine

    engine = engine or StrokeEngine()
    fitter = FaceFrameFitter()
    strokes: list[Stroke] = []
    emitted_s: list[float] = []
    engine_ms: list[float] = []
    withdrawn: set[int] = set()
    progress: list[tuple[Stroke, float]] = []
    last_time = 0.0
    for tracked in frames:
        pose = fitter.fit(tracked.face, tracked.width, tracked.height) if tracked.face is not None else None
        # CPU time of this thread: what the engine costs, not what other programs on a busy
        # machine take from it meanwhile.
        started = time.thread_time()
        out = engine.update(tracked, pose)
        engine_ms.append((time.thread_time() - started) * 1000.0)
        last_time = tracked.timestamp_s
        for stroke in out:
            if is_final(stroke):
                _take_final(strokes, emitted_s, stroke, tracked.timestamp_s)
            else:
                progress.append((stroke, tracked.timestamp_s))
            if getattr(stroke, "withdrawn", False):
                withdrawn.add(stroke.stroke_id)
    started = time.thread_time()
    out = engine.flush()
    flush_ms = (time.thread_time() - started) * 1000.0
    if engine_ms:
        engine_ms[-1] += flush_ms
    for stroke in out:
        if is_final(stroke):
            _take_final(strokes, emitted_s, stroke, last_time)
        if getattr(stroke, "withdrawn", False):
            withdrawn.add(stroke.stroke_id)
    # A withdrawn stroke was taken back by the engine (it was the start of a run): it is not reported.
    kept = [index for index, stroke in enumerate(strokes) if getattr(stroke, "stroke_id", 0) not in withdrawn]
    progress = [(stroke, when) for stroke, when in progress if getattr(stroke, "stroke_id", 0) not in withdrawn]
    return EngineRun([strokes[index] for index in kept], [emitted_s[index] for index in kept], engine_ms, progress)


def run_engine(frames: Iterable[TrackedFrame], engine: "StrokeEngine | None" = None) -> tuple[list[Stroke], list[float]]:
    """Final strokes and the engine's ms per frame (see run_engine_timed for emit times too)."""
    run = run_engine_timed(frames, engine)
    return run.strokes, run.engine_ms


def temporal_iou(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    overlap = max(0.0, min(a_end, b_end) - max(a_start, b_start))
    union = max(a_end, b_end) - min(a_start, b_start)
    return overlap / union if union > 0 else 0.0


def _mostly_within(stroke: Stroke, label: "LabelledStroke") -> bool:
    overlap = min(stroke.end_s, label.end_s) - max(stroke.start_s, label.start_s)
    return stroke.hand == label.hand and overlap > 0.5 * max(stroke.duration_s, 1e-9)


def reported_time(stroke: Stroke, emitted_s: float | None) -> float | None:
    """The engine's own ``reported_s`` when it has one, else the observed emit time."""
    reported = getattr(stroke, "reported_s", None)
    return float(reported) if reported is not None else emitted_s


def attributes_right(label: "LabelledStroke", stroke: Stroke) -> bool:
    """Pattern, region and (glides, circles) direction as labelled."""
    if label.pattern != stroke.pattern or label.region != stroke.region:
        return False
    if label.pattern in ("glide", "circle"):
        return label.direction == stroke.direction
    return True


@dataclass
class Evaluation:
    """Matches between detections and labels, and the figures derived from them.

    ``latencies_s`` hold reported time − label end for each pair (negative: reported before the
    labelled end, which a streaming engine may do for a run it is still counting).
    """

    pairs: list[tuple["LabelledStroke", Stroke]] = field(default_factory=list)
    missed: list["LabelledStroke"] = field(default_factory=list)
    extra: list[Stroke] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    cycle_latencies_s: list[float] = field(default_factory=list)  # runs: when each repetition was counted − when it ended
    # The same latencies kept apart by kind (see ``figures``): the labelled pattern with each final
    # event's latency; and each repetition's latency with whether the run had been reported (its
    # first event) by the time that repetition ended.
    latencies_by_pattern: list[tuple[str, float]] = field(default_factory=list)
    cycle_latencies_recognised: list[tuple[float, bool]] = field(default_factory=list)
    sessions: int = 0

    def add(self, other: "Evaluation") -> None:
        self.pairs += other.pairs
        self.missed += other.missed
        self.extra += other.extra
        self.engine_ms += other.engine_ms
        self.latencies_s += other.latencies_s
        self.cycle_latencies_s += other.cycle_latencies_s
        self.latencies_by_pattern += other.latencies_by_pattern
        self.cycle_latencies_recognised += other.cycle_latencies_recognised
        self.sessions += other.sessions

    def figures(self) -> dict[str, float | int | None]:
        tp, fp, fn = len(self.pairs), len(self.extra), len(self.missed)
        precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
        recall = tp / (tp + fn) if tp + fn else None
        f1 = 2 * precision * recall / (precision + recall) if recall is not None and precision + recall else (0.0 if recall is not None else None)
        glides = [(label, stroke) for label, stroke in self.pairs if label.pattern == "glide" and stroke.pattern == "glide"]
        circles = [(label, stroke) for label, stroke in self.pairs if label.pattern == "circle" and stroke.pattern == "circle"]
        runs = [(label, stroke) for label, stroke in self.pairs if label.pattern in ("circle", "tap", "knead") and stroke.pattern == label.pattern]
        speed_errors = [abs(stroke.speed_fu_s - label.speed_fu_s) / label.speed_fu_s for label, stroke in glides if stroke.speed_fu_s and label.speed_fu_s]
        rate_errors = [abs(stroke.rate_hz - label.rate_hz) / label.rate_hz for label, stroke in runs if stroke.rate_hz and label.rate_hz]
        right = [_confidence(stroke) for label, stroke in self.pairs if attributes_right(label, stroke)]
        wrong = [_confidence(stroke) for label, stroke in self.pairs if not attributes_right(label, stroke)] + [_confidence(stroke) for stroke in self.extra]
        # What a user is told as sure (confidence ≥ SURE_CONFIDENCE: corrections are given on it).
        sure_pairs = [(label, stroke) for label, stroke in self.pairs if (_confidence(stroke) or 0.0) >= SURE_CONFIDENCE]
        sure_extra = [stroke for stroke in self.extra if (_confidence(stroke) or 0.0) >= SURE_CONFIDENCE]
        sure_count = len(sure_pairs) + len(sure_extra)
        sure_wrong = len(sure_extra) + sum(1 for label, stroke in sure_pairs if not attributes_right(label, stroke))
        engine = np.asarray(self.engine_ms, dtype=float)
        latency = np.asarray(self.latencies_s, dtype=float)
        cycles = np.asarray(self.cycle_latencies_s, dtype=float)

        def p95(values: Sequence[float]) -> float | None:
            return float(np.percentile(np.asarray(values, dtype=float), 95)) if len(values) else None

        by_pattern = self.latencies_by_pattern
        return {
            "sessions": self.sessions,
            "labels": tp + fn,
            "detections": tp + fp,
            "precision": precision,
            "recall": recall,
            "detection_f1": f1,
            "pattern_accuracy": _mean([label.pattern == stroke.pattern for label, stroke in self.pairs]),
            "glide_direction_accuracy": _mean([label.direction == stroke.direction for label, stroke in glides]),
            "circle_direction_accuracy": _mean([label.direction == stroke.direction for label, stroke in circles]),
            "region_accuracy": _mean([label.region == stroke.region for label, stroke in self.pairs]),
            "glide_speed_median_rel_error": statistics.median(speed_errors) if speed_errors else None,
            "rate_median_rel_error": statistics.median(rate_errors) if rate_errors else None,
            "count_accuracy": _mean([label.count == stroke.count for label, stroke in runs]),
            "latency_p50_s": float(np.percentile(latency, 50)) if latency.size else None,
            "latency_p95_s": float(np.percentile(latency, 95)) if latency.size else None,
            "cycle_latency_p95_s": float(np.percentile(cycles, 95)) if cycles.size else None,
            # By kind: a glide's event after its end; a hold's last event after the finger moved
            # on; a run's closing event after its last repetition; and each repetition that ended
            # once the run was already reported (its first cycles cannot be counted before the run
            # is recognisable: a tap needs three rises).
            "glide_latency_p95_s": p95([value for pattern, value in by_pattern if pattern == "glide"]),
            "hold_latency_p95_s": p95([value for pattern, value in by_pattern if pattern == "hold"]),
            "run_close_latency_p95_s": p95([value for pattern, value in by_pattern if pattern in ("circle", "tap", "knead")]),
            "cycle_latency_recognised_p95_s": p95([value for value, recognised in self.cycle_latencies_recognised if recognised]),
            "engine_ms_mean": float(engine.mean()) if engine.size else None,
            "engine_ms_p99": float(np.percentile(engine, 99)) if engine.size else None,
            "engine_ms_worst": float(engine.max()) if engine.size else None,
            "confidence_right_mean": _mean_or_none([c for c in right if c is not None]),
            "confidence_wrong_mean": _mean_or_none([c for c in wrong if c is not None]),
            "sure_share": sure_count / (tp + fp) if tp + fp else None,
            "sure_wrong_share": sure_wrong / sure_count if sure_count else None,
            "glide_direction_accuracy_sure": _mean([label.direction == stroke.direction for label, stroke in glides
                                                    if (_confidence(stroke) or 0.0) >= SURE_CONFIDENCE]),
        }

    def confusion(self) -> dict[str, Counter[str]]:
        """Rows: labelled pattern (or 'none' for false positives); columns: detected (or 'none')."""
        table: dict[str, Counter[str]] = {name: Counter() for name in (*PATTERNS, "none")}
        for label, stroke in self.pairs:
            table[label.pattern][stroke.pattern] += 1
        for label in self.missed:
            table[label.pattern]["none"] += 1
        for stroke in self.extra:
            table["none"][stroke.pattern] += 1
        return table


def _confidence(stroke: Stroke) -> float | None:
    value = getattr(stroke, "confidence", None)
    return float(value) if value is not None else None


def _mean(values: Sequence[bool]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _mean_or_none(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def cycle_latencies(label: "LabelledStroke", final: Stroke, final_s: float | None,
                    progress: Sequence[tuple[Stroke, float]] = ()) -> list[float]:
    """For a run (circles, taps, kneads): when each repetition was counted minus when it ended.

    Repetition k of a labelled run ends at start + k · duration / count. It is counted at the first
    event of the same run (progress events sharing the final stroke's ``stroke_id``, then the final
    stroke) whose count reaches k. A v1 engine counts every repetition when the run closes, so its
    early repetitions show long latencies — which is what a user watching the rep counter sees.
    """
    return [latency for latency, _ in cycle_latencies_with_recognition(label, final, final_s, progress)]


def cycle_latencies_with_recognition(label: "LabelledStroke", final: Stroke, final_s: float | None,
                                     progress: Sequence[tuple[Stroke, float]] = ()) -> list[tuple[float, bool]]:
    """``cycle_latencies``, each with whether the run's first event came before that repetition ended."""
    if label.pattern not in ("circle", "tap", "knead") or label.count <= 0:
        return []
    run_id = getattr(final, "stroke_id", None)
    events = [(reported_time(stroke, emitted), stroke.count) for stroke, emitted in progress
              if run_id is not None and getattr(stroke, "stroke_id", None) == run_id and stroke.hand == final.hand]
    events.append((reported_time(final, final_s), final.count))
    events = sorted((t, count) for t, count in events if t is not None)
    period = (label.end_s - label.start_s) / label.count
    first_event_s = events[0][0] if events else None
    latencies = []
    for k in range(1, label.count + 1):
        counted = next((t for t, count in events if count >= k), None)
        if counted is not None:
            ended_s = label.start_s + k * period
            recognised = first_event_s is not None and first_event_s <= ended_s
            latencies.append((float(counted - ended_s), recognised))
    return latencies


def match_strokes(
    labels: Sequence["LabelledStroke"],
    strokes: Sequence[Stroke],
    emitted_s: Sequence[float] | None = None,
    unseen: Sequence["LabelledStroke"] = (),
    min_iou: float = MATCH_IOU,
    progress: Sequence[tuple[Stroke, float]] = (),
) -> Evaluation:
    """Greedy one-to-one matching by temporal IoU, same hand only; progress events are not matched.

    ``emitted_s`` (parallel to ``strokes``) gives the emit time used for latency when a stroke has
    no ``reported_s``. Detections mostly inside an ``unseen`` stroke are dropped, not counted.
    ``progress`` (events of runs still going, with their emit times) only serves the per-repetition
    latency of matched runs.
    """
    indexed = [(j, stroke) for j, stroke in enumerate(strokes) if is_final(stroke)]
    candidates = []
    for i, label in enumerate(labels):
        for j, stroke in indexed:
            if stroke.hand != label.hand:
                continue
            iou = temporal_iou(label.start_s, label.end_s, stroke.start_s, stroke.end_s)
            if iou >= min_iou:
                candidates.append((iou, i, j))
    used_labels: set[int] = set()
    used_strokes: set[int] = set()
    evaluation = Evaluation(sessions=1)
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i in used_labels or j in used_strokes:
            continue
        used_labels.add(i)
        used_strokes.add(j)
        evaluation.pairs.append((labels[i], strokes[j]))
        emitted = emitted_s[j] if emitted_s is not None else None
        reported = reported_time(strokes[j], emitted)
        if reported is not None:
            evaluation.latencies_s.append(reported - labels[i].end_s)
            evaluation.latencies_by_pattern.append((labels[i].pattern, reported - labels[i].end_s))
        if strokes[j].pattern == labels[i].pattern:
            cycles = cycle_latencies_with_recognition(labels[i], strokes[j], emitted, progress)
            evaluation.cycle_latencies_s += [latency for latency, _ in cycles]
            evaluation.cycle_latencies_recognised += cycles
    evaluation.missed = [label for i, label in enumerate(labels) if i not in used_labels]
    evaluation.extra = [
        stroke for j, stroke in indexed
        if j not in used_strokes and not any(_mostly_within(stroke, hidden) for hidden in unseen)
    ]
    return evaluation


def evaluate_session(session: EvalSession, engine: "StrokeEngine | None" = None,
                     timing_runs: int = 1) -> tuple[Evaluation, EngineRun]:
    """Run the engine over one session's frames and match its final strokes to the labels.

    ``timing_runs`` > 1 runs a fresh engine over the same frames that many times in all and keeps
    each frame's lowest cost (the engine is deterministic, so the runs differ only by what the
    machine did meanwhile: another program on a core, a cache flushed); the strokes are the first
    run's. Python's collector is kept off the benchmark's own data meanwhile (``gc.freeze``): a
    session's tens of thousands of frames, held only by the benchmark, would otherwise be scanned
    in whichever engine update triggered a full collection.
    """
    if timing_runs > 1 and engine is not None:
        raise ValueError("timing_runs > 1 needs the default engine (each run makes a fresh one)")
    frames = list(session.frames)
    gc.collect()
    gc.freeze()
    try:
        run = run_engine_timed(frames, engine)
        costs = [run.engine_ms]
        for _ in range(timing_runs - 1):
            costs.append(run_engine_timed(frames).engine_ms)
    finally:
        gc.unfreeze()
    if len(costs) > 1:
        run = replace(run, engine_ms=[float(value) for value in np.min(costs, axis=0)])
    evaluation = match_strokes(session.labels, run.strokes, run.emitted_s, session.unseen, progress=run.progress)
    evaluation.engine_ms = list(run.engine_ms)
    return evaluation, run
