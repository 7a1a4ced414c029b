"""Session history in SQLite: real database files in temp folders, real replays of the bundled demo
recording through the real pipeline, real child processes (killed, or writing at the same time),
a real full filesystem when mounting is allowed, and the history page in headless Chromium.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from coach.cli import main as coach_main
from coach.recording import RecordingWriter, read_recording
from coach.storage.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryStore,
    HistoryVersionError,
    SessionStart,
    history_path,
    record_replay,
    report_completion,
)
from coach.storage.history_writer import LiveHistory

REPO_DIR = Path(__file__).resolve().parents[1]
DEMO = REPO_DIR / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
DEMO_TECHNIQUE = "lymphatic_drainage"


def _trimmed_demo(path: Path, seconds: float) -> Path:
    """The first seconds of the bundled demo recording (real tracked landmarks, short to replay)."""
    if not DEMO.is_file():
        pytest.skip(f"demo recording not found at {DEMO}")
    reader = read_recording(DEMO)
    with RecordingWriter(path, reader.header.width, reader.header.height, reader.header.fps) as writer:
        for tracked in reader:
            if tracked.timestamp_s > seconds:
                break
            writer.write(tracked)
    reader.close()
    return path


@pytest.fixture(scope="module")
def demo_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """36 s: glides scored well, and a few off the target with corrections."""
    return _trimmed_demo(tmp_path_factory.mktemp("clip") / "demo_36s.jsonl.gz", 36.0)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _trimmed_demo(tmp_path_factory.mktemp("clip") / "demo_6s.jsonl.gz", 6.0)


@pytest.fixture(scope="module")
def demo_report(demo_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real report: 20 s of the demo through the real pipeline, scored against its technique."""
    from coach.replay import run_replay
    from coach.technique import find_technique

    out = tmp_path_factory.mktemp("report")
    run_replay(demo_clip, out, technique=find_technique(DEMO_TECHNIQUE), write_video=False, write_html=False, history=False)
    report = json.loads((out / "report.json").read_text())
    assert len(report["strokes"]) >= 5 and report["overall_score"] is not None
    assert any(stroke["feedback"] for stroke in report["strokes"])
    return report


def _store_sessions(store: HistoryStore, report: dict[str, Any], starts: list[datetime], technique: str = DEMO_TECHNIQUE) -> list[int]:
    ids = []
    for index, started in enumerate(starts):
        ids.append(store.record_session(
            SessionStart(started.isoformat(timespec="seconds"), "replay", technique, None, None, f"/clips/{index}.mp4", f"hash{index % 2}"),
            report, f"/reports/{index}",
        ))
    return ids


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = coach_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------------------------------------------
# Store, reload, migrate


