"""Calibration on generated landmark recordings with known touch positions, and on real pixels.

The generated sessions project a face mesh (the canonical face with a crooked nose, so the user's
own asymmetry can be checked) into a 640×480 image with a known head pose that sways a little,
and add a 21-point hand whose index tip (or held tool) sits exactly on the user's own anatomical
points, which differ from the defaults by known amounts. They run through the real Pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import legacy_tracker_runs
from coach.calibration import (
    DEFAULT_TARGETS,
    CalibrationError,
    CalibrationFlow,
    CalibrationSettings,
    HoldDetector,
    NeutralSettings,
    calibrated_regions,
    run_calibration,
    target_by_name,
    tool_contact_px,
    tool_offset_from,
)
from coach.calibration.adjust import calibrated_polygons
from coach.geometry import FaceRegions, canonical_face
from coach.geometry.canonical import symmetrise
from coach.geometry.face_frame import FacePose, FaceSurface
from coach.geometry.regions import default_region_polygons
from coach.pipeline import Pipeline
from coach.recording import RecordingWriter, read_recording
from coach.storage.profiles import list_profiles, load_profile, profile_path
from coach.strokes import StrokeEngine
from coach.types import HAND_INDEX_TIP, FaceLandmarks, HandLandmarks, TrackedFrame

WIDTH, HEIGHT = 640, 480
FPS = 15.0

# Where this user's anatomy differs from the defaults (FU): cheekbones lower, jaw angles further
# in and up, temples higher, collarbone hollows lower (a long neck). Mildly asymmetric.
USER_SHIFTS: dict[str, tuple[float, float]] = {
    "right_cheekbone": (-0.02, -0.09),
    "left_cheekbone": (0.03, -0.08),
    "right_jaw_angle": (0.12, 0.06),
    "left_jaw_angle": (-0.10, 0.05),
    "right_temple": (0.02, 0.05),
    "left_temple": (-0.03, 0.04),
    "right_collarbone_hollow": (0.05, -0.20),
    "left_collarbone_hollow": (-0.04, -0.22),
}
TRUE_TOUCHES: dict[str, np.ndarray] = {
    target.name: target.default + np.array(USER_SHIFTS[target.name]) for target in DEFAULT_TARGETS
}
TRUE_TOOL_OFFSET = (2.35, 0.2)  # tool edge from the wrist, in hand sizes (coach.strokes.contact's frame)

# Hand skeleton in palm lengths from the wrist: (along the fingers, across toward the thumb).
HAND_SHAPE = np.array([
    (0.0, 0.0), (0.25, 0.30), (0.45, 0.50), (0.62, 0.62), (0.78, 0.70),
    (0.95, 0.28), (1.35, 0.30), (1.60, 0.31), (1.82, 0.32),
    (1.00, 0.00), (1.42, 0.00), (1.68, 0.00), (1.90, 0.00),
    (0.95, -0.24), (1.32, -0.26), (1.55, -0.27), (1.72, -0.28),
    (0.86, -0.45), (1.12, -0.50), (1.28, -0.52), (1.42, -0.54),
])


def user_mesh() -> np.ndarray:
    """The canonical face with the nose bent 0.03 FU toward the subject's left: a real asymmetry."""
    mesh = canonical_face().copy()
    nose_tip = mesh[1, :2]
    distance = np.linalg.norm(mesh[:, :2] - nose_tip, axis=1)
    mesh[:, 0] += 0.03 * np.clip(1.0 - distance / 0.25, 0.0, 1.0)
    return mesh


def rotation(roll_deg: float, yaw_deg: float) -> np.ndarray:
    roll, yaw = math.radians(roll_deg), math.radians(yaw_deg)
    about_z = np.array([[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]])
    about_y = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]])
    return about_z @ about_y


