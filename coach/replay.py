"""Replay: a recorded clip (video or landmark recording) through the pipeline into a report.

Frames are streamed one at a time from the source through the pipeline into the sinks (the
annotated video writer), so memory stays flat however long the clip is. Ctrl-C (or SIGTERM,
SIGHUP) stops cleanly: what was computed so far is still written, and the report is marked
partial with the reason, as it is when the input turns out to be cut short or damaged midway.

The report folder is built aside and swapped into place only when complete (coach.outputs), so a
failed or killed run leaves the previous report as it was and never a half-written video.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import RecordingError, SourceError
from coach.interrupts import InterruptGuard, SignalHold, interruption_behind
from coach.outputs import ReportStage, refuse_input_overwrite
from coach.recording import is_recording_path
from coach.report.json_report import build_report, write_json_report
from coach.types import TrackedFrame

if TYPE_CHECKING:
    from coach.perception import LandmarkTracker
    from coach.storage.profiles import Profile
    from coach.technique import Technique

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int | None, float], None]
"""Called after each frame with (frames done, total frames or None, media time in seconds)."""


@dataclass
class ReplayOutcome:
    report: dict[str, Any]
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    interrupted: bool = False
    partial_reason: str | None = None
    """Why the report covers only part of the clip (interrupted, input cut short), or None."""
    exit_code: int = 0
    """0, or 128 + the signal that interrupted the run (130 for Ctrl-C)."""


@dataclass(frozen=True)
class _Clip:
    """A source opened for replay: tracked frames in, plus what the annotated video needs."""

    frames: Iterator[TrackedFrame]
    """In order; a frame tracked from pixels keeps its image (for the annotated video)."""
    total_frames: int | None
    fps: float
    size: tuple[int, int]
    close: Callable[[], None]
    """Stops the threads reading and tracking ahead and closes the file; not the tracker."""
    tracker: "LandmarkTracker | None" = None
    """The tracker the frames come from (None for a landmark recording); the pipeline closes it."""
    fault: Callable[[int], str | None] = lambda frames_done: None
    """After the frames end: why they ended before the clip's end (cut short, damaged), or None."""


RECORDING_VIDEO_MAX_SIDE = 1280
"""A recording has no pixels: its annotated video is drawn at most this large, whatever the header says."""


def _drawing_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, RECORDING_VIDEO_MAX_SIDE / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


TRACKED_AHEAD_FRAMES = 3
"""Frames tracked ahead of the analysis in replay. The analysis of a frame (face frame, strokes,
session) then runs while MediaPipe, which releases the GIL, tracks the next ones, instead of
between them; a few frames absorb the analysis' uneven cost (a stroke closing costs more than a
frame of rest) and keep memory flat."""


def _open_clip(path: Path, track_ahead: bool = True) -> _Clip:
    """Open ``path``; a video's decoding and (with ``track_ahead``) tracking start at once, on
    their own threads, so the first frames are tracked while the analysis is still being loaded."""
    if not path.exists():
        raise SourceError(f"{path}: file not found. Check the path, or run 'coach replay' with no input for the demo.")
    if is_recording_path(path):
        from coach.recording import read_recording

        reader = read_recording(path)
        header = reader.header
        return _Clip(
            iter(reader),
            reader.count_frames(),
            float(header.fps),
            _drawing_size(int(header.width), int(header.height)),
            reader.close,
            fault=lambda frames_done: reader.fault,
        )

    from coach.perception import create_tracker
    from coach.sources import VideoFileSource
    from coach.sources.read_ahead import ReadAhead
    from coach.sources.video import missing_frames_note

    source = VideoFileSource(path, pacing="fast")
    try:
        tracker = create_tracker(mode="video")
    except BaseException:
        source.close()
        raise
    # The next frames are decoded on a reader thread while this one is tracked (issue 11).
    decoded = ReadAhead(source)
    tracked_ahead: ReadAhead[TrackedFrame] | None = None
    if track_ahead:
        # Tracking runs on its own thread, a few frames ahead of the analysis on this one (see
        # TRACKED_AHEAD_FRAMES): the same tracker calls in the same order, so the same landmarks.
        tracked_ahead = ReadAhead(tracker.track_all(decoded), depth=TRACKED_AHEAD_FRAMES, name="coach-tracking")
        tracked_ahead.start()

    def close() -> None:
        if tracked_ahead is not None:
            tracked_ahead.close()  # first: the tracking thread must stop using the frames and the tracker
        decoded.close()  # then the reader thread must be done with the file before it closes
        source.close()

    return _Clip(
        iter(tracked_ahead) if tracked_ahead is not None else tracker.track_all(decoded),
        source.frame_count or None,
        float(source.fps),
        (source.width, source.height),
        close,
        tracker,
        lambda frames_done: missing_frames_note(path, frames_done, source.frame_count),
    )


