"""Periodic motion in short signals: the strongest oscillation, its amplitude and where it lasts.

Circles, taps and kneads are repetitions; the surest way to find a repetition in a jittery
landmark stream is to fit whole periods, i.e. to look at the signal's spectrum, never at
frame-to-frame differences. For a complex signal x + iy the amplitudes at +f and -f are kept
apart: their balance is the rotation sense (a circle) or its absence (a back-and-forth).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

NOISE_FLOOR = 0.003
"""Amplitude (face units, or size ratio) below which no landmark stream is steady: keeps a clean
synthetic stream from looking periodic just because its noise floor is tiny."""


@dataclass(frozen=True)
class Oscillation:
    """The strongest periodic component of a signal."""

    frequency_hz: float
    amplitude_plus: float  # complex signals: counter-clockwise part; real signals: half amplitude
    amplitude_minus: float
    snr: float  # peak power over the spectrum's median (noise floor)

    @property
    def circularity(self) -> float:
        """+1 pure counter-clockwise rotation, −1 clockwise, 0 a straight back-and-forth."""
        plus, minus = self.amplitude_plus**2, self.amplitude_minus**2
        return (plus - minus) / max(plus + minus, 1e-18)

    @property
    def amplitude(self) -> float:
        return self.amplitude_plus + self.amplitude_minus


def dominant_oscillation(signal: np.ndarray, dt: float, band_hz: tuple[float, float], trend_order: int = 1) -> Oscillation | None:
    """Fine-grid Fourier amplitudes (Hann window, polynomial trend removed) and their strongest peak.

    For a complex signal x + iy the amplitudes at +f and −f are kept apart (rotation sense); a real
    signal is treated as complex with y = 0. A higher ``trend_order`` removes slow drifts (a glide,
    the hand turning) that would otherwise leak into a fast band.
    """
    n = len(signal)
    if n < 8:
        return None
    t, resolution, step, fine_offsets = _time_grid(n, dt)
    weighted = _detrended(signal, trend_order) * _hann(n)
    window_sum = _hann_sum(n)
    nyquist = 0.5 / dt
    low, high = band_hz[0], min(band_hz[1], 0.92 * nyquist)
    if high <= low:
        return None
    # A zero-padded FFT is the spectrum on a grid a quarter of the resolution apart (finds the
    # peak); a fine direct transform around it places it.
    size = 4 * n
    spectrum = np.fft.fft(weighted, size) / window_sum
    bins, mirrored, frequencies = _band_bins(n, dt, low, high)
    if len(bins) == 0:
        return None
    plus, minus = np.abs(spectrum[bins]), np.abs(spectrum[mirrored])
    power = plus**2 + minus**2
    coarse_best = int(np.argmax(power))
    unclipped = frequencies[coarse_best] + fine_offsets
    # exp(-2πi(f0 + δk)t) = exp(-2πi f0 t) · exp(-2πi δk t): the second factor depends on n only
    # (δ is a quarter of the resolution), so it is cached; this runs several times per run check.
    phases = np.exp(-2j * np.pi * frequencies[coarse_best] * t)[None, :] * _fine_offsets(n, dt)
    if unclipped[0] >= low and unclipped[-1] <= high:  # (ascending: inside the band, nothing to clip)
        fine = unclipped
    else:
        fine = np.clip(unclipped, low, high)
        at_edge = fine != unclipped
        phases[at_edge] = np.exp(-2j * np.pi * np.outer(fine[at_edge], t))
    # One product for both senses: conj(phases) @ w is the conjugate of phases @ conj(w).
    both = np.abs(phases @ np.column_stack([weighted, np.conj(weighted)])) / window_sum
    fine_plus, fine_minus = both[:, 0], both[:, 1]
    fine_best = int(np.argmax(fine_plus**2 + fine_minus**2))
    best_plus, best_minus = float(fine_plus[fine_best]), float(fine_minus[fine_best])
    # Noise floor: median power away from the peak's main lobe.
    away = np.abs(frequencies - frequencies[coarse_best]) > 2.5 * resolution
    floor = float(median(power[away])) if away.sum() > 5 else float(median(power))
    floor = max(floor, NOISE_FLOOR**2)
    return Oscillation(
        frequency_hz=float(fine[fine_best]),
        amplitude_plus=best_plus,
        amplitude_minus=best_minus,
        snr=float((best_plus**2 + best_minus**2) / max(floor, 1e-18)),
    )


@lru_cache(maxsize=256)
def _time_grid(n: int, dt: float) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Sample times, spectral resolution, the zero-padded FFT's bin step and the 21 fine offsets
    around a peak, for a window of ``n`` samples: they depend on its length only, and building
    them (arange, linspace) cost as much as the transform itself on every call."""
    resolution = 1.0 / (n * dt)
    step = resolution / 4
    times, offsets = np.arange(n) * dt, np.linspace(-step, step, 21)
    times.flags.writeable = offsets.flags.writeable = False  # shared between calls
    return times, resolution, step, offsets


