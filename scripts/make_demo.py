"""Generate the bundled demo: a synthetic landmark recording of a lymphatic drainage session.

The demo is made by this project's own code (coach.synthetic: the canonical face mesh from the
matplotlib portrait, posed and moved in 3D, with a scripted 21-point hand), so it can be shipped.
It follows the first steps of the lymphatic_drainage technique the way a real person might: mostly
right, sometimes too fast or in the wrong direction, so the report has something to say.

    .venv/bin/python scripts/make_demo.py   # rewrites assets/samples/demo_lymphatic.jsonl.gz
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from coach.synthetic import Block, SessionSpec, generate_scripted, write_session
from coach.technique import find_technique
from coach.technique.model import region_name

OUTPUT = Path(__file__).resolve().parents[1] / "assets" / "samples" / "demo_lymphatic.jsonl.gz"
SEED = 20261124
STEPS_PERFORMED = 3  # neck, jaw, cheek: enough to show progress without a long file

# (step index, side) → what this imperfect performance does differently from the target.
MISTAKES: dict[tuple[int, str], dict[str, object]] = {
    (0, "right"): {"speed_fu_s": 0.75},  # rushed: "Slow down"
    (1, "left"): {"direction": "down-in"},  # backwards along the jaw
}


def demo_blocks() -> list[Block]:
    technique = find_technique("lymphatic_drainage")
    blocks: list[Block] = []
    for step in technique.steps[:STEPS_PERFORMED]:
        low, high = step.speed_fu_s or (0.1, 0.35)
        for side in step.sides:
            region = region_name(step.regions[0], side)
            block = Block(
                pattern=step.pattern,
                region=region,
                hand=side,
                direction=step.direction,
                speed_fu_s=(low + high) / 2,
                length_fu=0.32,
                reps=step.reps or 6,
                leave_after=True,
            )
            blocks.append(block)
            mistake = MISTAKES.get((step.index, side))
            if mistake is not None:
                blocks.append(replace(block, reps=2, **mistake))  # type: ignore[arg-type]
    return blocks


def main() -> int:
    contact = find_technique("lymphatic_drainage").contact  # the demo touches the way the technique asks
    # A face small enough in the picture that the neck strokes stay in view.
    spec = SessionSpec(fps=20.0, hover_probability=0.0, lead_in_s=1.5, tail_s=1.0, contact=contact, scale_px_per_fu=75.0)
    frames, labels, info = generate_scripted(demo_blocks(), seed=SEED, spec=spec)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    write_session(OUTPUT, frames, labels, info)
    sys.stdout.write(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.1f} MB, {info.frames} frames, {info.duration_s:.0f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