@dataclass
class SyntheticSession:
    """Builds TrackedFrames: a face with a known pose and a hand placed on known face-unit points."""

    mesh_fu: np.ndarray = field(default_factory=user_mesh)
    scale: float = 150.0
    sway: bool = True
    seed: int = 7
    frames: list[TrackedFrame] = field(default_factory=list)
    t: float = 0.0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.surface = FaceSurface(self.mesh_fu)

    def pose_at(self, t: float, still: bool = False) -> FacePose:
        """The head: slightly turned and tilted, swaying slowly (unless still)."""
        wobble = 0.0 if (still or not self.sway) else 1.0
        roll = 4.0 + 3.0 * wobble * math.sin(t * 0.7)
        yaw = 6.0 + 2.0 * wobble * math.sin(t * 0.5)
        centre = np.array([330.0 + 12.0 * wobble * math.sin(t * 0.9), 170.0 + 6.0 * wobble * math.cos(t * 0.6)])
        scale = self.scale * (1.0 + 0.04 * wobble * math.sin(t * 0.3))
        translation = np.array([centre[0], -centre[1], 0.0])
        return FacePose(scale, rotation(roll, yaw), translation, self.surface)

    def face(self, pose: FacePose) -> FaceLandmarks:
        observed = pose.scale_px_per_fu * self.mesh_fu @ pose.rotation.T + pose.translation
        observed[:, :2] += self.rng.normal(0.0, 0.3, size=(len(observed), 2))
        return FaceLandmarks(np.column_stack([observed[:, 0] / WIDTH, -observed[:, 1] / HEIGHT, -observed[:, 2] / WIDTH]))

    def hand_points(self, wrist_px: np.ndarray, along: np.ndarray, size_px: float, handedness: str) -> np.ndarray:
        across = np.array([-along[1], along[0]]) * (1.0 if handedness == "right" else -1.0)
        return wrist_px + size_px * (HAND_SHAPE[:, :1] * along + HAND_SHAPE[:, 1:] * across)

    def hand_with_tip_at(self, tip_px: np.ndarray, handedness: str, pose: FacePose) -> HandLandmarks:
        """A hand reaching up from below-outside with its index tip (landmark 8) exactly at ``tip_px``."""
        side = -1.0 if handedness == "right" else 1.0  # subject's right is image left (unmirrored)
        along = np.array([0.35 * side, -1.0])
        along = along / np.linalg.norm(along)
        size = 0.8 * pose.scale_px_per_fu
        across = np.array([-along[1], along[0]]) * (1.0 if handedness == "right" else -1.0)
        wrist = tip_px - size * (HAND_SHAPE[HAND_INDEX_TIP, 0] * along + HAND_SHAPE[HAND_INDEX_TIP, 1] * across)
        return self._hand(self.hand_points(wrist, along, size, handedness), handedness)

    def hand_with_tool_at(self, contact_px: np.ndarray, handedness: str, pose: FacePose, offset: tuple[float, float], angle_deg: float) -> HandLandmarks:
        """A hand holding a tool whose edge is at ``contact_px`` (``offset`` in the engine's hand frame)."""
        angle = math.radians(angle_deg)
        along = np.array([math.sin(angle), -math.cos(angle)])
        size = 0.8 * pose.scale_px_per_fu
        across = np.array([-along[1], along[0]]) * (1.0 if handedness == "right" else -1.0)
        wrist = contact_px - size * (offset[0] * along + offset[1] * across)
        return self._hand(self.hand_points(wrist, along, size, handedness), handedness)

    def _hand(self, points_px: np.ndarray, handedness: str) -> HandLandmarks:
        points_px = points_px + self.rng.normal(0.0, 0.4, size=points_px.shape)
        norm = np.column_stack([points_px[:, 0] / WIDTH, points_px[:, 1] / HEIGHT, np.zeros(len(points_px))])
        return HandLandmarks(handedness, 0.97, norm)  # type: ignore[arg-type]

    def add(self, face: FaceLandmarks | None, hands: tuple[HandLandmarks, ...] = ()) -> None:
        self.frames.append(
            TrackedFrame(len(self.frames), round(self.t, 6), WIDTH, HEIGHT, face, hands, faces_seen=int(face is not None))
        )
        self.t += 1.0 / FPS

    # ---- scenes

    def still_face(self, seconds: float) -> "SyntheticSession":
        for _ in range(round(seconds * FPS)):
            self.add(self.face(self.pose_at(self.t, still=True)))
        return self

    def nodding_face(self, seconds: float) -> "SyntheticSession":
        for _ in range(round(seconds * FPS)):
            pose = self.pose_at(self.t, still=True)
            shifted = FacePose(pose.scale_px_per_fu, rotation(4.0 + 12.0 * math.sin(self.t * 4.0), 6.0), pose.translation, pose.surface)
            self.add(self.face(shifted))
        return self

    def no_face(self, seconds: float) -> "SyntheticSession":
        for _ in range(round(seconds * FPS)):
            self.add(None)
        return self

    def face_no_hand(self, seconds: float) -> "SyntheticSession":
        for _ in range(round(seconds * FPS)):
            self.add(self.face(self.pose_at(self.t)))
        return self

    def touch(self, point_fu: np.ndarray, handedness: str, hold_s: float = 1.4, approach_s: float = 0.5) -> "SyntheticSession":
        """Reach for a face-unit point, hold it, then take the hand away."""
        start_fu = np.asarray(point_fu) + np.array([0.15 if point_fu[0] < 0 else -0.15, -0.4])
        steps = round(approach_s * FPS)
        for step in range(steps):
            pose = self.pose_at(self.t)
            where = start_fu + (np.asarray(point_fu) - start_fu) * (step + 1) / steps
            self.add(self.face(pose), (self.hand_with_tip_at(pose.face_to_image(where[None])[0], handedness, pose),))
        for _ in range(round(hold_s * FPS)):
            pose = self.pose_at(self.t)
            self.add(self.face(pose), (self.hand_with_tip_at(pose.face_to_image(np.asarray(point_fu)[None])[0], handedness, pose),))
        return self.face_no_hand(0.3)

    def hold_tool(self, contact_fu: np.ndarray, offset: tuple[float, float], hold_s: float = 1.5) -> "SyntheticSession":
        for _ in range(round(hold_s * FPS)):
            pose = self.pose_at(self.t)
            contact_px = pose.face_to_image(np.asarray(contact_fu)[None])[0]
            self.add(self.face(pose), (self.hand_with_tool_at(contact_px, "right", pose, offset, angle_deg=-25.0),))
        return self

    def calibration(self, touches: dict[str, np.ndarray] = TRUE_TOUCHES, tool: bool = False) -> "SyntheticSession":
        """A whole, well-behaved calibration: still face, every touch, optionally the tool."""
        self.still_face(2.6)
        for target in DEFAULT_TARGETS:
            self.touch(touches[target.name], "right" if target.name.startswith("right") else "left")
        if tool:
            self.hold_tool(touches["right_cheekbone"], TRUE_TOOL_OFFSET)
        return self


