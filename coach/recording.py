"""Landmark recordings: the "coach-landmarks" file format, version 1 — reader, writer, converter.

A recording keeps what the tracker saw without the video, so a session can be replayed, tested
or shared without showing anyone's face. Everything downstream of the tracker runs identically on
a recording, because the reader yields the same ``TrackedFrame`` objects the tracker does.

Format "coach-landmarks", version 1
-----------------------------------
- JSON Lines (UTF-8, one JSON object per line), gzip-compressed when the file name ends in
  ``.gz`` (``.jsonl`` / ``.jsonl.gz``).
- Line 1 is the header::

      {"format": "coach-landmarks", "version": 1, "width": W, "height": H, "fps": F, "mirrored": false}

  ``width``/``height``: the tracked images' size in pixels (positive integers); ``fps``: the
  source's nominal frame rate (positive number; the frames' own ``t`` are the timing truth);
  ``mirrored``: whether the tracked images were mirrored (selfie view). More keys are allowed and
  kept (coach writes e.g. ``"source"``, ``"smoothed"``, ``"tracker"``); readers ignore keys they
  do not know.
- Every further line is one frame, in time order::

      {"t": seconds, "face": [[x, y, z], ...478 or 468] or null,
       "hands": [{"handedness": "left"|"right", "score": s, "landmarks": [[x, y, z], ...21]}, ...]}

  ``t``: the frame's time in seconds (the video's presentation time, or the camera's monotonic
  clock), increasing. ``face``: the subject's Face Mesh points, or ``null`` when no face was found.
  ``hands``: zero, one or two hands; ``handedness`` is the subject's own hand whatever the
  mirroring; ``score`` is MediaPipe's handedness confidence (0..1). x and y are normalised to the
  image width and height (0..1, may stray slightly outside), in the coordinates of the tracked
  image; z is MediaPipe's relative depth. Optional frame keys written by coach: ``"i"`` (the
  source frame index; when absent, frames are numbered from 0 in file order) and ``"faces"`` (how
  many faces were seen; the subject is the largest).
- Numbers are rounded to 6 decimals (about 0.001 px on a 1000 px image).

A file cut short (e.g. the program was killed) is readable up to its last complete line: the
writer flushes every frame, and the reader warns about, rather than refuses, a torn last line or a
missing gzip trailer. A malformed line anywhere else is an error naming the file and line.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from coach.closing import ClosesOnExit
from coach.errors import RecordingError
from coach.types import FaceLandmarks, HandLandmarks, TrackedFrame

logger = logging.getLogger(__name__)

FORMAT_NAME = "coach-landmarks"
FORMAT_VERSION = 1
FACE_POINT_COUNTS: tuple[int, ...] = (478, 468)
HAND_POINT_COUNT = 21
DECIMALS = 6
_HEADER_KEYS = ("format", "version", "width", "height", "fps", "mirrored")
_FIX = "re-create it with `coach track CLIP -o OUT.jsonl.gz`"


@dataclass(frozen=True)
class RecordingHeader:
    """The header line: image size, nominal frame rate, mirroring, and any further keys in ``extra``."""

    width: int
    height: int
    fps: float
    mirrored: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        header: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "mirrored": self.mirrored,
        }
        for key, value in self.extra.items():
            if key in header:
                raise ValueError(f"extra header key {key!r} would overwrite a required key")
            header[key] = value
        return header


RECORDING_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz")


def is_recording_path(path: Path) -> bool:
    """Whether a path names a landmark recording (by its suffix) rather than a video."""
    return path.name.lower().endswith(RECORDING_SUFFIXES)


def _is_gzip_path(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def _rounded_points(points: np.ndarray) -> list[list[float]]:
    return np.round(np.asarray(points, dtype=np.float64), DECIMALS).tolist()


def frame_to_json_dict(tracked: TrackedFrame) -> dict[str, Any]:
    """One frame line as a dict (kept public so other writers, e.g. a live recorder, share it)."""
    return {
        "i": tracked.index,
        "t": round(float(tracked.timestamp_s), DECIMALS),
        "faces": tracked.faces_seen,
        "face": _rounded_points(tracked.face.points_norm) if tracked.face is not None else None,
        "hands": [
            {
                "handedness": hand.handedness,
                "score": round(float(hand.score), DECIMALS),
                "landmarks": _rounded_points(hand.points_norm),
            }
            for hand in tracked.hands
        ],
    }


class RecordingWriter(ClosesOnExit):
    """Writes a recording frame by frame, flushing each line so an interrupted run leaves a usable file.

    ``extra_header`` keys are added to the header line (e.g. ``source="clip.mp4"``).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float,
        mirrored: bool = False,
        **extra_header: Any,
    ) -> None:
        self.path = Path(path)
        self.header = RecordingHeader(int(width), int(height), float(fps), bool(mirrored), dict(extra_header))
        header_line = json.dumps(self.header.to_json_dict(), separators=(",", ":"))
        try:
            self._file: IO[str] = (
                gzip.open(self.path, "wt", encoding="utf-8", compresslevel=6)
                if _is_gzip_path(self.path)
                else open(self.path, "w", encoding="utf-8")
            )
        except OSError as error:
            raise RecordingError(f"{self.path}: cannot write here ({error.strerror}); choose another output path.") from error
        self.frames_written = 0
        self._last_timestamp_s = -math.inf
        self._write_line(header_line)

    def _write_line(self, line: str) -> None:
        self._file.write(line)
        self._file.write("\n")
        # For gzip this is a sync flush: everything so far becomes decodable without the trailer.
        self._file.flush()

    def write(self, tracked: TrackedFrame) -> None:
        """Append one frame; frames must come in increasing time order."""
        if self._file.closed:
            raise RuntimeError(f"{self.path}: write after close")
        if tracked.timestamp_s <= self._last_timestamp_s:
            raise ValueError(
                f"frame {tracked.index} at {tracked.timestamp_s} s is not after the previous frame ({self._last_timestamp_s} s)"
            )
        self._last_timestamp_s = tracked.timestamp_s
        self._write_line(json.dumps(frame_to_json_dict(tracked), separators=(",", ":")))
        self.frames_written += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()



