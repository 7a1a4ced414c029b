"""Calibration: fit the face regions (and a tool's contact point) to one user, as a profile.

Qt-free. ``CalibrationFlow`` is the guided state machine (neutral face → touches → optional tool);
``calibrated_regions`` warps the default regions through the touched points; ``run_calibration``
drives a flow over a stream of frames; the Qt view lives in coach.ui.calibration_view.
"""

from coach.calibration.adjust import ANCHOR_LANDMARKS, FaceWarp, calibrated_polygons, calibrated_regions, region_warp
from coach.calibration.errors import CalibrationError
from coach.calibration.flow import CalibrationFlow, CalibrationSettings, CalibrationState, CalibrationStep
from coach.calibration.hold import Hold, HoldDetector
from coach.calibration.neutral import NeutralFaceCollector, NeutralSettings, frame_mesh_fu
from coach.calibration.run import calibrate_from_cli, failure_message, run_calibration
from coach.calibration.targets import DEFAULT_TARGETS, TARGET_NAMES, TouchTarget, target_by_name
from coach.calibration.tool import tool_contact_px, tool_offset_from

__all__ = [
    "ANCHOR_LANDMARKS",
    "CalibrationError",
    "CalibrationFlow",
    "CalibrationSettings",
    "CalibrationState",
    "CalibrationStep",
    "DEFAULT_TARGETS",
    "FaceWarp",
    "Hold",
    "HoldDetector",
    "NeutralFaceCollector",
    "NeutralSettings",
    "TARGET_NAMES",
    "TouchTarget",
    "calibrate_from_cli",
    "calibrated_polygons",
    "calibrated_regions",
    "failure_message",
    "frame_mesh_fu",
    "region_warp",
    "run_calibration",
    "target_by_name",
    "tool_contact_px",
    "tool_offset_from",
]
