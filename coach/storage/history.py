"""Session history: every live or replayed session kept in one SQLite file, so progress can be seen.

The file is ``user_data_dir()/history.sqlite3`` (``COACH_DATA_DIR`` moves it; ``coach history
--path`` prints it). It holds landmark-derived figures only (scores, speeds, paths in face units),
never an image.

Why SQLite, and how it is used:

- **WAL journal and a busy timeout**, so a replay can store its session while the live window is
  writing strokes: readers never block writers, and a writer waits (up to ``BUSY_TIMEOUT_S``) for
  the other's short transaction instead of failing.
- **Short transactions**: a live stroke is one transaction (``add_stroke``); a replay's whole
  session is one (``record_session``). ``BEGIN IMMEDIATE`` takes the write lock at the start, so
  two writers queue instead of deadlocking on a lock upgrade.
- **Durable commits** (``synchronous=FULL``) for the live writer: a crash or a power cut loses at
  most the stroke being written. A session left ``open`` by a process that died is marked
  ``incomplete`` (kept, with its strokes) the next time the history is opened.
- **A versioned schema** (``PRAGMA user_version``): migrations run in order, each in one
  transaction; a file from a newer coach is refused with its version and the fix, never guessed at.
- **A damaged file** is moved aside with a timestamp (nothing deleted) and a new one is started.

Strokes are stored generically: the whole report.json stroke dict as JSON (``data``), plus typed
columns for the fields that are queried. Reading report dicts rather than ``Stroke`` attributes
keeps this file independent of the stroke engine's internals.

Schema versions:

1. sessions (start, technique, profile, source, duration, tracking quality, overall score,
   completion, partial, state, report folder, writer) and strokes (typed columns + JSON).
2. adds the session's kind (live, replay, import), the source file's SHA-256 (so repeated replays
   of one clip can be grouped), the technique's title and a last-write time; strokes gain
   ``confidence``, ``reported_s`` (filled from their JSON) and ``stroke_key`` (a stroke reported
   again as it grows replaces its earlier row); indexes for listing by date and technique.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import os
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coach.outputs import process_alive
from coach.errors import CoachError
from coach.paths import user_data_dir

logger = logging.getLogger(__name__)

HISTORY_FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 10.0
EXPORT_FORMAT = "coach-history"
STALE_FOREIGN_WRITER_S = 6 * 3600.0
"""A session left open by a process on another machine (a shared folder) counts as abandoned after this."""
SESSION_STATES = ("open", "complete", "incomplete")
SMALL_SELECTION = 500
"""Up to this many sessions, per-session stroke queries name them (using the index) instead of scanning."""
SESSION_KINDS = ("live", "replay", "import")

# SQLite's primary result codes (sqlite3.h) that say the file itself is damaged or not a database.
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26


class HistoryError(CoachError):
    """The history database cannot be used; the message says why and what to do."""


class HistoryVersionError(HistoryError):
    """The database was written by a newer coach (a schema version this one does not know)."""


def history_path() -> Path:
    """Where the history database lives (in the user data directory, beside the profiles)."""
    return user_data_dir() / HISTORY_FILE_NAME


def now_iso() -> str:
    """The current time as stored in the database: ISO 8601 in UTC, so text order is time order."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def file_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str | None:
    """The SHA-256 of a source file (None when it cannot be read): groups replays of one clip."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(chunk_bytes):
                digest.update(chunk)
    except OSError as error:
        logger.info("cannot hash %s for the history: %s", path, error)
        return None
    return digest.hexdigest()


def is_disk_full(error: BaseException) -> bool:
    """True for 'database or disk is full' (SQLite) and ENOSPC (the OS)."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == _SQLITE_FULL) or "disk is full" in str(error).lower()
    return isinstance(error, OSError) and error.errno == 28


