"""The `coach` command: argument parsing, user-facing messages and exit codes.

User errors (CoachError) become one line on stderr and exit code 2, never a traceback.
Library code below this module logs; only this module prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from coach import __version__
from coach.errors import CoachError

logger = logging.getLogger("coach")

DEMO_RECORDING = Path(__file__).resolve().parent.parent / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
DEMO_TECHNIQUE = "lymphatic_drainage"
DEFAULT_OUT = Path("coach-report")

EPILOG = """\
examples:
  coach replay                                  replay the bundled demo recording into ./coach-report
  coach replay session.mp4 --out report --technique gua_sha
  coach track session.mp4 -o session.jsonl.gz   keep the landmarks, not the video (privacy)
  coach live --technique lymphatic_drainage     coach yourself with the webcam
  coach live --source session.mp4 --exit-at-end play a clip as if it were a camera
  coach calibrate --profile me                  fit face regions to your face
  coach techniques show gua_sha                 what a routine asks you to do
  coach history --plot progress.png             your streak, scores over time and recurring corrections
"""


class _Progress:
    """A progress bar on stderr (frames, fps, ETA) for long work; silent when stderr is not a terminal
    unless asked, so logs and CI output stay readable."""

    def __init__(self, description: str, enabled: bool) -> None:
        self._description = description
        self._enabled = enabled and _stderr_is_terminal()
        self._bar: Any = None

    def __call__(self, done: int, total: int | None, media_time_s: float) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self._description, unit="frame", file=sys.stderr, dynamic_ncols=True)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _preload(*modules: str, qt_app: bool = False) -> None:
    """Import the heavy native modules a command needs while signals are still held back (see
    coach.interrupts): Ctrl-C in the middle of loading MediaPipe or Qt must not break the import.

    ``qt_app``: also start Qt (its environment, then the application the video's overlay paints
    with), so that all of Qt's loading is inside the held-back part. It used to start once the
    replay ran: in one CI run a Ctrl-C 0.56 s into a replay ended it with a traceback
    ("QLibraryInfo has no attribute LibraryPath", from that start) instead of a clean stop."""
    import importlib

    for module in modules:
        importlib.import_module(module)
    if qt_app:
        from coach.render.overlay import ensure_qt_app

        ensure_qt_app()


def _load_technique(name: str | None) -> Any:
    if name is None:
        return None
    from coach.technique import find_technique

    return find_technique(name)


def _load_profile(name: str | None) -> Any:
    if name is None:
        return None
    from coach.storage.profiles import load_profile

    return load_profile(name)


def _command_replay(args: argparse.Namespace) -> int:
    from coach.outputs import check_output_name
    from coach.recording import is_recording_path
    from coach.replay import run_replay, summary_lines

    out_dir = check_output_name(args.out, "--out")
    input_path = args.input
    technique_name = args.technique
    if input_path is None:
        input_path = DEMO_RECORDING
        technique_name = technique_name or DEMO_TECHNIQUE
    technique = _load_technique(technique_name)
    profile = _load_profile(args.profile)
    if args.input is None:
        print(f"No input given: replaying the bundled demo (a synthetic landmark recording) {input_path.name}")
    heavy = [] if is_recording_path(input_path) else ["mediapipe", "coach.perception.tracker"]
    heavy += ["matplotlib.path"]  # region lookups
    heavy += [] if args.no_video else ["coach.render.video"]
    heavy += [] if args.no_html else ["coach.report.html", "coach.report.plots"]
    _preload(*heavy, qt_app=not args.no_video)
    args.interrupts.allow()
    progress = _Progress("replay", enabled=not args.quiet)
    try:
        outcome = run_replay(
            input_path,
            out_dir,
            technique=technique,
            profile=profile,
            write_video=not args.no_video,
            write_html=not args.no_html,
            progress=progress,
            history=not args.no_history,
            interrupts=args.interrupts,
        )
    finally:
        progress.close()
    if outcome.exit_code == 0 and args.interrupts.exit_code is not None:
        # Asked to stop just after the report was in place (the guard held the signal): it is complete.
        outcome = dataclasses.replace(outcome, exit_code=args.interrupts.exit_code, interrupted=True)
    for line in summary_lines(outcome.report):
        print(line)
    for path in outcome.files.values():
        print(f"wrote {path}")
    frames = outcome.report["frames"]
    if outcome.exit_code and outcome.partial_reason is None:
        print(
            f"coach: stopped by {_described(outcome.exit_code - 128)} while the report was being written; "
            f"it was completed first ({frames} frames) in {outcome.out_dir}",
            file=sys.stderr,
        )
    elif outcome.exit_code:
        print(f"coach: {outcome.partial_reason} after {frames} frames; the partial report is in {outcome.out_dir}", file=sys.stderr)
    elif outcome.partial_reason:
        print(f"coach: warning: {outcome.partial_reason}; the report covers the {frames} frames before that and is marked partial", file=sys.stderr)
    return outcome.exit_code


def _command_track(args: argparse.Namespace) -> int:
    from coach.recording import check_recording_output, track_video_to_recording

    check_recording_output(args.output, (args.clip,))
    _preload("mediapipe", "coach.perception.tracker")
    args.interrupts.allow()
    progress = _Progress("track", enabled=not args.quiet)
    try:
        stats = track_video_to_recording(args.clip, args.output, progress=lambda done, total: progress(done, total, 0.0),
                                         interrupts=args.interrupts)
    finally:
        progress.close()
    if stats.interruption is None and stats.path is not None and args.interrupts.pending is not None:
        # Asked to stop just after the recording was in place (the guard held the signal): it is complete.
        stats = dataclasses.replace(stats, interruption=_described(args.interrupts.pending), exit_code=args.interrupts.exit_code)
    if stats.interruption is not None:
        kept = (
            f"{stats.path} holds the {stats.frames} frames tracked so far"
            if stats.path is not None
            else "no frame had been tracked, so nothing was written"
        )
        print(f"coach: stopped by {stats.interruption}; {kept}", file=sys.stderr)
        return stats.exit_code
    print(f"wrote {stats.path}: {stats.summary()}")
    if stats.fault:
        print(f"coach: warning: {stats.fault}; the recording holds the {stats.frames} frames before that", file=sys.stderr)
    return 0


def _command_techniques(args: argparse.Namespace) -> int:
    from coach.technique.cli_support import describe_technique, list_techniques

    if args.action == "show":
        if not args.name:
            raise CoachError("Name the technique to show, e.g. 'coach techniques show gua_sha'.")
        print(describe_technique(args.name))
    else:
        print(list_techniques())
    return 0


def _command_live(args: argparse.Namespace) -> int:
    from coach.ui.live import run_live

    return run_live(
        camera=args.camera,
        source=args.source,
        technique=args.technique,
        profile=args.profile,
        mirrored=not args.no_mirror,
        exit_at_end=args.exit_at_end,
        out_dir=None if args.out is None else _checked_out(args.out, args.source),
        sound=args.sound,
        voice=not args.no_voice,
        echo=print,
        history=not args.no_history,
        interrupts=args.interrupts,
    )


def _checked_out(text: str, source: str | None) -> Path:
    """A live session's --out, refused now rather than when the session ends and would be lost."""
    from coach.outputs import check_output_name, check_report_folder

    inputs = [Path(source).expanduser()] if source and not source.strip().isdigit() else []
    return check_report_folder(check_output_name(text, "--out"), inputs)


