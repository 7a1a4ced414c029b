"""Calibration profiles: one user's face fit, kept as a small, versioned, human-readable file.

A profile is what ``coach calibrate`` learns about one person and what live coaching, replay and
calibration use through ``--profile NAME``: their neutral mesh (the face-frame reference), the
anatomical points they touched, the face regions fitted to those points, the offset of their tool
from their hand, and their real size (cm per face unit).

Files live in ``user_data_dir()/profiles/NAME.json`` (``COACH_DATA_DIR`` overrides the folder).

Format "coach-profile", version 1 (JSON, UTF-8)::

    {
      "format": "coach-profile",
      "version": 1,
      "name": "me",                              # letters, digits, '-', '_', '.'
      "created": "2025-01-31T09:12:00+00:00",    # ISO 8601
      "updated": "2025-01-31T09:12:00+00:00",
      "units": "...",                            # a reminder of the face-unit conventions (ignored)
      "cm_per_fu": 9.0,                          # outer-eye-corner distance in cm (1 FU)
      "tool_offset": [2.2, 0.25] or null,        # tool contact from the wrist, in hand sizes (wrist to
                                                 # middle knuckle) along the fingers and across toward
                                                 # the thumb (coach.strokes.contact's hand frame)
      "touch_points_fu": {"right_cheekbone": [x, y], ...},   # the touched anatomical points
      "regions_fu": {"forehead": [[x, y], ...], ...},        # all 16 region outlines, explicitly
      "reference_mesh_fu": [[x, y, z], ...478] or null       # the user's neutral face mesh
    }

All coordinates are face units (FU): origin midway between the outer eye corners, +x toward the
subject's own left, +y up toward the forehead, +z toward the camera, 1 FU = the outer-eye-corner
distance. The region outlines are stored even though they follow from the touch points, so that the
file alone defines them (and a hand-edited outline is respected).

Version 0 (the first layout, still read and migrated on load, with a warning)::

    {"format": "coach-profile", "version": 0, "name": ..., "created": ...,
     "touches": {"right_cheekbone": [x, y], ...}, "reference_mesh_fu": [...] or null,
     "tool_offset": [a, c] or null}

It had no ``updated`` (taken as ``created``), no ``cm_per_fu`` (the default 9.0 cm applies) and no
explicit regions (rebuilt from its touches by the calibration's region warp). A version newer than
this program knows is refused with a message, never guessed at.

Files are written atomically (a temporary file in the same folder, then ``os.replace``), so a
crash or a full disk never leaves a half-written profile behind.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import CoachError, DataFileError
from coach.geometry.regions import FaceRegions
from coach.outputs import finite_json_value
from coach.paths import user_data_dir
from coach.types import LEFT_EYE_OUTER, REGION_NAMES, RIGHT_EYE_OUTER

logger = logging.getLogger(__name__)

PROFILE_FORMAT = "coach-profile"
PROFILE_VERSION = 1
DEFAULT_CM_PER_FU = 9.0
MESH_POINTS = 478
PROFILE_SUFFIX = ".json"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
UNITS_NOTE = (
    "face units (FU): origin midway between the outer eye corners, +x toward the subject's own left, "
    "+y up, 1 FU = outer-eye-corner distance; tool_offset: tool contact from the wrist in hand sizes "
    "(wrist to middle knuckle), along the fingers and across toward the thumb"
)
CM_PER_FU_RANGE = (3.0, 20.0)
MAX_TOOL_OFFSET = 5.0  # hand sizes
MAX_ABS_FU = 10.0
"""Face-unit coordinates (points, outlines, the mesh) stay well inside this: 10 FU is about 90 cm."""


def _finite_number(value: Any) -> bool:
    """A JSON number that is a usable float (not NaN, not infinite, not a 400-digit integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _coordinate(value: Any) -> bool:
    return _finite_number(value) and abs(float(value)) <= MAX_ABS_FU


class ProfileNotFoundError(CoachError):
    """The profile asked for does not exist; the message lists those that do and how to create it."""


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True, eq=False)
class Profile:
    """One user's calibration. ``Pipeline`` reads reference_mesh_fu, regions and tool_offset."""

    name: str
    version: int = PROFILE_VERSION
    created: str = field(default_factory=_now_iso)
    updated: str = field(default_factory=_now_iso)
    reference_mesh_fu: np.ndarray | None = field(default=None, repr=False)  # 478×3, the user's neutral face
    touch_points_fu: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    regions: FaceRegions = field(default_factory=FaceRegions, repr=False)
    tool_offset: tuple[float, float] | None = None  # from the wrist, in hand sizes: (along the fingers, across toward the thumb)
    cm_per_fu: float = DEFAULT_CM_PER_FU

    @property
    def is_calibrated(self) -> bool:
        return self.reference_mesh_fu is not None or bool(self.touch_points_fu)

    def fu_to_cm(self, length_fu: float) -> float:
        return length_fu * self.cm_per_fu

    def revised(self, **changes: Any) -> "Profile":
        """A copy with some fields changed and ``updated`` set to now."""
        return replace(self, updated=_now_iso(), **changes)


