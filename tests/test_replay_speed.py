"""Replay with tracking on its own thread, ahead of the analysis: the same report as tracking and
analysing each frame in turn, on real MediaPipe and a real clip, and no thread left behind when the
replay stops early."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from coach.replay import run_replay
from coach.technique import find_technique

CIRCLE_CLIP = "composite/clip_circle_Rcheek205_point.mp4"  # real pixels: a hand circling on a real face
REPLAY_THREAD_PREFIXES = ("coach-tracking", "coach-read-ahead", "coach-side-model")


def replay_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith(REPLAY_THREAD_PREFIXES)]


@pytest.mark.media
@pytest.mark.slow
def test_tracking_ahead_gives_the_same_report_as_tracking_in_turn(media_dir: Path, tmp_path: Path) -> None:
    clip = media_dir / CIRCLE_CLIP
    technique = find_technique("circular_motions")
    in_turn = run_replay(clip, tmp_path / "in_turn", technique=technique, write_video=False, write_html=False,
                         history=False, track_ahead=False).report
    ahead = run_replay(clip, tmp_path / "ahead", technique=technique, write_video=False, write_html=False,
                       history=False, track_ahead=True).report
    assert in_turn["frames"] == 60 and in_turn["hands_found_ratio"] > 0.9, "the clip's hand must be tracked for this to mean much"
    assert in_turn["strokes"], "the clip's circle must give strokes for this to mean much"
    assert ahead == in_turn  # every stroke, score, step and count, to the last digit
    assert replay_threads() == []


@pytest.mark.media
def test_stopping_midway_leaves_no_tracking_thread_behind(media_dir: Path, tmp_path: Path) -> None:
    """Ctrl-C arrives in the analysis (this thread) while the tracking thread is frames ahead."""

    def stop_at_frame_10(done: int, total: int | None, media_time_s: float) -> None:
        if done == 10:
            raise KeyboardInterrupt

    outcome = run_replay(media_dir / CIRCLE_CLIP, tmp_path / "stopped", write_video=False, write_html=False,
                         history=False, progress=stop_at_frame_10)
    assert outcome.exit_code == 130
    assert outcome.report["partial"] is True
    assert outcome.report["frames"] == 10
    assert replay_threads() == []
