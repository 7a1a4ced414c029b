"""Running a calibration over a stream of frames: the `coach calibrate` command.

Qt-free: the window is the caller's choice. The CLI passes the Qt view's runner
(coach.ui.calibration_view.run_calibration_window) as ``run_window``; without one, a clip is
calibrated headless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from coach.calibration.errors import CalibrationError
from coach.calibration.flow import CalibrationFlow, CalibrationState
from coach.errors import CoachError
from coach.recording import is_recording_path
from coach.types import Frame, TrackedFrame

if TYPE_CHECKING:
    from coach.interrupts import InterruptGuard
    from coach.pipeline import Pipeline
    from coach.storage.profiles import Profile

logger = logging.getLogger(__name__)


class WindowRunner(Protocol):
    """Runs a calibration flow in a window until it is done or closed; returns the exit code."""

    def __call__(
        self,
        profile_name: str,
        flow: CalibrationFlow,
        camera: int | None = None,
        source: str | None = None,
        announce: Callable[[str], None] | None = None,
        interrupts: "InterruptGuard | None" = None,
    ) -> int: ...


def failure_message(state: CalibrationState) -> str:
    """One line for the user: which step stopped and why."""
    step = state.step.replace("_", " ")
    return f"Calibration stopped at step {state.step_index + 1} of {state.step_count} ({step}): {state.failure}"


def run_calibration(
    source: Iterable[Frame | TrackedFrame],
    profile_name: str,
    pipeline: "Pipeline | None" = None,
    *,
    flow: CalibrationFlow | None = None,
    save: bool = True,
    on_state: Callable[[CalibrationState], None] | None = None,
) -> "Profile":
    """Drive a calibration over frames (a video, a camera) or tracked frames (a landmark recording).

    Returns the profile (saved to the user data directory unless ``save`` is False; an existing
    profile's creation date is kept). Raises CalibrationError with the step's reason when a step
    fails or the frames run out first; nothing is saved then.
    """
    from coach.pipeline import Pipeline
    from coach.storage.profiles import ProfileNotFoundError, check_profile_name, load_profile, save_profile

    check_profile_name(profile_name)
    flow = flow or CalibrationFlow()
    own_pipeline = pipeline is None
    pipeline = pipeline or Pipeline()
    state = flow.state
    try:
        for item in source:
            result = pipeline.process_frame(item) if isinstance(item, Frame) else pipeline.process_tracked(item)
            state = flow.feed(result)
            if on_state is not None:
                on_state(state)
            if state.failed:
                raise CalibrationError(failure_message(state))
            if state.done:
                break
    finally:
        if own_pipeline:
            pipeline.close()
    if not state.done:
        raise CalibrationError(
            f"The frames ran out at step {state.step_index + 1} of {state.step_count} "
            f"({state.step.replace('_', ' ')}: {state.prompt}) {state.notice}".rstrip()
            + " Nothing was saved; record a longer clip that goes through every step."
        )
    created = None
    try:
        created = load_profile(profile_name).created
    except ProfileNotFoundError:
        pass
    except CoachError as error:
        logger.warning("Replacing unreadable profile '%s': %s", profile_name, error)
    profile = flow.build_profile(profile_name, created=created)
    if save:
        save_profile(profile)
    return profile


def _open_frames(source: str) -> tuple[Iterable[Frame | TrackedFrame], Callable[[], None]]:
    """A video, image folder or camera index as frames; a landmark recording as tracked frames."""
    path = Path(source).expanduser()
    if is_recording_path(path):
        from coach.recording import read_recording

        reader = read_recording(path)
        return reader, lambda: None  # each pass over a recording opens and closes the file itself
    from coach.sources import open_source

    frames = open_source(source, pacing="fast")
    return frames, frames.close


def calibrate_from_cli(
    profile_name: str,
    camera: int | None = None,
    source: str | None = None,
    cm_between_eye_corners: float = 9.0,
    with_tool: bool = False,
    run_window: WindowRunner | None = None,
    announce: Callable[[str], None] | None = None,
    interrupts: "InterruptGuard | None" = None,
) -> int:
    """`coach calibrate`: in the window ``run_window`` opens (camera or clip) or, for clips, without
    one. Returns the exit code.

    ``announce`` receives the one-line outcome (the CLI passes ``print``); it is logged otherwise.
    """
    from coach.storage.profiles import check_profile_name, profile_path

    check_profile_name(profile_name)
    say = announce or logger.info
    flow = CalibrationFlow(with_tool=with_tool, cm_per_fu=cm_between_eye_corners)
    if run_window is not None:
        return run_window(profile_name, flow, camera=camera, source=source, announce=say, interrupts=interrupts)
    if source is None:
        raise CoachError(
            "Calibrating from a camera needs the window (the prompts are shown there): drop --no-window, "
            "or give --source CLIP to calibrate from a recording."
        )
    frames, close = _open_frames(source)
    if interrupts is not None:
        interrupts.allow()  # from here Ctrl-C stops the run; nothing half-done is saved
    try:
        profile = run_calibration(frames, profile_name, flow=flow)
    finally:
        close()
    say(f"Saved profile '{profile.name}' to {profile_path(profile.name)} ({len(profile.touch_points_fu)} touch points"
        + (", tool offset" if profile.tool_offset is not None else "") + ").")
    return 0
