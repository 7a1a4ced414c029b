"""``coach history``: list, show, plot, export, delete and import stored sessions.

Kept apart from cli.py (which only registers it) so the command's options and wording live in one
place. Listing stays quick on a large history: it imports no numpy or matplotlib and reads only the
sessions table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from coach.errors import CoachError

DEFAULT_LAST = 20

EXAMPLES = """\
examples:
  coach history                       your last 20 sessions (--all for every one)
  coach history show 12               one session: its summary and every stroke
  coach history --plot progress.png   score over time, practice days and streak, minutes per week, corrections
  coach history --export csv -o sessions.csv
  coach history --delete 12           delete a session and its strokes (asks first; --yes skips the question)
  coach history --import old-reports  add report folders made before the history existed
  coach history --path                where the history database is
"""


def add_history_parser(commands: Any) -> argparse.ArgumentParser:
    """Register ``coach history`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "history",
        help="your sessions over time: list, show, plot, export, delete, import",
        description="Every live and replayed session is kept in a small database in your user data folder "
        "(scores and stroke figures only, never images). This command shows and manages it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", nargs="?", choices=["list", "show"], default="list", help="list (default) or show ID")
    parser.add_argument("id", nargs="?", type=int, help="session number (the ID column of the list)")
    parser.add_argument("--technique", help="only sessions of this technique")
    count = parser.add_mutually_exclusive_group()
    count.add_argument("--last", type=int, default=DEFAULT_LAST, metavar="N", help=f"list the last N sessions (default {DEFAULT_LAST})")
    count.add_argument("--all", action="store_true", help="list every session")
    work = parser.add_mutually_exclusive_group()
    work.add_argument("--plot", type=Path, metavar="OUT.png", help="draw your progress into a PNG")
    work.add_argument("--export", choices=["csv", "json"], help="write the sessions to the file given with -o")
    work.add_argument("--delete", type=int, metavar="ID", help="delete a session and its strokes")
    work.add_argument("--import", dest="import_dir", type=Path, metavar="DIR", help="add report folders (report.json) made earlier")
    work.add_argument("--path", action="store_true", help="print where the history database is")
    parser.add_argument("-o", "--output", type=Path, help="file for --export")
    parser.add_argument("--yes", action="store_true", help="with --delete: do not ask")
    parser.set_defaults(handler=run_history_command)
    return parser


def run_history_command(args: argparse.Namespace, out: TextIO | None = None, ask: Callable[[str], str] | None = None) -> int:
    """What ``coach history ...`` does; prints to ``out`` (stdout), asks through ``ask`` (input)."""
    from coach.storage.history import HistoryStore, history_path

    stream = out if out is not None else sys.stdout

    def say(line: str = "") -> None:
        print(line, file=stream)

    if args.path:
        say(str(history_path()))
        return 0
    if args.export and args.output is None:
        raise CoachError("--export needs a file to write: add -o FILE, e.g. 'coach history --export csv -o sessions.csv'.")
    if args.output is not None and not args.export:
        raise CoachError("-o is for --export: e.g. 'coach history --export json -o history.json'.")
    if args.action == "show" and args.id is None:
        raise CoachError("Name the session to show, e.g. 'coach history show 12' (IDs are in 'coach history').")
    if args.last is not None and args.last < 1:
        raise CoachError(f"--last {args.last}: give a number of sessions of 1 or more, or --all.")
    if args.import_dir is not None:
        return _import(args.import_dir, say)
    if not history_path().exists() and (args.plot or args.export or args.delete is not None or args.action == "show"):
        raise CoachError(f"No history yet ({history_path()} does not exist). Replay a clip or coach yourself live first.")
    with HistoryStore.open(check=args.delete is not None) as store:
        if args.delete is not None:
            return _delete(store, args.delete, args.yes, say, ask)
        if args.export:
            count = _export(store, args.export, args.output, args.technique)
            say(f"wrote {args.output}: {count} session{'s' if count != 1 else ''} ({args.export})")
            return 0
        if args.plot is not None:
            return _plot(store, args.plot, args.technique, say)
        if args.action == "show":
            return _show(store, args.id, say)
        return _list(store, args.technique, None if args.all else args.last, say)


def _list(store: Any, technique: str | None, last: int | None, say: Callable[[str], None]) -> int:
    from coach.report.history_trends import format_duration, format_score, streak_in_store

    total = store.count_sessions()
    if total == 0:
        say(f"No sessions yet (the history is {store.path}). Replay a clip or coach yourself live; "
            "older report folders can be added with 'coach history --import DIR'.")
        return 0
    records = store.sessions(technique=technique, last=last)
    if not records:
        say(f"No sessions of technique '{technique}' (techniques in the history: {', '.join(store.techniques()) or 'none'}).")
        return 0
    width = max(len(str(records[-1].id)), 2)
    technique_width = max([len(record.technique or "-") for record in records] + [len("technique")])
    say(f"{'ID':>{width}}  {'date':<16}  {'technique':<{technique_width}}  {'duration':>8}  {'score':>5}  {'done':>5}")
    lines = []
    for record in records:
        completion = "-" if record.completion is None else f"{record.completion:.0%}"
        note = "" if record.state == "complete" and not record.partial else ("  incomplete" if record.state != "complete" else "  partial")
        lines.append(
            f"{record.id:>{width}}  {record.started_local.strftime('%Y-%m-%d %H:%M'):<16}  "
            f"{record.technique or '-':<{technique_width}}  {format_duration(record.duration_s):>8}  "
            f"{format_score(record.overall_score):>5}  {completion:>5}{note}"
        )
    say("\n".join(lines))
    streak = streak_in_store(store)
    shown = f"last {len(records)} of {total}" if len(records) < total else f"{total}"
    say(f"{shown} session{'s' if total != 1 else ''}; current streak {streak} day{'s' if streak != 1 else ''}. "
        "'coach history show ID' for one session, '--plot OUT.png' for your progress.")
    return 0


def _show(store: Any, session_id: int, say: Callable[[str], None]) -> int:
    from coach.report.history_trends import format_duration, format_score

    record = store.session(session_id)
    if record is None:
        raise CoachError(f"No session {session_id} in the history; 'coach history' lists the IDs.")
    strokes = store.strokes(session_id)
    state = record.state + (" (partial)" if record.partial and record.state == "complete" else "")
    say(f"Session {record.id}: {record.started_local.strftime('%A %d %B %Y, %H:%M')} ({record.kind}, {state})")
    say(f"  technique    {record.technique_title or record.technique or 'none (strokes not scored)'}")
    say(f"  profile      {record.profile or '-'}")
    say(f"  source       {record.source or '-'}" + (f"  [sha256 {record.source_hash[:12]}]" if record.source_hash else ""))
    say(f"  duration     {format_duration(record.duration_s)}")
    say(f"  score        {format_score(record.overall_score)}")
    say(f"  completion   {'-' if record.completion is None else f'{record.completion:.0%}'}")
    if record.face_found_ratio is not None:
        say(f"  tracking     face in {record.face_found_ratio:.0%}, hands in {record.hands_found_ratio or 0:.0%} of frames")
    say(f"  report       {record.report_dir or '-'}")
    if record.source_hash:
        same = [other.id for other in store.sessions() if other.source_hash == record.source_hash and other.id != record.id]
        if same:
            say(f"  same clip as sessions {', '.join(map(str, same))}")
    say(f"{len(strokes)} stroke{'s' if len(strokes) != 1 else ''}:")
    for index, stroke in enumerate(strokes, 1):
        tempo = (
            f"{stroke['speed_fu_s']:.2f} FU/s" if isinstance(stroke.get("speed_fu_s"), (int, float))
            else f"{stroke['rate_hz']:.2f} Hz" if isinstance(stroke.get("rate_hz"), (int, float)) else ""
        )
        start = stroke.get("start_s")
        score = stroke.get("score")
        feedback = "; ".join(stroke.get("feedback") or [])
        say(
            f"  {index:>3}  {start if start is None else f'{start:7.1f} s'}  {stroke.get('hand') or '-':<5}  "
            f"{stroke.get('region') or '-':<15}  {stroke.get('pattern') or '-':<6}  {stroke.get('direction') or '':<8}  "
            f"{tempo:>10}  {'' if score is None else f'{score:5.0f}'}  {feedback}"
        )
    return 0


def _export(store: Any, fmt: str, output: Path, technique: str | None) -> int:
    from coach.storage.history import export_history

    return export_history(store, fmt, output, technique)


def _plot(store: Any, out_png: Path, technique: str | None, say: Callable[[str], None]) -> int:
    from coach.report.history_plots import figures_from_store, history_png

    if out_png.suffix.lower() != ".png":
        raise CoachError(f"{out_png}: the plot is a PNG; give a file name ending in .png.")
    figures = figures_from_store(store, technique)
    if not figures.records:
        raise CoachError("No sessions" + (f" of technique '{technique}'" if technique else "") + " to plot yet.")
    png = history_png(figures)
    _write_bytes_atomically(out_png, png)
    say(f"wrote {out_png}")
    return 0


def _write_bytes_atomically(path: Path, data: bytes) -> None:
    import os
    import tempfile

    path = path.expanduser()
    if not path.parent.is_dir():
        raise CoachError(f"{path.parent}: no such folder. Create it first, or write the plot elsewhere.")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _delete(store: Any, session_id: int, yes: bool, say: Callable[[str], None], ask: Callable[[str], str] | None) -> int:
    from coach.report.history_trends import format_score

    record = store.session(session_id)
    if record is None:
        raise CoachError(f"No session {session_id} in the history; 'coach history' lists the IDs.")
    if not yes:
        question = (
            f"Delete session {record.id} ({record.started_local.strftime('%Y-%m-%d %H:%M')}, "
            f"{record.technique or 'no technique'}, score {format_score(record.overall_score)}) and its strokes? [y/N] "
        )
        try:
            answer = (ask or input)(question)
        except EOFError:  # no one to answer (stdin closed): the safe answer
            say("")
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            say("Nothing deleted.")
            return 0
    store.delete_session(session_id)
    say(f"Deleted session {session_id} and its strokes (its report folder, if any, is left as it was).")
    return 0


def _import(folder: Path, say: Callable[[str], None]) -> int:
    from coach.storage.history import import_report_folders

    result = import_report_folders(folder)
    for problem in result.problems:
        say(f"skipped {problem}")
    say(
        f"imported {len(result.imported)} session{'s' if len(result.imported) != 1 else ''}"
        + (f"; {len(result.already)} already in the history" if result.already else "")
        + (f"; {len(result.problems)} skipped" if result.problems else "")
    )
    if not result.imported and not result.already:
        raise CoachError(f"{folder}: no report could be imported (see the lines above). Point --import at coach report folders.")
    return 0
