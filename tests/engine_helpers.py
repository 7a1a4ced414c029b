"""The stroke engine fed frame by frame as live feeds it, and its final strokes: shared by the
engine's streaming, run and face-loss tests."""

from __future__ import annotations

from coach.geometry import FaceFrameFitter
from coach.geometry.face_frame import FacePose
from coach.strokes import StrokeEngine
from coach.types import Stroke, TrackedFrame


def engine_events_and_poses(frames: list[TrackedFrame]) -> tuple[list[Stroke], list[FacePose | None]]:
    """Every event the engine returned (the flush at the end included), and the pose of each frame."""
    engine, fitter = StrokeEngine(), FaceFrameFitter()
    events: list[Stroke] = []
    poses: list[FacePose | None] = []
    for frame in frames:
        pose = fitter.fit(frame.face, frame.width, frame.height) if frame.face is not None else None
        poses.append(pose)
        events += engine.update(frame, pose)
    return events + engine.flush(), poses


def engine_events(frames: list[TrackedFrame]) -> list[Stroke]:
    return engine_events_and_poses(frames)[0]


def final_strokes(events: list[Stroke]) -> list[Stroke]:
    """The newest final event of each stroke (a revision replaces what came before), none withdrawn."""
    withdrawn = {stroke.stroke_id for stroke in events if stroke.withdrawn}
    newest: dict[int, Stroke] = {}
    for stroke in events:
        if stroke.final and stroke.stroke_id not in withdrawn:
            newest[stroke.stroke_id] = stroke
    return list(newest.values())
