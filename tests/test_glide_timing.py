"""Timing one slide from 10 % to 10 % of its peak speed (coach.strokes.glides.time_leg).

The engine hands the timing the samples of one leg. A leg is sometimes cut after its glide is
already under way (the landing slide before it "turned" into the glide, or the leg before ended
on a turn): the fit must then still place the onset where the speed rose through 10 % of its peak,
before the first sample it was given, or the glide's speed reads too high. (Cut a quarter of the
way in, a symmetric bell looks like an early-peaking one and the onset comes late again: that is
the limit of timing from the leg alone.)
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.strokes.glides import ONSET_SHARE, time_leg

DT = 1.0 / 30.0


def _min_jerk(tau: np.ndarray) -> np.ndarray:
    tau = np.clip(tau, 0.0, 1.0)
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5


def _ten_percent_crossings(start_s: float, duration_s: float) -> tuple[float, float]:
    """Where a min-jerk move's speed (30 τ²(1−τ)², peak 1.875 at the middle) crosses 10 % of its peak."""
    tau = np.linspace(0.0, 1.0, 100001)
    speed = 30 * tau**2 * (1 - tau) ** 2
    above = tau[speed >= ONSET_SHARE * speed.max()]
    return start_s + float(above[0]) * duration_s, start_s + float(above[-1]) * duration_s


@pytest.mark.parametrize("duration_s", [0.6, 1.0, 1.6])
@pytest.mark.parametrize("cut_share", [0.0, 0.1, 0.15])
def test_a_bell_shaped_slide_is_timed_from_onset_to_stop_even_when_handed_over_under_way(duration_s: float, cut_share: float) -> None:
    rng = np.random.default_rng(int(duration_s * 10 + cut_share * 100))
    start_s = 1.0
    times = np.arange(start_s - 0.1, start_s + duration_s + 0.2, DT)  # a leg: from the slide start to its settle
    progress = 0.4 * _min_jerk((times - start_s) / duration_s) + rng.normal(0.0, 0.002, len(times))  # 0.2 mm jitter
    onset_s, stop_s = _ten_percent_crossings(start_s, duration_s)
    keep = times >= start_s + cut_share * duration_s  # the leg as handed over: from part of the way in
    timing = time_leg(times[keep], progress[keep])
    assert timing.onset_s == pytest.approx(onset_s, abs=0.06), (timing, onset_s)
    assert timing.stop_s == pytest.approx(stop_s, abs=0.06), (timing, stop_s)
    assert (timing.stop_s - timing.onset_s) / (stop_s - onset_s) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("duration_s", [0.6, 1.0, 1.6])
@pytest.mark.parametrize("cut_share", [0.15, 0.2])
def test_a_glide_handed_over_under_way_is_measured_from_its_onset(duration_s: float, cut_share: float) -> None:
    """Its length and time run from the fitted onset, not from the first sample: speed by the convention."""
    from coach.strokes.engine import _with_unseen_start
    from coach.strokes.glides import path_length

    rng = np.random.default_rng(int(duration_s * 10 + cut_share * 100))
    start_s, travel_fu = 1.0, 0.4
    times = np.arange(start_s - 0.1, start_s + duration_s + 0.2, DT)
    along = travel_fu * _min_jerk((times - start_s) / duration_s)
    points = np.column_stack([along, np.zeros_like(along)]) + rng.normal(0.0, 0.002, (len(times), 2))
    onset_s, stop_s = _ten_percent_crossings(start_s, duration_s)
    true_speed = travel_fu * float(np.diff(_min_jerk((np.array([onset_s, stop_s]) - start_s) / duration_s))[0]) / (stop_s - onset_s)
    keep = times >= start_s + cut_share * duration_s
    timing = time_leg(times[keep], points[keep, 0])
    first_s = float(times[keep][0])
    stop = min(timing.stop_s, float(times[-1]))
    seen_length, _ = path_length(times[keep], points[keep], first_s, stop)
    length, onset = _with_unseen_start(timing, seen_length, first_s, stop)
    assert onset == pytest.approx(onset_s, abs=0.06) and onset < first_s
    assert length / (stop - onset) == pytest.approx(true_speed, rel=0.05)
    # From the first sample alone the same glide read too fast (the slow start cut off).
    assert seen_length / (stop - first_s) > 1.05 * true_speed
