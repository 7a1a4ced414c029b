"""From one contact episode (the finger on the skin, without a break) to strokes.

An episode is classified by the cheapest sufficient evidence, in this order:

1. **knead** — the thumb-to-index gap opens and closes periodically (pinch and release);
2. **circle** — the contact point goes round: its motion, as a complex signal x + iy, has one
   strong frequency with power at +f only (or −f only); the sign is the rotation sense;
3. **tap** — a fast (≥ 1.5 Hz) back-and-forth: of the fingertip in the image (equal power at ±f),
   or of the fingertip's depth relative to its knuckle (the finger lifting off the skin);
4. **hold** — the point stays put for long enough;
5. **glide** — anything else that travels. The path is cut at its reversals into legs; when legs go
   both ways, the faster, more lifted way is the return and is dropped ("returns are not strokes").

Everything is measured on the episode's own samples in face units, so head motion (removed by the
face frame) does not enter; jitter is handled by fitting whole periods (spectra) or smoothing over
a fraction of a second, never by frame-to-frame differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.geometry.regions import FaceRegions
from coach.technique.directions import circle_direction, glide_direction
from coach.types import Handedness, Stroke

# Physical limits of the patterns (see the techniques' target ranges, with room either side).
CIRCLE_HZ = (0.25, 3.0)
TAP_HZ = (1.5, 10.0)
KNEAD_HZ = (0.25, 3.0)
MIN_GLIDE_FU = 0.1  # shorter travel is a touch, a wobble or a landing slide, not a glide (tuned on TUNING_SEEDS)
PAUSE_S = 0.25  # the finger resting this long splits a glide
PAUSE_SPEED_FU_S = 0.04
MIN_HOLD_S = 1.5
HOLD_EXTENT_FU = 0.1
MAX_TAP_BOB_FU = 0.06  # fundamental of a tap's bob in the image when its depth shows nothing
MIN_BOB_TAP_HZ = 2.0
MIN_TAPS = 3.5
MIN_TAP_LIFT_FU = 0.02  # fundamental of the fingertip's depth swing: a lift of a centimetre or more
MAX_TAP_SPREAD_FU = 0.25
MAX_TAP_DRIFT_FU = 0.08  # taps may wander this far over a run whatever their size...
TAP_DRIFT_PER_SWING = 3.0  # ...and further only up to this many times their peak-to-peak swing
MIN_CIRCLE_ROUNDNESS = 0.4  # minor / major axis: rounder than the loop a glide and its return make
MAX_CIRCLE_RADIUS_FU = 0.25
MAX_CIRCLE_OVERTONE = 0.45
# A run of only two turns leaves a rough spectrum (landing and lifting fill the noise floor), so its
# peak can fall short of PERIODIC_SNR; a clearly round loop of a fingertip circle's size is still
# something neither jitter (loops of ~0.01 FU) nor glides and returns (thin loops) draw.
# (tuned on TUNING_SEEDS and seeds 6000..6029: two-turn ~1.4 Hz circles reach 0.34–0.61 of the needed SNR
# with roundness 0.65–0.98 and radius ≥ 0.047 FU; nothing else there passes these three tests)
WEAK_CIRCLE_SNR_SHARE = 0.3
WEAK_CIRCLE_ROUNDNESS = 0.6
WEAK_CIRCLE_MIN_RADIUS_FU = 0.03
RUN_WINDOW_S = 3.0
RUN_HOP_S = 0.5
PERIODIC_SNR = 14.0  # spectral peak over the noise floor
NOISE_FLOOR_FU = 0.003  # amplitude below which no landmark stream is steady: keeps clean input from looking periodic
MIN_GLIDE_S = 0.17  # a quick glide lasts ~0.22 s and the ramp fit reads short ones up to a quarter short (tuned on TUNING_SEEDS)
MIN_LAST_GLIDE_S = 0.28  # a flick that runs into the end of the contact is the hand leaving: ask for more (tuned on TUNING_SEEDS)
END_SAMPLES_S = 0.1  # a leg whose raw span ends this close to the end of its stretch runs into the end
MAX_GLIDE_FU_S = 2.0  # 18 cm/s: faster is the hand flying off, not a massage stroke
MAX_LIFT_CHANGE = 0.12  # a glide stays at the skin's depth; lifting off clearly grows the hand by more than this
# (genuine glides change the apparent size by up to ±0.08 as the hand turns along the face: 0.04 dropped them)
LIFT_OFF_RATIO = 0.06  # apparent hand size above the episode's own typical size that marks lifting off
KNEAD_GAP_FU = 0.07  # peak-to-peak change of the thumb-index gap that is a pinch, not a twitch


@dataclass(frozen=True)
class Episode:
    """Samples of one hand touching the face, in face units."""

    hand: Handedness
    times_s: np.ndarray  # n
    points_fu: np.ndarray  # n×2
    size_ratio: np.ndarray  # n, apparent hand size / the hand's size at the face's depth
    pinch_fu: np.ndarray  # n, thumb tip to index tip
    tip_depth_fu: np.ndarray  # n, fingertip depth relative to its knuckle (taps raise it)

    @property
    def duration_s(self) -> float:
        return float(self.times_s[-1] - self.times_s[0]) if len(self.times_s) else 0.0


# ---------------------------------------------------------------------------------------------
# Signal helpers


def _uniform(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Resample onto an even clock (frames arrive unevenly, and may be missing)."""
    steps = np.diff(times)
    dt = float(np.clip(np.median(steps) if len(steps) else 1 / 30, 1 / 120, 1 / 10))
    grid = np.arange(times[0], times[-1] + dt * 0.5, dt)
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return grid, np.interp(grid, times, values), dt
    return grid, np.column_stack([np.interp(grid, times, values[:, k]) for k in range(values.shape[1])]), dt


