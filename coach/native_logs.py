"""Keep the native libraries' log lines (MediaPipe/absl/TFLite, FFmpeg, OpenCV) off the terminal.

Those libraries write straight to file descriptor 2 from C++, so Python's logging cannot filter
them, and several ignore the environment variables meant to quiet them (absl's "WARNING: All log
messages before absl::InitializeLog() ..." and TFLite's "INFO: Created TensorFlow Lite XNNPACK
delegate" are printed whatever GLOG_minloglevel says). So, unless ``--verbose``:

- the environment variables that do work are set before the libraries load (GLOG_minloglevel,
  TF_CPP_MIN_LOG_LEVEL, OPENCV_LOG_LEVEL, OPENCV_FFMPEG_LOGLEVEL);
- file descriptor 2 is pointed at a pipe whose lines go to the ``coach.native`` logger at INFO
  (shown with ``--verbose``), while Python's own ``sys.stderr`` (our one-line messages, warnings
  and the progress bar) keeps writing to the real terminal through a duplicate of the original
  descriptor. A line that reports a crash ("Fatal", "Check failed", ...) is still passed through,
  so a real failure is never hidden.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
from typing import IO, TextIO

logger = logging.getLogger("coach.native")

QUIET_ENVIRONMENT: dict[str, str] = {
    "GLOG_minloglevel": "2",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "OPENCV_LOG_LEVEL": "ERROR",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # AV_LOG_QUIET
}
ALWAYS_SHOWN: tuple[str, ...] = ("Fatal", "Check failed", "Segmentation fault", "Aborted", "Traceback", "terminate called")


def quiet_native_environment() -> None:
    """Ask the native libraries for less output (only where the user has not chosen otherwise)."""
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def _is_process_stderr(stream: TextIO) -> bool:
    """Whether ``stream`` is Python's own stderr on descriptor 2 (not a test harness's capture)."""
    if id(stream) != id(sys.__stderr__):
        return False
    try:
        return stream.fileno() == 2
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False


class NativeLogCapture:
    """Routes descriptor 2 into the log while Python's stderr keeps the terminal; ``stop`` undoes it.

    Does nothing when ``sys.stderr`` is not the process's own descriptor 2 (e.g. under a test
    harness that captures it), so it never hides output someone is collecting.
    """

    def __init__(self) -> None:
        self._saved_fd: int | None = None
        self._saved_stderr: IO[str] | None = None
        self._thread: threading.Thread | None = None
        self._terminal: IO[str] | None = None

    def start(self) -> "NativeLogCapture":
        stderr: TextIO = sys.stderr
        if stderr is None or not _is_process_stderr(stderr):
            return self
        stderr.flush()
        saved = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._saved_fd = saved
        self._saved_stderr = stderr
        self._terminal = open(os.dup(saved), "w", encoding=stderr.encoding or "utf-8", errors="replace", buffering=1)
        sys.stderr = self._terminal
        self._thread = threading.Thread(target=self._forward, args=(read_end,), name="native-log", daemon=True)
        self._thread.start()
        return self

    def _forward(self, read_end: int) -> None:
        with open(read_end, "rb", buffering=0) as pipe:
            pending = b""
            while True:
                chunk = pipe.read(4096)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    self._emit(raw)
            if pending:
                self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if not line:
            return
        if any(word in line for word in ALWAYS_SHOWN) and self._saved_fd is not None:
            try:
                os.write(self._saved_fd, raw + b"\n")
            except OSError:
                pass
            return
        logger.info("%s", line)

    def stop(self, restore: bool = True) -> None:
        """Give descriptor 2 back to the terminal (what was buffered in the pipe is still logged).

        ``restore=False`` when the process is about to exit: MediaPipe's threads may still write
        while they are torn down, and those lines must not reach the terminal after our last one.
        """
        if self._saved_fd is None:
            return
        if self._terminal is not None:
            try:
                self._terminal.flush()
            except OSError:
                pass
        if not restore:
            return
        os.dup2(self._saved_fd, 2)  # closes the pipe's write end: the forwarder sees the end
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        sys.stderr = self._saved_stderr
        if self._terminal is not None:
            try:
                self._terminal.close()
            except OSError:
                pass
        os.close(self._saved_fd)
        self._saved_fd = None

    def __enter__(self) -> "NativeLogCapture":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
