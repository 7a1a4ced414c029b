"""Runs of repeated strokes — circles, taps, kneads — found in the last few seconds of a contact.

The engine asks this module, a few times a second while a finger is on the skin, whether the
recent window is one repetition repeated. Each pattern has one signal where it shows best and a
few physical limits:

- **knead**: the thumb-to-index gap opens and closes (pinch and release) while the fingertip
  itself stays on the skin: the gap swings more than the fingertip moves;
- **circle**: the contact point goes round: its motion as x + iy has one frequency with power at
  +f only (or -f only), the sign being the rotation sense; a circle is round and finger-sized;
- **tap**: the finger or hand lifts toward the camera and comes back, several times a second.
  That shows as the hand's apparent size swinging (the strongest cue on real footage: a few
  per cent), as the fingertip's depth relative to its knuckle, or as a small straight bob of the
  fingertip in the image; whichever is clearest counts, and taps stay on one spot.

Everything is in face units (sizes as ratios), so head motion, already removed by the face frame,
does not enter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from coach.strokes.signals import Oscillation, amplitude_at, dominant_oscillation, envelope_span, median

# Tempo bands of the patterns (the techniques' target ranges, with room either side).
CIRCLE_HZ = (0.25, 3.0)
TAP_HZ = (1.8, 10.0)
KNEAD_HZ = (0.25, 3.0)
SLOWEST_TAP_HZ = TAP_HZ[0] + 0.1
"""A peak at the tap band's lower edge (below this) is slower motion leaking in, not tapping."""

PERIODIC_SNR = 14.0
"""Spectral peak over the noise floor that a repetition needs (a 3-s window of jittery landmarks
never reaches it by chance; see signals.dominant_oscillation)."""

KNEAD_GAP_FU = 0.07  # peak-to-peak change of the thumb-index gap that is a pinch (6 mm), not a twitch
MIN_CIRCLE_ROUNDNESS = 0.4  # minor / major axis: rounder than the loop a glide and its return make
MAX_CIRCLE_RADIUS_FU = 0.25  # a fingertip circle is at most ~2 cm across its radius
MIN_CIRCLE_RADIUS_FU = 0.03
"""A fingertip circle on the skin is a few millimetres round at least (2.5 mm here); a smaller loop is
the tracking's jitter round a finger at rest (a long hold read as a slow circle: 0.012-0.021 FU on
the tuning sets, where every true circle found measured 0.041 FU or more)."""
MAX_CIRCLE_OVERTONE = 0.45  # circles go round at an even pace; a glide with a quick return does not
ROUND_CIRCLE_SNR_SHARE = 0.3  # a clearly round loop (minor ≥ 0.6 major) is a circle on this share of the spectral evidence
MAX_TAP_BOB_FU = 0.06  # a tap bobs the fingertip by millimetres; a larger bob is a back-and-forth rub
MIN_TAP_LIFT_FU = 0.02  # fingertip depth swing (vs its knuckle) of a centimetre or more
MIN_TAP_SIZE_SWING = 0.025  # apparent hand size swing (peak to peak) of a hand lifted 1+ cm at 50 cm
MAX_TAP_SPREAD_FU = 0.25  # taps stay on one spot
MAX_TAP_DRIFT_FU = 0.08
MIN_CYCLES = {"knead": 1.5, "circle": 1.2, "tap": 3.0}


@dataclass(frozen=True)
class WindowSignals:
    """The recent stretch of one contact on an even clock."""

    times: np.ndarray  # n
    points: np.ndarray  # n×2, face units
    size_ratio: np.ndarray  # n, apparent hand size / its size at the face's depth
    pinch: np.ndarray  # n, thumb tip to index tip, face units
    tip_depth: np.ndarray  # n, fingertip depth relative to its knuckle, face units
    dt: float


@dataclass(frozen=True)
class RunFinding:
    """One repetition found in a window: its pattern, tempo and where in the window it lasts."""

    pattern: str
    frequency_hz: float
    first: int  # sample indices in the window
    last: int
    clockwise: bool | None  # circles only
    evidence: float  # spectral SNR over what was needed (≥ 1)
    regularity: float  # 0..1, share of the motion that is the one tempo
    source: str = "points"  # the signal the rhythm was read from (one of SOURCES)

    def cycles(self, dt: float) -> float:
        return self.frequency_hz * (self.last - self.first + 1) * dt


SOURCES = ("points", "pinch", "size_ratio", "tip_depth")
"""The signals a rhythm can be read from: the contact point (x + iy), the thumb-index gap, the
hand's apparent size, the fingertip's depth."""


