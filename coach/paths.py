"""Where the project's own data lives (techniques, sample recordings) and the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def assets_dir() -> Path:
    """The top-level assets/ folder; COACH_ASSETS overrides it for installs outside the checkout."""
    override = os.environ.get("COACH_ASSETS")
    return Path(override) if override else REPO_DIR / "assets"


def techniques_dir() -> Path:
    return assets_dir() / "techniques"


def user_data_dir() -> Path:
    """Per-user data (profiles, history); COACH_DATA_DIR overrides it (tests use a temp dir)."""
    override = os.environ.get("COACH_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("coach", appauthor=False))
