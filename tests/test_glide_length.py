"""A glide's length, and so its speed, is not lengthened by the tracker's jitter (issue 10).

Glides are gently bowed lines. The fingertip's landmark jitters (measured on real MediaPipe output:
about 0.014 FU per axis, strongly correlated from frame to frame), and a curve fitted freely to the
sideways offset follows that jitter, most of all at its ends: minjerk glides came out about 5 %
longer than the true path between the same two moments. The speed is measured on one bow through
both ends; straightness is still judged on the freely traced shape, so a hook or part of a circle
is not a glide.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.strokes.glides import path_length, traced_length

FINGERTIP_JITTER_FU = 0.0141  # per axis (coach.evaluation.minjerk measured it on real composites)
JITTER_LAG1 = 0.8  # the upper end of the measured frame-to-frame correlation
GLIDE_FU = 0.25


def _jitter(rng: np.random.Generator, count: int) -> np.ndarray:
    """AR(1) jitter per axis with the measured spread and correlation."""
    out = np.zeros((count, 2))
    out[0] = rng.normal(0.0, FINGERTIP_JITTER_FU, 2)
    innovation = FINGERTIP_JITTER_FU * np.sqrt(1.0 - JITTER_LAG1**2)
    for index in range(1, count):
        out[index] = JITTER_LAG1 * out[index - 1] + rng.normal(0.0, innovation, 2)
    return out


def _bowed_glide(bow_share: float) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """A 1 s minimum-jerk glide along a bowed line at 30 Hz, its 10 %-of-peak crossings, and its true
    length between them."""
    times = np.arange(0.0, 1.6, 1 / 30)
    progress = np.clip((times - 0.3) / 1.0, 0.0, 1.0)
    share = 10 * progress**3 - 15 * progress**4 + 6 * progress**5

    def along(s: np.ndarray) -> np.ndarray:
        return np.column_stack([GLIDE_FU * s, bow_share * GLIDE_FU * np.sin(np.pi * s)])

    onset, stop = 0.3 + 0.067, 1.3 - 0.067  # where a minimum-jerk speed crosses 10 % of its peak
    fine_times = np.linspace(onset, stop, 4001)
    fine_progress = (fine_times - 0.3) / 1.0
    fine = along(10 * fine_progress**3 - 15 * fine_progress**4 + 6 * fine_progress**5)
    true_length = float(np.hypot(*np.diff(fine, axis=0).T).sum())
    return times, along(share), onset, stop, true_length


@pytest.mark.parametrize("bow_share", [0.0, 0.05, 0.15])
def test_jitter_does_not_lengthen_a_bowed_glide(bow_share: float) -> None:
    times, clean, onset, stop, true_length = _bowed_glide(bow_share)
    ratios = []
    for seed in range(40):
        noisy = clean + _jitter(np.random.default_rng(seed), len(times))
        length, _ = path_length(times, noisy, onset, stop)
        ratios.append(length / true_length)
    # A free cubic read these 1.02-1.05x (median); one bow through both ends 1.01-1.02x.
    assert abs(float(np.median(ratios)) - 1.0) <= 0.03, f"median length ratio {np.median(ratios):.3f}"


@pytest.mark.parametrize("bow_share", [0.05, 0.15, 0.25])
def test_a_real_bow_is_measured(bow_share: float) -> None:
    times, clean, onset, stop, true_length = _bowed_glide(bow_share)
    length, _ = path_length(times, clean, onset, stop)
    assert length == pytest.approx(true_length, rel=0.01)


def test_a_hook_at_the_end_is_traced() -> None:
    """A slide that hooks sideways at its end (the hand turning off toward its next place) is longer
    traced than its single bow: straightness is judged on the trace."""
    along = np.linspace(0.0, 0.25, 31)
    sideways = np.where(along > 0.18, (along - 0.18) * 1.5, 0.0)
    points = np.column_stack([along, sideways])
    ends = points[[0, -1]]
    times = np.linspace(0.0, 1.0, 31)
    bow_length, _ = path_length(times, points, 0.0, 1.0)
    assert traced_length(points, ends) > bow_length