def test_store_and_reload_keeps_every_stroke_field(demo_report: dict[str, Any], tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    with HistoryStore.open(database) as store:
        session_id = store.record_session(
            SessionStart("2026-01-05T08:30:00+00:00", "replay", DEMO_TECHNIQUE, "Lymphatic drainage", None, "demo.jsonl.gz", "abc"),
            demo_report, tmp_path / "report",
        )
    with HistoryStore.open(database) as store:  # a new connection: what is on disk
        record = store.session(session_id)
        assert record is not None
        assert record.state == "complete" and record.kind == "replay" and record.partial is False
        assert record.duration_s == pytest.approx(demo_report["duration_s"])
        assert record.overall_score == pytest.approx(demo_report["overall_score"])
        assert record.face_found_ratio == pytest.approx(demo_report["face_found_ratio"])
        assert record.hands_found_ratio == pytest.approx(demo_report["hands_found_ratio"])
        assert record.completion == pytest.approx(report_completion(demo_report))
        assert record.report_dir == str((tmp_path / "report").resolve())
        assert record.source_hash == "abc" and record.technique_title == "Lymphatic drainage"
        # Every field of every stroke comes back exactly as report.json gave it.
        assert store.strokes(session_id) == demo_report["strokes"]
        expected = Counter(phrase for stroke in demo_report["strokes"] for phrase in stroke["feedback"])
        assert store.corrections([session_id])[session_id] == expected
    # The typed columns answer queries without parsing JSON.
    with sqlite3.connect(database) as raw:
        rows = raw.execute("SELECT region, pattern, count(*) FROM strokes GROUP BY region, pattern").fetchall()
        scores = [row[0] for row in raw.execute("SELECT score FROM strokes ORDER BY seq")]
    assert Counter({(r, p): n for r, p, n in rows}) == Counter((s["region"], s["pattern"]) for s in demo_report["strokes"])
    assert scores == [stroke["score"] for stroke in demo_report["strokes"]]


def test_completion_is_the_mean_of_each_steps_done_share() -> None:
    report = {"steps": [
        {"reps_done": 3, "reps_wanted": 6, "seconds_done": None, "seconds_wanted": None},
        {"reps_done": 9, "reps_wanted": 6, "seconds_done": None, "seconds_wanted": None},  # capped at 1
        {"reps_done": None, "reps_wanted": None, "seconds_done": 5.0, "seconds_wanted": 20.0},
    ]}
    assert report_completion(report) == pytest.approx((0.5 + 1.0 + 0.25) / 3, abs=1e-3)
    assert report_completion({"steps": []}) is None
    assert report_completion({"completion": 0.7, "steps": report["steps"]}) == 0.7


def _build_version_1(path: Path, stroke: dict[str, Any]) -> None:
    """A file exactly as the first schema made it, with a live session and a replay."""
    with sqlite3.connect(path) as connection:
        for statement in MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
        connection.execute(
            "INSERT INTO sessions (id, started_at, technique, source, duration_s, overall_score, completion, state) "
            "VALUES (1, '2025-12-01T09:00:00+00:00', 'gua_sha', 'camera 0', 300.0, 71.0, 0.8, 'complete'), "
            "(2, '2025-12-02T09:00:00+00:00', 'gua_sha', '/clips/a.mp4', 200.0, 75.0, 1.0, 'complete')"
        )
        for seq in range(3):
            data = {**stroke, "confidence": 0.5 + 0.1 * seq, "reported_s": 1.0 + seq}
            connection.execute(
                "INSERT INTO strokes (session_id, seq, start_s, end_s, region, pattern, score, corrections, data) "
                "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, data["start_s"], data["end_s"], data["region"], data["pattern"], data["score"],
                 json.dumps(data["feedback"]), json.dumps(data)),
            )


