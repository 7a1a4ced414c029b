"""The two tracker backends side by side on the real-pixel composite clips, in one run.

For each backend (legacy Solutions API in .venv, Tasks API in .venv-tasks, each run as a subprocess
of its own virtual environment, results gathered as JSON): index-fingertip error against the
clips' per-frame ground truth (median and p90, in px and face units), the share of frames with a
face and with a hand, handedness agreement, and fps as a ratio to that backend's bare MediaPipe
loop on the same in-memory frames (each frame through both back to back, alternating which goes
first, so that the load of a shared machine hits both alike; the median over rounds is kept).

Targets (issue 13): Tasks within 10 % of legacy's fingertip error and face/hand detection rates, or
better; Tasks fps >= 0.90 × its bare loop. The verdict line says which backend is better on what;
the automatic default (coach.perception.backends) follows it.

Run: .venv/bin/python benchmarks/bench_backends.py [--rounds 3]
(the worker mode, --worker BACKEND, is what each subprocess runs.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))
INDEX_TIP = 8
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
CLIPS: dict[str, str] = {
    # clip → the subject's hand pasted in it: the pointing cut-out is a right hand (the shared hand
    # photos; tests/test_tracker.py), the open-hand cut-out a left one (legacy Hands labels its
    # source still at 0.97, MANIFEST.tsv).
    "clip_stroke_up_Rcheek_point.mp4": "right",
    "clip_circle_Rcheek205_point.mp4": "right",
    "clip_tap_Lcheek425_point.mp4": "right",
    "clip_circle_Rcheek205_openhand.mp4": "left",
}
REAL_CLIPS: dict[str, str | None] = {
    # Real footage without landmark ground truth: detection rates only (and handedness where known).
    "mps_gesture_woman_hand_in_front_of_face.mp4": "right",  # she raises her right hand
    "slp_webcam_woman_waves_hand_over_face.mp4": None,  # motion blur: the hard case
    "mp_iris_woman_chin_on_hand.gif": None,
}
DETECTION_TOLERANCE = 0.10  # Tasks within 10 % of legacy
FPS_TARGET_RATIO = 0.90
VENVS = {"legacy": REPO_DIR / ".venv" / "bin" / "python", "tasks": REPO_DIR / ".venv-tasks" / "bin" / "python"}


# ---- worker: runs inside one backend's virtual environment


def _load_clip(path: Path) -> tuple[list[Any], dict[int, np.ndarray]]:
    from coach.sources import VideoFileSource

    truth = np.loadtxt(path.with_name(path.stem + "_groundtruth.csv"), delimiter=",", skiprows=1)
    truth_px = {int(row[0]): row[1:].reshape(21, 2) for row in truth}
    with VideoFileSource(path, pacing="fast") as source:
        frames = list(source)
    return frames, truth_px


@contextlib.contextmanager
def _bare_step(backend: str) -> Iterator[Callable[[np.ndarray, int], None]]:
    """One frame of the plain MediaPipe calls with the tracker's settings (video mode)."""
    import cv2
    import mediapipe as mp

    if backend == "legacy":
        with mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=2, refine_landmarks=True
        ) as face_mesh, mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands:

            def legacy_step(image: np.ndarray, timestamp_ms: int) -> None:
                rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                face_mesh.process(rgb)
                hands.process(rgb)

            yield legacy_step
        return
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    from coach.model_bundles import FACE_LANDMARKER, HAND_LANDMARKER, load_verified

    face = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=load_verified(FACE_LANDMARKER)),
        running_mode=vision.RunningMode.VIDEO, num_faces=2))
    hand = vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=load_verified(HAND_LANDMARKER)),
        running_mode=vision.RunningMode.VIDEO, num_hands=2))
    with face, hand:

        def tasks_step(image: np.ndarray, timestamp_ms: int) -> None:
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            face.detect_for_video(mp_image, timestamp_ms)
            hand.detect_for_video(mp_image, timestamp_ms)

        yield tasks_step


