"""The guided calibration as a state machine fed one FrameResult at a time (no Qt, no camera).

Steps: neutral face → one touch per target → optional tool → done. Each ``feed`` returns a
``CalibrationState`` with what to tell the user (prompt, advice, progress, where to touch), so the
Qt view, the command line and the tests all drive the same logic. A step that cannot finish stops
with a failure in words (face lost, hand never seen, touches inconsistent) until ``redo_step``;
a touch that is clearly wrong is rejected with a reason and the step repeats by itself. Nothing is
written anywhere until ``build_profile`` is called on a complete calibration.

Touch positions are measured against the user's own neutral mesh (captured in the first step),
the same reference the face frame uses once the profile is in use, so the touched points mean the
same thing during coaching as during calibration.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from coach.calibration.adjust import calibrated_polygons, calibrated_regions
from coach.calibration.errors import CalibrationError
from coach.calibration.hold import HoldDetector
from coach.calibration.neutral import NeutralFaceCollector, NeutralSettings
from coach.calibration.targets import DEFAULT_TARGETS, TouchTarget
from coach.calibration.tool import tool_offset_from
from coach.geometry.face_frame import FaceFrameFitter, FacePose
from coach.geometry.regions import FaceRegions
from coach.types import HAND_INDEX_TIP, ContactPoint, FrameResult

if TYPE_CHECKING:
    from coach.storage.profiles import Profile

StepKind = Literal["neutral", "touch", "tool", "done"]
TOOL_STEP = "tool"
NEUTRAL_STEP = "neutral"
DONE_STEP = "done"
EYE_CORNER_CM_RANGE = (5.0, 15.0)


@dataclass(frozen=True)
class CalibrationSettings:
    """Thresholds of the flow; tests shorten the waits."""

    touch_radius_fu: float = 0.03  # the fingertip must stay this still…
    touch_hold_s: float = 1.0  # …for this long
    tool_radius_fu: float = 0.05  # a hand holding a tool shakes a little more
    tool_hold_s: float = 1.0
    face_lost_s: float = 3.0  # no face for this long during a step: the step fails
    hand_timeout_s: float = 10.0  # no hand within this long of a step's start: the step fails
    neutral_timeout_s: float = 15.0  # no still stretch within this long: the step fails
    max_rejections: int = 3  # rejected touches in a row before the step fails
    max_asymmetry_fu: float = 0.25  # a touch vs. the mirror image of its twin
    moved_on_fu: float = 0.1  # a hold this near the last accepted/rejected touch is the finger not yet moved on
    max_tool_offset: float = 4.0  # hand sizes between wrist and tool edge (the fingertips are at about 2)
    neutral: NeutralSettings = field(default_factory=NeutralSettings)


@dataclass(frozen=True)
class CalibrationStep:
    kind: StepKind
    target: TouchTarget | None = None
    optional: bool = False

    @property
    def name(self) -> str:
        if self.target is not None:
            return self.target.name
        return self.kind


@dataclass(frozen=True)
class CalibrationState:
    """What the user should see now."""

    step: str  # "neutral", a target name, "tool" or "done"
    kind: StepKind
    step_index: int  # 0-based; equals step_count when done
    step_count: int
    prompt: str  # what to do, one sentence
    progress: float  # the whole calibration, 0..1
    step_progress: float = 0.0  # this step's hold, 0..1
    target_name: str | None = None
    target_fu: np.ndarray | None = None  # where to touch (or hold the tool), for the dot
    fingertip_fu: np.ndarray | None = None  # the fingertip being followed, for feedback
    notice: str = ""  # live advice, or why the step is being repeated
    failure: str | None = None  # why the step stopped; redo_step() to try again
    optional: bool = False  # the step may be skipped (skip_step)

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def done(self) -> bool:
        return self.kind == "done"


def _mirror(point: np.ndarray) -> np.ndarray:
    return np.asarray(point, dtype=float) * np.array([-1.0, 1.0])


class CalibrationFlow:
    """Neutral face → touches → optional tool; consume FrameResults with ``feed``.

    ``cm_per_fu`` is the user's outer-eye-corner distance in cm (1 FU), stored in the profile so
    reports can show cm/s. ``tool_target`` names the touched point the tool is held against.
    """

    def __init__(
        self,
        targets: Sequence[TouchTarget] = DEFAULT_TARGETS,
        *,
        with_tool: bool = False,
        cm_per_fu: float = 9.0,
        settings: CalibrationSettings | None = None,
        tool_target: str = "right_cheekbone",
    ) -> None:
        low, high = EYE_CORNER_CM_RANGE
        if not low <= cm_per_fu <= high:
            raise CalibrationError(
                f"An outer-eye-corner distance of {cm_per_fu:g} cm is implausible: measure between the outer "
                f"corners of your eyes (usually 8–11 cm) and give it with --eye-corner-cm."
            )
        self.targets = tuple(targets)
        if with_tool and tool_target not in {target.name for target in self.targets}:
            raise ValueError(f"tool_target '{tool_target}' is not one of the touch targets")
        self.settings = settings or CalibrationSettings()
        self.cm_per_fu = float(cm_per_fu)
        self.tool_target = tool_target
        steps = [CalibrationStep("neutral")] + [CalibrationStep("touch", target) for target in self.targets]
        if with_tool:
            steps.append(CalibrationStep("tool", optional=True))
        self.steps: tuple[CalibrationStep, ...] = tuple(steps)

        self.reference_mesh_fu: np.ndarray | None = None
        self._touches: dict[str, np.ndarray] = {}
        self.tool_offset: tuple[float, float] | None = None
        self._skipped: set[str] = set()
        self._fitter: FaceFrameFitter | None = None

        self._index = 0
        self._failure: str | None = None
        self._notice = ""
        self._step_started_s: float | None = None
        self._last_face_s: float | None = None
        self._hand_seen = False
        self._rejections = 0
        self._ignore_near: np.ndarray | None = None
        self._neutral = NeutralFaceCollector(self.settings.neutral)
        self._hold = HoldDetector(self.settings.touch_radius_fu, self.settings.touch_hold_s)
        self._tool_offsets: deque[tuple[float, tuple[float, float]]] = deque()
        self._fingertip: np.ndarray | None = None
        self._step_progress = 0.0

    # ------------------------------------------------------------------------------------------
    # What has been measured

    @property
    def touch_points_fu(self) -> dict[str, tuple[float, float]]:
        return {name: (float(point[0]), float(point[1])) for name, point in self._touches.items()}

    @property
    def complete(self) -> bool:
        return self._index >= len(self.steps)

    @property
    def current_step(self) -> CalibrationStep | None:
        return None if self.complete else self.steps[self._index]

    def regions_so_far(self) -> FaceRegions:
        """The regions fitted to the touches made so far (for drawing while calibrating)."""
        try:
            return calibrated_regions(self.touch_points_fu, self.reference_mesh_fu, self.targets)
        except CalibrationError:
            return FaceRegions()

    def expected_fu(self, target: TouchTarget) -> np.ndarray:
        """Where this target probably is: its default, moved like its twin if the twin was touched."""
        twin = target.twin
        if twin is not None and twin in self._touches:
            twin_target = next(candidate for candidate in self.targets if candidate.name == twin)
            return target.default + _mirror(self._touches[twin] - twin_target.default)
        return target.default

    def _tool_target_fu(self) -> np.ndarray:
        if self.tool_target in self._touches:
            return self._touches[self.tool_target]
        return self.expected_fu(next(target for target in self.targets if target.name == self.tool_target))

    # ------------------------------------------------------------------------------------------
    # Driving the flow

    @property
    def state(self) -> CalibrationState:
        step = self.current_step
        count = len(self.steps)
        if step is None:
            return CalibrationState(
                step=DONE_STEP, kind="done", step_index=count, step_count=count,
                prompt="Calibration complete.", progress=1.0, step_progress=1.0,
            )
        target_fu: np.ndarray | None = None
        target_name: str | None = None
        if step.kind == "touch" and step.target is not None:
            target_fu, target_name = self.expected_fu(step.target), step.target.name
        elif step.kind == "tool":
            target_fu, target_name = self._tool_target_fu(), self.tool_target
        step_progress = 0.0 if self._failure else self._step_progress
        return CalibrationState(
            step=step.name,
            kind=step.kind,
            step_index=self._index,
            step_count=count,
            prompt=self._prompt(step),
            progress=(sum(self._is_done(s) for s in self.steps) + step_progress) / count,
            step_progress=step_progress,
            target_name=target_name,
            target_fu=target_fu,
            fingertip_fu=self._fingertip,
            notice=self._notice,
            failure=self._failure,
            optional=step.optional,
        )

    def _is_done(self, step: CalibrationStep) -> bool:
        if step.kind == "neutral":
            return self.reference_mesh_fu is not None
        if step.kind == "touch" and step.target is not None:
            return step.target.name in self._touches
        if step.kind == "tool":
            return self.tool_offset is not None or TOOL_STEP in self._skipped
        return False

    def _prompt(self, step: CalibrationStep) -> str:
        settings = self.settings
        if step.kind == "neutral":
            return (
                f"Look straight at the camera with a relaxed face and hold still for "
                f"{settings.neutral.hold_s:g} s."
            )
        if step.kind == "touch" and step.target is not None:
            return f"Touch {step.target.label} ({step.target.hint}) with one fingertip and hold still for {settings.touch_hold_s:g} s."
        label = next(target.label for target in self.targets if target.name == self.tool_target)
        return (
            f"Hold your gua sha stone or jade roller with its working edge on {label} (the dot), "
            f"keep your hand in view and hold still for {settings.tool_hold_s:g} s (or skip this step)."
        )

    def _start_step(self) -> None:
        self._failure = None
        self._notice = ""
        self._step_started_s = None
        self._hand_seen = False
        self._rejections = 0
        self._neutral.reset()
        self._hold.reset()
        self._tool_offsets.clear()
        self._fingertip = None
        self._step_progress = 0.0
        step = self.current_step
        if step is not None and step.kind == "tool":
            self._hold = HoldDetector(self.settings.tool_radius_fu, self.settings.tool_hold_s)
        else:
            self._hold = HoldDetector(self.settings.touch_radius_fu, self.settings.touch_hold_s)

    def _advance(self) -> None:
        """On to the first step not yet done (a redone early step returns to where the user was)."""
        self._index = next((i for i, step in enumerate(self.steps) if not self._is_done(step)), len(self.steps))
        self._start_step()

    def redo_step(self, step: str | None = None) -> CalibrationState:
        """Start the current step (or the named earlier one) again, clearing its failure and result."""
        if step is not None:
            names = [candidate.name for candidate in self.steps]
            if step not in names:
                raise ValueError(f"unknown calibration step '{step}' (steps: {', '.join(names)})")
            self._index = names.index(step)
        current = self.current_step
        if current is not None:
            if current.kind == "neutral":
                self.reference_mesh_fu = None
                self._fitter = None
            elif current.kind == "touch" and current.target is not None:
                self._touches.pop(current.target.name, None)
            elif current.kind == "tool":
                self.tool_offset = None
                self._skipped.discard(TOOL_STEP)
        self._ignore_near = None
        self._last_face_s = None
        self._start_step()
        return self.state

    def skip_step(self) -> CalibrationState:
        """Skip an optional step (the tool)."""
        step = self.current_step
        if step is None or not step.optional:
            raise CalibrationError(f"The step '{self.state.step}' cannot be skipped.")
        self._skipped.add(step.name)
        self._advance()
        return self.state

    def feed(self, result: FrameResult) -> CalibrationState:
        """Take one processed frame; returns the state after it."""
        step = self.current_step
        if step is None or self._failure is not None:
            return self.state
        now = result.tracked.timestamp_s
        if self._step_started_s is None:
            self._step_started_s = now
        if result.pose is not None:
            self._last_face_s = now
        else:
            # Before the face is first seen the user may still be sitting down: allow longer.
            if self._last_face_s is None:
                lost_since, allowed_s = self._step_started_s, self.settings.neutral_timeout_s
            else:
                lost_since, allowed_s = self._last_face_s, self.settings.face_lost_s
            if now - lost_since > allowed_s:
                return self._fail(
                    f"Face lost for more than {allowed_s:g} s: keep your whole face in view, "
                    "facing the camera in good light, then redo this step."
                )
        if step.kind == "neutral":
            self._feed_neutral(result, now)
        elif step.kind == "touch" and step.target is not None:
            self._feed_touch(result, now, step.target)
        elif step.kind == "tool":
            self._feed_tool(result, now)
        return self.state

    def _fail(self, reason: str) -> CalibrationState:
        self._failure = reason
        self._hold.reset()
        self._neutral.reset()
        return self.state

    def _elapsed(self, now: float) -> float:
        return now - (self._step_started_s if self._step_started_s is not None else now)

    # ------------------------------------------------------------------------------------------
    # Steps

    def _feed_neutral(self, result: FrameResult, now: float) -> None:
        update = self._neutral.add(result.tracked, result.pose)
        self._step_progress = update.fraction
        self._notice = update.advice
        if update.mesh_fu is not None:
            self.reference_mesh_fu = update.mesh_fu
            self._fitter = FaceFrameFitter(update.mesh_fu)
            self._advance()
            return
        if self._elapsed(now) > self.settings.neutral_timeout_s:
            advice = f" ({update.advice.lower()})" if update.advice else ""
            self._fail(
                f"No still, frontal {self.settings.neutral.hold_s:g} s in {self.settings.neutral_timeout_s:g} s{advice}: "
                "sit comfortably, look at the camera with a relaxed face and redo this step."
            )

    def _own_pose(self, result: FrameResult) -> FacePose | None:
        """This frame's pose against the user's neutral mesh (the pipeline's own when that is unknown)."""
        tracked = result.tracked
        if self._fitter is not None and tracked.face is not None:
            return self._fitter.fit(tracked.face, tracked.width, tracked.height)
        return result.pose

    def _contact_fu(self, contact: ContactPoint, pose: FacePose | None, result: FrameResult) -> np.ndarray | None:
        if pose is not None and pose is not result.pose:
            return pose.image_to_face(np.asarray(contact.point_px, dtype=float)[None, :])[0]
        return None if contact.point_fu is None else np.asarray(contact.point_fu, dtype=float)

    def _moved_on(self, point: np.ndarray) -> bool:
        """False while the finger still rests where the last touch was taken (or refused)."""
        if self._ignore_near is None:
            return True
        if np.linalg.norm(point - self._ignore_near) > self.settings.moved_on_fu:
            self._ignore_near = None
            return True
        return False

    def _no_hand_yet(self, now: float, what: str) -> None:
        if not self._hand_seen and self._elapsed(now) > self.settings.hand_timeout_s:
            self._fail(
                f"No hand seen in {self.settings.hand_timeout_s:g} s: raise your hand into the picture and "
                f"{what}, then redo this step."
            )

    def _feed_touch(self, result: FrameResult, now: float, target: TouchTarget) -> None:
        pose = self._own_pose(result)
        expected = self.expected_fu(target)
        candidates = [
            point for point in (self._contact_fu(contact, pose, result) for contact in result.contacts) if point is not None
        ]
        if not candidates:
            self._fingertip = None
            self._step_progress = 0.0
            self._hold.reset()
            self._no_hand_yet(now, f"touch {target.label}")
            return
        self._hand_seen = True
        point = min(candidates, key=lambda candidate: float(np.linalg.norm(candidate - expected)))
        self._fingertip = point
        if not self._moved_on(point):
            self._hold.reset()
            self._step_progress = 0.0
            return
        hold = self._hold.add(now, point)
        self._step_progress = self._hold.fraction
        if hold is None:
            return
        reason = self._touch_problem(target, hold.position)
        if reason is None:
            self._touches[target.name] = hold.position
            self._ignore_near = hold.position
            self._advance()
            return
        self._reject(reason, hold.position)

    def _reject(self, reason: str, position: np.ndarray) -> None:
        self._rejections += 1
        self._ignore_near = position
        self._hold.reset()
        self._tool_offsets.clear()
        self._step_progress = 0.0
        if self._rejections >= self.settings.max_rejections:
            self._fail(f"Touches inconsistent ({self._rejections} tries refused): {reason}")
        else:
            self._notice = f"Try again: {reason}"

    def _touch_problem(self, target: TouchTarget, position: np.ndarray) -> str | None:
        """Why this touch cannot be right (None when it is plausible)."""
        offset = float(np.linalg.norm(position - target.default))
        if offset > target.max_offset_fu:
            return (
                f"that touch was {offset:.2f} face units from where {target.label} usually is; "
                f"touch {target.hint}."
            )
        twin = target.twin
        if twin is not None and twin in self._touches:
            twin_target = next(candidate for candidate in self.targets if candidate.name == twin)
            asymmetry = float(np.linalg.norm(position - self.expected_fu(target)))
            if asymmetry > self.settings.max_asymmetry_fu:
                return (
                    f"that touch is {asymmetry:.2f} face units from the mirror image of your touch on "
                    f"{twin_target.label.replace('your ', '')}; touch {target.hint} (or redo the other side)."
                )
        trial = {**self.touch_points_fu, target.name: (float(position[0]), float(position[1]))}
        try:
            calibrated_polygons(trial, self.reference_mesh_fu, self.targets)
        except CalibrationError as error:
            return f"that touch does not fit your other touches ({error})"
        return None

    def _feed_tool(self, result: FrameResult, now: float) -> None:
        pose = self._own_pose(result)
        tracked = result.tracked
        if pose is None or not tracked.hands:
            self._fingertip = None
            self._step_progress = 0.0
            self._hold.reset()
            self._tool_offsets.clear()
            self._no_hand_yet(now, "hold your tool against the dot")
            return
        self._hand_seen = True
        target_fu = self._tool_target_fu()
        target_px = pose.face_to_image(target_fu[None, :])[0]
        hands_px = [hand.points_px(tracked.width, tracked.height) for hand in tracked.hands]
        hand_px = min(hands_px, key=lambda points: float(np.linalg.norm(points[HAND_INDEX_TIP] - target_px)))
        tip_fu = pose.image_to_face(hand_px[HAND_INDEX_TIP][None, :])[0]
        self._fingertip = tip_fu
        offset = tool_offset_from(hand_px, target_px)
        if offset is None:
            self._notice = "Bring your hand nearer so the camera sees it clearly"
            self._hold.reset()
            self._tool_offsets.clear()
            return
        self._notice = ""
        hold = self._hold.add(now, tip_fu)
        self._tool_offsets.append((now, offset))
        self._step_progress = self._hold.fraction
        if hold is None:
            return
        recent = np.array([value for time_s, value in self._tool_offsets if time_s >= now - hold.duration_s - 1e-9])
        mean_offset = recent.mean(axis=0)
        size = float(np.linalg.norm(mean_offset))
        if size > self.settings.max_tool_offset:
            self._reject(
                f"the tool edge would be {size:.1f} hand lengths from your wrist; hold the tool in your "
                "fingers with its edge on the dot.",
                tip_fu,
            )
            return
        self.tool_offset = (float(mean_offset[0]), float(mean_offset[1]))
        self._advance()

    # ------------------------------------------------------------------------------------------
    # The result

    def build_profile(self, name: str, created: str | None = None) -> "Profile":
        """The profile from a complete calibration (raises CalibrationError before that)."""
        from coach.storage.profiles import Profile, _now_iso, check_profile_name

        check_profile_name(name)
        if not self.complete:
            raise CalibrationError(
                f"Calibration is not complete (still to do: {self.state.step}); nothing was saved."
            )
        regions = calibrated_regions(self.touch_points_fu, self.reference_mesh_fu, self.targets)
        now = _now_iso()
        return Profile(
            name=name,
            created=created or now,
            updated=now,
            reference_mesh_fu=None if self.reference_mesh_fu is None else self.reference_mesh_fu.copy(),
            touch_points_fu=self.touch_points_fu,
            regions=regions,
            tool_offset=self.tool_offset,
            cm_per_fu=self.cm_per_fu,
        )
