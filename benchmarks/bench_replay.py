"""Replay speed: `coach replay` against a plain serial MediaPipe loop over the same real clip.

Both run as whole processes (start-up and model loading included), alternately (in ABBA order),
several rounds each, on the same clips:

- a real clip from ../shared/media/videos (``lp_face_d3.mp4`` unless ``--clip``), and
- a 640×480 clip made here from a real one with a hand in front of the face
  (``mps_gesture_woman_hand_in_front_of_face.mp4``, centre-cropped to 4:3 and scaled), so both
  models do their real work.

The plain loop decodes the clip with cv2 and runs Face Mesh then Hands on every frame (the
tracker's settings, video mode: Face Mesh asked for one face, Hands for two), nothing else. coach
also looks for a second face once a second (coach.perception.second_search), which the plain loop
does not: that look is counted against coach. (Until session 18 the plain loop asked Face Mesh for
two faces, as the tracker once did, which made its every frame ~3 ms dearer than coach's and
flattered coach's ratio: 1.41× on the real clip in session 17.) `coach replay CLIP --no-video --no-html` does that
and the whole analysis. Printed, per clip, the medians and, beside their targets (issue 11):

- wall: plain / coach            target ≥ 1.2 (coach faster than the plain loop)
- CPU (user+sys): coach / plain  target ≤ 1.1

and the system time of each, with the load average (the machine is shared: absolute times are
noisy, the ratios of interleaved runs are what is compared). ``--blas-check`` adds two variants
that show what limiting BLAS threads does: `coach replay` with BLAS threads = cores (what it did
before; coach keeps a user's own setting) and the plain loop with one BLAS thread (MediaPipe must
not be slowed by the limit).

    .venv/bin/python benchmarks/bench_replay.py [--rounds 3] [--clip PATH] [--side-by-side] [--blas-check] [--baseline DIR]

``--side-by-side`` adds the ceiling: the same two models on two threads, Hands queued on the next
frame as coach does, and nothing else (no smoothing, analysis or report); no replay that runs both
stock models on every frame can be faster than that. coach can pass it where a hand is in view: its
Hands graph looks for a second hand on one frame in three only (coach.perception.hands_graph).

``--baseline DIR`` adds another version of coach (DIR holds its ``coach/`` package, e.g. from
``git archive main coach | tar -x -C DIR``) to the same rounds, for before/after ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))
DEFAULT_CLIP = MEDIA_DIR / "videos" / "lp_face_d3.mp4"
HAND_CLIP = MEDIA_DIR / "videos" / "mps_gesture_woman_hand_in_front_of_face.mp4"
TARGET_WALL_SPEEDUP = 1.2
TARGET_CPU_RATIO = 1.1
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")

PLAIN_LOOP = """
import sys
import cv2
import mediapipe as mp

capture = cv2.VideoCapture(sys.argv[1])
frames = 0
with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True) as face_mesh, \\
        mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands:
    while True:
        ok, image = capture.read()
        if not ok:
            break
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        face_mesh.process(rgb)
        hands.process(rgb)
        frames += 1
print(frames)
"""

# The ceiling: the same two models side by side on two threads (Hands queued on the next frame before
# Face Mesh starts on this one, as coach does), and nothing else: no smoothing, no analysis, no report.
SIDE_BY_SIDE_LOOP = """
import sys
from concurrent.futures import ThreadPoolExecutor
import cv2
import mediapipe as mp

capture = cv2.VideoCapture(sys.argv[1])
frames = 0

def read():
    ok, image = capture.read()
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if ok else None

with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True) as face_mesh, \\
        mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands, \\
        ThreadPoolExecutor(1) as side:
    rgb = read()
    pending = side.submit(hands.process, rgb) if rgb is not None else None
    while rgb is not None:
        next_rgb = read()
        next_pending = side.submit(hands.process, next_rgb) if next_rgb is not None else None
        face_mesh.process(rgb)
        pending.result()
        rgb, pending = next_rgb, next_pending
        frames += 1
print(frames)
"""


@dataclass(frozen=True)
class Run:
    wall_s: float
    user_s: float
    sys_s: float

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_process(command: list[str], env: dict[str, str]) -> Run:
    """Run one whole process; its wall time and its own CPU (from wait4, children included)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{errors.decode(errors='replace')[-2000:]}")
    return Run(wall, usage.ru_utime, usage.ru_stime)


def make_640x480(source: Path, out_path: Path) -> None:
    """Centre-crop a real clip to 4:3 and scale it to 640×480 (mp4v), keeping its frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    while True:
        ok, image = capture.read()
        if not ok:
            break
        height, width = image.shape[:2]
        crop_width = min(width, height * 4 // 3)
        left = (width - crop_width) // 2
        writer.write(cv2.resize(image[:, left : left + crop_width], (640, 480), interpolation=cv2.INTER_AREA))
    capture.release()
    writer.release()


def clean_environment() -> dict[str, str]:
    """This process's environment without BLAS thread settings, so each variant sets its own."""
    return {key: value for key, value in os.environ.items() if key not in BLAS_VARIABLES}