def _command_calibrate(args: argparse.Namespace) -> int:
    from coach.calibration import calibrate_from_cli

    run_window = None
    if not args.no_window:  # the view is the CLI's choice: coach.calibration stays free of Qt
        from coach.ui.calibration_view import run_calibration_window

        run_window = run_calibration_window

    return calibrate_from_cli(
        profile_name=args.profile,
        camera=args.camera,
        source=args.source,
        cm_between_eye_corners=args.eye_corner_cm,
        with_tool=args.tool,
        run_window=run_window,
        announce=print,
        interrupts=args.interrupts,
    )


def _command_profiles(args: argparse.Namespace) -> int:
    from coach.storage.profiles import describe_profiles

    print(describe_profiles())
    return 0


def _add_backend_option(command: argparse.ArgumentParser) -> None:
    """``--backend`` for the commands that track (replay, track, live, calibrate)."""
    command.add_argument(
        "--backend",
        choices=["auto", "legacy", "tasks"],
        default=None,
        help="MediaPipe tracker: legacy (Solutions API, mediapipe 0.10.21) or tasks (Tasks API, models/); "
        "default: $COACH_BACKEND, else legacy where installed",
    )


def _apply_backend_option(args: argparse.Namespace) -> None:
    """Pass ``--backend`` on as COACH_BACKEND, which every tracker (also on the live worker thread)
    is created from, and refuse a backend that cannot run here before any work starts."""
    if getattr(args, "backend", None) is None:
        return
    from coach.perception.backends import BACKEND_ENV, resolve_backend

    os.environ[BACKEND_ENV] = resolve_backend(args.backend)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Coach facial self-massage from a webcam: strokes are measured on the face and "
        "compared with a technique, with live guidance and after-session reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    replay = commands.add_parser(
        "replay",
        help="turn a recorded clip into a feedback report",
        description="Run a video or a landmark recording through the pipeline and write report.json, "
        "report.html and annotated.mp4 into --out. With no INPUT, replays the bundled demo.",
    )
    replay.add_argument("input", nargs="?", type=Path, help="video (mp4/avi/mov/webm/mkv) or landmark recording (.jsonl/.jsonl.gz)")
    replay.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help=f"output folder (default: ./{DEFAULT_OUT}); a previous report there is replaced as a whole, "
        "and only once the new one is complete (a folder holding other files is refused: give a new name)",
    )
    replay.add_argument("--technique", help="score strokes against this technique (see 'coach techniques')")
    replay.add_argument("--profile", help="calibration profile to use (see 'coach profiles')")
    replay.add_argument("--no-video", action="store_true", help="skip the annotated video")
    replay.add_argument("--no-html", action="store_true", help="skip the HTML report")
    replay.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    replay.add_argument("--no-history", action="store_true", help="do not store this session in your history")
    _add_backend_option(replay)
    replay.set_defaults(handler=_command_replay)

    track = commands.add_parser(
        "track",
        help="record face and hand landmarks from a video (no pixels kept)",
        description="Track a video with MediaPipe and write a coach-landmarks recording (JSON Lines, "
        "gzip when the name ends in .gz) that replay, tests and other tools can read.",
    )
    track.add_argument("clip", type=Path, help="video file")
    track.add_argument(
        "-o", "--output", type=Path, required=True,
        help="recording to write, ending in .jsonl.gz or .jsonl (e.g. session.jsonl.gz); it appears when complete",
    )
    track.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_backend_option(track)
    track.set_defaults(handler=_command_track)

    techniques = commands.add_parser("techniques", help="list the technique library, or show one routine")
    techniques.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    techniques.add_argument("name", nargs="?", help="technique to show")
    techniques.set_defaults(handler=_command_techniques)

    live = commands.add_parser(
        "live",
        help="open the live coaching window",
        description="Coach yourself in real time. Keys: space pause, → next step, R restart, M mirror, "
        "S sound, Esc/Q quit.",
    )
    live_source = live.add_mutually_exclusive_group()
    live_source.add_argument("--camera", type=int, default=None, help="camera index (default 0)")
    live_source.add_argument("--source", help="play a video or landmark recording as if it were a camera")
    live.add_argument("--technique", help="routine to coach (default: none, strokes are shown without scores; pick one in the window)")
    live.add_argument("--profile", help="calibration profile to use")
    live.add_argument("--no-mirror", action="store_true", help="show the camera unmirrored (default: selfie view)")
    live.add_argument("--sound", action="store_true", help="play a soft metronome at the step's tempo")
    live.add_argument("--no-voice", action="store_true", help="no spoken prompts (V toggles them in the window)")
    live.add_argument("--exit-at-end", action="store_true", help="close when the clip ends and print the summary and timing")
    live.add_argument("--out", default=None, help="folder for the session report (default: in your user data folder)")
    live.add_argument("--no-history", action="store_true", help="do not store this session in your history")
    _add_backend_option(live)
    live.set_defaults(handler=_command_live)

    calibrate = commands.add_parser(
        "calibrate",
        help="fit face regions (and tool offsets) to your face and save a profile",
        description="Guided calibration: hold still, then touch the named points one at a time.",
    )
    calibrate.add_argument("--profile", required=True, help="name of the profile to create or update")
    calibrate_source = calibrate.add_mutually_exclusive_group()
    calibrate_source.add_argument("--camera", type=int, default=None, help="camera index (default 0)")
    calibrate_source.add_argument("--source", help="calibrate from a video or landmark recording")
    calibrate.add_argument("--tool", action="store_true", help="also calibrate a gua sha stone or jade roller")
    calibrate.add_argument("--eye-corner-cm", type=float, default=9.0, help="distance between your outer eye corners in cm (default 9.0)")
    calibrate.add_argument("--no-window", action="store_true", help="run without the calibration window (clips only)")
    _add_backend_option(calibrate)
    calibrate.set_defaults(handler=_command_calibrate)

    profiles = commands.add_parser("profiles", help="list calibration profiles")
    profiles.set_defaults(handler=_command_profiles)

    from coach.history_cli import add_history_parser  # `coach history`: list, show, plot, export, delete, import

    add_history_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from coach.interrupts import InterruptGuard

    # Signals are held back until a command's heavy imports are done (coach.interrupts).
    with InterruptGuard() as interrupts:
        code = _main(argv, interrupts)
    # The work is done and on disk: a signal arriving while Python shuts down must not turn a
    # finished run into a killed one (its exit code would say the output is incomplete).
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    return code


