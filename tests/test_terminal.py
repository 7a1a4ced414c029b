"""What the terminal shows (issue 12): our lines only, a progress bar only on a terminal, a
missing camera refused with the cameras found, Ctrl-C in a window closing it cleanly."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from broken_media import cut, faststart_mp4
from robust_helpers import coach_command, coach_env, one_error_line, run_coach, short_recording, write_portrait_clip

NATIVE_NOISE = ("absl::InitializeLog", "TensorFlow Lite", "XNNPACK", "moov atom", "partial file", "inference_feedback_manager", "W0000", "I0000")


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory: pytest.TempPathFactory, portrait_path: Path) -> Path:
    return write_portrait_clip(tmp_path_factory.mktemp("clip") / "portrait.mp4", portrait_path, frames=12)


def test_native_log_lines_stay_off_the_terminal_unless_verbose(tmp_path: Path, portrait_clip: Path) -> None:
    """MediaPipe's (absl, TFLite) and FFmpeg's own lines; a clip cut short makes FFmpeg talk."""
    clipped = cut(faststart_mp4(portrait_clip, tmp_path / "streaming.mp4"), tmp_path / "clipped.mp4", 0.6)
    quiet = run_coach("replay", str(clipped), "--out", str(tmp_path / "quiet"), "--no-html")
    assert quiet.returncode == 0, quiet.stderr
    lines = [line for line in quiet.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("coach: warning:"), quiet.stderr
    assert not any(noise in quiet.stderr for noise in NATIVE_NOISE), quiet.stderr
    verbose = run_coach("--verbose", "replay", str(clipped), "--out", str(tmp_path / "verbose"), "--no-html")
    assert verbose.returncode == 0, verbose.stderr
    assert len(verbose.stderr.splitlines()) > 3  # the log, and whatever the native libraries said


def test_track_prints_plain_words(tmp_path: Path, portrait_clip: Path) -> None:
    result = run_coach("track", str(portrait_clip), "-o", str(tmp_path / "s.jsonl.gz"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {tmp_path / 's.jsonl.gz'}: 12 frames tracked in "), result.stdout
    assert "TrackingStats" not in result.stdout and "=" not in result.stdout
    assert result.stderr.strip() == "", result.stderr  # no progress bar on a pipe, no native lines


def run_on_a_terminal(args: list[str], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run coach with stdout and stderr on a pseudo-terminal; returns (exit code, what it showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a fresh pty is 0×0
    process = subprocess.Popen(coach_command(*args), cwd=cwd, env=coach_env(COLUMNS="100"), stdout=follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    code = process.wait(timeout=30)
    os.close(leader)
    return code, shown.decode("utf-8", errors="replace")


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    recording = short_recording(tmp_path, seconds=20.0)
    code, shown = run_on_a_terminal(["replay", str(recording), "--out", str(tmp_path / "tty"), "--no-video", "--no-html"], tmp_path)
    assert code == 0, shown
    assert "replay:" in shown and "frame" in shown and "%" in shown, shown  # tqdm's bar
    piped = run_coach("replay", str(recording), "--out", str(tmp_path / "pipe"), "--no-video", "--no-html")
    assert piped.returncode == 0 and piped.stderr.strip() == "", piped.stderr


@pytest.mark.parametrize("command", [["live", "--technique", "gua_sha"], ["live", "--exit-at-end"], ["calibrate", "--profile", "me"]])
def test_missing_camera_is_refused_naming_the_cameras_found(command: list[str]) -> None:
    result = run_coach(*command, "--camera", "7", timeout=120)
    line = one_error_line(result, "No camera at index 7")
    assert "cameras found:" in line or "no camera was found" in line
    assert "--source" in line


def test_ctrl_c_in_the_live_window_closes_it_and_saves_the_report(tmp_path: Path) -> None:
    """Inside Qt's event loop a signal must not become a traceback from paintEvent."""
    recording = short_recording(tmp_path, seconds=30.0)
    out = tmp_path / "live"
    process = subprocess.Popen(
        coach_command("live", "--source", str(recording), "--technique", "lymphatic_drainage", "--exit-at-end", "--out", str(out)),
        cwd=tmp_path, env=coach_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(6.0)  # the window is up and frames are being painted
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "Stopped by Ctrl-C; the session report was saved." in stdout, stdout
    report = json.loads((out / "report.json").read_text())
    assert report["frames"] > 0


def test_sigterm_in_the_calibration_window_saves_nothing() -> None:
    from coach.storage.profiles import profile_path

    demo = Path(__file__).resolve().parents[1] / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
    if not demo.is_file():
        pytest.skip("demo recording missing")
    process = subprocess.Popen(
        coach_command("calibrate", "--profile", "me", "--source", str(demo)),
        env=coach_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(5.0)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, (stdout, stderr)
    assert "Traceback" not in stderr, stderr
    assert "nothing was saved" in stdout
    assert not profile_path("me").exists()
