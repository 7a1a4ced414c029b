"""A soft metronome at the current step's tempo, driven by a Qt timer (never a busy loop).

The beat is always available as a signal (the window shows it as a pulsing dot) and is heard by
default: the click goes through the same audio path as the spoken prompts (coach.audio: a short
WAV played by the system's own player), so no extra package is needed. When Qt Multimedia is
installed (PySide6-Addons, the optional "sound" extra) its lower-latency QSoundEffect plays the
click instead.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal

from coach.audio.voice import write_click_wav
from coach.types import StepProgress

logger = logging.getLogger(__name__)

MIN_PERIOD_S = 0.12  # faster than ~8 Hz taps the clicks would blur into a buzz
MAX_PERIOD_S = 10.0
GLIDE_RETURN_SHARE = 0.5
"""A glide's beat covers the stroke and the lift back to its start, taken as half the stroke's time."""


def beat_period_s(progress: StepProgress | None) -> float | None:
    """Seconds between beats for this step, or None when the step has no rhythm (holds, no step).

    Circles, taps and kneads beat at their target rate. A glide beats once per stroke: its target
    path length over the target speed, plus the time to lift back to the start.
    """
    if progress is None or progress.finished:
        return None
    if progress.pattern in ("circle", "tap", "knead"):
        if progress.target_rate_hz and progress.target_rate_hz > 0:
            return float(np.clip(1.0 / progress.target_rate_hz, MIN_PERIOD_S, MAX_PERIOD_S))
        return None
    if progress.pattern == "glide" and progress.target_speed_fu_s and progress.target_speed_fu_s > 0:
        path = np.asarray(progress.target_path_fu, dtype=float).reshape(-1, 2)
        if len(path) < 2:
            return None
        length = float(np.sum(np.linalg.norm(np.diff(path, axis=0), axis=1)))
        if length <= 0:
            return None
        stroke_s = length / progress.target_speed_fu_s
        return float(np.clip(stroke_s * (1.0 + GLIDE_RETURN_SHARE), MIN_PERIOD_S, MAX_PERIOD_S))
    return None


def sound_available() -> bool:
    return importlib.util.find_spec("PySide6.QtMultimedia") is not None


class Metronome(QObject):
    """Beats at ``period_s`` while enabled; emits ``beat`` and plays a click when sound is available."""

    beat = Signal()

    def __init__(self, parent: QObject | None = None, click: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self._click = click
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timeout)
        self._enabled = False
        self._period_s: float | None = None
        self._effect: Any = None
        self._sound_dir: tempfile.TemporaryDirectory[str] | None = None
        self._sound_checked = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def period_s(self) -> float | None:
        return self._period_s

    @property
    def audible(self) -> bool:
        return self._effect is not None or self._click is not None

    def set_click(self, click: Callable[[], None] | None) -> None:
        """How to make the click heard when Qt Multimedia is not there (the voice's player)."""
        self._click = click

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        if enabled and not self._sound_checked:
            self._prepare_sound()
        self._reschedule()

    def set_period(self, period_s: float | None) -> None:
        """Change the tempo; a change below 1 ms is ignored so the beat is not reset every frame."""
        if period_s == self._period_s or (
            period_s is not None and self._period_s is not None and abs(period_s - self._period_s) < 1e-3
        ):
            return
        self._period_s = period_s
        self._reschedule()

    def _reschedule(self) -> None:
        if self._enabled and self._period_s is not None:
            self._timer.start(max(1, round(self._period_s * 1000)))
        else:
            self._timer.stop()

    def _on_timeout(self) -> None:
        if self._effect is not None:
            self._effect.play()
        elif self._click is not None:
            self._click()
        self.beat.emit()

    def _prepare_sound(self) -> None:
        self._sound_checked = True
        if not sound_available():
            if self._click is None:
                logger.info("Metronome sound unavailable (no audio player); showing the beat only")
            return
        from PySide6.QtMultimedia import QSoundEffect

        self._sound_dir = tempfile.TemporaryDirectory(prefix="coach-metronome-")
        click = write_click_wav(Path(self._sound_dir.name) / "click.wav")  # the same click the voice path plays
        effect = QSoundEffect(self)
        effect.setSource(QUrl.fromLocalFile(str(click)))
        effect.setVolume(0.6)
        self._effect = effect

    def close(self) -> None:
        self._timer.stop()
        if self._sound_dir is not None:
            self._sound_dir.cleanup()
            self._sound_dir = None
