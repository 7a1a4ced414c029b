"""The live window on real pixels: a clip made from the portrait, played as a camera, through the
real tracker and pipeline into the window; plus one run on a real X display (Xvfb)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from coach.errors import SourceError  # noqa: E402
from coach.render.palette import GUIDE_RGB, TARGET_RGB  # noqa: E402
from coach.types import Frame, StepProgress  # noqa: E402
from coach.ui.metronome import Metronome, beat_period_s  # noqa: E402
from coach.render.qt_env import missing_xcb_libraries, prepare_qt_environment  # noqa: E402
from coach.ui.worker import Captured, LatestFrameSlot, OpenedSource, SourceSpec  # noqa: E402

# Run in a pytest process of their own (scripts/test.sh). When another test module has imported
# mediapipe on the main thread first, a worker thread's Tracker has ended in a native abort (no
# message) after a few windows; the app itself imports mediapipe only on its worker thread.
pytestmark = pytest.mark.live_window

REPO_DIR = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_DIR / "test-artifacts"
CLIP_SIZE = (640, 480)
CLIP_FPS = 30.0
TECHNIQUE = "gentle_glides"  # its first step is a glide on the forehead: region, arrow and ghost


def portrait_frames(portrait_path: Path, count: int) -> Iterator[np.ndarray]:
    """The portrait on a 640×480 canvas, drifting a few pixels like a person sitting in front of a webcam."""
    portrait = cv2.imread(str(portrait_path))
    width, height = CLIP_SIZE
    scale = height / portrait.shape[0] * 1.15
    scaled = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    for index in range(count):
        t = index / CLIP_FPS
        dx = 8.0 * np.sin(2 * np.pi * 0.4 * t)
        dy = 4.0 * np.sin(2 * np.pi * 0.3 * t)
        shift = np.float32([[1, 0, (width - scaled.shape[1]) / 2 + dx], [0, 1, (height - scaled.shape[0]) / 2 + 40 + dy]])
        yield cv2.warpAffine(scaled, shift, CLIP_SIZE, borderMode=cv2.BORDER_REPLICATE)


def write_clip(portrait_path: Path, path: Path, seconds: float) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), CLIP_FPS, CLIP_SIZE)
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for image in portrait_frames(portrait_path, int(seconds * CLIP_FPS)):
        writer.write(image)
    writer.release()
    return path


@pytest.fixture(scope="module")
def long_clip(portrait_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(portrait_path, tmp_path_factory.mktemp("clips") / "portrait_6s.mp4", 6.0)


@pytest.fixture(scope="module")
def clip_20s(portrait_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long enough to outlast a test that walks through many controls on a busy machine: when a
    clip ends, its summary shows at once and closing the window then closes it too."""
    return write_clip(portrait_path, tmp_path_factory.mktemp("clips") / "portrait_20s.mp4", 20.0)


