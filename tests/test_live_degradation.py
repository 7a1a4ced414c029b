"""The live worker makes tracking lighter when frames take longer than the source interval, says
so once per step, and the saved report records the modes — real clip, real tracker, real files.

The worker's ``run`` is called on the test's own thread (no QThread started), so this runs in the
main test process; the window's threaded tests live in test_live_window.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from coach.perception.degradation import LITE_HANDS, LITE_HANDS_HALF_FACE, TrackingGovernor  # noqa: E402

HAND_CLIP = "mps_gesture_woman_hand_in_front_of_face.mp4"


@pytest.mark.media
def test_worker_steps_down_says_so_once_per_step_and_the_report_records_it(qapp, media_dir: Path, tmp_path: Path) -> None:
    from coach.ui.worker import LiveWorker, SourceSpec

    # A judge that finds every real frame too slow (a 1000 fps source leaves 0.9 ms) after a short
    # warm-up, so both steps happen within a few frames of the real clip.
    worker = LiveWorker(
        SourceSpec(path=media_dir / "videos" / HAND_CLIP),
        out_dir=tmp_path / "session",
        write_html=False,
        make_governor=lambda fps: TrackingGovernor(1000.0, warm_up_s=0.0, warm_up_frames=2, window_s=0.0, window_frames=3),
    )
    messages: list[str] = []
    worker.tracking_mode_changed.connect(messages.append)
    faces: list[bool] = []

    def on_frame(result, image, captured_at, composed) -> None:  # noqa: ANN001 (Qt signal arguments)
        faces.append(result.tracked.face is not None)
        if worker.processed >= 16:
            worker.stop()

    worker.frame_ready.connect(on_frame)
    worker.run()

    assert messages == [LITE_HANDS.user_message, LITE_HANDS_HALF_FACE.user_message]
    assert worker.timing().tracking_mode == "lite-hands-half-face"
    report = json.loads((tmp_path / "session" / "report.json").read_text())
    tracking = report["tracking"]
    assert tracking["mode"] == "lite-hands-half-face"
    assert [entry["mode"] for entry in tracking["modes"]] == ["full", "lite-hands", "lite-hands-half-face"]
    starts = [entry["from_s"] for entry in tracking["modes"]]
    assert starts == sorted(starts) and starts[0] is not None and starts[1] < starts[2]
    assert tracking["face_and_hands"] == "concurrent"
    # Frames in between carry the face: it is still there for the overlay and the stroke engine.
    assert sum(faces[-6:]) == 6, faces


@pytest.mark.media
def test_a_fast_enough_worker_keeps_full_tracking(qapp, media_dir: Path, tmp_path: Path) -> None:
    from coach.ui.worker import GIL_SWITCH_INTERVAL_S, LiveWorker, SourceSpec

    # A 1 fps source leaves 900 ms per frame: never too slow, so the full mode stays.
    worker = LiveWorker(
        SourceSpec(path=media_dir / "videos" / HAND_CLIP),
        out_dir=tmp_path / "session",
        write_html=False,
        make_governor=lambda fps: TrackingGovernor(1.0, warm_up_s=0.0, warm_up_frames=2, window_s=0.0, window_frames=3),
    )
    messages: list[str] = []
    worker.tracking_mode_changed.connect(messages.append)
    switch_intervals: list[float] = []

    def on_frame(*_: object) -> None:
        switch_intervals.append(sys.getswitchinterval())
        if worker.processed >= 10:
            worker.stop()

    worker.frame_ready.connect(on_frame)
    before = sys.getswitchinterval()
    worker.run()
    assert messages == []
    # While the worker runs, a thread waiting for the GIL (the GUI's paint) gets it within 1 ms;
    # the interpreter's own setting is back afterwards.
    assert set(switch_intervals) == {GIL_SWITCH_INTERVAL_S}
    assert sys.getswitchinterval() == before
    report = json.loads((tmp_path / "session" / "report.json").read_text())
    assert report["tracking"]["mode"] == "full" and len(report["tracking"]["modes"]) == 1
