"""Stroke engine cost per frame (thread CPU), which heavy job the costliest frames ran, and the ratio to a baseline.

Issue 10's target: StrokeEngine.update costs p99 ≤ 2 ms and at most 10 ms in any frame (thread CPU
time on a 2-core machine). On a busy machine thread CPU time rises too (shared caches and cores),
so each session is run ``--repeats`` times and a frame's cost is its minimum over the runs; with
``--baseline DIR`` (the root of another checkout, e.g. made by ``git worktree add`` or ``git
archive``) that tree's engine runs the same frames alternated with this one in the same process,
and the figures are given as ratios to it. Data: the quick TUNING sessions of the generated
families (coach.evaluation.families.tuning_sessions), or with ``--family real`` the real-pixel
tuning clips (tracked, with the head's motion read round the hand); the face fit is done once
beforehand and is not counted.

The frames at or above the p99 are attributed to the heavy jobs that ran in them (a run check, a
slide timed, the run watch, a contact closed, glides re-judged after a face loss) from one more,
instrumented run.

Run: .venv/bin/python benchmarks/bench_engine_cost.py [--family synthetic|minjerk|real ...] [--repeats 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import collections
import functools
import gc
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.evaluation.families import tuning_sessions  # noqa: E402
from coach.geometry import FaceFrameFitter  # noqa: E402

TARGET_P99_MS = 2.0
TARGET_WORST_MS = 10.0
HEAVY_JOBS = ("_check_run", "_end_leg", "_watch_run", "_end_contact", "_rejudge_hidden_glides")
"""StrokeEngine methods that do a frame's heavy work (run check, slide timing, run watch, contact
close, re-judgement after a face loss)."""


def load_engine_class(root: Path) -> type:
    """StrokeEngine of the checkout at ``root``, imported beside this one (its own coach modules)."""
    saved = {name: module for name, module in sys.modules.items() if name == "coach" or name.startswith("coach.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("coach.strokes.engine").StrokeEngine
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == "coach" or name.startswith("coach.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_costs(engine_class: type, frames: list, poses: list) -> np.ndarray:
    """Thread CPU ms of each update (the final flush added to the last frame)."""
    engine = engine_class()
    costs = np.zeros(len(frames))
    for index, (tracked, pose) in enumerate(zip(frames, poses)):
        started = time.thread_time_ns()
        engine.update(tracked, pose)
        costs[index] = (time.thread_time_ns() - started) / 1e6
    started = time.thread_time_ns()
    engine.flush()
    costs[-1] += (time.thread_time_ns() - started) / 1e6
    return costs


def jobs_per_frame(engine_class: type, frames: list, poses: list) -> list[set[str]]:
    """Which heavy jobs ran in each frame (one instrumented run; its timings are not used)."""
    ran: list[set[str]] = [set() for _ in frames]
    current = [0]
    engine = engine_class()

    def watched(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*arguments: Any, **keywords: Any) -> Any:
            ran[current[0]].add(name)
            return method(*arguments, **keywords)
        return call

    for name in HEAVY_JOBS:
        if hasattr(engine, name):
            setattr(engine, name, watched(name, getattr(engine, name)))
    for index, (tracked, pose) in enumerate(zip(frames, poses)):
        current[0] = index
        engine.update(tracked, pose)
    engine.flush()
    return ran


def figures(costs: np.ndarray) -> tuple[float, float, float, float, float]:
    return (float(costs.mean()), float(np.percentile(costs, 50)), float(np.percentile(costs, 95)),
            float(np.percentile(costs, 99)), float(costs.max()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--family", choices=("synthetic", "minjerk", "real"), action="append",
                        help="tuning family (repeatable; default synthetic and minjerk; real: the real-pixel tuning clips, tracked)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per session and engine; a frame's cost is its minimum")
    parser.add_argument("--baseline", type=Path, help="root of another checkout whose engine to compare with")
    arguments = parser.parse_args(argv)
    if arguments.baseline is not None and not (arguments.baseline / "coach" / "strokes" / "engine.py").is_file():
        print(f"--baseline {arguments.baseline}: no coach/strokes/engine.py there; give the root of a checkout "
              "(e.g. made with `git worktree add DIR REF`).")
        return 2
    if arguments.repeats < 1:
        print("--repeats must be at least 1.")
        return 2
    families = arguments.family or ["synthetic", "minjerk"]
    engines: dict[str, type] = {"this": load_engine_class(ROOT)}
    if arguments.baseline is not None:
        engines = {"baseline": load_engine_class(arguments.baseline.resolve()), **engines}
    print(f"Stroke engine cost per frame (thread CPU, minimum of {arguments.repeats} alternated runs per frame; "
          f"quick TUNING sessions); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for family in families:
        costs: dict[str, list[np.ndarray]] = {name: [] for name in engines}
        jobs: list[set[str]] = []
        sessions = 0
        for session in tuning_sessions(family, quick=True):
            fitter = FaceFrameFitter()
            poses = [fitter.fit(f.face, f.width, f.height) if f.face is not None else None for f in session.frames]
            if sessions == 0:
                for engine_class in engines.values():  # warm up: lazy tables and imports are not a frame's cost
                    run_costs(engine_class, session.frames[:300], poses[:300])
            gc.collect()
            runs: dict[str, list[np.ndarray]] = {name: [] for name in engines}
            for repeat in range(arguments.repeats):
                order = list(engines.items()) if repeat % 2 == 0 else list(reversed(engines.items()))
                for name, engine_class in order:
                    runs[name].append(run_costs(engine_class, session.frames, poses))
            for name in engines:
                costs[name].append(np.min(runs[name], axis=0))
            jobs += jobs_per_frame(engines["this"], session.frames, poses)
            sessions += 1
        print(f"\n== {family}: {sessions} quick tuning sessions, {len(jobs)} frames")
        for name in engines:
            mean, p50, p95, p99, worst = figures(np.concatenate(costs[name]))
            print(f"  {name:9s} mean {mean:.3f}  p50 {p50:.3f}  p95 {p95:.3f}  p99 {p99:.3f} ms (target <= {TARGET_P99_MS:g})  "
                  f"worst {worst:.2f} ms (target <= {TARGET_WORST_MS:g})")
        if "baseline" in engines:
            before, after = figures(np.concatenate(costs["baseline"])), figures(np.concatenate(costs["this"]))
            print("  ratio     " + "  ".join(f"{label} {a / b:.2f}x" for label, a, b in
                                             zip(("mean", "p50", "p95", "p99", "worst"), after, before)))
        this = np.concatenate(costs["this"])
        heavy = this >= np.percentile(this, 99)
        combinations = collections.Counter(" + ".join(sorted(jobs[index])) or "(none)" for index in np.flatnonzero(heavy))
        print(f"  frames at or above this tree's p99 ({int(heavy.sum())}), by the heavy jobs they ran:")
        for combination, count in combinations.most_common(6):
            print(f"    {count:4d}  {combination}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
