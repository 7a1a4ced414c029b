"""Real MediaPipe tracking of evaluation clips, kept as landmark recordings so reruns are fast.

Why: the real-pixel families (composites, negatives) run the real Tracker over thousands of
frames, which takes minutes on a small machine; the engine under evaluation only needs the tracked
landmarks. Each clip's tracking is written once as a coach-landmarks recording under
``~/.cache/coach-bench/`` (or ``$COACH_BENCH_CACHE``), named by a hash of everything that decides
its content: the recipe, the source files, this code and the tracker's code, and MediaPipe's
version. A changed recipe or code gives a new name, so a stale file is never read. The cache is
only an accelerator: a missing or unreadable file is rebuilt, and a file appears complete or not
at all (written under a temporary name, then renamed).
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.errors import RecordingError
from coach.recording import RecordingWriter, read_recording
from coach.types import Frame, TrackedFrame

logger = logging.getLogger(__name__)

STALE_PART_S = 3600.0
"""A temporary file this old is a leftover of a killed run, not a write in progress."""

CACHE_ENV = "COACH_BENCH_CACHE"
"""Environment variable naming another cache folder (tests point it at a temporary one)."""


def cache_dir() -> Path:
    """Where tracked evaluation clips are kept: ``$COACH_BENCH_CACHE`` or ``~/.cache/coach-bench``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "coach-bench"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (the media files are a few MB at most)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def tracker_version() -> str:
    """MediaPipe's version and the source of the code between pixels and landmarks."""
    import mediapipe

    from coach.perception import face_motion, hands_graph, second_search, smoothing, tracker

    digest = hashlib.sha256(str(mediapipe.__version__).encode())
    for module in (tracker, hands_graph, second_search, smoothing, face_motion):
        digest.update(code_digest(Path(module.__file__ or "")).encode())
    return digest.hexdigest()


def code_digest(path: Path) -> str:
    """Hash of a Python file's code, blind to comments, docstrings and layout (those change no pixel)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            body[0] = ast.Pass()  # type: ignore[index]
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()


def cache_key(recipe: Any, code: Sequence[str] = (), media_files: Sequence[Path] = ()) -> str:
    """Short hash naming one tracked clip: recipe (JSON-able), ``code_digest`` of the code that makes
    its pixels (taken when that code was imported, so a file edited during a run cannot mislabel
    the clips the running code makes), and the media used."""
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=repr).encode())
    digest.update(tracker_version().encode())
    for part in code:
        digest.update(part.encode())
    for path in media_files:
        digest.update(file_digest(Path(path)).encode())
    return digest.hexdigest()[:16]


def read_cached(path: Path) -> list[TrackedFrame] | None:
    """The frames of a cached recording, or None when it is absent or unreadable (then rebuilt)."""
    if not path.is_file():
        return None
    try:
        return list(read_recording(path))
    except RecordingError as error:
        logger.warning("cached tracking %s is unreadable (%s); tracking again", path, error)
        return None


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary_path)`` then rename it to ``path``: the file is complete or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A run killed mid-write leaves its temporary file; drop such leftovers of this file once stale.
    for leftover in path.parent.glob(f"{path.name}.*.part*"):
        try:
            if time.time() - leftover.stat().st_mtime > STALE_PART_S:
                leftover.unlink()
        except OSError:
            pass
    suffix = "".join(path.suffixes)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".part" + suffix, dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def track_frames_cached(
    path: Path,
    frames: Callable[[], Iterable[Frame]],
    width: int,
    height: int,
    fps: float,
    source: str,
) -> list[TrackedFrame]:
    """Tracked frames of a clip: from ``path`` when cached, else the real Tracker over ``frames()``.

    The Tracker runs exactly as the app runs it on a clip (video mode, unmirrored, smoothed). The
    frames returned are always those read back from the recording (rounded as the format rounds),
    so a first and a later call give identical frames.
    """
    cached = read_cached(path)
    if cached is not None:
        return cached
    from coach.perception import Tracker

    logger.info("tracking %s into %s", source, path)

    def write(temporary: Path) -> None:
        with Tracker(mode="video") as tracker, RecordingWriter(
            temporary, width, height, fps, mirrored=False, source=source, smoothed=tracker.smoothing
        ) as writer:
            for frame in frames():
                writer.write(tracker.track(frame))

    write_atomically(path, write)
    tracked = read_cached(path)
    if tracked is None:
        raise RuntimeError(f"{path}: just written but unreadable")
    return tracked