@pytest.fixture(scope="module")
def short_clip(portrait_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(portrait_path, tmp_path_factory.mktemp("clips") / "portrait_1s.mp4", 1.0)


@pytest.fixture(scope="module")
def library() -> dict:
    from coach.technique import load_library

    return load_library()


def our_threads() -> list[threading.Thread]:
    """Python threads that are really running (QThreads show up as never-ending dummies in 3.11)."""
    return [thread for thread in threading.enumerate() if not isinstance(thread, threading._DummyThread)]


def open_window(qtbot, sources, initial, library, technique=None, **options):
    from coach.ui.main_window import LiveWindow

    window = LiveWindow(list(sources), initial, library, technique=technique, **options)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def qimage_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def near(rgb: np.ndarray, color: tuple[int, int, int], tolerance: int) -> np.ndarray:
    return np.abs(rgb - np.array(color)).max(axis=2) <= tolerance


# ---------------------------------------------------------------------------------------------


def test_clip_frames_flow_and_overlay_shows_target_region_and_arrow(qtbot, long_clip: Path, library, tmp_path: Path) -> None:
    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE], out_dir=tmp_path / "out")
    qtbot.waitUntil(lambda: window.view.timing.frames_painted >= 10, timeout=15_000)
    assert window.error_message == ""
    assert window.last_progress is not None and window.last_progress.step_index == 0

    view = window.view
    result, image = view.result, view.image
    assert result is not None and image is not None and result.pose is not None, "the portrait's face must be tracked"
    painted = qimage_rgb(view.grab().toImage())
    target = view.image_rect().toAlignedRect()
    painted = painted[target.top() : target.bottom() + 1, target.left() : target.right() + 1]
    size = (painted.shape[1], painted.shape[0])

    # The worker drew this frame at the picture's size (coach.ui.composer) and the window copies it;
    # either way it is exactly what the shared renderer paints for this frame.
    assert view.composed is not None and (view.composed.size.width, view.composed.size.height) == size
    expected = qimage_rgb(window.renderer.render(_bgr(image), result, size))
    assert np.mean(np.abs(painted - expected) > 8) < 0.01

    # What the technique adds: the highlighted target region and the yellow guidance arrow.
    without_step = qimage_rgb(window.renderer.render(_bgr(image), dataclasses.replace(result, progress=None), size))
    changed = np.abs(expected - without_step).max(axis=2) > 30
    arrow = changed & near(expected, GUIDE_RGB, 60)
    region = changed & near(expected, TARGET_RGB, 70)
    assert arrow.sum() > 150, "guidance arrow not drawn"
    assert region.sum() > 150, "target region outline not drawn"
    # Both sit on the forehead: above the eyes, inside the face's horizontal extent.
    face_px = result.tracked.face.points_px(result.tracked.width, result.tracked.height) * (size[0] / result.tracked.width)
    if window.mirrored:
        face_px[:, 0] = size[0] - face_px[:, 0]
    eyes_y = face_px[[33, 263], 1].mean()
    for mask in (arrow, region):
        ys, xs = np.nonzero(mask)
        assert np.median(ys) < eyes_y
        assert face_px[:, 0].min() - 20 < np.median(xs) < face_px[:, 0].max() + 20

    ARTIFACTS_DIR.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS_DIR / "live_window_offscreen.png"))


def _bgr(image: QImage) -> np.ndarray:
    from coach.render.overlay import qimage_to_numpy

    return qimage_to_numpy(image)


def test_shortcuts_pause_next_step_mirror_restart_and_close_stops_everything(qtbot, clip_20s: Path, library, tmp_path: Path) -> None:
    threads_before = {thread.ident for thread in our_threads()}
    spec = SourceSpec(path=clip_20s)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE], out_dir=tmp_path / "out")
    qtbot.waitUntil(lambda: window.view.timing.frames_painted >= 5, timeout=15_000)
    worker = window.worker
    assert worker is not None and worker.isRunning()
    assert any(thread.name == "coach-capture" for thread in our_threads())

    # Space pauses: no more frames are processed; Space again resumes.
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.paused
    qtbot.wait(600)  # a frame already being processed may still land (slow on a busy machine)
    processed = worker.processed
    qtbot.wait(400)
    assert worker.processed == processed
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not window.paused
    qtbot.waitUntil(lambda: worker.processed > processed + 3, timeout=5_000)

    # → goes to the next step; R restarts the routine.
    QTest.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.last_progress is not None and window.last_progress.step_index == 1, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.last_progress is not None and window.last_progress.step_index == 0, timeout=5_000)

    # Picking another technique restarts coaching with it.
    window.technique_combo.setCurrentIndex(window.technique_combo.findData("tapping"))
    window.technique_combo.activated.emit(window.technique_combo.currentIndex())
    qtbot.waitUntil(lambda: window.last_progress is not None and window.last_progress.technique == "tapping", timeout=5_000)
    # The new technique's progress shows at once; its session has frames (and so a report to save
    # on closing) once the worker has processed some after the switch.
    switched_at = worker.processed
    qtbot.waitUntil(lambda: worker.processed > switched_at + 3, timeout=5_000)

    # M toggles the mirrored view, in the renderer and in the checkbox.
    mirrored = window.mirrored
    QTest.keyClick(window, Qt.Key.Key_M)
    assert window.mirrored is (not mirrored) and window.mirror_box.isChecked() is (not mirrored)

    # S switches the metronome (a glide step has a beat).
    QTest.keyClick(window, Qt.Key.Key_S)
    assert window.metronome.enabled
    qtbot.waitUntil(lambda: window.metronome.period_s is not None, timeout=3_000)

    # Closing keeps the work: the GUI thread never waits, the capture stops (camera released), the
    # full report (HTML too, marked partial) is saved on the worker, then the summary shows.
    assert worker.isRunning() and window.summary_dialog is None, "the clip ended before the window was closed"
    started = time.perf_counter()
    window.close()
    closing_s = time.perf_counter() - started
    assert closing_s < 0.5, f"closing blocked the window for {closing_s:.2f} s"
    qtbot.waitUntil(lambda: window.summary_dialog is not None and window.summary_dialog.isVisible(), timeout=60_000)
    assert not worker.isRunning() and worker.isFinished()
    assert not any(thread.name == "coach-capture" for thread in our_threads())
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["technique"] == "tapping" and report["frames"] > 0 and report["partial"] is True
    assert (tmp_path / "out" / "report.html").is_file()
    # Closing the summary ends the window; nothing is left running.
    window.summary_dialog.close_button.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert {thread.ident for thread in our_threads()} <= threads_before, [thread.name for thread in our_threads()]


