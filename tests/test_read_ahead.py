"""Decoding ahead in replay: the same frames in the same order, a bounded queue, no thread left
behind when the consumer stops early or the reader fails, and Ctrl-C on a real video."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.sources import VideoFileSource
from coach.sources.read_ahead import ReadAhead

REPO_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def portrait_clip(portrait_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s 30 fps clip of the portrait drifting (each frame different, so order shows)."""
    portrait = cv2.imread(str(portrait_path))
    portrait = cv2.resize(portrait, (256, 320), interpolation=cv2.INTER_AREA)
    path = tmp_path_factory.mktemp("clips") / "portrait_2s.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (256, 320))
    for index in range(60):
        shift = np.float32([[1, 0, 10 * np.sin(index / 5)], [0, 1, 0]])
        writer.write(cv2.warpAffine(portrait, shift, (256, 320), borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    return path


def reader_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("coach-read-ahead")]


def test_same_frames_in_the_same_order_as_reading_directly(portrait_clip: Path) -> None:
    with VideoFileSource(portrait_clip) as source:
        direct = list(source)
    with VideoFileSource(portrait_clip) as source, ReadAhead(source) as ahead:
        read_ahead = list(ahead)
    assert len(direct) == len(read_ahead) == 60
    for one, other in zip(direct, read_ahead):
        assert (one.index, one.timestamp_s) == (other.index, other.timestamp_s)
        np.testing.assert_array_equal(one.image, other.image)
    assert reader_threads() == []


def test_the_reader_stays_a_few_frames_ahead_and_stops_with_the_consumer() -> None:
    produced: list[int] = []
    source_closed = threading.Event()

    def numbers() -> Iterator[int]:
        try:
            for number in range(10_000):
                produced.append(number)
                yield number
        finally:
            source_closed.set()

    ahead = ReadAhead(numbers(), depth=3)
    consumed = []
    for number in ahead:
        consumed.append(number)
        time.sleep(0.01)  # a slow consumer: the reader must wait for it, not run ahead
        assert len(produced) <= len(consumed) + 3 + 1, "more frames in memory than the queue allows"
        if len(consumed) == 20:
            break
    ahead.close()
    assert consumed == list(range(20))
    assert reader_threads() == [], "the reader thread outlived the consumer"
    assert len(produced) <= 20 + 3 + 1


def test_started_early_the_reader_fills_the_queue_before_the_first_look() -> None:
    """Replay starts decoding and tracking before the analysis is loaded (ReadAhead.start)."""
    produced: list[int] = []

    def numbers() -> Iterator[int]:
        for number in range(100):
            produced.append(number)
            yield number

    ahead = ReadAhead(numbers(), depth=3)
    ahead.start()
    ahead.start()  # once is enough; again does nothing
    deadline = time.monotonic() + 10
    while len(produced) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 4 <= len(produced) <= 3 + 1, "the reader must read up to the queue's depth, and no further, before the first look"
    assert list(ahead) == list(range(100))
    ahead.close()
    assert reader_threads() == []
    # Started and closed without ever being iterated: the thread still ends.
    unused = ReadAhead(numbers(), depth=3)
    unused.start()
    unused.close()
    assert reader_threads() == []


def test_a_reader_error_reaches_the_consumer_after_the_frames_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    seen = []
    with ReadAhead(failing()) as ahead:
        with pytest.raises(OSError, match="disk gone"):
            for number in ahead:
                seen.append(number)
    assert seen == [1, 2]
    assert reader_threads() == []


def test_ctrl_c_during_replay_of_a_real_video_ends_cleanly(portrait_clip: Path, tmp_path: Path) -> None:
    """Ctrl-C while frames are decoded ahead: exit 130, the partial report, no hanging thread."""
    out = tmp_path / "interrupted"
    long_clip = tmp_path / "portrait_looped.mp4"
    capture = cv2.VideoCapture(str(portrait_clip))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    writer = cv2.VideoWriter(str(long_clip), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (256, 320))
    for repeat in range(10):  # 20 s of video: far longer than the test lets it run
        for image in frames:
            writer.write(image)
    writer.release()
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "replay", str(long_clip), "--out", str(out), "--no-video", "--no-html"],
        cwd=REPO_DIR, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stderr is not None
    # Wait until frames are flowing: the report is built in a hidden folder beside --out
    # (coach.outputs), which appears once the clip is open; then a moment into the frame loop.
    deadline = time.monotonic() + 120
    seen = ""
    while not list(tmp_path.glob(".interrupted.coach-staging-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    try:
        _, rest = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("coach replay did not end within 60 s of Ctrl-C (a thread left hanging?)")
    stderr = seen + rest
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    report = json.loads((out / "report.json").read_text())
    assert report["partial"] is True
    assert 0 < report["frames"] < 600
