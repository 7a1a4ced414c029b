"""Profiles: round trip, listing, migration of version 0, refusal of unknown versions, clear errors."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.calibration import DEFAULT_TARGETS, calibrated_regions
from coach.errors import CoachError, DataFileError
from coach.geometry import FaceRegions, canonical_face
from coach.pipeline import Pipeline
from coach.storage import profiles as profiles_module
from coach.storage.profiles import (
    Profile,
    ProfileNotFoundError,
    describe_profiles,
    list_profiles,
    load_profile,
    profile_path,
    profiles_dir,
    save_profile,
)
from coach.types import REGION_NAMES

SHIFTS = {"right_cheekbone": (0.0, -0.08), "left_cheekbone": (0.01, -0.07), "right_collarbone_hollow": (0.0, -0.2)}


def _touches() -> dict[str, tuple[float, float]]:
    return {
        target.name: tuple(float(v) for v in target.default + np.array(SHIFTS.get(target.name, (0.0, 0.0))))  # type: ignore[misc]
        for target in DEFAULT_TARGETS
    }


def _mesh() -> np.ndarray:
    mesh = canonical_face().copy()
    mesh[1, 0] += 0.02  # a slightly crooked nose
    return mesh


def _profile(name: str = "anna") -> Profile:
    touches = _touches()
    return Profile(
        name=name,
        reference_mesh_fu=_mesh(),
        touch_points_fu=touches,
        regions=calibrated_regions(touches, _mesh()),
        tool_offset=(2.31, 0.17),
        cm_per_fu=8.7,
    )


def _write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _saved_data(name: str = "anna") -> dict[str, Any]:
    return json.loads(save_profile(_profile(name)).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------


def test_profile_round_trips_through_its_file(private_user_data: Path) -> None:
    original = _profile()
    path = save_profile(original)
    assert path == private_user_data / "profiles" / "anna.json"
    loaded = load_profile("anna")
    assert (loaded.name, loaded.version, loaded.created, loaded.updated) == ("anna", 1, original.created, original.updated)
    assert loaded.cm_per_fu == 8.7
    assert loaded.tool_offset == pytest.approx(original.tool_offset)
    np.testing.assert_allclose(loaded.reference_mesh_fu, original.reference_mesh_fu, atol=1e-5)
    assert set(loaded.touch_points_fu) == set(original.touch_points_fu)
    for name, point in original.touch_points_fu.items():
        assert loaded.touch_points_fu[name] == pytest.approx(point, abs=1e-4)
    assert loaded.regions.names == REGION_NAMES
    for name in REGION_NAMES:
        np.testing.assert_allclose(loaded.regions.polygons_fu[name], original.regions.polygons_fu[name], atol=5e-5)
        assert loaded.regions.region_at(original.regions.centre(name)) == name
    # Loading by path gives the same profile.
    assert load_profile(path).touch_points_fu == loaded.touch_points_fu


def test_the_file_is_versioned_human_readable_json_that_defines_the_regions_itself() -> None:
    text = save_profile(_profile()).read_text(encoding="utf-8")
    data = json.loads(text)
    assert (data["format"], data["version"]) == ("coach-profile", 1)
    assert text.startswith('{\n  "format": "coach-profile",\n  "version": 1,')
    assert '"right_cheekbone": [-0.375, -0.29]' in text  # one point per line, readable
    assert set(data["regions_fu"]) == set(REGION_NAMES)
    assert all(len(point) == 2 for point in data["regions_fu"]["right_cheek"])
    assert len(data["reference_mesh_fu"]) == 478
    # The file alone defines the regions: a hand-edited outline is what gets used.
    data["regions_fu"]["nose"] = [[-0.1, 0.0], [0.1, 0.0], [0.1, -0.5], [-0.1, -0.5]]
    _write(profile_path("anna"), data)
    assert load_profile("anna").regions.region_at([0.15, -0.3]) != "nose"
    assert load_profile("anna").regions.region_at([0.05, -0.3]) == "nose"


def test_pipeline_uses_the_profile() -> None:
    save_profile(_profile())
    profile = load_profile("anna")
    pipeline = Pipeline(profile=profile)
    assert pipeline.regions is profile.regions
    np.testing.assert_allclose(pipeline.fitter.reference_fu, profile.reference_mesh_fu)
    # A point just above this user's (lower) cheekbone is under the eye only with the profile.
    point = np.array(profile.touch_points_fu["right_cheekbone"]) + [0.0, 0.03]
    assert pipeline.regions.region_at(point) == "right_under_eye"
    assert FaceRegions().region_at(point) == "right_cheek"


def test_listing_and_describing_profiles() -> None:
    assert list_profiles() == []
    assert "No profiles yet" in describe_profiles() and "coach calibrate --profile NAME" in describe_profiles()
    save_profile(_profile("zoe"))
    save_profile(_profile("anna"))
    save_profile(Profile(name="plain"))
    _write(profiles_dir() / "broken.json", {"format": "coach-profile", "version": 1})
    (profiles_dir() / ".anna.tmp123.tmp").write_text("half", encoding="utf-8")
    assert list_profiles() == ["anna", "broken", "plain", "zoe"]
    listing = describe_profiles()
    assert "\n  anna    updated" in listing and "8 touch points, own neutral face, tool offset, 8.7 cm per face unit" in listing
    assert "\n  plain   updated" in listing and "0 touch points, generic face, no tool, 9 cm per face unit" in listing
    assert "broken  UNUSABLE:" in listing and "key 'name'" in listing


def test_missing_profile_names_the_existing_ones_and_the_fix() -> None:
    save_profile(_profile("anna"))
    save_profile(_profile("ben"))
    with pytest.raises(ProfileNotFoundError) as caught:
        load_profile("carla")
    message = str(caught.value)
    assert "No profile 'carla'" in message and str(profiles_dir() / "carla.json") in message
    assert "existing profiles: anna, ben" in message
    assert "`coach calibrate --profile carla`" in message
    with pytest.raises(ProfileNotFoundError, match="nowhere.json not found"):
        load_profile(Path("/nowhere.json"))
    with pytest.raises(CoachError, match="Invalid profile name"):
        load_profile("my profile!")


def test_version_0_is_migrated_with_a_message(caplog: pytest.LogCaptureFixture) -> None:
    touches = _touches()
    version_0 = {
        "format": "coach-profile",
        "version": 0,
        "name": "old",
        "created": "2024-03-01T10:00:00+00:00",
        "touches": {name: list(point) for name, point in touches.items()},
        "reference_mesh_fu": _mesh().tolist(),
        "tool_offset": [2.0, 0.1],
    }
    path = _write(profile_path("old"), version_0)
    with caplog.at_level(logging.WARNING, logger="coach.storage.profiles"):
        profile = load_profile("old")
    assert any("migrated profile 'old' from version 0 to 1" in record.getMessage() for record in caplog.records)
    assert profile.version == 1 and profile.cm_per_fu == 9.0
    assert profile.updated == profile.created == "2024-03-01T10:00:00+00:00"
    assert profile.tool_offset == (2.0, 0.1)
    assert profile.touch_points_fu == touches
    # Regions are rebuilt from the touches: the touched cheekbone lies on the under-eye/cheek boundary.
    cheekbone = np.array(touches["right_cheekbone"])
    assert profile.regions.distance_to(cheekbone, "right_under_eye") < 1e-6
    assert profile.regions.distance_to(cheekbone, "right_cheek") < 1e-6
    # The file is left as it was until the profile is saved again, then it is version 1.
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 0
    save_profile(profile)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_a_newer_version_is_refused() -> None:
    data = _saved_data()
    data["version"] = 2
    _write(profile_path("anna"), data)
    with pytest.raises(DataFileError) as caught:
        load_profile("anna")
    assert caught.value.key == "version"
    message = str(caught.value)
    assert str(profile_path("anna")) in message and "is 2, newer than this coach understands (up to 1)" in message
    assert "Update coach, or recalibrate with `coach calibrate --profile anna`" in message


def _broken(change: Any) -> DataFileError:
    data = _saved_data()
    change(data)
    _write(profile_path("anna"), data)
    with pytest.raises(DataFileError) as caught:
        load_profile("anna")
    assert str(profile_path("anna")) in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "change, key, words",
    [
        (lambda d: d.update(format="something-else"), "format", "not a coach profile"),
        (lambda d: d.update(version="one"), "version", "must be a whole number"),
        (lambda d: d.pop("cm_per_fu"), "cm_per_fu", "is missing"),
        (lambda d: d.update(cm_per_fu="nine"), "cm_per_fu", "must be a number"),
        (lambda d: d.update(cm_per_fu=90), "cm_per_fu", "outside the sensible range"),
        (lambda d: d.update(created="yesterday"), "created", "not an ISO 8601 date-time"),
        (lambda d: d["regions_fu"].pop("right_cheek"), "regions_fu.right_cheek", "is missing"),
        (lambda d: d["regions_fu"].update(ear=[[0, 0], [1, 0], [1, 1]]), "regions_fu.ear", "not a region name"),
        (lambda d: d["regions_fu"].update(nose=[[0, 0], [1, 0]]), "regions_fu.nose", "at least 3 are needed"),
        (lambda d: d["regions_fu"]["chin"].__setitem__(2, [0.1, "x"]), "regions_fu.chin[2]", "finite numbers"),
        (lambda d: d["touch_points_fu"].update(nose_tip=[0, 0]), "touch_points_fu.nose_tip", "not a known touch point"),
        (lambda d: d["touch_points_fu"].update(right_temple=[1]), "touch_points_fu.right_temple", "must be [x, y]"),
        (lambda d: d.update(reference_mesh_fu=d["reference_mesh_fu"][:400]), "reference_mesh_fu", "478 are needed"),
        (lambda d: d.update(reference_mesh_fu=(np.array(d["reference_mesh_fu"]) * 2).tolist()), "reference_mesh_fu", "not in face units"),
        (lambda d: d.update(tool_offset=[40, 0]), "tool_offset", "hand sizes from the wrist"),
    ],
)
def test_malformed_profile_names_file_key_and_fix(change: Any, key: str, words: str) -> None:
    error = _broken(change)
    assert error.key == key
    message = str(error)
    assert f"key '{key}'" in message and words in message
    assert "coach calibrate --profile anna" in message or "file written by `coach calibrate`" in message


def test_invalid_json_names_the_line() -> None:
    path = profile_path("anna")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{\n  "format": "coach-profile",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"anna.json: is not valid JSON \(line 3"):
        load_profile("anna")


def test_a_failed_write_leaves_the_old_profile_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_profile(_profile())
    before = path.read_text(encoding="utf-8")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(profiles_module.os, "fsync", disk_full)
    with pytest.raises(CoachError, match="Cannot write profile .*anna.json: No space left on device"):
        save_profile(_profile().revised(cm_per_fu=9.5))
    assert path.read_text(encoding="utf-8") == before
    assert sorted(os.listdir(path.parent)) == ["anna.json"]  # no temporary file left behind


def test_profile_names_are_checked_before_anything_is_written() -> None:
    for bad in ("", "a/b", "..", "-x", "name.json", "x" * 65):
        with pytest.raises(CoachError, match="Invalid profile name"):
            save_profile(Profile(name=bad))
    assert not profiles_dir().exists() or list_profiles() == []
