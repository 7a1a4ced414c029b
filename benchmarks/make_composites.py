"""Write the real-pixel evaluation clips (family c) as videos, to look at them.

The clips themselves are made by coach.evaluation.composites (real hand photos pasted along
scripted strokes on the portrait and on real face footage); the benchmark renders and tracks them
in memory and never needs these files. Each clip is written as OUT_DIR/NAME.mp4 with
OUT_DIR/NAME.labels.json (the labelled strokes), and with --truth the pasted index fingertip is
marked (red dot) and the labelled stroke named on the frame.

    .venv/bin/python benchmarks/make_composites.py OUT_DIR [--quick] [--only NAME ...] [--truth]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.evaluation.composites import FPS, HandPhotos, recipes, render_clip  # noqa: E402
from coach.types import HAND_INDEX_TIP  # noqa: E402

MEDIA_DIR = Path(__file__).resolve().parents[2] / "shared" / "media"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the real-pixel composite clips as mp4 files for a look.")
    parser.add_argument("out", type=Path, help="folder to write the clips into (created)")
    parser.add_argument("--media", type=Path, default=MEDIA_DIR, help="the shared media folder (default: ../shared/media)")
    parser.add_argument("--quick", action="store_true", help="only the few short clips the tests use")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these clips")
    parser.add_argument("--truth", action="store_true", help="mark the pasted fingertip and the labelled stroke")
    arguments = parser.parse_args(argv)
    if not (arguments.media / "hands").is_dir():
        sys.stderr.write(f"error: no hand photos in {arguments.media / 'hands'}; pass --media with the shared media folder.\n")
        return 2
    chosen = [recipe for recipe in recipes(arguments.quick) if not arguments.only or recipe.name in arguments.only]
    if not chosen:
        sys.stderr.write(f"error: no clip named {', '.join(arguments.only)}; run without --only to see the names.\n")
        return 2
    arguments.out.mkdir(parents=True, exist_ok=True)
    photos = HandPhotos(arguments.media)
    try:
        for recipe in chosen:
            clip = render_clip(recipe, arguments.media, photos)
            path = arguments.out / f"{recipe.name}.mp4"
            partial = path.with_suffix(".part.mp4")
            writer = cv2.VideoWriter(str(partial), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (clip.width, clip.height))
            for frame in clip.frames():
                image = frame.image
                if arguments.truth:
                    for points in clip.truth_px.values():
                        tip = points[frame.index, HAND_INDEX_TIP]
                        if not np.isnan(tip[0]):
                            cv2.circle(image, (int(tip[0]), int(tip[1])), 3, (0, 0, 255), -1)
                    now = [label for label in clip.labels if label.start_s <= frame.timestamp_s <= label.end_s]
                    text = ", ".join(f"{label.hand} {label.pattern} {label.direction or ''} {label.region}" for label in now)
                    cv2.putText(image, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 255), 1, cv2.LINE_AA)
                writer.write(image)
            writer.release()
            partial.replace(path)
            labels = [label.to_json_dict() for label in clip.labels]
            path.with_suffix(".labels.json").write_text(json.dumps(labels, indent=1))
            sys.stdout.write(f"{path}: {clip.frame_count / FPS:.1f} s, {len(labels)} labelled strokes\n")
    finally:
        photos.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
