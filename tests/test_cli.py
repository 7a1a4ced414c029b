"""The `coach` command end to end, as a user runs it: real processes, real files, real exit codes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO_DIR = Path(__file__).resolve().parents[1]


def run_coach(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO_DIR,
        env=env,
        timeout=timeout,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 2, one clear line on stderr, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("coach: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]


def write_portrait_clip(path: Path, portrait_path: Path, frames: int = 12, fps: float = 15.0) -> None:
    portrait = cv2.imread(str(portrait_path))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (portrait.shape[1], portrait.shape[0]))
    assert writer.isOpened()
    for index in range(frames):
        shift = np.float32([[1, 0, index * 2], [0, 1, 0]])
        writer.write(cv2.warpAffine(portrait, shift, (portrait.shape[1], portrait.shape[0]), borderMode=cv2.BORDER_REPLICATE))
    writer.release()


def test_help_explains_the_commands() -> None:
    result = run_coach("--help")
    assert result.returncode == 0
    for command in ("replay", "track", "live", "calibrate", "profiles", "techniques"):
        assert command in result.stdout
    replay_help = run_coach("replay", "--help")
    assert "--technique" in replay_help.stdout and "--out" in replay_help.stdout


def test_missing_clip_is_a_clear_error(tmp_path: Path) -> None:
    assert_user_error(run_coach("replay", str(tmp_path / "nothing.mp4"), "--out", str(tmp_path / "out")), "nothing.mp4")


def test_corrupt_clip_is_a_clear_error(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.mp4"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert_user_error(run_coach("replay", str(corrupt), "--out", str(tmp_path / "out")), "broken.mp4")
    assert_user_error(run_coach("track", str(corrupt), "-o", str(tmp_path / "x.jsonl")), "broken.mp4")


def test_unsupported_extension_is_a_clear_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    assert_user_error(run_coach("replay", str(notes), "--out", str(tmp_path / "out")), "notes.txt")


def test_recording_with_bad_header_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "something-else"}\n')
    assert_user_error(run_coach("replay", str(bad), "--out", str(tmp_path / "out")), "bad.jsonl")
    malformed = tmp_path / "malformed.jsonl.gz"
    header = {"format": "coach-landmarks", "version": 1, "width": 640, "height": 480, "fps": 30, "mirrored": False}
    with gzip.open(malformed, "wt") as handle:
        handle.write(json.dumps(header) + "\n")
        handle.write('{"t": 0.0, "face": null, "hands": []}\n')
        handle.write("{this is not json\n")
    # A bad line after good frames keeps those frames: a partial report, exit 0, one warning line.
    kept = run_coach("replay", str(malformed), "--out", str(tmp_path / "out"), "--no-video", "--no-html")
    assert kept.returncode == 0, kept.stderr
    warnings = [line for line in kept.stderr.splitlines() if line.startswith("coach: warning:")]
    assert len(warnings) == 1 and "malformed.jsonl.gz, line 3" in warnings[0], kept.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["partial"] is True and "line 3" in report["partial_reason"] and report["frames"] == 1


def test_unknown_technique_and_profile_are_clear_errors(tmp_path: Path) -> None:
    assert_user_error(run_coach("techniques", "show", "no_such_routine"), "no_such_routine")
    assert_user_error(run_coach("replay", "--technique", "no_such_routine", "--out", str(tmp_path)), "no_such_routine")
    assert_user_error(run_coach("replay", "--profile", "nobody", "--out", str(tmp_path)), "nobody")


def test_techniques_are_listed_and_shown() -> None:
    listing = run_coach("techniques")
    assert listing.returncode == 0, listing.stderr
    assert "lymphatic_drainage" in listing.stdout and "gua_sha" in listing.stdout
    shown = run_coach("techniques", "show", "gua_sha")
    assert shown.returncode == 0, shown.stderr
    assert "neck" in shown.stdout.lower()


def test_demo_replay_writes_a_complete_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_coach("replay", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["format"] == "coach-report" and report["version"] == 1
    assert report["technique"] == "lymphatic_drainage"
    assert report["frames"] > 100 and report["duration_s"] > 5
    assert report["strokes"], "the demo has strokes"
    for stroke in report["strokes"]:
        assert stroke["pattern"] in {"glide", "circle", "tap", "knead", "hold"}
        assert 0 <= stroke["score"] <= 100
    assert report["overall_score"] is not None and report["overall_score"] >= 60
    assert (out / "report.html").stat().st_size > 10_000
    capture = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == report["frames"]
    capture.release()


def test_track_then_replay_a_real_video(tmp_path: Path, portrait_path: Path) -> None:
    clip = tmp_path / "portrait.mp4"
    write_portrait_clip(clip, portrait_path)
    recording = tmp_path / "portrait.jsonl.gz"
    tracked = run_coach("track", str(clip), "-o", str(recording), "--quiet")
    assert tracked.returncode == 0, tracked.stderr
    with gzip.open(recording, "rt") as handle:
        lines = handle.read().splitlines()
    assert json.loads(lines[0])["format"] == "coach-landmarks"
    frames = [json.loads(line) for line in lines[1:]]
    assert len(frames) == 12
    assert all(frame["face"] is not None and len(frame["face"]) == 478 for frame in frames)

    from_video = run_coach("replay", str(clip), "--out", str(tmp_path / "video"), "--no-video", "--quiet")
    assert from_video.returncode == 0, from_video.stderr
    from_recording = run_coach("replay", str(recording), "--out", str(tmp_path / "rec"), "--no-video", "--quiet")
    assert from_recording.returncode == 0, from_recording.stderr
    video_report = json.loads((tmp_path / "video" / "report.json").read_text())
    recording_report = json.loads((tmp_path / "rec" / "report.json").read_text())
    assert video_report["frames"] == recording_report["frames"] == 12
    assert video_report["face_found_ratio"] == recording_report["face_found_ratio"] == 1.0
    assert video_report["strokes"] == recording_report["strokes"] == []  # no hand, no strokes


def test_ctrl_c_keeps_a_partial_report(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "interrupted"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "replay", "--out", str(out), "--quiet"],
        cwd=REPO_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    # The report is built in a hidden folder beside --out until it is complete (coach.outputs).
    while not list(tmp_path.glob(".interrupted.coach-staging-*/annotated.mp4")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the frame loop
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True
    assert 0 < report["frames"] < 2000  # stopped early, but what was done is kept
    assert (out / "report.html").exists()


def test_replay_of_a_real_composite_clip_reports_the_stroke(tmp_path: Path) -> None:
    """`coach replay` on real pixels (a real hand photo stroking up a real face)."""
    media = REPO_DIR.parent / "shared" / "media"
    clip = media / "composite" / "clip_stroke_up_Rcheek_point.mp4"
    if not clip.exists():
        pytest.skip(f"shared test media not found at {media}")
    result = run_coach("replay", str(clip), "--out", str(tmp_path), "--technique", "gentle_glides", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["face_found_ratio"] == 1.0 and report["hands_found_ratio"] > 0.9
    strokes = [(s["pattern"], s["direction"], s["region"]) for s in report["strokes"]]
    assert strokes == [("glide", "up", "right_cheek")] or strokes == [("glide", "up-out", "right_cheek")], strokes
    # Scored against the routine's first step (the forehead): the stroke is there, on the wrong region.
    assert report["strokes"][0]["score"] is not None and report["strokes"][0]["feedback"]
    capture = cv2.VideoCapture(str(tmp_path / "annotated.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == report["frames"] == 45
    capture.release()
