"""What checking every recording value costs (issue 12), as a ratio to bare JSON parsing.

The reader checks each frame line's type, finiteness and range (times, landmarks, scores) on top
of parsing it. Both are timed here on the bundled demo recording, in the same process and
interleaved (so machine load affects both alike); the figure is the ratio of the medians.

    .venv/bin/python benchmarks/bench_inputs.py [--rounds 5]

Target: the checked read takes at most 2x the bare `json.loads` of the same lines (the checks
must not make replaying a recording noticeably slower than reading it).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

from coach.recording import read_recording

REPO_DIR = Path(__file__).resolve().parents[1]
DEMO = REPO_DIR / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
TARGET_RATIO = 2.0


def bare_parse(path: Path) -> int:
    """Decompress and json.loads every line: the least any reader must do."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return sum(1 for line in handle if json.loads(line) is not None) - 1


def checked_read(path: Path) -> int:
    return sum(1 for _ in read_recording(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bare: list[float] = []
    checked: list[float] = []
    frames = 0
    for _ in range(args.rounds):
        for sink, work in ((bare, bare_parse), (checked, checked_read)):
            started = time.perf_counter()
            frames = work(DEMO)
            sink.append(time.perf_counter() - started)
    ratio = statistics.median(checked) / statistics.median(bare)
    print(f"{frames} frames: bare json.loads median {statistics.median(bare) * 1000 / frames:.2f} ms/frame, "
          f"checked read {statistics.median(checked) * 1000 / frames:.2f} ms/frame")
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"checked / bare = {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict} the target")


if __name__ == "__main__":
    main()
