"""Outputs appear complete or not at all, never over an input (issue 12): real files, real folders,
real read-only and full file systems (tmpfs mounts, as root), and the real `coach` command."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.outputs import (
    OutputError,
    ReportStage,
    check_output_name,
    dumps_json,
    refuse_input_overwrite,
    write_text_atomically,
)

from robust_helpers import one_error_line, run_coach, short_recording, tree, write_portrait_clip


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory: pytest.TempPathFactory, portrait_path: Path) -> Path:
    return write_portrait_clip(tmp_path_factory.mktemp("clip") / "portrait.mp4", portrait_path)


# ---------------------------------------------------------------------------------------------- units


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    write_text_atomically(target, "new content")
    assert target.read_text() == "new content"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # not mkstemp's private mode


def test_json_never_holds_nan() -> None:
    text = dumps_json({"a": float("nan"), "b": [1.0, float("inf"), -float("inf")], "c": {"d": 2.5}})
    assert json.loads(text) == {"a": None, "b": [1.0, None, None], "c": {"d": 2.5}}
    assert "NaN" not in text and "Infinity" not in text


def test_stage_commit_replaces_a_previous_report_as_a_whole(tmp_path: Path) -> None:
    final = tmp_path / "report"
    final.mkdir()
    (final / "report.json").write_text("old")
    (final / "annotated.mp4").write_bytes(b"old video")
    with ReportStage(final) as stage:
        assert stage.path.parent == tmp_path and stage.path.name.startswith(".report.")
        (stage.file("report.json")).write_text("new")
        assert (final / "report.json").read_text() == "old"  # untouched until the commit
        stage.commit()
    assert tree(final) == {"report.json": b"new"}  # the old video is gone with the old report
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report"]


def test_stage_abandoned_leaves_the_previous_report_and_no_new_folder(tmp_path: Path) -> None:
    final = tmp_path / "report"
    final.mkdir()
    (final / "report.json").write_text("old")
    with pytest.raises(RuntimeError), ReportStage(final) as stage:
        stage.file("report.json").write_text("half")
        raise RuntimeError("failed midway")
    assert tree(final) == {"report.json": b"old"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report"]
    # A new folder (and its new parents) is not left behind empty by a failure.
    with pytest.raises(RuntimeError), ReportStage(tmp_path / "a" / "b" / "new"):
        raise RuntimeError("failed")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report"]


def test_stage_refuses_a_folder_holding_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not a coach report"):
        ReportStage(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_stage_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above the kernel's pid_max default: no such process
    leftover = tmp_path / f".report.coach-staging-{dead_pid}.abcd"
    leftover.mkdir()
    (leftover / "annotated.mp4").write_bytes(b"half")
    with ReportStage(tmp_path / "report") as stage:
        stage.commit()
    assert not leftover.exists()


def test_inputs_are_never_outputs(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    with pytest.raises(OutputError, match="is the input"):
        refuse_input_overwrite(clip, [clip])
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    with pytest.raises(OutputError, match="is the input"):
        refuse_input_overwrite(link, [clip])
    with pytest.raises(OutputError, match="inside the output folder"):
        refuse_input_overwrite(tmp_path, [clip], replaces_folder=True)
    refuse_input_overwrite(tmp_path / "out", [clip], replaces_folder=True)  # a sibling is fine
    with pytest.raises(OutputError, match="empty"):
        check_output_name("")


# ---------------------------------------------------------------------------------------------- the command


def test_track_refuses_to_overwrite_its_clip_or_write_json_into_a_video_name(tmp_path: Path, portrait_clip: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copy(portrait_clip, clip)
    before = clip.read_bytes()
    one_error_line(run_coach("track", str(clip), "-o", str(clip)), ".jsonl")
    one_error_line(run_coach("track", str(clip), "-o", str(tmp_path / "x.mp4")), ".jsonl.gz")
    one_error_line(run_coach("track", str(clip), "-o", ""), "empty")
    assert clip.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4"]


def test_track_refuses_an_output_that_is_the_clip_under_a_recording_name(tmp_path: Path, portrait_clip: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copy(portrait_clip, clip)
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(clip)
    one_error_line(run_coach("track", str(clip), "-o", str(alias)), "is the input")
    assert clip.read_bytes() == portrait_clip.read_bytes()


def test_replay_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    recording = short_recording(tmp_path)
    before = recording.read_bytes()
    one_error_line(run_coach("replay", str(recording), "--out", str(recording)), "input")
    one_error_line(run_coach("replay", str(recording), "--out", str(tmp_path)), "inside the output folder")
    one_error_line(run_coach("replay", str(recording), "--out", ""), "empty")
    assert recording.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["short.jsonl"]


def test_replay_into_a_previous_report_replaces_it_whole(tmp_path: Path) -> None:
    recording = short_recording(tmp_path)
    out = tmp_path / "report"
    first = run_coach("replay", str(recording), "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    assert sorted(tree(out)) == ["annotated.mp4", "history.html", "report.html", "report.json"]
    second = run_coach("replay", str(recording), "--out", str(out), "--no-video", "--no-html", "--quiet")
    assert second.returncode == 0, second.stderr
    assert sorted(tree(out)) == ["report.json"]  # no video of the other session left beside it
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report", "short.jsonl"]


def test_failed_replay_leaves_no_folder_and_the_old_report_intact(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "coach-landmarks", "version": 1, "width": 64, "height": 64, "fps": 30, "mirrored": false}\n')
    one_error_line(run_coach("replay", str(broken), "--out", str(tmp_path / "new" / "report")), "no frames")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.jsonl"]
    recording = short_recording(tmp_path)
    out = tmp_path / "report"
    assert run_coach("replay", str(recording), "--out", str(out), "--quiet").returncode == 0
    before = tree(out)
    one_error_line(run_coach("replay", str(broken), "--out", str(out)), "no frames")
    assert tree(out) == before


def test_out_that_is_a_file_or_under_a_file_or_in_proc_is_one_line(tmp_path: Path) -> None:
    recording = short_recording(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("x")
    one_error_line(run_coach("replay", str(recording), "--out", str(afile)), "is a file")
    one_error_line(run_coach("replay", str(recording), "--out", str(afile / "sub")), "is a file")
    one_error_line(run_coach("replay", str(recording), "--out", "/proc/coach-report"), "cannot write")
    assert afile.read_text() == "x"


# ---------------------------------------------------------------------------------------------- real file systems


@contextlib.contextmanager
def tmpfs(tmp_path: Path, size: str) -> Iterator[Path]:
    """A real small file system (tmpfs) mounted for the test; skips where mounting is not allowed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (these tests run as root in CI)")
    mount_point = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def remount_read_only(mount_point: Path) -> None:
    result = subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot remount read-only: {result.stderr.strip()}")


