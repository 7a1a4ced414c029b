"""Peak memory of `coach replay` against clip length: it must stay flat (frames are streamed).

Long landmark recordings are made by looping the bundled demo (times shifted so they keep
increasing); each replay runs in a fresh process that reports its own peak resident memory.
The annotated video is written too, so the renderer and the video writer are part of the check.

    .venv/bin/python benchmarks/bench_memory.py [--minutes 1 3 10] [--no-video]
    .venv/bin/python benchmarks/bench_memory.py --from-video [--loops 1 4]

``--from-video`` replays real video instead (a clip from ../shared/media, scaled to 240×240 so it
runs quickly, repeated 1 and 4 times): tracking, frames decoded ahead on a reader thread, and the
annotated video are then part of the check.

Target: peak memory of the longest clip within 10% (or 30 MB) of the shortest one's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
DEMO = REPO_DIR / "assets" / "samples" / "demo_lymphatic.jsonl.gz"

MEASURE = """
import resource, sys
from pathlib import Path
from coach.replay import run_replay
from coach.technique import find_technique
outcome = run_replay(Path(sys.argv[1]), Path(sys.argv[2]), technique=find_technique("lymphatic_drainage"),
                     write_video=sys.argv[3] == "video", write_html=True)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{outcome.report['frames']} {outcome.report['duration_s']} {peak_mb:.1f}")
"""


def looped_recording(minutes: float, out_path: Path) -> None:
    """Write a recording of about ``minutes`` by repeating the demo's frames, streaming line by line."""
    with gzip.open(DEMO, "rt", encoding="utf-8") as demo:
        header = demo.readline()
        frames = demo.readlines()
    last_t = json.loads(frames[-1])["t"]
    period = last_t + 1.0 / json.loads(header)["fps"]
    wanted_s = minutes * 60.0
    with gzip.open(out_path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write(header)
        offset = 0.0
        while offset < wanted_s:
            for line in frames:
                frame = json.loads(line)
                frame["t"] = round(frame["t"] + offset, 6)
                if frame["t"] > wanted_s:
                    break
                out.write(json.dumps(frame, separators=(",", ":")) + "\n")
            offset += period


VIDEO_SOURCE = REPO_DIR.parent / "shared" / "media" / "videos" / "lp_face_d18.mp4"


def looped_video(loops: int, out_path: Path) -> None:
    """A real clip, scaled to 240×240, repeated ``loops`` times (mp4v)."""
    import cv2

    capture = cv2.VideoCapture(str(VIDEO_SOURCE))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(image, (240, 240), interpolation=cv2.INTER_AREA))
    capture.release()
    writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (240, 240))
    for _ in range(loops):
        for image in frames:
            writer.write(image)
    writer.release()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 3.0, 10.0])
    parser.add_argument("--no-video", action="store_true", help="leave the annotated video out")
    parser.add_argument("--from-video", action="store_true", help=f"replay real video ({VIDEO_SOURCE.name}) looped")
    parser.add_argument("--loops", type=int, nargs="+", default=[1, 4], help="with --from-video: repeats of the clip")
    args = parser.parse_args()
    mode = "none" if args.no_video else "video"
    if args.from_video and not VIDEO_SOURCE.is_file():
        print(f"{VIDEO_SOURCE}: not found; put the shared media beside the checkout", file=sys.stderr)
        return 2
    peaks: list[tuple[float, int, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for minutes in args.loops if args.from_video else args.minutes:
            recording = Path(folder) / f"looped_{minutes:g}min.jsonl.gz"
            if args.from_video:
                recording = Path(folder) / f"looped_{minutes:g}x.mp4"
                looped_video(int(minutes), recording)
            else:
                looped_recording(minutes, recording)
            completed = subprocess.run(
                [sys.executable, "-c", MEASURE, str(recording), str(Path(folder) / f"out_{minutes:g}"), mode],
                capture_output=True, text=True, check=True,
            )
            frames, duration, peak = completed.stdout.split()[-3:]
            peaks.append((minutes, int(frames), float(peak)))
            print(f"replay of {float(duration) / 60:5.1f} min ({int(frames):6d} frames, video={mode == 'video'}): peak {float(peak):7.1f} MB")
    smallest, largest = peaks[0][2], peaks[-1][2]
    growth = largest - smallest
    allowed = max(0.10 * smallest, 30.0)
    verdict = "ok" if growth <= allowed else "MISSED"
    unit = "× the clip" if args.from_video else " min"
    print(f"peak growth from {peaks[0][0]:g} to {peaks[-1][0]:g}{unit}: {growth:+.1f} MB "
          f"(target <= +{allowed:.0f} MB, i.e. flat in clip length) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
