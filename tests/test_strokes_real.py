"""Real MediaPipe on real pixels → face frame → stroke engine, on the shared composite clips.

The clips are real hand photos pasted on a real portrait (../shared/media/composite): an upward
stroke on the subject's right cheek, circles on Face Mesh point 205 (image left = the subject's
right cheek; a pointing hand and an open hand), and taps on point 425 (the subject's left cheek).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.pipeline import Pipeline
from coach.sources.video import VideoFileSource
from coach.types import Stroke
from conftest import legacy_tracker_runs


def strokes_in(clip: Path) -> list[Stroke]:
    """The clip through the one pipeline (real tracker, face frame, engine), as replay runs it."""
    with Pipeline() as pipeline, VideoFileSource(clip) as source:
        for frame in source:
            pipeline.process_frame(frame)
        pipeline.finish()
    return [scored.stroke for scored in pipeline.strokes]


@pytest.mark.parametrize(
    ("clip", "pattern", "directions", "region"),
    [
        ("clip_stroke_up_Rcheek_point.mp4", "glide", ("up", "up-out"), "right_cheek"),
        pytest.param("clip_circle_Rcheek205_point.mp4", "circle", ("inward",), "right_cheek", marks=pytest.mark.xfail(
            not legacy_tracker_runs(), reason="issue 10 (open): under the Tasks backend the first half turn (0.0-0.4 s) was "
            "reported as a glide before the circles show (two turns only); it passes since the face landmarker is "
            "asked for one face (session 17); kept non-strict until it has passed on other machines too", strict=False)),
        # Same path with an open hand: only two turns, so the spectral peak is weak; the loop's roundness carries it.
        ("clip_circle_Rcheek205_openhand.mp4", "circle", ("inward",), "right_cheek"),
        ("clip_tap_Lcheek425_point.mp4", "tap", (None,), "left_cheek"),
    ],
)
def test_real_tracker_on_composite_clip_gives_the_stroke(media_dir: Path, clip: str, pattern: str,
                                                          directions: tuple[str | None, ...], region: str) -> None:
    strokes = strokes_in(media_dir / "composite" / clip)
    assert [(s.pattern, s.region) for s in strokes] == [(pattern, region)]
    assert strokes[0].direction in directions
    if pattern == "circle":
        # Two turns in 60 frames at 30 fps.
        assert strokes[0].count == 2
        assert strokes[0].rate_hz == pytest.approx(1.0, rel=0.1)
    if pattern == "tap":
        assert strokes[0].rate_hz == pytest.approx(4.0, rel=0.1)
