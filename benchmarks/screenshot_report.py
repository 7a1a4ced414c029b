"""Open a report.html in headless Chromium and save a screenshot, to check the page in a real browser.

    .venv/bin/python benchmarks/screenshot_report.py OUT_DIR/report.html [--out report.png] [--width 1200] [--height 3000]

Runs Chromium with networking features off and a throw-away profile, so it works offline and
leaves nothing behind. Prints the PNG's path. Needs /usr/bin/chromium (or --chromium PATH);
Debian/Ubuntu: apt-get install -y chromium.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 120.0
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium(explicit: str | None = None) -> str | None:
    """The Chromium binary: the one given, /usr/bin/chromium, or one on PATH."""
    for candidate in (explicit, DEFAULT_CHROMIUM, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def screenshot(html_path: Path, png_path: Path, width: int = 1200, height: int = 3000, chromium: str | None = None) -> Path:
    """Render ``html_path`` at width×height CSS pixels and write ``png_path``; raises RuntimeError on failure."""
    binary = find_chromium(chromium)
    if binary is None:
        raise RuntimeError("Chromium not found: install it (apt-get install -y chromium) or pass --chromium PATH")
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise RuntimeError(f"{html_path} does not exist")
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="coach-chromium-") as profile:
        command = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if completed.returncode != 0 or not png_path.is_file():
        raise RuntimeError(
            f"Chromium failed (exit {completed.returncode}) on {html_path}:\n{completed.stderr.strip()[-2000:]}"
        )
    return png_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html", type=Path, help="the report.html to open")
    parser.add_argument("--out", type=Path, help="PNG to write (default: beside the HTML, report.png)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--chromium", help=f"Chromium binary (default {DEFAULT_CHROMIUM} or PATH)")
    args = parser.parse_args(argv)
    out = args.out or args.html.with_suffix(".png")
    try:
        written = screenshot(args.html, out, args.width, args.height, args.chromium)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
