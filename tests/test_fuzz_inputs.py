"""Property-based tests (hypothesis) of the three readers of user files (issue 12).

Whatever the bytes or the JSON/TOML values, the recording reader, the technique loader and the
profile loader give either their result or the project's own error (a CoachError, which the CLI
prints as one line), never another exception. Inputs start from real files (the bundled demo
recording, a shipped technique, a saved profile) with parts replaced, as well as from nothing.

COACH_FUZZ_EXAMPLES raises the number of examples for a longer hunt (default 150 per property).
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.errors import CoachError, DataFileError, RecordingError
from coach.recording import read_recording
from coach.storage.profiles import Profile, profile_from_json_dict, profile_to_json_dict
from coach.technique import load_technique
from coach.technique.loader import _TechniqueReader
from robust_helpers import REPO_DIR, demo_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLES = int(os.environ.get("COACH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
GENTLE = REPO_DIR / "assets" / "techniques" / "gentle_glides.toml"

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 10**400]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)),
    max_leaves=30,
)


class Deep:
    """Nesting far deeper than Python's recursion limit: written into the JSON text directly."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    @property
    def token(self) -> str:
        return f"<deep {self.depth}>"


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


# What json.loads can hand a loader (it stops near Python's recursion limit) ...
loaded_values = st.one_of(json_values, st.integers(min_value=1, max_value=600).map(nested))
# ... and what a file can hold.
hostile_values = st.one_of(loaded_values, st.integers(min_value=600, max_value=100_000).map(Deep))


def leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON-like value where something can be swapped in."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += leaf_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):  # meshes have hundreds of points: a few suffice
            paths += leaf_paths(item, prefix + (index,))
    return paths


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    result = copy.deepcopy(value)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return result


def dumps(value: Any) -> str:
    """JSON text; NaN and Infinity are written as such (the readers must cope), Deep as brackets."""
    deep_values: list[Deep] = []

    def placeholder(item: Any) -> str:
        if isinstance(item, Deep):
            deep_values.append(item)
            return item.token
        raise TypeError(type(item).__name__)

    text = json.dumps(value, default=placeholder)
    for item in deep_values:
        text = text.replace(json.dumps(item.token), "[" * item.depth + "0" + "]" * item.depth, 1)
    return text


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def read_all(path: Path) -> int:
    """Open, count and read a recording; only RecordingError may escape."""
    reader = read_recording(path)
    counted = reader.count_frames()
    frames = 0
    for frame in reader:
        assert math.isfinite(frame.timestamp_s)
        frames += 1
    assert frames <= counted
    return frames


# ---------------------------------------------------------------------------------------------- recordings


@FUZZ
@given(data=st.binary(max_size=2000), gzipped=st.booleans())
def test_recording_reader_any_bytes(workdir: Path, data: bytes, gzipped: bool) -> None:
    path = workdir / ("any.jsonl.gz" if gzipped else "any.jsonl")
    path.write_bytes(data)
    try:
        read_all(path)
    except RecordingError:
        pass


