"""Head motion read round a hand on the face (coach.perception.face_motion): its cost and accuracy.

The clip is built here: matplotlib's real portrait moved smoothly (roll, zoom, drift: a known head
motion per frame), on a 640×480 and a 1280×720 canvas, with a real hand photo from
../shared/media/hands pasted over the forehead and eyes, gliding up and down against the head.
The hand's landmarks given to the reader are where it was pasted; the face's are Face Mesh's on
the first, uncovered frame (the face as last seen), as in a forehead stroke where the face is lost.

Printed per size, beside its target:
- the reader's time per frame (p50, p95) and as a share of the models' own time on the same frames
  (Face Mesh then Hands, as a plain loop runs them, in this process, alternating with the reader):
  target ≤ 0.15 (the reader runs only while a hand overlaps the face);
- the head motion's error against the known one, at the face's landmarks (median, p95 px per
  frame), and the drift of the face frame carried by it over the whole clip (face units, the face
  frame's origin after N frames): targets ≤ 0.5 px per frame, ≤ 0.05 FU over the clip.

    .venv/bin/python benchmarks/bench_face_motion.py [--frames 150]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import matplotlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.evaluation.composites import HandPhotos, paste_hand  # noqa: E402
from coach.geometry.face_frame import FaceFrameFitter, moved_pose  # noqa: E402
from coach.perception import create_tracker  # noqa: E402
from coach.perception.face_motion import FaceMotionReader  # noqa: E402
from coach.types import HAND_INDEX_TIP, Frame  # noqa: E402

REPO_DIR = Path(__file__).resolve().parents[1]
MEDIA_DIR = Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))
HAND_PHOTO = "hands/h3d_hand_01-01-001_angle04.png"
TARGET_COST_SHARE = 0.15
TARGET_ERROR_PX = 0.5
TARGET_DRIFT_FU = 0.05


def head_motion(t: float, centre: np.ndarray) -> np.ndarray:
    """The portrait's placement at time t (2×3, pixels): a slow roll, zoom and drift."""
    angle = math.radians(4.0 * math.sin(2 * math.pi * 0.2 * t))
    scale = 1.0 + 0.04 * math.sin(2 * math.pi * 0.15 * t)
    shift = np.array([12.0 * math.sin(2 * math.pi * 0.17 * t), 8.0 * math.sin(2 * math.pi * 0.23 * t)])
    linear = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return np.column_stack([linear, centre + shift - linear @ centre])


