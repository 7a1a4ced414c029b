"""One glide, measured like a person moves: from motion onset to stop.

People slide a finger with a smooth, bell-shaped speed: it rises from rest, peaks, and falls back
(a minimum-jerk movement), sometimes peaking early or late, sometimes with a long even cruise. The
convention (README, "Conventions") is that a glide lasts from where its speed first rises through
10 % of its peak to where it falls back through 10 %, and its speed is the path length between
those two moments over that time.

Reading those crossings straight off a differentiated, jittery landmark stream puts them late and
early (the slow ends drown in noise), which is how a speed reads 1.3–2× too high. Instead the
whole leg's positions are fitted with a small family of speed shapes (symmetric and skewed bells,
and ramps into an even cruise); the crossings come from the best-fitting shape, and the path
length from the smoothed path between them. Fitting positions uses every sample, so jitter
averages out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.signal import savgol_filter

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
    shape: str
    fit_error: float  # rms residual over the progress range (0 perfect, ~0.3 no fit at all)


def _fit(times: np.ndarray, progress: np.ndarray, shapes: tuple[SpeedShape, ...], starts: np.ndarray,
         durations: np.ndarray) -> tuple[float, int, float, float]:
    """Best (residual, shape index, start, duration) of progress ≈ α + β·shape((t - start)/duration)."""
    best = (np.inf, 0, float(starts[0]), float(durations[0]))
    centred_p = progress - progress.mean()
    total = float((centred_p**2).sum())
    tau = (times[None, None, :] - starts[:, None, None]) / durations[None, :, None]
    tau = np.clip(tau, 0.0, 1.0)
    index = np.rint(tau * (_GRID - 1)).astype(np.intp)
    for shape_index, shape in enumerate(shapes):
        model = shape.progress[index]
        centred = model - model.mean(axis=2, keepdims=True)
        variance = (centred**2).sum(axis=2)
        covariance = (centred * centred_p[None, None, :]).sum(axis=2)
        explained = np.where(variance > 1e-12, covariance**2 / np.maximum(variance, 1e-12), 0.0)
        # Only shapes that move the right way (β > 0) count.
        explained = np.where(covariance > 0, explained, 0.0)
        residual = total - explained
        flat = int(np.argmin(residual))
        i, j = np.unravel_index(flat, residual.shape)
        if residual[i, j] < best[0]:
            best = (float(residual[i, j]), shape_index, float(starts[i]), float(durations[j]))
    return best


def time_leg(times: np.ndarray, progress: np.ndarray) -> LegTiming:
    """Onset and stop (10 % of peak speed) of one slide, from its positions along its direction."""
    t = np.asarray(times, dtype=float)
    p = np.asarray(progress, dtype=float)
    if len(t) > 48:
        keep = np.linspace(0, len(t) - 1, 48).round().astype(int)
        t, p = t[keep], p[keep]
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1 / 30
    span = float(t[-1] - t[0])
    shapes = speed_shapes()
    starts = np.linspace(t[0] - 2 * step, t[-1] - 3 * step, 14)
    durations = np.geomspace(3 * step, span + 4 * step, 14)
    _, shape_index, start, duration = _fit(t, p, shapes, starts, durations)
    start_step = starts[1] - starts[0]
    ratio = durations[1] / durations[0]
    fine_starts = np.linspace(start - start_step, start + start_step, 9)
    fine_durations = np.geomspace(duration / ratio, duration * ratio, 9)
    residual, _, start, duration = _fit(t, p, (shapes[shape_index],), fine_starts, fine_durations)
    shape = shapes[shape_index]
    travel = max(float(np.ptp(p)), 1e-9)
    return LegTiming(
        onset_s=start + shape.onset_tau * duration,
        stop_s=start + shape.stop_tau * duration,
        shape=shape.name,
        fit_error=float(np.sqrt(max(residual, 0.0) / len(p))) / travel,
    )


def path_length(times: np.ndarray, points: np.ndarray, onset_s: float, stop_s: float) -> float:
    """Length of the smoothed path between two moments, through a few knots (a finely sampled
    path would add the jitter's zigzag to the length)."""
    window = max(5, (len(points) // 4) | 1)
    smooth = savgol_filter(points, window, 2, axis=0, mode="interp") if len(points) > window else points
    knots = np.linspace(onset_s, stop_s, 7)
    xs = np.interp(knots, times, smooth[:, 0])
    ys = np.interp(knots, times, smooth[:, 1])
    return float(np.hypot(np.diff(xs), np.diff(ys)).sum())