@settings(FUZZ, max_examples=max(1, EXAMPLES // 3))  # each example inflates a real file: slower
@given(cut=st.floats(min_value=0.0, max_value=1.0), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=4))
def test_recording_reader_real_gzip_cut_or_flipped(workdir: Path, cut: float, flips: list[tuple[float, int]]) -> None:
    whole = bytearray(gzip.compress("".join(demo_lines()[:12]).encode(), mtime=0))
    for where, mask in flips:
        whole[min(len(whole) - 1, int(where * len(whole)))] ^= mask
    path = workdir / "damaged.jsonl.gz"
    path.write_bytes(bytes(whole[: int(cut * len(whole))]))
    try:
        read_all(path)
    except RecordingError:
        pass


@FUZZ
@given(header=hostile_values)
def test_recording_reader_any_header(workdir: Path, header: Any) -> None:
    path = workdir / "header.jsonl"
    path.write_text(dumps(header) + "\n" + demo_lines()[1])
    try:
        read_all(path)
    except RecordingError:
        pass


@FUZZ
@given(data=st.data(), new=hostile_values)
def test_recording_reader_real_frame_with_any_part_replaced(workdir: Path, data: st.DataObject, new: Any) -> None:
    lines = demo_lines()
    header = json.loads(lines[0])
    frame = json.loads(lines[30])
    which = data.draw(st.sampled_from(["header", "frame"]))
    original = header if which == "header" else frame
    path_in = data.draw(st.sampled_from(leaf_paths(original)))
    changed = replaced(original, path_in, new)
    text = (dumps(changed) if which == "header" else lines[0].rstrip("\n")) + "\n"
    text += lines[29] + (dumps(changed) if which == "frame" else lines[30].rstrip("\n")) + "\n" + lines[31]
    path = workdir / "replaced.jsonl"
    path.write_text(text)
    try:
        read_all(path)
    except RecordingError:
        pass


# ---------------------------------------------------------------------------------------------- techniques


@FUZZ
@given(document=st.dictionaries(st.text(max_size=10), loaded_values, max_size=8))
def test_technique_reader_any_document(document: dict[str, Any]) -> None:
    try:
        _TechniqueReader(Path("fuzz.toml")).read(document)
    except DataFileError:
        pass


@FUZZ
@given(data=st.data(), new=loaded_values)
def test_technique_reader_real_file_with_any_part_replaced(data: st.DataObject, new: Any) -> None:
    document = tomllib.loads(GENTLE.read_text(encoding="utf-8"))
    path_in = data.draw(st.sampled_from(leaf_paths(document)[1:]))  # a TOML file is always a table
    try:
        technique = _TechniqueReader(GENTLE).read(replaced(document, path_in, new))
    except DataFileError:
        return
    for step in technique.steps:
        for bounds in (step.speed_fu_s, step.rate_hz, step.hold_s):
            assert bounds is None or all(math.isfinite(value) and value > 0 for value in bounds)
        assert step.duration_s is None or math.isfinite(step.duration_s)


@FUZZ
@given(data=st.binary(max_size=1500))
def test_technique_loader_any_bytes(workdir: Path, data: bytes) -> None:
    path = workdir / "any.toml"
    path.write_bytes(data)
    try:
        load_technique(path)
    except DataFileError:
        pass


@FUZZ
@given(pair=st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)))
def test_technique_range_advice_is_accepted_when_followed(pair: tuple[float, float]) -> None:
    reader = _TechniqueReader(Path("fuzz.toml"))
    try:
        reader.range(list(pair), "steps[1].speed_fu_s")
    except DataFileError as error:
        if "Swap them: " in str(error):
            assert reader.range([pair[1], pair[0]], "steps[1].speed_fu_s") == (pair[1], pair[0])


# ---------------------------------------------------------------------------------------------- profiles


def saved_profile_dict() -> dict[str, Any]:
    return json.loads(json.dumps(profile_to_json_dict(Profile("fuzz"))))


@FUZZ
@given(value=loaded_values)
def test_profile_reader_any_json_value(value: Any) -> None:
    try:
        profile_from_json_dict(value, Path("fuzz.json"))
    except CoachError:
        pass


@FUZZ
@given(data=st.data(), new=loaded_values)
def test_profile_reader_real_profile_with_any_part_replaced(data: st.DataObject, new: Any) -> None:
    original = saved_profile_dict()
    path_in = data.draw(st.sampled_from(leaf_paths(original)))
    try:
        profile = profile_from_json_dict(replaced(original, path_in, new), Path("fuzz.json"))
    except CoachError:
        return
    assert math.isfinite(profile.cm_per_fu)


@FUZZ
@given(data=st.binary(max_size=1500))
def test_profile_loader_any_bytes(workdir: Path, data: bytes) -> None:
    from coach.storage.profiles import load_profile

    path = workdir / "fuzz.json"
    path.write_bytes(data)
    try:
        load_profile(path)
    except CoachError:
        pass
