"""Measure MediaPipe's landmark jitter on real pixels, for the noise model of coach.evaluation.minjerk.

Why: family (b) adds tracking noise to its generated landmarks; its size must come from what
MediaPipe really does, not from a guess. Two measurements, both on raw MediaPipe output (the
Tracker with smoothing off; the generator applies the Tracker's own One-Euro smoothing afterwards,
as a recording of a video would be):

- hand: the four composite clips in ../shared/media/composite carry the pasted hand's 21 landmarks
  per frame (ground truth). Detected − truth, minus its steady per-landmark offset, is the jitter;
  its standard deviation per axis and its lag-1 autocorrelation are printed, in face units (px over
  the face's px per FU from the face frame fit) and in px.
- face: real footage of faces (the lp_face_* clips) has no ground truth, so jitter is read from the
  second difference of each stable landmark's track (x[t+1] − 2x[t] + x[t−1]); for white noise its
  variance is 6σ², and slow head motion barely contributes at 30 fps. The lag-1 autocorrelation ρ
  follows from var(d2)/var(d1) = 3 − ρ for AR(1) noise.

Run: .venv/bin/python benchmarks/measure_tracking_noise.py [--face-frames 240]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.geometry import FaceFrameFitter  # noqa: E402
from coach.geometry.canonical import STABLE_LANDMARKS  # noqa: E402
from coach.perception import Tracker  # noqa: E402
from coach.sources.video import VideoFileSource  # noqa: E402

REPO_DIR = Path(__file__).resolve().parents[1]
MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))
FACE_CLIPS = ("lp_face_d3.mp4", "lp_face_d10.mp4", "lp_face_d18.mp4")


def _ground_truth(path: Path) -> dict[int, np.ndarray]:
    truth: dict[int, np.ndarray] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            points = np.array([[float(row[f"x{i}"]), float(row[f"y{i}"])] for i in range(21)])
            truth[int(row["frame"])] = points
    return truth


def _lag1(values: np.ndarray) -> float:
    values = values - values.mean()
    denominator = float((values[:-1] ** 2).sum())
    return float((values[1:] * values[:-1]).sum() / denominator) if denominator > 0 else 0.0


def measure_hand(media_dir: Path) -> dict[str, float]:
    """Hand landmark jitter on the composite clips (detected − ground truth − steady offset)."""
    fitter = FaceFrameFitter()
    sigmas_fu: list[float] = []
    sigmas_tip_fu: list[float] = []
    sigmas_px: list[float] = []
    rhos: list[float] = []
    found = total = 0
    for clip in sorted((media_dir / "composite").glob("clip_*.mp4")):
        truth = _ground_truth(clip.with_name(clip.stem + "_groundtruth.csv"))
        errors: list[np.ndarray] = []
        scales: list[float] = []
        source = VideoFileSource(clip)
        try:
            with Tracker(mode="video", smoothing=False) as tracker:
                for frame in source.frames():
                    tracked = tracker.track(frame)
                    if frame.index not in truth:
                        continue
                    total += 1
                    if tracked.face is not None:
                        scales.append(fitter.fit(tracked.face, tracked.width, tracked.height).scale_px_per_fu)
                    if not tracked.hands:
                        errors.append(np.full((21, 2), np.nan))
                        continue
                    found += 1
                    errors.append(tracked.hands[0].points_px(tracked.width, tracked.height) - truth[frame.index])
        finally:
            source.close()
        error = np.array(errors)  # T×21×2
        residual = error - np.nanmean(error, axis=0, keepdims=True)
        scale = float(np.median(scales))
        sigma_px = np.nanstd(residual, axis=0)  # 21×2
        sigmas_px.append(float(np.median(sigma_px)))
        sigmas_fu.append(float(np.median(sigma_px)) / scale)
        sigmas_tip_fu.append(float(sigma_px[8].mean()) / scale)
        valid = ~np.isnan(residual[:, 8, 0])
        rhos.append(float(np.mean([_lag1(residual[valid, 8, axis]) for axis in (0, 1)])))
        print(f"  {clip.name:40s} face {scale:6.1f} px/FU  hand jitter median {np.median(sigma_px):.2f} px "
              f"({np.median(sigma_px) / scale:.4f} FU), fingertip {sigma_px[8].mean():.2f} px, lag-1 {rhos[-1]:.2f}")
    return {
        "hand_sigma_fu": float(np.median(sigmas_fu)),
        "tip_sigma_fu": float(np.median(sigmas_tip_fu)),
        "hand_sigma_px": float(np.median(sigmas_px)),
        "hand_rho": float(np.median(rhos)),
        "hand_found_share": found / max(total, 1),
    }


def measure_face(media_dir: Path, max_frames: int) -> dict[str, float]:
    """Face landmark jitter on real footage, from second differences of the stable landmarks."""
    fitter = FaceFrameFitter()
    sigmas_fu: list[float] = []
    rhos: list[float] = []
    stable = np.array(STABLE_LANDMARKS)
    for name in FACE_CLIPS:
        path = media_dir / "videos" / name
        if not path.is_file():
            continue
        tracks: list[np.ndarray] = []
        scales: list[float] = []
        source = VideoFileSource(path)
        try:
            with Tracker(mode="video", smoothing=False, max_hands=1) as tracker:
                for frame in source.frames():
                    if frame.index >= max_frames:
                        break
                    tracked = tracker.track(frame)
                    if tracked.face is None:
                        break  # keep one unbroken track
                    tracks.append(tracked.face.points_px(tracked.width, tracked.height)[stable])
                    scales.append(fitter.fit(tracked.face, tracked.width, tracked.height).scale_px_per_fu)
        finally:
            source.close()
        track = np.array(tracks)  # T×K×2
        if len(track) < 30:
            continue
        d1 = np.diff(track, axis=0)
        d2 = np.diff(track, n=2, axis=0)
        sigma_px = float(np.median(np.std(d2, axis=0)) / np.sqrt(6.0))
        ratio = float(np.median(np.var(d2, axis=0) / np.maximum(np.var(d1, axis=0), 1e-9)))
        scale = float(np.median(scales))
        sigmas_fu.append(sigma_px / scale)
        rhos.append(float(np.clip(3.0 - ratio, 0.0, 0.95)))
        print(f"  {name:40s} {len(track)} frames, face {scale:6.1f} px/FU, jitter {sigma_px:.2f} px "
              f"({sigma_px / scale:.4f} FU), lag-1 ≈ {rhos[-1]:.2f}")
    return {"face_sigma_fu": float(np.median(sigmas_fu)), "face_rho": float(np.median(rhos))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--face-frames", type=int, default=240, help="frames to read from each face clip")
    arguments = parser.parse_args(argv)
    if not MEDIA_DIR.is_dir():
        print(f"shared media not found at {MEDIA_DIR}: put ../shared/media beside the checkout (or set COACH_MEDIA_DIR).")
        return 2
    print("Hand landmarks on the composite clips (raw MediaPipe vs pasted ground truth)")
    hand = measure_hand(MEDIA_DIR)
    print("Face landmarks on real footage (raw MediaPipe, second differences of stable points)")
    face = measure_face(MEDIA_DIR, arguments.face_frames)
    print("\nFor coach/evaluation/minjerk.py:")
    for key, value in {**hand, **face}.items():
        print(f"  {key} = {value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
