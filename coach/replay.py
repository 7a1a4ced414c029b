"""Replay: a recorded clip (video or landmark recording) through the pipeline into a report.

Frames are streamed one at a time from the source through the pipeline into the sinks (the
annotated video writer), so memory stays flat however long the clip is. Ctrl-C stops cleanly:
what was computed so far is still written, and the report is marked partial.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.errors import SourceError
from coach.pipeline import Pipeline
from coach.recording import is_recording_path
from coach.report.json_report import build_report, write_json_report
from coach.types import FrameResult

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class _Clip:
    """A source opened for replay: frames in, plus what the annotated video needs."""

    frames: Iterator[tuple[np.ndarray | None, FrameResult]]
    total_frames: int | None
    fps: float
    size: tuple[int, int]
    close: Callable[[], None]


def _open_clip(path: Path, pipeline: Pipeline) -> _Clip:
    if not path.exists():
        raise SourceError(f"{path}: file not found. Check the path, or run 'coach replay' with no input for the demo.")
    if is_recording_path(path):
        from coach.recording import read_recording

        reader = read_recording(path)
        header = reader.header

        def recorded() -> Iterator[tuple[np.ndarray | None, FrameResult]]:
            for tracked in reader:
                yield None, pipeline.process_tracked(tracked)

        return _Clip(recorded(), reader.count_frames(), float(header.fps), (int(header.width), int(header.height)), reader.close)

    from coach.sources import VideoFileSource
    from coach.sources.read_ahead import ReadAhead

    source = VideoFileSource(path, pacing="fast")
    # The next frames are decoded on a reader thread while this one is tracked (issue 11).
    decoded = ReadAhead(source)

    def filmed() -> Iterator[tuple[np.ndarray | None, FrameResult]]:
        for frame in decoded:
            yield frame.image, pipeline.process_frame(frame)

    def close() -> None:
        decoded.close()  # first: the reader thread must be done with the file before it closes
        source.close()

    return _Clip(filmed(), source.frame_count or None, float(source.fps), (source.width, source.height), close)


def run_replay(
    input_path: Path,
    out_dir: Path,
    technique: "Technique | None" = None,
    profile: "Profile | None" = None,
    write_video: bool = True,
    write_html: bool = True,
    progress: ProgressCallback | None = None,
    history: bool = True,
) -> ReplayOutcome:
    """Run one clip through the pipeline and write report.json (+ report.html, annotated.mp4).

    With ``history`` the session is also stored in the history database (see coach.storage.history).
    """
    from coach.storage.history import ensure_history_usable, now_iso, record_replay

    # A database from a newer coach is refused before the work, not after; a full disk only warns.
    history = history and ensure_history_usable()
    started_at = now_iso()
    out_dir.mkdir(parents=True, exist_ok=True)
    interrupted = False
    files: dict[str, Path] = {}
    with Pipeline(technique=technique, profile=profile) as pipeline:
        clip = _open_clip(input_path, pipeline)
        video_writer = None
        try:
            if write_video:
                from coach.render.video import AnnotatedVideoWriter

                files["video"] = out_dir / "annotated.mp4"
                video_writer = AnnotatedVideoWriter(files["video"], clip.fps, clip.size, regions=pipeline.regions)
            done = 0
            try:
                for image, result in clip.frames:
                    if video_writer is not None:
                        video_writer.write(image, result)
                    done += 1
                    if progress is not None:
                        progress(done, clip.total_frames, result.tracked.timestamp_s)
            except KeyboardInterrupt:
                interrupted = True
                logger.warning("Interrupted after %d frames: writing what was computed so far", done)
            pipeline.finish()
        finally:
            clip.close()
            if video_writer is not None:
                video_writer.close()
        if pipeline.stats.frames == 0:
            raise SourceError(f"{input_path}: no frames could be read. Check that the file is a complete video or recording.")
        report = build_report(pipeline, source=str(input_path), partial=interrupted)
    if history:
        record_replay(report, out_dir, input_path, started_at)  # one transaction; sets report["history_id"]
    files["json"] = write_json_report(report, out_dir)
    if write_html:
        from coach.report.html import write_html_report

        files["html"] = write_html_report(report, out_dir / "report.html", pipeline.regions)
        if "history_id" in report and (out_dir / "history.html").is_file():
            files["history"] = out_dir / "history.html"  # written beside report.html, which links it
    return ReplayOutcome(report=report, out_dir=out_dir, files=files, interrupted=interrupted)


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
        lines.append("(partial: interrupted before the end of the clip)")
    return lines

