"""The overlay renderer, checked on its pixels with a real face pose.

MediaPipe runs on the real portrait (and on a turned and shrunk copy) once per module; FacePoses
come from FaceFrameFitter on those landmarks. Progress, strokes and contacts are hand-written
input data in face units.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from conftest import face_landmarks_of
from coach.geometry import FaceFrameFitter, FacePose, FaceRegions
from coach.render.overlay import (
    GHOST_RADIUS_PX,
    LAST_STROKE_VISIBLE_S,
    OverlayRenderer,
    ensure_qt_app,
    numpy_to_qimage,
    qimage_to_numpy,
)
from coach.render.palette import HAND_RGB, SCORE_GREEN, SCORE_NONE, SCORE_RED
from coach.types import (
    ContactPoint,
    FaceLandmarks,
    FrameResult,
    ScoredStroke,
    StepProgress,
    Stroke,
    StrokeScore,
    TrackedFrame,
)

# A long up-and-out glide on the subject's left cheek, in face units.
GLIDE_PATH_FU = np.array([[0.25 + 0.5 * t, -0.55 + 0.4 * t] for t in np.linspace(0.0, 1.0, 30)])
GLIDE_SPEED_FU_S = 0.3


def _face_landmarks(image: np.ndarray) -> FaceLandmarks:
    return face_landmarks_of(image)


@pytest.fixture(scope="module")
def portrait(portrait_path: Path) -> np.ndarray:
    image = cv2.imread(str(portrait_path))
    assert image is not None
    return image


@pytest.fixture(scope="module")
def face(portrait: np.ndarray) -> FaceLandmarks:
    return _face_landmarks(portrait)


@pytest.fixture(scope="module")
def pose(portrait: np.ndarray, face: FaceLandmarks) -> FacePose:
    height, width = portrait.shape[:2]
    return FaceFrameFitter().fit(face, width, height)


@pytest.fixture(scope="module")
def turned(portrait: np.ndarray) -> tuple[np.ndarray, FaceLandmarks, FacePose]:
    """The portrait rotated 25° and shrunk to 70 %, with its own landmarks and pose."""
    height, width = portrait.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 25.0, 0.7)
    image = cv2.warpAffine(portrait, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    landmarks = _face_landmarks(image)
    return image, landmarks, FaceFrameFitter().fit(landmarks, width, height)


@pytest.fixture(scope="module")
def regions() -> FaceRegions:
    return FaceRegions()


def _progress(
    pattern: str = "glide",
    path: np.ndarray = GLIDE_PATH_FU,
    region: str = "left_cheek",
    speed: float | None = GLIDE_SPEED_FU_S,
    rate: float | None = None,
    finished: bool = False,
) -> StepProgress:
    return StepProgress(
        technique="test",
        step_index=1,
        step_count=4,
        step_name="cheek_lift",
        instruction="Glide up and out along the cheekbone",
        side="left",
        region=region,
        pattern=pattern,
        direction="up-out" if pattern == "glide" else None,
        reps_done=2,
        reps_wanted=6,
        target_path_fu=path,
        target_speed_fu_s=speed,
        target_rate_hz=rate,
        finished=finished,
    )


def _result(
    face: FaceLandmarks | None,
    pose: FacePose | None,
    size: tuple[int, int],
    time_s: float = 0.0,
    progress: StepProgress | None = None,
    last_stroke: ScoredStroke | None = None,
    contacts: tuple[ContactPoint, ...] = (),
    trails: dict[str, np.ndarray] | None = None,
    status: str = "",
) -> FrameResult:
    tracked = TrackedFrame(index=0, timestamp_s=time_s, width=size[0], height=size[1], face=face)
    return FrameResult(
        tracked=tracked, pose=pose, contacts=contacts, trails_fu=trails or {}, last_stroke=last_stroke,
        progress=progress, status=status,
    )


def _overlay_only(
    renderer: OverlayRenderer, result: FrameResult, time_s: float, size: tuple[int, int] | None = None
) -> np.ndarray:
    """The overlay painted on black, without the mesh: every lit pixel is the overlay's own."""
    width, height = size or (result.tracked.width, result.tracked.height)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    renderer.paint(painter, result, (width, height), time_s)
    painter.end()
    return qimage_to_numpy(image)


