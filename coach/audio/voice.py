"""Offline spoken prompts and clicks: text → WAV with the platform's speech engine, WAV → speaker
with the platform's player, all off the GUI thread.

Why these tools rather than a Python TTS package: every desktop already has an offline speech
engine and a sound player that need no network and no model download, and rendering to a WAV
file first gives one audio path for the voice and the metronome click, files the tests can check,
and a cache (the same prompt is rendered once):

- speech: Linux ``espeak-ng`` (Debian package ``espeak-ng``; ``espeak`` also works), macOS ``say``
  (built in), Windows SAPI5 through PowerShell's System.Speech (built in);
- playback: Linux ``pw-play``, ``paplay`` or ``aplay`` (PipeWire, PulseAudio, ALSA: whichever is
  there), macOS ``afplay``, Windows ``winsound`` (standard library).

pyttsx3 drives the same engines but speaks only to the sound card (no file on Linux without a
patched espeak driver), blocks in ``runAndWait`` and cannot play a click, so it would still need a
player beside it; calling the engines directly is less code and fewer failure modes.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import math
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22_050
SPEECH_TIMEOUT_S = 20.0
VOICE_COOLDOWN_S = 3.5
"""At most one sentence starts in this long: the voice coaches, it does not chatter."""
STALE_AFTER_S = 4.0
"""A sentence that could not be said within this long is dropped (it would be about the past); a
priority sentence (a new step) keeps three times as long."""
GAP_S = 0.4
"""Silence between the end of one sentence and the start of the next: sentences never overlap."""
QUEUE_LIMIT = 4
HISTORY_LIMIT = 200

CLICK_HZ = 1_200.0
CLICK_S = 0.035
CLICK_VOLUME = 0.5


class SpeechUnavailableError(RuntimeError):
    """No offline speech engine on this computer; the message says what to install."""


# ---- text → WAV ----------------------------------------------------------------------------------


def _speech_command(text: str, out_path: Path) -> list[str]:
    """The command that renders ``text`` into the WAV file ``out_path`` on this platform."""
    if sys.platform == "darwin":
        return ["say", "--file-format=WAVE", f"--data-format=LEI16@{SAMPLE_RATE}", "-o", str(out_path), text]
    if sys.platform == "win32":
        script = (
            "Add-Type -AssemblyName System.Speech; $s = New-Object System.Speech.Synthesis.SpeechSynthesizer; "
            f"$s.SetOutputToWaveFile('{out_path}'); $s.Speak($args[0]); $s.Dispose()"
        )
        return ["powershell", "-NoProfile", "-NonInteractive", "-Command", script, text]
    for engine in ("espeak-ng", "espeak"):
        found = shutil.which(engine)
        if found:
            # -s words per minute (a calm pace), -v a clear English voice.
            return [found, "-v", "en-us", "-s", "150", "-w", str(out_path), text]
    raise SpeechUnavailableError(
        "No offline speech engine found: install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng) "
        "to hear the spoken prompts."
    )


def speech_available() -> bool:
    try:
        _speech_command("test", Path("test.wav"))
    except SpeechUnavailableError:
        return False
    return True


def render_speech(text: str, out_path: Path) -> Path:
    """Render ``text`` to a WAV file with the platform's offline speech engine.

    Raises SpeechUnavailableError without an engine, and RuntimeError when the engine fails. Written
    beside and renamed, so a half-written file never appears under ``out_path``.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.stem + ".part.wav")
    command = _speech_command(text, partial)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=SPEECH_TIMEOUT_S)
    if completed.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"speech engine failed ({Path(command[0]).name}): {completed.stderr.strip()[:200]}")
    partial.replace(out_path)
    return out_path


