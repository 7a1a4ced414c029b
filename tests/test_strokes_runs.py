"""Runs (circles, taps, kneads) and holds close as soon as they stop, and count their cycles live.

Scripted synthetic sessions (coach.synthetic) fed frame by frame: the hand does a run or a hold and
then travels, still over the face, to a glide (``leave_after=False``), which is where an engine that
waits for the hand to leave reports a run late. Each test asserts the event times against the
labels, so an engine that closes a run a second late, or counts it in a lump, fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coach.strokes.periodic import rhythm_amplitude
from coach.synthetic import Block, SessionSpec, generate_scripted
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)
LATENCY_S = 0.5  # the target: a stroke's event within half a second of its end
# A tap run's count may be one off: the hand rising to leave reads as one more half tap (4 Hz: a
# tap is 0.25 s, so the run's end 0.1-0.15 s late rounds to one more). Measured on this block over
# seeds 1-12: the exact count on 2 of 12 seeds both before and after the face-loss bridge kept the
# hand's motion (total error 23 -> 15 taps); seed 1 went from 10 to 11 (run found 1.5 s earlier).
TAP_COUNT_TOLERANCE = 1






RUN_THEN_GLIDE = [
    pytest.param(Block("tap", "left_cheek", hand="left", rate_hz=4.0, count=10, leave_after=False),
                 Block("glide", "left_jaw", hand="left", direction="up-out", speed_fu_s=0.3), 1, id="tap"),
    pytest.param(Block("circle", "right_cheek", direction="outward", rate_hz=1.0, count=5, radius_fu=0.08, leave_after=False),
                 Block("glide", "right_jaw", direction="up-out", speed_fu_s=0.3), 4, id="circle"),
    pytest.param(Block("knead", "right_cheek", hand="right", rate_hz=1.0, count=5, leave_after=False),
                 Block("glide", "right_jaw", hand="right", direction="up-out", speed_fu_s=0.3), 3, id="knead"),
]


@pytest.mark.parametrize(("run_block", "next_block", "seed"), RUN_THEN_GLIDE)
def test_a_run_closes_within_half_a_second_when_the_hand_goes_on_to_the_next_stroke(
        run_block: Block, next_block: Block, seed: int) -> None:
    frames, labels, _ = generate_scripted([run_block, next_block], seed=seed, spec=SPEC)
    label = labels[0]
    runs = [s for s in final_strokes(engine_events(frames)) if s.pattern == label.pattern]
    assert len(runs) == 1, [(s.pattern, round(s.start_s, 2), round(s.end_s, 2), s.count) for s in runs]
    run = runs[0]
    assert abs(run.count - label.count) <= (TAP_COUNT_TOLERANCE if label.pattern == "tap" else 0), (run.count, label.count)
    assert run.rate_hz == pytest.approx(label.rate_hz, rel=0.1)
    assert min(run.end_s, label.end_s) - max(run.start_s, label.start_s) > 0.8 * (label.end_s - label.start_s)
    assert run.reported_s - label.end_s <= LATENCY_S, f"closed {run.reported_s - label.end_s:.2f} s after the last cycle"


@pytest.mark.parametrize(("run_block", "next_block", "seed"), RUN_THEN_GLIDE)
def test_each_cycle_is_counted_within_half_a_second_once_the_run_is_recognised(
        run_block: Block, next_block: Block, seed: int) -> None:
    frames, labels, _ = generate_scripted([run_block, next_block], seed=seed, spec=SPEC)
    label = labels[0]
    events = engine_events(frames)
    run = next(s for s in final_strokes(events) if s.pattern == label.pattern)
    progress = sorted((s.reported_s, s.count) for s in events if s.stroke_id == run.stroke_id)
    recognised_s = progress[0][0]
    period = (label.end_s - label.start_s) / label.count
    late = []
    for k in range(1, label.count + 1):
        done_s = label.start_s + k * period
        counted_s = next((t for t, count in progress if count >= k), math.inf)
        if done_s >= recognised_s and counted_s - done_s > LATENCY_S:  # cycles before it was recognised count at once
            late.append((k, round(counted_s - done_s, 2)))
    assert not late, f"cycles counted late (cycle, seconds): {late}"
    # once recognised, the count rises one cycle at a time (not in a lump at the close), up to the label's
    counts = [count for _, count in progress]
    assert abs(counts[-1] - label.count) <= (TAP_COUNT_TOLERANCE if label.pattern == "tap" else 0), (counts[-1], label.count)
    assert all(0 <= later - earlier <= 1 for earlier, later in zip(counts, counts[1:])), counts


def test_a_hold_closes_within_half_a_second_when_the_finger_moves_on() -> None:
    blocks = [Block("hold", "left_temple", hand="left", duration_s=2.5, leave_after=False),
              Block("glide", "left_cheek", hand="left", direction="up-out", speed_fu_s=0.3)]
    frames, labels, _ = generate_scripted(blocks, seed=3, spec=SPEC)
    label = labels[0]
    holds = [s for s in final_strokes(engine_events(frames)) if s.pattern == "hold"]
    assert len(holds) == 1
    hold = holds[0]
    assert min(hold.end_s, label.end_s) - max(hold.start_s, label.start_s) > 0.8 * (label.end_s - label.start_s)
    assert hold.reported_s - label.end_s <= LATENCY_S, f"closed {hold.reported_s - label.end_s:.2f} s after it ended"


@pytest.mark.parametrize("phase", [0.0, 0.7, 1.9, 3.0])
def test_the_rhythm_amplitude_is_the_swing_whatever_the_phase_and_drift(phase: float) -> None:
    """The run watch's measure: a cosine of amplitude 0.05 on a drifting signal reads 0.05 over
    whole periods, and about half that half a period after the motion stops."""
    dt, frequency = 1.0 / 30.0, 1.2
    t = np.arange(90) * dt
    drift = 0.4 * t  # the hand creeping along the skin
    signal = 0.05 * np.cos(2 * np.pi * frequency * t + phase) + drift
    assert rhythm_amplitude(signal, dt, frequency) == pytest.approx(0.05, rel=0.02)
    # a circle of radius 0.05 turning clockwise: all in the clockwise part
    turning = 0.05 * np.exp(-1j * (2 * np.pi * frequency * t + phase)) + drift
    assert rhythm_amplitude(turning, dt, frequency, sense=-1) == pytest.approx(0.05, rel=0.02)
    assert rhythm_amplitude(turning, dt, frequency, sense=+1) < 0.005
    # stopped half a period before the end of the window: about half the swing is left
    period = int(round(1.0 / (frequency * dt)))
    stopped = signal.copy()
    stop = len(t) - period // 2
    stopped[stop:] = stopped[stop - 1] + 0.4 * (t[stop:] - t[stop - 1])
    assert 0.3 * 0.05 < rhythm_amplitude(stopped[-period:], dt, frequency) < 0.7 * 0.05
