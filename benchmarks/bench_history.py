"""Session history speed: storing a live stroke, and `coach history` over 10,000 sessions.

    .venv/bin/python benchmarks/bench_history.py [--sessions 10000] [--strokes 2000]

Figures, each beside its target:

- **live thread, one stroke** (``LiveHistory.add``, what the live worker calls per frame): p50/p99 ms,
  target p99 ≤ 2 ms. The commit itself happens on the history writer thread;
- **writer thread, one stroke** (``HistoryStore.add_stroke``: one durable transaction, WAL +
  synchronous=FULL): p50/p99 ms, shown as a ratio to a bare sqlite3 INSERT + COMMIT with the same
  settings in the same run (the baseline), so the figure survives a noisy machine;
- **`coach history`** (the last 20) and **`coach history --all`** (every row printed) on a database of
  10,000 sessions with real stroke dicts: wall time of the whole command, interpreter start included,
  target ≤ 1 s; and as a ratio to a bare `python -c "import coach.cli"` start in the same run.

Everything runs in a temporary folder (COACH_DATA_DIR), so the user's history is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

STROKE_P99_TARGET_MS = 2.0
LISTING_TARGET_S = 1.0


def sample_stroke(index: int) -> dict:
    """A stroke dict shaped like report.json's (a 60-point contact path, corrections)."""
    angles = np.linspace(0, 1, 60)
    return {
        "start_s": round(index * 2.1, 3), "end_s": round(index * 2.1 + 1.3, 3), "hand": "left", "region": "left_cheek",
        "pattern": "glide", "direction": "up-out", "speed_fu_s": 0.412, "count": 1, "rate_hz": None, "regularity": 0.87,
        "step": 0, "score": 80.0 + index % 17, "counted": True,
        "feedback": ["Slow down"] if index % 4 == 0 else [],
        "path_fu": [[round(0.4 + 0.3 * a, 4), round(-0.35 + 0.2 * a, 4)] for a in angles],
        "confidence": 0.93, "reported_s": round(index * 2.1 + 1.5, 3),
    }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_stroke_writes(folder: Path, count: int) -> None:
    from coach.storage.history import HistoryStore, SessionStart, now_iso
    from coach.storage.history_writer import LiveHistory

    strokes = [sample_stroke(index) for index in range(count)]

    # Baseline: a bare INSERT + COMMIT of the same JSON with the same journal settings.
    baseline_path = folder / "baseline.sqlite3"
    raw = sqlite3.connect(baseline_path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")
    baseline_ms = []
    for stroke in strokes:
        started = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO t (data) VALUES (?)", (json.dumps(stroke),))
        raw.execute("COMMIT")
        baseline_ms.append((time.perf_counter() - started) * 1000)
    raw.close()

    # The writer thread's work: one durable transaction per stroke.
    store = HistoryStore.open(folder / "writer.sqlite3", durable=True)
    session = store.start_session(SessionStart(now_iso(), "live", "gua_sha"))
    writer_ms = []
    for stroke in strokes:
        started = time.perf_counter()
        store.add_stroke(session, stroke)
        writer_ms.append((time.perf_counter() - started) * 1000)
    store.close()

    # The live thread's cost: LiveHistory.add, paced at 30 frames a second like the worker.
    live = LiveHistory(path=folder / "live.sqlite3")
    live.begin(None, None, "camera 0")
    live_ms = []
    for stroke in strokes[: min(count, 600)]:
        started = time.perf_counter()
        live.add([stroke])
        live_ms.append((time.perf_counter() - started) * 1000)
        time.sleep(1 / 30)
    stored_id = live.finish({"strokes": strokes[:10], "duration_s": 20.0}, folder / "report")
    live.close()
    assert stored_id is not None and live.suspended_reason is None

    print(f"stroke writes ({count} strokes, {len(live_ms)} through the live path):")
    print(f"  live thread (LiveHistory.add): p50 {percentile(live_ms, 50):.3f} ms, p99 {percentile(live_ms, 99):.3f} ms"
          f"   target p99 <= {STROKE_P99_TARGET_MS:.0f} ms   {'OK' if percentile(live_ms, 99) <= STROKE_P99_TARGET_MS else 'MISSED'}")
    print(f"  writer thread (add_stroke, durable): p50 {percentile(writer_ms, 50):.2f} ms, p99 {percentile(writer_ms, 99):.2f} ms"
          f"   (off the live thread; {'within' if percentile(writer_ms, 99) <= STROKE_P99_TARGET_MS else 'above'} "
          f"{STROKE_P99_TARGET_MS:.0f} ms even so)")
    print(f"  baseline bare INSERT+COMMIT: p50 {percentile(baseline_ms, 50):.2f} ms, p99 {percentile(baseline_ms, 99):.2f} ms;"
          f" add_stroke / baseline p50 = {statistics.median(writer_ms) / statistics.median(baseline_ms):.2f}")


def fill_sessions(path: Path, sessions: int, strokes_per_session: int) -> None:
    from coach.storage.history import HistoryStore, SessionStart

    random.seed(15)
    start = datetime.now(timezone.utc) - timedelta(days=sessions / 2)
    store = HistoryStore.open(path)
    stroke_dicts = [sample_stroke(index) for index in range(strokes_per_session)]
    with store.transaction() as connection:  # one transaction: filling is setup, not what is measured
        for index in range(sessions):
            technique = random.choice(["gua_sha", "lymphatic_drainage", "jade_roller", "tapping"])
            report = {"technique": technique, "duration_s": random.uniform(120, 900), "overall_score": random.uniform(40, 98),
                      "face_found_ratio": 0.97, "hands_found_ratio": 0.8, "partial": False, "strokes": stroke_dicts,
                      "steps": [{"reps_done": 4, "reps_wanted": 6}]}
            when = (start + timedelta(hours=12 * index + random.uniform(0, 3))).isoformat(timespec="seconds")
            session = store._insert_session(connection, SessionStart(when, "replay", technique, source=f"/clips/{index % 50}.mp4"), "complete")
            store._write_summary(connection, session, report, f"/reports/{index}", "complete")
            store._insert_strokes(connection, session, stroke_dicts)
    store.close()


def timed_command(arguments: list[str], environment: dict[str, str], repeats: int) -> tuple[float, int]:
    best = float("inf")
    lines = 0
    for _ in range(repeats):
        started = time.perf_counter()
        completed = subprocess.run(arguments, capture_output=True, text=True, env=environment, check=True)
        best = min(best, time.perf_counter() - started)
        lines = len(completed.stdout.splitlines())
    return best, lines


def bench_listing(folder: Path, sessions: int, strokes_per_session: int, repeats: int) -> None:
    environment = dict(os.environ, COACH_DATA_DIR=str(folder))
    database = folder / "history.sqlite3"
    started = time.perf_counter()
    fill_sessions(database, sessions, strokes_per_session)
    fill_s = time.perf_counter() - started
    size_mb = database.stat().st_size / 1e6
    python = sys.executable
    startup_s, _ = timed_command([python, "-c", "import coach.cli"], environment, repeats)
    last_s, last_lines = timed_command([python, "-m", "coach", "history"], environment, repeats)
    all_s, all_lines = timed_command([python, "-m", "coach", "history", "--all"], environment, repeats)
    print(f"coach history over {sessions} sessions ({sessions * strokes_per_session} strokes, {size_mb:.0f} MB; filled in {fill_s:.1f} s),"
          f" best of {repeats}:")
    for label, seconds, lines in (("coach history", last_s, last_lines), ("coach history --all", all_s, all_lines)):
        print(f"  {label:<20} {seconds:.2f} s ({lines} lines)   target <= {LISTING_TARGET_S:.0f} s   "
              f"{'OK' if seconds <= LISTING_TARGET_S else 'MISSED'};  {seconds / startup_s:.2f}× a bare `import coach.cli` start ({startup_s:.2f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--strokes-per-session", type=int, default=5)
    parser.add_argument("--strokes", type=int, default=2000, help="strokes written in the write benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="coach-bench-history-") as temporary:
        folder = Path(temporary)
        os.environ["COACH_DATA_DIR"] = str(folder)
        bench_stroke_writes(folder, args.strokes)
        bench_listing(folder / "listing", args.sessions, args.strokes_per_session, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
