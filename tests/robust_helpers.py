"""What the issue-12 tests share: running the real command, checking its one line, small real inputs."""

from __future__ import annotations

import functools
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
DEMO = REPO_DIR / "assets" / "samples" / "demo_lymphatic.jsonl.gz"


def coach_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "coach", *args]


def coach_env(**extra: str) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)


def run_coach(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(coach_command(*args), capture_output=True, text=True, cwd=cwd or REPO_DIR, env=coach_env(), timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, exactly one `coach: error:` line and nothing else on stderr, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("coach: error:"), result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def demo_lines() -> list[str]:
    """The bundled demo recording's lines (a fresh list; the text is read once per process)."""
    if not DEMO.is_file():
        pytest.skip(f"demo recording not found at {DEMO}")
    return list(_demo_lines())


@functools.lru_cache(maxsize=1)
def _demo_lines() -> tuple[str, ...]:
    return tuple(gzip.decompress(DEMO.read_bytes()).decode().splitlines(keepends=True))


def short_recording(folder: Path, seconds: float = 3.0, name: str = "short.jsonl") -> Path:
    """The first seconds of the bundled demo recording (real coach-landmarks lines)."""
    lines = demo_lines()
    kept = [lines[0]] + [line for line in lines[1:] if json.loads(line)["t"] <= seconds]
    path = folder / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress("".join(kept).encode()))
    else:
        path.write_text("".join(kept))
    return path


def write_portrait_clip(path: Path, portrait_path: Path, frames: int = 12, fps: float = 15.0) -> Path:
    """A short real video: matplotlib's portrait, shifting a little each frame."""
    portrait = cv2.imread(str(portrait_path))
    size = (portrait.shape[1], portrait.shape[0])
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for index in range(frames):
        shift = np.float32([[1, 0, index * 2], [0, 1, 0]])
        writer.write(cv2.warpAffine(portrait, shift, size, borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
