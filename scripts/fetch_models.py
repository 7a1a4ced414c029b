#!/usr/bin/env python3
"""Fetch the MediaPipe Tasks model bundles into models/ and verify their SHA-256 sums.

Standard library only: it runs with any Python 3.10+ (`python3 scripts/fetch_models.py`), even
before coach's dependencies are installed. The pinned sums, the sources and the fallback live in
coach/model_bundles.py; `--check` only verifies what is there. Exit code 2 with one line on failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.model_bundles import main  # noqa: E402  (stdlib-only module)

if __name__ == "__main__":
    sys.exit(main())
