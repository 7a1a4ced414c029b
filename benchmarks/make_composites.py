"""Real-pixel test clips made at benchmark time: real hand cut-outs moving on a real, moving face.

Each clip pastes one RGBA hand photo from ../shared/media/hands onto matplotlib's portrait
(grace_hopper.jpg). The portrait itself rotates, shifts and zooms a little every frame (head
motion), and the hand is placed so that its index fingertip — found once per cut-out by MediaPipe
Hands on the cut-out over white — follows a scripted path in face units: glides (with a quicker,
enlarged "lifted" return between repetitions), circles or taps. The face frame of the still
portrait (Face Mesh + FaceFrameFitter once) carried through each frame's warp turns the path into
pixels, so the truth is known in the same face units the engine reports.

The clips only exist in memory (or in a temporary folder when written); nothing here is committed.
Run directly to write a few clips for a look: .venv/bin/python benchmarks/make_composites.py OUT_DIR
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.geometry import FaceFrameFitter, FacePose  # noqa: E402
from coach.synthetic import LabelledStroke  # noqa: E402
from coach.technique.directions import circle_is_clockwise, glide_direction_vector  # noqa: E402
from coach.types import FaceLandmarks, Frame  # noqa: E402

WIDTH, HEIGHT, FPS = 640, 480, 30.0
HAND_LENGTH_FU = 1.9  # wrist → middle fingertip, as in coach.synthetic


def portrait_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


@dataclass(frozen=True)
class CutOut:
    """A hand photo with alpha, and where MediaPipe finds its landmarks in it."""

    name: str
    rgba: np.ndarray  # H×W×4 uint8 (BGR + alpha)
    landmarks_px: np.ndarray  # 21×2 in the cut-out's pixels
    handedness: str  # the subject's own hand, as the Tracker will report it on an unmirrored image

    @property
    def fingertip_px(self) -> np.ndarray:
        return self.landmarks_px[8]

    @property
    def length_px(self) -> float:
        """Wrist to the farthest fingertip: the hand's length in the photo."""
        return float(np.max(np.linalg.norm(self.landmarks_px[[8, 12, 16, 20]] - self.landmarks_px[0], axis=1)))


@lru_cache(maxsize=32)
def load_cutout(path: str) -> CutOut | None:
    """Read a cut-out and find its landmarks with MediaPipe Hands on white; None if no hand is found."""
    import mediapipe as mp

    rgba = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if rgba is None or rgba.ndim != 3 or rgba.shape[2] != 4:
        return None
    pad = 40
    alpha = rgba[..., 3:4].astype(float) / 255.0
    on_white = (rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    canvas = cv2.copyMakeBorder(on_white, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1, model_complexity=1) as hands:
        result = hands.process(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    if not result.multi_hand_landmarks:
        return None
    from coach.perception import subject_handedness

    height, width = canvas.shape[:2]
    points = np.array([(p.x * width - pad, p.y * height - pad) for p in result.multi_hand_landmarks[0].landmark])
    label = result.multi_handedness[0].classification[0].label
    return CutOut(Path(path).stem, rgba, points, subject_handedness(label, mirrored=False))


def pointing_cutouts(hands_dir: Path, limit: int = 3) -> list[CutOut]:
    """Cut-outs whose index finger is the highest point (a pointing or open hand held up)."""
    found = []
    for path in sorted(hands_dir.glob("*.png")):
        cutout = load_cutout(str(path))
        if cutout is None:
            continue
        tip_y = cutout.landmarks_px[8, 1]
        if tip_y <= cutout.landmarks_px[:, 1].min() + 0.15 * cutout.length_px:
            found.append(cutout)
        if len(found) >= limit:
            break
    return found


@lru_cache(maxsize=1)
def _portrait_pose() -> tuple[np.ndarray, FacePose]:
    """The portrait on the clip's canvas, and its face frame (one static Face Mesh run)."""
    import mediapipe as mp

    image = cv2.imread(str(portrait_path()))
    scale = 420 / image.shape[0]
    face = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((HEIGHT, WIDTH, 3), 60, dtype=np.uint8)
    top, left = (HEIGHT - face.shape[0]) // 2 - 20, (WIDTH - face.shape[1]) // 2
    y0, x0 = max(top, 0), max(left, 0)
    crop = face[y0 - top : y0 - top + HEIGHT - y0, x0 - left : x0 - left + WIDTH - x0]
    canvas[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1) as mesh:
        result = mesh.process(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    if not result.multi_face_landmarks:
        raise RuntimeError("Face Mesh found no face in the portrait canvas")
    points = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark])
    pose = FaceFrameFitter().fit(FaceLandmarks(points), WIDTH, HEIGHT)
    return canvas, pose


@dataclass(frozen=True)
class CompositeClip:
    name: str
    frames: list[Frame]
    labels: list[LabelledStroke]
    fingertip_px: np.ndarray  # N×2 where the cut-out's index fingertip was pasted


def _head_warp(t: float, phase: float) -> np.ndarray:
    """2×3 affine: a small roll, zoom and drift of the whole portrait, changing smoothly."""
    angle = 4.0 * math.sin(2 * math.pi * 0.23 * t + phase)
    zoom = 1.0 + 0.04 * math.sin(2 * math.pi * 0.17 * t + 2 * phase)
    shift = np.array([12.0 * math.sin(2 * math.pi * 0.19 * t + phase), 8.0 * math.sin(2 * math.pi * 0.27 * t + 3 * phase)])
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, zoom)
    matrix[:, 2] += shift
    return matrix


