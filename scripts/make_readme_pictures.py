"""Make the README's pictures from the project itself.

- docs/live_window.png: the live window (960×760) fed frame by frame from a real clip through the
  real tracker and pipeline (a composite of a real hand stroking up the cheek of the portrait, from
  ../shared/media), at the moment its last stroke is judged;
- docs/report.png: the top of report.html of the bundled demo, in headless Chromium.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_readme_pictures.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
CLIP = REPO_DIR.parent / "shared" / "media" / "composite" / "clip_stroke_up_Rcheek_point.mp4"
TECHNIQUE, STEP = "gentle_glides", 0  # the stroke up the cheek is judged against the forehead step


def live_window_picture(out: Path) -> None:
    import cv2  # noqa: F401  # before Qt, as the program does

    from coach.pipeline import Pipeline
    from coach.render.overlay import ensure_qt_app
    from coach.sources import open_source
    from coach.technique import load_library
    from coach.ui.main_window import LiveWindow
    from coach.types import Frame
    from coach.ui.worker import SourceSpec, bgr_to_qimage, jump_to_step

    app = ensure_qt_app()
    library = load_library()
    window = LiveWindow([SourceSpec(path=CLIP)], None, library, technique=library[TECHNIQUE], voice=False)
    window.resize(960, 760)
    window.show()
    window.view.message = ""
    pipeline = Pipeline(technique=library[TECHNIQUE])
    assert pipeline.session is not None
    jump_to_step(pipeline.session, STEP)
    window._guided.update(pipeline.session.progress(), 0.0)
    best = None
    with open_source(str(CLIP), pacing="fast") as source:
        frames = list(source)
    duration = frames[-1].timestamp_s + 1.0 / 30.0
    # The clip twice over (a second stroke), so the first stroke's judgement is on screen.
    for round_index in range(2):
        for frame in frames:
            frame = Frame(frame.index + round_index * len(frames), frame.timestamp_s + round_index * duration, frame.image)
            result = pipeline.process_frame(frame)
            window._coach(result)
            window.view.show_frame(result, bgr_to_qimage(frame.image), time.perf_counter())
            window.last_progress = result.progress
            window.message_label.setText(window._progress_text(result.progress))
            app.processEvents()
            if best is None and result.last_stroke is not None and window.side_panel.feedback_card.isVisible():
                best = window.grab()
    pipeline.close()
    (best or window.grab()).save(str(out))
    window._show_summary = False
    window.close()
    print(f"wrote {out}")


def report_picture(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="coach-demo-") as folder:
        subprocess.run([sys.executable, "-m", "coach", "replay", "--out", folder, "--no-video"], check=True, cwd=REPO_DIR)
        subprocess.run(
            [sys.executable, str(REPO_DIR / "benchmarks" / "screenshot_report.py"), str(Path(folder) / "report.html"),
             "--out", str(out), "--width", "1100", "--height", "1250"],
            check=True, cwd=REPO_DIR,
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    docs = REPO_DIR / "docs"
    if CLIP.is_file():
        live_window_picture(docs / "live_window.png")
    else:
        print(f"{CLIP} not found: docs/live_window.png left as it is")
    report_picture(docs / "report.png")