def feed_all(flow: CalibrationFlow, frames: list[TrackedFrame], pipeline: Pipeline | None = None) -> list:
    pipeline = pipeline or Pipeline()
    return [flow.feed(pipeline.process_tracked(frame)) for frame in frames]


@pytest.fixture(scope="module")
def calibrated_flow() -> CalibrationFlow:
    flow = CalibrationFlow(with_tool=True, cm_per_fu=8.6)
    states = feed_all(flow, SyntheticSession().calibration(tool=True).frames)
    assert states[-1].done, states[-1]
    return flow


# ---------------------------------------------------------------------------------------------
# The whole flow on a generated session


def test_calibration_recovers_the_touched_points(calibrated_flow: CalibrationFlow) -> None:
    measured = calibrated_flow.touch_points_fu
    assert set(measured) == set(TRUE_TOUCHES)
    errors = {name: float(np.linalg.norm(np.array(measured[name]) - TRUE_TOUCHES[name])) for name in measured}
    assert max(errors.values()) < 0.03, errors


def test_neutral_face_is_the_users_own_mesh_with_its_asymmetry(calibrated_flow: CalibrationFlow) -> None:
    reference = calibrated_flow.reference_mesh_fu
    assert reference is not None and reference.shape == (478, 3)
    np.testing.assert_allclose(reference[[33, 263]], [[-0.5, 0, 0], [0.5, 0, 0]], atol=1e-9)
    assert np.abs(reference[:, :2] - user_mesh()[:, :2]).max() < 0.01
    assert reference[1, 0] == pytest.approx(0.03, abs=0.005)  # the crooked nose is kept, not symmetrised