def source_signal(window: WindowSignals, source: str) -> np.ndarray:
    """One of SOURCES as a signal (the contact point as the complex x + iy)."""
    if source == "points":
        return window.points[:, 0] + 1j * window.points[:, 1]
    return np.asarray(getattr(window, source))


def rhythm_amplitude(signal: np.ndarray, dt: float, frequency_hz: float, sense: int = 0) -> float:
    """Amplitude of one tempo over whole periods at the end of a signal, fitted with a straight-line drift.

    The tempo (both rotation senses) and the drift are fitted together by least squares: removing
    a line first would take a part of the swing that depends on its phase, and a plain average
    lets a drift pass for swing. When the motion stops, this falls to about half once the stop is
    half a period old, which is how a run's end is seen. ``sense`` +1/−1 keeps only the
    counter-clockwise/clockwise turning part (circles); 0 sums both (a cosine of amplitude a gives
    a, like Oscillation.amplitude).
    """
    period = 1.0 / (frequency_hz * dt)
    whole = max(1, int(len(signal) / period))
    n = min(len(signal), max(6, int(round(whole * period))))
    z = np.asarray(signal[-n:], dtype=complex)
    # Normal equations (4×4): this runs every sample while a run goes on; whole periods keep them
    # well conditioned (the columns are nearly orthogonal).
    adjoint, normal = _rhythm_design(n, dt, frequency_hz)
    coefficients = np.linalg.solve(normal, adjoint @ z)
    plus, minus = abs(coefficients[2]), abs(coefficients[3])
    if sense > 0:
        return float(plus)
    if sense < 0:
        return float(minus)
    return float(plus + minus)


