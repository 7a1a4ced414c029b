#!/usr/bin/env bash
# Install coach with its test tools into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
# Tools for the real-window and real-browser checks (Debian/Ubuntu, as root); those tests skip without them.
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  if ! command -v Xvfb >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb chromium >/dev/null) ||
      echo "note: could not install xvfb/chromium; the real-window and browser tests will skip" >&2
  fi
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