def test_tool_offset_is_measured_in_the_engines_hand_frame(calibrated_flow: CalibrationFlow) -> None:
    assert calibrated_flow.tool_offset is not None
    np.testing.assert_allclose(calibrated_flow.tool_offset, TRUE_TOOL_OFFSET, atol=0.03)


def test_profile_from_the_flow_moves_the_boundaries_through_the_touches(calibrated_flow: CalibrationFlow) -> None:
    profile = calibrated_flow.build_profile("synthetic")
    assert profile.cm_per_fu == 8.6
    regions = profile.regions
    for side in ("right", "left"):
        cheekbone = np.array(profile.touch_points_fu[f"{side}_cheekbone"])
        # On the under-eye/cheek boundary: touching both regions, with each on its own side.
        assert regions.distance_to(cheekbone, f"{side}_under_eye") < 1e-6
        assert regions.distance_to(cheekbone, f"{side}_cheek") < 1e-6
        assert regions.region_at(cheekbone + [0, 0.02]) == f"{side}_under_eye"
        assert regions.region_at(cheekbone - [0, 0.02]) == f"{side}_cheek"
        jaw_angle = np.array(profile.touch_points_fu[f"{side}_jaw_angle"])
        assert regions.distance_to(jaw_angle, f"{side}_jaw") < 1e-6
        assert regions.distance_to(jaw_angle, f"{side}_neck") < 1e-6
        temple = np.array(profile.touch_points_fu[f"{side}_temple"])
        assert regions.region_at(temple) == f"{side}_temple"
        hollow = np.array(profile.touch_points_fu[f"{side}_collarbone_hollow"])
        assert regions.region_at(hollow) == f"{side}_neck"
    # The hollows are 0.2 lower than average, so the neck reaches further down than by default.
    below_default_neck = np.array([-0.55, -2.6])
    assert FaceRegions().region_at(below_default_neck) is None
    assert regions.region_at(below_default_neck) == "right_neck"


def test_a_stroke_on_a_lower_cheekbone_is_placed_right_only_with_the_profile(calibrated_flow: CalibrationFlow) -> None:
    """The user's cheekbone is 0.09 FU lower than average: just above it is still under the eye."""
    profile = calibrated_flow.build_profile("synthetic")
    user_cheekbone = TRUE_TOUCHES["right_cheekbone"]
    session = SyntheticSession(seed=11)
    session.still_face(0.5)
    stroke_point = user_cheekbone + np.array([0.0, 0.04])  # above this user's cheekbone, below the default one
    session.touch(stroke_point, "right", hold_s=0.6, approach_s=0.2)
    last_touching = [frame for frame in session.frames if frame.hands][-1]

    def region_seen(pipeline: Pipeline) -> str | None:
        result = None
        for frame in session.frames:
            result = pipeline.process_tracked(frame)
            if frame is last_touching:
                break
        assert result is not None and result.contacts
        return pipeline.regions.region_at(result.contacts[0].point_fu)

    assert region_seen(Pipeline()) == "right_cheek"
    assert region_seen(Pipeline(profile=profile)) == "right_under_eye"


def test_tool_offset_moves_the_contact_point_as_expected(calibrated_flow: CalibrationFlow) -> None:
    """With the calibrated offset, the engine's tool contact lands on the tool edge, wherever the hand is."""
    offset = calibrated_flow.tool_offset
    assert offset is not None
    session = SyntheticSession(seed=3, sway=False)
    pose = session.pose_at(0.0, still=True)
    edge_fu = np.array([0.45, -0.5])  # the tool edge on the left cheek, hand turned another way
    edge_px = pose.face_to_image(edge_fu[None])[0]
    hand = session.hand_with_tool_at(edge_px, "left", pose, TRUE_TOOL_OFFSET, angle_deg=30.0)
    frame = TrackedFrame(0, 0.0, WIDTH, HEIGHT, session.face(pose), (hand,))
    contact_px = {}
    for name, tool_offset in (("calibrated", offset), ("default", None)):
        engine = StrokeEngine(FaceRegions(), contact="tool", tool_offset=tool_offset)
        engine.update(frame, pose)
        contact_px[name] = engine.contacts()[0].point_px
    hand_px = hand.points_px(WIDTH, HEIGHT)
    size_px = np.linalg.norm(hand_px[9] - hand_px[0])
    assert np.linalg.norm(contact_px["calibrated"] - edge_px) < 0.05 * size_px
    assert np.linalg.norm(contact_px["default"] - edge_px) > 0.1 * size_px
    # The fingertip itself is elsewhere: the offset is what moved the contact.
    assert np.linalg.norm(hand_px[HAND_INDEX_TIP] - edge_px) > 0.3 * size_px
    np.testing.assert_allclose(tool_contact_px(hand_px, offset), contact_px["calibrated"], atol=1e-9)