def write_click_wav(path: Path, hz: float = CLICK_HZ, seconds: float = CLICK_S, volume: float = CLICK_VOLUME) -> Path:
    """A short wooden-sounding click (a sine with a fast fade), so the beat is heard without being harsh."""
    samples = int(SAMPLE_RATE * seconds)
    t = np.arange(samples) / SAMPLE_RATE
    envelope = np.exp(-t * 110.0) * np.minimum(1.0, t * 3000.0)
    signal = (volume * 32767 * envelope * np.sin(2 * math.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(signal.tobytes())
    return path


@dataclass(frozen=True)
class WavStats:
    """What a test (or a check at start-up) wants to know about a rendered sound."""

    seconds: float
    rms: float  # 0..1 of full scale
    peak: float


def wav_stats(path: Path) -> WavStats:
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit samples, got {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(float) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    seconds = len(samples) / rate if rate else 0.0
    rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
    return WavStats(seconds, rms, float(np.abs(samples).max()) if len(samples) else 0.0)


def _wav_seconds(path: Path) -> float:
    """How long a WAV file plays (from its header; 0 when it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate() or 1)
    except (OSError, wave.Error, EOFError):
        return 0.0


# ---- WAV → speaker -------------------------------------------------------------------------------


class Player(Protocol):
    def play(self, wav: Path) -> None:
        """Start playing ``wav`` and return without waiting for it to end."""


class SystemPlayer:
    """Plays WAV files with the platform's own player, without waiting for them to finish.

    Player processes are reaped on later calls, so none is left a zombie; with no player on the
    system the first call logs what to install, and later ones are silent.
    """

    def __init__(self) -> None:
        self._command = self._find_command()
        self._running: list[subprocess.Popen[bytes]] = []
        self._warned = False

    @staticmethod
    def _find_command() -> list[str] | None:
        if sys.platform == "darwin":
            return ["afplay"] if shutil.which("afplay") else None
        if sys.platform == "win32":
            return []  # winsound, see play()
        for candidate in (["pw-play"], ["paplay"], ["aplay", "-q"]):
            if shutil.which(candidate[0]):
                return candidate
        return None

    @property
    def available(self) -> bool:
        return self._command is not None

    def play(self, wav: Path) -> None:
        self._running = [process for process in self._running if process.poll() is None]
        if self._command is None:
            if not self._warned:
                self._warned = True
                logger.warning("No sound player found (Linux: install alsa-utils or pulseaudio-utils); prompts are shown, not heard")
            return
        if sys.platform == "win32":
            import winsound

            winsound.PlaySound(str(wav), winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT)
            return
        try:
            self._running.append(
                subprocess.Popen([*self._command, str(wav)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        except OSError as error:
            logger.warning("playing %s failed: %s", wav.name, error)

    def close(self) -> None:
        for process in self._running:
            if process.poll() is None:
                process.terminate()
        for process in self._running:
            try:
                process.wait(1.0)
            except subprocess.TimeoutExpired:
                process.kill()
        self._running = []


class FolderPlayer:
    """"Plays" by copying each sound into a folder, numbered in order: what would have been heard,
    kept for a test or a headless demo to check."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.played: list[tuple[float, Path]] = []
        self._lock = threading.Lock()

    def play(self, wav: Path) -> None:
        with self._lock:
            target = self.folder / f"{len(self.played):03d}-{wav.name}"
            shutil.copyfile(wav, target)
            self.played.append((time.monotonic(), target))


# ---- the voice thread ----------------------------------------------------------------------------


class Voice:
    """Says sentences on a thread of its own: rendered once per distinct text (cached WAVs), one
    started at most every ``cooldown_s``, never blocking the caller.

    ``say`` only queues. A priority sentence (a new step, the end) waits for the cooldown; any
    other sentence is dropped when the voice is still cooling down or the queue is full, and any
    sentence older than ``stale_after_s`` is dropped instead of said late. ``click`` plays the
    metronome click through the same player at once (no cooldown: it is a beat, not a sentence).
    """

    def __init__(
        self,
        player: Player | None = None,
        cache_dir: Path | None = None,
        cooldown_s: float = VOICE_COOLDOWN_S,
        stale_after_s: float = STALE_AFTER_S,
        renderer: Callable[[str, Path], Path] = render_speech,
    ) -> None:
        self.player: Player = player if player is not None else SystemPlayer()
        self._own_cache = cache_dir is None
        self._cache_holder = tempfile.TemporaryDirectory(prefix="coach-voice-") if cache_dir is None else None
        self.cache_dir = Path(self._cache_holder.name) if self._cache_holder is not None else Path(cache_dir)  # type: ignore[arg-type]
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.cooldown_s = cooldown_s
        self.stale_after_s = stale_after_s
        self._render = renderer
        self._queue: queue.Queue[tuple[float, str, bool] | None] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._last_started = -math.inf
        self._speaking_until = -math.inf
        self._click_path = write_click_wav(self.cache_dir / "click.wav")
        self.enabled = True
        # What was said and what was dropped, most recent last (bounded: a session can be long).
        self.spoken: collections.deque[str] = collections.deque(maxlen=HISTORY_LIMIT)
        self.dropped: collections.deque[str] = collections.deque(maxlen=HISTORY_LIMIT)
        self.error: str = ""
        self._stopping = threading.Event()
        self._click_wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coach-voice", daemon=True)
        self._thread.start()
        # Clicks start a player process; that is done here, not on the caller's (GUI) thread.
        self._click_thread = threading.Thread(target=self._run_clicks, name="coach-click", daemon=True)
        self._click_thread.start()

    def say(self, text: str, priority: bool = False) -> bool:
        """Queue a sentence; False when it was dropped at once (voice off, or busy and not a priority)."""
        if not self.enabled or not text:
            return False
        now = time.monotonic()
        if not priority and (self._next_start() > now or not self._queue.empty()):
            self.dropped.append(text)
            return False
        try:
            self._queue.put_nowait((now, text, priority))
        except queue.Full:
            self.dropped.append(text)
            return False
        return True

    def click(self) -> None:
        """Play the metronome click soon (returns at once; clicks asked for faster than they can
        start are merged)."""
        self._click_wanted.set()

    def _run_clicks(self) -> None:
        while True:
            self._click_wanted.wait()
            if self._stopping.is_set():
                return
            self._click_wanted.clear()
            self.player.play(self._click_path)

    def wav_for(self, text: str) -> Path:
        """The rendered sentence (rendered now unless it is cached)."""
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
        path = self.cache_dir / f"say-{digest}.wav"
        if not path.is_file():
            self._render(text, path)
        return path

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            queued_at, text, priority = item
            wait = self._next_start() - time.monotonic()
            if wait > 0 and not priority:
                self.dropped.append(text)  # the moment passed while another sentence was said
                continue
            if wait > 0 and self._stopping.wait(wait):
                return
            stale_after = self.stale_after_s * (3.0 if priority else 1.0)
            if time.monotonic() - queued_at > stale_after or not self.enabled:
                self.dropped.append(text)
                continue
            try:
                wav = self.wav_for(text)
            except SpeechUnavailableError as error:
                if not self.error:
                    self.error = str(error)
                    logger.warning("%s", error)
                continue
            except Exception as error:  # a failing engine must not end the session; say why once
                if not self.error:
                    self.error = f"Spoken prompts failed: {error}"
                    logger.warning("spoken prompt %r failed", text, exc_info=True)
                continue
            self._last_started = time.monotonic()
            self._speaking_until = self._last_started + _wav_seconds(wav)
            self.spoken.append(text)
            self.player.play(wav)

    def _next_start(self) -> float:
        """When the next sentence may start: after the cooldown and after the current one has ended."""
        return max(self._last_started + self.cooldown_s, self._speaking_until + GAP_S)

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop the thread (a sentence being rendered finishes first) and remove the cache."""
        self._stopping.set()
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._queue.put(None)
        self._click_wanted.set()
        self._thread.join(timeout_s)
        self._click_thread.join(timeout_s)
        close = getattr(self.player, "close", None)
        if callable(close):
            close()
        if self._cache_holder is not None and not self._thread.is_alive():
            self._cache_holder.cleanup()
