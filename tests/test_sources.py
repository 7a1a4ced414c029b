"""Frame sources read real files the tests write themselves, with correct counts and timestamps."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.errors import SourceError
from coach.sources import (
    ArraySource,
    CameraSource,
    ImageFolderSource,
    VideoFileSource,
    open_source,
)

FPS = 25.0
FRAME_COUNT = 20
SIZE = (160, 120)  # width, height


def _pattern(index: int) -> np.ndarray:
    """A frame whose brightness encodes its index, so order survives lossy compression."""
    image = np.zeros((SIZE[1], SIZE[0], 3), dtype=np.uint8)
    image[:, :] = (index * 12) % 256
    cv2.putText(image, str(index), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 255), 3)
    return image


@pytest.fixture(scope="module")
def short_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "short.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    assert writer.isOpened(), "this OpenCV build cannot write mp4v"
    for index in range(FRAME_COUNT):
        writer.write(_pattern(index))
    writer.release()
    return path


def test_video_file_frames_and_timestamps(short_mp4: Path) -> None:
    with VideoFileSource(short_mp4) as source:
        assert (source.width, source.height) == SIZE
        assert source.fps == pytest.approx(FPS)
        assert source.frame_count == FRAME_COUNT
        frames = list(source)
    assert [frame.index for frame in frames] == list(range(FRAME_COUNT))
    times = np.array([frame.timestamp_s for frame in frames])
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(times, np.arange(FRAME_COUNT) / FPS, atol=1e-3)
    assert frames[0].image.shape == (SIZE[1], SIZE[0], 3) and frames[0].image.dtype == np.uint8
    brightness = [int(np.median(frame.image[:, -20:, 0])) for frame in frames]
    assert brightness == sorted(brightness), "frames came out of order"


def test_video_file_realtime_pacing_takes_clip_duration(short_mp4: Path) -> None:
    started = time.monotonic()
    with VideoFileSource(short_mp4, pacing="realtime") as source:
        last = [frame.timestamp_s for frame in source][-1]
    elapsed = time.monotonic() - started
    assert elapsed >= last - 0.01
    assert elapsed < last + 0.5


def test_realtime_drop_late_skips_frames_a_slow_consumer_missed(short_mp4: Path) -> None:
    seen = []
    with VideoFileSource(short_mp4, pacing="realtime", drop_late=True) as source:
        for frame in source:
            seen.append(frame.index)
            time.sleep(3.5 / FPS)  # a consumer that needs 3.5 frame intervals per frame
    assert seen[0] == 0 and seen == sorted(seen)
    assert len(seen) < FRAME_COUNT / 2


def test_video_file_loop_keeps_time_increasing(short_mp4: Path) -> None:
    with VideoFileSource(short_mp4, loop=True) as source:
        frames = [frame for _, frame in zip(range(FRAME_COUNT * 2 + 5), source)]
    times = np.array([frame.timestamp_s for frame in frames])
    assert [frame.index for frame in frames] == list(range(len(frames)))
    assert np.all(np.diff(times) > 0)
    assert times[FRAME_COUNT] == pytest.approx(FRAME_COUNT / FPS, abs=1e-3)


def test_close_stops_iteration(short_mp4: Path) -> None:
    source = VideoFileSource(short_mp4)
    iterator = iter(source)
    next(iterator)
    source.close()
    assert list(iterator) == []
    source.close()  # closing twice is harmless


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a video")
    with pytest.raises(SourceError, match=r"notes\.txt.*unsupported file type '\.txt'"):
        open_source(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"missing\.mp4: file not found"):
        open_source(tmp_path / "missing.mp4")


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(SourceError, match=r"corrupt\.mp4: .*(corrupt|decoded)") as caught:
        open_source(path)
    assert "\n" not in str(caught.value)


def test_missing_camera() -> None:
    with pytest.raises(SourceError, match=r"No camera at index 57.*--source CLIP"):
        CameraSource(57)
    with pytest.raises(SourceError, match=r"No camera at index 57"):
        open_source("57")


def test_open_source_dispatch(short_mp4: Path, tmp_path: Path) -> None:
    for index in range(3):
        cv2.imwrite(str(tmp_path / f"frame{index}.png"), _pattern(index))
    with open_source(tmp_path, fps=10.0) as folder:
        assert isinstance(folder, ImageFolderSource)
    with open_source(str(short_mp4)) as video:
        assert isinstance(video, VideoFileSource)


def test_image_folder_natural_order_and_times(tmp_path: Path) -> None:
    for index in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"frame{index}.png"), _pattern(index))
    (tmp_path / "readme.txt").write_text("ignored")
    with ImageFolderSource(tmp_path, fps=10.0) as source:
        frames = list(source)
        names = [path.name for path in source.paths]
    assert names == ["frame1.png", "frame2.png", "frame10.png"]
    assert [frame.timestamp_s for frame in frames] == pytest.approx([0.0, 0.1, 0.2])


def test_image_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="folder not found"):
        ImageFolderSource(tmp_path / "nope")
    with pytest.raises(SourceError, match="no images in this folder"):
        ImageFolderSource(tmp_path)


def test_array_source_timestamps() -> None:
    images = [_pattern(index) for index in range(4)]
    with ArraySource(images, fps=20.0) as source:
        assert [frame.timestamp_s for frame in source] == pytest.approx([0.0, 0.05, 0.1, 0.15])
    jittery = [0.0, 0.031, 0.069, 0.1]
    with ArraySource(images, timestamps=jittery) as source:
        assert [frame.timestamp_s for frame in source] == jittery
    with pytest.raises(SourceError, match="strictly increase"):
        ArraySource(images, timestamps=[0.0, 0.1, 0.1, 0.2])
    with pytest.raises(SourceError, match="uint8"):
        ArraySource([np.zeros((4, 4, 3), dtype=np.float32)])


def test_unknown_pacing(short_mp4: Path) -> None:
    with pytest.raises(SourceError, match="Unknown pacing"):
        VideoFileSource(short_mp4, pacing="slow")  # type: ignore[arg-type]


def test_gif_reads_with_timestamps(media_dir: Path) -> None:
    with VideoFileSource(media_dir / "videos" / "dyn_man_hand_beside_face.gif") as source:
        frames = list(source)
    assert len(frames) == 30
    times = np.array([frame.timestamp_s for frame in frames])
    assert times[0] == 0.0 and np.all(np.diff(times) > 0)
