"""Live tracking a frame ahead of the analysis changes nothing but the timing: on a real clip with
real MediaPipe, the live worker gives the same report, stroke for stroke, whether each frame is
tracked then analysed on the worker (the reference order) or tracked on the tracking thread while
the worker analyses the frame before it; and that thread is gone when the session ends.

The worker's ``run`` is called on the test's own thread (no QThread started), as in
test_live_degradation.py, so this runs in the main test process. The capture slot is lossless
here (every frame processed, none replaced by a newer one), so both runs see the same frames.
The window itself tracks in turn by default (tracking ahead measured slower on two cores; see
coach/ui/tracking_thread.py), so this keeps the option honest for a machine with a core to spare.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")

CIRCLE_CLIP = "composite/clip_circle_Rcheek205_point.mp4"  # real pixels: a hand circling on a real face


def tracking_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("coach-tracking")]


def run_worker(clip: Path, out_dir: Path, track_ahead: bool) -> tuple[dict[str, Any], Any, set[str]]:
    from coach.technique import find_technique
    from coach.ui.worker import LiveWorker, SourceSpec

    worker = LiveWorker(
        SourceSpec(path=clip),
        technique=find_technique("circular_motions"),
        out_dir=out_dir,
        write_html=False,
        history=False,
        adapt_tracking=False,  # the same tracking mode throughout, whatever the machine's load
        track_ahead=track_ahead,
        lossless=True,
    )
    threads_seen: set[str] = set()

    def on_frame(*_: object) -> None:
        threads_seen.update(tracking_threads())

    worker.frame_ready.connect(on_frame)
    worker.run()
    assert worker.outcome is not None, "the session must have been saved"
    return worker.outcome.report, worker, threads_seen


@pytest.mark.media
@pytest.mark.slow
def test_tracking_ahead_gives_the_same_strokes_as_tracking_in_turn(qapp, media_dir: Path, tmp_path: Path) -> None:
    clip = media_dir / CIRCLE_CLIP
    in_turn, serial_worker, serial_threads = run_worker(clip, tmp_path / "in_turn", track_ahead=False)
    ahead, ahead_worker, ahead_threads = run_worker(clip, tmp_path / "ahead", track_ahead=True)

    assert in_turn["frames"] == 60 and in_turn["hands_found_ratio"] > 0.9, "the clip's hand must be tracked for this to mean much"
    assert in_turn["strokes"], "the clip's circle must give strokes for this to mean much"
    assert serial_worker.timing().frames_dropped == 0 and ahead_worker.timing().frames_dropped == 0
    assert ahead == in_turn  # every stroke, score, step and count, to the last digit
    # The tracking ran on its own thread only when asked, and no such thread outlives the session.
    assert serial_threads == set() and ahead_threads == {"coach-tracking"}
    assert tracking_threads() == []
    # Per-frame figures: tracking, analysis and drawing each timed; a frame's time is their sum in
    # turn, and the slower of tracking and the rest when they overlap.
    assert len(ahead_worker.tracking_ms) == len(ahead_worker.analysis_ms) == len(ahead_worker.drawing_ms) == ahead_worker.processed == 60
    assert all(total == max(track, analyse + draw) for total, track, analyse, draw
               in zip(ahead_worker.processing_ms, ahead_worker.tracking_ms, ahead_worker.analysis_ms, ahead_worker.drawing_ms))
    assert all(total == track + analyse + draw for total, track, analyse, draw
               in zip(serial_worker.processing_ms, serial_worker.tracking_ms, serial_worker.analysis_ms, serial_worker.drawing_ms))
    assert min(ahead_worker.tracking_ms) > 1.0  # real MediaPipe work was timed on the tracking thread
    # Where each frame's latency went before the window: waiting for the tracker, then from tracked to sent.
    for worker in (serial_worker, ahead_worker):
        assert len(worker.waited_ms) == len(worker.to_window_ms) == 60
        assert min(worker.waited_ms) >= 0.0 and min(worker.to_window_ms) > 0.0


@pytest.mark.media
def test_stopping_midway_leaves_no_tracking_thread_and_keeps_the_frames_analysed(qapp, media_dir: Path, tmp_path: Path) -> None:
    from coach.ui.worker import LiveWorker, SourceSpec

    worker = LiveWorker(SourceSpec(path=media_dir / CIRCLE_CLIP), out_dir=tmp_path / "stopped", write_html=False,
                        history=False, adapt_tracking=False, lossless=True, track_ahead=True)

    def on_frame(*_: object) -> None:
        if worker.processed == 10:
            worker.stop()  # while the tracking thread is already on the next frame

    worker.frame_ready.connect(on_frame)
    worker.run()
    assert worker.outcome is not None and worker.outcome.reason == "stopped" and worker.outcome.partial
    assert worker.outcome.report["frames"] == 10
    assert tracking_threads() == []


def test_a_lossless_slot_hands_over_every_frame_in_order_and_a_normal_one_keeps_the_newest(portrait_path: Path) -> None:
    import time

    import cv2

    from coach.types import Frame
    from coach.ui.worker import Captured, LatestFrameSlot

    image = cv2.imread(str(portrait_path))
    for lossless in (True, False):
        slot = LatestFrameSlot(lossless=lossless)

        def produce(slot: LatestFrameSlot = slot) -> None:
            for index in range(6):
                slot.put(Captured(Frame(index, index / 30.0, image), time.perf_counter()))
            slot.producer_done()

        producer = threading.Thread(target=produce)
        producer.start()
        taken: list[int] = []
        while not slot.exhausted:
            time.sleep(0.02)  # a consumer slower than the producer
            captured = slot.take(0.05)
            if captured is not None:
                taken.append(captured.item.index)
        producer.join(5.0)
        if lossless:
            assert taken == [0, 1, 2, 3, 4, 5] and slot.dropped == 0
        else:
            assert taken[-1] == 5 and taken == sorted(taken) and slot.dropped == 6 - len(taken) > 0


def test_a_tracking_error_reaches_the_worker_after_the_thread_ends(portrait_path: Path) -> None:
    """A real tracker closed under the thread (as when the window closes mid-frame) fails its next
    frame: ``take`` raises that error in the worker, and the thread is gone."""
    import time

    import cv2

    from coach.perception import create_tracker
    from coach.types import Frame
    from coach.ui.tracking_thread import TrackingThread
    from coach.ui.worker import Captured, LatestFrameSlot

    tracker = create_tracker(mode="video")
    tracker.close()
    slot = LatestFrameSlot()
    tracking = TrackingThread(slot, tracker)
    tracking.start()
    slot.put(Captured(Frame(0, 0.0, cv2.imread(str(portrait_path))), time.perf_counter()))
    with pytest.raises(RuntimeError, match="after close"):
        for _ in range(100):
            tracking.take(0.05)
    tracking.join(5.0)
    assert not tracking.is_alive() and tracking.finished
    tracking.close()