def test_tool_offset_round_trips_through_the_engines_contact_point() -> None:
    session = SyntheticSession(seed=5)
    pose = session.pose_at(0.0, still=True)
    hand_px = session.hand_with_tool_at(np.array([300.0, 250.0]), "right", pose, (2.0, -0.3), angle_deg=-40.0).points_px(WIDTH, HEIGHT)
    offset = tool_offset_from(hand_px, np.array([280.0, 140.0]))
    assert offset is not None
    np.testing.assert_allclose(tool_contact_px(hand_px, offset), [280.0, 140.0], atol=1e-9)


def test_run_calibration_saves_the_profile_from_a_recording_file(tmp_path: Path) -> None:
    path = tmp_path / "calibration.jsonl.gz"
    with RecordingWriter(path, WIDTH, HEIGHT, FPS) as writer:
        for frame in SyntheticSession(seed=21).calibration().frames:
            writer.write(frame)
    seen: list[str] = []
    profile = run_calibration(read_recording(path), "from-recording", on_state=lambda state: seen.append(state.step))
    assert seen[0] == "neutral" and seen[-1] == "done"
    assert list_profiles() == ["from-recording"]
    loaded = load_profile("from-recording")
    for name, point in TRUE_TOUCHES.items():
        assert np.linalg.norm(np.array(loaded.touch_points_fu[name]) - point) < 0.03
    assert loaded.tool_offset is None
    assert loaded.reference_mesh_fu is not None
    np.testing.assert_allclose(loaded.reference_mesh_fu, profile.reference_mesh_fu, atol=1e-5)
    pipeline = Pipeline(profile=loaded)
    assert pipeline.regions is loaded.regions
    np.testing.assert_allclose(pipeline.fitter.reference_fu, loaded.reference_mesh_fu)


# ---------------------------------------------------------------------------------------------
# Region adjustment on its own


def test_touches_at_the_defaults_leave_the_regions_as_they_were() -> None:
    regions = calibrated_regions({target.name: target.default_fu for target in DEFAULT_TARGETS})
    grid = np.stack(np.meshgrid(np.linspace(-1.2, 1.2, 61), np.linspace(-2.8, 1.0, 77)), axis=-1).reshape(-1, 2)
    assert regions.regions_at(grid) == FaceRegions().regions_at(grid)


def test_boundary_targets_lie_on_their_default_boundaries() -> None:
    defaults = FaceRegions()
    for target in DEFAULT_TARGETS:
        if target.kind == "boundary":
            for region in target.regions:
                assert defaults.distance_to(target.default, region) < 1e-9, (target.name, region)
        else:
            assert defaults.region_at(target.default) == target.regions[0], target.name


def test_neighbouring_regions_still_share_their_boundaries_after_the_warp() -> None:
    polygons = calibrated_polygons({name: tuple(point) for name, point in TRUE_TOUCHES.items()})
    cheek, under_eye = polygons["right_cheek"], polygons["right_under_eye"]
    shared = [point for point in under_eye if np.min(np.linalg.norm(cheek - point, axis=1)) < 1e-9]
    assert len(shared) >= 8
    assert min(np.linalg.norm(np.array(shared) - TRUE_TOUCHES["right_cheekbone"], axis=1)) < 1e-9
    assert set(polygons) == set(default_region_polygons())


def test_a_folding_touch_is_refused_naming_it() -> None:
    touches = {name: tuple(point) for name, point in TRUE_TOUCHES.items()}
    touches["right_cheekbone"] = (-0.375, 0.12)  # above the eye corners
    with pytest.raises(CalibrationError, match="inconsistent.*right cheekbone"):
        calibrated_regions(touches)


# ---------------------------------------------------------------------------------------------
# Acceptance and failure cases, each with its message