def test_missing_camera_shows_a_clear_message_and_does_not_crash(qtbot, library) -> None:
    spec = SourceSpec(camera=57)
    window = open_window(qtbot, [spec], spec, library)
    qtbot.waitUntil(lambda: bool(window.error_message), timeout=10_000)
    assert "No camera at index 57" in window.error_message
    assert "--source" in window.error_message  # says what to do instead
    assert window.view.message == window.error_message
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.isFinished(), timeout=3_000)
    window.view.grab()  # painting the message must work too
    window.close()


def test_landmark_recording_plays_as_a_camera_without_video(qtbot, library, tmp_path: Path) -> None:
    from coach.recording import RecordingWriter, read_recording

    # The first two seconds of the bundled demo recording, so the test stays short.
    demo = REPO_DIR / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
    if not demo.is_file():
        pytest.skip(f"demo recording not found at {demo}")
    clip = tmp_path / "demo_2s.jsonl"
    reader = read_recording(demo)
    with RecordingWriter(clip, reader.header.width, reader.header.height, reader.header.fps) as writer:
        for tracked in reader:
            if tracked.timestamp_s > 2.0:
                break
            writer.write(tracked)
    reader.close()
    spec = SourceSpec(path=clip)
    window = open_window(qtbot, [spec], spec, library, technique=library["lymphatic_drainage"], out_dir=tmp_path / "rec")
    qtbot.waitUntil(lambda: window.view.timing.frames_painted >= 10, timeout=10_000)
    assert window.view.image is None and window.view.result is not None  # no video: plain background
    assert window.last_progress is not None and window.last_progress.technique == "lymphatic_drainage"
    painted = qimage_rgb(window.view.grab().toImage())
    assert painted.std() > 5  # landmarks and overlay drawn on the plain background
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.isFinished(), timeout=10_000)
    assert window.error_message == ""
    assert json.loads((tmp_path / "rec" / "report.json").read_text())["frames"] > 0
    window.close()


def test_closing_while_the_models_load_leaves_nothing_running(qtbot, long_clip: Path, library) -> None:
    threads_before = {thread.ident for thread in our_threads()}
    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library)
    worker = window.worker
    window.close()  # at once: the worker is still building the tracker
    assert window.wait_for_workers(10.0)
    assert not worker.isRunning()
    assert {thread.ident for thread in our_threads()} <= threads_before
    assert window.view.timing.frames_painted == 0 and window.error_message == ""