def _paste(canvas: np.ndarray, cutout: CutOut, fingertip_at: np.ndarray, scale: float, roll_deg: float) -> None:
    """Alpha-blend the cut-out, scaled and rolled about its fingertip, with the fingertip at ``fingertip_at``."""
    matrix = cv2.getRotationMatrix2D(tuple(float(v) for v in cutout.fingertip_px), roll_deg, scale)
    matrix[:, 2] += fingertip_at - cutout.fingertip_px
    warped = cv2.warpAffine(cutout.rgba, matrix, (canvas.shape[1], canvas.shape[0]), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3:4].astype(np.float32) / 255.0
    canvas[:] = (warped[..., :3] * alpha + canvas * (1 - alpha)).astype(np.uint8)


def _path_glide(rng: np.random.Generator, fps: float) -> tuple[list[tuple[np.ndarray, float]], list[dict]]:
    """Two glides on the subject's right cheek with a quick lifted return between them."""
    direction = str(rng.choice(["up", "up-out", "out", "down-out", "down", "up-in", "in", "down-in"]))
    start = np.array([-0.55, -0.45]) + rng.uniform(-0.05, 0.05, 2)
    vector = glide_direction_vector(direction, -1.0)
    length = rng.uniform(0.28, 0.36)
    start = start - vector * length / 2
    end = start + vector * length
    speed = rng.uniform(0.25, 0.6)
    duration = length / speed
    samples: list[tuple[np.ndarray, float]] = []  # (fingertip FU, enlargement) per frame
    labels = []

    def hold(point: np.ndarray, seconds: float, lift: float = 1.0) -> None:
        samples.extend([(point.copy(), lift)] * int(round(seconds * fps)))

    hold(start, 0.4)
    for rep in range(2):
        frames = int(round(duration * fps))
        labels.append({"start": len(samples) / fps, "end": (len(samples) + frames - 1) / fps, "direction": direction, "speed": length / ((frames - 1) / fps)})
        for k in range(frames):
            samples.append((start + (end - start) * k / (frames - 1), 1.0))
        hold(end, 0.2)
        if rep == 0:
            back = max(4, int(round(duration * fps / 3)))
            for k in range(back):
                share = (k + 1) / back
                samples.append((end + (start - end) * share, 1.0 + 0.18 * math.sin(math.pi * share)))
            hold(start, 0.2)
    hold(end, 0.3)
    return samples, [dict(item, pattern="glide", region="right_cheek", count=1, rate=None) for item in labels]