FAST = CalibrationSettings(hand_timeout_s=2.0, face_lost_s=1.0, neutral_timeout_s=3.0)


def test_hold_detector_needs_a_still_second() -> None:
    detector = HoldDetector(radius=0.03, hold_s=1.0)
    assert all(detector.add(i / 30, np.array([i * 0.01, 0.0])) is None for i in range(30))  # moving
    held = None
    for i in range(40):
        held = held or detector.add(1.0 + i / 30, np.array([0.3, 0.001 * (i % 3)]))
    assert held is not None and held.duration_s >= 1.0
    np.testing.assert_allclose(held.position, [0.3, 0.001], atol=0.002)


def test_a_far_touch_is_rejected_and_the_step_repeats_then_fails_as_inconsistent() -> None:
    session = SyntheticSession(seed=2).still_face(2.6)
    wrong = [np.array([-0.375, -0.75]), np.array([-0.2, -0.8]), np.array([-0.6, -0.75])]
    flow = CalibrationFlow(settings=FAST)
    pipeline = Pipeline()
    feed_all(flow, session.frames, pipeline)
    assert flow.state.step == "right_cheekbone"
    first = SyntheticSession(seed=2, frames=[], t=session.t).touch(wrong[0], "right").frames
    states = feed_all(flow, first, pipeline)
    assert states[-1].step == "right_cheekbone" and not states[-1].failed
    assert "Try again" in states[-1].notice and "face units from where the top of your right cheekbone usually is" in states[-1].notice
    rest = SyntheticSession(seed=2, frames=[], t=session.t + 3).touch(wrong[1], "right").touch(wrong[2], "right").frames
    states = feed_all(flow, rest, pipeline)
    assert states[-1].failed
    assert states[-1].failure.startswith("Touches inconsistent (3 tries refused)")
    # Redo the step: a good touch is then accepted.
    flow.redo_step()
    good = SyntheticSession(seed=2, frames=[], t=session.t + 9).touch(TRUE_TOUCHES["right_cheekbone"], "right").frames
    states = feed_all(flow, good, pipeline)
    assert states[-1].step == "left_cheekbone"
    assert np.linalg.norm(np.array(flow.touch_points_fu["right_cheekbone"]) - TRUE_TOUCHES["right_cheekbone"]) < 0.03


def test_a_lopsided_touch_is_rejected_against_its_twin() -> None:
    session = SyntheticSession(seed=4).still_face(2.6).touch(TRUE_TOUCHES["right_cheekbone"], "right")
    lopsided = target_by_name("left_cheekbone").default + np.array([0.0, 0.25])  # 0.34 from the mirrored right touch
    session.touch(lopsided, "left")
    flow = CalibrationFlow(settings=FAST)
    states = feed_all(flow, session.frames)
    rejected = [state for state in states if "mirror image" in state.notice]
    assert rejected and rejected[-1].step == "left_cheekbone"
    assert "left_cheekbone" not in flow.touch_points_fu


def test_face_lost_fails_the_step_with_its_reason() -> None:
    session = SyntheticSession(seed=6).still_face(2.6).no_face(2.0)
    states = feed_all(CalibrationFlow(settings=FAST), session.frames)
    assert states[-1].failed and states[-1].step == "right_cheekbone"
    assert states[-1].failure.startswith("Face lost for more than 1 s")


def test_a_face_never_seen_fails_the_first_step() -> None:
    states = feed_all(CalibrationFlow(settings=FAST), SyntheticSession(seed=6).no_face(3.5).frames)
    assert states[-1].failed and states[-1].step == "neutral"
    assert states[-1].failure.startswith("Face lost for more than 3 s: keep your whole face in view")


def test_hand_never_seen_fails_the_step_with_its_reason() -> None:
    session = SyntheticSession(seed=8).still_face(2.6).face_no_hand(2.5)
    states = feed_all(CalibrationFlow(settings=FAST), session.frames)
    assert states[-1].failed
    assert states[-1].failure.startswith("No hand seen in 2 s: raise your hand into the picture and touch the top of your right cheekbone")


