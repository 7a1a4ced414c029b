"""The one place that names the data the stroke engine is tuned on and judged on.

Tuning vs evaluation: thresholds (or a model) of the stroke engine may be chosen on
``tuning_sessions()`` alone. ``evaluation_sessions(family)`` are the benchmark's and must never be
looked at while tuning — otherwise its figures say how well the engine fits them, not how it does
on input it has not seen.

Families:
- ``synthetic`` (a): coach.synthetic.generate_session, evaluation seeds BENCHMARK_SEEDS
  (1000–1029), tuning seeds TUNING_SEEDS (5000–5029). Its glide labels are relabelled here to the
  10 %-of-peak convention (see ``relabel_synthetic_glides``), so every family measures a glide alike;
- ``minjerk`` (b): coach.evaluation.minjerk, evaluation seeds 8000–8029, tuning seeds 7000–7029;
- ``real`` (c): real-pixel composites made at benchmark time (coach.evaluation.composites); its
  tuning set (TUNING_RECIPES) is built from two other faces and three other hand photos than its
  evaluation clips, so tuning on real pixels never sees an evaluation face or hand;
- ``negatives`` (d): real footage where no hand touches the face (coach.evaluation.negatives);
  labels are empty, every stroke is wrong.
Real families need ../shared/media (or COACH_MEDIA_DIR); without it they raise FamilyUnavailableError.

Sessions are yielded one at a time: a whole family of landmark streams does not fit in memory at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from coach.evaluation.matching import EvalSession
from coach.evaluation.minjerk import (
    MINJERK_EVALUATION_SEEDS,
    MINJERK_TUNING_SEEDS,
    generate_minjerk_session,
    label_times,
)
from coach.synthetic import BENCHMARK_SEEDS, TUNING_SEEDS, LabelledStroke

FAMILIES: tuple[str, ...] = ("synthetic", "minjerk", "real", "negatives")
QUICK_SESSIONS = 8
"""Sessions per generated family with ``quick`` (a fast look, not the benchmark's figures)."""

REPO_DIR = Path(__file__).resolve().parents[2]


def media_dir() -> Path:
    """../shared/media beside the checkout, or COACH_MEDIA_DIR."""
    return Path(os.environ.get("COACH_MEDIA_DIR", REPO_DIR.parent / "shared" / "media"))


class FamilyUnavailableError(RuntimeError):
    """A family cannot be made here (its media or its module is missing); the message says why."""


def _available_media() -> Path:
    """media_dir(), or FamilyUnavailableError saying where it was looked for and how to provide it."""
    media = media_dir()
    if not media.is_dir():
        raise FamilyUnavailableError(f"shared media not found at {media} (put ../shared/media beside the checkout or set COACH_MEDIA_DIR)")
    return media


def describe(family: str, tuning: bool = False, quick: bool = False) -> str:
    """One line naming the data behind a family's figures (printed beside them)."""
    if family == "synthetic":
        seeds = TUNING_SEEDS if tuning else BENCHMARK_SEEDS
        seeds = seeds[:QUICK_SESSIONS] if quick else seeds
        role = "TUNING seeds" if tuning else "evaluation seeds (engine tuned on TUNING_SEEDS 5000–5029 only)"
        return (f"family (a) coach.synthetic, {role} {seeds[0]}–{seeds[-1]} ({len(seeds)} sessions); "
                "glide labels relabelled to the 10 %-of-peak convention; a hand resting on the skin is labelled as holding")
    if family == "minjerk":
        seeds = MINJERK_TUNING_SEEDS if tuning else MINJERK_EVALUATION_SEEDS
        seeds = seeds[:QUICK_SESSIONS] if quick else seeds
        role = "TUNING seeds" if tuning else "evaluation seeds (never tuned on)"
        return (f"family (b) coach.evaluation.minjerk (min-jerk strokes, lifted taps, hand over the eyes, measured "
                f"MediaPipe noise), {role} {seeds[0]}–{seeds[-1]} ({len(seeds)} sessions)")
    if family == "real":
        which = ("TUNING clips (other faces and hand photos than the evaluation clips)" if tuning
                 else "evaluation clips (never tuned on)")
        return ("family (c) real pixels: real hand photos pasted along scripted strokes on real moving faces, "
                f"tracked by MediaPipe now; {which}")
    if family == "negatives":
        return "family (d) real negatives: clips in ../shared/media where no hand touches the face (every stroke is wrong)"
    raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")


# ---------------------------------------------------------------------------------------------
# Family (a) and its glide labels


@contextmanager
def _recording_glide_motions(calls: list[tuple[float, Callable[[float], object]]]) -> Iterator[None]:
    """Record every glide motion coach.synthetic builds, without editing its motion code.

    The generator's glide labels use path / duration of a trapezoid-speed profile; to relabel them
    to the 10 %-of-peak convention the exact profile is needed, and only the motion function it
    builds has it. ``_glide_motion`` is looked up at call time, so it is wrapped for the duration
    of one generation and restored after (single-threaded use only, which is how the benchmark runs).
    """
    import coach.synthetic as synthetic

    original = synthetic._glide_motion

    def recording(*args: object, **kwargs: object) -> Callable[[float], object]:
        motion = original(*args, **kwargs)  # type: ignore[arg-type]
        calls.append((float(args[3]) if len(args) > 3 else float(kwargs["duration"]), motion))  # type: ignore[arg-type]
        return motion

    synthetic._glide_motion = recording  # type: ignore[assignment]
    try:
        yield
    finally:
        synthetic._glide_motion = original


def relabel_synthetic_glides(labels: Sequence[LabelledStroke],
                             calls: Sequence[tuple[float, Callable[[float], object]]]) -> list[LabelledStroke]:
    """Family-(a) glide labels moved to the 10 %-of-peak convention (other labels unchanged).

    Each glide label is paired with the motion the generator built for it (same duration, in
    script order); its true speed profile is sampled finely and the label's start, end and speed
    become the 10 %-of-peak crossings and the path between them over that time.
    """
    unused = list(calls)
    out: list[LabelledStroke] = []
    for label in labels:
        if label.pattern != "glide":
            out.append(label)
            continue
        duration = label.end_s - label.start_s
        match = next((i for i, (d, _) in enumerate(unused) if abs(d - duration) < 1e-6), None)
        if match is None:
            out.append(label)  # cannot pair it: keep the generator's own label
            continue
        _, motion = unused.pop(match)

        def position(t: np.ndarray, motion: Callable[[float], object] = motion) -> np.ndarray:
            return np.array([motion(float(ti)).xy_fu for ti in t])  # type: ignore[attr-defined]

        times = label_times(position, duration, samples=1201)
        out.append(replace(label, start_s=label.start_s + times.start_s, end_s=label.start_s + times.end_s,
                           speed_fu_s=times.speed_fu_s))
    return out


def synthetic_session(seed: int, relabel: bool = True) -> EvalSession:
    """One family-(a) session; with ``relabel``, its glides measured by the 10 %-of-peak convention."""
    from coach.synthetic import generate_session

    calls: list[tuple[float, Callable[[float], object]]] = []
    with _recording_glide_motions(calls):
        frames, labels, info = generate_session(seed)
    unseen = info.unseen
    if relabel:
        # Glides of both lists share one record; the unseen ones are relabelled too so that the
        # "mostly within an unseen stroke" test uses the same extent.
        both = relabel_synthetic_glides(list(labels) + list(unseen), calls)
        labels, unseen = both[: len(labels)], tuple(both[len(labels):])
    return EvalSession(name=f"synthetic seed {seed}", family="synthetic", frames=frames, labels=list(labels), unseen=tuple(unseen))


# ---------------------------------------------------------------------------------------------
# The named sets


def _seeds(family: str, tuning: bool, quick: bool) -> Sequence[int]:
    if family == "synthetic":
        seeds: Sequence[int] = TUNING_SEEDS if tuning else BENCHMARK_SEEDS
    elif family == "minjerk":
        seeds = MINJERK_TUNING_SEEDS if tuning else MINJERK_EVALUATION_SEEDS
    else:
        raise ValueError(f"family {family!r} has no seeds")
    return seeds[:QUICK_SESSIONS] if quick else seeds


def _generated(family: str, tuning: bool, quick: bool) -> Iterator[EvalSession]:
    for seed in _seeds(family, tuning, quick):
        if family == "synthetic":
            yield synthetic_session(seed)
        else:
            yield generate_minjerk_session(seed).as_eval_session()


def tuning_sessions(family: str | None = None, quick: bool = False) -> Iterator[EvalSession]:
    """The tuning set: coach.synthetic TUNING_SEEDS, minjerk seeds 7000–7029 and the real-pixel tuning clips.

    The only data the engine's thresholds (or a model) may be chosen on. ``family`` limits it to
    "synthetic", "minjerk" or "real"; without it, the two generated families (the real-pixel
    clips need ../shared/media and a few minutes of tracking the first time, so they are asked
    for by name). Raises FamilyUnavailableError for "real" without the media.
    """
    for name in ("synthetic", "minjerk"):
        if family is None or family == name:
            yield from _generated(name, tuning=True, quick=quick)
    if family == "real":
        from coach.evaluation.composites import real_pixel_sessions

        yield from real_pixel_sessions(_available_media(), quick=quick, tuning=True)


def evaluation_sessions(family: str, quick: bool = False) -> Iterator[EvalSession]:
    """A family's evaluation sessions (the benchmark's figures); never tune on these.

    Raises FamilyUnavailableError (with the reason) for a real family whose media or module is missing.
    """
    if family in ("synthetic", "minjerk"):
        yield from _generated(family, tuning=False, quick=quick)
        return
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    media = _available_media()
    try:
        if family == "real":
            from coach.evaluation.composites import real_pixel_sessions

            sessions = real_pixel_sessions(media, quick=quick)
        else:
            from coach.evaluation.negatives import negative_sessions

            sessions = negative_sessions(media)
    except ImportError as error:
        raise FamilyUnavailableError(f"the {family} family's module is not available yet ({error})") from error
    yield from sessions
