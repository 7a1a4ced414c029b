"""The points calibration asks the user to touch, with where an average face has them.

The mesh cannot see the cheekbone under the skin, the angle of the jaw, the temple hollow or the
hollow above the collarbone (which lies below the mesh altogether), so the default regions only
guess them. Each target's default position is where the default regions (coach.geometry.regions)
put that point; the touched position tells how far this user differs, and the region warp
(adjust.py) moves the boundaries to match.

Two kinds of target:
- a *boundary* target (two regions) lies on the shared boundary of those regions; after
  calibration that boundary passes exactly through the touched point;
- an *inside* target (one region) marks a spot inside a region; the region moves with it.

Positions are in face units (see coach.geometry.canonical): +x toward the subject's own left,
+y up. Targets come in mirrored right/left pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TouchTarget:
    """A named anatomical point the user touches during calibration."""

    name: str  # e.g. "right_cheekbone" (the subject's own right)
    label: str  # how the prompt names it: "the top of your right cheekbone"
    hint: str  # where exactly, for the prompt and for a repeated step
    default_fu: tuple[float, float]
    regions: tuple[str, ...]  # two: on their shared boundary; one: inside that region
    max_offset_fu: float = 0.35  # a touch farther than this from the default is taken as a mistake
    # Points of the default outlines that move rigidly with this target (the bottom of the neck
    # follows the collarbone hollow, where no mesh point or other target holds it).
    followers_fu: tuple[tuple[float, float], ...] = ()

    @property
    def kind(self) -> str:
        """'boundary' or 'inside'."""
        return "boundary" if len(self.regions) == 2 else "inside"

    @property
    def moves(self) -> str:
        """What this target adjusts, in words (for the user and the docs)."""
        if self.kind == "boundary":
            return f"the boundary between {self.regions[0]} and {self.regions[1]}"
        return f"the position of {self.regions[0]}"

    @property
    def twin(self) -> str | None:
        """The mirrored target's name (right_x ↔ left_x)."""
        if self.name.startswith("right_"):
            return "left_" + self.name[len("right_") :]
        if self.name.startswith("left_"):
            return "right_" + self.name[len("left_") :]
        return None

    @property
    def default(self) -> np.ndarray:
        return np.array(self.default_fu, dtype=float)


def _pair(
    base: str,
    label: str,
    hint: str,
    right_default: tuple[float, float],
    regions: tuple[str, ...],
    max_offset_fu: float = 0.35,
    right_followers: tuple[tuple[float, float], ...] = (),
) -> tuple[TouchTarget, TouchTarget]:
    """The subject's right target and its mirror image on the left."""

    def mirrored(point: tuple[float, float]) -> tuple[float, float]:
        return (-point[0], point[1])

    right = TouchTarget(
        name=f"right_{base}",
        label=label.format(side="right"),
        hint=hint.format(side="right"),
        default_fu=right_default,
        regions=tuple(f"right_{region}" for region in regions),
        max_offset_fu=max_offset_fu,
        followers_fu=right_followers,
    )
    left = TouchTarget(
        name=f"left_{base}",
        label=label.format(side="left"),
        hint=hint.format(side="left"),
        default_fu=mirrored(right_default),
        regions=tuple(f"left_{region}" for region in regions),
        max_offset_fu=max_offset_fu,
        followers_fu=tuple(mirrored(point) for point in right_followers),
    )
    return right, left


# Defaults lie exactly on the default outlines (tests check it):
# - cheekbone: on the under-eye/cheek edge (-0.20,-0.20)→(-0.55,-0.22), halfway, under the middle of the eye;
# - jaw angle: on the jaw/neck edge (-0.95,-0.72)→(-0.76,-0.97), 80 % of the way;
# - temple: inside the temple region, beside the end of the brow;
# - collarbone hollow: inside the neck region near its bottom; the neck's bottom corner follows it.
DEFAULT_TARGETS: tuple[TouchTarget, ...] = (
    *_pair(
        "cheekbone",
        "the top of your {side} cheekbone",
        "just below the middle of your {side} eye, where the bone ends and the soft under-eye begins",
        (-0.375, -0.21),
        ("under_eye", "cheek"),
    ),
    *_pair(
        "jaw_angle",
        "the angle of your {side} jaw",
        "the corner of your jawbone below your {side} ear",
        (-0.798, -0.92),
        ("jaw", "neck"),
    ),
    *_pair(
        "temple",
        "your {side} temple",
        "the soft hollow beside the outer end of your {side} eyebrow",
        (-0.79, 0.18),
        ("temple",),
    ),
    *_pair(
        "collarbone_hollow",
        "the hollow above your {side} collarbone",
        "the dip just above your {side} collarbone, beside the neck (where lymphatic strokes end)",
        (-0.55, -2.20),
        ("neck",),
        # Neck length depends on posture and how the head is held, so allow more.
        max_offset_fu=0.5,
        right_followers=((-0.80, -2.50),),
    ),
)


def target_by_name(name: str, targets: Sequence[TouchTarget] = DEFAULT_TARGETS) -> TouchTarget:
    for target in targets:
        if target.name == name:
            return target
    known = ", ".join(target.name for target in targets)
    raise KeyError(f"unknown touch target '{name}' (known: {known})")


TARGET_NAMES: tuple[str, ...] = tuple(target.name for target in DEFAULT_TARGETS)
