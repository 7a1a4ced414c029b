"""The annotated video's text panels keep clear of the face: on a tall (phone) frame where the face
fills the middle, and on a wide one, every panel pixel lies outside the face's box."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import face_landmarks_of
from coach.geometry import FaceFrameFitter, FaceRegions
from coach.render.overlay import OverlayRenderer, qimage_to_numpy
from coach.types import ScoredStroke, StepProgress, Stroke, StrokeScore, TrackedFrame, FrameResult

REPO_DIR = Path(__file__).resolve().parents[1]


def _frame(portrait_path: Path, size: tuple[int, int], face_height_share: float) -> np.ndarray:
    portrait = cv2.imread(str(portrait_path))
    width, height = size
    scale = height * face_height_share / portrait.shape[0]
    scaled = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 60, np.uint8)
    top, left = (height - scaled.shape[0]) // 2, (width - scaled.shape[1]) // 2
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(height, top + scaled.shape[0]), min(width, left + scaled.shape[1])
    canvas[y0:y1, x0:x1] = scaled[y0 - top : y1 - top, x0 - left : x1 - left]
    return canvas


@pytest.mark.parametrize("size, share", [((480, 720), 0.9), ((640, 480), 1.0)], ids=["tall", "wide"])
def test_panels_never_cover_the_face(portrait_path: Path, size: tuple[int, int], share: float) -> None:
    image = _frame(portrait_path, size, share)
    face = face_landmarks_of(image)
    width, height = size
    pose = FaceFrameFitter().fit(face, width, height)
    progress = StepProgress("gentle_glides", 3, 6, "cheek_lift", "Glide from beside the nose up and out along the cheekbone.",
                            "left", "left_cheek", "glide", "up-out", 2, 6,
                            target_path_fu=np.array([[0.4, -0.5], [0.6, -0.3]]), target_speed_fu_s=0.3)
    stroke = Stroke(0.0, 1.0, "left", "left_cheek", "glide", "up", 0.6, 1, None, path_fu=np.array([[0.4, -0.5], [0.45, -0.3]]))
    last = ScoredStroke(stroke, StrokeScore(3, 58.0, {}, ("Slow down", "Stroke upward and outward"), False))
    result = FrameResult(TrackedFrame(0, 1.2, width, height, face), pose, last_stroke=last, progress=progress,
                         status="Show your hand to the camera")
    renderer = OverlayRenderer(FaceRegions(), mirrored=True)
    with_panels = qimage_to_numpy(renderer.render(image, result)).astype(int)
    renderer.draw_panels = False
    without = qimage_to_numpy(renderer.render(image, result)).astype(int)
    panels = np.abs(with_panels - without).max(axis=2) > 12
    assert panels.sum() > 2000, "the panels were not drawn"
    points = face.points_px(width, height)
    points[:, 0] = width - points[:, 0]  # mirrored view
    (x0, y0), (x1, y1) = points.min(axis=0).astype(int), points.max(axis=0).astype(int)
    inside = panels[y0 : y1 + 1, x0 : x1 + 1].sum()
    assert inside == 0, f"{inside} panel pixels over the face box"
    artifacts = REPO_DIR / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    cv2.imwrite(str(artifacts / f"annotated_panels_{width}x{height}.png"), with_panels.astype(np.uint8))