def _yellow(bgr: np.ndarray) -> np.ndarray:
    """Pixels of the guidance arrow's colour (GUIDE_RGB 255, 214, 10), on a dark background."""
    blue, green, red = (bgr[..., channel].astype(int) for channel in range(3))
    return (red > 190) & (green > 150) & (blue < 100) & (red - blue > 120)


def _distance_to_polyline(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    starts, ends = polyline[:-1], polyline[1:]
    segment = ends - starts
    t = ((points[:, None, :] - starts[None]) * segment[None]).sum(-1) / np.maximum((segment**2).sum(-1), 1e-9)
    closest = starts[None] + np.clip(t, 0.0, 1.0)[..., None] * segment[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=-1).min(axis=1)


def _region_mask(pose: FacePose, regions: FaceRegions, name: str, shape: tuple[int, int]) -> np.ndarray:
    outline = pose.face_to_image(regions.polygons_fu[name])
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
    return cv2.erode(mask, np.ones((7, 7), np.uint8)).astype(bool)


def test_ensure_qt_app_gives_a_gui_application() -> None:
    app = ensure_qt_app()
    assert app is ensure_qt_app()
    assert type(app).__name__ in ("QGuiApplication", "QApplication")


def test_numpy_qimage_round_trip_keeps_every_pixel() -> None:
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(23, 37, 3), dtype=np.uint8)  # odd width: rows are padded in Qt
    qimage = numpy_to_qimage(image)
    assert (qimage.width(), qimage.height()) == (37, 23)
    np.testing.assert_array_equal(qimage_to_numpy(qimage), image)
    del image  # the QImage owns its pixels
    assert qimage_to_numpy(qimage).shape == (23, 37, 3)


def test_target_region_is_highlighted(portrait: np.ndarray, face: FaceLandmarks, pose: FacePose, regions: FaceRegions) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    renderer = OverlayRenderer(regions)
    with_target = qimage_to_numpy(renderer.render(portrait, _result(face, pose, size, progress=_progress())))
    without = qimage_to_numpy(renderer.render(portrait, _result(face, pose, size)))
    # Leave out the guide arrow's band.
    guide = np.zeros(portrait.shape[:2], np.uint8)
    cv2.polylines(guide, [np.round(pose.face_to_image(GLIDE_PATH_FU)).astype(np.int32)], False, 1, thickness=40)
    target = _region_mask(pose, regions, "left_cheek", portrait.shape[:2]) & ~guide.astype(bool)
    other = _region_mask(pose, regions, "right_cheek", portrait.shape[:2])
    assert target.sum() > 500 and other.sum() > 500
    change = with_target.astype(int) - without.astype(int)
    # Tinted toward the target blue: blue rises, red falls, over the whole target region ...
    assert change[target][:, 0].mean() > 15
    assert change[target][:, 2].mean() < -5
    assert (np.abs(change[target]).sum(axis=1) > 10).mean() > 0.95
    # ... and nowhere on the other cheek.
    assert np.abs(change[other]).max() == 0