# ----------------------------------------------------------------------------------------------
# Where profiles live


def profiles_dir() -> Path:
    return user_data_dir() / "profiles"


def check_profile_name(name: str) -> str:
    """A profile name is also its file name, so it is kept to safe characters."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or name.lower().endswith(PROFILE_SUFFIX):
        raise CoachError(
            f"Invalid profile name {name!r}: use up to 64 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (e.g. 'me' or 'anna-2')."
        )
    return name


def profile_path(name: str) -> Path:
    return profiles_dir() / f"{check_profile_name(name)}{PROFILE_SUFFIX}"


def list_profiles() -> list[str]:
    """Names of the saved profiles, sorted (temporary and hidden files are skipped)."""
    folder = profiles_dir()
    if not folder.is_dir():
        return []
    return sorted(
        path.stem for path in folder.glob(f"*{PROFILE_SUFFIX}") if path.is_file() and NAME_PATTERN.match(path.stem)
    )


# ----------------------------------------------------------------------------------------------
# Writing


def _rounded(values: np.ndarray, decimals: int) -> list[Any]:
    return np.round(np.asarray(values, dtype=float), decimals).tolist()


def profile_to_json_dict(profile: Profile) -> dict[str, Any]:
    """The version-1 file content for a profile."""
    return {
        "format": PROFILE_FORMAT,
        "version": PROFILE_VERSION,
        "name": profile.name,
        "created": profile.created,
        "updated": profile.updated,
        "units": UNITS_NOTE,
        "cm_per_fu": round(float(profile.cm_per_fu), 4),
        "tool_offset": None if profile.tool_offset is None else _rounded(np.array(profile.tool_offset), 4),
        "touch_points_fu": {name: _rounded(np.array(point), 4) for name, point in profile.touch_points_fu.items()},
        "regions_fu": {name: _rounded(polygon, 4) for name, polygon in profile.regions.polygons_fu.items()},
        "reference_mesh_fu": None if profile.reference_mesh_fu is None else _rounded(profile.reference_mesh_fu, 5),
    }


_NUMBER_LIST = re.compile(r"\[\s*(-?[0-9.eE+-]+(?:\s*,\s*-?[0-9.eE+-]+)*)\s*\]")


def dumps_profile(data: Mapping[str, Any]) -> str:
    """Indented JSON with each point on one line, so the file reads (and diffs) point by point."""
    text = json.dumps(finite_json_value(data), indent=2, ensure_ascii=False, allow_nan=False)
    return _NUMBER_LIST.sub(lambda match: "[" + re.sub(r"\s*,\s*", ", ", match.group(1)) + "]", text) + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and move it into place: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_profile(profile: Profile, path: str | Path | None = None) -> Path:
    """Write the profile (to its place in the user data directory unless ``path`` is given)."""
    check_profile_name(profile.name)
    target = Path(path) if path is not None else profile_path(profile.name)
    try:
        write_text_atomically(target, dumps_profile(profile_to_json_dict(profile)))
    except OSError as error:
        raise CoachError(
            f"Cannot write profile {target}: {error.strerror or error}. Check that the folder is writable "
            "(or set COACH_DATA_DIR to one that is)."
        ) from error
    logger.info("Saved profile '%s' to %s", profile.name, target)
    return target


# ----------------------------------------------------------------------------------------------
# Reading and validating


class _Validator:
    """Checks one file's values, raising DataFileError that names the file, the key and the fix."""

    def __init__(self, path: Path, profile_name: str) -> None:
        self.path = path
        self.fix = f"Correct that value, or recreate the profile with `coach calibrate --profile {profile_name}`"

    def fail(self, key: str | None, problem: str, fix: str | None = None) -> DataFileError:
        return DataFileError(self.path, key, problem, fix or self.fix)

    def require(self, data: Mapping[str, Any], key: str) -> Any:
        if key not in data:
            raise self.fail(key, "is missing")
        return data[key]

    def number(self, value: Any, key: str, low: float | None = None, high: float | None = None) -> float:
        if not _finite_number(value):
            raise self.fail(key, f"must be a number, not {_shown(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(key, f"is {value}, outside the sensible range {low}..{high}")
        return float(value)

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, "must be a non-empty string")
        return value

    def timestamp(self, value: Any, key: str) -> str:
        text = self.text(value, key)
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(key, f"is {text!r}, not an ISO 8601 date-time such as 2025-01-31T09:12:00+00:00") from None
        return text

    def points(self, value: Any, key: str, dims: int, count: int | None = None, minimum: int = 1) -> np.ndarray:
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list of [{', '.join('xyz'[:dims])}] points")
        for index, point in enumerate(value):
            if not isinstance(point, list) or len(point) != dims or not all(_coordinate(v) for v in point):
                raise self.fail(
                    f"{key}[{index}]", f"must be {dims} finite numbers within ±{MAX_ABS_FU:g} face units, not {_shown(point)}"
                )
        if count is not None and len(value) != count:
            raise self.fail(key, f"has {len(value)} points; {count} are needed")
        if len(value) < minimum:
            raise self.fail(key, f"has {len(value)} points; at least {minimum} are needed")
        return np.array(value, dtype=float).reshape(len(value), dims)

    def point(self, value: Any, key: str) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2 or not all(_coordinate(v) for v in value):
            raise self.fail(key, f"must be [x, y] (two finite numbers within ±{MAX_ABS_FU:g}), not {_shown(value)}")
        return float(value[0]), float(value[1])

    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be an object ({...})")
        return value


