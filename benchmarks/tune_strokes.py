"""The stroke engine on its TUNING sets only, with constants overridden from the command line.

Why: a threshold may be moved only on data the benchmark never grades (see
coach.evaluation.families). This script is how a change is tried: it runs the engine over the
tuning sets, optionally with some of its module constants replaced, and prints the figures that
decide whether the change is kept. It never touches an evaluation set.

Sets:
  synthetic  coach.synthetic TUNING_SEEDS (5000–5029)
  minjerk    coach.evaluation.minjerk tuning seeds (7000–7029)
  real       the real-pixel TUNING clips (other faces and hand photos than family (c)'s)
  fresh      coach.synthetic seeds 5030–5089: more tuning seeds, never used by any benchmark, kept
             to see whether a change that helps 5000–5029 only fits those sessions

Examples:
  .venv/bin/python benchmarks/tune_strokes.py                         # every set, today's engine
  .venv/bin/python benchmarks/tune_strokes.py --set real -v           # misses and extras listed
  .venv/bin/python benchmarks/tune_strokes.py glides.MAX_LIFT_CHANGE=0.09 signals.SMOOTH_SAMPLES=5

An override NAME=VALUE is ``module.CONSTANT=python-literal`` for a module of coach.strokes; it is
set in every worker before the engine runs (the engine reads its constants at call time).
Generated sessions are kept pickled in the bench cache (``COACH_BENCH_CACHE``, named by a hash
of the generators' code), so a second run starts at once.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import os
import pickle
import sys
import time
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.evaluation.families import synthetic_session, tuning_sessions  # noqa: E402
from coach.evaluation.matching import EvalSession, Evaluation, evaluate_session  # noqa: E402
from coach.evaluation.tracking_cache import cache_dir, tracker_version  # noqa: E402
from coach.native_logs import NativeLogCapture, quiet_native_environment  # noqa: E402

SETS: tuple[str, ...] = ("synthetic", "minjerk", "real", "fresh")
FRESH_SEEDS: tuple[int, ...] = tuple(range(5030, 5090))
COLUMNS: tuple[tuple[str, str], ...] = (
    ("F1", "detection_f1"), ("P", "precision"), ("R", "recall"), ("pattern", "pattern_accuracy"),
    ("dir", "glide_direction_accuracy"), ("region", "region_accuracy"), ("speed", "glide_speed_median_rel_error"),
    ("rate", "rate_median_rel_error"), ("lat95", "latency_p95_s"), ("glide95", "glide_latency_p95_s"),
)
REPO = Path(__file__).resolve().parents[1]
_COMMON = ("coach/evaluation/families.py", "coach/types.py")
GENERATOR_FILES: dict[str, tuple[str, ...]] = {
    "synthetic": ("coach/synthetic.py", *_COMMON),
    "fresh": ("coach/synthetic.py", *_COMMON),
    "minjerk": ("coach/evaluation/minjerk.py", *_COMMON),
    "real": ("coach/evaluation/composites.py", "coach/evaluation/tracking_cache.py", *_COMMON),
}
"""What decides each set's sessions (a change to any of them makes a new cache file)."""


def parse_override(text: str) -> tuple[str, str, object]:
    """``module.NAME=literal`` → (module, NAME, value); a ValueError names what is wrong."""
    name, sep, literal = text.partition("=")
    module, dot, constant = name.rpartition(".")
    if not sep or not dot:
        raise ValueError(f"override {text!r}: write module.NAME=VALUE, e.g. glides.MAX_LIFT_CHANGE=0.09")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError) as error:
        raise ValueError(f"override {text!r}: {literal!r} is not a Python literal") from error
    target = importlib.import_module(f"coach.strokes.{module}")
    if not hasattr(target, constant):
        raise ValueError(f"override {text!r}: coach.strokes.{module} has no {constant}")
    return module, constant, value


def _apply(overrides: Sequence[tuple[str, str, object]]) -> None:
    for module, constant, value in overrides:
        setattr(importlib.import_module(f"coach.strokes.{module}"), constant, value)


def _worker_evaluate(job: tuple[EvalSession, Sequence[tuple[str, str, object]]]) -> tuple[str, Evaluation]:
    session, overrides = job
    _apply(overrides)
    evaluation, _ = evaluate_session(session)
    return session.name, evaluation


def _code_hash(name: str) -> str:
    digest = hashlib.sha256()
    for relative in GENERATOR_FILES[name]:
        digest.update((REPO / relative).read_bytes())
    if name == "real":
        # The tracking code (and MediaPipe's version) decides the real set's landmarks too.
        digest.update(tracker_version().encode())
    return digest.hexdigest()[:16]


def sessions_of(name: str) -> list[EvalSession]:
    """A tuning set's sessions, from the pickle cache when the generators' code is unchanged."""
    path = cache_dir() / "tuning-sets" / f"{name}-{_code_hash(name)}.pkl"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own cache file
    if name == "fresh":
        sessions = [synthetic_session(seed) for seed in FRESH_SEEDS]
    else:
        sessions = list(tuning_sessions(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    with part.open("wb") as handle:
        pickle.dump(sessions, handle, protocol=pickle.HIGHEST_PROTOCOL)
    part.replace(path)
    return sessions


def run_set(name: str, overrides: Sequence[tuple[str, str, object]], workers: int) -> tuple[Evaluation, list[tuple[EvalSession, Evaluation]]]:
    sessions = sessions_of(name)
    jobs = [(session, overrides) for session in sessions]
    with Pool(workers) as pool:
        results = pool.map(_worker_evaluate, jobs, chunksize=1)
    total = Evaluation()
    per_session = []
    for session, (_, evaluation) in zip(sessions, results):
        total.add(evaluation)
        per_session.append((session, evaluation))
    return total, per_session


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("overrides", nargs="*", help="module.NAME=VALUE for a constant of coach.strokes")
    parser.add_argument("--set", dest="sets", action="append", choices=SETS, help="set to run (repeatable; default all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each set's misses, extras and wrong attributes")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    arguments = parser.parse_args(argv)
    try:
        overrides = [parse_override(text) for text in arguments.overrides]
    except (ValueError, ImportError) as error:
        print(f"tune_strokes: {error}", file=sys.stderr)
        return 2
    quiet_native_environment()
    NativeLogCapture().start()  # MediaPipe's C++ log lines, while the real set is tracked the first time
    if arguments.verbose:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_strokes import print_session_details
    print("TUNING sets only" + (f"; overrides: {' '.join(arguments.overrides)}" if overrides else "; today's constants"))
    print(f"{'set':10s}" + "".join(f"{title:>8s}" for title, _ in COLUMNS) + "   labels  extra  missed")
    for name in arguments.sets or SETS:
        started = time.perf_counter()
        total, per_session = run_set(name, overrides, arguments.workers)
        figures = total.figures()
        print(f"{name:10s}" + "".join(f"{_fmt(figures.get(key)):>8s}" for _, key in COLUMNS)
              + f"   {figures['labels']:6d} {len(total.extra):6d} {len(total.missed):7d}   ({time.perf_counter() - started:.0f} s)",
              flush=True)
        if arguments.verbose:
            for session, evaluation in per_session:
                print_session_details(session, evaluation)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
