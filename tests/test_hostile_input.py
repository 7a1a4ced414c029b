"""Hostile but fair input (issue 12): broken copies of real files, absurd values, deep nesting.

Each case ends in one of two ways, never a traceback: one line naming the file, the place and the
fix (exit 2), or — for an input cut short or damaged after good frames — a report marked partial
with the reason, a single warning line and exit 0.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import pytest

from broken_media import cut, faststart_mp4
from coach.errors import DataFileError, RecordingError
from coach.recording import read_recording
from coach.storage.profiles import Profile, load_profile, profile_path, save_profile
from coach.technique import load_technique
from robust_helpers import REPO_DIR, demo_lines, one_error_line, run_coach, short_recording, write_portrait_clip

HEADER = {"format": "coach-landmarks", "version": 1, "width": 640, "height": 480, "fps": 30, "mirrored": False}
GENTLE = REPO_DIR / "assets" / "techniques" / "gentle_glides.toml"


def frame_line(t: float | str, face: object = None) -> str:
    return '{"t": ' + str(t) + ', "face": ' + json.dumps(face) + ', "hands": []}'


def recording(path: Path, header: dict | str, *frames: str) -> Path:
    head = header if isinstance(header, str) else json.dumps(header)
    path.write_text("".join(line + "\n" for line in (head, *frames)))
    return path


def one_warning(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 0 and exactly one line on stderr, a `coach: warning:` naming the fault."""
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("coach: warning:"), result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def partial_report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True and report["partial_reason"], report.get("partial_reason")
    return report


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory: pytest.TempPathFactory, portrait_path: Path) -> Path:
    return write_portrait_clip(tmp_path_factory.mktemp("clip") / "portrait.mp4", portrait_path, frames=30)


# ---------------------------------------------------------------------------------------------- recordings


@pytest.mark.parametrize(
    "header, frames, words",
    [
        ({**HEADER, "width": 10**400}, [frame_line(0.0)], ["line 1", "width"]),
        ({**HEADER, "height": 0}, [frame_line(0.0)], ["line 1", "height"]),
        ({**HEADER, "fps": 1e-300}, [frame_line(0.0)], ["line 1", "fps"]),
        ({**HEADER, "fps": 1e300}, [frame_line(0.0)], ["line 1", "fps"]),
        (HEADER, [frame_line(10**400)], ["line 2", "'t'"]),
        (HEADER, [frame_line("NaN")], ["line 2", "'t'"]),
        (HEADER, [frame_line(0.0, [[0.5, 0.5, 1e308]] * 478)], ["line 2", "face", "coordinate"]),
        (HEADER, [frame_line(0.0, [[0.5, 0.5, 10**400]] * 478)], ["line 2", "face"]),
        (HEADER, ["[" * 100_000 + "]" * 100_000], ["line 2", "nested"]),
        ("[" * 100_000 + "]" * 100_000, [], ["line 1", "nested"]),
        (HEADER, ['{"t": 0, "face": null, "hands": [{"handedness": "left", "score": 7, "landmarks": []}]}'], ["line 2", "score"]),
        (HEADER, ['{"t": 0, "face": null, "hands": [], "i": -1}'], ["line 2", "'i'"]),
        (HEADER, ['{"t": ' + "9" * 5000 + ', "face": null, "hands": []}'], ["line 2"]),
    ],
)
def test_absurd_recording_values_are_one_line_naming_the_place(tmp_path: Path, header: dict | str, frames: list[str], words: list[str]) -> None:
    path = recording(tmp_path / "hostile.jsonl", header, *frames)
    with pytest.raises(RecordingError) as caught:
        list(read_recording(path))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400 and "hostile.jsonl" in message, message
    for word in words:
        assert word.lower() in message.lower(), message


def test_absurd_values_at_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name, header, frames, words in [
        ("t.jsonl", HEADER, [frame_line(10**400)], ["line 2", "'t'"]),
        ("w.jsonl", {**HEADER, "width": 10**400}, [frame_line(0.0)], ["width"]),
        ("fps.jsonl", {**HEADER, "fps": 1e-300}, [frame_line(0.0)], ["fps"]),
        ("deep.jsonl", HEADER, ["[" * 100_000 + "]" * 100_000], ["nested"]),
    ]:
        path = recording(tmp_path / name, header, *frames)
        line = one_error_line(run_coach("replay", str(path), "--out", str(out)), name, *words)
        assert "permission" not in line and "writable" not in line  # the input is blamed, not the folder
        assert not out.exists()