def test_a_moving_head_never_gives_a_neutral_face() -> None:
    session = SyntheticSession(seed=9).nodding_face(3.5)
    states = feed_all(CalibrationFlow(settings=FAST), session.frames)
    assert any(state.notice == "Hold your head still" for state in states)
    assert states[-1].failed and states[-1].step == "neutral"
    assert states[-1].failure.startswith("No still, frontal 2 s in 3 s (hold your head still)")


def test_nothing_is_built_or_saved_before_the_end(tmp_path: Path) -> None:
    flow = CalibrationFlow(settings=FAST)
    feed_all(flow, SyntheticSession(seed=10).still_face(2.6).frames)
    with pytest.raises(CalibrationError, match="not complete.*right_cheekbone.*nothing was saved"):
        flow.build_profile("half")
    frames = SyntheticSession(seed=10).still_face(2.6).face_no_hand(3.0).frames
    with pytest.raises(CalibrationError, match=r"step 2 of 9 \(right cheekbone\): No hand seen"):
        run_calibration(frames, "half", flow=CalibrationFlow(settings=FAST))
    with pytest.raises(CalibrationError, match="frames ran out at step 2 of 9"):
        run_calibration(SyntheticSession(seed=10).still_face(2.6).frames, "half")
    assert list_profiles() == []


def test_the_tool_step_can_be_skipped_and_scale_is_checked() -> None:
    flow = CalibrationFlow(with_tool=True)
    states = feed_all(flow, SyntheticSession(seed=12).calibration().frames)
    assert states[-1].step == "tool" and states[-1].optional
    assert flow.skip_step().done
    assert flow.build_profile("no-tool").tool_offset is None
    with pytest.raises(CalibrationError, match="implausible"):
        CalibrationFlow(cm_per_fu=30.0)