def _shown(value: Any) -> str:
    """A value for a message, cut short; never fails (deep nesting, huge numbers)."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _touch_points(validator: _Validator, value: Any, key: str) -> dict[str, tuple[float, float]]:
    from coach.calibration.targets import TARGET_NAMES

    touches = validator.mapping(value, key)
    result: dict[str, tuple[float, float]] = {}
    for name, point in touches.items():
        if name not in TARGET_NAMES:
            raise validator.fail(f"{key}.{name}", f"is not a known touch point (known: {', '.join(TARGET_NAMES)})")
        result[name] = validator.point(point, f"{key}.{name}")
    return result


def _reference_mesh(validator: _Validator, value: Any) -> np.ndarray | None:
    if value is None:
        return None
    mesh = validator.points(value, "reference_mesh_fu", dims=3, count=MESH_POINTS)
    # The face-unit convention puts the outer eye corners at x = ∓0.5 on the x axis.
    corners = mesh[[RIGHT_EYE_OUTER, LEFT_EYE_OUTER]]
    if np.abs(corners - np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0]])).max() > 0.02:
        raise validator.fail(
            "reference_mesh_fu",
            "is not in face units (points 33 and 263, the outer eye corners, must be at (-0.5, 0, 0) and (0.5, 0, 0))",
        )
    return mesh


def _tool_offset(validator: _Validator, value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(_finite_number(v) for v in value):
        if math.hypot(float(value[0]), float(value[1])) > MAX_TOOL_OFFSET:
            raise validator.fail(
                "tool_offset",
                f"is {math.hypot(float(value[0]), float(value[1])):.1f} hand sizes from the wrist; at most {MAX_TOOL_OFFSET} is plausible",
            )
    along, across = validator.point(value, "tool_offset")
    if math.hypot(along, across) > MAX_TOOL_OFFSET:
        raise validator.fail(
            "tool_offset", f"is {math.hypot(along, across):.1f} hand sizes from the wrist; at most {MAX_TOOL_OFFSET} is plausible"
        )
    return along, across


def _regions(validator: _Validator, value: Any) -> FaceRegions:
    outlines = validator.mapping(value, "regions_fu")
    for name in outlines:
        if name not in REGION_NAMES:
            raise validator.fail(f"regions_fu.{name}", f"is not a region name (regions: {', '.join(REGION_NAMES)})")
    polygons: dict[str, np.ndarray] = {}
    for name in REGION_NAMES:
        if name not in outlines:
            raise validator.fail(f"regions_fu.{name}", "is missing (every region needs its outline)")
        polygons[name] = validator.points(outlines[name], f"regions_fu.{name}", dims=2, minimum=3)
    return FaceRegions(polygons)


def _from_version_1(data: Mapping[str, Any], validator: _Validator, name: str) -> Profile:
    return Profile(
        name=name,
        version=PROFILE_VERSION,
        created=validator.timestamp(validator.require(data, "created"), "created"),
        updated=validator.timestamp(validator.require(data, "updated"), "updated"),
        reference_mesh_fu=_reference_mesh(validator, data.get("reference_mesh_fu")),
        touch_points_fu=_touch_points(validator, validator.require(data, "touch_points_fu"), "touch_points_fu"),
        regions=_regions(validator, validator.require(data, "regions_fu")),
        tool_offset=_tool_offset(validator, data.get("tool_offset")),
        cm_per_fu=validator.number(validator.require(data, "cm_per_fu"), "cm_per_fu", *CM_PER_FU_RANGE),
    )


def _migrate_version_0(data: Mapping[str, Any], validator: _Validator) -> dict[str, Any]:
    """Version 0 → 1: 'touches' renamed, 'updated' and 'cm_per_fu' added, regions rebuilt from the touches."""
    from coach.calibration.adjust import calibrated_polygons
    from coach.calibration.errors import CalibrationError

    touches = _touch_points(validator, validator.require(data, "touches"), "touches")
    mesh = _reference_mesh(validator, data.get("reference_mesh_fu"))
    try:
        polygons = calibrated_polygons(touches, mesh)
    except CalibrationError as error:
        raise validator.fail("touches", f"cannot be turned into face regions ({error})") from None
    created = validator.timestamp(validator.require(data, "created"), "created")
    return {
        **{key: value for key, value in data.items() if key != "touches"},
        "version": 1,
        "updated": created,
        "cm_per_fu": DEFAULT_CM_PER_FU,
        "touch_points_fu": {key: list(point) for key, point in touches.items()},
        "regions_fu": {key: polygon.tolist() for key, polygon in polygons.items()},
    }


MIGRATIONS: dict[int, Callable[[Mapping[str, Any], _Validator], dict[str, Any]]] = {0: _migrate_version_0}
KNOWN_KEYS = {
    "format", "version", "name", "created", "updated", "units", "cm_per_fu", "tool_offset",
    "touch_points_fu", "regions_fu", "reference_mesh_fu",
}


def profile_from_json_dict(data: Any, path: Path, name: str | None = None) -> Profile:
    """Validate (and migrate) a profile file's content. ``name`` overrides the name stored inside."""
    validator = _Validator(path, name or path.stem)
    if not isinstance(data, dict):
        raise validator.fail(None, "is not a JSON object")
    file_format = data.get("format")
    if file_format != PROFILE_FORMAT:
        raise validator.fail(
            "format",
            f"is {_shown(file_format)}, so this is not a coach profile",
            "Point --profile at a profile name or a file written by `coach calibrate`",
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise validator.fail("version", f"is {_shown(version)}; it must be a whole number such as {PROFILE_VERSION}")
    if version > PROFILE_VERSION:
        raise validator.fail(
            "version",
            f"is {version}, newer than this coach understands (up to {PROFILE_VERSION})",
            f"Update coach, or recalibrate with `coach calibrate --profile {name or path.stem}` to write a version-{PROFILE_VERSION} profile",
        )
    stored_name = validator.text(validator.require(data, "name"), "name")
    while version < PROFILE_VERSION:
        data = MIGRATIONS[version](data, validator)
        logger.warning(
            "%s: migrated profile '%s' from version %d to %d (its file is unchanged until the profile is saved again)",
            path, stored_name, version, data["version"],
        )
        version = data["version"]
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        logger.warning("%s: ignoring unknown keys %s", path, ", ".join(unknown))
    if name is not None and stored_name != name:
        logger.warning("%s: the file calls itself '%s'; using it as profile '%s'", path, stored_name, name)
    final_name = name or stored_name
    if not NAME_PATTERN.match(final_name):
        raise validator.fail("name", f"is {final_name!r}; use letters, digits, '-', '_' or '.'")
    return _from_version_1(data, validator, final_name)


def _looks_like_path(name_or_path: str | Path) -> bool:
    if isinstance(name_or_path, Path):
        return True
    return os.sep in name_or_path or "/" in name_or_path or name_or_path.lower().endswith(PROFILE_SUFFIX)


def load_profile(name_or_path: str | Path) -> Profile:
    """The profile of that name (from the user data directory) or at that path.

    Raises ProfileNotFoundError (listing existing profiles and how to create one) when it is not
    there, and DataFileError naming file, key and fix when it is malformed or too new.
    """
    if _looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
        name = None
        if not path.is_file():
            raise ProfileNotFoundError(f"Profile file {path} not found. Check the path, or give a profile name ({_existing_text()}).")
    else:
        name = check_profile_name(str(name_or_path))
        path = profile_path(name)
        if not path.is_file():
            raise ProfileNotFoundError(
                f"No profile '{name}' (looked for {path}); {_existing_text()}. "
                f"Create it with `coach calibrate --profile {name}`."
            )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(path, None, f"cannot be read ({error})", "Check the file's permissions, or recalibrate") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataFileError(
            path, None, f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            f"Fix the file, or recreate it with `coach calibrate --profile {name or path.stem}`",
        ) from None
    except (RecursionError, ValueError) as error:  # nesting too deep; an integer of thousands of digits
        problem = "is nested too deeply to be a profile" if isinstance(error, RecursionError) else f"holds an unusable value ({error})"
        raise DataFileError(
            path, None, problem, f"Recreate it with `coach calibrate --profile {name or path.stem}`"
        ) from None
    return profile_from_json_dict(data, path, name)


def _existing_text() -> str:
    names = list_profiles()
    return f"existing profiles: {', '.join(names)}" if names else "there are no profiles yet"


def describe_profiles() -> str:
    """The `coach profiles` listing: each profile with what it holds, or why it cannot be read."""
    names = list_profiles()
    folder = profiles_dir()
    if not names:
        return f"No profiles yet (in {folder}). Create one with `coach calibrate --profile NAME`."
    lines = [f"Profiles in {folder}:"]
    width = max(len(name) for name in names)
    for name in names:
        try:
            profile = load_profile(name)
        except CoachError as error:
            lines.append(f"  {name:<{width}}  UNUSABLE: {error}")
            continue
        parts = [f"updated {profile.updated.replace('T', ' ')[:16]}"]
        parts.append(f"{len(profile.touch_points_fu)} touch points")
        parts.append("own neutral face" if profile.reference_mesh_fu is not None else "generic face")
        parts.append("tool offset" if profile.tool_offset is not None else "no tool")
        parts.append(f"{profile.cm_per_fu:g} cm per face unit")
        lines.append(f"  {name:<{width}}  " + ", ".join(parts))
    lines.append("Use one with --profile NAME; create or update one with `coach calibrate --profile NAME`.")
    return "\n".join(lines)
