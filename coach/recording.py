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
  many faces were seen; the subject is the largest), and ``"motion"``: the head's image motion since
  the frame before, as a 2×3 similarity in pixels, measured on the skin round a hand that overlaps
  the face (coach.perception.face_motion); absent when it was not measured.
- Numbers are rounded to 6 decimals (about 0.001 px on a 1000 px image).

A file cut short (e.g. the program was killed) is readable up to its last complete line: the
writer flushes every frame, and the reader notes (in ``RecordingReader.fault``), rather than
refuses, a torn last line, a missing gzip trailer or damaged compressed data, so the frames before
the damage are still used (a replay's report is then marked partial with that reason). A malformed
line anywhere else is a RecordingError naming the file and line; a replay keeps the frames before
it. Every value is checked for type, finiteness and a sensible range where it is read.

The writer writes under a hidden temporary name beside the final one and renames the file into
place when it is closed, so a name the user asked for never holds a file another program is
still writing; a run killed outright leaves only the hidden ``.NAME.*.partial`` file.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import os
import time
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from coach.closing import ClosesOnExit
from coach.errors import RecordingError
from coach.outputs import describe_os_error, dumps_json, refuse_input_overwrite, temporary_sibling
from coach.types import FaceLandmarks, HandLandmarks, TrackedFrame

if TYPE_CHECKING:
    from coach.interrupts import InterruptGuard

logger = logging.getLogger(__name__)

FORMAT_NAME = "coach-landmarks"
FORMAT_VERSION = 1
FACE_POINT_COUNTS: tuple[int, ...] = (478, 468)
HAND_POINT_COUNT = 21
DECIMALS = 6
MAX_ABS_MOTION = 1e5  # pixels: a shift past this is no frame-to-frame head motion
_HEADER_KEYS = ("format", "version", "width", "height", "fps", "mirrored")
_FIX = "re-create it with `coach track CLIP -o OUT.jsonl.gz`"
MAX_IMAGE_SIDE = 16384
"""Pixels; larger images are not from a camera (and would cost gigabytes to draw)."""
FPS_RANGE = (0.5, 1000.0)
MAX_ABS_TIME_S = 1e7
"""About four months: a frame time beyond that is a broken file, not a long session."""
MAX_ABS_COORDINATE = 10.0
"""Normalised x, y (0..1, may stray slightly outside) and MediaPipe's relative z stay far inside this."""
MAX_FACES = 100
MAX_INDEX = 10**9


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
    line: dict[str, Any] = {
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
    if tracked.face_motion is not None:
        line["motion"] = np.round(np.asarray(tracked.face_motion, dtype=np.float64), DECIMALS).tolist()
    return line


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
        header_line = dumps_json(self.header.to_json_dict(), separators=(",", ":"))
        try:
            self.temporary_path = temporary_sibling(self.path)
            raw = open(self.temporary_path, "wb")
        except OSError as error:
            raise RecordingError(f"{self.path}: cannot write here ({describe_os_error(error)}); choose another output path.") from error
        if _is_gzip_path(self.path):
            # The gzip header keeps the final name, not the temporary one.
            compressed = gzip.GzipFile(filename=self.path.name[: -len(".gz")], mode="wb", compresslevel=6, fileobj=raw)
            self._file: IO[str] = io.TextIOWrapper(compressed, encoding="utf-8")
        else:
            self._file = io.TextIOWrapper(raw, encoding="utf-8")
        self._raw = raw
        self.frames_written = 0
        self._last_timestamp_s = -math.inf
        self._write_line(header_line)

    def _write_line(self, line: str) -> None:
        try:
            self._file.write(line)
            self._file.write("\n")
            # For gzip this is a sync flush: everything so far becomes decodable without the trailer.
            self._file.flush()
        except OSError as error:
            self.abandon()
            raise RecordingError(f"{self.path}: cannot write ({describe_os_error(error)}); choose another output path.") from error

    def write(self, tracked: TrackedFrame) -> None:
        """Append one frame; frames must come in increasing time order."""
        if self._file.closed:
            raise RuntimeError(f"{self.path}: write after close")
        if tracked.timestamp_s <= self._last_timestamp_s:
            raise ValueError(
                f"frame {tracked.index} at {tracked.timestamp_s} s is not after the previous frame ({self._last_timestamp_s} s)"
            )
        self._last_timestamp_s = tracked.timestamp_s
        self._write_line(dumps_json(frame_to_json_dict(tracked), separators=(",", ":")))
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and give it its final name (also after Ctrl-C: the frames so far are a
        valid recording)."""
        if self._file.closed:
            return
        try:
            self._file.close()
            self._raw.close()
            os.replace(self.temporary_path, self.path)
        except OSError as error:
            self.temporary_path.unlink(missing_ok=True)
            raise RecordingError(f"{self.path}: cannot write ({describe_os_error(error)}); choose another output path.") from error

    def abandon(self) -> None:
        """Remove what was written: the final name is left as it was."""
        try:
            if not self._file.closed:
                self._file.close()
        except OSError:
            pass
        try:
            self._raw.close()
        except OSError:
            pass
        self.temporary_path.unlink(missing_ok=True)

    def __exit__(self, *exc_info: object) -> None:
        # A failure (not an interruption, which keeps the frames so far) leaves no file behind.
        kind = exc_info[0] if exc_info else None
        if isinstance(kind, type) and not issubclass(kind, KeyboardInterrupt):
            self.abandon()
        else:
            self.close()



def _points(value: Any, allowed_counts: tuple[int, ...], what: str, where: str) -> np.ndarray:
    """N×3 float array from a JSON list of [x, y, z], or a RecordingError saying what is off."""
    if not isinstance(value, list):
        raise RecordingError(f"{where}: {what} must be a list of [x, y, z] points, got {_shown(value)}; {_FIX}.")
    try:
        points = np.asarray(value, dtype=np.float64)  # the fast path; the loop below only explains a failure
    except OverflowError:
        raise RecordingError(f"{where}: {what} contains a number too large for a coordinate; {_FIX}.") from None
    except (TypeError, ValueError):
        points = np.empty((0, 0))
    if points.ndim != 2 or points.shape[1:] != (3,):
        for point in value:
            if (
                not isinstance(point, list)
                or len(point) != 3
                or not all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in point)
            ):
                raise RecordingError(f"{where}: {what} must be a list of [x, y, z] points, got {_shown(point)}; {_FIX}.")
        raise RecordingError(f"{where}: {what} must be a list of [x, y, z] points; {_FIX}.")
    if len(value) not in allowed_counts:
        expected = " or ".join(str(n) for n in allowed_counts)
        raise RecordingError(f"{where}: {what} has {len(value)} points, expected {expected}; {_FIX}.")
    if (np.abs(points) <= MAX_ABS_COORDINATE).all():  # one pass: also false for NaN and infinities
        return points
    if not np.all(np.isfinite(points)):
        raise RecordingError(f"{where}: {what} contains non-finite numbers; {_FIX}.")
    if np.abs(points).max() > MAX_ABS_COORDINATE:
        raise RecordingError(
            f"{where}: {what} has a coordinate of {np.abs(points).max():g}, outside ±{MAX_ABS_COORDINATE:g} "
            f"(x and y are fractions of the image); {_FIX}."
        )
    return points


def _motion(value: Any, where: str) -> np.ndarray:
    """The optional 2×3 head-motion similarity of a frame line (pixels), or a RecordingError."""
    try:
        motion = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        motion = np.empty((0, 0))
    if motion.shape != (2, 3) or not np.all(np.isfinite(motion)) or np.abs(motion).max() > MAX_ABS_MOTION:
        raise RecordingError(f"{where}: 'motion' must be a 2×3 list of finite numbers (a similarity in pixels), got {_shown(value)}; {_FIX}.")
    return motion


def _shown(value: Any) -> str:
    """A value for a message, cut short (a hostile file may hold a 10,000-digit number)."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # nested too deep; an integer of thousands of digits
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, what: str, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    number = math.nan
    if not isinstance(value, bool) and isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            pass
    if not math.isfinite(number):
        raise RecordingError(f"{where}: '{what}' must be a finite number, got {_shown(value)}; {_FIX}.")
    if not low <= number <= high:
        raise RecordingError(f"{where}: '{what}' is {number:g}, outside {low:g}..{high:g}; {_FIX}.")
    return number


def _count(value: Any, what: str, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        kind = "a positive integer" if low == 1 else "a non-negative integer"
        raise RecordingError(f"{where}: '{what}' must be {kind} up to {high}, got {_shown(value)}; {_FIX}.")
    return value


def _loads(line: str, where: str) -> Any:
    """One JSON line; nesting deep enough to exhaust the parser is a malformed line like any other."""
    try:
        return json.loads(line)
    except RecursionError:
        raise RecordingError(f"{where}: nested too deeply to be a recording line; {_FIX}.") from None
    except json.JSONDecodeError:
        raise
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise RecordingError(f"{where}: not a usable JSON line ({error}); {_FIX}.") from None


def _parse_header(data: Any, where: str) -> RecordingHeader:
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise RecordingError(f"{where}: not a coach landmark recording (first line lacks \"format\": \"{FORMAT_NAME}\"); {_FIX}.")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise RecordingError(
            f"{where}: recording format version {version!r} is not supported (this coach reads version "
            f"{FORMAT_VERSION}); use the coach version that wrote it, or {_FIX}."
        )
    width = _count(data.get("width"), "width", where, 1, MAX_IMAGE_SIDE)
    height = _count(data.get("height"), "height", where, 1, MAX_IMAGE_SIDE)
    fps = _number(data.get("fps"), "fps", where, *FPS_RANGE)
    mirrored = data.get("mirrored")
    if not isinstance(mirrored, bool):
        raise RecordingError(f"{where}: header 'mirrored' must be true or false, got {_shown(mirrored)}; {_FIX}.")
    extra = {key: value for key, value in data.items() if key not in _HEADER_KEYS}
    return RecordingHeader(width, height, fps, mirrored, extra)


def _parse_frame(data: Any, header: RecordingHeader, position: int, where: str) -> TrackedFrame:
    if not isinstance(data, dict):
        raise RecordingError(f"{where}: a frame line must be a JSON object; {_FIX}.")
    for key in ("t", "face", "hands"):
        if key not in data:
            raise RecordingError(f"{where}: frame lacks '{key}'; {_FIX}.")
    timestamp_s = _number(data["t"], "t", where, -MAX_ABS_TIME_S, MAX_ABS_TIME_S)
    face = None if data["face"] is None else FaceLandmarks(_points(data["face"], FACE_POINT_COUNTS, "face", where))
    if not isinstance(data["hands"], list) or len(data["hands"]) > 2:
        raise RecordingError(f"{where}: 'hands' must be a list of at most 2 hands; {_FIX}.")
    hands: list[HandLandmarks] = []
    for number, hand in enumerate(data["hands"], start=1):
        if not isinstance(hand, dict):
            raise RecordingError(f"{where}: hand {number} must be a JSON object; {_FIX}.")
        handedness = hand.get("handedness")
        if handedness not in ("left", "right"):
            raise RecordingError(f"{where}: hand {number} 'handedness' must be \"left\" or \"right\", got {_shown(handedness)}; {_FIX}.")
        score = _number(hand.get("score"), f"hand {number} score", where, 0.0, 1.0)
        points = _points(hand.get("landmarks"), (HAND_POINT_COUNT,), f"hand {number} landmarks", where)
        hands.append(HandLandmarks(handedness, score, points))
    index = _count(data.get("i", position), "i", where, 0, MAX_INDEX)
    faces = _count(data.get("faces", 1 if face is not None else 0), "faces", where, 0, MAX_FACES)
    motion = _motion(data["motion"], where) if data.get("motion") is not None else None
    return TrackedFrame(
        index=index,
        timestamp_s=timestamp_s,
        width=header.width,
        height=header.height,
        face=face,
        hands=tuple(hands),
        image=None,
        faces_seen=faces,
        face_motion=motion,
    )


class RecordingReader(ClosesOnExit):
    """A recording opened for reading: ``header`` at once, frames by iterating (each pass re-reads the file).

    Raises ``RecordingError`` (file, line number, fix) on the first bad line it meets, so a bad
    header fails at ``read_recording`` and a bad frame line when iteration reaches it. A file that
    ends early or whose compressed data is damaged ends the frames there instead, and ``fault``
    says why (None while the file reads cleanly), so callers keep the frames before the damage
    and say that the result is partial.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.fault: str | None = None
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
            data = _loads(first, where)
        except json.JSONDecodeError as error:
            raise RecordingError(f"{where}: header is not valid JSON ({error.msg}); {_FIX}.") from error
        self.header = _parse_header(data, where)

    def count_frames(self) -> int:
        """Number of frame lines (a quick pass without parsing), for progress bars."""
        lines = self._lines()
        try:
            return max(0, sum(1 for line in lines if line.strip()) - 1)
        finally:
            lines.close()

    def close(self) -> None:
        """Nothing to release: each pass opens and closes the file itself. Present so that a
        reader can stand wherever a frame source is closed."""

    def _note_fault(self, reason: str) -> None:
        if self.fault is None:
            self.fault = reason
            logger.info("%s: %s", self.path, reason)

    def _open(self) -> IO[str]:
        if _is_gzip_path(self.path):
            return io.TextIOWrapper(gzip.open(self.path, "rb"), encoding="utf-8")
        return open(self.path, encoding="utf-8")

    def _lines(self) -> Generator[str, None, None]:
        """Lines of the file; a stream that ends early or is damaged ends the lines and sets ``fault``."""
        line_number = 0
        try:
            with self._open() as handle:
                for line in handle:
                    line_number += 1
                    yield line
        except EOFError:
            self._note_fault(f"the compressed file is cut short after line {line_number}")
        except (zlib.error, gzip.BadGzipFile) as error:
            if line_number == 0:
                raise RecordingError(f"{self.path}: not a gzip file despite its .gz name; rename it or {_FIX}.") from error
            self._note_fault(f"the compressed data is damaged after line {line_number} ({error})")
        except UnicodeDecodeError as error:
            if line_number == 0:
                raise RecordingError(f"{self.path}: not UTF-8 text ({error.reason}); {_FIX}.") from error
            self._note_fault(f"the file is damaged after line {line_number} (not UTF-8 text)")
        except OSError as error:
            raise RecordingError(f"{self.path}: cannot be read ({describe_os_error(error)}); check the file.") from error

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
                    data = _loads(line, where)
                except json.JSONDecodeError as error:
                    if not line.endswith("\n") and next(lines, None) is None:
                        self._note_fault(f"the file is cut short (line {line_number} is incomplete)")
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
    path: Path | None = None
    """The recording written, or None when nothing was (interrupted before the first frame)."""
    interruption: str | None = None
    """What stopped the run early ('Ctrl-C', ...), or None when the whole clip was tracked."""
    exit_code: int = 0
    fault: str | None = None
    """Why the clip's frames ended early (a truncated file), or None."""

    @property
    def face_fraction(self) -> float:
        return self.frames_with_face / self.frames if self.frames else 0.0

    @property
    def hand_fraction(self) -> float:
        return self.frames_with_hand / self.frames if self.frames else 0.0

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        """Plain words for the terminal: what was tracked and how well."""
        frames = f"{self.frames} frame{'s' if self.frames != 1 else ''}"
        return (
            f"{frames} tracked in {self.elapsed_s:.1f} s ({self.frames_per_second:.1f} frames/s); "
            f"face found in {self.face_fraction:.0%}, hands in {self.hand_fraction:.0%} of frames"
        )


def check_recording_output(out_path: Path, inputs: tuple[Path, ...] = ()) -> Path:
    """A recording is written only under a recording name (.jsonl / .jsonl.gz) and never over an input."""
    if not str(out_path).strip() or not out_path.name:
        raise RecordingError("the output name is empty; give one ending in .jsonl.gz (or .jsonl), e.g. session.jsonl.gz.")
    if not is_recording_path(out_path):
        raise RecordingError(
            f"{out_path}: a landmark recording is written as .jsonl.gz (or .jsonl), not '{out_path.suffix or '(no suffix)'}'; "
            f"name it e.g. {out_path.with_suffix('').name or 'session'}.jsonl.gz."
        )
    if out_path.is_dir():
        raise RecordingError(f"{out_path} is a folder; give a file name ending in .jsonl.gz.")
    refuse_input_overwrite(out_path, inputs)
    return out_path


def track_video_to_recording(
    source_path: str | Path,
    out_path: str | Path,
    progress: Callable[[int, int | None], None] | None = None,
    mirrored: bool = False,
    interrupts: InterruptGuard | None = None,
) -> TrackingStats:
    """Track every frame of a clip (as fast as possible, video mode, smoothed) into a recording.

    ``progress(done, total)`` is called after each frame; ``total`` is the container's frame count
    (an estimate, or None when unknown). Interrupting (Ctrl-C, SIGTERM, SIGHUP) keeps a valid
    recording of the frames done so far (none at all when no frame was done) and says so in the
    returned stats (``interrupts``, the CLI's guard, also catches a signal the OS hands to one of
    MediaPipe's threads while the file is being put in place). The output appears under its name only when it is complete. Raises
    ``SourceError`` for a bad clip, ``RecordingError`` for a bad output.
    """
    from coach.interrupts import SignalHold, describe_signal, exit_code_for, interruption_of
    from coach.perception import create_tracker
    from coach.perception.parallel import with_next
    from coach.sources import VideoFileSource
    from coach.sources.read_ahead import ReadAhead
    from coach.sources.video import missing_frames_note

    source_path, out_path = Path(source_path), Path(out_path)
    check_recording_output(out_path, (source_path,))
    started = time.monotonic()
    frames = with_face = with_hand = 0
    interruption: str | None = None
    exit_code = 0
    written: Path | None = None
    # Frames are decoded ahead on a reader thread (closed before the source) while each is tracked.
    with VideoFileSource(source_path, pacing="fast") as source, ReadAhead(source) as decoded:
        with create_tracker(mode="video", mirrored=mirrored) as tracker:
            writer = RecordingWriter(
                out_path,
                source.width,
                source.height,
                source.fps,
                mirrored=mirrored,
                source=source_path.name,
                smoothed=tracker.smoothing,
            )
            try:
                for frame, next_frame in with_next(decoded):
                    tracked = tracker.track(frame, next_frame)
                    writer.write(tracked)
                    frames += 1
                    with_face += tracked.face is not None
                    with_hand += bool(tracked.hands)
                    if progress is not None:
                        progress(frames, source.frame_count)
            except KeyboardInterrupt as error:
                stop = interruption_of(error)
                interruption, exit_code = stop.description, stop.exit_code
            except BaseException:
                writer.abandon()
                raise
            frames = writer.frames_written  # an interrupt can land between a frame's write and its count
            with SignalHold(interrupts) as finishing:
                finishing.start()  # a signal now waits until the file has its name
                if frames:
                    writer.close()
                    written = out_path
                else:
                    writer.abandon()
            if interruption is None and finishing.arrived:
                interruption, exit_code = describe_signal(finishing.arrived[0]), exit_code_for(finishing.arrived[0])
        fault = None if interruption is not None else missing_frames_note(source_path, frames, source.frame_count)
    return TrackingStats(
        frames, with_face, with_hand, time.monotonic() - started, written, interruption, exit_code, fault
    )
