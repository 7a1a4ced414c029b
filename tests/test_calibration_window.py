"""The calibration window as a person meets it: no "Show your hand" while the face alone is being
measured, a failed step (or an ended clip) keeps the window open with the reason and Retry, and
coach.calibration itself never loads Qt (the CLI chooses the view)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from coach.calibration import CalibrationFlow, CalibrationSettings
from coach.pipeline import Pipeline
from coach.recording import read_recording
from test_calibration import FAST, SyntheticSession, _write_recording

HAND_STATUS = "Show your hand to the camera"


def test_coach_calibration_imports_no_qt() -> None:
    code = (
        "import sys, coach.calibration, coach.calibration.run\n"
        "loaded = sorted(name for name in sys.modules if name.startswith('PySide6') or name.startswith('coach.ui'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-1500:]


def test_no_show_your_hand_during_the_neutral_step(qtbot) -> None:  # type: ignore[no-untyped-def]
    from coach.ui.calibration_view import CalibrationView

    session = SyntheticSession(seed=41).still_face(2.6).face_no_hand(1.0)
    view = CalibrationView(CalibrationFlow(settings=FAST), "neutral-user", save=False)
    qtbot.addWidget(view)
    view.show()
    pipeline = Pipeline()
    statuses: list[tuple[str, str]] = []
    for tracked in session.frames:
        result = pipeline.process_tracked(tracked)
        state = view.handle_result(result)
        statuses.append((state.kind, view.canvas.result.status, result.status))
    pipeline.close()
    neutral = [shown for kind, shown, _ in statuses if kind == "neutral"]
    assert neutral and all(shown != HAND_STATUS for shown in neutral)
    # The pipeline did say it (no hand in any frame); the touch step that follows shows it.
    assert any(said == HAND_STATUS for kind, _, said in statuses if kind == "neutral")
    assert any(shown == HAND_STATUS for kind, shown, _ in statuses if kind == "touch")


def test_an_ended_clip_keeps_the_window_open_with_the_reason_and_retry(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from coach.ui.calibration_view import CalibrationView
    from coach.ui.worker import SourceSpec

    clip = _write_recording(tmp_path / "short.jsonl", SyntheticSession(seed=42).still_face(2.6).face_no_hand(0.8).frames)
    flow = CalibrationFlow(settings=CalibrationSettings(hand_timeout_s=0.5))
    view = CalibrationView(flow, "retry-user", save=False)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.step_failed, timeout=30_000) as failed:
        view.watch(SourceSpec(path=clip))
    assert "No hand seen" in failed.args[0]
    assert view.isVisible() and view.redo_button.text() == "Retry" and view.redo_button.isEnabled()
    assert "No hand seen" in view.notice_label.text() and "Retry" in view.notice_label.text()
    qtbot.waitUntil(lambda: view._worker is not None and view._worker.isFinished(), timeout=30_000)
    assert view.isVisible()
    # Retry clears the failure and, the clip having ended, plays it again.
    qtbot.mouseClick(view.redo_button, Qt.MouseButton.LeftButton)
    assert flow.state.failure is None
    qtbot.waitUntil(lambda: view._worker is not None and view._worker.isRunning(), timeout=10_000)
    view.stop()
    assert list(read_recording(clip))  # the input is untouched