def build(width: int, height: int, frame_count: int,
          photos: HandPhotos) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Frames (RGB), each frame's hand landmarks (normalised) and head placement (2×3), and the
    first frame without the hand (BGR)."""
    portrait = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    scale = 0.8 * height / portrait.shape[0]
    face = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 90, dtype=np.uint8)
    top, left = (height - face.shape[0]) // 2, (width - face.shape[1]) // 2
    canvas[top : top + face.shape[0], left : left + face.shape[1]] = face
    centre = np.array([width / 2, height / 2])
    photo = photos.for_hand(HAND_PHOTO, "right")
    face_width = 0.6 * face.shape[1]
    frames, hands, placements = [], [], []
    clean_first = cv2.warpAffine(canvas, head_motion(0.0, centre), (width, height), borderMode=cv2.BORDER_REPLICATE)
    for index in range(frame_count):
        t = index / 30.0
        placement = head_motion(t, centre)
        image = cv2.warpAffine(canvas, placement, (width, height), borderMode=cv2.BORDER_REPLICATE)
        # The fingertip glides up and down the forehead (1 s each way) in the head's frame.
        tip_head = centre + np.array([0.05 * face_width, -0.35 * face.shape[0] - 0.12 * face_width * math.sin(math.pi * t) ** 2])
        tip = placement[:, :2] @ tip_head + placement[:, 2]
        hand_scale = 0.5 * face_width / photo.palm_px
        angle = math.radians(-90.0 - photo.axis_deg)
        linear = hand_scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        matrix = np.column_stack([linear, tip - linear @ photo.landmarks_px[HAND_INDEX_TIP]])
        paste_hand(image, photo.rgba, matrix)
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        landmarks = photo.landmarks_px @ linear.T + matrix[:, 2]
        hands.append(np.column_stack([landmarks / np.array([width, height]), np.zeros(21)]))
        placements.append(placement)
    return frames, hands, placements, clean_first


def run(width: int, height: int, frame_count: int, photos: HandPhotos) -> None:
    frames, hands, placements, clean = build(width, height, frame_count, photos)
    # The face as last seen: Face Mesh on the first frame without the hand.
    with create_tracker(mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, clean))
    if tracked.face is None:
        print(f"{width}x{height}: no face found on the first frame; skipped")
        return
    face = tracked.face
    face_px = face.points_norm[:, :2] * np.array([width, height])
    pose = FaceFrameFitter().fit(face, width, height)
    assert pose is not None
    reader = FaceMotionReader()
    reader_ms, mesh_ms, errors = [], [], []
    carried = pose
    import mediapipe as mp

    with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=2, refine_landmarks=True) as face_mesh, \
            mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hand_model:
        for index, (rgb, hand) in enumerate(zip(frames, hands)):
            started = time.perf_counter()
            motion = reader.read(rgb, face.points_norm if index == 0 else None, [hand])
            reader_ms.append((time.perf_counter() - started) * 1e3)
            started = time.perf_counter()
            face_mesh.process(rgb)
            hand_model.process(rgb)
            mesh_ms.append((time.perf_counter() - started) * 1e3)
            if index == 0:
                continue
            # The true motion from the last frame to this one: placement_i ∘ placement_{i−1}^−1.
            before, after = np.vstack([placements[index - 1], [0, 0, 1]]), np.vstack([placements[index], [0, 0, 1]])
            true = (after @ np.linalg.inv(before))[:2]
            if motion is None:
                errors.append(math.inf)
                continue
            to_before = (before @ np.linalg.inv(np.vstack([placements[0], [0, 0, 1]])))[:2]
            seen = face_px @ to_before[:, :2].T + to_before[:, 2]  # the face's landmarks at the last frame
            error = np.linalg.norm((seen @ motion[:, :2].T + motion[:, 2]) - (seen @ true[:, :2].T + true[:, 2]), axis=1)
            errors.append(float(np.median(error)))
            carried = moved_pose(carried, motion)
    # Where the carried face frame puts the face's origin against where the head really is.
    truth = np.vstack([placements[-1], [0, 0, 1]]) @ np.linalg.inv(np.vstack([placements[0], [0, 0, 1]]))
    origin0 = pose.origin_px
    true_origin = truth[:2, :2] @ origin0 + truth[:2, 2]
    drift_fu = float(np.linalg.norm(carried.origin_px - true_origin)) / carried.scale_px_per_fu
    share = statistics.median(reader_ms[1:]) / statistics.median(mesh_ms[1:])
    measured = [error for error in errors if math.isfinite(error)]
    print(f"{width}x{height}, {frame_count} frames, hand over the forehead in every frame:")
    print(f"  reader ms per frame p50 {statistics.median(reader_ms[1:]):.2f}, p95 {np.percentile(reader_ms[1:], 95):.2f}; "
          f"Face Mesh + Hands p50 {statistics.median(mesh_ms[1:]):.2f} ms")
    print(f"  reader / models' time: {share:.3f} (target <= {TARGET_COST_SHARE})  {'ok' if share <= TARGET_COST_SHARE else 'MISSED'}")
    print(f"  motion measured on {len(measured)} of {len(errors)} frames; error at the face's landmarks median "
          f"{statistics.median(measured):.3f} px, p95 {np.percentile(measured, 95):.3f} px (target <= {TARGET_ERROR_PX} px per frame)  "
          f"{'ok' if statistics.median(measured) <= TARGET_ERROR_PX else 'MISSED'}")
    print(f"  face frame carried over the clip drifted {drift_fu:.3f} FU (target <= {TARGET_DRIFT_FU})  "
          f"{'ok' if drift_fu <= TARGET_DRIFT_FU else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    if not MEDIA_DIR.is_dir():
        print(f"shared media not found at {MEDIA_DIR}: the hand photo comes from there")
        sys.exit(2)
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores)")
    photos = HandPhotos(MEDIA_DIR)
    try:
        for width, height in ((640, 480), (1280, 720)):
            run(width, height, args.frames, photos)
    finally:
        photos.close()


if __name__ == "__main__":
    main()
