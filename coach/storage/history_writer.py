"""The live session's history writer: strokes stored as they are scored, off the live thread.

The live worker must not wait for the disk (a durable SQLite commit is an fsync, milliseconds on a
slow disk, and the worker has a frame to process every 33 ms). So ``LiveHistory`` only puts what
happened on a queue (microseconds); a writer thread turns each stroke into its report.json dict and
commits it in a transaction of its own. A crash or a power cut therefore loses at most the strokes
of the last moment, and the next start marks the session incomplete (see ``HistoryStore``).

History is secondary to coaching: when the disk fills up, or the database cannot be used, one
warning is logged, writing is suspended for the rest of the session, and coaching goes on.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from coach.storage.history import (
    HistoryError,
    HistoryStore,
    SessionStart,
    file_sha256,
    is_disk_full,
    now_iso,
)

if TYPE_CHECKING:
    from coach.storage.profiles import Profile
    from coach.technique import Technique
    from coach.types import ScoredStroke

logger = logging.getLogger(__name__)

FINISH_WAIT_S = 5.0
"""How long saving the report waits for the history id (the writer is normally idle)."""
CLOSE_WAIT_S = 5.0


@dataclass(frozen=True)
class _Begin:
    start: SessionStart
    source_path: Path | None


@dataclass(frozen=True)
class _Strokes:
    strokes: tuple[Any, ...]  # ScoredStroke or report.json stroke dicts


@dataclass(frozen=True)
class _Finish:
    report: dict[str, Any]
    report_dir: Path
    done: "Future[int | None]"


@dataclass(frozen=True)
class _Stop:
    pass


_Message = Union[_Begin, _Strokes, _Finish, _Stop]


class LiveHistory:
    """The live worker's handle on the history (a no-op when ``enabled`` is False: --no-history).

    Call ``begin`` when a session (a pipeline) starts, ``add`` with each frame's new scored strokes,
    ``finish`` when the report is saved, ``close`` when the worker ends. Only ``finish`` waits (for
    the session's id, so the report can link its history page).
    """

    def __init__(self, enabled: bool = True, path: Path | None = None) -> None:
        self.enabled = enabled
        self._path = path
        self._queue: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.suspended_reason: str | None = None
        self.session_id: int | None = None  # written by the writer thread

    # ---- called from the live worker

    def begin(
        self,
        technique: "Technique | None",
        profile: "Profile | None",
        source: str,
        source_path: Path | None = None,
    ) -> None:
        """A new session (the previous one, if it was never finished, is kept and marked incomplete)."""
        if not self.enabled:
            return
        start = SessionStart(
            started_at=now_iso(),
            kind="live",
            technique=technique.name if technique is not None else None,
            technique_title=technique.title if technique is not None else None,
            profile=profile.name if profile is not None else None,
            source=source,
        )
        self._ensure_thread()
        self._queue.put(_Begin(start, source_path))

    def add(self, strokes: Sequence["ScoredStroke"] | Sequence[dict[str, Any]]) -> None:
        """Strokes just scored: queued, never waited for (the live thread's whole cost is a put)."""
        if self.enabled and strokes and self._thread is not None:
            self._queue.put(_Strokes(tuple(strokes)))

    def finish(self, report: dict[str, Any], report_dir: Path) -> int | None:
        """Store the saved report's summary and strokes; sets ``report["history_id"]`` when stored."""
        if not self.enabled or self._thread is None:
            return None
        done: Future[int | None] = Future()
        self._queue.put(_Finish(report, Path(report_dir), done))
        try:
            session_id = done.result(timeout=FINISH_WAIT_S)
        except Exception:
            logger.warning("History: the session summary was not stored in time; it is kept as incomplete.")
            return None
        if session_id is not None:
            report["history_id"] = session_id
        return session_id

    def close(self) -> None:
        """End the writer: a session never finished stays, marked incomplete."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_Stop())
        thread.join(CLOSE_WAIT_S)
        if thread.is_alive():
            logger.warning("History: the writer is still busy after %.0f s; its session will be marked incomplete next time.", CLOSE_WAIT_S)
        self._thread = None

    # ---- the writer thread

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="coach-history", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        writer = _Writer(self)
        try:
            while True:
                message = self._queue.get()
                if isinstance(message, _Stop):
                    writer.end_session()
                    return
                try:
                    writer.handle(message)
                except Exception:  # a bug here must not end coaching; it is logged with its traceback
                    logger.exception("history writer failed; history writing is suspended for this session")
                    self.suspended_reason = "internal error"
                    if isinstance(message, _Finish) and not message.done.done():
                        message.done.set_result(None)
        finally:
            writer.close()


class _Writer:
    """The writer thread's state: its own connection, the session being written, the next stroke."""

    def __init__(self, owner: LiveHistory) -> None:
        self._owner = owner
        self._store: HistoryStore | None = None
        self._start: SessionStart | None = None
        self._source_path: Path | None = None
        self._session_id: int | None = None
        self._finished = False

    def handle(self, message: _Message) -> None:
        if isinstance(message, _Finish):
            message.done.set_result(self._guarded(lambda: self._finish(message)))
        elif isinstance(message, _Begin):
            self.end_session()
            self._start, self._source_path = message.start, message.source_path
            self._session_id, self._finished = None, False
            # Opened (created, migrated) now, so the first stroke and the final summary, which
            # closing the window waits for, cost one transaction each.
            self._guarded(self._open)
        elif isinstance(message, _Strokes):
            self._guarded(lambda: self._add(message.strokes))
        else:
            raise TypeError(f"unknown history message {message!r}")

    def _guarded(self, work: Any) -> Any:
        """Run one database step; the first failure suspends writing (one warning), coaching goes on."""
        if self._owner.suspended_reason is not None:
            return None
        try:
            return work()
        except (HistoryError, sqlite3.Error, OSError) as error:
            if is_disk_full(error):
                reason = "the disk is full"
            else:
                reason = str(error)
            self._owner.suspended_reason = reason
            logger.warning(
                "History writing is suspended for this session (%s); coaching and the report go on.", reason
            )
            return None

    def _open(self) -> HistoryStore:
        if self._store is None:
            # Checked (and repaired) before the window opened (run_live); not again on every session.
            self._store = HistoryStore.open(self._owner._path, durable=True, check=False)
        return self._store

    def _session(self) -> int:
        if self._session_id is None:
            assert self._start is not None, "strokes before begin()"
            start = self._start
            if self._source_path is not None:
                start = replace(start, source_hash=file_sha256(self._source_path))
            self._session_id = self._open().start_session(start)
            self._owner.session_id = self._session_id
        return self._session_id

    def _add(self, strokes: tuple[Any, ...]) -> None:
        from coach.report.json_report import stroke_to_dict

        session_id = self._session()
        store = self._open()
        for stroke in strokes:
            store.add_stroke(session_id, stroke if isinstance(stroke, dict) else stroke_to_dict(stroke))

    def _finish(self, message: _Finish) -> int:
        session_id = self._session()
        self._open().finish_session(session_id, message.report, message.report_dir)
        self._finished = True
        return session_id

    def end_session(self) -> None:
        """The session ends without (further) report: if it was never finished, it is incomplete."""
        if self._session_id is not None and not self._finished:
            session_id = self._session_id
            self._guarded(lambda: self._open().mark_incomplete(session_id))
        self._session_id = None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