@lru_cache(maxsize=1024)
def _band_bins(n: int, dt: float, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The zero-padded FFT's bins inside a band, their mirror images (−f) and their frequencies:
    the bands are the patterns' fixed tempo ranges, so these repeat from call to call."""
    step = _time_grid(n, dt)[2]
    size = 4 * n
    bins = np.arange(int(np.ceil(low / step)), int(np.floor(high / step)) + 1)
    tables = bins, (size - bins) % size, bins * step
    for table in tables:
        table.flags.writeable = False
    return tables


def median(values: np.ndarray | list[float], axis: int | None = None) -> np.ndarray:
    """np.median (of all values, or of each column with ``axis=0``) by one sort: the same value
    (the mean of the two middle ones for an even count) at a tenth of np.median's fixed overhead,
    which made it one of the costliest steps of a run check or a glide's measurement."""
    values = np.asarray(values, dtype=float)
    if axis is None:
        values = values.ravel()
    ordered = np.sort(values, axis=0)
    count = len(ordered)
    if count == 0 or np.isnan(ordered[-1]).any():  # (NaNs sort last: np.median's own rules then)
        return np.median(values, axis=0)
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def pad_edge(values: np.ndarray, count: int) -> np.ndarray:
    """np.pad(values, count, mode="edge") for a 1-D array: the end values repeated, at a fifth of np.pad's cost."""
    values = np.asarray(values)
    return np.concatenate((np.repeat(values[:1], count), values, np.repeat(values[-1:], count)))


def gradient(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """np.gradient(values, times, axis=0) (second-order differences inside, first-order at the
    ends) by its own arithmetic: the same values without its generic argument handling, which
    cost more than the differences on a glide's few dozen samples."""
    values = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=float)
    if len(values) < 3:
        return np.gradient(values, times, axis=0)
    step = np.diff(times)
    shape = (-1,) + (1,) * (values.ndim - 1)
    out = np.empty_like(values)
    if (step == step[0]).all():
        out[1:-1] = (values[2:] - values[:-2]) / (2.0 * step[0])
        out[0] = (values[1] - values[0]) / step[0]
        out[-1] = (values[-1] - values[-2]) / step[0]
        return out
    before, after = step[:-1], step[1:]
    a = (-after / (before * (before + after))).reshape(shape)
    b = ((after - before) / (before * after)).reshape(shape)
    c = (before / (after * (before + after))).reshape(shape)
    out[1:-1] = a * values[:-2] + b * values[1:-1] + c * values[2:]
    out[0] = (values[1] - values[0]) / step[0]
    out[-1] = (values[-1] - values[-2]) / step[-1]
    return out


@lru_cache(maxsize=256)
def _fine_offsets(n: int, dt: float) -> np.ndarray:
    """exp(-2πi δ t) for the 21 fine offsets δ of dominant_oscillation's peak search (21×n)."""
    step = 1.0 / (n * dt) / 4
    return np.exp(-2j * np.pi * np.outer(np.linspace(-step, step, 21), np.arange(n) * dt))


@lru_cache(maxsize=256)
def _hann(n: int) -> np.ndarray:
    return np.hanning(n + 2)[1:-1]


@lru_cache(maxsize=256)
def _hann_sum(n: int) -> float:
    return float(_hann(n).sum())


@lru_cache(maxsize=256)
def _trend_fit(n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix (n×k) and its pseudo-inverse (k×n) of a least-squares polynomial trend."""
    x = np.linspace(-0.5, 0.5, n)
    design = np.vander(x, order + 1, increasing=True)
    # Kept as complex: the signals are, and numpy would otherwise cast both matrices at every call.
    return design.astype(complex), np.linalg.pinv(design).astype(complex)


def _detrended(signal: np.ndarray, order: int) -> np.ndarray:
    # Through the k coefficients rather than an n×n projection: this runs several times per run
    # check, on the frame budget.
    z = np.asarray(signal, dtype=complex)
    design, inverse = _trend_fit(len(z), order)
    return z - design @ (inverse @ z)


def amplitude_at(signal: np.ndarray, dt: float, frequency_hz: float) -> float:
    """Amplitude of one frequency in a signal (Hann window, linear trend removed); both rotation senses summed."""
    n = len(signal)
    t = _time_grid(n, dt)[0]
    window_sum = _hann_sum(n)
    weighted = _detrended(signal, 1) * _hann(n)
    phase = np.exp(-2j * np.pi * frequency_hz * t)
    plus = abs(np.sum(weighted * phase)) / window_sum
    minus = abs(np.sum(weighted * np.conj(phase))) / window_sum
    return float(plus + minus)


def envelope_span(signal: np.ndarray, dt: float, frequency_hz: float) -> tuple[int, int]:
    """First and last sample where the oscillation at ``frequency_hz`` is at least half its typical size."""
    n = len(signal)
    t = np.arange(n) * dt
    z = np.asarray(signal, dtype=complex)
    period_samples = max(2, int(round(1.0 / (frequency_hz * dt))))
    # Slow motion (the hand arriving, leaving) would pass for oscillation near the ends: remove the
    # two-period moving average, which holds none of the oscillation itself.
    slow = np.convolve(pad_edge(z, period_samples), np.ones(2 * period_samples) / (2 * period_samples), mode="same")
    z = z - slow[period_samples : period_samples + n]
    kernel = np.ones(period_samples)
    # Averages over one period; at the ends, over the part of the period that is there (so the
    # envelope does not sag at the window's edges, where the newest samples are).
    counts = np.convolve(np.ones(n), kernel, mode="same")
    plus = np.abs(np.convolve(z * np.exp(-2j * np.pi * frequency_hz * t), kernel, mode="same")) / counts
    minus = np.abs(np.convolve(z * np.exp(2j * np.pi * frequency_hz * t), kernel, mode="same")) / counts
    envelope = plus + minus
    core = envelope[n // 5 : max(n // 5 + 1, 4 * n // 5)]
    level = 0.5 * float(median(core))
    above = np.flatnonzero(envelope >= level)
    if len(above) == 0:
        return 0, n - 1
    return int(above[0]), int(above[-1])


# Savitzky–Golay smoothing and differentiation weights (a polynomial fitted by least squares over a
# sliding window): scipy.signal's savgol_coeffs written with numpy, because importing scipy.signal
# costs about 0.8 s of CPU at start-up (scipy 1.17 builds the docs of its whole signal API), 8 % of
# replaying a 12-second clip on two cores, for two small weight tables; tests/test_savgol.py checks
# them against scipy.signal to 1e-9.


@lru_cache(maxsize=16)
def savgol_weights(window: int, order: int, deriv: int = 0) -> np.ndarray:
    """Row j: the weights that estimate the ``deriv``-th derivative at sample j of a ``window``-long
    stretch (per sample step) from a polynomial of ``order`` fitted to the stretch by least squares."""
    offsets = np.arange(window, dtype=float)
    vandermonde = np.vander(offsets, order + 1, increasing=True)  # column k: offsets**k
    coefficients_from_samples = np.linalg.pinv(vandermonde)  # (order+1, window)
    powers = np.arange(order + 1)
    falling = np.ones(order + 1)  # k·(k−1)·…·(k−deriv+1): the factor d^deriv/dt^deriv puts on t**k
    for step in range(deriv):
        falling = falling * (powers - step)
    exponents = np.clip(powers - deriv, 0, None)
    basis = falling * offsets[:, None] ** exponents  # (window, order+1)
    weights = basis @ coefficients_from_samples
    weights.flags.writeable = False
    return weights


def savgol_centre_weights(window: int, order: int, deriv: int = 0, delta: float = 1.0) -> np.ndarray:
    """Weights for the window's centre sample: ``weights @ samples`` is the smoothed value (or
    derivative per ``delta``) there. Equals scipy.signal.savgol_coeffs(window, order, deriv, delta, use="dot")."""
    return savgol_weights(window, order, deriv)[window // 2] / delta**deriv
