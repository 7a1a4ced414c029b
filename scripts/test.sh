#!/usr/bin/env bash
# Install coach with its test tools into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
# Tools for the real-window and real-browser checks (Debian/Ubuntu, as root); those tests skip without
# them. Qt's xcb platform plugin needs the libxcb-* and libxkbcommon-x11 libraries to open a real window.
SYSTEM_PACKAGES="xvfb chromium libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"
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
exec .venv/bin/python -m pytest tests/test_live_window.py "$@"