def _interleaved_seconds(backend: str, frames: list[Any]) -> tuple[float, float]:
    """Seconds spent by the bare loop and by our tracker on the same frames, stepped side by side.

    Each frame goes through both back to back (alternating which goes first), so the load swings of
    a shared 2-core machine hit both alike and their ratio stays meaningful.
    """
    from coach.perception import create_tracker

    bare_s = tracker_s = 0.0
    with _bare_step(backend) as bare, create_tracker(backend, mode="video") as tracker:
        for index, frame in enumerate(frames):
            timestamp_ms = round(frame.timestamp_s * 1000.0)
            for which in (("bare", "tracker") if index % 2 == 0 else ("tracker", "bare")):
                started = time.perf_counter()
                if which == "bare":
                    bare(frame.image, timestamp_ms)
                    bare_s += time.perf_counter() - started
                else:
                    tracker.track(frame)
                    tracker_s += time.perf_counter() - started
    return bare_s, tracker_s


def _tracker_loop(backend: str, frames: list[Any]) -> tuple[float, list[Any]]:
    from coach.perception import create_tracker

    with create_tracker(backend, mode="video") as tracker:
        started = time.perf_counter()
        tracked = [tracker.track(frame) for frame in frames]
        return time.perf_counter() - started, tracked


def _accuracy(tracked: list[Any], truth_px: dict[int, np.ndarray], subject_hand: str) -> dict[str, Any]:
    errors_px, errors_fu = [], []
    faces = hands = agreeing = 0
    for frame in tracked:
        faces += frame.face is not None
        if not frame.hands:
            continue
        hands += 1
        truth_tip = truth_px[frame.index][INDEX_TIP]
        # Localisation apart from labelling: the detected hand whose fingertip is nearest the truth.
        tips = [hand.points_px(frame.width, frame.height)[INDEX_TIP] for hand in frame.hands]
        distances = [float(np.linalg.norm(tip - truth_tip)) for tip in tips]
        nearest = int(np.argmin(distances))
        agreeing += frame.hands[nearest].handedness == subject_hand
        errors_px.append(distances[nearest])
        if frame.face is not None:
            eyes = frame.face.points_px(frame.width, frame.height)[[RIGHT_EYE_OUTER, LEFT_EYE_OUTER]]
            errors_fu.append(distances[nearest] / float(np.linalg.norm(eyes[1] - eyes[0])))
    return {"frames": len(tracked), "faces": faces, "hands": hands, "agreeing": agreeing,
            "errors_px": errors_px, "errors_fu": errors_fu}


def run_worker(backend: str, rounds: int) -> dict[str, Any]:
    import mediapipe

    clips, accuracy = {}, {}
    for name in CLIPS:
        clips[name] = _load_clip(MEDIA_DIR / "composite" / name)
    all_frames = [frame for frames, _ in clips.values() for frame in frames]
    # Accuracy: each clip from a fresh tracker (as replay does).
    for name, (frames, truth_px) in clips.items():
        _, tracked = _tracker_loop(backend, frames)
        accuracy[name] = _accuracy(tracked, truth_px, CLIPS[name])
    real = {}
    for name, subject_hand in REAL_CLIPS.items():
        from coach.sources import VideoFileSource

        with VideoFileSource(MEDIA_DIR / "videos" / name, pacing="fast") as source:
            _, tracked = _tracker_loop(backend, list(source))
        labels = [frame.hands[0].handedness for frame in tracked if frame.hands]
        real[name] = {
            "frames": len(tracked),
            "faces": sum(frame.face is not None for frame in tracked),
            "hands": len(labels),
            "both": sum(frame.face is not None and bool(frame.hands) for frame in tracked),
            "agreeing": labels.count(subject_hand) if subject_hand else None,
        }
    # Speed: every frame of the four clips on one continuous clock (video mode needs increasing
    # times), through the bare loop and the tracker side by side; a short warm-up first (the
    # process's first inferences pay one-off set-up).
    continuous = [type(frame)(index, index / 30.0, frame.image) for index, frame in enumerate(all_frames)]
    _interleaved_seconds(backend, continuous[:20])
    bare_fps, tracker_fps, ratios = [], [], []
    for _ in range(rounds):
        bare_s, tracker_s = _interleaved_seconds(backend, continuous)
        bare_fps.append(len(continuous) / bare_s)
        tracker_fps.append(len(continuous) / tracker_s)
        ratios.append(bare_s / tracker_s)
    return {
        "backend": backend,
        "mediapipe": mediapipe.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "accuracy": accuracy,
        "real": real,
        "bare_fps": statistics.median(bare_fps),
        "tracker_fps": statistics.median(tracker_fps),
        "fps_ratio": statistics.median(ratios),
        "fps_ratio_rounds": ratios,
        "frames": len(all_frames),
    }