def test_a_face_of_all_zeros_is_no_face_not_a_crash(tmp_path: Path) -> None:
    lines = demo_lines()
    frames = []
    for line in lines[1:61]:
        data = json.loads(line)
        data["face"] = [[0.0, 0.0, 0.0]] * 478
        frames.append(json.dumps(data))
    path = tmp_path / "zeros.jsonl"
    path.write_text(lines[0] + "".join(frame + "\n" for frame in frames))
    result = run_coach("replay", str(path), "--out", str(tmp_path / "out"), "--technique", "lymphatic_drainage", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["frames"] == 60 and report["strokes"] == []


def test_a_huge_header_size_is_drawn_small(tmp_path: Path) -> None:
    """8000×8000 took a minute and 1.45 GB for 100 frames; a recording has no pixels to keep."""
    lines = demo_lines()
    header = json.loads(lines[0])
    header.update(width=8000, height=8000)
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps(header) + "\n" + "".join(lines[1:101]))
    result = run_coach("replay", str(path), "--out", str(tmp_path / "out"), "--no-html", "--quiet")
    assert result.returncode == 0, result.stderr
    capture = cv2.VideoCapture(str(tmp_path / "out" / "annotated.mp4"))
    size = (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    capture.release()
    assert size == (1280, 1280) and frames == 100


def test_bad_line_mid_recording_keeps_the_frames_before_it(tmp_path: Path) -> None:
    lines = demo_lines()[:41]
    lines[25] = '{"t": oops\n'
    path = tmp_path / "midway.jsonl"
    path.write_text("".join(lines))
    out = tmp_path / "out"
    warning = one_warning(run_coach("replay", str(path), "--out", str(out), "--quiet"), "midway.jsonl, line 26")
    report = partial_report(out)
    assert report["frames"] == 24 and "line 26" in report["partial_reason"]
    assert "24 frames" in warning
    assert sorted(p.name for p in out.iterdir()) == ["annotated.mp4", "history.html", "report.html", "report.json"]


@pytest.mark.parametrize("damage", ["cut in half", "bytes flipped", "trailer missing"])
def test_damaged_gzip_recording_gives_a_partial_report_and_one_warning(tmp_path: Path, damage: str) -> None:
    whole = short_recording(tmp_path, seconds=4.0, name="whole.jsonl.gz").read_bytes()
    broken = tmp_path / "broken.jsonl.gz"
    if damage == "cut in half":
        broken.write_bytes(whole[: len(whole) // 2])
    elif damage == "bytes flipped":
        data = bytearray(whole)
        for offset in range(len(data) // 2, len(data) // 2 + 16):
            data[offset] ^= 0xA5
        broken.write_bytes(bytes(data))
    else:
        broken.write_bytes(whole[:-8])
    out = tmp_path / "out"
    result = run_coach("replay", str(broken), "--out", str(out), "--no-video", "--quiet")
    one_warning(result)
    report = partial_report(out)
    total = len(list(read_recording(tmp_path / "whole.jsonl.gz")))
    assert 0 < report["frames"] <= total
    if damage == "cut in half":
        assert report["frames"] < total
    assert json.loads((out / "report.json").read_text())["partial_reason"] in result.stderr


def test_video_cut_short_after_its_index_gives_a_partial_report(tmp_path: Path, portrait_clip: Path) -> None:
    streaming = faststart_mp4(portrait_clip, tmp_path / "streaming.mp4")
    clipped = cut(streaming, tmp_path / "clipped.mp4", 0.6)
    out = tmp_path / "out"
    warning = one_warning(run_coach("replay", str(clipped), "--out", str(out), "--no-html", "--quiet"), "clipped.mp4", "ends early")
    report = partial_report(out)
    assert 0 < report["frames"] < 30 and "30 frames" in report["partial_reason"]
    assert f"{report['frames']} frames" in warning
    # The whole streaming copy is not partial: the check is about missing frames, not the layout.
    whole = run_coach("replay", str(streaming), "--out", str(tmp_path / "whole"), "--no-video", "--no-html", "--quiet")
    assert whole.returncode == 0 and whole.stderr.strip() == "", whole.stderr
    assert json.loads((tmp_path / "whole" / "report.json").read_text())["partial"] is False


def test_video_cut_before_its_index_is_one_line(tmp_path: Path, portrait_clip: Path) -> None:
    clipped = cut(portrait_clip, tmp_path / "clipped.mp4", 0.5)
    one_error_line(run_coach("replay", str(clipped), "--out", str(tmp_path / "out")), "clipped.mp4")
    assert not (tmp_path / "out").exists()


def test_track_of_a_video_cut_short_keeps_what_was_there_and_says_so(tmp_path: Path, portrait_clip: Path) -> None:
    clipped = cut(faststart_mp4(portrait_clip, tmp_path / "streaming.mp4"), tmp_path / "clipped.mp4", 0.6)
    out = tmp_path / "clipped.jsonl.gz"
    result = run_coach("track", str(clipped), "-o", str(out), "--quiet")
    one_warning(result, "ends early")
    assert result.stdout.startswith(f"wrote {out}: ") and "TrackingStats" not in result.stdout
    assert "frames tracked" in result.stdout and "face found in" in result.stdout
    frames = len(list(read_recording(out)))
    assert 0 < frames < 30 and f"the {frames} frames" in result.stderr


# ---------------------------------------------------------------------------------------------- techniques


def technique_with(tmp_path: Path, old: str, new: str) -> Path:
    text = GENTLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def first_range(key: str = "speed_fu_s") -> str:
    for line in GENTLE.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{key} = ["):
            return line
    raise AssertionError(f"no {key} line in {GENTLE}")


@pytest.mark.parametrize(
    "new, key, words",
    [
        ("speed_fu_s = [nan, nan]", "speed_fu_s", "not a number"),
        ("speed_fu_s = [0.2, inf]", "speed_fu_s", "not a number"),
        ("speed_fu_s = [1e308, 1.7e308]", "speed_fu_s", "above"),
        ("speed_fu_s = [0.1, -0.35]", "speed_fu_s", "not positive"),
        ("speed_fu_s = [0.2, " + "9" * 400 + "]", "speed_fu_s", "two numbers"),
    ],
)
def test_absurd_technique_ranges_are_refused(tmp_path: Path, new: str, key: str, words: str) -> None:
    with pytest.raises(DataFileError) as caught:
        load_technique(technique_with(tmp_path, first_range(), new))
    assert caught.value.key is not None and caught.value.key.endswith(key) and words in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "1e308", str(10**30)])
def test_absurd_amounts_are_refused(tmp_path: Path, value: str) -> None:
    text = GENTLE.read_text(encoding="utf-8")
    reps_line = next(line for line in text.splitlines() if line.startswith("reps = "))
    for new in (f"duration_s = {value}", f"reps = {value}"):
        path = technique_with(tmp_path, reps_line, new)
        if new.startswith("reps") and value in ("nan", "inf", "-inf", "1e308"):
            continue  # not a whole number: refused as such by the older check
        with pytest.raises(DataFileError) as caught:
            load_technique(path)
        assert caught.value.key is not None and caught.value.key.endswith(new.split(" ")[0])


def test_swap_advice_is_itself_accepted(tmp_path: Path) -> None:
    low, high = 0.2, 0.8
    path = technique_with(tmp_path, first_range(), f"speed_fu_s = [{high}, {low}]")
    with pytest.raises(DataFileError, match=r"Swap them: \[(.*)\]") as caught:
        load_technique(path)
    advice = str(caught.value).split("Swap them: ")[1].split("]")[0] + "]"
    fixed = technique_with(tmp_path, first_range(), f"speed_fu_s = {advice}")
    assert load_technique(fixed).steps[0].speed_fu_s == (low, high)


def test_nan_technique_at_the_command_line_is_one_line_and_no_nan_reaches_json(tmp_path: Path) -> None:
    path = technique_with(tmp_path, first_range(), "speed_fu_s = [nan, nan]")
    recording_path = short_recording(tmp_path)
    one_error_line(run_coach("replay", str(recording_path), "--out", str(tmp_path / "out"), "--technique", str(path)), "speed_fu_s")
    assert not (tmp_path / "out").exists()


def test_deeply_nested_technique_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(DataFileError):
        load_technique(path)


# ---------------------------------------------------------------------------------------------- profiles


def saved_profile_data(name: str = "anna") -> dict:
    save_profile(Profile(name))
    return json.loads(profile_path(name).read_text())


def test_profile_with_huge_coordinates_is_refused_with_the_key() -> None:
    data = saved_profile_data()
    data["regions_fu"]["left_cheek"][1] = [1e308, 0.0]
    profile_path("anna").write_text(json.dumps(data))
    with pytest.raises(DataFileError) as caught:
        load_profile("anna")
    assert caught.value.key == "regions_fu.left_cheek[1]" and "±10" in str(caught.value)
    data["regions_fu"]["left_cheek"][1] = [10**400, 0.0]
    profile_path("anna").write_text(json.dumps(data))
    with pytest.raises(DataFileError):
        load_profile("anna")


def test_deeply_nested_profile_is_refused_and_the_listing_still_works(tmp_path: Path) -> None:
    saved_profile_data("good")
    profile_path("deep").write_text('{"format": "coach-profile", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(DataFileError, match="nested too deeply"):
        load_profile("deep")
    result = run_coach("profiles")
    assert result.returncode == 0, result.stderr
    assert "deep" in result.stdout and "UNUSABLE" in result.stdout and "good" in result.stdout


def test_profile_values_that_are_not_finite_are_refused() -> None:
    data = saved_profile_data()
    for bad in (float("nan"), float("inf")):
        profile_path("anna").write_text(json.dumps({**data, "cm_per_fu": bad}))
        with pytest.raises(DataFileError, match="cm_per_fu"):
            load_profile("anna")