def _main(argv: list[str] | None, interrupts: Any) -> int:
    from coach.interrupts import interruption_behind
    from coach.native_logs import NativeLogCapture, quiet_native_environment

    native_logs = NativeLogCapture()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.verbose:
            # MediaPipe's, FFmpeg's and OpenCV's own log lines go to the log, not the terminal.
            quiet_native_environment()
            native_logs.start()
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        if args.command is None:
            parser.print_help()
            return 0
        args.interrupts = interrupts
        _apply_backend_option(args)
        started = time.perf_counter()
        code = int(args.handler(args))
        logger.info("%s took %.1f s", args.command, time.perf_counter() - started)
        if code == 0 and interrupts.exit_code is not None:
            # A signal held back during a short command: it finished, but say it was asked to stop.
            _say(f"coach: stopped by {_described(interrupts.pending)} (the command had finished)")
            return int(interrupts.exit_code)
        return code
    except CoachError as error:
        _say(f"coach: error: {error}")
        return error.exit_code
    except (KeyboardInterrupt, SystemError) as error:
        stop = interruption_behind(error)
        if stop is None:
            raise
        _say(f"coach: stopped by {stop.description} before anything was written; nothing was changed")
        return stop.exit_code
    except BrokenPipeError:
        # The reader went away (`coach techniques show X | head`): nothing to report. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        if error.errno != errno.EIO or interrupts.exit_code is None:
            raise
        # The terminal closed (SIGHUP): the work was kept as usual; there is just no one to tell.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(interrupts.exit_code)
    finally:
        # As the `coach` command (no argv given) the process ends next: native threads still
        # shutting down keep writing into the log, not onto the terminal after our last line.
        native_logs.stop(restore=argv is not None)


def _described(signal_number: int) -> str:
    from coach.interrupts import describe_signal

    return describe_signal(signal_number)


def _say(line: str) -> None:
    """One line on stderr; a terminal that has gone away (SIGHUP) must not turn it into a traceback."""
    try:
        print(line, file=sys.stderr)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