def test_read_only_file_system_is_one_line_also_with_no_video(tmp_path: Path) -> None:
    recording = short_recording(tmp_path)
    with tmpfs(tmp_path, "2m") as disk:
        (disk / "report").mkdir()
        (disk / "report" / "report.json").write_text("previous")
        remount_read_only(disk)
        for extra in ([], ["--no-video"], ["--no-video", "--no-html"]):
            one_error_line(run_coach("replay", str(recording), "--out", str(disk / "report"), *extra), "read-only")
            one_error_line(run_coach("replay", str(recording), "--out", str(disk / "new"), *extra), "read-only")
        one_error_line(run_coach("track", str(recording), "-o", str(disk / "x.jsonl.gz")))
        assert tree(disk) == {"report/report.json": b"previous"}


def test_full_disk_leaves_the_previous_report_and_no_temporary_files(tmp_path: Path) -> None:
    recording = short_recording(tmp_path, seconds=6.0)
    with tmpfs(tmp_path, "300k") as disk:
        (disk / "report").mkdir()
        (disk / "report" / "report.json").write_text("previous")
        # The annotated video fills 300 KB; without it, a filler leaves too little for the pages.
        for extra, leave_free in (([], None), (["--no-video"], 24_000), (["--no-video", "--no-html"], 0)):
            filler = disk / "filler.bin"
            if leave_free is not None:
                filler.unlink(missing_ok=True)
                stats = os.statvfs(disk)
                filler.write_bytes(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave_free))
            result = run_coach("replay", str(recording), "--out", str(disk / "report"), *extra)
            one_error_line(result, "full")
            files = tree(disk)
            files.pop("filler.bin", None)
            assert files == {"report/report.json": b"previous"}  # nothing half-written, no .tmp
            assert sorted(path.name for path in disk.iterdir() if path.name != "filler.bin") == ["report"]


def test_full_disk_during_track_leaves_no_file(tmp_path: Path, portrait_clip: Path) -> None:
    with tmpfs(tmp_path, "12k") as disk:
        result = run_coach("track", str(portrait_clip), "-o", str(disk / "session.jsonl"))
        one_error_line(result, "full")
        assert list(disk.iterdir()) == []


def test_folder_without_write_permission_for_a_real_user(tmp_path: Path) -> None:
    """chmod does not stop root, so this runs the command as the unprivileged user 'nobody'."""
    import pwd

    if os.geteuid() != 0:
        pytest.skip("needs root to run the command as another user")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user on this system")
    shared = tmp_path / "shared"
    shared.mkdir()
    recording = short_recording(shared)
    locked = shared / "locked"
    locked.mkdir(mode=0o755)
    for folder in (tmp_path, shared):
        folder.chmod(0o755)
    recording.chmod(0o644)
    try:
        probe = subprocess.run([sys.executable, "-c", "import coach"], user=nobody.pw_uid, capture_output=True, cwd="/")
    except OSError as error:
        pytest.skip(f"user 'nobody' cannot start this checkout's Python ({error.strerror}; e.g. it lives under /root)")
    if probe.returncode != 0:
        pytest.skip("user 'nobody' cannot import this checkout's coach (folder permissions)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(shared))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "replay", str(recording), "--out", str(locked / "report"), "--no-video"],
        capture_output=True, text=True, user=nobody.pw_uid, env=env, cwd="/", timeout=300,
    )
    one_error_line(result, "permission denied")
    assert list(locked.iterdir()) == []