# ---- driver: runs both workers and compares


def _run_backend(backend: str, python: Path, rounds: int) -> dict[str, Any] | None:
    if not python.exists():
        print(f"{backend}: {python} not found (build it with: bash scripts/install.sh"
              f"{' --tasks' if backend == 'tasks' else ''}); skipped")
        return None
    environment = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="2", COACH_BACKEND=backend)
    command = [str(python), __file__, "--worker", backend, "--rounds", str(rounds)]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if completed.returncode != 0:
        print(f"{backend}: worker failed (exit {completed.returncode}):\n{completed.stderr[-2000:]}")
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _summary(result: dict[str, Any]) -> dict[str, float]:
    totals = {key: sum(clip[key] for clip in result["accuracy"].values()) for key in ("frames", "faces", "hands", "agreeing")}
    errors_px = np.concatenate([clip["errors_px"] for clip in result["accuracy"].values()])
    errors_fu = np.concatenate([clip["errors_fu"] for clip in result["accuracy"].values()])
    real = result["real"].values()
    real_frames = sum(clip["frames"] for clip in real)
    return {
        "real_face_rate": sum(clip["faces"] for clip in real) / real_frames,
        "real_hand_rate": sum(clip["hands"] for clip in real) / real_frames,
        "real_both_rate": sum(clip["both"] for clip in real) / real_frames,
        "median_px": float(np.median(errors_px)),
        "p90_px": float(np.percentile(errors_px, 90)),
        "median_fu": float(np.median(errors_fu)),
        "p90_fu": float(np.percentile(errors_fu, 90)),
        "face_rate": totals["faces"] / totals["frames"],
        "hand_rate": totals["hands"] / totals["frames"],
        "handedness": totals["agreeing"] / totals["hands"] if totals["hands"] else 0.0,
        "fps_ratio": result["fps_ratio"],
        "tracker_fps": result["tracker_fps"],
        "bare_fps": result["bare_fps"],
    }


