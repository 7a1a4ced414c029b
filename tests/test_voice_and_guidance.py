"""Spoken prompts rendered to real audio by the offline speech engine (espeak-ng on Linux) and
checked as sound; the voice thread's cooldown; and the words and cues of guided coaching."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from coach.audio.voice import FolderPlayer, Voice, render_speech, speech_available, wav_stats, write_click_wav
from coach.technique import load_library
from coach.technique.guidance import (
    DEMO_S,
    REST_S,
    SAFETY_S,
    SPOKEN_SAFETY,
    GuidedMode,
    LaterStepWatcher,
    SpeedScale,
    VoicePrompter,
    tempo_gauge,
    why_it_helps,
)
from coach.technique.scoring import score_stroke
from coach.types import ScoredStroke, StepProgress, Stroke, StrokeScore

REPO_DIR = Path(__file__).resolve().parents[1]
PROMPTS = (SPOKEN_SAFETY, "Step one: Neck open, left side.", "Three more.", "Slow down.", "Routine finished. Well done.")

needs_speech = pytest.mark.skipif(
    not speech_available(), reason="no offline speech engine (Debian/Ubuntu: apt-get install espeak-ng)"
)


@needs_speech
@pytest.mark.parametrize("text", PROMPTS)
def test_prompts_render_to_audible_wav_files(text: str, tmp_path: Path) -> None:
    wav = render_speech(text, tmp_path / "prompt.wav")
    stats = wav_stats(wav)
    words = len(text.split())
    # Spoken at a calm pace: roughly 0.2–0.8 s a word, never empty or endless.
    assert 0.2 * words <= stats.seconds <= 0.8 * words + 1.0, stats
    assert stats.rms > 0.02 and stats.peak > 0.2, f"{text!r} rendered (nearly) silent: {stats}"
    assert not list(tmp_path.glob("*.part.wav"))
    keep = REPO_DIR / "test-artifacts" / "voice"
    keep.mkdir(parents=True, exist_ok=True)
    (keep / f"{text[:24].strip('. ').replace(' ', '_').replace(':', '').replace(',', '')}.wav").write_bytes(wav.read_bytes())


def test_click_is_short_and_audible(tmp_path: Path) -> None:
    stats = wav_stats(write_click_wav(tmp_path / "click.wav"))
    assert 0.01 < stats.seconds < 0.1 and stats.peak > 0.3


@needs_speech
def test_voice_thread_says_at_most_one_sentence_per_cooldown_and_never_blocks(tmp_path: Path) -> None:
    player = FolderPlayer(tmp_path / "heard")
    voice = Voice(player=player, cooldown_s=1.0, stale_after_s=3.0)
    try:
        started = time.perf_counter()
        assert voice.say("Step two: Brow sweep.", priority=True)
        voice.say("Speed up.")  # dropped or queued behind: the voice never chatters
        assert voice.say("Step three: Cheek lift.", priority=True)
        assert time.perf_counter() - started < 0.1, "say() must only queue"
        deadline = time.monotonic() + 20
        while len(player.played) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(voice.spoken)[:2] == ["Step two: Brow sweep.", "Step three: Cheek lift."]
        (first_at, first), (second_at, _) = player.played[:2]
        # The cooldown, and never over the first sentence: the second starts after it has ended.
        assert second_at - first_at >= max(0.95, wav_stats(first).seconds)
        assert wav_stats(first).rms > 0.02
        voice.click()
        deadline = time.monotonic() + 5
        while not player.played[-1][1].name.endswith("click.wav") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert player.played[-1][1].name.endswith("click.wav")
    finally:
        voice.close()


def _progress(step: int, side: str | None, done: int, wanted: int = 6, finished: bool = False) -> StepProgress:
    return StepProgress("lymphatic_drainage", step, 7, "neck_open", "", side, "left_neck", "glide", "down", done, wanted,
                        finished=finished)


def _scored(corrections: tuple[str, ...], counted: bool = False, confidence: float | None = None) -> ScoredStroke:
    stroke = Stroke(0.0, 1.0, "left", "left_neck", "glide", "down", 0.6, 1, None)
    if confidence is not None:
        object.__setattr__(stroke, "confidence", confidence)
    return ScoredStroke(stroke, StrokeScore(0, 60.0, {}, corrections, counted))


def test_voice_prompter_says_step_milestones_repeated_corrections_and_the_end() -> None:
    prompter = VoicePrompter()
    said = [p.text for p in prompter.update(_progress(0, "left", 0), (), 0.0)]
    assert said == [SPOKEN_SAFETY, "Step one: Neck open, left side."]
    assert prompter.update(_progress(0, "left", 3), (_scored(()),), 1.0)[0].text == "Three more."
    assert prompter.update(_progress(0, "left", 3), (_scored(("Slow down",)),), 2.0) == []  # once is not a pattern
    assert [p.text for p in prompter.update(_progress(0, "left", 3), (_scored(("Slow down",)),), 3.0)] == ["Slow down."]
    # The same correction again soon after is not repeated; an unsure stroke never gets one.
    prompter.update(_progress(0, "left", 3), (_scored(("Slow down",)),), 4.0)
    assert prompter.update(_progress(0, "left", 3), (_scored(("Slow down",)),), 5.0) == []
    assert prompter.update(_progress(0, "left", 3), (_scored(("Speed up",), confidence=0.3),) * 3, 30.0) == []
    # Progress events of a run still going are not repeats of a correction.
    going_on = _scored(("Faster circles",))
    object.__setattr__(going_on.stroke, "final", False)
    assert prompter.update(_progress(0, "left", 3), (going_on,) * 3, 40.0) == []
    # A glide re-judged when the face comes back (the same stroke_id again) is not a second stroke.
    revised = _scored(("Stroke upward",))
    object.__setattr__(revised.stroke, "stroke_id", 41)
    assert prompter.update(_progress(0, "left", 3), (revised,) * 3, 50.0) == []
    again = _scored(("Stroke upward",))
    object.__setattr__(again.stroke, "stroke_id", 42)
    assert [p.text for p in prompter.update(_progress(0, "left", 3), (again,), 51.0)] == ["Stroke upward."]
    assert prompter.update(_progress(0, "right", 0), (), 6.0)[0].text == "Step one: Neck open, right side."
    end = prompter.update(_progress(6, None, 6, finished=True), (), 7.0)
    assert [p.text for p in end] == ["Routine finished. Well done."] and end[0].priority


def test_speeds_are_said_in_centimetres() -> None:
    assert SpeedScale().say(0.3) == "about 3 cm/s"
    assert SpeedScale(10.0, calibrated=True).say(0.3) == "3.0 cm/s"
    assert SpeedScale().say_range(0.15, 0.5) == "about 1–4 cm/s"
    assert tempo_gauge(0.1, (0.15, 0.5)).verdict == "slower"
    assert tempo_gauge(0.3, (0.15, 0.5)).words == "Right speed"
    assert tempo_gauge(1.0, (0.15, 0.5)).words == "Much too fast"


def test_guided_mode_safety_demo_rest_and_side_countdown() -> None:
    technique = load_library()["lymphatic_drainage"]
    guided = GuidedMode(technique)
    first = guided.update(_progress(0, "left", 0), 0.0)
    assert first.phase == "safety" and "eyes" in first.detail and first.demo
    assert guided.update(_progress(0, "left", 0), SAFETY_S + 0.1).phase == "demo"
    assert guided.update(_progress(0, "left", 1), SAFETY_S + DEMO_S + 0.2).phase == "coach"
    countdown = guided.update(_progress(0, "right", 0), 20.0)
    assert countdown.phase == "countdown" and countdown.countdown == 3 and "right" in countdown.headline
    assert guided.update(_progress(0, "right", 0), 23.1).phase == "coach"
    rest = guided.update(_progress(1, "left", 0), 30.0)
    assert rest.phase == "rest" and "Chin to ear" in rest.detail
    assert guided.update(_progress(1, "left", 0), 30.0 + REST_S + 0.1).demo
    assert all(why_it_helps(step) for step in technique.steps)


def test_strokes_that_keep_fitting_a_later_step_offer_a_jump_there() -> None:
    technique = load_library()["gentle_glides"]
    cheek = technique.steps[3]  # cheek lift: glide up-out on the cheek
    assert cheek.name == "cheek_lift"
    path = np.array([[0.45, -0.45], [0.6, -0.3]])
    stroke = Stroke(0.0, 1.0, "left", "left_cheek", "glide", "up-out", 0.3, 1, None, path_fu=path)
    assert score_stroke(stroke, cheek, "left").counted
    current = score_stroke(stroke, technique.steps[0], None)
    watcher = LaterStepWatcher(technique)
    progress = StepProgress("gentle_glides", 0, 6, "forehead_smooth", "", None, "forehead", "glide", "out", 0, 6)
    assert watcher.on_strokes([ScoredStroke(stroke, current)], progress) is None
    assert watcher.on_strokes([ScoredStroke(stroke, current)], progress) == 3
    # Once the user is there (or a stroke counts where they are), the offer goes.
    on_cheek = StepProgress("gentle_glides", 3, 6, "cheek_lift", "", "left", "left_cheek", "glide", "up-out", 0, 6)
    assert watcher.on_strokes([], on_cheek) is None