def test_every_region_border_is_drawn_and_shared_borders_only_once(
    face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray
) -> None:
    """The faint white outlines are translucent: a border two regions share, drawn by both, would
    show twice as bright."""
    size = (portrait.shape[1], portrait.shape[0])
    lit = _overlay_only(OverlayRenderer(regions), _result(face, pose, size), 0.0)[..., 1].astype(int)
    # White at alpha 60/255 on black: about 60 once, about 106 where painted twice.
    once = ((lit >= 45) & (lit <= 80)).sum()
    twice = ((lit >= 90) & (lit <= 125)).sum()
    assert once > 1000
    assert twice < 0.05 * once, f"{twice} pixels painted twice against {once} once"
    near_lit = cv2.dilate((lit > 30).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    for name, polygon in regions.polygons_fu.items():
        corners = np.asarray(polygon, dtype=float)
        edges = [start + (end - start) * t for start, end in zip(corners, np.roll(corners, -1, axis=0)) for t in np.linspace(0, 1, 10)]
        outline = np.round(pose.face_to_image(np.array(edges))).astype(int)
        inside = (outline[:, 0] >= 0) & (outline[:, 0] < size[0]) & (outline[:, 1] >= 0) & (outline[:, 1] < size[1])
        outline = outline[inside]
        covered = near_lit[outline[:, 1], outline[:, 0]].mean()
        assert covered > 0.9, f"{name}: only {covered:.0%} of its outline is drawn"


def test_arrow_is_drawn_along_the_target_path(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    overlay = _overlay_only(OverlayRenderer(regions), _result(face, pose, size, progress=_progress()), time_s=0.0)
    yellow = np.argwhere(_yellow(overlay))[:, ::-1].astype(float)  # x, y
    path_px = pose.face_to_image(GLIDE_PATH_FU)
    assert len(yellow) > 200
    # Every arrow pixel lies on the path (within the line's and the head's half-width) ...
    assert np.percentile(_distance_to_polyline(yellow, path_px), 99) < 14
    # ... and the arrow covers the whole path, not a piece of it.
    covered = _distance_to_polyline(path_px, yellow.reshape(-1, 1, 2).repeat(2, axis=1).reshape(-1, 2))
    assert covered.max() < 4
    # The head is at the end: more arrow pixels near the end of the path than near its start.
    near_end = np.linalg.norm(yellow - path_px[-1], axis=1) < 15
    near_start = np.linalg.norm(yellow - path_px[0], axis=1) < 15
    assert near_end.sum() > 1.5 * near_start.sum()


def test_arrow_turns_and_scales_with_the_face(
    turned: tuple[np.ndarray, FaceLandmarks, FacePose], pose: FacePose, regions: FaceRegions
) -> None:
    image, landmarks, turned_pose = turned
    size = (image.shape[1], image.shape[0])
    overlay = _overlay_only(OverlayRenderer(regions), _result(landmarks, turned_pose, size, progress=_progress()), 0.0)
    yellow = np.argwhere(_yellow(overlay))[:, ::-1].astype(float)
    path_px = turned_pose.face_to_image(GLIDE_PATH_FU)
    upright_px = pose.face_to_image(GLIDE_PATH_FU)
    assert np.percentile(_distance_to_polyline(yellow, path_px), 99) < 12
    # The drawn arrow follows the turned, smaller face: rotated by ~25° and ~70 % as long.
    drawn = path_px[-1] - path_px[0]
    upright = upright_px[-1] - upright_px[0]
    angle = np.degrees(np.arctan2(drawn[1], drawn[0]) - np.arctan2(upright[1], upright[0]))
    assert angle == pytest.approx(-25.0, abs=4.0)  # image y is down: counter-clockwise is negative
    assert np.linalg.norm(drawn) / np.linalg.norm(upright) == pytest.approx(0.7, abs=0.06)
    assert np.median(_distance_to_polyline(yellow, upright_px)) > 15  # not drawn where the upright face was


def _white_blob_centre(overlay: np.ndarray, near: np.ndarray, radius: float) -> np.ndarray:
    """Centre of the ghost's white fill within ``radius`` px of ``near``."""
    white = np.argwhere(overlay.min(axis=2) > 215)[:, ::-1].astype(float)
    close = white[np.linalg.norm(white - near, axis=1) < radius]
    assert len(close) > 10, "no ghost found"
    return close.mean(axis=0)


def test_ghost_glides_along_the_path_at_the_target_speed(
    face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray
) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    renderer = OverlayRenderer(regions)
    result = _result(face, pose, size, progress=_progress())
    lengths = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(GLIDE_PATH_FU, axis=0), axis=1))])
    path_length = lengths[-1]
    path_px = pose.face_to_image(GLIDE_PATH_FU)
    # Times where the ghost is past its fade-in (it fades in near the start and out near the end);
    # the last wraps round to 1.5 s.
    for time_s in (0.9, 1.2, 1.5, 1.5 + path_length / GLIDE_SPEED_FU_S):
        travelled = (time_s * GLIDE_SPEED_FU_S) % path_length
        expected_fu = np.array([np.interp(travelled, lengths, GLIDE_PATH_FU[:, axis]) for axis in range(2)])
        expected_px = pose.face_to_image(expected_fu)[0]
        found = _white_blob_centre(_overlay_only(renderer, result, time_s), expected_px, 2.5 * GHOST_RADIUS_PX)
        assert np.linalg.norm(found - expected_px) < 3.0, f"ghost at {found}, expected {expected_px} (t={time_s})"
        assert _distance_to_polyline(found[None], path_px)[0] < 3.0


