"""Landmark recordings: exact format, round trip (plain and gzip), and every bad-input case."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.errors import RecordingError
from coach.perception import create_tracker
from coach.recording import RecordingWriter, read_recording
from coach.types import FaceLandmarks, Frame, HandLandmarks, TrackedFrame


@pytest.fixture(scope="module")
def tracked_frames(portrait_path: Path) -> list[TrackedFrame]:
    """Real tracker output on the portrait, plus frames with hands, no face, and two faces seen."""
    image = cv2.imread(str(portrait_path))
    with create_tracker(mode="image") as tracker:
        real = tracker.track(Frame(0, 0.0, image))
    assert real.face is not None
    rng = np.random.default_rng(11)
    hand_right = HandLandmarks("right", 0.97, rng.uniform(0, 1, (21, 3)))
    hand_left = HandLandmarks("left", 0.88, rng.uniform(0, 1, (21, 3)))
    size = dict(width=real.width, height=real.height)
    return [
        real,
        TrackedFrame(1, 0.0333333333, face=real.face, hands=(hand_right,), **size, faces_seen=1),
        TrackedFrame(2, 0.0666666667, face=None, hands=(hand_left, hand_right), **size),
        TrackedFrame(4, 0.1333333333, face=FaceLandmarks(real.face.points_norm[:468]), **size, faces_seen=2),
    ]


def _assert_same_frames(read: list[TrackedFrame], written: list[TrackedFrame]) -> None:
    assert len(read) == len(written)
    for got, expected in zip(read, written):
        assert (got.index, got.width, got.height, got.faces_seen) == (
            expected.index,
            expected.width,
            expected.height,
            expected.faces_seen,
        )
        assert got.timestamp_s == pytest.approx(expected.timestamp_s, abs=1e-6)
        assert got.image is None
        if expected.face is None:
            assert got.face is None
        else:
            assert got.face is not None
            np.testing.assert_allclose(got.face.points_norm, expected.face.points_norm, atol=5.1e-7, rtol=0)
        assert [h.handedness for h in got.hands] == [h.handedness for h in expected.hands]
        for got_hand, expected_hand in zip(got.hands, expected.hands):
            assert got_hand.score == pytest.approx(expected_hand.score, abs=1e-6)
            np.testing.assert_allclose(got_hand.points_norm, expected_hand.points_norm, atol=5.1e-7, rtol=0)


@pytest.mark.parametrize("name", ["session.jsonl", "session.jsonl.gz"])
def test_round_trip(tmp_path: Path, tracked_frames: list[TrackedFrame], name: str) -> None:
    path = tmp_path / name
    with RecordingWriter(path, 512, 600, 30.0, mirrored=True, source="portrait") as writer:
        for frame in tracked_frames:
            writer.write(frame)
    recording = read_recording(path)
    assert (recording.header.width, recording.header.height, recording.header.fps) == (512, 600, 30.0)
    assert recording.header.mirrored is True
    assert recording.header.extra == {"source": "portrait"}
    _assert_same_frames(list(recording), tracked_frames)
    _assert_same_frames(list(recording), tracked_frames)  # iterating again re-reads the file


def test_file_is_the_documented_format(tmp_path: Path, tracked_frames: list[TrackedFrame]) -> None:
    path = tmp_path / "s.jsonl.gz"
    with RecordingWriter(path, 512, 600, 30.0) as writer:
        writer.write(tracked_frames[1])
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header, frame = (json.loads(line) for line in handle)
    assert header == {"format": "coach-landmarks", "version": 1, "width": 512, "height": 600, "fps": 30.0, "mirrored": False}
    assert set(frame) <= {"t", "face", "hands", "i", "faces"} and {"t", "face", "hands"} <= set(frame)
    assert len(frame["face"]) == 478 and all(len(point) == 3 for point in frame["face"])
    (hand,) = frame["hands"]
    assert set(hand) == {"handedness", "score", "landmarks"} and hand["handedness"] == "right"
    assert len(hand["landmarks"]) == 21


def test_frames_are_flushed_before_close(tmp_path: Path, tracked_frames: list[TrackedFrame]) -> None:
    """A killed run (no close, no gzip trailer) still leaves the frames written so far, in the
    hidden partial file; the final name appears only when the recording is closed."""
    for name in ("cut.jsonl", "cut.jsonl.gz"):
        path = tmp_path / name
        writer = RecordingWriter(path, 512, 600, 30.0)
        for frame in tracked_frames[:2]:
            writer.write(frame)
        assert not path.exists()
        partial = writer.temporary_path
        assert partial.parent == tmp_path and partial.name.startswith(f".{name}.")
        rescued = tmp_path / f"rescued-{name}"  # what a user does with the hidden file after a kill
        rescued.write_bytes(partial.read_bytes())
        assert len(list(read_recording(rescued))) == 2
        writer.close()
        assert not partial.exists()
        assert len(list(read_recording(path))) == 2


def test_torn_last_line_is_ignored(tmp_path: Path, tracked_frames: list[TrackedFrame]) -> None:
    path = tmp_path / "torn.jsonl"
    with RecordingWriter(path, 512, 600, 30.0) as writer:
        for frame in tracked_frames[:2]:
            writer.write(frame)
    text = path.read_text()
    path.write_text(text[: len(text) - 100])
    assert len(list(read_recording(path))) == 1


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


HEADER = '{"format": "coach-landmarks", "version": 1, "width": 640, "height": 480, "fps": 30, "mirrored": false}'
EMPTY_FRAME = '{"t": 0.0, "face": null, "hands": []}'


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('{"format": "something-else", "version": 1}', "not a coach landmark recording"),
        (HEADER.replace('"version": 1', '"version": 2'), "version 2 is not supported"),
        (HEADER.replace('"width": 640', '"width": -5'), "'width' must be a positive integer"),
        (HEADER.replace('"mirrored": false', '"mirrored": "no"'), "'mirrored' must be true or false"),
        ("{not json", "header is not valid JSON"),
    ],
)
def test_bad_header(tmp_path: Path, header: str, message: str) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", [header, EMPTY_FRAME])
    with pytest.raises(RecordingError, match=r"bad\.jsonl, line 1: .*" + message) as caught:
        read_recording(path)
    assert "\n" not in str(caught.value) and "coach track" in str(caught.value)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="empty file"):
        read_recording(_write_lines(tmp_path / "empty.jsonl", []))
    with pytest.raises(RecordingError, match="recording not found"):
        read_recording(tmp_path / "absent.jsonl.gz")


def test_malformed_line(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", [HEADER, EMPTY_FRAME, '{"t": 0.1, "face": nul', EMPTY_FRAME.replace("0.0", "0.2")])
    recording = read_recording(path)
    with pytest.raises(RecordingError, match=r"bad\.jsonl, line 3: not valid JSON"):
        list(recording)


def test_malformed_line_in_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(HEADER + "\n" + EMPTY_FRAME + "\n" + "[1, 2\n" + '{"t": 1, "face": null, "hands": []}\n')
    with pytest.raises(RecordingError, match=r"bad\.jsonl\.gz, line 3: not valid JSON"):
        list(read_recording(path))


def _point_list(count: int) -> str:
    return json.dumps([[0.5, 0.5, 0.0]] * count)


@pytest.mark.parametrize(
    ("frame_line", "message"),
    [
        ('{"t": 0.1, "face": ' + _point_list(300) + ', "hands": []}', "face has 300 points, expected 478 or 468"),
        (
            '{"t": 0.1, "face": null, "hands": [{"handedness": "left", "score": 0.9, "landmarks": ' + _point_list(20) + "}]}",
            "hand 1 landmarks has 20 points, expected 21",
        ),
        ('{"t": 0.1, "face": [[0.5, 0.5]], "hands": []}', r"face must be a list of \[x, y, z\] points"),
        (
            '{"t": 0.1, "face": null, "hands": [{"handedness": "Left", "score": 0.9, "landmarks": ' + _point_list(21) + "}]}",
            "hand 1 'handedness' must be \"left\" or \"right\"",
        ),
        ('{"t": 0.1, "hands": []}', "frame lacks 'face'"),
        ('{"t": "soon", "face": null, "hands": []}', "'t' must be a finite number"),
        ('{"t": 0.0, "face": null, "hands": []}', "time 0.0 s does not increase"),
        ('{"t": 0.1, "face": null, "hands": [], "motion": [[1, 0], [0, 1]]}', "'motion' must be a 2×3 list of finite numbers"),
        ('{"t": 0.1, "face": null, "hands": [], "motion": "still"}', "'motion' must be a 2×3 list of finite numbers"),
    ],
)
def test_bad_frame_line(tmp_path: Path, frame_line: str, message: str) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", [HEADER, EMPTY_FRAME, frame_line])
    with pytest.raises(RecordingError, match=r"bad\.jsonl, line 3: " + message):
        list(read_recording(path))


def test_writer_refuses_time_going_back(tmp_path: Path, tracked_frames: list[TrackedFrame]) -> None:
    with RecordingWriter(tmp_path / "s.jsonl", 512, 600, 30.0) as writer:
        writer.write(tracked_frames[1])
        with pytest.raises(ValueError, match="not after the previous frame"):
            writer.write(tracked_frames[0])


def test_unwritable_output(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot write here"):
        RecordingWriter(tmp_path / "no-such-dir" / "out.jsonl", 640, 480, 30.0)


def test_head_motion_is_written_and_read_back(tmp_path: Path) -> None:
    motion = np.array([[1.01, -0.02, 3.25], [0.02, 1.01, -1.5]])
    frames = [TrackedFrame(index=0, timestamp_s=0.0, width=640, height=480, face=None),
              TrackedFrame(index=1, timestamp_s=0.033, width=640, height=480, face=None, face_motion=motion)]
    path = tmp_path / "motion.jsonl"
    with RecordingWriter(path, 640, 480, 30.0) as writer:
        for frame in frames:
            writer.write(frame)
    read = list(read_recording(path))
    assert read[0].face_motion is None
    assert read[1].face_motion is not None and np.allclose(read[1].face_motion, motion)
    assert "motion" not in json.loads(path.read_text().splitlines()[1])  # written only when measured