def _is_damaged(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(error).lower()
    return "not a database" in text or "malformed" in text


# ----------------------------------------------------------------------------------------------
# The schema and its migrations. Each entry takes the file from version N to N + 1; they are kept
# (never edited) so that any older file can be brought up to date step by step.

_SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        technique TEXT,
        profile TEXT,
        source TEXT,
        duration_s REAL,
        face_found_ratio REAL,
        hands_found_ratio REAL,
        overall_score REAL,
        completion REAL,
        partial INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'complete', 'incomplete')),
        report_dir TEXT,
        writer_pid INTEGER,
        writer_host TEXT
    )""",
    """CREATE TABLE strokes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start_s REAL,
        end_s REAL,
        hand TEXT,
        region TEXT,
        pattern TEXT,
        direction TEXT,
        speed_fu_s REAL,
        rate_hz REAL,
        count INTEGER,
        step INTEGER,
        score REAL,
        counted INTEGER,
        corrections TEXT NOT NULL DEFAULT '[]',
        data TEXT NOT NULL
    )""",
    "CREATE INDEX strokes_by_session ON strokes(session_id, seq)",
)

_V1_TO_V2: tuple[str, ...] = (
    "ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'replay'",
    "ALTER TABLE sessions ADD COLUMN source_hash TEXT",
    "ALTER TABLE sessions ADD COLUMN technique_title TEXT",
    "ALTER TABLE sessions ADD COLUMN updated_at TEXT",
    "UPDATE sessions SET kind = 'live' WHERE source LIKE 'camera %'",
    "UPDATE sessions SET updated_at = started_at",
    "ALTER TABLE strokes ADD COLUMN confidence REAL",
    "ALTER TABLE strokes ADD COLUMN reported_s REAL",
    "ALTER TABLE strokes ADD COLUMN stroke_key TEXT",
    """UPDATE strokes SET
        confidence = CASE WHEN json_valid(data) THEN json_extract(data, '$.confidence') END,
        reported_s = CASE WHEN json_valid(data) THEN json_extract(data, '$.reported_s') END""",
    "CREATE INDEX sessions_by_start ON sessions(started_at, id)",
    "CREATE INDEX sessions_by_technique ON sessions(technique, started_at)",
    "CREATE INDEX sessions_by_source_hash ON sessions(source_hash)",
    "CREATE INDEX sessions_by_state ON sessions(state)",
    "CREATE UNIQUE INDEX strokes_by_key ON strokes(session_id, stroke_key) WHERE stroke_key IS NOT NULL",
)

MIGRATIONS: dict[int, tuple[str, ...]] = {0: _SCHEMA_V1, 1: _V1_TO_V2}
"""from version → the statements that bring a file to the next version."""


# ----------------------------------------------------------------------------------------------
# What is stored


@dataclass(frozen=True)
class SessionStart:
    """What is known when a session begins (before any stroke)."""

    started_at: str  # now_iso()
    kind: str  # one of SESSION_KINDS
    technique: str | None = None
    technique_title: str | None = None
    profile: str | None = None
    source: str | None = None
    source_hash: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    """One row of the history, as the CLI, the page and the export show it."""

    id: int
    started_at: str
    kind: str
    technique: str | None
    technique_title: str | None
    profile: str | None
    source: str | None
    source_hash: str | None
    duration_s: float | None
    face_found_ratio: float | None
    hands_found_ratio: float | None
    overall_score: float | None
    completion: float | None
    partial: bool
    state: str
    report_dir: str | None

    @property
    def started_local(self) -> datetime:
        """The start in the computer's time zone (practice days are the user's days)."""
        return datetime.fromisoformat(self.started_at).astimezone()


SESSION_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(SessionRecord))
_PARTIAL_INDEX = SESSION_COLUMNS.index("partial")
STROKE_COLUMNS: tuple[str, ...] = (
    "start_s", "end_s", "hand", "region", "pattern", "direction", "speed_fu_s", "rate_hz", "count",
    "step", "score", "counted", "corrections", "confidence", "reported_s",
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    return int(value) if isinstance(value, int) else None


def report_completion(report: Mapping[str, Any]) -> float | None:
    """How much of the routine was done, 0–1: report["completion"] when present, else computed
    from the steps the same way the session summary does (mean of each step's done/wanted)."""
    given = _number(report.get("completion"))
    if given is not None:
        return given
    steps = report.get("steps") or []
    parts: list[float] = []
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        seconds_wanted = _number(step.get("seconds_wanted"))
        reps_wanted = _number(step.get("reps_wanted"))
        if seconds_wanted:
            parts.append(min(1.0, (_number(step.get("seconds_done")) or 0.0) / seconds_wanted))
        elif reps_wanted:
            parts.append(min(1.0, (_number(step.get("reps_done")) or 0.0) / reps_wanted))
        else:
            parts.append(1.0)
    return round(sum(parts) / len(parts), 3) if parts else None


def _stroke_row(stroke: Mapping[str, Any]) -> tuple[Any, ...]:
    corrections = stroke.get("feedback", stroke.get("corrections", []))
    if not isinstance(corrections, list):
        corrections = []
    return (
        _number(stroke.get("start_s")),
        _number(stroke.get("end_s")),
        _text(stroke.get("hand")),
        _text(stroke.get("region")),
        _text(stroke.get("pattern")),
        _text(stroke.get("direction")),
        _number(stroke.get("speed_fu_s")),
        _number(stroke.get("rate_hz")),
        _integer(stroke.get("count")),
        _integer(stroke.get("step")),
        _number(stroke.get("score")),
        _integer(stroke.get("counted")),
        json.dumps([str(phrase) for phrase in corrections]),
        _number(stroke.get("confidence")),
        _number(stroke.get("reported_s")),
    )


def _stroke_key(stroke: Mapping[str, Any]) -> str | None:
    key = stroke.get("stroke_id")
    return None if key is None else str(key)


# ----------------------------------------------------------------------------------------------
# Opening


def _move_aside(path: Path, why: str) -> Path:
    """Rename a damaged database (and its WAL/SHM companions) with a timestamp; nothing is deleted."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.damaged-{stamp}-{counter}")
        counter += 1
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    logger.warning(
        "The history database %s was damaged (%s): moved it aside to %s and started a new one.", path, why, target
    )
    return target


class HistoryStore:
    """One connection to the history database. Use from the thread that opened it.

    ``HistoryStore.open()`` creates, migrates or repairs the file as needed; every write is a short
    transaction of its own.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, durable: bool = False) -> None:
        self._connection = connection
        self.path = path
        self._durable = durable

    # ---- opening and closing

    @classmethod
    def open(cls, path: Path | None = None, durable: bool = False, check: bool = True) -> "HistoryStore":
        """Open (creating or migrating) the database at ``path`` (default: ``history_path()``).

        ``durable`` makes every commit reach the disk before it returns (the live writer's choice).
        ``check`` runs SQLite's quick integrity check, so a damaged file is found (and moved aside)
        here rather than halfway through a write. Raises HistoryVersionError for a newer file and
        HistoryError when the folder cannot be written.
        """
        target = Path(path) if path is not None else history_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(
                f"Cannot create the history folder {target.parent}: {error.strerror or error}. "
                "Set COACH_DATA_DIR to a writable folder, or add --no-history."
            ) from None
        for attempt in range(2):
            connection: sqlite3.Connection | None = None
            try:
                connection = cls._connect(target)
                store = cls(connection, target, durable)
                store._prepare(check)
                return store
            except sqlite3.Error as error:
                if connection is not None:
                    connection.close()
                if _is_damaged(error) and attempt == 0 and target.exists():
                    _move_aside(target, str(error))
                    continue
                if is_disk_full(error):
                    raise HistoryError(f"The disk holding {target} is full; free some space (or add --no-history).") from None
                raise HistoryError(f"Cannot use the history database {target}: {error}. Add --no-history to go without.") from None
            except BaseException:
                if connection is not None:
                    connection.close()
                raise
        raise HistoryError(f"Cannot open the history database {target}")  # pragma: no cover (loop returns or raises)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # Autocommit mode (isolation_level=None): transactions are explicit and short.
        connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _prepare(self, check: bool) -> None:
        connection = self._connection
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryVersionError(
                f"The history database {self.path} is schema version {version}, newer than this coach understands "
                f"(up to {SCHEMA_VERSION}). Update coach, or move the file away (or set COACH_DATA_DIR) to start a "
                "new history; add --no-history to go without."
            )
        if check:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"database disk image is malformed ({'; '.join(problems)})")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            logger.info("history database %s: journal mode %s (WAL not available here)", self.path, mode)
        connection.execute(f"PRAGMA synchronous = {'FULL' if self._durable else 'NORMAL'}")
        if version < SCHEMA_VERSION:
            self._migrate()
        self.close_abandoned_sessions()

    def _migrate(self) -> None:
        with self.transaction() as connection:
            # Another process may have migrated between our look and our lock: read it again.
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            start = version
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                version += 1
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if start > 0 and start < SCHEMA_VERSION:
            logger.info("history database %s: migrated from schema version %d to %d", self.path, start, SCHEMA_VERSION)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._connection.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on any error): the write lock is taken at once."""
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    # ---- writing

    def start_session(self, start: SessionStart) -> int:
        """A live session's row, state 'open' until it is finished (or found abandoned)."""
        with self.transaction() as connection:
            return self._insert_session(connection, start, state="open")

    def _insert_session(self, connection: sqlite3.Connection, start: SessionStart, state: str) -> int:
        cursor = connection.execute(
            "INSERT INTO sessions (started_at, kind, technique, technique_title, profile, source, source_hash, "
            "state, writer_pid, writer_host, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                start.started_at, start.kind, start.technique, start.technique_title, start.profile, start.source,
                start.source_hash, state, os.getpid(), socket.gethostname(), now_iso(),
            ),
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def add_stroke(self, session_id: int, stroke: Mapping[str, Any]) -> None:
        """One scored stroke (report.json's stroke dict), in its own transaction.

        A stroke carrying a ``stroke_id`` replaces the row stored earlier under that id (a run of
        circles reported again as it grows).
        """
        with self.transaction() as connection:
            self._insert_strokes(connection, session_id, [stroke])
            connection.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now_iso(), session_id))

    def _insert_strokes(self, connection: sqlite3.Connection, session_id: int, strokes: Iterable[Mapping[str, Any]]) -> None:
        next_seq = int(
            connection.execute("SELECT coalesce(max(seq), -1) + 1 FROM strokes WHERE session_id = ?", (session_id,)).fetchone()[0]
        )
        rows = []
        for stroke in strokes:
            key = _stroke_key(stroke)
            if key is not None and stroke.get("withdrawn"):
                # The engine took this stroke back (it was the start of a run): forget it.
                connection.execute("DELETE FROM strokes WHERE session_id = ? AND stroke_key = ?", (session_id, key))
                continue
            seq = next_seq
            if key is not None:
                previous = connection.execute(
                    "SELECT seq FROM strokes WHERE session_id = ? AND stroke_key = ?", (session_id, key)
                ).fetchone()
                if previous is not None:
                    seq = int(previous[0])
                    connection.execute("DELETE FROM strokes WHERE session_id = ? AND stroke_key = ?", (session_id, key))
            if seq == next_seq:
                next_seq += 1
            rows.append((session_id, seq, key, *_stroke_row(stroke), json.dumps(dict(stroke), separators=(",", ":"))))
        connection.executemany(
            f"INSERT INTO strokes (session_id, seq, stroke_key, {', '.join(STROKE_COLUMNS)}, data) "
            f"VALUES (?, ?, ?, {', '.join('?' for _ in STROKE_COLUMNS)}, ?)",
            rows,
        )

    def finish_session(self, session_id: int, report: Mapping[str, Any], report_dir: Path | str | None) -> None:
        """Store the session's summary and its final strokes (replacing those written one by one)."""
        with self.transaction() as connection:
            self._write_summary(connection, session_id, report, report_dir, state="complete")
            connection.execute("DELETE FROM strokes WHERE session_id = ?", (session_id,))
            self._insert_strokes(connection, session_id, _report_strokes(report))

    def record_session(self, start: SessionStart, report: Mapping[str, Any], report_dir: Path | str | None) -> int:
        """A whole session at once (replay, import): one transaction, so it is stored entirely or not at all."""
        with self.transaction() as connection:
            session_id = self._insert_session(connection, start, state="complete")
            self._write_summary(connection, session_id, report, report_dir, state="complete")
            self._insert_strokes(connection, session_id, _report_strokes(report))
        return session_id

    def _write_summary(
        self, connection: sqlite3.Connection, session_id: int, report: Mapping[str, Any], report_dir: Path | str | None, state: str
    ) -> None:
        connection.execute(
            "UPDATE sessions SET duration_s = ?, face_found_ratio = ?, hands_found_ratio = ?, overall_score = ?, "
            "completion = ?, partial = ?, state = ?, report_dir = ?, updated_at = ?, "
            "technique = coalesce(?, technique), technique_title = coalesce(?, technique_title), "
            "profile = coalesce(?, profile) WHERE id = ?",
            (
                _number(report.get("duration_s")),
                _number(report.get("face_found_ratio")),
                _number(report.get("hands_found_ratio")),
                _number(report.get("overall_score")),
                report_completion(report),
                int(bool(report.get("partial"))),
                state,
                None if report_dir is None else str(Path(report_dir).resolve()),
                now_iso(),
                _text(report.get("technique")),
                _text(report.get("technique_title")),
                _text(report.get("profile")),
                session_id,
            ),
        )

    def mark_incomplete(self, session_id: int) -> None:
        """A session that ended without its report (restarted, or its writer stopped): kept, marked."""
        with self.transaction() as connection:
            self._mark_incomplete(connection, [session_id])

    @staticmethod
    def _mark_incomplete(connection: sqlite3.Connection, session_ids: Sequence[int]) -> None:
        for session_id in session_ids:
            # Its duration is what its strokes cover, as far as they were written.
            connection.execute(
                "UPDATE sessions SET state = 'incomplete', partial = 1, duration_s = coalesce(duration_s, "
                "(SELECT max(end_s) - min(start_s) FROM strokes WHERE session_id = sessions.id)) "
                "WHERE id = ? AND state = 'open'",
                (session_id,),
            )

    def close_abandoned_sessions(self) -> list[int]:
        """Mark 'incomplete' every open session whose writer is gone (crash, power cut, kill).

        A session still being written by a running process (the live window while a replay starts)
        is left alone: same machine, process alive. Returns the ids marked.
        """
        rows = self._connection.execute(
            "SELECT id, writer_pid, writer_host, updated_at FROM sessions WHERE state = 'open'"
        ).fetchall()
        if not rows:
            return []
        host = socket.gethostname()
        now = datetime.now(timezone.utc)
        abandoned: list[int] = []
        for session_id, pid, writer_host, updated_at in rows:
            if writer_host == host:
                if pid is None or not process_alive(int(pid)):
                    abandoned.append(int(session_id))
            else:
                try:
                    age_s = (now - datetime.fromisoformat(updated_at)).total_seconds()
                except (TypeError, ValueError):
                    age_s = math.inf
                if age_s > STALE_FOREIGN_WRITER_S:
                    abandoned.append(int(session_id))
        if abandoned:
            with self.transaction() as connection:
                self._mark_incomplete(connection, abandoned)
            logger.warning(
                "History: %d session%s interrupted before the end (kept, marked incomplete): %s",
                len(abandoned), "s were" if len(abandoned) != 1 else " was", ", ".join(map(str, abandoned)),
            )
        return abandoned

    def delete_session(self, session_id: int) -> bool:
        """Delete a session and its strokes; False when there is no such session."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM strokes WHERE session_id = ?", (session_id,))
            deleted = connection.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
        return deleted > 0

    def has_report_dir(self, report_dir: Path) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM sessions WHERE report_dir = ? LIMIT 1", (str(Path(report_dir).resolve()),)
        ).fetchone()
        return row is not None

    # ---- reading

    def sessions(self, technique: str | None = None, last: int | None = None) -> list[SessionRecord]:
        """Sessions in time order (oldest first); ``last`` keeps the most recent N."""
        parameters: list[Any] = [technique] if technique else []
        where = "WHERE technique = ?" if technique else ""
        query = f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions {where} ORDER BY started_at DESC, id DESC"
        if last is not None:
            query += " LIMIT ?"
            parameters.append(int(last))
        rows = self._connection.execute(query, parameters).fetchall()
        return [self._record(row) for row in reversed(rows)]

    @staticmethod
    def _record(row: Sequence[Any]) -> SessionRecord:
        # Positional (the columns are selected in field order): listing 10,000 sessions stays quick.
        values = list(row)
        values[_PARTIAL_INDEX] = bool(values[_PARTIAL_INDEX])
        return SessionRecord(*values)  # type: ignore[call-arg]  # one value per field, in order

    def start_times(self, technique: str | None = None) -> Iterator[str]:
        """Session start times, newest first, read lazily (a streak needs only the recent ones)."""
        where, parameters = ("WHERE technique = ?", (technique,)) if technique else ("", ())
        for (started_at,) in self._connection.execute(f"SELECT started_at FROM sessions {where} ORDER BY started_at DESC", parameters):
            yield started_at

    def session(self, session_id: int) -> SessionRecord | None:
        row = self._connection.execute(
            f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return None if row is None else self._record(row)

    def count_sessions(self) -> int:
        return int(self._connection.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def strokes(self, session_id: int) -> list[dict[str, Any]]:
        """The session's strokes as they were given (report.json's stroke dicts), in order."""
        rows = self._connection.execute(
            "SELECT data FROM strokes WHERE session_id = ? ORDER BY seq", (session_id,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    @staticmethod
    def _only(session_ids: Sequence[int] | None) -> tuple[str, tuple[int, ...]]:
        """A WHERE clause for a few sessions (the live panel's one), so it reads only their strokes."""
        if session_ids is None or len(session_ids) > SMALL_SELECTION:
            return "", ()
        return f"WHERE strokes.session_id IN ({', '.join('?' for _ in session_ids)})", tuple(int(i) for i in session_ids)

    def stroke_counts(self, session_ids: Sequence[int] | None = None) -> dict[int, int]:
        where, parameters = self._only(session_ids)
        rows = self._connection.execute(
            f"SELECT session_id, count(*) FROM strokes {where} GROUP BY session_id", parameters
        ).fetchall()
        wanted = None if session_ids is None else set(session_ids)
        return {int(sid): int(n) for sid, n in rows if wanted is None or sid in wanted}

    def corrections(self, session_ids: Sequence[int] | None = None) -> dict[int, Counter[str]]:
        """Per session, how many strokes got each correction phrase (every session asked for is there)."""
        where, parameters = self._only(session_ids)
        rows = self._connection.execute(
            "SELECT strokes.session_id, phrase.value, count(*) FROM strokes, json_each(strokes.corrections) AS phrase "
            f"{where} GROUP BY strokes.session_id, phrase.value",
            parameters,
        ).fetchall()
        wanted = None if session_ids is None else set(session_ids)
        result: dict[int, Counter[str]] = {session_id: Counter() for session_id in wanted or ()}
        for session_id, phrase, count in rows:
            if wanted is None or session_id in wanted:
                result.setdefault(int(session_id), Counter())[str(phrase)] = int(count)
        return result

    def techniques(self) -> list[str]:
        rows = self._connection.execute(
            "SELECT DISTINCT technique FROM sessions WHERE technique IS NOT NULL ORDER BY technique"
        ).fetchall()
        return [str(row[0]) for row in rows]


def _report_strokes(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    strokes = report.get("strokes") or []
    return [stroke for stroke in strokes if isinstance(stroke, Mapping)]


# ----------------------------------------------------------------------------------------------
# Replay, import and export: whole sessions at once


def ensure_history_usable(path: Path | None = None) -> bool:
    """Open (create, migrate, repair) the database once, before a session starts.

    A file from a newer coach is refused at once (HistoryVersionError, exit 2) rather than after a
    long replay. A history that cannot be written now (a full disk, a read-only folder) is one
    warning and False: the session goes on without it.
    """
    try:
        with HistoryStore.open(path, check=True):
            return True
    except HistoryVersionError:
        raise
    except (HistoryError, sqlite3.Error, OSError) as error:
        what = "the disk is full" if is_disk_full(error) else str(error)
        logger.warning("History: this session will not be stored (%s); coaching and the report go on.", what)
        return False


def record_replay(
    report: dict[str, Any], report_dir: Path, source: Path | None, started_at: str, path: Path | None = None
) -> int | None:
    """Store a finished replay (one transaction) and note its id in ``report["history_id"]``.

    History is secondary to the report: a full disk or an unusable database is one warning and
    None, never a failed replay.
    """
    start = SessionStart(
        started_at=started_at,
        kind="replay",
        technique=_text(report.get("technique")),
        technique_title=_text(report.get("technique_title")),
        profile=_text(report.get("profile")),
        source=str(source) if source is not None else _text(report.get("source")),
        source_hash=file_sha256(source) if source is not None else None,
    )
    try:
        with HistoryStore.open(path, check=False) as store:  # checked when the replay began
            session_id = store.record_session(start, report, report_dir)
    except (HistoryError, sqlite3.Error, OSError) as error:
        if isinstance(error, HistoryVersionError):
            raise
        what = "the disk is full" if is_disk_full(error) else str(error)
        logger.warning("History: this session was not stored (%s); the report is written as usual.", what)
        return None
    report["history_id"] = session_id
    return session_id


@dataclass
class ImportResult:
    imported: list[int]
    already: list[Path]
    problems: list[str]


def _report_start(report_json: Path, report: Mapping[str, Any]) -> str:
    """When an old session started: from a live folder's name (live-YYYYMMDD-HHMMSS), else the
    report file's modification time less the session's duration."""
    name = report_json.parent.name
    if name.startswith("live-"):
        try:
            return datetime.strptime(name[5:], "%Y%m%d-%H%M%S").astimezone(timezone.utc).isoformat(timespec="seconds")
        except ValueError:
            pass
    modified = report_json.stat().st_mtime - (_number(report.get("duration_s")) or 0.0)
    return datetime.fromtimestamp(modified, timezone.utc).isoformat(timespec="seconds")


def import_report_folders(folder: Path, path: Path | None = None) -> ImportResult:
    """Add report folders made before the history existed: every report.json under ``folder``.

    Folders already in the history are skipped, so importing twice adds nothing. A file that is not
    a coach report is named in ``problems`` and skipped; the others are imported.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise CoachError(f"{folder}: not a folder. Give the folder holding report.json (or folders of them).")
    found = sorted(folder.rglob("report.json"))
    if not found:
        raise CoachError(f"{folder}: no report.json found in it or below. Point --import at a report folder.")
    result = ImportResult([], [], [])
    with HistoryStore.open(path) as store:
        for report_json in found:
            try:
                report = json.loads(report_json.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                result.problems.append(f"{report_json}: cannot be read as JSON ({error})")
                continue
            if not isinstance(report, dict) or report.get("format") != "coach-report":
                result.problems.append(f"{report_json}: not a coach report (format is not 'coach-report')")
                continue
            version = report.get("version")
            if not isinstance(version, int) or version > 1:
                result.problems.append(f"{report_json}: report version {version!r} is newer than this coach reads (1)")
                continue
            if store.has_report_dir(report_json.parent):
                result.already.append(report_json.parent)
                continue
            source = _text(report.get("source"))
            start = SessionStart(
                started_at=_report_start(report_json, report),
                kind="import",
                technique=_text(report.get("technique")),
                technique_title=_text(report.get("technique_title")),
                profile=_text(report.get("profile")),
                source=source,
                source_hash=file_sha256(Path(source)) if source and Path(source).is_file() else None,
            )
            result.imported.append(store.record_session(start, report, report_json.parent))
    return result


def export_rows(records: Sequence[SessionRecord], stroke_counts: Mapping[int, int]) -> list[dict[str, Any]]:
    return [{**asdict(record), "strokes": stroke_counts.get(record.id, 0)} for record in records]


def export_history(store: HistoryStore, fmt: str, out_path: Path, technique: str | None = None) -> int:
    """Write the sessions to ``out_path`` (csv: one row per session; json: sessions with all their
    strokes), atomically. Returns how many sessions were written."""
    from coach.storage.profiles import write_text_atomically

    records = store.sessions(technique=technique)
    if fmt == "csv":
        counts = store.stroke_counts()
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=[*SESSION_COLUMNS, "strokes"], lineterminator="\n")
        writer.writeheader()
        for row in export_rows(records, counts):
            writer.writerow({key: "" if value is None else value for key, value in row.items()})
        text = buffer.getvalue()
    elif fmt == "json":
        sessions = [{**asdict(record), "strokes": store.strokes(record.id)} for record in records]
        text = json.dumps(
            {"format": EXPORT_FORMAT, "version": SCHEMA_VERSION, "exported_at": now_iso(), "sessions": sessions},
            indent=1,
        ) + "\n"
    else:
        raise CoachError(f"Unknown export format {fmt!r}: use csv or json.")
    try:
        write_text_atomically(Path(out_path), text)
    except OSError as error:
        raise CoachError(f"Cannot write {out_path}: {error.strerror or error}. Choose another file with -o.") from None
    return len(records)
