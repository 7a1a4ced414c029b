"""Overlay cost per 640×480 frame (target ≤ 4 ms), on a real face pose from the portrait.

The portrait is fitted into a 640×480 frame, MediaPipe finds its face once, and the overlay is
rendered for a glide step (region, arrow, ghost), a circle step, a tap step, with a contact trail,
the last stroke and the status line, in both plain and mirrored views. Prints ms per frame
(median and 95th percentile) beside the target.

    .venv/bin/python benchmarks/bench_render.py [--frames 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import matplotlib  # noqa: E402
import mediapipe as mp  # noqa: E402
import numpy as np  # noqa: E402

from coach.geometry import FaceFrameFitter, FaceRegions  # noqa: E402
from coach.render.overlay import OverlayRenderer, qimage_to_numpy  # noqa: E402
from coach.types import (  # noqa: E402
    ContactPoint,
    FaceLandmarks,
    FrameResult,
    ScoredStroke,
    StepProgress,
    Stroke,
    StrokeScore,
    TrackedFrame,
)

TARGET_MS = 4.0
WIDTH, HEIGHT = 640, 480


def portrait_frame() -> np.ndarray:
    """The portrait scaled to 480 rows and centred on a 640×480 canvas, like a webcam frame."""
    portrait = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    scale = HEIGHT / portrait.shape[0]
    resized = cv2.resize(portrait, (round(portrait.shape[1] * scale), HEIGHT))
    canvas = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    left = (WIDTH - resized.shape[1]) // 2
    canvas[:, left : left + resized.shape[1]] = resized
    return canvas


def face_landmarks(image: np.ndarray) -> FaceLandmarks:
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1) as mesh:
        found = mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    if not found.multi_face_landmarks:
        raise SystemExit("no face found in the portrait frame")
    return FaceLandmarks(np.array([[p.x, p.y, p.z] for p in found.multi_face_landmarks[0].landmark]))


def results(image: np.ndarray, frames: int) -> list[FrameResult]:
    """A stream of FrameResults that exercise every layer of the overlay."""
    face = face_landmarks(image)
    fitter = FaceFrameFitter()
    glide = np.array([[0.3 + 0.4 * t, -0.45 + 0.3 * t] for t in np.linspace(0.0, 1.0, 24)])
    angles = np.linspace(0.0, 2 * np.pi, 32, endpoint=False)
    circle = np.column_stack([0.55 + 0.08 * np.cos(angles), -0.35 + 0.08 * np.sin(angles)])
    steps = [
        ("Cheek lift", "left_cheek", "glide", "up-out", glide, 0.3, None),
        ("Temple circles", "left_cheek", "circle", "outward", circle, None, 1.0),
        ("Forehead taps", "forehead", "tap", None, np.array([[0.0, 0.5]]), None, 4.0),
    ]
    stroke = Stroke(0.0, 1.0, "left", "left_cheek", "glide", "up-out", 0.35, 1, None, path_fu=glide + [0.02, -0.05])
    last = ScoredStroke(stroke, StrokeScore(0, 72.0, {}, ("Slow down", "Stay on the left cheek"), True))
    out: list[FrameResult] = []
    for index in range(frames):
        time_s = index / 30.0
        # Re-fit every frame from slightly moved landmarks, as live tracking does: no pose is reused.
        moved = FaceLandmarks(face.points_norm + np.array([0.002 * np.sin(time_s), 0.0, 0.0]))
        pose = fitter.fit(moved, WIDTH, HEIGHT)
        name, region, pattern, direction, path, speed, rate = steps[(index // 50) % len(steps)]
        progress = StepProgress("bench", 0, 3, name, "Glide up and out along the cheekbone", "left", region,
                                pattern, direction, 3, 6, path, speed, rate)
        trail_fu = glide[: 4 + index % 20] + [0.03, -0.05]
        tip_fu = trail_fu[-1:]
        contact = ContactPoint("left", pose.face_to_image(tip_fu)[0], tip_fu[0], True)
        tracked = TrackedFrame(index, time_s, WIDTH, HEIGHT, moved)
        out.append(FrameResult(tracked, pose, (contact,), {"left": trail_fu}, (), last, progress,
                               "Show your hand to the camera" if index % 2 else ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--save", type=Path, help="write one rendered frame here (PNG)")
    args = parser.parse_args()
    image = portrait_frame()
    stream = results(image, args.frames)
    regions = FaceRegions()
    for label, mirrored, background in (("video frame", False, image), ("video frame, mirrored", True, image),
                                        ("no video (landmarks)", False, None)):
        renderer = OverlayRenderer(regions, mirrored=mirrored)
        renderer.render(background, stream[0])  # warm-up: fonts, caches
        timings: list[float] = []
        for result in stream:
            started = time.perf_counter()
            renderer.render(background, result)
            timings.append((time.perf_counter() - started) * 1000.0)
        timings.sort()
        median = statistics.median(timings)
        p95 = timings[int(0.95 * (len(timings) - 1))]
        verdict = "ok" if median <= TARGET_MS else "OVER TARGET"
        print(f"overlay {label:24s} {WIDTH}x{HEIGHT}: median {median:5.2f} ms, p95 {p95:5.2f} ms "
              f"per frame (target ≤ {TARGET_MS:.0f} ms median) {verdict}")
    if args.save:
        cv2.imwrite(str(args.save), qimage_to_numpy(OverlayRenderer(regions).render(image, stream[10])))


if __name__ == "__main__":
    main()
