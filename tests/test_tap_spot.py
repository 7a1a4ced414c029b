"""A tap run is placed where the finger lands, not where it is seen lifted (issue 10).

A tapping finger is on the skin only as it lands; lifted toward the camera, its tip is seen off its
spot in the image (under the eye, a finger pivoting up seems to tap the eyelid, and the run was
called "brow"). The engine places a run of taps by the half of its samples farthest from the
camera: the fingertip farthest behind its knuckle, or the whole hand at its smallest.
"""

from __future__ import annotations

import pytest

from coach.strokes import engine as engine_module
from coach.synthetic import Block, generate_scripted
from engine_helpers import engine_events, final_strokes

CASES = [(region, seed) for region in ("left_under_eye", "right_under_eye", "left_cheek", "forehead", "chin", "left_temple")
         for seed in range(4)]


def _wrongly_placed() -> list[tuple[str, int, list[str | None]]]:
    wrong = []
    for region, seed in CASES:
        hand = "right" if region.startswith("right") else "left"
        frames, _, _ = generate_scripted([Block("tap", region, hand=hand, count=10)], seed=seed)
        taps = [stroke for stroke in final_strokes(engine_events(frames)) if stroke.pattern == "tap"]
        if [stroke.region for stroke in taps] != [region]:
            wrong.append((region, seed, [stroke.region for stroke in taps]))
    return wrong


def test_a_tap_run_is_placed_where_the_finger_lands() -> None:
    # 24 runs of ten taps; one under-eye run (left, seed 2) is still read as the brow.
    assert len(_wrongly_placed()) <= 1


def test_placed_by_all_its_samples_taps_under_the_eye_are_read_on_the_brow(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above can fail: placed by every sample (lifted ones too), 5 of the 24 were wrong.
    monkeypatch.setattr(engine_module, "TAP_REGION_LANDED", False)
    assert len(_wrongly_placed()) >= 4