def _points(value: Any, allowed_counts: tuple[int, ...], what: str, where: str) -> np.ndarray:
    """N×3 float array from a JSON list of [x, y, z], or a RecordingError saying what is off."""
    try:
        points = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise RecordingError(f"{where}: {what} must be a list of [x, y, z] numbers; {_FIX}.") from error
    if points.ndim != 2 or points.shape[1] != 3:
        raise RecordingError(f"{where}: {what} must be a list of [x, y, z] points, got shape {points.shape}; {_FIX}.")
    if points.shape[0] not in allowed_counts:
        expected = " or ".join(str(n) for n in allowed_counts)
        raise RecordingError(f"{where}: {what} has {points.shape[0]} points, expected {expected}; {_FIX}.")
    if not np.all(np.isfinite(points)):
        raise RecordingError(f"{where}: {what} contains non-finite numbers; {_FIX}.")
    return points


def _number(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordingError(f"{where}: '{what}' must be a finite number, got {value!r}; {_FIX}.")
    return float(value)


def _parse_header(data: Any, where: str) -> RecordingHeader:
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise RecordingError(f"{where}: not a coach landmark recording (first line lacks \"format\": \"{FORMAT_NAME}\"); {_FIX}.")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise RecordingError(
            f"{where}: recording format version {version!r} is not supported (this coach reads version "
            f"{FORMAT_VERSION}); use the coach version that wrote it, or {_FIX}."
        )
    for key in ("width", "height"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RecordingError(f"{where}: header '{key}' must be a positive integer, got {value!r}; {_FIX}.")
    fps = _number(data.get("fps"), "fps", where)
    if fps <= 0:
        raise RecordingError(f"{where}: header 'fps' must be positive, got {fps}; {_FIX}.")
    mirrored = data.get("mirrored")
    if not isinstance(mirrored, bool):
        raise RecordingError(f"{where}: header 'mirrored' must be true or false, got {mirrored!r}; {_FIX}.")
    extra = {key: value for key, value in data.items() if key not in _HEADER_KEYS}
    return RecordingHeader(data["width"], data["height"], fps, mirrored, extra)


def _parse_frame(data: Any, header: RecordingHeader, position: int, where: str) -> TrackedFrame:
    if not isinstance(data, dict):
        raise RecordingError(f"{where}: a frame line must be a JSON object; {_FIX}.")
    for key in ("t", "face", "hands"):
        if key not in data:
            raise RecordingError(f"{where}: frame lacks '{key}'; {_FIX}.")
    timestamp_s = _number(data["t"], "t", where)
    face = None if data["face"] is None else FaceLandmarks(_points(data["face"], FACE_POINT_COUNTS, "face", where))
    if not isinstance(data["hands"], list) or len(data["hands"]) > 2:
        raise RecordingError(f"{where}: 'hands' must be a list of at most 2 hands; {_FIX}.")
    hands: list[HandLandmarks] = []
    for number, hand in enumerate(data["hands"], start=1):
        if not isinstance(hand, dict):
            raise RecordingError(f"{where}: hand {number} must be a JSON object; {_FIX}.")
        handedness = hand.get("handedness")
        if handedness not in ("left", "right"):
            raise RecordingError(f"{where}: hand {number} 'handedness' must be \"left\" or \"right\", got {handedness!r}; {_FIX}.")
        score = _number(hand.get("score"), f"hand {number} score", where)
        points = _points(hand.get("landmarks"), (HAND_POINT_COUNT,), f"hand {number} landmarks", where)
        hands.append(HandLandmarks(handedness, score, points))
    index = data.get("i", position)
    faces = data.get("faces", 1 if face is not None else 0)
    for key, value in (("i", index), ("faces", faces)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RecordingError(f"{where}: '{key}' must be a non-negative integer, got {value!r}; {_FIX}.")
    return TrackedFrame(
        index=index,
        timestamp_s=timestamp_s,
        width=header.width,
        height=header.height,
        face=face,
        hands=tuple(hands),
        image=None,
        faces_seen=faces,
    )


class RecordingReader(ClosesOnExit):
    """A recording opened for reading: ``header`` at once, frames by iterating (each pass re-reads the file).

    Raises ``RecordingError`` (file, line number, fix) on the first bad line it meets, so a bad
    header fails at ``read_recording`` and a bad frame line when iteration reaches it.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise RecordingError(f"{self.path}: recording not found; check the path.")
        lines = self._lines()
        try:
            first = next(lines, None)
        finally:
            lines.close()
        where = f"{self.path}, line 1"
        if first is None or not first.strip():
            raise RecordingError(f"{where}: empty file, no header; {_FIX}.")
        try:
            data = json.loads(first)
        except json.JSONDecodeError as error:
            raise RecordingError(f"{where}: header is not valid JSON ({error.msg}); {_FIX}.") from error
        self.header = _parse_header(data, where)

    def count_frames(self) -> int:
        """Number of frame lines (a quick pass without parsing), for progress bars."""
        lines = self._lines()
        try:
            return sum(1 for line in lines if line.strip()) - 1
        finally:
            lines.close()

    def close(self) -> None:
        """Nothing to release: each pass opens and closes the file itself. Present so that a
        reader can stand wherever a frame source is closed."""


    def _open(self) -> IO[str]:
        if _is_gzip_path(self.path):
            return io.TextIOWrapper(gzip.open(self.path, "rb"), encoding="utf-8")
        return open(self.path, encoding="utf-8")

    def _lines(self) -> Iterator[str]:
        """Lines of the file; a truncated gzip stream ends the lines with a warning, not an error."""
        try:
            with self._open() as handle:
                yield from handle
        except (EOFError, zlib.error) as error:
            logger.warning("%s: compressed stream ends early (%s); reading what is complete", self.path, error)
        except gzip.BadGzipFile as error:
            raise RecordingError(f"{self.path}: not a gzip file despite its .gz name; rename it or {_FIX}.") from error
        except UnicodeDecodeError as error:
            raise RecordingError(f"{self.path}: not UTF-8 text ({error.reason}); {_FIX}.") from error

    def __iter__(self) -> Iterator[TrackedFrame]:
        lines = self._lines()
        try:
            next(lines, None)  # header, validated at open
            position = 0
            previous_t = -math.inf
            for line_number, line in enumerate(lines, start=2):
                if not line.strip():
                    continue
                where = f"{self.path}, line {line_number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as error:
                    if not line.endswith("\n") and next(lines, None) is None:
                        logger.warning("%s: last line is incomplete (file cut short); ignoring it", where)
                        return
                    raise RecordingError(f"{where}: not valid JSON ({error.msg}); fix or delete that line, or {_FIX}.") from error
                frame = _parse_frame(data, self.header, position, where)
                if frame.timestamp_s <= previous_t:
                    raise RecordingError(f"{where}: time {frame.timestamp_s} s does not increase; frames must be in time order; {_FIX}.")
                previous_t = frame.timestamp_s
                position += 1
                yield frame
        finally:
            lines.close()


def read_recording(path: str | Path) -> RecordingReader:
    """Open a recording; the header is validated now, frame lines as they are iterated."""
    return RecordingReader(path)


@dataclass(frozen=True)
class TrackingStats:
    """What ``track_video_to_recording`` did, for the CLI's summary line."""

    frames: int
    frames_with_face: int
    frames_with_hand: int
    elapsed_s: float

    @property
    def face_fraction(self) -> float:
        return self.frames_with_face / self.frames if self.frames else 0.0

    @property
    def hand_fraction(self) -> float:
        return self.frames_with_hand / self.frames if self.frames else 0.0

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0


def track_video_to_recording(
    source_path: str | Path,
    out_path: str | Path,
    progress: Callable[[int, int | None], None] | None = None,
    mirrored: bool = False,
) -> TrackingStats:
    """Track every frame of a clip (as fast as possible, video mode, smoothed) into a recording.

    ``progress(done, total)`` is called after each frame; ``total`` is the container's frame count
    (an estimate, or None when unknown). Interrupting (Ctrl-C) leaves a valid recording of the
    frames done so far. Raises ``SourceError`` for a bad clip, ``RecordingError`` for a bad output.
    """
    from coach.perception import create_tracker
    from coach.sources import VideoFileSource

    started = time.monotonic()
    frames = with_face = with_hand = 0
    with VideoFileSource(source_path, pacing="fast") as source:
        with create_tracker(mode="video", mirrored=mirrored) as tracker, RecordingWriter(
            out_path,
            source.width,
            source.height,
            source.fps,
            mirrored=mirrored,
            source=Path(source_path).name,
            smoothed=tracker.smoothing,
        ) as writer:
            for frame in source:
                tracked = tracker.track(frame)
                writer.write(tracked)
                frames += 1
                with_face += tracked.face is not None
                with_hand += bool(tracked.hands)
                if progress is not None:
                    progress(frames, source.frame_count)
    return TrackingStats(frames, with_face, with_hand, time.monotonic() - started)