def run_replay(
    input_path: Path,
    out_dir: Path,
    technique: "Technique | None" = None,
    profile: "Profile | None" = None,
    write_video: bool = True,
    write_html: bool = True,
    progress: ProgressCallback | None = None,
    history: bool = True,
    track_ahead: bool = True,
    interrupts: InterruptGuard | None = None,
) -> ReplayOutcome:
    """Run one clip through the pipeline and write report.json (+ report.html, annotated.mp4).

    ``track_ahead=False`` tracks and analyses each frame in turn on this thread: the reference order
    the default (tracking on its own thread, ahead of the analysis) must match, result for result.
    ``interrupts`` (the CLI's guard) holds a signal back while a frame is drawn with Qt and raises
    it once the frame is done: an exception raised inside the binding's argument conversion comes
    out as ``SystemError`` (sometimes without the interruption as its context), and a frame cut
    midway would be missing from the video although the report counts it.
    With ``history`` the session is also stored in the history database (see coach.storage.history).
    The files appear in ``out_dir`` together when the run completes (or is interrupted, with a
    partial report); until then a previous report there is untouched. Raises CoachError (one line)
    for a missing or unreadable input, an output that would overwrite the input, or a folder that
    cannot be written.
    """
    from coach.storage.history import ensure_history_usable, now_iso, record_replay

    if not input_path.exists():
        raise SourceError(f"{input_path}: file not found. Check the path, or run 'coach replay' with no input for the demo.")
    refuse_input_overwrite(out_dir, [input_path], replaces_folder=True)
    # A database from a newer coach is refused before the work, not after; a full disk only warns.
    history = history and ensure_history_usable()
    started_at = now_iso()
    partial_reason: str | None = None
    exit_code = 0
    names: dict[str, str] = {}
    finishing = SignalHold(interrupts)
    with ReportStage(out_dir) as stage:
        clip = _open_clip(input_path, track_ahead)
        try:
            # Imported here, not at the top: the analysis' modules (SciPy, …) load while the clip's
            # first frames are decoded and tracked on their threads.
            from coach.pipeline import Pipeline

            pipeline = Pipeline(technique=technique, profile=profile, tracker=clip.tracker)
        except BaseException:
            clip.close()
            if clip.tracker is not None:
                clip.tracker.close()
            raise
        with pipeline, finishing:
            video_writer = None
            try:
                if write_video:
                    from coach.render.video import AnnotatedVideoWriter

                    names["video"] = "annotated.mp4"
                    video_writer = AnnotatedVideoWriter(stage.file(names["video"]), clip.fps, clip.size, regions=pipeline.regions)
                done = 0
                try:
                    for tracked in clip.frames:
                        result = pipeline.process_tracked(tracked)
                        if video_writer is not None:
                            with nullcontext() if interrupts is None else interrupts.deferred():
                                video_writer.write(tracked.image, result)
                        done += 1
                        if progress is not None:
                            progress(done, clip.total_frames, result.tracked.timestamp_s)
                except (KeyboardInterrupt, SystemError) as error:
                    stop = interruption_behind(error)
                    if stop is None:
                        raise
                    if pipeline.stats.frames == 0:
                        raise stop from None  # nothing to keep: "stopped before anything was written"
                    exit_code = stop.exit_code
                    partial_reason = f"stopped by {stop.description}"
                except RecordingError as error:
                    if pipeline.stats.frames == 0:
                        raise
                    # "FILE, line N: what is wrong" without the fix, which is about re-creating the file.
                    partial_reason = f"bad line in the recording ({str(error).split('; ')[0]})"
                finishing.start()  # the frames are done: a signal now waits until the report is in place
                if partial_reason is None:
                    partial_reason = clip.fault(pipeline.stats.frames)
                if partial_reason is not None:
                    logger.info("partial report (%d frames): %s", pipeline.stats.frames, partial_reason)
                pipeline.finish()
            finally:
                clip.close()
                if video_writer is not None:
                    video_writer.close()
            if pipeline.stats.frames == 0:
                raise SourceError(f"{input_path}: no frames could be read. Check that the file is a complete video or recording.")
            if video_writer is not None and video_writer.frames_written == 0:
                stage.file(names.pop("video")).unlink(missing_ok=True)  # stopped before one was drawn: no empty video
            elif video_writer is not None:
                from coach.render.video import check_video_complete

                check_video_complete(stage.file(names["video"]), video_writer.frames_written)
            report = build_report(pipeline, source=str(input_path), partial=partial_reason is not None)
            report["partial_reason"] = partial_reason
            if history:
                record_replay(report, out_dir, input_path, started_at)  # one transaction; sets report["history_id"]
            names["json"] = write_json_report(report, stage.path).name
            if write_html:
                from coach.report.html import write_html_report

                names["html"] = write_html_report(report, stage.file("report.html"), pipeline.regions).name
                if "history_id" in report and stage.file("history.html").is_file():
                    names["history"] = "history.html"  # written beside report.html, which links it
            stage.commit()
    if exit_code == 0 and finishing.exit_code is not None:
        exit_code = finishing.exit_code  # asked to stop while the complete report was being written
    files = {kind: out_dir / name for kind, name in names.items()}
    return ReplayOutcome(
        report=report,
        out_dir=out_dir,
        files=files,
        interrupted=exit_code != 0,
        partial_reason=partial_reason,
        exit_code=exit_code,
    )


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A few human lines for the terminal after a replay."""
    strokes = report["strokes"]
    lines = [
        f"{report['frames']} frames, {report['duration_s']:.1f} s; face found in {report['face_found_ratio']:.0%}, "
        f"hands in {report['hands_found_ratio']:.0%} of frames",
    ]
    counts: dict[str, int] = {}
    for stroke in strokes:
        counts[stroke["pattern"]] = counts.get(stroke["pattern"], 0) + 1
    described = ", ".join(f"{n} {pattern}{'s' if n != 1 else ''}" for pattern, n in sorted(counts.items()))
    lines.append(f"{len(strokes)} stroke{'s' if len(strokes) != 1 else ''}" + (f": {described}" if described else ""))
    if report["technique"] is not None:
        score = report["overall_score"]
        lines.append(f"technique {report['technique']}: overall score {score if score is not None else '-'}")
        feedback: dict[str, int] = {}
        for stroke in strokes:
            for phrase in stroke["feedback"]:
                feedback[phrase] = feedback.get(phrase, 0) + 1
        for phrase, _ in sorted(feedback.items(), key=lambda item: -item[1])[:3]:
            lines.append(f"  tip: {phrase}")
    if report["face_found_ratio"] < 0.5:
        lines.append(
            f"warning: the face was found in only {report['face_found_ratio']:.0%} of frames, so strokes may be "
            "missing; film facing the camera, in good light, with the whole face in the picture"
        )
    if report.get("partial"):
        lines.append(f"(partial: {report.get('partial_reason') or 'interrupted before the end of the clip'})")
    return lines

