"""One glide, measured like a person moves: from motion onset to stop.

People slide a finger with a smooth, bell-shaped speed: it rises from rest, peaks, and falls back
(a minimum-jerk movement), sometimes peaking early or late, sometimes with a long even cruise. The
convention (README, "Conventions") is that a glide lasts from where its speed first rises through
10 % of its peak to where it falls back through 10 %, and its speed is the path length between
those two moments over that time.

Reading those crossings straight off a differentiated, jittery landmark stream puts them late and
early (the slow ends drown in noise), which is how a speed reads 1.3–2× too high. Instead the
whole leg's positions are fitted with a small family of speed shapes (symmetric and skewed bells,
and ramps into an even cruise); the crossings are the shapes' own, averaged by how well each
fits, and the path length comes from the smoothed path between them. Fitting positions uses every sample, so jitter
averages out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.strokes.signals import gradient, median, pad_edge

ONSET_SHARE = 0.1  # a glide starts and stops where its speed crosses this share of its peak
_GRID = 401


@dataclass(frozen=True)
class SpeedShape:
    """A speed profile over the unit interval, tabulated: progress and its 10 % crossings."""

    name: str
    tau: np.ndarray
    progress: np.ndarray  # 0 → 1
    onset_tau: float
    stop_tau: float


def _shape(name: str, speed: np.ndarray) -> SpeedShape:
    tau = np.linspace(0.0, 1.0, _GRID)
    progress = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2)])
    progress /= progress[-1]
    above = np.flatnonzero(speed >= ONSET_SHARE * speed.max())
    return SpeedShape(name, tau, progress, float(tau[above[0]]), float(tau[above[-1]]))


@lru_cache(maxsize=1)
def speed_shapes() -> tuple[SpeedShape, ...]:
    """Bells τ^a(1-τ)^b (a = b = 2 is the minimum-jerk profile; a ≠ b peaks early or late) and
    sin²-ramped cruises (a finger that reaches its speed and keeps it)."""
    tau = np.linspace(0.0, 1.0, _GRID)
    shapes = [_shape(f"bell{a:g},{b:g}", tau**a * (1 - tau) ** b) for a, b in ((2, 2), (1.4, 2.6), (2.6, 1.4))]
    for ramp in (0.06, 0.15, 0.3):
        rising = np.sin(np.pi * np.minimum(tau, ramp) / (2 * ramp)) ** 2
        falling = np.sin(np.pi * np.minimum(1 - tau, ramp) / (2 * ramp)) ** 2
        shapes.append(_shape(f"cruise{ramp:g}", np.minimum(rising, falling)))
    return tuple(shapes)


@dataclass(frozen=True)
class LegTiming:
    onset_s: float
    stop_s: float
    shape: str  # the best-fitting shape's name
    fit_error: float  # rms residual over the progress range (0 perfect, ~0.3 no fit at all)
    fits: tuple[tuple[SpeedShape, float, float, float], ...]
    """Every fitted shape as (shape, start_s, duration_s, weight): each spans start_s .. start_s +
    duration_s; the weights (summing to 1) are how much each counts in the onset, stop and progress."""

    def progress_at(self, moment: float) -> float:
        """The fitted progress (0 at the shapes' start, 1 at their end, weighted as the timing) at a moment."""
        return float(sum(weight * np.interp((moment - start) / duration, shape.tau, shape.progress)
                         for shape, start, duration, weight in self.fits))


@lru_cache(maxsize=1)
def _tables() -> np.ndarray:
    """The shapes' progress tables stacked (shapes × grid), to fit them all in one pass."""
    return np.stack([shape.progress for shape in speed_shapes()])


def _fit(times: np.ndarray, progress: np.ndarray, tables: np.ndarray, starts: np.ndarray,
         durations: np.ndarray, centred: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """Residuals (shapes × starts × durations) of progress ≈ α + β·shape((t - start)/duration), β > 0.

    ``starts`` and ``durations`` may be per shape (shapes × k) or shared (k). ``centred`` is the
    progress less its mean and its sum of squares, when the caller fits the same leg again.
    """
    centred_p, total = centred if centred is not None else _centred(progress)
    if starts.ndim == 1 and durations.ndim == 1:
        # Shared by all shapes (the coarse pass): the table positions are the same for every shape,
        # so they are worked out once, not once per shape (that was most of the fit's cost).
        tau = (times[None, None, :] - starts[:, None, None]) / durations[None, :, None]
        model = np.take(tables, _table_positions(tau), axis=1)
    else:
        if starts.ndim == 1:
            starts = np.broadcast_to(starts, (len(tables), starts.shape[-1]))
        if durations.ndim == 1:
            durations = np.broadcast_to(durations, (len(tables), durations.shape[-1]))
        tau = (times[None, None, None, :] - starts[:, :, None, None]) / durations[:, None, :, None]
        index = _table_positions(tau)
        # Each shape's own row, as positions in the flattened tables (np.take is several times
        # quicker than indexing with two index arrays).
        model = np.take(np.ascontiguousarray(tables).reshape(-1), index + (np.arange(len(tables)) * _GRID)[:, None, None, None])
    # Sums instead of a centred copy (this runs on the frame a slide ends, within the frame budget):
    # the covariance with a zero-mean progress needs no centring of the model at all.
    # (einsum's sums: ndarray.sum over the short last axis of this 4-d array was the fit's slowest step)
    variance = np.einsum("...i,...i->...", model, model) - np.einsum("...i->...", model) ** 2 / len(times)
    covariance = model @ centred_p
    explained = np.where((variance > 1e-12) & (covariance > 0), covariance**2 / np.maximum(variance, 1e-12), 0.0)
    return total - explained


def _centred(progress: np.ndarray) -> tuple[np.ndarray, float]:
    centred_p = progress - progress.mean()
    return centred_p, float((centred_p**2).sum())


def _table_positions(tau: np.ndarray) -> np.ndarray:
    """Nearest tabulated point for each τ, clipped to the unit interval: np.rint(np.clip(τ, 0, 1) ·
    (grid − 1)) computed in place on ``tau`` (np.clip's checks and four temporary arrays cost more
    than the arithmetic)."""
    np.maximum(tau, 0.0, out=tau)
    np.minimum(tau, 1.0, out=tau)
    tau *= _GRID - 1
    np.rint(tau, out=tau)
    return tau.astype(np.intp)


def time_leg(times: np.ndarray, progress: np.ndarray) -> LegTiming:
    """Onset and stop (10 % of peak speed) of one slide, from its positions along its direction.

    All shapes are fitted on a coarse grid of start times and durations, then each is refined on
    ever finer grids around its best fit. Onset and stop are the shapes' own, averaged with weights
    by how well each fits (``_shape_weights``): under tracking jitter a skewed bell and a ramped
    cruise often fit a leg almost equally well while placing its slow ends differently, and picking
    one outright swings the timing between them from one glide to the next.
    """
    t = np.asarray(times, dtype=float)
    p = np.asarray(progress, dtype=float)
    if len(t) > 32:  # a long, slow slide: 32 samples along it are plenty, and keep the cost bounded
        keep = np.linspace(0, len(t) - 1, 32).round().astype(int)
        t, p = t[keep], p[keep]
    step = float(median(np.diff(t))) if len(t) > 1 else 1 / 30
    span = float(t[-1] - t[0])
    shapes = speed_shapes()
    tables = _tables()
    # A leg is sometimes handed over with its glide already under way (the slide before it was cut
    # where a landing "turned" into the glide): the onset may lie before its first sample, so the
    # starts reach back a third of the leg (two samples at least; no farther: a symmetric bell cut
    # a quarter of the way in already fits an early-peaking one as well).
    starts = np.linspace(t[0] - max(2 * step, 0.3 * span), t[-1] - 3 * step, 14)
    durations = _geomspace(3 * step, span + 4 * step, 12)
    centred = _centred(p)  # (the same for the coarse pass and every refinement)
    residual = _fit(t, p, tables, starts, durations, centred)
    best_cells = residual.reshape(len(shapes), -1).argmin(axis=1)
    start = starts[best_cells // len(durations)]
    duration = durations[best_cells % len(durations)]
    start_step = float(starts[1] - starts[0])
    ratio = float(durations[1] / durations[0])
    offsets = np.linspace(-1.0, 1.0, 7)
    for _ in range(3):
        local_starts = start[:, None] + start_step * offsets[None, :]
        local_durations = duration[:, None] * ratio ** offsets[None, :]
        residual = _fit(t, p, tables, local_starts, local_durations, centred).reshape(len(shapes), -1)
        cells = residual.argmin(axis=1)
        rows = np.arange(len(shapes))
        start = local_starts[rows, cells // 7]
        duration = local_durations[rows, cells % 7]
        best_residual = residual[rows, cells]
        start_step /= 3
        ratio = ratio ** (1 / 3)
    winner = int(np.argmin(best_residual))
    travel = max(float(np.ptp(p)), 1e-9)
    weights = _shape_weights(best_residual, len(p))
    onset_taus = np.array([candidate.onset_tau for candidate in shapes])
    stop_taus = np.array([candidate.stop_tau for candidate in shapes])
    return LegTiming(
        onset_s=float(weights @ (start + onset_taus * duration)),
        stop_s=float(weights @ (start + stop_taus * duration)),
        shape=shapes[winner].name,
        fit_error=float(np.sqrt(max(float(best_residual[winner]), 0.0) / len(p))) / travel,
        fits=tuple((candidate, float(begin), float(length), float(weight))
                   for candidate, begin, length, weight in zip(shapes, start, duration, weights)),
    )


def _shape_weights(residuals: np.ndarray, samples: int) -> np.ndarray:
    """How much each fitted shape's timing counts: its likelihood under Gaussian jitter,
    exp(−Δresidual / 2σ²), σ² read off the best fit (four parameters: level, travel, start and
    duration). A shape that fits clearly worse than the best counts for nothing; shapes the jitter
    cannot tell apart share the timing."""
    best = float(residuals.min())
    variance = max(best, 1e-12) / max(samples - 4, 1)
    weights = np.exp(-(residuals - best) / (2.0 * variance))
    return weights / weights.sum()


def _geomspace(start: float, stop: float, count: int) -> np.ndarray:
    """np.geomspace for two positive numbers by its own arithmetic (ten to the powers evenly spaced
    between their logarithms, the ends set exactly): the same values at a third of its cost."""
    if start <= 0 or stop <= 0:
        return np.geomspace(start, stop, count)  # (its own error for zero, its own rules for signs)
    values = 10.0 ** np.linspace(np.log10(start), np.log10(stop), count)
    values[0], values[-1] = start, stop
    return values


def path_length(times: np.ndarray, points: np.ndarray, onset_s: float, stop_s: float) -> tuple[float, np.ndarray]:
    """Length of the slide between two moments, and its two ends.

    A glide is a gently curved line: the ends come from a quadratic fitted to each coordinate
    near each end, the bow from one parabola through both ends fitted to the sideways offset along
    the chord. Summing a jittery sampled path would add the jitter's zigzag to the length (a fifth
    or more on real landmark streams); a free cubic did the same more quietly: its ends are not
    held on the chord, so jitter and the head's sway under the hand tilted them (+5 % length on
    minjerk's tracked points between the true onset and stop, whose real bow adds under 1 %).
    """
    inside = (times >= onset_s) & (times <= stop_s)
    ends = np.array([_value_at(times, points, onset_s), _value_at(times, points, stop_s)])
    chord_length = float(np.hypot(*(ends[1] - ends[0])))
    if chord_length < 1e-9 or inside.sum() < 6:
        return chord_length, ends
    along, offset = _along_and_across(points[inside], ends, chord_length)
    # offset ≈ bow · u(1 − u), u the share of the chord: one bow, zero at both ends (least squares).
    share = along / chord_length
    basis = share * (1.0 - share)
    bow = float(basis @ offset) / max(float(basis @ basis), 1e-12)
    grid = np.linspace(0.0, 1.0, 50)
    slope = bow * (1.0 - 2.0 * grid) / chord_length
    return float(chord_length * np.mean(np.sqrt(1.0 + slope**2))), ends


def traced_length(points: np.ndarray, ends: np.ndarray) -> float:
    """Length of the slide's traced shape between its two ends: a cubic fitted to the sideways offset
    along the chord, free at the ends, so a hook or an S (an arrival, part of a circle) shows in it.

    This is for judging straightness, not speed: the free ends also follow jitter (path_length).
    """
    chord_length = float(np.hypot(*(ends[1] - ends[0])))
    if chord_length < 1e-9 or len(points) < 6:
        return chord_length
    along, offset = _along_and_across(points, ends, chord_length)
    coefficients = _polyfit(along, offset, 3)
    slope = np.polyval(np.polyder(coefficients), np.linspace(0.0, chord_length, 50))
    return float(chord_length * np.mean(np.sqrt(1.0 + slope**2)))


def _along_and_across(points: np.ndarray, ends: np.ndarray, chord_length: float) -> tuple[np.ndarray, np.ndarray]:
    """Each point's distance along the chord from the first end, and its sideways offset from the chord."""
    along_unit = (ends[1] - ends[0]) / chord_length
    relative = points - ends[0]
    return relative @ along_unit, relative @ np.array([-along_unit[1], along_unit[0]])


def _value_at(times: np.ndarray, points: np.ndarray, moment: float) -> np.ndarray:
    """Position at a moment from a quadratic fitted over the ~0.2 s around it (jitter averages out)."""
    near = np.argsort(np.abs(times - moment))[:7]
    if len(near) < 4:
        return np.array([np.interp(moment, times, points[:, k]) for k in range(points.shape[1])])
    local_t = times[near] - moment
    return _polyfit(local_t, points[near], 2)[-1]  # both coordinates in one fit; the constant term is the value at the moment


def _polyfit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """np.polyfit's coefficients by its own arithmetic (the column-scaled Vandermonde matrix and
    the same LAPACK least squares, so the same values) without its argument checks and warnings,
    which cost as much as the solve: a glide's measurement fits three of these on the frame it ends."""
    lhs = np.vander(np.asarray(x, dtype=float), degree + 1)
    scale = np.sqrt((lhs * lhs).sum(axis=0))
    lhs /= scale
    coefficients = np.linalg.lstsq(lhs, np.asarray(y, dtype=float), float(len(x) * np.finfo(float).eps))[0]
    return (coefficients.T / scale).T


MOVING_END_SHARE = 0.5  # a slide whose first (last) samples move at half its peak speed or more began (ended) in motion
MOVING_END_FU_S = 0.5  # ...and at least this fast (4.5 cm/s): slower ends are a glide's own slow start or stop in jitter
RISE_FU_S = 0.05  # a speed rising this much above its lowest point is moving again, not jitter


def still_bounds(times: np.ndarray, points: np.ndarray, travel_fu_s: float, min_glide_fu: float,
                 landed: bool = False) -> tuple[int, int] | None:
    """The part of a slide that starts and ends at rest, as a glide does: indices into the samples.

    A glide starts from rest and comes back to rest. A slide that is already moving fast at its
    first sample is the hand arriving (landing on the face while still travelling); one still
    moving fast at its last sample is the hand leaving. When the hand lands and glides on at once
    (a synthetic hand settles for only 0.05–0.3 s) the two are one slide, so the arrival is not a
    reason to reject it: the slide is cut at the first speed minimum (where the hand reached the
    skin and the glide began), and symmetrically at the last one before a departure at a speed no
    glide has (``travel_fu_s``). A slide that begins moving and never comes to rest before moving
    on (at least ``min_glide_fu``) is only an arrival (None) when it moves at travel speed, only
    slows down from its start, or began well above the skin (``landed``: the hand shrank onto it);
    one that speeds up after the contact began is a glide the contact caught under way: kept whole.
    """
    count = len(times)
    if count < 6:
        return 0, count - 1
    kernel = np.ones(5) / 5  # 0.17 s: jitter averages out, a hand's speed does not
    smooth = np.column_stack([np.convolve(pad_edge(points[:, k], 2), kernel, mode="valid") for k in range(2)])
    speed = np.hypot(*gradient(smooth, times).T)
    peak = float(speed.max())
    first, last = 0, count - 1
    if speed[:2].mean() >= max(MOVING_END_SHARE * peak, MOVING_END_FU_S):
        rest = _first_rest(speed, smooth, min_glide_fu)
        if rest is not None:
            first = rest
        elif peak > travel_fu_s or landed or int(np.argmax(speed)) <= 2:
            return None  # it moved at travel speed, came down onto the skin, or only slowed down from its start: the arrival

    # A glide often ends with the hand lifting while it still moves (a lifted return follows), and
    # the slide is cut there: only a hand still moving at travel speed is leaving the face.
    if speed[-2:].mean() >= max(MOVING_END_SHARE * peak, travel_fu_s):
        back = _first_rest(speed[first:][::-1], smooth[first:][::-1], min_glide_fu)
        if back is not None:
            last = count - 1 - back
    if last - first < 5:
        return None
    return first, last


def _first_rest(speed: np.ndarray, points: np.ndarray, min_glide_fu: float) -> int | None:
    """Index of the first speed minimum, well below the speed at the start, after which the hand
    moves on as far as a glide goes (None: it never does; the drift of a hand settling is no glide)."""
    slowed = 0.5 * float(speed[:2].mean())  # the hand may still speed up as it comes in: that is no rest
    lowest = 0
    for index in range(1, len(speed)):
        if speed[index] <= speed[lowest]:
            lowest = index
        elif speed[lowest] < slowed and speed[index] > speed[lowest] + max(RISE_FU_S, 0.25 * float(speed[lowest])):
            if float(np.hypot(*(points[lowest:] - points[lowest]).T).max()) >= min_glide_fu:
                return lowest
    return None
