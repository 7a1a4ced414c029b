#!/usr/bin/env bash
# Install coach with its test tools into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
# The Tasks tracker's model bundles (hash-checked), so its tests run in this environment too
# (without them they skip here; the Tasks block at the end fetches again and fails without them).
.venv/bin/python scripts/fetch_models.py || echo "note: model bundles not fetched; Tasks tests skip in .venv" >&2
# Tools for the real-window and real-browser checks (Debian/Ubuntu, as root); those tests skip without
# them. Qt's xcb platform plugin needs the libxcb-* and libxkbcommon-x11 libraries to open a real window.
# espeak-ng is the offline voice of the spoken prompts (their tests render it to WAV files).
SYSTEM_PACKAGES="xvfb chromium libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 espeak-ng"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for package in $SYSTEM_PACKAGES; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
  done
  if [ -n "$missing" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) ||
      echo "note: could not install$missing; the real-window and browser tests will skip" >&2
  fi
fi
# Static checks first (configured in pyproject.toml): lint and types of coach/.
.venv/bin/ruff check coach
.venv/bin/mypy
export QT_QPA_PLATFORM=offscreen
# The live window's threaded tests run in a process of their own, with no other test module
# imported (see tests/test_live_window.py).
.venv/bin/python -m pytest -m "not live_window" "$@"
.venv/bin/python -m pytest tests/test_live_window.py tests/test_live_coaching.py "$@"

# ---- The Tasks backend (issue 13): a second environment with current mediapipe and numpy 2
# (scripts/install.sh --tasks), running the tracker, face frame, recording, real-pixel stroke and
# backend tests with COACH_BACKEND=tasks. Tests that call the legacy Solutions API directly skip.
bash scripts/install.sh --test --tasks
COACH_BACKEND=tasks exec .venv-tasks/bin/python -m pytest tests/test_tracker.py tests/test_geometry.py \
  tests/test_recording.py tests/test_strokes_real.py tests/test_backends.py tests/test_second_search.py "$@"
