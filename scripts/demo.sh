#!/usr/bin/env bash
# Install coach into .venv and replay the bundled demo recording into ./coach-report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/coach replay --out coach-report "$@"