def _print_comparison(results: dict[str, dict[str, Any]]) -> None:
    summaries = {backend: _summary(result) for backend, result in results.items()}
    backends = list(summaries)
    print()
    for backend in backends:
        result = results[backend]
        print(f"{backend}: mediapipe {result['mediapipe']}, Python {result['python']}, numpy {result['numpy']}")
    rows = [
        ("fingertip median px", "median_px", "{:.2f}"), ("fingertip p90 px", "p90_px", "{:.2f}"),
        ("fingertip median FU", "median_fu", "{:.4f}"), ("fingertip p90 FU", "p90_fu", "{:.4f}"),
        ("frames with face", "face_rate", "{:.1%}"), ("frames with hand", "hand_rate", "{:.1%}"),
        ("handedness agreement", "handedness", "{:.1%}"), ("tracker fps", "tracker_fps", "{:.1f}"),
        ("bare loop fps", "bare_fps", "{:.1f}"), ("tracker / bare fps", "fps_ratio", "{:.2f}"),
    ]
    print("\ncomposite clips (226 frames with ground truth)" + "".join(f"{backend:>12}" for backend in backends))
    for label, key, form in rows:
        print(f"  {label:<44}" + "".join(f"{form.format(summaries[b][key]):>12}" for b in backends))
    for backend in backends:
        rounds = ", ".join(f"{ratio:.2f}" for ratio in results[backend]["fps_ratio_rounds"])
        print(f"  {backend} tracker / bare, per round: {rounds}")
    print("\nper clip (frames with hand, median fingertip px):")
    for name in CLIPS:
        cells = []
        for backend in backends:
            clip = results[backend]["accuracy"][name]
            median = float(np.median(clip["errors_px"])) if clip["errors_px"] else float("nan")
            cells.append(f"{backend} {clip['hands']}/{clip['frames']} {median:.1f} px")
        print(f"  {name:<38} " + ";  ".join(cells))
    print("\nreal footage, no landmark ground truth (frames with face / hand / both; handedness where known):")
    for name in REAL_CLIPS:
        cells = []
        for backend in backends:
            clip = results[backend]["real"][name]
            frames = clip["frames"]
            agreement = f", {clip['agreeing'] / clip['hands']:.0%} right hand" if clip["agreeing"] is not None and clip["hands"] else ""
            cells.append(f"{backend} {clip['faces'] / frames:.0%}/{clip['hands'] / frames:.0%}/{clip['both'] / frames:.0%}{agreement}")
        print(f"  {name:<44} " + ";  ".join(cells))
    if set(backends) != {"legacy", "tasks"}:
        return
    legacy, tasks = summaries["legacy"], summaries["tasks"]
    print("\ntargets (Tasks against legacy):")
    checks = [
        ("fingertip median px", tasks["median_px"] <= legacy["median_px"] * (1 + DETECTION_TOLERANCE),
         f"{tasks['median_px']:.2f} vs {legacy['median_px']:.2f} (target <= {legacy['median_px'] * 1.1:.2f})"),
        ("fingertip p90 px", tasks["p90_px"] <= legacy["p90_px"] * (1 + DETECTION_TOLERANCE),
         f"{tasks['p90_px']:.2f} vs {legacy['p90_px']:.2f} (target <= {legacy['p90_px'] * 1.1:.2f})"),
        ("face rate", tasks["face_rate"] >= legacy["face_rate"] * (1 - DETECTION_TOLERANCE),
         f"{tasks['face_rate']:.1%} vs {legacy['face_rate']:.1%} (target >= {legacy['face_rate'] * 0.9:.1%})"),
        ("hand rate", tasks["hand_rate"] >= legacy["hand_rate"] * (1 - DETECTION_TOLERANCE),
         f"{tasks['hand_rate']:.1%} vs {legacy['hand_rate']:.1%} (target >= {legacy['hand_rate'] * 0.9:.1%})"),
        ("Tasks fps / its bare loop", tasks["fps_ratio"] >= FPS_TARGET_RATIO,
         f"{tasks['fps_ratio']:.2f} (target >= {FPS_TARGET_RATIO:.2f})"),
    ]
    for label, passed, text in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {label:<26} {text}")
    better: dict[str, list[str]] = {"legacy": [], "tasks": []}
    for label, key, higher_is_better in (
        ("fingertip error", "median_px", False), ("fingertip p90", "p90_px", False),
        ("face detection", "face_rate", True), ("hand detection", "hand_rate", True),
        ("handedness", "handedness", True), ("tracker fps (separate processes: noisy)", "tracker_fps", True),
        ("face detection on real footage", "real_face_rate", True),
        ("hand detection on real footage", "real_hand_rate", True),
        ("face and hand together on real footage", "real_both_rate", True),
    ):
        if abs(legacy[key] - tasks[key]) <= 0.02 * max(abs(legacy[key]), abs(tasks[key]), 1e-9):
            continue  # within 2 %: a tie
        winner = "legacy" if (legacy[key] > tasks[key]) == higher_is_better else "tasks"
        better[winner].append(label)
    print("\nbetter on (ties within 2 % left out):")
    for backend, labels in better.items():
        print(f"  {backend}: {', '.join(labels) or 'nothing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=["legacy", "tasks"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.rounds)))
        return
    if not (MEDIA_DIR / "composite").is_dir():
        print(f"shared media not found at {MEDIA_DIR}: the composite clips are needed; nothing measured")
        sys.exit(2)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    results: dict[str, dict[str, Any]] = {}
    for backend, python in VENVS.items():
        outcome = _run_backend(backend, python, args.rounds)
        if outcome is not None:
            results[backend] = outcome
    if results:
        _print_comparison(results)


if __name__ == "__main__":
    main()