@lru_cache(maxsize=32)
def _rhythm_design(n: int, dt: float, frequency_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """rhythm_amplitude's least-squares design (mean, drift and the tempo both ways) as its adjoint
    and normal matrix: a run's tempo changes only at its checks, so the samples between reuse them."""
    x = np.linspace(-0.5, 0.5, n)
    turn = np.exp(2j * np.pi * frequency_hz * dt * np.arange(n))
    design = np.column_stack([np.ones(n), x, turn, np.conj(turn)])
    adjoint = design.conj().T
    normal = adjoint @ design
    adjoint.flags.writeable = normal.flags.writeable = False
    return adjoint, normal


def snr_needed(samples: int) -> float:
    """A short stretch gives a rough spectrum whose noise peaks run higher: ask for more there."""
    return PERIODIC_SNR * max(1.0, 45.0 / max(samples, 1))


def find_run(window: WindowSignals) -> RunFinding | None:
    """The repetition in the window, if there is one (kneads first: the cheapest sure evidence)."""
    # A repetition stays on one spot (a circle at most MAX_CIRCLE_RADIUS_FU round it): what came
    # before the hand got there — its way over from the last stroke, with the hand often held up
    # — is no part of it, and its one big swing would drown a short run of taps.
    arrived = _arrival(window.points)
    if arrived:
        window = _tail(window, arrived)
    if len(window.times) < 12:
        return None
    for detector in (_knead, _circle, _tap):
        found = detector(window)
        if found is not None and found.cycles(window.dt) >= MIN_CYCLES[found.pattern]:
            return replace(found, first=found.first + arrived, last=found.last + arrived) if arrived else found
    return None


def find_knead(window: WindowSignals) -> RunFinding | None:
    """A knead in the window, and nothing else.

    For the engine's long look back over a fingertip held still (a slow knead shows its 1.5 cycles
    only over more than the usual window): a circle or taps would have shown on the usual window
    already, and over a long still stretch the fingertip's drift is no rhythm to look for.
    """
    arrived = _arrival(window.points)
    if arrived:
        window = _tail(window, arrived)
    if len(window.times) < 12:
        return None
    found = _knead(window)
    if found is None or found.cycles(window.dt) < MIN_CYCLES["knead"]:
        return None
    return replace(found, first=found.first + arrived, last=found.last + arrived) if arrived else found


MAX_RUN_REACH_FU = 0.6
"""A point this far from where the finger is now was before it arrived (a circle spans at most 0.5)."""


def _arrival(points: np.ndarray) -> int:
    """Index of the first sample after the last one that lay farther than MAX_RUN_REACH_FU from
    where the finger now works (the median of the window's last quarter); 0 if none did."""
    here = median(points[-max(2, len(points) // 4):], axis=0)
    far = np.flatnonzero(np.hypot(points[:, 0] - here[0], points[:, 1] - here[1]) > MAX_RUN_REACH_FU)
    return int(far[-1]) + 1 if len(far) else 0


def _tail(window: WindowSignals, first: int) -> WindowSignals:
    return WindowSignals(times=window.times[first:], points=window.points[first:], size_ratio=window.size_ratio[first:],
                         pinch=window.pinch[first:], tip_depth=window.tip_depth[first:], dt=window.dt)


def confirm_run(window: WindowSignals, pattern: str, frequency_hz: float, clockwise: bool | None) -> RunFinding | None:
    """Whether a run already found goes on: the same pattern near the same tempo, on half the evidence.

    Confirming a rhythm one already follows takes less than discovering one (hysteresis), so a
    run does not flicker off for a cycle made a little unevenly.
    """
    if len(window.times) < 12:
        return None
    dt = window.dt
    band = {"knead": KNEAD_HZ, "circle": CIRCLE_HZ, "tap": TAP_HZ}[pattern]
    if pattern == "knead":
        sources = ["pinch"]
    elif pattern == "circle":
        sources = ["points"]
    else:
        sources = ["size_ratio", "tip_depth", "points"]
    best: tuple[float, Oscillation, np.ndarray, str] | None = None
    for source in sources:
        signal = source_signal(window, source)
        oscillation = dominant_oscillation(signal, dt, band, trend_order=_trend_order(pattern))
        if oscillation is None or not 0.75 * frequency_hz <= oscillation.frequency_hz <= 1.33 * frequency_hz:
            continue
        share = oscillation.snr / snr_needed(len(signal))
        if best is None or share > best[0]:
            best = (share, oscillation, signal, source)
    if best is None or best[0] < 0.5:
        return None
    _, oscillation, signal, source = best
    if pattern == "circle":
        if (oscillation.circularity < 0) != clockwise or abs(oscillation.circularity) < 0.3:
            return None
    return _finding(pattern, signal, window, oscillation, clockwise=clockwise, source=source)


def _trend_order(pattern: str) -> int:
    """Polynomial trend taken out before a run's spectrum: a tap's size and depth drift slowly with
    the hand (a cubic), a circle's or knead's signal only shifts (a line)."""
    return 3 if pattern == "tap" else 1


def run_tempo(signal: np.ndarray, dt: float, pattern: str, frequency_hz: float) -> float | None:
    """A run's tempo measured over all of ``signal`` (its whole length, once it has closed), near the
    tempo it was followed at (0.8–1.25×); None when no peak stands there."""
    oscillation = dominant_oscillation(signal, dt, (0.8 * frequency_hz, 1.25 * frequency_hz), trend_order=_trend_order(pattern))
    return None if oscillation is None else oscillation.frequency_hz


def _regularity(signal: np.ndarray, dt: float, frequency_hz: float) -> float:
    """How steady the run was: the share of its motion that is the one tempo (1 = metronome-even)."""
    oscillation = dominant_oscillation(signal, dt, (frequency_hz * 0.8, frequency_hz * 1.25))
    if oscillation is None:
        return 0.0
    z = np.asarray(signal, dtype=complex)
    z = z - z.mean()
    total = float(np.mean(np.abs(z) ** 2))
    periodic = oscillation.amplitude_plus**2 + oscillation.amplitude_minus**2
    return float(np.clip(periodic / max(total, 1e-18), 0.0, 1.0))


def _finding(pattern: str, signal: np.ndarray, window: WindowSignals, oscillation: Oscillation,
             clockwise: bool | None = None, source: str = "points", span: tuple[int, int] | None = None,
             needed: float | None = None) -> RunFinding:
    first, last = span if span is not None else envelope_span(signal, window.dt, oscillation.frequency_hz)
    return RunFinding(
        pattern=pattern,
        frequency_hz=oscillation.frequency_hz,
        first=first,
        last=last,
        clockwise=clockwise,
        evidence=oscillation.snr / (needed if needed is not None else snr_needed(len(signal))),
        regularity=_regularity(signal[first : last + 1], window.dt, oscillation.frequency_hz),
        source=source,
    )


def _knead(window: WindowSignals) -> RunFinding | None:
    dt = window.dt
    oscillation = dominant_oscillation(window.pinch, dt, KNEAD_HZ)
    if oscillation is None or oscillation.snr < snr_needed(len(window.pinch)):
        return None
    # A real cosine of amplitude a shows a/2 at +f and at -f: peak-to-peak is 2 · (plus + minus).
    if 2 * oscillation.amplitude < KNEAD_GAP_FU:
        return None
    # The gap also changes when the index finger itself lifts (taps); kneading moves the thumb
    # against a finger that stays on the skin, so the gap must change more than the fingertip moves.
    frequency = oscillation.frequency_hz
    fingertip = amplitude_at(window.points[:, 0] + 1j * window.points[:, 1], dt, frequency)
    fingertip += amplitude_at(window.tip_depth, dt, frequency)
    if oscillation.amplitude < 1.5 * fingertip:
        return None
    # Kneading stays on one spot; a series of glides with returns (the hand over the eyes, its
    # gap wavering with the tracking) slides the fingertip to and fro at a half or third of the tempo.
    position = window.points[:, 0] + 1j * window.points[:, 1]
    if max(amplitude_at(position, dt, frequency / 2), amplitude_at(position, dt, frequency / 3)) > MAX_TAP_BOB_FU:
        return None
    return _finding("knead", window.pinch, window, oscillation, source="pinch")


def _circle(window: WindowSignals) -> RunFinding | None:
    dt = window.dt
    signal = window.points[:, 0] + 1j * window.points[:, 1]
    oscillation = dominant_oscillation(signal, dt, CIRCLE_HZ)
    if oscillation is None:
        return None
    major = oscillation.amplitude_plus + oscillation.amplitude_minus
    minor = abs(oscillation.amplitude_plus - oscillation.amplitude_minus)
    if minor < MIN_CIRCLE_ROUNDNESS * major or not MIN_CIRCLE_RADIUS_FU <= major <= MAX_CIRCLE_RADIUS_FU:
        return None
    needed = snr_needed(len(signal))
    if oscillation.snr < needed:
        # Two turns leave a rough spectrum (landing and lifting fill the noise floor), but a clearly
        # round loop of a fingertip circle's size is something neither jitter nor a glide draws.
        clearly_round = minor >= 0.6 * major and major >= 0.03
        if not (clearly_round and oscillation.snr >= ROUND_CIRCLE_SNR_SHARE * needed):
            return None
        # Its evidence is then measured against what this test needed (its shape stands in for the
        # rest of the spectrum), so that a clear circle is not reported as a guess.
        needed *= ROUND_CIRCLE_SNR_SHARE
    overtone = amplitude_at(signal, dt, 2 * oscillation.frequency_hz) / major
    if overtone > MAX_CIRCLE_OVERTONE or (overtone > 0.3 and minor < 0.55 * major):
        return None
    # A kneading hand's fingertip rolls a little with each pinch; while the knead is too young for
    # its own test, a thumb-index gap that opens and closes with this "circle", by a pinch's
    # amount and more than the fingertip moves, says it is a knead.
    gap = amplitude_at(window.pinch, dt, oscillation.frequency_hz)
    if gap >= KNEAD_GAP_FU and gap >= 1.5 * major:
        return None
    return _finding("circle", signal, window, oscillation, clockwise=oscillation.circularity < 0, needed=needed)


def _drift(points: np.ndarray) -> float:
    """Net displacement from the first to the last quarter of a stretch (medians: jitter and the
    oscillation itself average out)."""
    quarter = max(2, len(points) // 4)
    return float(np.linalg.norm(median(points[-quarter:], axis=0) - median(points[:quarter], axis=0)))


def _tap(window: WindowSignals) -> RunFinding | None:
    dt, points = window.dt, window.points
    core = points[len(points) // 6 : max(len(points) // 6 + 2, 5 * len(points) // 6)]
    low, high = _percentiles(core, (10, 90))
    spread = high - low
    if float(np.hypot(*spread)) > MAX_TAP_SPREAD_FU:
        return None
    signal = points[:, 0] + 1j * points[:, 1]
    size = dominant_oscillation(window.size_ratio, dt, TAP_HZ, trend_order=3)
    lift = dominant_oscillation(window.tip_depth, dt, TAP_HZ, trend_order=3)
    bob = dominant_oscillation(signal, dt, TAP_HZ, trend_order=3)
    seen: list[tuple[Oscillation, np.ndarray, str]] = []
    if size is not None and 2 * size.amplitude >= MIN_TAP_SIZE_SWING:
        seen.append((size, window.size_ratio, "size_ratio"))
    if lift is not None and lift.amplitude >= MIN_TAP_LIFT_FU:
        seen.append((lift, window.tip_depth, "tip_depth"))
    if bob is not None and abs(bob.circularity) < 0.5 and bob.amplitude <= MAX_TAP_BOB_FU and bob.frequency_hz >= 2.0:
        seen.append((bob, signal, "points"))
    if not seen:
        return None
    # A tapping finger lifts toward the camera: the hand's size and the fingertip's depth (and often
    # the tip's bob, as the finger pivots) keep its tempo, each however faintly. Alone, each of them
    # wanders with the tracking's noise (a still hand's size can show a faint 2-4 Hz "rhythm" for a
    # second), so a tempo that no other of the three signals peaks at needs twice the evidence.
    tempos = [other.frequency_hz for other in (size, lift, bob)
              if other is not None and other.frequency_hz >= SLOWEST_TAP_HZ]
    candidates = [
        (oscillation.snr if sum(abs(tempo - oscillation.frequency_hz) < 0.3 for tempo in tempos) >= 2
         else oscillation.snr / 2.0, oscillation, source, name)
        for oscillation, source, name in seen
    ]
    snr, oscillation, source, source_name = max(candidates, key=lambda item: item[0])
    if snr < snr_needed(len(source)) or oscillation.frequency_hz < SLOWEST_TAP_HZ:
        return None
    frequency = oscillation.frequency_hz
    # Tracking noise is red (slow wander dominates), so its spectrum falls from the band's lower
    # edge: a tapping tempo is a peak that stands above the slower motion below it.
    if amplitude_at(source, dt, frequency) < 1.4 * amplitude_at(source, dt, 0.6 * frequency):
        return None
    # A tapping finger lifts and lands on one spot (its tip may swing at the tapping tempo as the
    # finger pivots); a series of short glides with lifted returns also swings the hand's size,
    # at a harmonic of its pace (twice or three times per glide and return), but its fingertip
    # slides to and fro at the series' own, slower pace.
    if max(amplitude_at(signal, dt, frequency / 2), amplitude_at(signal, dt, frequency / 3)) > MAX_TAP_BOB_FU:
        return None
    # Back-and-forth rubbing makes overtones that can pass for a tapping tempo: a stronger, slower
    # oscillation (of the same signal) whose multiple this tempo is gives it away.
    slower = dominant_oscillation(source, dt, (0.4, 0.75 * frequency), trend_order=3)
    if slower is not None and slower.amplitude > amplitude_at(source, dt, frequency):
        multiple = frequency / slower.frequency_hz
        if round(multiple) >= 2 and abs(multiple - round(multiple)) < 0.15 * round(multiple):
            return None
    first, last = envelope_span(source, dt, frequency)
    # Taps begin once the hand is on their spot: the end of its way over (which swings the size
    # too, and so passes for the first tap) is cut off.
    spot = median(points[(first + last) // 2 : last + 1], axis=0)
    off = np.flatnonzero(np.hypot(*(points[first : (first + last) // 2] - spot).T) > 2 * MAX_TAP_BOB_FU)
    if len(off):
        first += int(off[-1]) + 1
    if _drift(points[first : last + 1]) > MAX_TAP_DRIFT_FU:
        return None
    # A rhythm repeats: one bump (a hand lifted once, for a return) or a burst of jitter has a
    # strong spectrum too, but only taps rise and fall again and again.
    if _rises(source[first : last + 1], oscillation.amplitude) < MIN_CYCLES["tap"]:
        return None
    return _finding("tap", source, window, oscillation, source=source_name, span=(first, last))


def _percentiles(values: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """np.percentile(values, percents, axis=0) (linear interpolation) by its own arithmetic on one
    sort: the same values without its generic machinery, which cost a tenth of a run check."""
    ordered = np.sort(np.asarray(values, dtype=float), axis=0)
    count = len(ordered)
    virtual = (count - 1) * np.true_divide(np.asarray(percents), 100)
    previous = np.floor(virtual).astype(np.intp)
    following = np.minimum(previous + 1, count - 1)
    gamma = (virtual - previous).reshape(-1, *([1] * (ordered.ndim - 1)))
    below, above = ordered[previous], ordered[following]
    difference = above - below
    result = np.where(gamma >= 0.5, above - difference * (1 - gamma), below + difference * gamma)
    result[..., np.isnan(ordered[-1])] = np.nan  # a NaN anywhere makes np.percentile NaN
    return result


def _rises(signal: np.ndarray, amplitude: float) -> int:
    """How many times a signal rises through its middle by a good part of the rhythm's swing."""
    values = np.asarray(signal)
    if np.iscomplexobj(values):
        centred = values - values.mean()
        axis = np.exp(-1j * np.angle(np.sum(centred**2)) / 2)  # the main direction of a back-and-forth
        values = (centred * axis).real
    values = np.asarray(values, dtype=float)
    middle = float(median(values))
    band = 0.3 * amplitude
    rises, low = 0, False
    for value in values:
        if value < middle - band:
            low = True
        elif value > middle + band and low:
            rises += 1
            low = False
    return rises