def savgol(values: np.ndarray, window_samples: int, order: int = 2, derivative: int = 0, dt: float = 1.0) -> np.ndarray:
    """Savitzky–Golay smoothing (or derivative) along axis 0; the edges use the first/last full window's fit."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    half = max(1, min(window_samples // 2, (n - 1) // 2))
    if n < 3 or 2 * half + 1 <= order:
        return values.copy() if derivative == 0 else np.zeros_like(values)
    x = np.arange(-half, half + 1, dtype=float)
    pseudo_inverse = np.linalg.pinv(np.vander(x, order + 1, increasing=True))  # rows: polynomial coefficients
    flat = values.reshape(n, -1)
    out = np.empty_like(flat)
    # Interior: the fitted polynomial's value (or derivative) at the window centre, as a convolution.
    centre_row = pseudo_inverse[derivative] * math.factorial(derivative)
    for column in range(flat.shape[1]):
        out[half : n - half, column] = np.convolve(flat[:, column], centre_row[::-1], mode="valid")
    # Edges: evaluate the first and last windows' polynomials at the edge offsets.
    powers = np.arange(order + 1)
    for window_start, offsets in ((0, np.arange(-half, 0)), (n - 2 * half - 1, np.arange(1, half + 1))):
        coefficients = pseudo_inverse @ flat[window_start : window_start + 2 * half + 1]  # (order+1)×columns
        if derivative == 0:
            basis = offsets[:, None] ** powers[None, :]
        else:
            basis = np.zeros((len(offsets), order + 1))
            for power in powers[derivative:]:
                basis[:, power] = math.perm(int(power), derivative) * offsets ** (power - derivative)
        rows = np.arange(half) if window_start == 0 else np.arange(n - half, n)
        out[rows] = basis @ coefficients
    return out.reshape(values.shape) / dt**derivative


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
    t = np.arange(n) * dt
    z = np.asarray(signal, dtype=complex)
    design = np.vander((t - t.mean()) / max(float(np.ptp(t)), 1e-9), trend_order + 1, increasing=True)
    coefficients, *_ = np.linalg.lstsq(design, z, rcond=None)
    z = z - design @ coefficients
    window = np.hanning(n + 2)[1:-1]
    weighted = z * window
    nyquist = 0.5 / dt
    low, high = band_hz[0], min(band_hz[1], 0.92 * nyquist)
    if high <= low:
        return None
    resolution = 1.0 / (n * dt)

    def amplitudes(frequencies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phases = np.exp(-2j * np.pi * np.outer(frequencies, t))
        return np.abs(phases @ weighted) / window.sum(), np.abs(np.conj(phases) @ weighted) / window.sum()

    # A grid at a quarter of the resolution finds the peak; a fine grid around it places it.
    frequencies = np.arange(low, high, resolution / 4)
    if len(frequencies) == 0:
        return None
    plus, minus = amplitudes(frequencies)
    power = plus**2 + minus**2
    coarse_best = int(np.argmax(power))
    fine = np.clip(frequencies[coarse_best] + np.linspace(-resolution / 4, resolution / 4, 21), low, high)
    fine_plus, fine_minus = amplitudes(fine)
    fine_best = int(np.argmax(fine_plus**2 + fine_minus**2))
    best_frequency = float(fine[fine_best])
    best_plus, best_minus = float(fine_plus[fine_best]), float(fine_minus[fine_best])
    best = coarse_best
    # Noise floor: median power away from the peak's main lobe.
    away = np.abs(frequencies - frequencies[best]) > 2.5 * resolution
    floor = float(np.median(power[away])) if away.sum() > 5 else float(np.median(power))
    floor = max(floor, NOISE_FLOOR_FU**2)
    return Oscillation(
        frequency_hz=best_frequency,
        amplitude_plus=best_plus,
        amplitude_minus=best_minus,
        snr=float((best_plus**2 + best_minus**2) / max(floor, 1e-18)),
    )


def amplitude_at(signal: np.ndarray, dt: float, frequency_hz: float) -> float:
    """Amplitude of one frequency in a signal (Hann window, linear trend removed); both rotation senses summed."""
    n = len(signal)
    t = np.arange(n) * dt
    z = np.asarray(signal, dtype=complex)
    design = np.column_stack([np.ones(n), t - t.mean()])
    coefficients, *_ = np.linalg.lstsq(design, z, rcond=None)
    z = z - design @ coefficients
    window = np.hanning(n + 2)[1:-1]
    phase = np.exp(-2j * np.pi * frequency_hz * t)
    plus = abs(np.sum(z * window * phase)) / window.sum()
    minus = abs(np.sum(z * window * np.conj(phase))) / window.sum()
    return float(plus + minus)


def _envelope_span(signal: np.ndarray, dt: float, frequency_hz: float) -> tuple[int, int]:
    """First and last sample where the oscillation at ``frequency_hz`` is at least half its typical size."""
    n = len(signal)
    t = np.arange(n) * dt
    z = np.asarray(signal, dtype=complex)
    period_samples = max(2, int(round(1.0 / (frequency_hz * dt))))
    # Slow motion (the hand arriving, leaving) would pass for oscillation near the ends: remove the
    # two-period moving average, which holds none of the oscillation itself.
    slow = np.convolve(np.pad(z, period_samples, mode="edge"), np.ones(2 * period_samples) / (2 * period_samples), mode="same")
    z = z - slow[period_samples : period_samples + n]
    kernel = np.ones(period_samples) / period_samples
    plus = np.abs(np.convolve(z * np.exp(-2j * np.pi * frequency_hz * t), kernel, mode="same"))
    minus = np.abs(np.convolve(z * np.exp(2j * np.pi * frequency_hz * t), kernel, mode="same"))
    envelope = plus + minus
    core = envelope[n // 5 : max(n // 5 + 1, 4 * n // 5)]
    level = 0.5 * float(np.median(core))
    above = np.flatnonzero(envelope >= level)
    if len(above) == 0:
        return 0, n - 1
    return int(above[0]), int(above[-1])


def _drift(points: np.ndarray) -> float:
    """Net displacement from the first to the last quarter of a stretch (medians, so jitter and the
    oscillation itself average out)."""
    quarter = max(2, len(points) // 4)
    return float(np.linalg.norm(np.median(points[-quarter:], axis=0) - np.median(points[:quarter], axis=0)))


def _snr_needed(samples: int) -> float:
    """A short stretch gives a rough spectrum whose noise peaks run higher: ask for more there."""
    return PERIODIC_SNR * max(1.0, 45.0 / max(samples, 1))


def _trim_lift_off(episode: Episode) -> Episode:
    """Drop the ends of an episode where the hand is already lifting off (or still landing).

    The on-skin test needs a clear lift to end an episode, by which time the hand has begun to move
    away; those samples look larger than the episode's typical hand size and are cut here.
    """
    n = len(episode.times_s)
    if n < 8:
        return episode
    ratio = np.convolve(episode.size_ratio, np.ones(3) / 3, mode="same")
    ratio[0], ratio[-1] = episode.size_ratio[0], episode.size_ratio[-1]
    limit = float(np.median(episode.size_ratio)) + LIFT_OFF_RATIO
    first, last = 0, n - 1
    while first < last and ratio[first] > limit:
        first += 1
    while last > first and ratio[last] > limit:
        last -= 1
    if first == 0 and last == n - 1:
        return episode
    keep = slice(first, last + 1)
    return Episode(episode.hand, episode.times_s[keep], episode.points_fu[keep], episode.size_ratio[keep],
                   episode.pinch_fu[keep], episode.tip_depth_fu[keep])


def _majority_region(regions: FaceRegions, points_fu: np.ndarray) -> str | None:
    labels = [label for label in regions.regions_at(points_fu) if label is not None]
    if not labels:
        return None
    names, counts = np.unique(labels, return_counts=True)
    return str(names[int(np.argmax(counts))])


# ---------------------------------------------------------------------------------------------
# Classification


class EpisodeAnalyser:
    """Turns episodes into strokes; holds only settings."""

    def __init__(self, regions: FaceRegions) -> None:
        self.regions = regions

    def strokes(self, episode: Episode) -> list[Stroke]:
        episode = _trim_lift_off(episode)
        if len(episode.times_s) < 6 or episode.duration_s < 0.25:
            return []
        grid, points, dt = _uniform(episode.times_s, episode.points_fu)
        signals = _Signals(
            hand=episode.hand,
            grid=grid,
            points=points,
            pinch=_uniform(episode.times_s, episode.pinch_fu)[1],
            tip_depth=_uniform(episode.times_s, episode.tip_depth_fu)[1],
            size_ratio=_uniform(episode.times_s, episode.size_ratio)[1],
            dt=dt,
        )
        strokes: list[Stroke] = []
        cursor = 0
        minimum_gap = int(round(0.3 / dt))
        for first, last, stroke in self._runs(signals):
            if first - cursor >= minimum_gap:
                strokes += self._steady(signals.part(cursor, first - 1))
            strokes.append(stroke)
            cursor = last + 1
        if len(grid) - cursor >= minimum_gap:
            strokes += self._steady(signals.part(cursor, len(grid) - 1))
        return sorted(strokes, key=lambda stroke: stroke.start_s)

    # -- runs ---------------------------------------------------------------------------------

    def _periodic(self, signals: "_Signals") -> "tuple[int, int, Stroke] | None":
        for detector in (self._knead, self._circle, self._tap):
            found = detector(signals)
            if found is not None:
                return found
        return None

    def _runs(self, signals: "_Signals") -> "list[tuple[int, int, Stroke]]":
        """Runs of circles, taps or kneads in the episode, with their sample spans.

        A short episode, or one that is one run from end to end, is analysed whole. A longer one
        may hold a run and something else (circles, then a slide to the next spot without lifting):
        it is scanned with overlapping 3-second windows, consecutive windows that agree are joined,
        and each joined stretch is analysed again for its exact span, count and rate.
        """
        n = len(signals.grid)
        whole = self._periodic(signals)
        window = int(round(RUN_WINDOW_S / signals.dt))
        if n <= window + window // 3 or (whole is not None and whole[1] - whole[0] >= 0.75 * n):
            return [whole] if whole is not None else []
        hop = max(1, int(round(RUN_HOP_S / signals.dt)))
        starts = list(range(0, n - window + 1, hop))
        if starts[-1] != n - window:
            starts.append(n - window)
        verdicts = []
        for start in starts:
            found = self._periodic(signals.part(start, start + window - 1))
            verdicts.append((start, start + window - 1, found[2] if found is not None else None))
        stretches: list[tuple[int, int, str]] = []
        for first, last, stroke in verdicts:
            if stroke is None:
                continue
            if stretches and stretches[-1][2] == stroke.pattern and first <= stretches[-1][1]:
                stretches[-1] = (stretches[-1][0], last, stroke.pattern)
            else:
                stretches.append((first, last, stroke.pattern))
        runs: list[tuple[int, int, Stroke]] = []
        for first, last, pattern in stretches:
            found = self._periodic(signals.part(first, last))
            if found is None or found[2].pattern != pattern:
                continue
            run_first, run_last, stroke = found
            run = (first + run_first, first + run_last, stroke)
            if runs and run[0] <= runs[-1][1]:
                if run[1] - run[0] <= runs[-1][1] - runs[-1][0]:
                    continue
                runs.pop()
            runs.append(run)
        return runs

    def _knead(self, signals: "_Signals") -> "tuple[int, int, Stroke] | None":
        dt, pinch, points = signals.dt, signals.pinch, signals.points
        oscillation = dominant_oscillation(pinch, dt, KNEAD_HZ)
        if oscillation is None or oscillation.snr < _snr_needed(len(signals.grid)):
            return None
        # A real cosine of amplitude a shows a/2 at +f and at −f: peak-to-peak is 2 · (plus + minus).
        if 2 * oscillation.amplitude < KNEAD_GAP_FU:
            return None
        # The gap also changes when the index finger itself lifts (taps); kneading moves the thumb
        # against a finger that stays on the skin, so the gap must change more than the fingertip moves.
        frequency = oscillation.frequency_hz
        fingertip_motion = amplitude_at(points[:, 0] + 1j * points[:, 1], dt, frequency) + amplitude_at(signals.tip_depth, dt, frequency)
        if oscillation.amplitude < 1.5 * fingertip_motion:
            return None
        first, last = _envelope_span(pinch, dt, frequency)
        cycles = frequency * (last - first) * dt
        if cycles < 1.5:
            return None
        stroke = self._stroke(signals.hand, signals.grid[first : last + 1], points[first : last + 1], "knead", None, None,
                              max(1, int(round(cycles))), frequency,
                              self._run_regularity(pinch[first : last + 1], dt, frequency))
        return first, last, stroke

    def _circle(self, signals: "_Signals") -> "tuple[int, int, Stroke] | None":
        dt, points = signals.dt, signals.points
        signal = points[:, 0] + 1j * points[:, 1]
        oscillation = dominant_oscillation(signal, dt, CIRCLE_HZ)
        if oscillation is None:
            return None
        # Round, and small: a glide and its lifted return also loop, but long and thin.
        major = oscillation.amplitude_plus + oscillation.amplitude_minus
        minor = abs(oscillation.amplitude_plus - oscillation.amplitude_minus)
        if minor < MIN_CIRCLE_ROUNDNESS * major or major > MAX_CIRCLE_RADIUS_FU:
            return None
        needed = _snr_needed(len(signals.grid))
        if oscillation.snr < needed:
            clearly_round = minor >= WEAK_CIRCLE_ROUNDNESS * major and major >= WEAK_CIRCLE_MIN_RADIUS_FU
            if not (clearly_round and oscillation.snr >= WEAK_CIRCLE_SNR_SHARE * needed):
                return None
        frequency = oscillation.frequency_hz
        # Circles go round at an even pace; a slow glide with a quick return has strong overtones
        # (and is thinner): reject strong overtones, or moderate ones on a flattened loop.
        overtone = amplitude_at(signal, dt, 2 * frequency) / major
        if overtone > MAX_CIRCLE_OVERTONE or (overtone > 0.3 and minor < 0.55 * major):
            return None
        first, last = _envelope_span(signal, dt, frequency)
        cycles = frequency * (last - first) * dt
        if cycles < 1.2:
            return None
        centre = points[first : last + 1].mean(axis=0)
        clockwise = oscillation.circularity < 0
        direction = circle_direction(clockwise, float(centre[0]))
        stroke = self._stroke(signals.hand, signals.grid[first : last + 1], points[first : last + 1], "circle", direction, None,
                              max(1, int(round(cycles))), frequency,
                              self._run_regularity(signal[first : last + 1], dt, frequency))
        return first, last, stroke

    def _tap(self, signals: "_Signals") -> "tuple[int, int, Stroke] | None":
        """Taps show as a fast bob of the fingertip in the image, or of its depth, or both."""
        dt, points = signals.dt, signals.points
        signal = points[:, 0] + 1j * points[:, 1]
        # Taps stay in one spot: a run of back-and-forth glides also oscillates, but travels further.
        core = points[len(points) // 6 : max(len(points) // 6 + 2, 5 * len(points) // 6)]
        spread = np.percentile(core, 90, axis=0) - np.percentile(core, 10, axis=0)
        if float(np.hypot(*spread)) > MAX_TAP_SPREAD_FU:
            return None
        candidates: list[tuple[float, Oscillation, np.ndarray]] = []
        # The finger lifting shows in its depth relative to the knuckle: the surest sign of a tap.
        lift = dominant_oscillation(signals.tip_depth, dt, TAP_HZ, trend_order=3)
        if lift is not None and lift.amplitude >= MIN_TAP_LIFT_FU:
            candidates.append((lift.snr, lift, signals.tip_depth))
        # Without it (depth is noisy, or the tap is mostly a bob seen side-on), a small, quick,
        # straight bob of the fingertip in the image; quick glides with returns are larger.
        bob = dominant_oscillation(signal, dt, TAP_HZ, trend_order=3)
        if (bob is not None and abs(bob.circularity) < 0.5 and bob.amplitude <= MAX_TAP_BOB_FU
                and bob.frequency_hz >= MIN_BOB_TAP_HZ):
            candidates.append((bob.snr, bob, signal))
        if lift is not None and candidates and candidates[0][1] is lift:
            # Depth alone is noisy (MediaPipe's hand z): unless the image bob agrees on the tempo,
            # ask for twice the evidence.
            agrees = bob is not None and abs(bob.frequency_hz - lift.frequency_hz) < 0.3 and bob.snr >= 0.5 * _snr_needed(len(signal))
            if not agrees:
                candidates[0] = (lift.snr / 2.0, lift, signals.tip_depth)
        if not candidates:
            return None
        snr, oscillation, source = max(candidates, key=lambda item: item[0])
        if snr < _snr_needed(len(source)) or oscillation.frequency_hz < TAP_HZ[0] + 0.1:
            return None  # a peak on the band's lower edge is slower motion leaking in, not tapping
        frequency = oscillation.frequency_hz
        # Glides with quick returns, repeated, make overtones that can pass for a tapping tempo:
        # a stronger, slower oscillation whose multiple this tempo is gives them away.
        slower = dominant_oscillation(signal, dt, (0.4, 0.75 * frequency), trend_order=3)
        if slower is not None and slower.amplitude > amplitude_at(signal, dt, frequency):
            multiple = frequency / slower.frequency_hz
            if round(multiple) >= 2 and abs(multiple - round(multiple)) < 0.15 * round(multiple):
                return None
        first, last = _envelope_span(source, dt, frequency)
        cycles = frequency * (last - first) * dt
        if cycles < MIN_TAPS:
            return None
        # Taps stay on one spot; a slow glide wobbling with jitter (which light smoothing lets
        # through) drifts steadily one way, far more than its wobble swings.
        swing = 2.0 * max(oscillation.amplitude, bob.amplitude if bob is not None else 0.0)
        if _drift(points[first : last + 1]) > max(MAX_TAP_DRIFT_FU, TAP_DRIFT_PER_SWING * swing):
            return None
        stroke = self._stroke(signals.hand, signals.grid[first : last + 1], points[first : last + 1], "tap", None, None,
                              max(1, int(round(cycles))), frequency,
                              self._run_regularity(source[first : last + 1], dt, frequency))
        return first, last, stroke

    # -- holds and glides ---------------------------------------------------------------------

    def _steady(self, signals: "_Signals") -> list[Stroke]:
        """What is not a run: a hold if the finger stays put long enough, else glides."""
        grid, points, dt = signals.grid, signals.points, signals.dt
        if len(grid) < 6:
            return []
        smooth = savgol(points, int(round(0.25 / dt)) | 1, order=2)
        extent = np.percentile(smooth, 95, axis=0) - np.percentile(smooth, 5, axis=0)
        if float(np.hypot(*extent)) < HOLD_EXTENT_FU:
            if grid[-1] - grid[0] >= MIN_HOLD_S:
                return [self._stroke(signals.hand, grid, points, "hold", None, None, 1, None, 1.0)]
            return []
        return self._glides(signals.hand, grid, points, signals.size_ratio, dt)

    @staticmethod
    def _run_regularity(signal: np.ndarray, dt: float, frequency_hz: float) -> float:
        """How steady the run was: the share of its motion that is the one tempo (1 = metronome-even)."""
        oscillation = dominant_oscillation(signal, dt, (frequency_hz * 0.8, frequency_hz * 1.25))
        if oscillation is None:
            return 0.0
        z = np.asarray(signal, dtype=complex)
        z = z - z.mean()
        total = float(np.mean(np.abs(z) ** 2))
        periodic = oscillation.amplitude_plus**2 + oscillation.amplitude_minus**2
        return float(np.clip(periodic / max(total, 1e-18), 0.0, 1.0))

    # -- glides -------------------------------------------------------------------------------

    def _glides(self, hand: Handedness, grid: np.ndarray, points: np.ndarray, size_ratio: np.ndarray, dt: float) -> list[Stroke]:
        smooth = savgol(points, int(round(0.3 / dt)) | 1, order=2)
        centred = smooth - smooth.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        axis = vt[0]
        progress = centred @ axis
        legs = _legs(progress, threshold=max(0.05, 0.2 * float(np.ptp(progress))))
        speed = np.linalg.norm(savgol(points, int(round(0.3 / dt)) | 1, order=2, derivative=1, dt=dt), axis=1)
        legs = [piece for a, b in legs for piece in _split_at_pauses(speed, a, b, dt)]
        end_zone = len(grid) - 1 - int(round(END_SAMPLES_S / dt))
        measured = []
        flying: list[float] = []  # directions (along the main axis) of legs too fast to be strokes: returns
        for a, b in legs:
            leg = self._measure_leg(grid, points, smooth, size_ratio, dt, a, b)
            if leg is None:
                continue
            if leg.speed > MAX_GLIDE_FU_S:
                flying.append(float(np.sign(progress[leg.last] - progress[leg.first])))
                continue
            # The hand leaving slides the point briefly as it lifts, right at the end of the
            # contact; a flick as short inside the contact is a quick glide read a little short.
            minimum = MIN_LAST_GLIDE_S if b >= end_zone else MIN_GLIDE_S
            if leg.times[-1] - leg.times[0] >= minimum:
                measured.append(leg)
        # The hand leaving (or landing) can slide the point a little while it lifts: such a leg
        # shows the hand growing (or shrinking) clearly in the image along the way.
        if len(measured) > 1 and measured[-1].lift_change > MAX_LIFT_CHANGE:
            measured.pop()  # after the glide, the hand lifting away
        if len(measured) > 1 and measured[0].lift_change < -MAX_LIFT_CHANGE:
            measured.pop(0)  # before the glide, the hand still landing
        if not measured:
            return []
        keep = _drop_returns(measured, progress, flying)
        strokes = []
        for leg in keep:
            start_fu, end_fu = leg.path[0], leg.path[-1]
            try:
                direction = glide_direction(start_fu, end_fu)
            except ValueError:
                continue
            strokes.append(self._stroke(hand, leg.times, leg.path, "glide", direction, leg.speed, 1, None, leg.regularity))
        return strokes

    def _measure_leg(self, grid: np.ndarray, points: np.ndarray, smooth: np.ndarray, size_ratio: np.ndarray, dt: float,
                     first: int, last: int) -> "_Leg | None":
        """Where the leg's sliding starts and stops, its length, mean speed and lift."""
        if last - first < 3:
            return None
        margin = int(round(0.15 / dt))
        lo, hi = max(0, first - margin), min(len(grid) - 1, last + margin)
        chord = smooth[last] - smooth[first]
        length_guess = float(np.linalg.norm(chord))
        if length_guess < MIN_GLIDE_FU:
            return None
        direction = chord / length_guess
        # Speed along the leg's own direction, smoothed over a window short enough for quick glides.
        duration_guess = (last - first) * dt
        window = int(round(min(0.3, max(0.1, duration_guess / 6)) / dt)) | 1
        along = savgol(points[lo : hi + 1] @ direction, window, order=2, derivative=1, dt=dt)
        offset = first - lo
        core = along[offset : offset + (last - first) + 1]
        cruise = float(np.percentile(core, 75))
        if cruise <= 0:
            return None
        t0, duration = fit_ramp_profile(grid[first : last + 1], points[first : last + 1] @ direction)
        t1 = t0 + duration
        start_index = int(np.clip(np.floor((t0 - grid[0]) / dt), first, last))
        end_index = int(np.clip(np.ceil((t1 - grid[0]) / dt), first, last))
        if end_index - start_index < 2:
            return None
        start, end = start_index - lo, end_index - lo
        path = smooth[start_index : end_index + 1]
        # Length along the path at a coarse spacing (jitter and landmark drift would lengthen a finely
        # sampled path): two chords, through the middle, follow a gently curved glide closely enough.
        knots = np.linspace(0, len(path) - 1, 3).round().astype(int)
        heavy = savgol(points[start_index : end_index + 1], max(3, (len(path) // 4) | 1), order=2)
        length = float(np.linalg.norm(np.diff(heavy[knots], axis=0), axis=1).sum())
        duration = max(duration, dt)
        if length < MIN_GLIDE_FU:
            return None
        segment_speed = np.abs(along[start:end + 1])
        regularity = float(np.clip(1.0 - np.std(segment_speed) / max(np.mean(segment_speed), 1e-9), 0.0, 1.0))
        return _Leg(
            first=start_index,
            last=end_index,
            times=grid[start_index : end_index + 1],
            path=path,
            length=length,
            speed=length / duration,
            lift=float(np.median(size_ratio[start_index : end_index + 1])),
            lift_change=_lift_change(size_ratio[start_index : end_index + 1]),
            regularity=regularity,
        )

    # -- output -------------------------------------------------------------------------------

    def _stroke(self, hand: Handedness, times: np.ndarray, points: np.ndarray, pattern: str, direction: str | None,
                speed: float | None, count: int, rate: float | None, regularity: float) -> Stroke:
        return Stroke(
            start_s=float(times[0]),
            end_s=float(times[-1]),
            hand=hand,
            region=_majority_region(self.regions, points),
            pattern=pattern,
            direction=direction,
            speed_fu_s=speed,
            count=count,
            rate_hz=rate,
            path_fu=np.asarray(points, dtype=float),
            times_s=np.asarray(times, dtype=float),
            regularity=float(np.clip(regularity, 0.0, 1.0)),
        )


@dataclass(frozen=True)
class _Signals:
    """An episode's signals on an even clock; ``part`` cuts out a stretch of samples."""

    hand: Handedness
    grid: np.ndarray
    points: np.ndarray
    pinch: np.ndarray
    tip_depth: np.ndarray
    size_ratio: np.ndarray
    dt: float

    def part(self, first: int, last: int) -> "_Signals":
        keep = slice(first, last + 1)
        return _Signals(self.hand, self.grid[keep], self.points[keep], self.pinch[keep], self.tip_depth[keep],
                        self.size_ratio[keep], self.dt)


@dataclass(frozen=True)
class _Leg:
    first: int
    last: int
    times: np.ndarray
    path: np.ndarray
    length: float
    speed: float
    lift: float
    lift_change: float
    regularity: float


def _lift_change(size_ratio: np.ndarray) -> float:
    """Change of apparent hand size from the first to the last quarter of a stretch."""
    quarter = max(2, len(size_ratio) // 4)
    return float(np.median(size_ratio[-quarter:]) - np.median(size_ratio[:quarter]))


def _legs(progress: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Monotone stretches of a 1-D path between reversals larger than ``threshold`` (hysteresis)."""
    n = len(progress)
    if n < 2:
        return []
    turns = [0]
    direction = 0
    extreme_index = 0
    for index in range(1, n):
        value = progress[index]
        if direction >= 0 and value > progress[extreme_index]:
            extreme_index = index
            if direction == 0 and value - progress[turns[-1]] > threshold:
                direction = 1
        elif direction <= 0 and value < progress[extreme_index]:
            extreme_index = index
            if direction == 0 and progress[turns[-1]] - value > threshold:
                direction = -1
        if direction == 1 and progress[extreme_index] - value > threshold:
            turns.append(extreme_index)
            direction = -1
            extreme_index = index
        elif direction == -1 and value - progress[extreme_index] > threshold:
            turns.append(extreme_index)
            direction = 1
            extreme_index = index
        elif direction == 0 and abs(value - progress[turns[-1]]) <= threshold:
            # Still undecided: track the extreme on whichever side moved most.
            if abs(value - progress[turns[-1]]) > abs(progress[extreme_index] - progress[turns[-1]]):
                extreme_index = index
    if direction != 0:
        turns.append(extreme_index)
        if extreme_index != n - 1:
            turns.append(n - 1)
    else:
        turns.append(n - 1)
    legs = []
    for a, b in zip(turns[:-1], turns[1:]):
        if b > a:
            legs.append((a, b))
    return legs


def _split_at_pauses(speed: np.ndarray, first: int, last: int, dt: float) -> list[tuple[int, int]]:
    """Cut a leg where the finger rests for a moment (the end of a glide before the hand lifts away).

    A pause is at least PAUSE_S below a third of the leg's typical moving speed.
    """
    core = speed[first : last + 1]
    if len(core) < 4:
        return [(first, last)]
    moving = float(np.percentile(core, 75))
    still = core < max(PAUSE_SPEED_FU_S, moving / 3.0)
    pieces = []
    start = 0
    index = 0
    minimum = int(round(PAUSE_S / dt))
    while index < len(core):
        if still[index]:
            run_end = index
            while run_end + 1 < len(core) and still[run_end + 1]:
                run_end += 1
            if run_end - index + 1 >= minimum and index > 0 and run_end < len(core) - 1:
                middle = (index + run_end) // 2
                pieces.append((first + start, first + middle))
                start = middle
            index = run_end + 1
        else:
            index += 1
    pieces.append((first + start, last))
    return [(a, b) for a, b in pieces if b > a]


def ramp_progress(tau: np.ndarray, ramp: float) -> np.ndarray:
    """Share of the distance covered at time share tau, for a speed that ramps up linearly over
    ``ramp`` of the time, cruises, and ramps down over the last ``ramp``."""
    tau = np.clip(tau, 0.0, 1.0)
    rising = tau**2 / (2 * ramp)
    cruising = ramp / 2 + (tau - ramp)
    falling = (1 - ramp) - (1 - tau) ** 2 / (2 * ramp)
    area = np.where(tau < ramp, rising, np.where(tau > 1 - ramp, falling, cruising))
    return area / (1 - ramp)


_RAMPS = (0.02, 0.08, 0.15, 0.25)


def fit_ramp_profile(times: np.ndarray, progress: np.ndarray) -> tuple[float, float]:
    """Start time and duration of one slide, by fitting a ramp-up/cruise/ramp-down profile.

    Fitting positions (not differentiated speeds) uses every sample, so jitter averages out, and the
    slow ends of the slide are placed where the whole shape says they are rather than where the
    speed first clears the noise. The profile family runs from nearly constant speed (short ramps)
    to a bell (ramps of half the time), so it fits quick flicks and slow, smooth strokes alike.
    """
    t = np.asarray(times, dtype=float)
    p = np.asarray(progress, dtype=float)
    if len(t) > 90:  # a long, slow slide: every other sample is plenty and halves the cost
        keep = np.linspace(0, len(t) - 1, 90).round().astype(int)
        t, p = t[keep], p[keep]
    span = float(t[-1] - t[0])
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1 / 30
    best = (np.inf, float(t[0]), max(span, step))

    def search(starts: np.ndarray, durations: np.ndarray, ramps: tuple[float, ...]) -> None:
        nonlocal best
        for ramp in ramps:
            tau = (t[None, None, :] - starts[:, None, None]) / durations[None, :, None]
            model = ramp_progress(tau, ramp)
            model_mean = model.mean(axis=2, keepdims=True)
            centred = model - model_mean
            variance = (centred**2).sum(axis=2)
            covariance = (centred * (p - p.mean())[None, None, :]).sum(axis=2)
            residual = ((p - p.mean()) ** 2).sum() - np.where(variance > 1e-12, covariance**2 / np.maximum(variance, 1e-12), 0.0)
            index = np.unravel_index(int(np.argmin(residual)), residual.shape)
            if residual[index] < best[0]:
                best = (float(residual[index]), float(starts[index[0]]), float(durations[index[1]]))

    starts = np.linspace(t[0] - 2 * step, t[-1] - 2 * step, 36)
    durations = np.geomspace(2 * step, span + 4 * step, 36)
    search(starts, durations, _RAMPS)
    _, start, duration = best
    fine_starts = np.linspace(start - 1.5 * (starts[1] - starts[0]), start + 1.5 * (starts[1] - starts[0]), 15)
    ratio = durations[1] / durations[0]
    fine_durations = np.geomspace(duration / ratio**1.5, duration * ratio**1.5, 15)
    search(fine_starts, fine_durations, _RAMPS)
    _, start, duration = best
    return start, duration


def _drop_returns(legs: list[_Leg], progress: np.ndarray, flying: list[float] | None = None) -> list[_Leg]:
    """Keep the stroking legs; drop returns (the faster, more lifted way, when legs go both ways).

    ``flying`` holds the directions of legs already set aside as too fast for a stroke: when they
    all go one way, that way is the return, even where a return's slow, lifted ends made one of
    its legs measure no faster than the strokes.
    """
    if len(legs) == 1:
        return legs
    directions = np.array([np.sign(progress[leg.last] - progress[leg.first]) for leg in legs])
    forward = [leg for leg, d in zip(legs, directions) if d > 0]
    backward = [leg for leg, d in zip(legs, directions) if d < 0]
    if not forward or not backward:
        return legs
    if flying and all(way > 0 for way in flying):
        return backward
    if flying and all(way < 0 for way in flying):
        return forward

    def score(group: list[_Leg]) -> tuple[float, float]:
        return float(np.median([leg.speed for leg in group])), float(np.median([leg.lift for leg in group]))

    forward_speed, forward_lift = score(forward)
    backward_speed, backward_lift = score(backward)
    speed_ratio = forward_speed / max(backward_speed, 1e-9)
    lift_difference = forward_lift - backward_lift
    # Evidence that "forward" is the return way: faster, and/or lifted.
    evidence = math.log(speed_ratio) + 4.0 * lift_difference
    if abs(evidence) < math.log(1.25):
        return legs  # both ways alike: a back-and-forth rub, every leg is a stroke
    return backward if evidence > 0 else forward
