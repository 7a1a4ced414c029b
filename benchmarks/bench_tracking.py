"""Tracking throughput: our Tracker against a bare MediaPipe loop over the same 640×480 frames.

Target: Tracker fps >= 0.90 × bare MediaPipe fps (our conversion, subject choice, handedness and
smoothing cost at most 10%). Both run in this process on the same in-memory clip (the portrait
moved, scaled and rotated smoothly), alternating several times so that machine noise hits both
alike; the median round is reported.

Run: .venv/bin/python benchmarks/bench_tracking.py [--frames 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import cv2
import matplotlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.perception import Tracker  # noqa: E402
from coach.types import Frame  # noqa: E402

WIDTH, HEIGHT = 640, 480
TARGET_RATIO = 0.90


def build_clip(frame_count: int) -> list[np.ndarray]:
    """The portrait on a 640×480 canvas, drifting, zooming and rolling smoothly like a moving head."""
    portrait = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    scale = 380 / portrait.shape[0]
    face = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    top, left = (HEIGHT - face.shape[0]) // 2, (WIDTH - face.shape[1]) // 2
    canvas[top : top + face.shape[0], left : left + face.shape[1]] = face
    frames = []
    for index in range(frame_count):
        phase = 2 * math.pi * index / frame_count
        angle_deg = 12 * math.sin(phase)
        zoom = 1.0 + 0.12 * math.sin(2 * phase)
        matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle_deg, zoom)
        matrix[:, 2] += (60 * math.sin(phase), 25 * math.sin(3 * phase))
        frames.append(cv2.warpAffine(canvas, matrix, (WIDTH, HEIGHT), borderValue=(90, 90, 90)))
    return frames


def run_bare(images: list[np.ndarray]) -> float:
    """Seconds for the plain MediaPipe loop with the tracker's settings (video mode)."""
    import mediapipe as mp

    with mp.solutions.face_mesh.FaceMesh(
        static_image_mode=False, max_num_faces=2, refine_landmarks=True
    ) as face_mesh, mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands:
        started = time.perf_counter()
        for image in images:
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            face_mesh.process(rgb)
            hands.process(rgb)
        return time.perf_counter() - started


def run_tracker(images: list[np.ndarray], fps: float) -> tuple[float, dict[str, float], float]:
    """Seconds for our Tracker (video mode, smoothing on), its mean per-stage ms, and face rate."""
    with Tracker(mode="video", smoothing=True) as tracker:
        started = time.perf_counter()
        faces = 0
        for index, image in enumerate(images):
            faces += tracker.track(Frame(index, index / fps, image)).face is not None
        elapsed = time.perf_counter() - started
        stages = {name: timing.mean_ms for name, timing in tracker.timings.items()}
    return elapsed, stages, faces / len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    images = build_clip(args.frames)

    run_bare(images[:10])  # warm-up: first graph build, caches
    bare_fps, tracker_fps, ratios = [], [], []
    stages_by_round: list[dict[str, float]] = []
    face_rate = 0.0
    for round_index in range(args.rounds):
        # Alternate which goes first so that neither always gets the cooler CPU.
        order = ("bare", "tracker") if round_index % 2 == 0 else ("tracker", "bare")
        results: dict[str, float] = {}
        for which in order:
            if which == "bare":
                results["bare"] = len(images) / run_bare(images)
            else:
                elapsed, stages, face_rate = run_tracker(images, 30.0)
                results["tracker"] = len(images) / elapsed
                stages_by_round.append(stages)
        bare_fps.append(results["bare"])
        tracker_fps.append(results["tracker"])
        ratios.append(results["tracker"] / results["bare"])
        print(f"round {round_index + 1}: bare {results['bare']:.1f} fps, tracker {results['tracker']:.1f} fps")

    print(f"clip: {len(images)} frames {WIDTH}x{HEIGHT}, face found in {face_rate:.0%} of frames")
    print(f"bare MediaPipe fps: {statistics.median(bare_fps):.1f}")
    print(f"tracker fps:        {statistics.median(tracker_fps):.1f}")
    print(f"tracker/bare fps ratio: {statistics.median(ratios):.2f} (target >= {TARGET_RATIO:.2f})")
    print("tracker per-stage ms (mean over frames, median over rounds):")
    for stage in stages_by_round[0]:
        value = statistics.median(stages[stage] for stages in stages_by_round)
        print(f"  {stage:<10} {value:7.2f} ms")
    overhead = statistics.median(
        stages["total"] - stages["face"] - stages["hands"] - stages["convert"] for stages in stages_by_round
    )
    print(f"  our overhead beyond MediaPipe and colour conversion: {overhead:.2f} ms/frame")


if __name__ == "__main__":
    main()