def bench_clip(clip: Path, rounds: int, blas_check: bool, out_dir: Path, baseline: Path | None = None,
               side_by_side: bool = False) -> None:
    coach = str(Path(sys.executable).parent / "coach")
    base_env = clean_environment()
    cores = str(os.cpu_count() or 2)
    variants: dict[str, tuple[list[str], dict[str, str]]] = {
        "plain loop": ([sys.executable, "-c", PLAIN_LOOP, str(clip)], base_env),
        "coach replay": ([coach, "replay", str(clip), "--out", str(out_dir), "--no-video", "--no-html"], base_env),
    }
    if side_by_side:
        variants["the two models side by side"] = ([sys.executable, "-c", SIDE_BY_SIDE_LOOP, str(clip)], base_env)
    if baseline is not None:
        # Another version of coach (e.g. `git archive main coach | tar -x -C /tmp/base`) in the same
        # rounds: before/after ratios that the machine's load cannot skew.
        variants["coach replay, baseline"] = (
            [sys.executable, "-m", "coach", "replay", str(clip), "--out", str(out_dir), "--no-video", "--no-html"],
            {**base_env, "PYTHONPATH": str(baseline)},
        )
    if blas_check:
        variants["coach replay, BLAS threads = cores"] = (
            variants["coach replay"][0], {**base_env, **{name: cores for name in BLAS_VARIABLES}},
        )
        variants["plain loop, 1 BLAS thread"] = (variants["plain loop"][0], {**base_env, **{name: "1" for name in BLAS_VARIABLES}})
    runs: dict[str, list[Run]] = {name: [] for name in variants}
    for round_index in range(rounds):
        # ABBA order: a load that drifts during the run does not always favour the same variant.
        order = list(variants.items()) if round_index % 2 == 0 else list(reversed(variants.items()))
        for name, (command, env) in order:
            runs[name].append(run_process(command, env))
            last = runs[name][-1]
            print(f"  round {round_index + 1} {name:36s} wall {last.wall_s:6.1f} s  user {last.user_s:6.1f} s  sys {last.sys_s:5.1f} s", flush=True)

    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs[name])

    print(f"medians over {rounds} rounds:")
    for name in variants:
        print(f"  {name:36s} wall {median(name, 'wall_s'):6.1f} s  CPU {median(name, 'cpu_s'):6.1f} s "
              f"(sys {median(name, 'sys_s'):4.1f} s)")
    speedup = median("plain loop", "wall_s") / median("coach replay", "wall_s")
    cpu_ratio = median("coach replay", "cpu_s") / median("plain loop", "cpu_s")
    print(f"  wall, plain / coach        {speedup:5.3f}x   target ≥ {TARGET_WALL_SPEEDUP}   "
          f"{'ok' if speedup >= TARGET_WALL_SPEEDUP else 'MISSED'}")
    print(f"  CPU, coach / plain         {cpu_ratio:5.3f}x   target ≤ {TARGET_CPU_RATIO}   "
          f"{'ok' if cpu_ratio <= TARGET_CPU_RATIO else 'MISSED'}")
    if side_by_side:
        ceiling = median("plain loop", "wall_s") / median("the two models side by side", "wall_s")
        print(f"  wall, plain / side by side {ceiling:5.3f}x   (the most a replay running both stock models on every frame "
              f"gains here; coach reaches {speedup / ceiling:.0%} of it)")
    if baseline is not None:
        before = median("coach replay, baseline", "wall_s") / median("coach replay", "wall_s")
        cpu_before = median("coach replay", "cpu_s") / median("coach replay, baseline", "cpu_s")
        print(f"  wall, baseline / coach     {before:5.2f}x   (> 1: this coach is faster than the baseline)")
        print(f"  CPU, coach / baseline      {cpu_before:5.2f}x   (< 1: this coach uses less CPU)")
        print(f"  wall, plain / baseline     {median('plain loop', 'wall_s') / median('coach replay, baseline', 'wall_s'):5.2f}x")
    if blas_check:
        unlimited = "coach replay, BLAS threads = cores"
        print(f"  sys time, coach with BLAS threads = cores → coach (1 thread): "
              f"{median(unlimited, 'sys_s'):.1f} s → {median('coach replay', 'sys_s'):.1f} s; "
              f"CPU {median(unlimited, 'cpu_s'):.1f} s → {median('coach replay', 'cpu_s'):.1f} s")
        limited = median("plain loop, 1 BLAS thread", "wall_s") / median("plain loop", "wall_s")
        print(f"  plain loop wall with 1 BLAS thread / default: {limited:.2f}x (≈ 1: MediaPipe is not slowed by the limit)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clip", type=Path, default=None, help=f"a real clip (default {DEFAULT_CLIP.name})")
    parser.add_argument("--no-640", action="store_true", help="skip the 640×480 clip")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a folder holding another version's coach/ package: also run it, for before/after ratios")
    parser.add_argument("--side-by-side", action="store_true",
                        help="also run the two models side by side and nothing else: the ceiling for any replay")
    parser.add_argument("--blas-check", action="store_true", help="also run with BLAS threads = cores, and the plain loop limited")
    args = parser.parse_args()
    clip = args.clip or DEFAULT_CLIP
    if not clip.is_file():
        print(f"{clip}: clip not found; put the shared media at {MEDIA_DIR} or pass --clip PATH", file=sys.stderr)
        return 2
    if args.baseline is not None and not (args.baseline / "coach" / "__init__.py").is_file():
        print(f"{args.baseline}: no coach/ package in it; extract one there (git archive main coach | tar -x -C DIR)", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start (other programs share the cores)")
    with tempfile.TemporaryDirectory(prefix="coach-bench-replay-") as folder:
        clips = [clip]
        if not args.no_640 and HAND_CLIP.is_file():
            small = Path(folder) / "hand_in_front_of_face_640x480.mp4"
            make_640x480(HAND_CLIP, small)
            clips.append(small)
        for path in clips:
            import cv2

            capture = cv2.VideoCapture(str(path))
            size = f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            capture.release()
            print(f"\n{path.name}: {size}, {count} frames")
            bench_clip(path, args.rounds, args.blas_check, Path(folder) / "report", args.baseline, args.side_by_side)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