class VanishingCamera(SourceSpec):
    """A "camera" that delivers real portrait frames and then stops, like one unplugged mid-session."""

    frames: tuple[np.ndarray, ...] = ()

    def open(self) -> OpenedSource:
        def frames() -> Iterator[Frame]:
            start = time.monotonic()
            for index, image in enumerate(self.frames):
                time.sleep(1.0 / CLIP_FPS)
                yield Frame(index, time.monotonic() - start, image)

        return OpenedSource(frames(), "camera 3", CLIP_FPS, True, lambda: None)


def test_camera_lost_mid_session_shows_message_and_keeps_the_recording(qtbot, portrait_path: Path, library, tmp_path: Path) -> None:
    spec = VanishingCamera(camera=3)
    object.__setattr__(spec, "frames", tuple(portrait_frames(portrait_path, 20)))
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE], out_dir=tmp_path / "lost")
    qtbot.waitUntil(lambda: bool(window.error_message), timeout=15_000)
    assert "stopped sending pictures" in window.error_message and "kept" in window.error_message
    qtbot.waitUntil(lambda: window.outcome is not None, timeout=5_000)
    assert window.outcome.reason == "camera lost"
    report = json.loads((tmp_path / "lost" / "report.json").read_text())
    assert report["frames"] == window.worker.processed > 0
    window.close()