def test_progress_rises_to_one() -> None:
    flow = CalibrationFlow()
    progress = [state.progress for state in feed_all(flow, SyntheticSession(seed=13).calibration().frames)]
    assert progress[-1] == 1.0
    assert 0.0 <= min(progress) and progress[len(progress) // 2] < 1.0


# ---------------------------------------------------------------------------------------------
# Real pixels: the neutral face from real MediaPipe on a clip of the portrait


def _portrait_clip(portrait_path: Path, folder: Path, seconds: float, fps: float = 10.0) -> Path:
    image = cv2.imread(str(portrait_path))
    width = round(image.shape[1] * 480 / image.shape[0])  # same proportions, 480 high
    canvas = np.full((480, 640, 3), 40, np.uint8)
    left = (640 - width) // 2
    canvas[:, left : left + width] = cv2.resize(image, (width, 480), interpolation=cv2.INTER_AREA)
    path = folder / "portrait.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    for _ in range(round(seconds * fps)):
        writer.write(canvas)
    writer.release()
    return path


@pytest.mark.slow
def test_neutral_face_from_real_pixels(portrait_path: Path, tmp_path: Path) -> None:
    from coach.sources import VideoFileSource

    clip = _portrait_clip(portrait_path, tmp_path, seconds=3.2)
    flow = CalibrationFlow(settings=CalibrationSettings(hand_timeout_s=0.5, neutral=NeutralSettings(hold_s=2.0)))
    with VideoFileSource(clip) as source, pytest.raises(CalibrationError, match="No hand seen in 0.5 s"):
        run_calibration(source, "portrait", flow=flow)
    reference = flow.reference_mesh_fu
    assert reference is not None
    # Close to the canonical face (the same portrait, symmetrised) but with the portrait's own asymmetry.
    to_canonical = np.linalg.norm(reference[:, :2] - canonical_face()[:, :2], axis=1)
    asymmetry = np.linalg.norm(reference[:, :2] - symmetrise(reference)[:, :2], axis=1)
    # The canonical face was built with legacy Face Mesh; the Tasks face model's mesh on the same
    # portrait differs from it by 0.031 FU on average (issue 13), hence its own bound.
    assert to_canonical.mean() < (0.03 if legacy_tracker_runs() else 0.04) and to_canonical.max() < 0.08
    assert asymmetry.mean() > 0.005


# ---------------------------------------------------------------------------------------------
# The Qt calibration view, offscreen


def _write_recording(path: Path, frames: list[TrackedFrame]) -> Path:
    with RecordingWriter(path, WIDTH, HEIGHT, FPS) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def test_calibration_view_plays_a_recording_to_a_saved_profile(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from coach.render.palette import TARGET_RGB
    from coach.ui.calibration_view import CalibrationView

    session = SyntheticSession(seed=31).still_face(2.6)
    first_part = _write_recording(tmp_path / "neutral.jsonl", session.frames)
    rest = SyntheticSession(seed=31, frames=[], t=session.t)
    for target in DEFAULT_TARGETS:
        rest.touch(TRUE_TOUCHES[target.name], "right" if target.name.startswith("right") else "left")
    rest.hold_tool(TRUE_TOUCHES["right_cheekbone"], TRUE_TOOL_OFFSET)
    second_part = _write_recording(tmp_path / "touches.jsonl.gz", rest.frames)

    view = CalibrationView(CalibrationFlow(with_tool=True, cm_per_fu=9.2), "qt-user")
    qtbot.addWidget(view)
    view.resize(640, 640)
    view.show()
    pipeline = Pipeline()
    with qtbot.waitSignal(view.source_ended, timeout=20000) as ended:
        view.play(read_recording(first_part), pipeline)
    assert "at step 2 of 10 (right cheekbone); nothing was saved" in ended.args[0]
    assert view.prompt_label.text().startswith("Touch the top of your right cheekbone")
    assert view.progress_bar.value() == 100  # 1 of 10 steps
    assert list_profiles() == []
    # The target dot is painted where the right cheekbone is in the picture.
    dot = view.canvas.target_point()
    assert dot is not None
    expected_px = view.canvas.result.pose.face_to_image(target_by_name("right_cheekbone").default[None])
    np.testing.assert_allclose([dot.x(), dot.y()], view.canvas.to_widget(expected_px)[0])
    picture = view.canvas.grab().toImage()
    colour = picture.pixelColor(round(dot.x()), round(dot.y()))
    assert (colour.red(), colour.green(), colour.blue()) == TARGET_RGB

    with qtbot.waitSignal(view.finished, timeout=30000) as finished:
        view.play(read_recording(second_part), pipeline)
    profile = finished.args[0]
    assert view.saved_path == profile_path("qt-user") and list_profiles() == ["qt-user"]
    assert profile.cm_per_fu == 9.2 and profile.tool_offset is not None
    for name, point in TRUE_TOUCHES.items():
        assert np.linalg.norm(np.array(profile.touch_points_fu[name]) - point) < 0.03
    assert view.prompt_label.text().startswith("Calibration complete: profile 'qt-user' built and saved to")
    assert view.progress_bar.value() == 1000


@pytest.mark.slow
def test_calibration_view_follows_a_real_clip_on_its_worker(qtbot, portrait_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Real pixels through the worker: the neutral face is taken, then no hand comes: the failure
    is shown with its reason, Redo clears it, and nothing is saved when the clip ends."""
    from coach.ui.calibration_view import CalibrationView
    from coach.ui.worker import SourceSpec

    clip = _portrait_clip(portrait_path, tmp_path, seconds=3.5)
    flow = CalibrationFlow(settings=CalibrationSettings(hand_timeout_s=0.6))
    view = CalibrationView(flow, "portrait")
    qtbot.addWidget(view)
    view.show()
    ended: list[str] = []
    view.source_ended.connect(ended.append)
    with qtbot.waitSignal(view.step_failed, timeout=30000) as failed:
        view.watch(SourceSpec(path=clip))
    assert "step 2 of 9 (right cheekbone): No hand seen in 0.6 s" in failed.args[0]
    assert flow.reference_mesh_fu is not None
    assert view.notice_label.text().startswith("No hand seen in 0.6 s") and "Retry" in view.notice_label.text()
    assert view.canvas.image is not None and view.canvas.image.width() == 640  # the camera picture is shown
    qtbot.mouseClick(view.redo_button, Qt.MouseButton.LeftButton)
    assert flow.state.failure is None and flow.state.step == "right_cheekbone"
    assert not view.notice_label.text().startswith("No hand seen")
    qtbot.waitUntil(lambda: bool(ended), timeout=30000)
    assert "ended at step 2 of 9 (right cheekbone); nothing was saved" in ended[0]
    view.stop()
    assert view.profile is None and list_profiles() == []
