"""The live window as a person meets it, on a real X display (Xvfb, 1280×800): nothing written
covers the face on a portrait and on a landscape clip, the step list jumps (even while paused),
quitting saves report.html and shows a summary that fits the screen. Screenshots are kept in
test-artifacts/ (look at them: they are what the user sees). Plus offscreen checks of the controls.

Marked live_window: scripts/test.sh runs these in a process of their own (see test_live_window.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from test_live_window import write_clip  # noqa: E402

pytestmark = pytest.mark.live_window

REPO_DIR = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_DIR / "test-artifacts"
SCREEN = (1280, 800)

WINDOW_SCRIPT = textwrap.dedent(
    """
    import cv2  # first, as the program does
    import json, sys, time
    from pathlib import Path
    from coach.render.qt_env import prepare_qt_environment
    prepare_qt_environment()
    from PySide6.QtCore import QPoint, QRect, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from coach.technique import load_library
    from coach.ui.main_window import LiveWindow
    from coach.ui.worker import SourceSpec

    clip, technique, out, shots = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    app = QApplication([])
    library = load_library()
    spec = SourceSpec(path=clip)
    window = LiveWindow([spec], spec, library, technique=library[technique], out_dir=out)
    window.resize(960, 760)
    window.show()
    facts = {"platform": app.platformName(), "checks": []}
    started = time.monotonic()

    def screen_shot(path, rect=None):
        settle = time.monotonic() + 0.4  # let the last changes reach the X server's pixels
        while time.monotonic() < settle:
            app.processEvents()
            time.sleep(0.02)
        image = window.screen().grabWindow(0)
        (image.copy(rect) if rect is not None else image).save(path)

    def face_box_in_window():
        view, result = window.view, window.view.result
        tracked = result.tracked
        points = tracked.face.points_px(tracked.width, tracked.height)
        target = view.image_rect()
        xs = points[:, 0] * target.width() / tracked.width
        ys = points[:, 1] * target.height() / tracked.height
        if window.mirrored:
            xs = target.width() - xs
        top_left = view.mapTo(window, QPoint(int(target.left() + xs.min()), int(target.top() + ys.min())))
        return QRect(top_left.x(), top_left.y(), int(xs.max() - xs.min()), int(ys.max() - ys.min()))

    def widget_rect(widget):
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    def check_layout():
        face = face_box_in_window()
        panels = {"side_panel": widget_rect(window.side_panel)}
        for child in window.side_panel.findChildren(object):
            if hasattr(child, "isVisible") and hasattr(child, "objectName") and child.objectName() and child.isVisible():
                panels[child.objectName()] = widget_rect(child)
        facts["face_box"] = [face.x(), face.y(), face.width(), face.height()]
        facts["panels"] = {name: [r.x(), r.y(), r.width(), r.height()] for name, r in panels.items()}
        facts["intersecting"] = [name for name, r in panels.items() if r.intersects(face)]
        facts["overlay_panels_drawn"] = window.renderer.draw_panels
        facts["window_size"] = [window.width(), window.height()]
        facts["status_text"] = window.message_label.text()
        facts["step_title"] = window.side_panel.step_title_label.text()
        screen_shot(shots + "_window.png", window.frameGeometry())

    def jump():
        window.activateWindow()  # no window manager on Xvfb: give the window the keyboard
        QTest.qWaitForWindowActive(window, 3000)
        facts["active"] = window.isActiveWindow()
        QTest.keyClick(window, Qt.Key.Key_Space)  # paused: the jump must still show at once
        facts["paused"] = window.paused
        item_list = window.side_panel.step_list
        rect = item_list.visualItemRect(item_list.item(2))
        QTest.mouseClick(item_list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (window.last_progress is None or window.last_progress.step_index != 2):
            app.processEvents()
            time.sleep(0.02)
        facts["after_jump_step"] = window.last_progress.step_index if window.last_progress else None
        facts["after_jump_title"] = window.side_panel.step_title_label.text()
        facts["after_jump_list_row"] = item_list.currentRow()
        screen_shot(shots + "_jumped.png", window.frameGeometry())
        QTest.keyClick(window, Qt.Key.Key_Space)
        QTest.keyClick(window, Qt.Key.Key_Q)
        QTimer.singleShot(50, wait_for_summary)

    def wait_for_summary():
        dialog = window.summary_dialog
        if dialog is None or not dialog.isVisible():
            if time.monotonic() - started > 150:
                facts["error"] = "no summary after quitting"
                app.quit()
                return
            QTimer.singleShot(50, wait_for_summary)
            return
        app.processEvents()
        time.sleep(0.3)  # let the window manager-less server map it
        app.processEvents()
        geometry = dialog.frameGeometry()
        facts["summary_rect"] = [geometry.x(), geometry.y(), geometry.width(), geometry.height()]
        facts["summary_headline"] = dialog.headline_label.text()
        facts["summary_lines"] = dialog.lines_label.text()
        facts["files"] = sorted(p.name for p in out.iterdir())
        screen_shot(shots + "_summary.png")
        dialog.close_button.click()  # closing the summary closes the window (and the app)
        facts["window_closed"] = not window.isVisible()
        app.quit()

    def poll():
        result = window.view.result
        ready = window.view.timing.frames_painted >= 20 and result is not None and result.pose is not None
        if ready or time.monotonic() - started > 90:
            facts["painted"] = window.view.timing.frames_painted
            facts["error_message"] = window.error_message
            if ready:
                check_layout()
                jump()
            else:
                facts["error"] = "no face tracked"
                app.quit()
        else:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)
    app.exec()
    window.wait_for_workers()
    print("FACTS " + json.dumps(facts), flush=True)
    """
)


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install -y xvfb): the real-window checks cannot run")
    for number in range(110, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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


def run_window(display: str, clip: Path, technique: str, out: Path, name: str) -> dict:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    environ = {key: value for key, value in os.environ.items() if not key.startswith("QT_")}
    environ["DISPLAY"] = display
    environ.pop("WAYLAND_DISPLAY", None)
    completed = subprocess.run(
        [sys.executable, "-c", WINDOW_SCRIPT, str(clip), technique, str(out), str(ARTIFACTS_DIR / name)],
        env=environ, cwd=REPO_DIR, capture_output=True, text=True, timeout=240,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("FACTS ")]
    assert completed.returncode == 0 and lines, completed.stdout[-2000:] + completed.stderr[-3000:]
    facts = json.loads(lines[-1][len("FACTS "):])
    assert "error" not in facts, facts
    return facts


def check_session(facts: dict, out: Path, name: str) -> None:
    assert facts["platform"] == "xcb"
    # Nothing written sits over the face: the side panel and each of its parts are beside it.
    assert facts["intersecting"] == [], facts
    assert facts["overlay_panels_drawn"] is False
    assert facts["window_size"] == [960, 760]
    assert "_" not in facts["step_title"] and "FU" not in facts["status_text"]
    # The step list jumps while paused, at once.
    assert facts["paused"] is True
    assert facts["after_jump_step"] == 2 and facts["after_jump_list_row"] == 2
    # Quitting writes the full report, marked partial, and a summary that fits a 1280×800 screen.
    assert {"report.json", "report.html"} <= set(facts["files"]), facts["files"]
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True
    x, y, width, height = facts["summary_rect"]
    assert x >= 0 and y >= 0 and x + width <= SCREEN[0] and y + height <= SCREEN[1], facts["summary_rect"]
    assert facts["summary_headline"] and "FU" not in facts["summary_lines"]
    assert facts["window_closed"] is True
    for suffix in ("window", "jumped", "summary"):
        assert (ARTIFACTS_DIR / f"{name}_{suffix}.png").stat().st_size > 10_000


def test_landscape_camera_picture(xvfb: str, portrait_path: Path, tmp_path: Path) -> None:
    clip = write_clip(portrait_path, tmp_path / "landscape.mp4", 8.0)
    facts = run_window(xvfb, clip, "gentle_glides", tmp_path / "out", "live_landscape")
    check_session(facts, tmp_path / "out", "live_landscape")


def test_portrait_phone_video(xvfb: str, media_dir: Path, tmp_path: Path) -> None:
    clip = media_dir / "videos" / "lp_face_d13.mp4"  # 720×1280, a face filling a phone's portrait frame
    if not clip.is_file():
        pytest.skip(f"{clip} not in the shared media")
    facts = run_window(xvfb, clip, "lymphatic_drainage", tmp_path / "out", "live_portrait")
    check_session(facts, tmp_path / "out", "live_portrait")
    # A tall picture: the face box spans most of the picture's height, and still nothing covers it.
    assert facts["face_box"][3] > 150


# ---- offscreen: the controls ------------------------------------------------------------------


def test_skip_and_restart_are_disabled_without_a_routine(qtbot) -> None:
    from coach.technique import load_library
    from coach.ui.main_window import LiveWindow

    library = load_library()
    window = LiveWindow([], None, library, technique=None, voice=False)
    qtbot.addWidget(window)
    assert not window.skip_button.isEnabled() and not window.restart_button.isEnabled()
    assert not window.actions_by_name["next_step"].isEnabled()
    window.set_technique(library["tapping"])
    assert window.skip_button.isEnabled() and window.restart_button.isEnabled()
    assert window.side_panel.step_list.count() == len(library["tapping"].steps)
    # Step titles, never ids.
    assert all("_" not in window.side_panel.step_list.item(row).text() for row in range(window.side_panel.step_list.count()))
    window.set_status_line("Last time: 3 of 7 steps · 2-day streak")
    assert window.side_panel.status_line.isVisibleTo(window.side_panel) and "streak" in window.side_panel.status_line.text()
    window.set_status_line("")
    assert not window.side_panel.status_line.isVisibleTo(window.side_panel)
    window.close()


def test_a_finished_steps_card_does_not_linger(qtbot) -> None:
    import numpy as np

    from coach.types import FrameResult, ScoredStroke, StepProgress, Stroke, StrokeScore, TrackedFrame
    from coach.ui.main_window import LiveWindow

    stroke = Stroke(0.0, 1.0, "left", "forehead", "glide", "out", 0.3, 1, None, path_fu=np.zeros((2, 2)))
    scored = ScoredStroke(stroke, StrokeScore(0, 80.0, {}, ("Slow down",), True))
    tracked = TrackedFrame(0, 1.0, 640, 480, None)
    same = StepProgress("t", 0, 3, "forehead_smooth", "", None, "forehead", "glide", "out", 1, 6)
    moved_on = StepProgress("t", 1, 3, "brow_sweep", "", "left", "left_brow", "glide", "out", 0, 5)
    assert LiveWindow._stroke_to_show(FrameResult(tracked, None, last_stroke=scored, progress=same)) is scored
    assert LiveWindow._stroke_to_show(FrameResult(tracked, None, last_stroke=scored, progress=moved_on)) is None
    unsure = ScoredStroke(stroke, scored.score)
    object.__setattr__(unsure.stroke, "confidence", 0.4)
    from coach.ui.side_panel import SidePanel

    panel = SidePanel()
    qtbot.addWidget(panel)
    panel.set_last_stroke(unsure)
    assert "Unsure" in panel.stroke_label.text() and "Slow down" not in panel.correction_label.text()


def test_the_end_of_clip_summary_fits_a_small_screen_even_with_long_words(qtbot, tmp_path: Path) -> None:
    from coach.ui.summary_dialog import SummaryDialog
    from test_report_html import sample_report

    report = sample_report()
    for stroke in report["strokes"]:
        stroke["feedback"] = ["Glide from the very middle of the forehead out to the temple without lifting " * 3]
    files = {"json": tmp_path / "report.json", "html": tmp_path / "report.html"}
    dialog = SummaryDialog(report, files)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= SCREEN[0] and dialog.height() <= SCREEN[1]
    assert dialog.width() <= 560 and dialog.height() <= 460
    assert "of" in dialog.lines_label.text() or dialog.summary.finished  # completion in words
    assert dialog.open_button.isEnabled()
    dialog.grab().save(str(ARTIFACTS_DIR / "summary_long_words.png"))


def test_the_jump_offer_button_asks_for_that_step(qtbot) -> None:
    from coach.technique import load_library
    from coach.ui.side_panel import SidePanel

    panel = SidePanel()
    qtbot.addWidget(panel)
    panel.set_technique(load_library()["gentle_glides"])
    panel.show()
    panel.set_jump_offer(3)
    assert panel.jump_button.isVisible() and panel.jump_button.text() == "Jump to Cheek lift?"
    with qtbot.waitSignal(panel.jump_requested) as asked:
        qtbot.mouseClick(panel.jump_button, Qt.MouseButton.LeftButton)
    assert asked.args == [3]
    panel.set_jump_offer(None)
    assert not panel.jump_button.isVisible()


def test_the_metronome_click_is_heard_without_qt_multimedia(qtbot) -> None:
    from coach.ui.metronome import Metronome

    clicks: list[float] = []
    metronome = Metronome(click=lambda: clicks.append(time.monotonic()))
    assert metronome.audible
    metronome.set_period(0.15)
    metronome.set_enabled(True)
    qtbot.waitUntil(lambda: len(clicks) >= 3, timeout=3_000)
    metronome.set_enabled(False)
    metronome.close()
