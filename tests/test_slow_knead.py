"""A slow knead (0.5-0.8 Hz) is a knead, not a hold (issue 10).

The run search reads the last 2.5 s, which holds only 1.25 cycles of a 0.55 Hz knead (1.5 are
needed), and a kneading fingertip stays put while the thumb swings against it: such kneads were
reported as one long hold. While a hold lasts, the engine now looks back over it (up to 4 s) for
the thumb's swing. Scripted synthetic sessions (coach.synthetic), fed frame by frame.
"""

from __future__ import annotations

import pytest

from coach.synthetic import Block, SessionSpec, generate_scripted
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0, frame_drops=False, hand_misses=False)


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_a_slow_knead_is_one_knead_with_its_count_and_tempo_not_a_hold(seed: int) -> None:
    frames, labels, _ = generate_scripted([Block("knead", "left_jaw", hand="left", rate_hz=0.55, count=5)], seed=seed, spec=SPEC)
    label = labels[0]
    strokes = final_strokes(engine_events(frames))
    assert [stroke.pattern for stroke in strokes] == ["knead"], [(s.pattern, round(s.start_s, 2), round(s.end_s, 2)) for s in strokes]
    knead = strokes[0]
    assert knead.count == label.count
    assert knead.rate_hz == pytest.approx(label.rate_hz, rel=0.15)
    assert abs(knead.start_s - label.start_s) < 0.5
    assert min(knead.end_s, label.end_s) - max(knead.start_s, label.start_s) > 0.9 * (label.end_s - label.start_s)