def test_coach_live_exit_at_end_reports_summary_and_timing(short_clip: Path, tmp_path: Path) -> None:
    """`coach live --source CLIP --exit-at-end`, as a demo or a script runs it: its own process."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    completed = subprocess.run(
        [sys.executable, "-m", "coach", "live", "--source", str(short_clip), "--technique", TECHNIQUE,
         "--exit-at-end", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, env=environment, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    text = "\n".join(lines)
    assert "frames" in text and "strokes" in text and f"technique {TECHNIQUE}" in text
    assert "fps processed" in text and "latency capture→paint" in text
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["format"] == "coach-report" and report["technique"] == TECHNIQUE
    # Frames the worker could not keep up with are dropped, never queued: at most the clip's 30.
    assert report["partial"] is False and 0 < report["frames"] <= 30


def test_run_live_with_a_missing_camera_is_refused_before_any_window(qapp, monkeypatch) -> None:
    """With or without --exit-at-end: one line naming the cameras found (issue 12), no window."""
    from coach.ui.live import run_live

    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "QT_PLUGIN_PATH"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    QTimer.singleShot(30_000, qapp.quit)
    for exit_at_end in (True, False):
        with pytest.raises(SourceError, match=r"No camera at index 57 \((cameras found: |no camera was found)"):
            run_live(camera=57, exit_at_end=exit_at_end, probe_cameras=False)


def test_run_live_refuses_a_missing_clip_before_opening_a_window(tmp_path: Path) -> None:
    from coach.ui.live import run_live

    with pytest.raises(SourceError, match="file not found"):
        run_live(source=str(tmp_path / "nope.mp4"), exit_at_end=True)


# ---------------------------------------------------------------------------------------------


def test_latest_frame_slot_keeps_only_the_newest_and_counts_drops() -> None:
    slot = LatestFrameSlot()
    frames = [Frame(i, i / 30, np.zeros((2, 2, 3), np.uint8)) for i in range(3)]
    for frame in frames:
        slot.put(Captured(frame, time.perf_counter()))
    taken = slot.take(0.01)
    assert taken is not None and taken.item.index == 2
    assert (slot.captured, slot.dropped) == (3, 2)
    assert slot.take(0.01) is None and not slot.exhausted
    slot.producer_done()
    assert slot.exhausted


def test_beat_follows_the_step_tempo(qtbot) -> None:
    tap = StepProgress("t", 0, 1, "tap", "", None, "forehead", "tap", None, 0, 4, target_rate_hz=4.0)
    glide = StepProgress(
        "t", 0, 1, "glide", "", None, "forehead", "glide", "up", 0, 4,
        target_path_fu=np.array([[0.0, 0.0], [0.0, 0.3]]), target_speed_fu_s=0.3,
    )
    hold = dataclasses.replace(tap, pattern="hold", target_rate_hz=None)
    assert beat_period_s(tap) == pytest.approx(0.25)
    assert beat_period_s(glide) == pytest.approx(1.5)  # 1 s stroke + half of that to lift back
    assert beat_period_s(hold) is None and beat_period_s(None) is None

    metronome = Metronome()
    metronome.set_period(0.15)
    metronome.set_enabled(True)
    with qtbot.waitSignals([metronome.beat, metronome.beat], timeout=2_000):
        pass
    metronome.set_enabled(False)
    metronome.close()


def test_prepare_qt_environment_drops_cv2_paths_and_picks_offscreen_without_display() -> None:
    cv2_dir = Path(cv2.__file__).resolve().parent
    environ = {
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(cv2_dir / "qt" / "plugins"),
        "QT_QPA_FONTDIR": str(cv2_dir / "qt" / "fonts"),
        "QT_PLUGIN_PATH": os.pathsep.join([str(cv2_dir / "qt" / "plugins"), "/opt/extra/plugins"]),
    }
    prepared = prepare_qt_environment(environ)
    assert set(prepared.removed) == {"QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "QT_PLUGIN_PATH"}
    assert environ["QT_PLUGIN_PATH"] == "/opt/extra/plugins"
    assert Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"]) == prepared.plugin_dir / "platforms"
    assert (prepared.plugin_dir / "platforms").is_dir()
    assert "QT_QPA_FONTDIR" not in environ
    if sys.platform.startswith("linux"):
        assert environ["QT_QPA_PLATFORM"] == "offscreen" and prepared.platform == "offscreen"
    # A chosen platform is left alone.
    chosen = {"QT_QPA_PLATFORM": "minimal"}
    assert prepare_qt_environment(chosen).platform == "minimal"
    assert missing_xcb_libraries(Path("/nonexistent")).startswith("PySide6 has no X11 plugin")


# ---------------------------------------------------------------------------------------------

XVFB_SCRIPT = textwrap.dedent(
    """
    import cv2  # first, exactly as the program does: it sets Qt variables of its own
    import sys, time
    from pathlib import Path
    from coach.render.qt_env import prepare_qt_environment
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication
    from PySide6.QtCore import QTimer
    from coach.technique import load_library
    from coach.ui.main_window import LiveWindow
    from coach.ui.worker import SourceSpec

    clip, shot, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    app = QApplication([])
    library = load_library()
    spec = SourceSpec(path=clip)
    window = LiveWindow([spec], spec, library, technique=library["gentle_glides"], out_dir=out, show_summary=False)
    window.resize(1000, 720)
    window.show()
    deadline = time.monotonic() + 20

    def poll():
        if window.view.timing.frames_painted >= 15 or time.monotonic() > deadline:
            app.processEvents()
            screen = window.screen()
            # From the X server's own pixels, not the widget's buffer: proves it was really shown.
            screen.grabWindow(0).copy(window.frameGeometry()).save(str(shot))
            print("platform", app.platformName(), "painted", window.view.timing.frames_painted, flush=True)
            print("error", repr(window.error_message), flush=True)
            window.close()
            app.quit()
        else:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)
    app.exec()
    """
)


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install -y xvfb) so the real-display check cannot run")
    for number in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb {display} did not start")
            time.sleep(0.05)
        yield display
    finally:
        server.terminate()
        server.wait(5)


def test_window_opens_on_a_real_x_display_after_cv2_import(xvfb_display: str, long_clip: Path, tmp_path: Path) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    shot = ARTIFACTS_DIR / "live_window.png"
    shot.unlink(missing_ok=True)
    environ = {key: value for key, value in os.environ.items() if not key.startswith("QT_")}
    environ["DISPLAY"] = xvfb_display
    environ.pop("WAYLAND_DISPLAY", None)
    completed = subprocess.run(
        [sys.executable, "-c", XVFB_SCRIPT, str(long_clip), str(shot), str(tmp_path / "out")],
        env=environ,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "platform xcb" in completed.stdout, completed.stdout + completed.stderr[-2000:]
    painted = int(completed.stdout.split("painted")[1].split()[0])
    assert painted >= 15, completed.stdout
    screenshot = QImage(str(shot))
    assert not screenshot.isNull() and screenshot.width() >= 900
    pixels = qimage_rgb(screenshot)
    assert pixels.std() > 20, "the screenshot is blank"
    assert near(pixels, GUIDE_RGB, 40).sum() > 50, "the guidance arrow is not on screen"


def test_calibrate_from_the_window_pauses_coaching_and_resumes_it(qtbot, long_clip: Path, library) -> None:
    """C opens the calibration view on the same source (modal); closing it restarts coaching."""
    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE])
    qtbot.waitUntil(lambda: window.view.timing.frames_painted > 0, timeout=20_000)
    first_worker = window.worker
    seen: dict[str, object] = {}

    handover_deadline = time.monotonic() + 20.0

    def inspect_then_close() -> None:
        dialog = window.calibration_dialog
        try:
            # The live worker saves its part of the session before it lets the camera go: on a busy
            # machine that can take a few seconds, so look again until it is done (or 20 s passed).
            waiting = first_worker.isRunning() or dialog is None or not dialog.isVisible()
            if waiting and time.monotonic() < handover_deadline:
                QTimer.singleShot(200, inspect_then_close)
                dialog = None  # looked at again later: leave it open
                return
            from coach.ui.calibration_view import CalibrationView

            seen["dialog_visible"] = dialog is not None and dialog.isVisible()
            view = dialog.findChild(CalibrationView) if dialog is not None else None
            seen["prompt"] = view.prompt_label.text() if view is not None else None
            seen["live_worker_running"] = first_worker.isRunning()
        finally:
            # Whatever was seen (or raised), the modal dialog must close, or QTest.keyClick never returns.
            if dialog is not None:
                dialog.reject()  # the user closes it before finishing: nothing is saved

    QTimer.singleShot(3000, inspect_then_close)
    QTest.keyClick(window, Qt.Key.Key_C)
    assert seen.get("dialog_visible") is True, seen
    assert "still" in str(seen["prompt"]).lower() or "hold" in str(seen["prompt"]).lower(), seen
    assert seen["live_worker_running"] is False  # the camera was handed over
    assert window.calibration_dialog is None and window.worker is not None and window.worker is not first_worker
    qtbot.waitUntil(lambda: window.worker.processed > 0, timeout=20_000)
    window.close()
    assert window.wait_for_workers(10.0)


def test_a_worker_that_stops_late_is_still_waited_for_and_counted(qtbot, long_clip: Path, library) -> None:
    """A worker that outlives the window's short wait (a busy machine, a session being saved) keeps
    running in the background: the window must still wait for it at exit and count its frames,
    not hold a deleted object (which once crashed the exit and froze the calibration handover)."""
    from coach.ui.live import timing_summary

    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE])
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.processed > 2, timeout=20_000)
    late_worker = window.worker
    assert window.stop_worker(timeout_s=0.0) is False  # no time at all to stop: it ends in the background
    qtbot.waitUntil(lambda: not late_worker.isRunning(), timeout=20_000)
    qtbot.wait(50)  # let Qt run any deferred deletion
    assert window.wait_for_workers(10.0)
    assert late_worker in window.all_workers()
    assert timing_summary(window).frames_processed >= late_worker.processed > 2
    window.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are a Linux feature")
def test_tracking_threads_run_below_the_painting_thread(qtbot, long_clip: Path, library) -> None:
    """The worker, the capture thread, the Hands helper and MediaPipe's own threads all run a few
    nice steps below the GUI thread (so a frame is painted as soon as it is ready); the GUI thread
    keeps its priority."""
    from coach.thread_priority import BACKGROUND_NICE_STEPS, thread_nice

    gui_nice = thread_nice(threading.get_native_id())
    assert gui_nice is not None
    tasks_before = set(os.listdir("/proc/self/task"))
    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE])
    qtbot.waitUntil(lambda: window.view.timing.frames_painted >= 5, timeout=20_000)
    worker = window.worker
    assert worker is not None and worker.native_thread_id is not None
    lowered = min(19, gui_nice + BACKGROUND_NICE_STEPS)
    assert thread_nice(worker.native_thread_id) == lowered
    capture = worker._capture
    assert capture is not None and capture.native_id is not None and thread_nice(capture.native_id) == lowered
    helpers = [thread for thread in threading.enumerate() if thread.name.startswith("coach-side-model")]
    assert helpers and all(thread_nice(thread.native_id) == lowered for thread in helpers if thread.native_id)
    # Beyond those three, MediaPipe's own graph threads (started by the worker) are lowered too;
    # the GUI thread is not.
    new_tasks = set(os.listdir("/proc/self/task")) - tasks_before
    lowered_tasks = [task for task in new_tasks if thread_nice(int(task)) == lowered]
    assert len(lowered_tasks) >= 4, {task: thread_nice(int(task)) for task in new_tasks}
    assert thread_nice(threading.get_native_id()) == gui_nice
    window.close()
    # Closing hands the worker over to save in the background (window.worker is None at once): wait
    # for it, or it is still running when this window is collected during the next test.
    assert window.wait_for_workers(20.0)


def test_a_new_calibration_moves_the_overlay_regions_and_the_next_session_draws_with_them(qtbot, long_clip: Path, library) -> None:
    """After calibrating, the worker analyses with the profile's regions: the overlay must show the
    same ones, in the window's own drawing and in the worker's (a twin made for each session)."""
    from coach.geometry import FaceRegions
    from coach.storage.profiles import Profile

    spec = SourceSpec(path=long_clip)
    window = open_window(qtbot, [spec], spec, library, technique=library[TECHNIQUE])
    qtbot.waitUntil(lambda: window.view.timing.frames_painted > 0, timeout=20_000)
    default_regions = window.renderer.regions
    moved = {name: np.asarray(polygon) + np.array([0.05, 0.02]) for name, polygon in default_regions.polygons_fu.items()}
    profile = Profile("calibrated", regions=FaceRegions(moved), cm_per_fu=7.5)
    mirrored = window.mirrored

    # As calibrating does: the session stops (the calibration view takes the camera), then coaching
    # starts again with the new profile.
    assert window.stop_worker(timeout_s=20.0)
    window.use_profile(profile)
    window.start_session()
    assert window.renderer.regions is profile.regions and window.view.renderer is window.renderer
    assert window.mirrored is mirrored, "the new renderer keeps the view's mirroring"
    assert window.view.composer is not None and window.view.composer.renderer.regions is profile.regions
    assert window.side_panel._speed_scale.cm_per_fu == pytest.approx(7.5)
    first_painted = window.view.timing.frames_painted
    qtbot.waitUntil(lambda: window.view.timing.frames_painted > first_painted + 3, timeout=20_000)
    assert window.view.composed is not None  # the new session's frames were drawn by the worker, with the new regions
    window.close()
    assert window.wait_for_workers(10.0)


def test_a_window_collected_while_its_worker_still_saves_leaves_the_worker_to_finish(qtbot, long_clip: Path, library, tmp_path: Path) -> None:
    """Closing hands the running worker over to save the report in the background. If the window is
    then collected, the worker must not go with it: a QThread destroyed while it runs aborts the
    whole program (it did, in the next test, before the application owned the worker)."""
    import gc
    import weakref

    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    from coach.ui.main_window import LiveWindow

    spec = SourceSpec(path=long_clip)
    window = LiveWindow([spec], spec, library, technique=library[TECHNIQUE], out_dir=tmp_path / "out", voice=False)
    window.show()
    qtbot.waitUntil(lambda: window.view.timing.frames_painted >= 3, timeout=20_000)
    worker = weakref.ref(window.worker)
    window.close()  # the quit path: the summary waits for the worker's report
    assert window.worker is None and worker() is not None and worker().isRunning()
    del window
    gc.collect()  # the window and its list of workers are gone; the worker is still saving
    app = QApplication.instance()
    saving = [thread for thread in app.findChildren(QThread) if thread.isRunning()]
    assert saving, "the worker must be owned by the application while it saves"
    qtbot.waitUntil(lambda: not any(thread.isRunning() for thread in saving), timeout=30_000)
    assert (tmp_path / "out" / "report.json").is_file()
