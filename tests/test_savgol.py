"""coach.strokes.signals' Savitzky–Golay weights equal scipy.signal's.

The engine carries its own few lines of Savitzky–Golay (see the comment in coach/strokes/signals.py:
importing scipy.signal costs about 0.8 s of CPU per run); scipy.signal stays the reference here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_coeffs

from coach.strokes.signals import savgol_centre_weights


@pytest.mark.parametrize(("window", "order", "deriv", "delta"), [(7, 2, 0, 1.0), (7, 2, 1, 1 / 30), (9, 3, 1, 0.033), (9, 3, 0, 1.0), (5, 2, 2, 0.1)])
def test_centre_weights_equal_scipys(window: int, order: int, deriv: int, delta: float) -> None:
    expected = savgol_coeffs(window, order, deriv=deriv, delta=delta, use="dot")
    np.testing.assert_allclose(savgol_centre_weights(window, order, deriv, delta), expected, rtol=1e-9, atol=1e-9)


def test_the_engine_does_not_import_scipy_signal() -> None:
    """Its import is what the numpy version saves; a stray import would bring the cost back."""
    import subprocess
    import sys

    code = "import sys, coach.pipeline, coach.replay; print('scipy.signal' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
