"""The coaching overlay, painted with QPainter: one renderer for the live window and the annotated video.

Everything the face carries (regions, the guidance arrow, the ghost target, trails, the last
stroke) is kept in face units and mapped to the image with the current frame's FacePose, so it
turns and scales with the head. Face-unit outlines are lifted once onto the reference face
surface (x, y, depth) and cached, so each frame only costs one small matrix product per shape.

Mirrored (selfie) view flips the image and every point horizontally, never the text: panels are
drawn at fixed positions in the output, outside the mirrored geometry.

Coordinates: ``paint`` draws into the rectangle (0, 0, width, height) of the painter's current
coordinate system; a window that letterboxes the image translates the painter first.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from coach.geometry import FacePose, FaceRegions
from coach.render.palette import GUIDE_RGB, HAND_RGB, TARGET_RGB, score_rgb
from coach.render.qt_env import prepare_qt_environment
from coach.render.text import display_name
from coach.technique.guidance import SpeedScale, is_unsure
from coach.types import FrameResult, ScoredStroke, StepProgress

logger = logging.getLogger(__name__)

# ---- look ---------------------------------------------------------------------------------------
BACKGROUND_COLOR = QColor(28, 30, 36)
REGION_OUTLINE_COLOR = QColor(255, 255, 255, 60)
TARGET_FILL_COLOR = QColor(*TARGET_RGB, 70)
TARGET_OUTLINE_COLOR = QColor(*TARGET_RGB, 210)
GUIDE_COLOR = QColor(*GUIDE_RGB, 235)
GUIDE_SHADOW_COLOR = QColor(0, 0, 0, 110)
GHOST_COLOR = QColor(255, 255, 255, 235)
GHOST_RING_COLOR = QColor(*GUIDE_RGB, 200)
MESH_POINT_COLOR = QColor(200, 205, 215, 90)
HAND_BONE_COLOR = QColor(230, 230, 230, 150)
PANEL_COLOR = QColor(12, 14, 18, 170)
TEXT_COLOR = QColor(245, 246, 248)
MUTED_TEXT_COLOR = QColor(175, 180, 190)
STATUS_COLOR = QColor(255, 196, 64)
STATUS_PANEL_COLOR = QColor(60, 40, 0, 200)
PROGRESS_TRACK_COLOR = QColor(255, 255, 255, 50)
PROGRESS_FILL_COLOR = QColor(*TARGET_RGB, 230)
HAND_COLORS: dict[str, QColor] = {hand: QColor(*rgb) for hand, rgb in HAND_RGB.items()}

FONT_FAMILY = "DejaVu Sans"
# Pixel sizes at a 480-pixel-high output; everything scales with the output.
TITLE_FONT_PX = 15
BODY_FONT_PX = 12
SCORE_FONT_PX = 26
REFERENCE_HEIGHT_PX = 480.0

# ---- behaviour ----------------------------------------------------------------------------------
LAST_STROKE_VISIBLE_S = 3.0  # the drawn stroke fades out over this long after it ends
TRAIL_WIDTH_PX = 3.0
TRAIL_BANDS = 4  # the trail fades from old to new in this many steps
GUIDE_WIDTH_PX = 5.0
GHOST_RADIUS_PX = 7.0
DEFAULT_GHOST_SPEED_FU_S = 0.3  # a glide step without a target speed still gets a moving ghost
HOLD_BREATH_HZ = 0.5  # the ghost of a hold "breathes" slowly
POINT_TARGET_EXTENT_FU = 0.03  # a target path smaller than this is a spot (tap, hold)
OUTLINE_SAMPLE_FU = 0.08  # outlines are resampled this finely before lifting onto the surface
PANEL_MAX_WIDTH_FRACTION = 0.36
LIFT_CACHE_SIZE = 32
# Where the text panels of the annotated video go, in order of preference; the first clear of the face wins.
PROGRESS_CORNERS = ("top-left", "bottom-left", "top-right", "bottom-right")
FEEDBACK_CORNERS = ("top-right", "bottom-right", "top-left", "bottom-left")
STATUS_PLACES = ("bottom", "top", "bottom-left", "bottom-right")
DEMO_SCALE = 1.8  # guided mode's demonstration ghost and arrow, this much larger

# MediaPipe's 21-point hand skeleton, for drawing a landmark recording without video.
HAND_BONES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (17, 18), (18, 19), (19, 20), (0, 17),
)


def letterbox_rect(area_width: int, area_height: int, frame_width: int, frame_height: int) -> QRectF:
    """Where a frame goes in an area: as large as fits, centred, keeping its proportions.

    Whole pixels: a fractional offset would resample (blur) every frame for nothing.
    """
    scale = min(area_width / max(1, frame_width), area_height / max(1, frame_height))
    shown_w, shown_h = round(frame_width * scale), round(frame_height * scale)
    return QRectF((area_width - shown_w) // 2, (area_height - shown_h) // 2, shown_w, shown_h)


def ensure_qt_app() -> QCoreApplication:
    """The running Qt application, creating one if there is none (fonts need one).

    Safe to call from tests, the CLI and workers before any window exists. The environment is
    prepared as for the windows (cv2's Qt plugin settings dropped; offscreen without a display).
    It is a QApplication (not only a QGuiApplication) so that widgets can be made later in the
    same process.
    """
    existing = QCoreApplication.instance()
    if existing is not None:
        return existing
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    return QApplication([])


def numpy_to_qimage(image_bgr: np.ndarray) -> QImage:
    """A BGR (or grey) uint8 image as a QImage that owns its pixels (one copy)."""
    return _qimage_view(image_bgr).copy()


def qimage_to_numpy(image: QImage) -> np.ndarray:
    """A QImage as an H×W×3 uint8 BGR array (OpenCV order), copied out of Qt's buffer."""
    if image.format() != QImage.Format.Format_BGR888:
        image = image.convertToFormat(QImage.Format.Format_BGR888)
    height, width = image.height(), image.width()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = buffer.reshape(height, image.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def _qimage_view(image: np.ndarray) -> QImage:
    """A QImage over the array's own memory: valid only while ``image`` lives."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    if image.ndim == 2:
        return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_Grayscale8)
    if image.ndim == 3 and image.shape[2] == 3:
        return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
    raise ValueError(f"expected an H×W×3 BGR or H×W grey image, got shape {image.shape}")


def _polygon(points: np.ndarray) -> QPolygonF:
    """N×2 points as a QPolygonF, written straight into Qt's buffer (as pyqtgraph does): a Python
    loop over QPointF costs more than the whole rest of a frame for the face mesh."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    polygon = QPolygonF()
    polygon.resize(len(points))
    _write_points(polygon, points)
    return polygon


def _polyline_path(points: np.ndarray, closed: bool = False) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(_polygon(points))
    if closed:
        path.closeSubpath()
    return path


def _with_alpha(color: QColor, alpha: float) -> QColor:
    faded = QColor(color)
    faded.setAlphaF(max(0.0, min(1.0, color.alphaF() * alpha)))
    return faded


def _resampled_edges(polygon: np.ndarray, spacing: float) -> list[np.ndarray]:
    """Each edge of a closed outline as its points from the start corner up to (not including) the
    end corner, with extra points on long edges so that lifting the outline onto the curved face
    surface bends the edges with the skin instead of cutting straight across. An edge shared by
    two regions gets the same points in both (the same corners and the same number of pieces)."""
    edges: list[np.ndarray] = []
    for start, end in zip(polygon, np.roll(polygon, -1, axis=0)):
        pieces = max(1, int(math.ceil(np.linalg.norm(end - start) / spacing)))
        edges.append(start + (end - start) * (np.arange(pieces) / pieces)[:, None])
    return edges


def _split_at_corners(polygons: dict[str, np.ndarray], tolerance: float = 1e-6) -> dict[str, np.ndarray]:
    """The outlines with every other region's corner that lies on one of their edges added as a
    corner of their own: where a cheek's border runs along part of a jaw's edge, both outlines then
    hold that part as the same edge, so a border shared only in part is still recognised as shared."""
    corners = np.unique(np.vstack(list(polygons.values())), axis=0)
    split: dict[str, np.ndarray] = {}
    for name, polygon in polygons.items():
        points: list[np.ndarray] = []
        for start, end in zip(polygon, np.roll(polygon, -1, axis=0)):
            points.append(start)
            direction = end - start
            length_sq = float(direction @ direction)
            if length_sq == 0.0:
                continue
            along = (corners - start) @ direction / length_sq
            across = np.abs((corners - start) @ np.array([-direction[1], direction[0]])) / math.sqrt(length_sq)
            inside = (along > tolerance) & (along < 1.0 - tolerance) & (across < tolerance)
            for index in np.argsort(along):
                if inside[index]:
                    points.append(corners[index])
        split[name] = np.array(points)
    return split


def _border_runs(
    polygons: dict[str, np.ndarray], edges_by_region: dict[str, list[np.ndarray]], decimals: int = 6
) -> list[np.ndarray]:
    """The borders between regions as runs of indices into the regions' stacked resampled outlines
    (``edges_by_region``, each region's ``_resampled_edges`` in ``polygons``' order), each edge in
    exactly one run: a border two regions share is drawn once.

    Drawing every region's closed outline paints each shared border twice; with a translucent pen
    that doubles its brightness there, so shared borders looked heavier than the face's edge. (The
    painter draws a third fewer segments; `bench_render.py` shows no measurable change in time.)"""
    runs: list[np.ndarray] = []
    seen: set[frozenset[tuple[float, ...]]] = set()
    offset = 0
    for name, polygon in polygons.items():
        edges = edges_by_region[name]
        starts = offset + np.concatenate([[0], np.cumsum([len(edge) for edge in edges])])
        total = int(starts[-1] - offset)
        kept: list[bool] = []
        for start, end in zip(polygon, np.roll(polygon, -1, axis=0)):
            key = frozenset((tuple(np.round(start, decimals).tolist()), tuple(np.round(end, decimals).tolist())))
            kept.append(key not in seen)
            seen.add(key)
        # Each edge's own points and the next edge's first point (its end corner).
        edge_indices = [np.arange(starts[edge], starts[edge + 1] + 1) for edge in range(len(edges))]
        edge_indices[-1][-1] = offset
        count = len(kept)
        if all(kept):
            runs.append(np.concatenate([edge_indices[0]] + [indices[1:] for indices in edge_indices[1:]]))
        elif any(kept):
            first = next(edge for edge in range(count) if not kept[edge])  # a run starts after a gap
            current: list[np.ndarray] = []
            for step in range(1, count + 1):
                edge = (first + step) % count
                if kept[edge]:
                    current.append(edge_indices[edge] if not current else edge_indices[edge][1:])
                elif current:
                    runs.append(np.concatenate(current))
                    current = []
            if current:
                runs.append(np.concatenate(current))
        offset += total
    return runs


def _write_points(polygon: QPolygonF, points: np.ndarray) -> None:
    """Writes N×2 points into a QPolygonF already sized N, in place: no per-frame QPointF objects
    (shiboken's VoidPtr is typed loosely in its stubs)."""
    if len(points):
        buffer = shiboken6.VoidPtr(polygon.data(), points.nbytes, True)  # type: ignore[call-arg, arg-type]
        np.frombuffer(buffer, dtype=np.float64).reshape(-1, 2)[:] = points  # type: ignore[call-overload]


def _arc_lengths(points_fu: np.ndarray) -> np.ndarray:
    steps = np.linalg.norm(np.diff(points_fu, axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _point_at_length(points: np.ndarray, cumulative: np.ndarray, length: float) -> np.ndarray:
    """Linear interpolation of an N×D polyline at arc length ``length`` (clamped to the path)."""
    return np.array([np.interp(length, cumulative, points[:, axis]) for axis in range(points.shape[1])])


class OverlayRenderer:
    """Paints a FrameResult: what to do (target, arrow, ghost), what was done (trails, last stroke,
    score, corrections) and where the routine stands (progress panel, status line).

    Holds only caches derived from its inputs; create one per view.
    """

    def __init__(self, regions: FaceRegions, mirrored: bool = False) -> None:
        ensure_qt_app()
        self.regions = regions
        self.mirrored = mirrored
        corners_fu = _split_at_corners({name: np.asarray(polygon, dtype=float) for name, polygon in regions.polygons_fu.items()})
        edges_fu = {name: _resampled_edges(polygon, OUTLINE_SAMPLE_FU) for name, polygon in corners_fu.items()}
        self._outlines_fu: dict[str, np.ndarray] = {name: np.vstack(edges) for name, edges in edges_fu.items()}
        # The borders between regions, each drawn once (see _border_runs), as index runs into the
        # stacked outlines and one preallocated polyline per run.
        self._border_runs = _border_runs(corners_fu, edges_fu)
        self._border_polylines = [QPolygonF() for _ in self._border_runs]
        for polyline, run in zip(self._border_polylines, self._border_runs):
            polyline.resize(len(run))
        self._outline_splits = np.cumsum([len(points) for points in self._outlines_fu.values()])[:-1]
        self._lift_cache: OrderedDict[Hashable, tuple[object, np.ndarray]] = OrderedDict()
        self._region_paths_key: tuple[object, ...] | None = None
        # One QPolygonF per region, allocated once and rewritten in place for each pose: no large
        # path is built per frame (painting cost, issue 11).
        self._region_polygons: dict[str, QPolygonF] = {name: QPolygonF() for name in self._outlines_fu}
        for name, outline in self._outlines_fu.items():
            self._region_polygons[name].resize(len(outline))
        self.draw_panels = True
        """Text panels over the picture (the annotated video); the live window shows them beside it."""
        self.demo = False
        """Guided mode's demonstration: a larger, clearer ghost and a bolder arrow."""
        self._avoid: list[QRectF] = []
        self.speed_scale = SpeedScale()
        self._title_font = self._font(TITLE_FONT_PX, bold=True)
        self._body_font = self._font(BODY_FONT_PX)
        self._score_font = self._font(SCORE_FONT_PX, bold=True)

    # ---- public -----------------------------------------------------------------------------

    def twin(self) -> "OverlayRenderer":
        """A renderer with the same regions and settings and caches of its own: for drawing on
        another thread (a renderer's caches are not shared between threads)."""
        twin = OverlayRenderer(self.regions, mirrored=self.mirrored)
        twin.draw_panels, twin.demo, twin.speed_scale = self.draw_panels, self.demo, self.speed_scale
        return twin

    def render(
        self,
        image_bgr: np.ndarray | None,
        result: FrameResult,
        size: tuple[int, int] | None = None,
        time_s: float | None = None,
    ) -> QImage:
        """The frame (or a plain dark background) with the overlay, as a new RGB32 QImage.

        ``size`` is (width, height) of the output, by default the frame's own; ``time_s`` drives
        the ghost target, by default the frame's timestamp.
        """
        if size is None:
            if image_bgr is not None:
                size = (int(image_bgr.shape[1]), int(image_bgr.shape[0]))
            else:
                size = (int(result.tracked.width), int(result.tracked.height))
        output = QImage(size[0], size[1], QImage.Format.Format_RGB32)
        painter = QPainter(output)
        try:
            self.paint_frame(painter, image_bgr, result, size, result.tracked.timestamp_s if time_s is None else time_s)
        finally:
            painter.end()
        return output

    def paint_frame(
        self,
        painter: QPainter,
        image: np.ndarray | QImage | None,
        result: FrameResult,
        size: tuple[int, int],
        time_s: float,
    ) -> None:
        """Background (the image, mirrored when asked, or plain dark) and then the overlay.

        Without an image (a landmark recording) the face mesh and hand skeletons are drawn too, so
        the motion can still be watched.
        """
        width, height = size
        target = QRectF(0.0, 0.0, float(width), float(height))
        if image is None:
            painter.fillRect(target, BACKGROUND_COLOR)
        else:
            source = image if isinstance(image, QImage) else _qimage_view(image)
            painter.save()
            if self.mirrored:
                painter.translate(float(width), 0.0)
                painter.scale(-1.0, 1.0)
            painter.drawImage(target, source)
            painter.restore()
        self.paint(painter, result, size, time_s, show_landmarks=image is None)

    def paint(
        self,
        painter: QPainter,
        result: FrameResult,
        size: tuple[int, int],
        time_s: float,
        show_landmarks: bool = False,
    ) -> None:
        """The overlay alone, over whatever the painter already holds."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        view = _View.for_result(result, size, self.mirrored)
        pose = result.pose
        if show_landmarks:
            self._paint_landmarks(painter, result, view)
        if pose is not None:
            self._paint_regions(painter, pose, view, result.progress)
            if result.progress is not None and not result.progress.finished:
                self._paint_guide(painter, pose, view, result.progress, time_s)
            if result.last_stroke is not None:
                self._paint_last_stroke(painter, pose, view, result.last_stroke, result.tracked.timestamp_s)
            self._paint_trails(painter, pose, view, result.trails_fu)
        self._paint_contacts(painter, view, result)
        if self.draw_panels:
            # Panels go to the corners that keep clear of the face (and of each other).
            self._avoid = [box] if (box := self._face_box(result, view)) is not None else []
            top = view.margin
            if result.progress is not None:
                self._paint_progress_panel(painter, view, result.progress)
            last = result.last_stroke
            if last is not None and (result.progress is None or last.score.step_index == result.progress.step_index):
                self._paint_feedback_panel(painter, view, last, top)
            if result.status:
                self._paint_status(painter, view, result.status)
        painter.restore()

    @staticmethod
    def _face_box(result: FrameResult, view: "_View") -> QRectF | None:
        """The face's bounding box in output pixels (None without a face)."""
        tracked = result.tracked
        if tracked.face is None:
            return None
        normalised = tracked.face.points_norm[:, :2]
        corners = np.array([normalised.min(axis=0), normalised.max(axis=0)]) * (tracked.width, tracked.height)
        corners = view.from_image(corners)  # two corners only: the box, mirrored or not, is theirs
        low, high = corners.min(axis=0), corners.max(axis=0)
        return QRectF(float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1]))

    def _place(self, view: "_View", width: float, height: float, corners: Sequence[str]) -> tuple[float, float]:
        """Where a panel of this size goes: the first of ``corners`` ("top-left", "top-right",
        "bottom-left", "bottom-right", "top", "bottom") that overlaps nothing to avoid, else the one
        that overlaps least. The chosen rectangle is then avoided by the panels after it."""
        margin = view.margin
        spots = {
            "top-left": (margin, margin),
            "top-right": (view.width - margin - width, margin),
            "bottom-left": (margin, view.height - margin - height),
            "bottom-right": (view.width - margin - width, view.height - margin - height),
            "top": ((view.width - width) / 2, margin),
            "bottom": ((view.width - width) / 2, view.height - margin - height),
        }

        def overlap(spot: tuple[float, float]) -> float:
            rect = QRectF(spot[0], spot[1], width, height)
            total = 0.0
            for other in self._avoid:
                shared = rect.intersected(other)
                total += max(0.0, shared.width()) * max(0.0, shared.height())
            return total

        candidates = [spots[name] for name in corners]
        chosen = next((spot for spot in candidates if overlap(spot) == 0.0), None)
        if chosen is None:
            chosen = min(candidates, key=overlap)
        self._avoid.append(QRectF(chosen[0], chosen[1], width, height))
        return chosen

    # ---- geometry on the face ---------------------------------------------------------------

    def _lift(self, pose: FacePose, points_fu: np.ndarray, key: Hashable) -> np.ndarray:
        """Face-unit points with the reference surface's depth (N×3), cached per surface and shape."""
        surface = pose.surface
        cache_key = (id(surface), key)
        entry = self._lift_cache.get(cache_key)
        if entry is not None and entry[0] is surface:
            self._lift_cache.move_to_end(cache_key)
            return entry[1]
        points_fu = np.asarray(points_fu, dtype=float).reshape(-1, 2)
        lifted = np.column_stack([points_fu, surface.depth_at(points_fu)]) if len(points_fu) else np.zeros((0, 3))
        self._lift_cache[cache_key] = (surface, lifted)
        while len(self._lift_cache) > LIFT_CACHE_SIZE:
            self._lift_cache.popitem(last=False)
        return lifted

    def _lift_path(self, pose: FacePose, points_fu: np.ndarray) -> np.ndarray:
        points_fu = np.ascontiguousarray(points_fu, dtype=float)
        return self._lift(pose, points_fu, ("path", points_fu.shape, points_fu.tobytes()))

    @staticmethod
    def _to_view(pose: FacePose, lifted_fu: np.ndarray, view: "_View") -> np.ndarray:
        if len(lifted_fu) == 0:
            return np.zeros((0, 2))
        return view.from_image(pose.face_to_image(lifted_fu))

    def _region_outlines(self, pose: FacePose, view: "_View") -> dict[str, QPolygonF]:
        """Each region's outline in view pixels for this pose, written into the cached polygons,
        and the border polylines with them."""
        key = (pose, view.key)
        if self._region_paths_key is not None and self._region_paths_key[0] is pose and self._region_paths_key[1] == view.key:
            return self._region_polygons
        all_points = np.vstack(list(self._outlines_fu.values()))
        lifted = self._lift(pose, all_points, "regions")
        projected = self._to_view(pose, lifted, view)
        for name, points in zip(self._outlines_fu, np.split(projected, self._outline_splits)):
            _write_points(self._region_polygons[name], np.ascontiguousarray(points))
        for polyline, run in zip(self._border_polylines, self._border_runs):
            _write_points(polyline, projected[run])
        self._region_paths_key = key
        return self._region_polygons

    def _target_regions(self, progress: StepProgress) -> list[str]:
        """The concrete region names to highlight; a base name without a side lights both sides."""
        polygons = self.regions.polygons_fu
        if progress.region in polygons:
            return [progress.region]
        if progress.side is not None and f"{progress.side}_{progress.region}" in polygons:
            return [f"{progress.side}_{progress.region}"]
        return [name for name in (f"left_{progress.region}", f"right_{progress.region}") if name in polygons]

    def _paint_regions(self, painter: QPainter, pose: FacePose, view: "_View", progress: StepProgress | None) -> None:
        polygons = self._region_outlines(pose, view)
        # The faint outlines are thin and translucent: drawn without antialiasing (a fraction of
        # the cost, and no visible difference); the target region keeps smooth edges.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(REGION_OUTLINE_COLOR, max(1.0, round(view.ui))))
        for polyline in self._border_polylines:
            painter.drawPolyline(polyline)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if progress is None or progress.finished:
            return
        painter.setBrush(QBrush(TARGET_FILL_COLOR))
        painter.setPen(QPen(TARGET_OUTLINE_COLOR, 2.0 * view.ui))
        for name in self._target_regions(progress):
            painter.drawPolygon(polygons[name])

    def _target_path(self, progress: StepProgress) -> np.ndarray:
        path = np.asarray(progress.target_path_fu, dtype=float).reshape(-1, 2)
        if len(path) == 0:
            names = self._target_regions(progress)
            if names:
                return self.regions.centre(names[0]).reshape(1, 2)
        return path

    def _paint_guide(self, painter: QPainter, pose: FacePose, view: "_View", progress: StepProgress, time_s: float) -> None:
        """The guidance arrow along the target path and the ghost that shows the target tempo."""
        path_fu = self._target_path(progress)
        if len(path_fu) == 0:
            return
        lifted = self._lift_path(pose, path_fu)
        points = self._to_view(pose, lifted, view)
        extent = float(np.ptp(path_fu, axis=0).max()) if len(path_fu) > 1 else 0.0
        if extent < POINT_TARGET_EXTENT_FU:
            self._paint_spot_target(painter, points.mean(axis=0), view, progress, time_s)
            return
        closed = progress.pattern == "circle" or float(np.linalg.norm(path_fu[0] - path_fu[-1])) < 0.1 * extent
        width = GUIDE_WIDTH_PX * view.ui * (DEMO_SCALE if self.demo else 1.0)
        outline = _polyline_path(points, closed=closed)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(GUIDE_SHADOW_COLOR, width + 3.0 * view.ui, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawPath(outline)
        painter.setPen(QPen(GUIDE_COLOR, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawPath(outline)
        cumulative = _arc_lengths(points)
        if closed:
            for fraction in (0.25, 0.75):  # two heads show the sense of rotation
                self._arrow_head(painter, points, cumulative, fraction * cumulative[-1], view, GUIDE_COLOR)
        else:
            self._arrow_head(painter, points, cumulative, cumulative[-1], view, GUIDE_COLOR)
        self._paint_ghost(painter, pose, view, progress, path_fu, lifted, closed, time_s)

    def _arrow_head(
        self, painter: QPainter, points: np.ndarray, cumulative: np.ndarray, at_length: float, view: "_View", color: QColor
    ) -> None:
        if cumulative[-1] <= 0.0:
            return
        head = 3.0 * GUIDE_WIDTH_PX * view.ui
        tip = _point_at_length(points, cumulative, at_length)
        behind = _point_at_length(points, cumulative, max(0.0, at_length - max(head, 1.0)))
        direction = tip - behind
        norm = float(np.linalg.norm(direction))
        if norm < 1e-6:
            return
        direction /= norm
        normal = np.array([-direction[1], direction[0]])
        base = tip - direction * head
        triangle = np.array([tip + direction * head * 0.35, base + normal * head * 0.6, base - normal * head * 0.6])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(_polygon(triangle))

    def _paint_ghost(
        self,
        painter: QPainter,
        pose: FacePose,
        view: "_View",
        progress: StepProgress,
        path_fu: np.ndarray,
        lifted: np.ndarray,
        closed: bool,
        time_s: float,
    ) -> None:
        """A dot travelling the path at the target tempo: glides at the target speed (restarting
        at the start), circles at the target rate (one loop per repetition)."""
        loop = np.vstack([path_fu, path_fu[:1]]) if closed else path_fu
        loop_lifted = np.vstack([lifted, lifted[:1]]) if closed else lifted
        cumulative = _arc_lengths(loop)
        length = float(cumulative[-1])
        if length <= 0.0:
            return
        if progress.pattern == "glide" or progress.target_rate_hz is None:
            speed = progress.target_speed_fu_s or DEFAULT_GHOST_SPEED_FU_S
            travelled = (time_s * speed) % length
        else:
            travelled = (time_s * progress.target_rate_hz % 1.0) * length
        position = _point_at_length(loop_lifted, cumulative, travelled).reshape(1, 3)
        centre = self._to_view(pose, position, view)[0]
        fade = 1.0 if closed else min(1.0, 4.0 * travelled / length, 4.0 * (1.0 - travelled / length) + 0.25)
        radius = GHOST_RADIUS_PX * view.ui * (DEMO_SCALE if self.demo else 1.0)
        painter.setPen(QPen(_with_alpha(GHOST_RING_COLOR, fade), 2.0 * view.ui))
        painter.setBrush(QBrush(_with_alpha(GHOST_COLOR, fade)))
        painter.drawEllipse(QPointF(*centre), radius, radius)

    def _paint_spot_target(self, painter: QPainter, centre: np.ndarray, view: "_View", progress: StepProgress, time_s: float) -> None:
        """Taps and kneads pulse at the target rate; a hold breathes slowly."""
        rate = progress.target_rate_hz if progress.target_rate_hz else HOLD_BREATH_HZ
        phase = (time_s * rate) % 1.0
        radius = GHOST_RADIUS_PX * view.ui * (DEMO_SCALE if self.demo else 1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(GUIDE_COLOR, 3.0 * view.ui))
        painter.drawEllipse(QPointF(*centre), 2.2 * radius, 2.2 * radius)
        ripple = radius * (1.0 + 2.5 * phase)
        painter.setPen(QPen(_with_alpha(GHOST_RING_COLOR, 1.0 - phase), 2.0 * view.ui))
        painter.drawEllipse(QPointF(*centre), ripple, ripple)
        pulse = radius * (0.6 + 0.6 * math.exp(-6.0 * phase))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(GHOST_COLOR))
        painter.drawEllipse(QPointF(*centre), pulse, pulse)

    def _paint_last_stroke(
        self, painter: QPainter, pose: FacePose, view: "_View", scored: ScoredStroke, now_s: float
    ) -> None:
        """The stroke as it was made, in its score colour, fading out after it ends."""
        stroke = scored.stroke
        age = now_s - stroke.end_s
        if len(stroke.path_fu) < 2 or age > LAST_STROKE_VISIBLE_S or age < -1.0:
            return
        fade = 1.0 - max(0.0, age) / LAST_STROKE_VISIBLE_S
        color = _with_alpha(QColor(*score_rgb(scored.score.total)), 0.95 * fade)
        points = self._to_view(pose, self._lift_path(pose, stroke.path_fu), view)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(color, 3.5 * view.ui, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawPath(_polyline_path(points))
        if stroke.pattern == "glide":
            cumulative = _arc_lengths(points)
            self._arrow_head(painter, points, cumulative, cumulative[-1], view, color)

    def _paint_trails(self, painter: QPainter, pose: FacePose, view: "_View", trails_fu: dict[str, np.ndarray]) -> None:
        """Recent contact paths, older parts fainter, so the hand's own motion reads at a glance."""
        for hand, trail in trails_fu.items():
            trail = np.asarray(trail, dtype=float).reshape(-1, 2)
            if len(trail) < 2:
                continue
            points = view.from_image(pose.face_to_image(trail))
            base = HAND_COLORS.get(hand, TEXT_COLOR)
            # A few bands of rising opacity, one polyline each, rather than a pen per segment.
            bands = min(TRAIL_BANDS, len(points) - 1)
            edges = np.linspace(0, len(points) - 1, bands + 1).round().astype(int)
            for band, (first, last) in enumerate(zip(edges[:-1], edges[1:])):
                if last <= first:
                    continue
                alpha = 0.15 + 0.85 * (band + 1) / bands
                painter.setPen(QPen(_with_alpha(base, alpha), TRAIL_WIDTH_PX * view.ui, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
                painter.drawPolyline(_polygon(points[first : last + 1]))

    def _paint_contacts(self, painter: QPainter, view: "_View", result: FrameResult) -> None:
        """Each working fingertip: filled when judged on the skin, a ring when hovering."""
        radius = 6.0 * view.ui
        for contact in result.contacts:
            centre = view.from_image(np.asarray(contact.point_px, dtype=float).reshape(1, 2))[0]
            color = HAND_COLORS.get(contact.hand, TEXT_COLOR)
            painter.setPen(QPen(QColor(0, 0, 0, 160), 1.5 * view.ui))
            painter.setBrush(QBrush(color) if contact.on_face else Qt.BrushStyle.NoBrush)
            if not contact.on_face:
                painter.setPen(QPen(color, 2.5 * view.ui))
            painter.drawEllipse(QPointF(*centre), radius, radius)

    def _paint_landmarks(self, painter: QPainter, result: FrameResult, view: "_View") -> None:
        tracked = result.tracked
        if tracked.face is not None:
            points = view.from_image(tracked.face.points_px(tracked.width, tracked.height))
            painter.setPen(QPen(MESH_POINT_COLOR, 2.0 * view.ui))
            # 478 faint dots of two pixels: drawn without antialiasing (a fraction of the cost of
            # 478 smoothed discs, and no visible difference at this size), as the region outlines.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.drawPoints(_polygon(points))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for hand in tracked.hands:
            points = view.from_image(hand.points_px(tracked.width, tracked.height))
            painter.setPen(QPen(_with_alpha(HAND_COLORS.get(hand.handedness, HAND_BONE_COLOR), 0.7), 2.0 * view.ui))
            for start, end in HAND_BONES:
                painter.drawLine(QPointF(*points[start]), QPointF(*points[end]))

    # ---- text (never mirrored) --------------------------------------------------------------

    def _font(self, pixel_size: int, bold: bool = False) -> QFont:
        font = QFont(FONT_FAMILY)
        font.setPixelSize(pixel_size)
        font.setBold(bold)
        return font

    def _scaled_font(self, font: QFont, view: "_View") -> QFont:
        scaled = QFont(font)
        scaled.setPixelSize(max(8, round(font.pixelSize() * view.ui)))
        return scaled

    def _paint_text_block(
        self,
        painter: QPainter,
        view: "_View",
        lines: Sequence[tuple[str, QFont, QColor] | float],
        left: float,
        top: float,
        max_width: float,
        corners: Sequence[str] = (),
    ) -> tuple[QRectF, list[QRectF]]:
        """A panel of wrapped text lines (a number is a blank band of that height, for a bar).

        With ``corners``, ``left`` and ``top`` are ignored and the panel goes to the first of them
        that keeps clear of the face (see ``_place``). Returns the panel and each item's rectangle,
        so callers can draw into the bands.
        """
        padding = 8.0 * view.ui
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
        heights: list[float] = []
        used_width = 0.0
        for item in lines:
            if isinstance(item, (int, float)):
                heights.append(float(item))
                continue
            text, font, _ = item
            bounds = QFontMetricsF(font).boundingRect(QRectF(0, 0, max_width, 10_000), flags, text)
            heights.append(bounds.height())
            used_width = max(used_width, bounds.width())
        if corners:
            left, top = self._place(view, used_width + 2 * padding, sum(heights) + 2 * padding, corners)
        panel = QRectF(left, top, used_width + 2 * padding, sum(heights) + 2 * padding)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(PANEL_COLOR))
        painter.drawRoundedRect(panel, 6.0 * view.ui, 6.0 * view.ui)
        y = top + padding
        rects: list[QRectF] = []
        for item, height in zip(lines, heights):
            rect = QRectF(left + padding, y, used_width, height)
            if not isinstance(item, (int, float)):
                text, font, color = item
                painter.setFont(font)
                painter.setPen(color)
                painter.drawText(QRectF(rect.left(), rect.top(), max_width, height), flags, text)
            rects.append(rect)
            y += height
        return panel, rects

    def _paint_progress_panel(self, painter: QPainter, view: "_View", progress: StepProgress) -> None:
        """Top left: which step, how many done (with a bar), which side, and what to do."""
        title_font = self._scaled_font(self._title_font, view)
        body_font = self._scaled_font(self._body_font, view)
        max_width = view.width * PANEL_MAX_WIDTH_FRACTION
        if progress.finished:
            lines: list[tuple[str, QFont, QColor] | float] = [
                ("Routine finished", title_font, TEXT_COLOR),
                ("Well done.", body_font, MUTED_TEXT_COLOR),
            ]
            self._paint_text_block(painter, view, lines, view.margin, view.margin, max_width, PROGRESS_CORNERS)
            return
        reps = f"{progress.reps_done} / {progress.reps_wanted} reps"
        if progress.side:
            reps = f"{progress.side.capitalize()} side · {reps}"
        bar_height = 5.0 * view.ui
        band = bar_height + 6.0 * view.ui
        lines = [
            (f"Step {progress.step_index + 1} of {progress.step_count}: {display_name(progress.step_name)}", title_font, TEXT_COLOR),
            (reps, body_font, TEXT_COLOR),
            band,
        ]
        if progress.instruction:
            lines.append((progress.instruction, body_font, MUTED_TEXT_COLOR))
        _, rects = self._paint_text_block(painter, view, lines, view.margin, view.margin, max_width, PROGRESS_CORNERS)
        band_rect = rects[2]
        bar = QRectF(band_rect.left(), band_rect.top() + (band - bar_height) / 2, band_rect.width(), bar_height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(PROGRESS_TRACK_COLOR))
        painter.drawRoundedRect(bar, bar_height / 2, bar_height / 2)
        share = min(1.0, progress.reps_done / progress.reps_wanted) if progress.reps_wanted > 0 else 0.0
        if share > 0:
            painter.setBrush(QBrush(PROGRESS_FILL_COLOR))
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * share, bar_height), bar_height / 2, bar_height / 2)

    def _paint_feedback_panel(self, painter: QPainter, view: "_View", scored: ScoredStroke, top: float) -> None:
        """Top right: the last stroke's score in its colour, what it was, and its correction in words."""
        stroke, score = scored.stroke, scored.score
        described = stroke.pattern if stroke.direction is None else f"{stroke.pattern} {stroke.direction}"
        if stroke.pattern == "glide" and stroke.speed_fu_s is not None:
            described += f" · {self.speed_scale.say(stroke.speed_fu_s)}"
        elif stroke.rate_hz is not None:
            described += f" · {stroke.count}× at {stroke.rate_hz:.1f} per second"
        lines: list[tuple[str, QFont, QColor] | float] = []
        if is_unsure(scored):
            body_font = self._scaled_font(self._body_font, view)
            lines = [("Unsure", self._scaled_font(self._title_font, view), MUTED_TEXT_COLOR),
                     (f"Last stroke: {described}", body_font, MUTED_TEXT_COLOR)]
            self._paint_text_block(painter, view, lines, view.margin, top, view.width * PANEL_MAX_WIDTH_FRACTION, FEEDBACK_CORNERS)
            return
        if score.total is not None:
            lines.append((f"{score.total:.0f}", self._scaled_font(self._score_font, view), QColor(*score_rgb(score.total))))
        body_font = self._scaled_font(self._body_font, view)
        lines.append((f"Last stroke: {described}", body_font, MUTED_TEXT_COLOR))
        for correction in score.corrections[:2]:
            lines.append((correction, self._scaled_font(self._title_font, view), TEXT_COLOR))
        max_width = view.width * PANEL_MAX_WIDTH_FRACTION
        self._paint_text_block(painter, view, lines, 0.0, top, max_width, FEEDBACK_CORNERS)

    def _paint_status(self, painter: QPainter, view: "_View", status: str) -> None:
        """Bottom centre (or wherever the face is not): the one thing to fix about tracking."""
        font = self._scaled_font(self._title_font, view)
        metrics = QFontMetricsF(font)
        padding = 8.0 * view.ui
        text_width = min(metrics.horizontalAdvance(status), view.width - 2 * view.margin - 2 * padding)
        left, top = self._place(view, text_width + 2 * padding, metrics.height() + 2 * padding, STATUS_PLACES)
        rect = QRectF(left, top, text_width + 2 * padding, metrics.height() + 2 * padding)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(STATUS_PANEL_COLOR))
        painter.drawRoundedRect(rect, 6.0 * view.ui, 6.0 * view.ui)
        painter.setFont(font)
        painter.setPen(STATUS_COLOR)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), metrics.elidedText(status, Qt.TextElideMode.ElideRight, text_width))


class _View:
    """Image pixels → output pixels: scale to the output size, and flip horizontally when mirrored."""

    __slots__ = ("width", "height", "scale_x", "scale_y", "mirrored", "ui", "margin", "key")

    def __init__(self, width: int, height: int, scale_x: float, scale_y: float, mirrored: bool) -> None:
        self.width = float(width)
        self.height = float(height)
        self.scale_x = scale_x
        self.scale_y = scale_y
        self.mirrored = mirrored
        self.ui = max(0.5, min(width, height) / REFERENCE_HEIGHT_PX)  # line widths and fonts follow the output size
        self.margin = 10.0 * self.ui
        self.key = (width, height, scale_x, scale_y, mirrored)

    @classmethod
    def for_result(cls, result: FrameResult, size: tuple[int, int], mirrored: bool) -> "_View":
        width, height = int(size[0]), int(size[1])
        source_width = max(1, result.tracked.width)
        source_height = max(1, result.tracked.height)
        return cls(width, height, width / source_width, height / source_height, mirrored)

    def from_image(self, points_px: np.ndarray) -> np.ndarray:
        points = np.asarray(points_px, dtype=float).reshape(-1, 2) * (self.scale_x, self.scale_y)
        if self.mirrored:
            points[:, 0] = self.width - points[:, 0]
        return points


def render_overlay(
    regions: FaceRegions,
    image_bgr: np.ndarray | None,
    result: FrameResult,
    size: tuple[int, int] | None = None,
    mirrored: bool = False,
) -> QImage:
    """One-off rendering; streams should keep an OverlayRenderer so that its caches pay off."""
    return OverlayRenderer(regions, mirrored).render(image_bgr, result, size)