def _path_circle(rng: np.random.Generator, fps: float) -> tuple[list[tuple[np.ndarray, float]], list[dict]]:
    centre = np.array([-0.55, -0.45]) + rng.uniform(-0.04, 0.04, 2)
    radius = rng.uniform(0.07, 0.1)
    rate = rng.uniform(0.7, 1.2)
    turns = int(rng.integers(2, 4))
    direction = str(rng.choice(["outward", "inward"]))
    sign = -1.0 if circle_is_clockwise(direction, centre[0]) else 1.0
    samples = [(centre + radius * np.array([1.0, 0.0]), 1.0)] * 10
    frames = int(round(turns / rate * fps))
    start = len(samples) / fps
    for k in range(frames):
        phase = sign * 2 * math.pi * rate * k / fps
        samples.append((centre + radius * np.array([math.cos(phase), math.sin(phase)]), 1.0))
    end = (len(samples) - 1) / fps
    samples += [samples[-1]] * 10
    return samples, [{"start": start, "end": end, "pattern": "circle", "direction": direction, "region": "right_cheek",
                      "count": turns, "rate": rate, "speed": None}]


def _path_tap(rng: np.random.Generator, fps: float) -> tuple[list[tuple[np.ndarray, float]], list[dict]]:
    base = np.array([0.55, -0.45]) + rng.uniform(-0.04, 0.04, 2)
    rate = rng.uniform(3.0, 5.0)
    count = int(rng.integers(8, 13))
    bob = rng.uniform(0.05, 0.08)
    samples = [(base, 1.0)] * 10
    start = len(samples) / fps
    frames = int(round(count / rate * fps))
    for k in range(frames):
        height = abs(math.sin(math.pi * rate * k / fps))
        samples.append((base + np.array([0.0, bob * height]), 1.0 + 0.04 * height))
    end = (len(samples) - 1) / fps
    samples += [(base, 1.0)] * 10
    return samples, [{"start": start, "end": end, "pattern": "tap", "direction": None, "region": "left_cheek",
                      "count": count, "rate": rate, "speed": None}]


PATTERN_PATHS = {"glide": _path_glide, "circle": _path_circle, "tap": _path_tap}


def make_clip(cutout: CutOut, pattern: str, seed: int) -> CompositeClip:
    """One clip: the portrait moving, the cut-out's fingertip on ``pattern``'s path in face units."""
    rng = np.random.default_rng(seed)
    canvas, pose = _portrait_pose()
    samples, label_specs = PATTERN_PATHS[pattern](rng, FPS)
    hand_scale = HAND_LENGTH_FU * pose.scale_px_per_fu / cutout.length_px
    roll = rng.uniform(-15, 15)
    phase = rng.uniform(0, 2 * math.pi)
    frames: list[Frame] = []
    tips = []
    for index, (point_fu, enlargement) in enumerate(samples):
        t = index / FPS
        warp = _head_warp(t, phase)
        image = cv2.warpAffine(canvas, warp, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        on_portrait = pose.face_to_image(point_fu[None])[0]
        tip = warp[:, :2] @ on_portrait + warp[:, 2]
        zoom = float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))
        _paste(image, cutout, tip, hand_scale * zoom * enlargement, roll)
        frames.append(Frame(index=index, timestamp_s=t, image=image))
        tips.append(tip)
    labels = [
        LabelledStroke(
            start_s=spec["start"], end_s=spec["end"], hand=cutout.handedness, region=spec["region"], pattern=pattern,  # type: ignore[arg-type]
            direction=spec["direction"], speed_fu_s=spec["speed"], count=spec["count"], rate_hz=spec["rate"],
        )
        for spec in label_specs
    ]
    return CompositeClip(f"{cutout.name}_{pattern}_{seed}", frames, labels, np.array(tips))


def make_clips(hands_dir: Path, count: int = 6, first_seed: int = 300) -> list[CompositeClip]:
    """``count`` clips cycling through glide, circle, tap and the pointing cut-outs found."""
    cutouts = pointing_cutouts(hands_dir)
    if not cutouts:
        return []
    clips = []
    patterns = ("glide", "circle", "tap")
    for number in range(count):
        clips.append(make_clip(cutouts[number % len(cutouts)], patterns[number % len(patterns)], first_seed + number))
    return clips


def write_clip(clip: CompositeClip, folder: Path) -> Path:
    """Write a clip as mp4 (for looking at it); the benchmark itself works from memory."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{clip.name}.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    for frame in clip.frames:
        writer.write(frame.image)
    writer.release()
    return path


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    out = Path(arguments[0] if arguments else "composites-out")
    media = Path(__file__).resolve().parents[2] / "shared" / "media" / "hands"
    for clip in make_clips(media):
        sys.stdout.write(f"{write_clip(clip, out)}: {[(l.pattern, l.direction, l.region) for l in clip.labels]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
