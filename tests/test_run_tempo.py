"""A run's tempo is measured over the whole run when it closes (issue 10: rate error ≤ 5 %).

A run is found and followed on windows of 1–2.5 s, whose spectral peaks are about as wide as one
over that time; its tempo was the average of those windows' readings. Once the run closes, its
whole length is measured at once (a long run's peak is that much narrower): the rate in the final
event. The count and the progress events are not changed by it.
"""

from __future__ import annotations

import pytest

from coach.synthetic import Block, SessionSpec, generate_scripted
from engine_helpers import engine_events, final_strokes

SPEC = SessionSpec(hover_probability=0.0)


@pytest.mark.parametrize(("pattern", "region", "rate_hz", "count"), [
    ("circle", "right_cheek", 0.7, 7), ("circle", "left_temple", 1.3, 10),
    ("knead", "right_jaw", 0.9, 7), ("tap", "forehead", 4.5, 30),
])
def test_a_long_run_reports_its_tempo_within_two_percent(pattern: str, region: str, rate_hz: float, count: int) -> None:
    errors = []
    for seed in (1, 2, 3):
        block = Block(pattern, region, hand="right" if region != "left_temple" else "left", rate_hz=rate_hz, count=count)
        frames, labels, _ = generate_scripted([block], seed=seed, spec=SPEC)
        runs = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.pattern == pattern]
        assert runs, f"seed {seed}: no {pattern} found"
        longest = max(runs, key=lambda stroke: stroke.end_s - stroke.start_s)
        assert longest.rate_hz is not None
        errors.append(abs(longest.rate_hz - rate_hz) / rate_hz)
    assert max(errors) <= 0.02, [round(error, 4) for error in errors]