def test_version_1_file_is_migrated_to_version_2_keeping_everything(demo_report: dict[str, Any], tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    stroke = demo_report["strokes"][0]
    _build_version_1(database, stroke)
    with HistoryStore.open(database) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        records = store.sessions()
        assert [record.id for record in records] == [1, 2]
        assert records[0].kind == "live" and records[1].kind == "replay"  # told apart by their source
        assert records[0].overall_score == 71.0 and records[1].duration_s == 200.0
        assert store.strokes(1)[0]["start_s"] == stroke["start_s"]
        # The new typed columns were filled from each stroke's JSON.
        with sqlite3.connect(database) as raw:
            filled = raw.execute("SELECT confidence, reported_s FROM strokes ORDER BY seq").fetchall()
            indexes = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert filled == [(pytest.approx(0.5), 1.0), (pytest.approx(0.6), 2.0), (pytest.approx(0.7), 3.0)]
        assert {"sessions_by_start", "sessions_by_technique", "strokes_by_key"} <= indexes
        # And the migrated file takes new sessions with the new fields.
        new_id = store.record_session(SessionStart("2025-12-03T09:00:00+00:00", "replay", "gua_sha", source_hash="h"), demo_report, None)
        assert store.session(new_id).source_hash == "h"  # type: ignore[union-attr]


def test_a_stroke_reported_again_under_its_id_replaces_the_earlier_row(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        session_id = store.start_session(SessionStart("2026-01-01T10:00:00+00:00", "live", "kneading"))
        store.add_stroke(session_id, {"stroke_id": 7, "pattern": "circle", "count": 2, "final": False})
        store.add_stroke(session_id, {"pattern": "glide", "count": 1})
        store.add_stroke(session_id, {"stroke_id": 7, "pattern": "circle", "count": 5, "final": True})
        strokes = store.strokes(session_id)
    assert [(s["pattern"], s["count"]) for s in strokes] == [("circle", 5), ("glide", 1)]


def test_a_withdrawn_stroke_is_removed_from_the_session(tmp_path: Path) -> None:
    """The engine may take back a "hold" that was the start of a tap run: its row goes too."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        session_id = store.start_session(SessionStart("2026-01-01T10:00:00+00:00", "live", "tapping"))
        store.add_stroke(session_id, {"stroke_id": 3, "pattern": "hold", "count": 1, "withdrawn": False})
        store.add_stroke(session_id, {"stroke_id": 4, "pattern": "tap", "count": 6, "withdrawn": False})
        store.add_stroke(session_id, {"stroke_id": 3, "pattern": "hold", "count": 1, "withdrawn": True})
        strokes = store.strokes(session_id)
    assert [(s["pattern"], s["count"]) for s in strokes] == [("tap", 6)]


# ----------------------------------------------------------------------------------------------
# Replay and live write their sessions


def test_replay_stores_each_run_groups_the_clip_and_no_history_stores_nothing(
    short_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for run in ("a", "b"):
        code, out, err = _run_cli(capsys, "replay", str(short_clip), "--out", str(tmp_path / run), "--technique", DEMO_TECHNIQUE, "--no-video", "-q")
        assert code == 0, err
        assert f"wrote {tmp_path / run / 'history.html'}" in out
    code, _, err = _run_cli(capsys, "replay", str(short_clip), "--out", str(tmp_path / "c"), "--no-video", "-q", "--no-history")
    assert code == 0, err
    with HistoryStore.open() as store:
        records = store.sessions()
        assert len(records) == 2  # the --no-history run is not there
        assert records[0].source_hash == records[1].source_hash is not None  # the same clip, twice
        for record, run in zip(records, ("a", "b")):
            report = json.loads((tmp_path / run / "report.json").read_text())
            assert report["history_id"] == record.id
            assert store.strokes(record.id) == report["strokes"]
            assert record.report_dir == str((tmp_path / run).resolve())
    # report.html links the history page written beside it; the --no-history report does not.
    assert 'href="history.html"' in (tmp_path / "b" / "report.html").read_text()
    assert (tmp_path / "b" / "history.html").is_file()
    assert "history.html" not in (tmp_path / "c" / "report.html").read_text()
    assert not (tmp_path / "c" / "history.html").exists()
    assert "history_id" not in json.loads((tmp_path / "c" / "report.json").read_text())


def test_live_window_stores_the_session_and_no_history_stores_nothing(tmp_path: Path) -> None:
    """`coach live --source RECORDING --exit-at-end` in its own process: the real worker's hooks."""
    clip = _trimmed_demo(tmp_path / "demo_7s.jsonl", 7.0)
    short = _trimmed_demo(tmp_path / "demo_2s.jsonl", 2.0)
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for source, out, extra in ((clip, "live", []), (short, "live-off", ["--no-history"])):
        completed = subprocess.run(
            [sys.executable, "-m", "coach", "live", "--source", str(source), "--technique", DEMO_TECHNIQUE,
             "--exit-at-end", "--out", str(tmp_path / out), *extra],
            capture_output=True, text=True, env=environment, timeout=180,
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads((tmp_path / "live" / "report.json").read_text())
    with HistoryStore.open() as store:
        records = store.sessions()
        assert len(records) == 1
        record = records[0]
        assert record.kind == "live" and record.state == "complete" and record.id == report["history_id"]
        assert record.technique == DEMO_TECHNIQUE and record.source_hash is not None
        assert len(report["strokes"]) >= 1
        assert store.strokes(record.id) == report["strokes"]
    assert (tmp_path / "live" / "history.html").is_file()
    assert "history_id" not in json.loads((tmp_path / "live-off" / "report.json").read_text())


CHILD_LIVE_SESSION = textwrap.dedent(
    """
    import sys, time
    from coach.pipeline import Pipeline
    from coach.recording import read_recording
    from coach.storage.history_writer import LiveHistory
    from coach.technique import find_technique

    clip, speed = sys.argv[1], float(sys.argv[2])
    technique = find_technique("lymphatic_drainage")
    history = LiveHistory()                      # exactly what the live worker holds
    history.begin(technique, None, clip)
    sent = 0
    with Pipeline(technique=technique) as pipeline:
        reader = read_recording(clip)
        wall_start = time.perf_counter()
        for tracked in reader:                   # paced like a camera, `speed` times real time
            delay = wall_start + tracked.timestamp_s / speed - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            result = pipeline.process_tracked(tracked)
            history.add(result.new_strokes)      # the worker's per-frame hook
            for scored in result.new_strokes:
                print(f"sent {sent} {time.time():.3f} {scored.stroke.start_s:.3f}", flush=True)
                sent += 1
    print("clip ended", flush=True)
    """
)


def test_a_live_session_killed_with_sigkill_is_kept_marked_incomplete_with_its_strokes(tmp_path: Path) -> None:
    database = history_path()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_LIVE_SESSION, str(DEMO), "3.0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )
    sent: list[tuple[int, float, float]] = []
    try:
        assert child.stdout is not None
        while len(sent) < 8:
            line = child.stdout.readline()
            assert line.startswith("sent "), f"child ended early: {line!r} {child.stderr.read() if child.stderr else ''}"
            _, index, wall, start_s = line.split()
            sent.append((int(index), float(wall), float(start_s)))
        killed_at = time.time()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    # Before anyone opens it again, the session is still 'open' in the file.
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT state FROM sessions").fetchall() == [("open",)]
    with HistoryStore.open() as store:  # the next start
        records = store.sessions()
        assert len(records) == 1 and records[0].state == "incomplete" and records[0].partial
        stored = store.strokes(records[0].id)
    # Every stroke handed over more than a second before the kill is on disk, in order.
    due = [start_s for _, wall, start_s in sent if wall <= killed_at - 1.0]
    assert len(due) >= 5
    stored_starts = [stroke["start_s"] for stroke in stored]
    assert stored_starts[: len(due)] == pytest.approx(due, abs=1e-3)
    assert records[0].duration_s is not None and records[0].duration_s > 0


def test_an_open_session_of_a_running_process_is_left_alone(tmp_path: Path) -> None:
    with HistoryStore.open() as store:
        mine = store.start_session(SessionStart("2026-01-01T10:00:00+00:00", "live", "tapping"))
    with HistoryStore.open() as store:  # e.g. a replay starting while the live window runs
        assert store.session(mine).state == "open"  # type: ignore[union-attr]


CHILD_WRITER = textwrap.dedent(
    """
    import json, sys, time
    from coach.storage.history import HistoryStore, SessionStart
    name, count, go_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    while time.time() < go_at:
        time.sleep(0.005)
    first = time.time()
    with HistoryStore.open(durable=True) as store:
        session = store.start_session(SessionStart("2026-01-01T10:00:00+00:00", "live", name))
        for index in range(count):
            store.add_stroke(session, {"start_s": float(index), "end_s": index + 0.5, "pattern": "glide",
                                       "feedback": ["Slow down"] if index % 3 == 0 else [], "writer": name})
        store.finish_session(session, {"duration_s": float(count), "overall_score": 70.0, "strokes": [
            {"start_s": float(index), "pattern": "glide", "feedback": [], "writer": name} for index in range(count)]}, None)
        replayed = store.record_session(SessionStart("2026-01-01T11:00:00+00:00", "replay", name), {"strokes": []}, None)
    print(json.dumps({"first": first, "last": time.time(), "session": session, "replayed": replayed}))
    """
)


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    HistoryStore.open().close()  # created first, so both children only write
    go_at = time.time() + 2.0
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD_WRITER, name, "150", f"{go_at}"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        for name in ("live-window", "replay")
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    # They really wrote at the same time: their writing spans overlap.
    assert results[0]["first"] < results[1]["last"] and results[1]["first"] < results[0]["last"]
    with HistoryStore.open() as store:
        records = store.sessions()
        assert sorted((record.technique, record.kind) for record in records) == [
            ("live-window", "live"), ("live-window", "replay"), ("replay", "live"), ("replay", "replay")]
        for result, name in zip(results, ("live-window", "replay")):
            strokes = store.strokes(result["session"])
            assert len(strokes) == 150 and {stroke["writer"] for stroke in strokes} == {name}
            assert store.session(result["session"]).state == "complete"  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------------------
# Faults


def test_a_file_that_is_not_a_database_is_moved_aside_and_a_new_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    database = history_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    garbage = os.urandom(3000)
    database.write_bytes(garbage)
    code, out, err = _run_cli(capsys, "history")
    assert code == 0 and "No sessions yet" in out
    moved = list(database.parent.glob("history.sqlite3.damaged-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == garbage  # nothing of the old file lost
    warnings = [record for record in caplog.records if "damaged" in record.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    with HistoryStore.open() as store:
        assert store.count_sessions() == 0 and store.schema_version == SCHEMA_VERSION


def test_a_database_with_damaged_pages_is_moved_aside(demo_report: dict[str, Any], tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    with HistoryStore.open(database) as store:
        _store_sessions(store, demo_report, [datetime(2026, 1, day, 9, tzinfo=timezone.utc) for day in range(1, 21)])
        store._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = database.stat().st_size
    assert size > 16 * 4096
    with open(database, "r+b") as stream:  # scribble over pages in the middle of the file
        stream.seek(size // 2)
        stream.write(os.urandom(3 * 4096))
    damaged = database.read_bytes()
    with HistoryStore.open(database) as store:
        assert store.count_sessions() == 0
    moved = list(tmp_path.glob("history.sqlite3.damaged-*"))
    assert [path.read_bytes() for path in moved if not path.name.endswith(("-wal", "-shm"))] == [damaged]


def test_a_database_from_a_newer_coach_is_refused_with_the_version_and_the_fix(
    short_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = history_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE future (x)")
        connection.execute("PRAGMA user_version = 3")
    before = database.read_bytes()
    with pytest.raises(HistoryVersionError, match="version 3"):
        HistoryStore.open()
    code, out, err = _run_cli(capsys, "history")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "version 3" in lines[0] and "Update coach" in lines[0]
    # A replay is refused before its work (exit 2), and goes through with --no-history.
    code, _, err = _run_cli(capsys, "replay", str(short_clip), "--out", str(tmp_path / "r"), "--no-video", "--no-html", "-q")
    assert code == 2 and "--no-history" in err and not (tmp_path / "r" / "report.json").exists()
    code, _, err = _run_cli(capsys, "replay", str(short_clip), "--out", str(tmp_path / "r"), "--no-video", "--no-html", "-q", "--no-history")
    assert code == 0, err
    assert database.read_bytes() == before  # the newer file is never touched


def _mount_small_filesystem(folder: Path, size: str = "200k") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the full-disk case is not checked here")
    completed = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({completed.stderr.strip()}); the full-disk case is not checked")


def test_a_full_disk_suspends_history_writing_with_one_warning_and_the_session_goes_on(
    demo_report: dict[str, Any], short_clip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = tmp_path / "small"
    _mount_small_filesystem(small)
    try:
        database = small / "history.sqlite3"
        history = LiveHistory(path=database)
        history.begin(None, None, "camera 0")
        stroke = demo_report["strokes"][0]
        big = {**stroke, "path_fu": [[0.123456 + i, 0.654321 - i] for i in range(60)]}
        started = time.perf_counter()
        for index in range(400):  # about 1 MB of strokes into 200 kB
            history.add([{**big, "start_s": float(index)}])
        enqueue_ms = (time.perf_counter() - started) * 1000 / 400
        assert history.finish(dict(demo_report), small / "report") is None  # not stored: the disk is full
        history.close()
        assert history.suspended_reason == "the disk is full"
        warnings = [record for record in caplog.records if "suspended" in record.getMessage()]
        assert len(warnings) == 1, [record.getMessage() for record in warnings]
        assert enqueue_ms < 2.0  # the live thread never waited for the disk
        # What fitted is still there and readable once space is freed (nothing was corrupted).
        caplog.clear()
        replay_report = dict(demo_report)
        assert record_replay(replay_report, small / "r", None, "2026-01-01T10:00:00+00:00", path=database) is None
        assert "history_id" not in replay_report
        assert len([r for r in caplog.records if "not stored" in r.getMessage()]) == 1
        # `coach replay` with its history on the full disk: the report is written, one warning.
        caplog.clear()
        monkeypatch.setenv("COACH_DATA_DIR", str(small))
        code, out, err = _run_cli(capsys, "replay", str(short_clip), "--out", str(tmp_path / "out"), "--no-video", "-q")
        assert code == 0, err
        assert json.loads((tmp_path / "out" / "report.json").read_text())["frames"] > 0
        assert len([r for r in caplog.records if r.getMessage().startswith("History:")]) == 1
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)


# ----------------------------------------------------------------------------------------------
# The command


def _days_ago(days: float, hour: int = 9) -> datetime:
    local = datetime.now().astimezone().replace(hour=hour, minute=0, second=0, microsecond=0) - timedelta(days=days)
    return local.astimezone(timezone.utc)


def test_history_list_show_path_and_delete(demo_report: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with HistoryStore.open() as store:
        ids = _store_sessions(store, demo_report, [_days_ago(d) for d in (3, 2, 1, 0)])
    code, out, _ = _run_cli(capsys, "history")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "date", "technique", "duration", "score", "done"]
    rows = lines[1:5]
    assert [int(row.split()[0]) for row in rows] == ids
    minutes, seconds = divmod(int(round(demo_report["duration_s"])), 60)
    for row, days in zip(rows, (3, 2, 1, 0)):
        assert _days_ago(days).astimezone().strftime("%Y-%m-%d") in row
        assert DEMO_TECHNIQUE in row and f"{minutes}:{seconds:02d}" in row
        assert f"{demo_report['overall_score']:.0f}" in row and f"{report_completion(demo_report):.0%}" in row
    assert "current streak 4 days" in lines[-1]

    code, out, _ = _run_cli(capsys, "history", "show", str(ids[1]))
    assert code == 0 and f"Session {ids[1]}" in out and f"{len(demo_report['strokes'])} strokes" in out
    assert f"same clip as sessions {ids[3]}" in out  # hash1 is shared by sessions 2 and 4

    code, out, _ = _run_cli(capsys, "history", "--path")
    assert code == 0 and out.strip() == str(history_path())

    # --delete asks; "n" keeps it; --yes deletes the session and its strokes.
    from coach.cli import build_parser
    from coach.history_cli import run_history_command

    buffer = io.StringIO()
    args = build_parser().parse_args(["history", "--delete", str(ids[0])])
    assert run_history_command(args, out=buffer, ask=lambda question: "n") == 0
    assert "Nothing deleted" in buffer.getvalue()
    code, out, _ = _run_cli(capsys, "history", "--delete", str(ids[0]), "--yes")
    assert code == 0 and "Deleted" in out
    with sqlite3.connect(history_path()) as raw:
        assert raw.execute("SELECT count(*) FROM strokes WHERE session_id = ?", (ids[0],)).fetchone()[0] == 0
        assert raw.execute("SELECT count(*) FROM sessions").fetchone()[0] == 3
    code, _, err = _run_cli(capsys, "history", "show", str(ids[0]))
    assert code == 2 and len(err.strip().splitlines()) == 1 and f"No session {ids[0]}" in err


def test_export_round_trip_csv_and_json(demo_report: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with HistoryStore.open() as store:
        _store_sessions(store, demo_report, [_days_ago(d) for d in (5, 3, 1)])
        live = store.start_session(SessionStart(_days_ago(0).isoformat(timespec="seconds"), "live", "tapping"))
        store.add_stroke(live, demo_report["strokes"][0])
        store.mark_incomplete(live)
        records = store.sessions()
        strokes = {record.id: store.strokes(record.id) for record in records}
    code, out, _ = _run_cli(capsys, "history", "--export", "csv", "-o", str(tmp_path / "sessions.csv"))
    assert code == 0 and "4 sessions" in out
    with open(tmp_path / "sessions.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(records)
    for row, record in zip(rows, records):
        assert int(row["id"]) == record.id and row["started_at"] == record.started_at and row["state"] == record.state
        assert row["technique"] == (record.technique or "") and row["source_hash"] == (record.source_hash or "")
        assert float(row["overall_score"] or "nan") == pytest.approx(record.overall_score if record.overall_score is not None else float("nan"), nan_ok=True)
        assert float(row["duration_s"]) == pytest.approx(record.duration_s)
        assert int(row["strokes"]) == len(strokes[record.id])
        assert row["partial"] == str(record.partial)
    code, out, _ = _run_cli(capsys, "history", "--export", "json", "-o", str(tmp_path / "history.json"))
    assert code == 0
    exported = json.loads((tmp_path / "history.json").read_text())
    assert exported["format"] == "coach-history" and exported["version"] == SCHEMA_VERSION
    assert [session["id"] for session in exported["sessions"]] == [record.id for record in records]
    for session, record in zip(exported["sessions"], records):
        assert session["strokes"] == strokes[record.id]
        assert {key: session[key] for key in ("started_at", "technique", "overall_score", "completion", "state", "partial")} == {
            "started_at": record.started_at, "technique": record.technique, "overall_score": record.overall_score,
            "completion": record.completion, "state": record.state, "partial": record.partial}
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]  # written atomically
    code, _, err = _run_cli(capsys, "history", "--export", "csv")
    assert code == 2 and "-o FILE" in err


def test_import_adds_old_report_folders_once(demo_report: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old"
    for name in ("live-20251102-083000", "replay-a"):
        (old / name).mkdir(parents=True)
        (old / name / "report.json").write_text(json.dumps(demo_report))
    (old / "broken").mkdir()
    (old / "broken" / "report.json").write_text("{not json")
    code, out, _ = _run_cli(capsys, "history", "--import", str(old))
    assert code == 0 and "imported 2 sessions" in out and "1 skipped" in out and "broken" in out
    with HistoryStore.open() as store:
        records = store.sessions()
        assert [record.kind for record in records] == ["import", "import"]
        live = next(record for record in records if record.report_dir.endswith("live-20251102-083000"))  # type: ignore[union-attr]
        assert live.started_local.strftime("%Y-%m-%d %H:%M") == "2025-11-02 08:30"
        assert all(store.strokes(record.id) == demo_report["strokes"] for record in records)
    code, out, _ = _run_cli(capsys, "history", "--import", str(old))
    assert code == 0 and "imported 0 sessions; 2 already in the history" in out
    code, _, err = _run_cli(capsys, "history", "--import", str(tmp_path / "nowhere"))
    assert code == 2 and "not a folder" in err


# ----------------------------------------------------------------------------------------------
# Trends, the plot, the page, the live panel


def test_streak_and_last_time_line(demo_report: dict[str, Any]) -> None:
    from coach.report.history_trends import current_streak, last_time_text

    today = date(2026, 3, 10)
    assert current_streak({today, today - timedelta(days=1), today - timedelta(days=3)}, today) == 2
    assert current_streak({today - timedelta(days=1), today - timedelta(days=2)}, today) == 2  # today still to come
    assert current_streak({today - timedelta(days=2)}, today) == 0
    with HistoryStore.open() as store:
        assert "First time" in last_time_text(store, "gua_sha")
        _store_sessions(store, demo_report, [_days_ago(2), _days_ago(1), _days_ago(0)])
        text = last_time_text(store, DEMO_TECHNIQUE)
    main = Counter(phrase for stroke in demo_report["strokes"] for phrase in stroke["feedback"]).most_common(1)[0][0]
    assert text.startswith("3-day streak · Last time: ")
    assert f"{demo_report['overall_score']:.0f}, {main[0].lower()}{main[1:]}" in text


def test_correction_trends_say_which_fade(tmp_path: Path) -> None:
    from coach.report.history_trends import correction_trends

    with HistoryStore.open() as store:
        for index in range(6):
            store.record_session(SessionStart(_days_ago(6 - index).isoformat(), "replay", "gua_sha"), {"strokes": [
                {"feedback": (["Slow down"] if k < 8 - index else []) + (["Stay on the left cheek"] if k < 2 else [])}
                for k in range(10)]}, None)
        records = store.sessions()
        trends = {trend.phrase: trend for trend in correction_trends(records, store.corrections(), store.stroke_counts())}
    assert trends["Slow down"].verdict == "fading" and trends["Slow down"].strokes == sum(8 - i for i in range(6))
    assert trends["Stay on the left cheek"].verdict == "still frequent"


def test_plot_png_has_every_view(demo_report: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with HistoryStore.open() as store:
        _store_sessions(store, demo_report, [_days_ago(d) for d in (20, 12, 6, 3, 2, 1, 0)])
    out_png = tmp_path / "progress.png"
    code, out, err = _run_cli(capsys, "history", "--plot", str(out_png))
    assert code == 0, err
    assert out_png.stat().st_size > 40_000
    pixels = imread(out_png)
    assert pixels.shape[0] > 800 and pixels.shape[1] > 800
    flat = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(flat, axis=0)) > 200 and (flat.min(axis=1) < 200).mean() > 0.03
    code, _, err = _run_cli(capsys, "history", "--plot", str(tmp_path / "progress.jpg"))
    assert code == 2 and ".png" in err


class _HistoryPageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.scripts = 0
        self.plots: list[str] = []
        self.images: list[str] = []
        self.fields: dict[str, str] = {}
        self.session_rows: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        self.scripts += tag == "script"
        for key in ("href", "src"):
            value = attributes.get(key, "")
            if value and not value.startswith(("data:", "#")):
                self.external.append(value)
        if "data-plot" in attributes:
            self.plots.append(attributes["data-plot"])
        if tag == "img":
            self.images.append(attributes["src"])
        if "data-field" in attributes:
            self.fields[attributes["data-field"]] = attributes.get("data-value", "")
        if tag == "tr" and "data-session" in attributes:
            self.session_rows.append((attributes["data-session"], attributes.get("class", "")))


def test_history_page_is_self_contained_and_renders_in_headless_chromium(demo_report: dict[str, Any], tmp_path: Path) -> None:
    from coach.report.history_page import write_history_page

    with HistoryStore.open() as store:
        ids = _store_sessions(store, demo_report, [_days_ago(d) for d in (9, 4, 2, 1, 0)])
    page_path = write_history_page(tmp_path / "history.html", DEMO_TECHNIQUE, current_id=ids[-1])
    text = page_path.read_text()
    page = _HistoryPageParser()
    page.feed(text)
    assert text.startswith("<!DOCTYPE html>") and page.external == [] and page.scripts == 0
    assert page.plots == ["calendar", "scores", "minutes", "corrections"] and len(page.images) == 4
    assert page.fields["streak_days"] == "3" and page.fields["sessions"] == "5"
    assert page.session_rows[0] == (str(ids[-1]), "current")  # newest first, this session highlighted
    spec = importlib.util.spec_from_file_location("screenshot_report", REPO_DIR / "benchmarks" / "screenshot_report.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    if script.find_chromium() is None:
        pytest.skip("Chromium not installed (apt-get install -y chromium) — the HTML is still checked above")
    png = script.screenshot(page_path, tmp_path / "history.png", width=1100, height=2400)
    pixels = imread(png)
    assert pixels.shape[:2] == (2400, 1100)
    flat = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(flat, axis=0)) > 500  # text, cards and figures painted, not a blank or error page
    # The four figures are drawn: green practice days appear on the page as the browser shows it.
    green = (flat[:, 1] > 140) & (flat[:, 0] < 80) & (flat[:, 2] < 120)
    assert green.sum() > 500


def test_live_window_panel_shows_streak_and_last_time(demo_report: dict[str, Any], qapp: Any) -> None:
    from coach.technique import find_technique
    from coach.ui.history_panel import make_history_panel

    panel = make_history_panel(find_technique(DEMO_TECHNIQUE))
    assert "first recorded session" in panel.text() and not history_path().exists()  # reading creates nothing
    with HistoryStore.open() as store:
        _store_sessions(store, demo_report, [_days_ago(1), _days_ago(0)])
    panel.show_technique(find_technique(DEMO_TECHNIQUE))
    assert panel.text().startswith("2-day streak · Last time: ") and not panel.isHidden()
    panel.show_technique(find_technique("gua_sha"))
    assert panel.text() == "2-day streak · First time with this technique"
    hidden = make_history_panel(find_technique(DEMO_TECHNIQUE), enabled=False)
    assert hidden.isHidden() and hidden.text() == ""


def test_the_practice_calendar_of_a_zero_minute_session() -> None:
    """A replay stopped after its first frame is stored with 0 minutes: the calendar still draws
    (it divided by the most minutes of a day, 0, and history.html failed with a traceback)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coach.report.history_plots import draw_calendar

    today = date(2026, 3, 4)
    figure, axes = plt.subplots()
    try:
        streak = draw_calendar(axes, {today: 0.0}, today)
        assert streak == 1
        assert len(axes.patches) > 0
    finally:
        plt.close(figure)
