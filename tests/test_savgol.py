"""coach.strokes.signals' Savitzky–Golay weights and smoothing equal scipy.signal's.

The engine carries its own few lines of Savitzky–Golay (see the comment in coach/strokes/signals.py:
importing scipy.signal costs about 0.8 s of CPU per run); scipy.signal stays the reference here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_coeffs, savgol_filter

from coach.strokes.signals import savgol_centre_weights, savgol_smooth


@pytest.mark.parametrize(("window", "order", "deriv", "delta"), [(7, 2, 0, 1.0), (7, 2, 1, 1 / 30), (9, 3, 1, 0.033), (9, 3, 0, 1.0), (5, 2, 2, 0.1)])
def test_centre_weights_equal_scipys(window: int, order: int, deriv: int, delta: float) -> None:
    expected = savgol_coeffs(window, order, deriv=deriv, delta=delta, use="dot")
    np.testing.assert_allclose(savgol_centre_weights(window, order, deriv, delta), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("window", "order", "deriv"), [(9, 3, 1), (9, 3, 0), (7, 2, 1), (5, 2, 2)])
@pytest.mark.parametrize("length", [9, 10, 31, 200])
def test_smoothing_equals_scipys_interp_mode(window: int, order: int, deriv: int, length: int) -> None:
    if length < window:
        pytest.skip("shorter than the window")
    rng = np.random.default_rng(length * 100 + window * 10 + deriv)
    # A bell-shaped glide's progress with tracking jitter: the signal the glide timer differentiates.
    t = np.linspace(0.0, 1.0, length)
    signal = 10 * t**3 - 15 * t**4 + 6 * t**5 + rng.normal(0.0, 0.01, length)
    delta = 1 / 30
    expected = savgol_filter(signal, window, order, deriv=deriv, delta=delta, mode="interp")
    np.testing.assert_allclose(savgol_smooth(signal, window, order, deriv, delta), expected, rtol=1e-9, atol=1e-9)


def test_smoothing_a_too_short_signal_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 9 samples"):
        savgol_smooth(np.zeros(8), 9, 3)


def test_the_engine_does_not_import_scipy_signal() -> None:
    """Its import is what the numpy version saves; a stray import would bring the cost back."""
    import subprocess
    import sys

    code = "import sys, coach.pipeline, coach.replay; print('scipy.signal' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