def test_ghost_circles_at_the_target_rate(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    centre, radius, rate = np.array([0.55, -0.3]), 0.12, 0.8
    angles = np.pi / 2 + np.linspace(0.0, 2 * np.pi, 33)
    circle = centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
    renderer = OverlayRenderer(regions)
    result = _result(face, pose, size, progress=_progress("circle", circle, speed=None, rate=rate))
    for time_s in (0.0, 0.3125, 0.625, 1.25 + 0.3125):  # 0°, 90°, 180°, and 90° again a turn later
        angle = np.pi / 2 + 2 * np.pi * ((rate * time_s) % 1.0)
        expected_px = pose.face_to_image(centre + radius * np.array([np.cos(angle), np.sin(angle)]))[0]
        found = _white_blob_centre(_overlay_only(renderer, result, time_s), expected_px, 2.5 * GHOST_RADIUS_PX)
        assert np.linalg.norm(found - expected_px) < 3.5, f"t={time_s}: ghost at {found}, expected {expected_px}"


def test_tap_target_pulses_at_the_target_rate(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    spot = np.array([[0.1, 0.5]])
    renderer = OverlayRenderer(regions)
    result = _result(face, pose, size, progress=_progress("tap", spot, region="forehead", speed=None, rate=4.0))
    centre = pose.face_to_image(spot)[0]

    def dot_area(time_s: float) -> int:
        overlay = _overlay_only(renderer, result, time_s)
        white = np.argwhere(overlay.min(axis=2) > 215)[:, ::-1]
        return int((np.linalg.norm(white - centre, axis=1) < 3 * GHOST_RADIUS_PX).sum())

    on_beat, off_beat, next_beat = dot_area(1.0), dot_area(1.125), dot_area(1.25)
    assert on_beat > 1.8 * off_beat
    assert next_beat == on_beat  # 4 Hz: the same phase every 0.25 s


def test_mirrored_view_mirrors_geometry_not_text(
    portrait: np.ndarray, face: FaceLandmarks, pose: FacePose, regions: FaceRegions
) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    plain, mirrored = OverlayRenderer(regions), OverlayRenderer(regions, mirrored=True)
    result = _result(face, pose, size, progress=_progress())
    arrow_plain = _yellow(_overlay_only(plain, result, 0.0))
    arrow_mirrored = _yellow(_overlay_only(mirrored, result, 0.0))
    flipped = arrow_plain[:, ::-1]
    assert arrow_plain.sum() > 200
    assert (arrow_mirrored & flipped).sum() / (arrow_mirrored | flipped).sum() > 0.9
    assert (arrow_mirrored & arrow_plain).sum() / arrow_plain.sum() < 0.1  # it did move
    # Text only (no pose): identical pixels in both views, and really text (not a blank panel).
    text_only = _result(None, None, size, progress=_progress(), status="Show your hand to the camera")
    text_plain = qimage_to_numpy(plain.render(None, text_only))
    text_mirrored = qimage_to_numpy(mirrored.render(None, text_only))
    np.testing.assert_array_equal(text_plain, text_mirrored)
    assert not np.array_equal(text_plain, text_plain[:, ::-1])
    assert (text_plain.max(axis=2) > 200).sum() > 300  # bright glyph pixels
    # The camera image itself is flipped: a corner free of overlay shows the other corner.
    picture = qimage_to_numpy(mirrored.render(portrait, _result(face, pose, size)))
    np.testing.assert_array_equal(picture[-40:, :40], portrait[-40:, -40:][:, ::-1])


def test_last_stroke_is_coloured_by_its_score_and_fades(
    face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray
) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    path = np.array([[-0.3 - 0.4 * t, -0.5 + 0.3 * t] for t in np.linspace(0.0, 1.0, 20)])  # right cheek
    path_px = pose.face_to_image(path)
    middle = np.round(path_px[len(path_px) // 2]).astype(int)
    renderer = OverlayRenderer(regions)

    def colour_at_middle(score: float | None, now_s: float) -> np.ndarray:
        stroke = Stroke(1.0, 2.0, "right", "right_cheek", "glide", "up-out", 0.4, 1, None, path_fu=path)
        scored = ScoredStroke(stroke, StrokeScore(0, score, corrections=("Slow down",) if score else ()))
        overlay = _overlay_only(renderer, _result(face, pose, size, time_s=now_s, last_stroke=scored), now_s)
        return overlay[middle[1] - 1 : middle[1] + 2, middle[0] - 1 : middle[0] + 2].reshape(-1, 3).mean(axis=0)[::-1]

    for score, rgb in ((95.0, SCORE_GREEN), (20.0, SCORE_RED), (None, SCORE_NONE)):
        drawn = colour_at_middle(score, now_s=2.0)
        assert np.abs(drawn - np.array(rgb)).max() < 30, f"score {score}: drawn {drawn}, expected {rgb}"
    faded = colour_at_middle(95.0, now_s=2.0 + LAST_STROKE_VISIBLE_S / 2)
    assert 0.3 * np.array(SCORE_GREEN).sum() < faded.sum() < 0.75 * np.array(SCORE_GREEN).sum()
    assert colour_at_middle(95.0, now_s=2.0 + LAST_STROKE_VISIBLE_S + 0.5).sum() < 10


def test_feedback_panel_shows_the_correction(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    renderer = OverlayRenderer(regions)
    stroke = Stroke(1.0, 2.0, "right", "right_cheek", "glide", "up", 0.9, 1, None)
    with_words = ScoredStroke(stroke, StrokeScore(0, 41.0, corrections=("Slow down", "Stroke upward and outward")))
    without_words = ScoredStroke(stroke, StrokeScore(0, 41.0))
    first = _overlay_only(renderer, _result(None, None, size, time_s=2.0, last_stroke=with_words), 2.0)
    second = _overlay_only(renderer, _result(None, None, size, time_s=2.0, last_stroke=without_words), 2.0)
    right_half = np.s_[:, size[0] // 2 :]
    lit_with = (first[right_half].max(axis=2) > 200).sum()
    lit_without = (second[right_half].max(axis=2) > 200).sum()
    assert lit_with > lit_without + 300  # two more lines of bright text
    assert (first[:, : size[0] // 3].max(axis=2) > 0).sum() == 0  # the panel is on the right


def test_contact_points_and_trails_are_drawn_in_the_hand_colour(
    face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray
) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    trail = np.array([[0.3 + 0.3 * t, -0.6] for t in np.linspace(0.0, 1.0, 15)])
    tip_fu = trail[-1]
    tip_px = pose.face_to_image(tip_fu)[0]
    contact = ContactPoint("left", tip_px, tip_fu, on_face=True)
    overlay = _overlay_only(
        OverlayRenderer(regions), _result(face, pose, size, contacts=(contact,), trails={"left": trail}), 0.0
    )
    colour = np.array(HAND_RGB["left"])[::-1]  # BGR
    x, y = np.round(tip_px).astype(int)
    np.testing.assert_allclose(overlay[y, x], colour, atol=12)
    newest_segment = np.round(pose.face_to_image(trail[-3])[0]).astype(int)
    np.testing.assert_allclose(overlay[newest_segment[1], newest_segment[0]], colour, atol=40)


def test_frame_without_face_shows_background_and_status(portrait: np.ndarray, regions: FaceRegions) -> None:
    size = (640, 480)
    result = _result(None, None, size, status="No face seen: face the camera and move into the light")
    picture = qimage_to_numpy(OverlayRenderer(regions).render(None, result))
    assert picture.shape == (480, 640, 3)
    assert (picture[:200] == picture[0, 0]).all()  # plain background above the status line
    bottom = picture[400:]
    assert len(np.unique(bottom.reshape(-1, 3), axis=0)) > 20  # the status text


def test_render_scales_to_the_requested_size(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    result = _result(face, pose, size, progress=_progress())
    half = (size[0] // 2, size[1] // 2)
    picture = qimage_to_numpy(OverlayRenderer(regions).render(portrait, result, size=half))
    assert picture.shape == (half[1], half[0], 3)
    small = _overlay_only(OverlayRenderer(regions), result, 0.0, size=half)
    yellow = np.argwhere(_yellow(small))[:, ::-1].astype(float)
    assert len(yellow) > 50
    assert np.percentile(_distance_to_polyline(yellow, pose.face_to_image(GLIDE_PATH_FU) / 2), 99) < 8


def test_finished_routine_shows_no_target(face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray) -> None:
    size = (portrait.shape[1], portrait.shape[0])
    overlay = _overlay_only(OverlayRenderer(regions), _result(face, pose, size, progress=_progress(finished=True)), 0.0)
    assert _yellow(overlay).sum() == 0
    assert (overlay[:80, : size[0] // 2].max(axis=2) > 200).sum() > 100  # "Routine finished"


def test_live_view_copies_the_frame_the_worker_drew_and_draws_itself_when_that_no_longer_fits(
    qtbot, face: FaceLandmarks, pose: FacePose, regions: FaceRegions, portrait: np.ndarray
) -> None:
    """The worker draws each frame at the picture's size (coach.ui.composer); the window copies it.
    A resize or the mirror switched while no new frame comes makes the copy wrong: drawn afresh."""
    import dataclasses
    import time

    from PySide6.QtGui import QColor

    from coach.ui.composer import ComposedFrame, FrameComposer
    from coach.ui.main_window import VideoView
    from coach.ui.worker import bgr_to_qimage

    renderer = OverlayRenderer(regions, mirrored=True)
    renderer.draw_panels = False
    view = VideoView(renderer)
    qtbot.addWidget(view)
    view.resize(700, 560)
    view.show()
    height, width = portrait.shape[:2]
    trail = GLIDE_PATH_FU[:12]
    result = _result(face, pose, (width, height), progress=_progress(), trails={"left": trail})
    picture = bgr_to_qimage(portrait)
    composer = FrameComposer(renderer.twin())
    view.composer = composer

    view.show_frame(result, picture, time.perf_counter())
    drawn_here = qimage_to_numpy(view.grab().toImage())  # no composed frame yet: the view draws it
    assert composer.size == view.picture_size(), "the view tells the worker the picture's size when it paints"
    composed = composer.compose(picture, result)
    assert composed is not None and composed.size == view.picture_size() and composed.mirrored
    view.show_frame(result, picture, time.perf_counter(), composed)
    copied = qimage_to_numpy(view.grab().toImage())
    assert np.mean(np.abs(copied.astype(int) - drawn_here.astype(int)).max(axis=2) > 8) < 0.005, \
        "the worker's drawing must be the window's own"

    # On a high-density screen the worker draws at the screen's pixels: the same picture, sharper.
    composer.size = dataclasses.replace(composed.size, pixel_ratio=2.0)
    sharp = composer.compose(picture, result)
    assert sharp is not None and sharp.image.devicePixelRatio() == 2.0
    assert (sharp.image.width(), sharp.image.height()) == (2 * composed.size.width, 2 * composed.size.height)
    halved = cv2.resize(qimage_to_numpy(sharp.image), (composed.size.width, composed.size.height), interpolation=cv2.INTER_AREA)
    assert np.mean(np.abs(halved.astype(int) - qimage_to_numpy(composed.image).astype(int))) < 4.0

    # The copy is what is shown while it fits: a marker picture of the right size shows as it is.
    target = view.image_rect().toAlignedRect()
    marker = QImage(composed.size.width, composed.size.height, QImage.Format.Format_RGB32)
    marker.fill(QColor(255, 0, 255))
    inside = (slice(target.top() + 2, target.bottom() - 2), slice(target.left() + 2, target.right() - 2))

    def shows_marker() -> bool:
        shown = qimage_to_numpy(view.grab().toImage())[inside]
        return bool(np.all(shown == np.array([255, 0, 255], dtype=np.uint8)))  # BGR order of magenta is the same

    view.show_frame(result, picture, time.perf_counter(), ComposedFrame(marker, composed.size, True))
    assert shows_marker()
    renderer.mirrored = False  # the mirror switched: the copy is mirrored the wrong way
    assert not shows_marker()
    renderer.mirrored = True
    assert shows_marker()
    view.resize(820, 600)  # a resize: the copy no longer fits
    assert not shows_marker()
    assert composer.size == view.picture_size() != composed.size
