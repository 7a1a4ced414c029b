"""Family (d), real negatives: real footage in which no hand touches the face.

A coach that reports a stroke on any of these is wrong. Each clip of ../shared/media/videos is
named below with the reason it is, or is not, a negative (decided from MANIFEST.tsv's description
and by looking at the frames). Every clip is tracked by the real Tracker, as the app would track
it, and cached as a landmark recording (coach.evaluation.tracking_cache).

The six ``lp_face_*`` clips are also the real, moving faces the composites (family c) paste hands
onto; their cached tracking gives the face pose of each footage frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from coach.evaluation.matching import EvalSession
from coach.evaluation.tracking_cache import cache_dir, cache_key, track_frames_cached
from coach.types import Frame, TrackedFrame

logger = logging.getLogger(__name__)

FAMILY = "negatives"

FACE_FOOTAGE: tuple[str, ...] = (
    "lp_face_d3.mp4",
    "lp_face_d6.mp4",
    "lp_face_d10.mp4",
    "lp_face_d13.mp4",
    "lp_face_d18.mp4",
    "lp_face_d19.mp4",
)
"""Real people filmed frontally, talking and making expressions, no hand in view."""

NEGATIVE_CLIPS: dict[str, str] = {
    **{name: "a real face talking and making expressions (frowns, cheek puffs, tongue out), head turning; no hand in view"
       for name in FACE_FOOTAGE},
    "mps_gesture_woman_hand_in_front_of_face.mp4":
        "a hand raised in front of the face (pointing, then a thumbs-up before the chin), held well toward the camera, never on the skin",
    "slp_webcam_woman_waves_hand_over_face.mp4":
        "a hand waved in front of the face with motion blur; it passes over the face without touching it",
    "dyn_man_hand_beside_face.gif": "an open hand and a pinch raised beside the face, clear of it",
    "mp_selfie_segmentation_woman_gesturing.mp4": "talking and gesturing with both hands at chest height",
    "slp_signer_SOUP.mp4": "signing with both hands at chest height; the face is small",
    "tfjs_asl_hand_blue_bg.mp4": "a hand fingerspelling with no face in the picture: a hand alone is never a stroke",
    "mps_hand_only_open_palm.mp4": "a hand opening and turning in front of the torso, face out of the picture",
}
"""Every clip of ../shared/media/videos that is a negative, with why."""

EXCLUDED_CLIPS: dict[str, str] = {
    "mp_iris_woman_chin_on_hand.gif":
        "the chin rests on the hands and the hands then lie on the head: the hand touches the face and stays still, "
        "which is a hold by this project's own definition, so a stroke there is not wrong",
    "fr_short_hamilton_clip.mp4":
        "an audience member rests the chin on a hand (a touch), the singer's hand holds a microphone at the mouth, "
        "and scene cuts move between several faces: not a clean 'no touch' clip (it is the two-face and cut case)",
}
"""Clips of ../shared/media/videos that are not negatives, with why."""


def footage_path(media_dir: Path, name: str) -> Path:
    return media_dir / "videos" / name


def _video_frames(path: Path) -> Iterator[Frame]:
    from coach.sources import VideoFileSource

    with VideoFileSource(path, pacing="fast") as source:
        yield from source


def tracked_footage(media_dir: Path, name: str) -> list[TrackedFrame]:
    """The real Tracker's frames for one clip of ../shared/media/videos (cached)."""
    from coach.sources import VideoFileSource

    path = footage_path(media_dir, name)
    with VideoFileSource(path, pacing="fast") as source:
        width, height, fps = source.width, source.height, source.fps
    key = cache_key({"tracked": name}, media_files=(path,))
    cached = cache_dir() / "negatives" / f"{Path(name).stem}-{key}.jsonl.gz"
    return track_frames_cached(cached, lambda: _video_frames(path), width, height, fps, source=name)


def negative_sessions(media_dir: Path) -> list[EvalSession]:
    """Every negative clip present in ``media_dir``/videos, tracked, with no labels.

    A clip listed here but missing from the folder is logged and left out (the media folder is
    third-party and may be trimmed); ``missing_negative_clips`` names them.
    """
    sessions = []
    for name in NEGATIVE_CLIPS:
        if not footage_path(media_dir, name).is_file():
            logger.warning("negative clip %s not found in %s; left out", name, media_dir / "videos")
            continue
        sessions.append(EvalSession(name=Path(name).stem, family=FAMILY, frames=tracked_footage(media_dir, name), labels=[]))
    return sessions


def missing_negative_clips(media_dir: Path) -> list[str]:
    return [name for name in NEGATIVE_CLIPS if not footage_path(media_dir, name).is_file()]


def unclassified_clips(media_dir: Path) -> list[str]:
    """Clips in ``media_dir``/videos this module has not decided on (a new clip needs a decision)."""
    decided = set(NEGATIVE_CLIPS) | set(EXCLUDED_CLIPS)
    return sorted(path.name for path in (media_dir / "videos").iterdir() if path.is_file() and path.name not in decided)
