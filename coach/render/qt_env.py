"""Make PySide6 find its own Qt plugins even though OpenCV was imported first.

The ``cv2`` that mediapipe installs (opencv-contrib-python, the GUI build) sets
``QT_QPA_PLATFORM_PLUGIN_PATH`` (and ``QT_QPA_FONTDIR``) to folders inside the cv2 package when it
is imported. Those folders belong to OpenCV's own Qt 5 build; a PySide6 (Qt 6) application that
inherits them looks for its platform plugin in the wrong place and, on a real display, stops
with "Could not load the Qt platform plugin". Qt aborts the process at that point, so the problem
cannot be caught afterwards: it has to be prevented before the QApplication exists.

``prepare_qt_environment`` therefore runs after cv2 has been imported (importing it here makes
sure of that) and before QApplication is created. It removes cv2's entries, points Qt at
PySide6's plugins, picks the offscreen platform only when there is no display at all, and checks
that the X11 platform plugin's system libraries are present, so a missing one becomes one clear
line instead of an abort.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import logging
import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from coach.errors import CoachError

logger = logging.getLogger(__name__)

PLATFORM_PLUGIN_PATH = "QT_QPA_PLATFORM_PLUGIN_PATH"
PLUGIN_PATH = "QT_PLUGIN_PATH"
FONT_DIR = "QT_QPA_FONTDIR"
PLATFORM = "QT_QPA_PLATFORM"

# System libraries the X11 (xcb) platform plugin of Qt 6 needs beyond a basic X client, with the
# Debian/Ubuntu package that provides each. libxcb-cursor is loaded by Qt at run time (not linked),
# so a dynamic-link check alone would miss it.
XCB_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"


class QtEnvironmentError(CoachError):
    """The window cannot open on this display; the message names the missing piece and the fix."""


@dataclass(frozen=True)
class QtEnvironment:
    """What ``prepare_qt_environment`` decided, for the log and for tests."""

    plugin_dir: Path
    platform: str | None  # QT_QPA_PLATFORM after preparation; None lets Qt choose (xcb / wayland)
    removed: dict[str, str] = field(default_factory=dict)  # variable → the value it had


def pyside_plugin_dir() -> Path:
    """PySide6's own Qt plugin folder (the one that matches the Qt libraries it loads)."""
    from PySide6.QtCore import QLibraryInfo

    reported = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    if reported and Path(reported, "platforms").is_dir():
        return Path(reported)
    import PySide6

    return Path(PySide6.__file__).resolve().parent / "Qt" / "plugins"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).resolve().parent


def _is_inside(path_text: str, folder: Path | None) -> bool:
    if folder is None or not path_text:
        return False
    try:
        return Path(path_text).resolve().is_relative_to(folder)
    except OSError:
        return False


def _has_display(environ: MutableMapping[str, str]) -> bool:
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def prepare_qt_environment(environ: MutableMapping[str, str] | None = None) -> QtEnvironment:
    """Clean the Qt variables cv2 set and choose a platform; call before creating QApplication.

    ``environ`` defaults to ``os.environ`` (Qt reads the process environment); tests may pass a
    dict. Raises ``QtEnvironmentError`` when the X11 plugin's system libraries are missing.
    """
    import cv2  # noqa: F401  # cv2 sets its variables on import; make sure that has already happened

    env = os.environ if environ is None else environ
    plugin_dir = pyside_plugin_dir()
    pyside_dir = plugin_dir.parent
    cv2_dir = _package_dir("cv2")
    removed: dict[str, str] = {}

    # Single-folder variables: anything that is not PySide6's own belongs to another Qt.
    for name in (PLATFORM_PLUGIN_PATH, FONT_DIR):
        value = env.get(name)
        if value is not None and not _is_inside(value, pyside_dir):
            removed[name] = value
            del env[name]
    # QT_PLUGIN_PATH is a list the user may extend on purpose: drop only cv2's entries.
    plugin_path = env.get(PLUGIN_PATH)
    if plugin_path is not None:
        entries = [entry for entry in plugin_path.split(os.pathsep) if entry]
        kept = [entry for entry in entries if not _is_inside(entry, cv2_dir)]
        if kept != entries:
            removed[PLUGIN_PATH] = plugin_path
            if kept:
                env[PLUGIN_PATH] = os.pathsep.join(kept)
            else:
                del env[PLUGIN_PATH]
    env[PLATFORM_PLUGIN_PATH] = str(plugin_dir / "platforms")
    if removed:
        logger.info("Cleared Qt variables set by another Qt (OpenCV): %s", ", ".join(sorted(removed)))

    if sys.platform.startswith("linux") and not env.get(PLATFORM) and not _has_display(env):
        env[PLATFORM] = "offscreen"
        logger.info("No DISPLAY or WAYLAND_DISPLAY: using Qt's offscreen platform (nothing will be shown)")

    platform = env.get(PLATFORM) or None
    if sys.platform.startswith("linux") and _uses_xcb(env, platform):
        problem = missing_xcb_libraries(plugin_dir)
        if problem:
            raise QtEnvironmentError(
                f"The window cannot open on X display {env.get('DISPLAY')!r}: {problem}. "
                f"Install the X11 libraries Qt needs (Debian/Ubuntu: apt-get install {XCB_PACKAGES}) "
                "or run headless with QT_QPA_PLATFORM=offscreen."
            )
    return QtEnvironment(plugin_dir=plugin_dir, platform=platform, removed=removed)


def _uses_xcb(env: MutableMapping[str, str], platform: str | None) -> bool:
    """Whether Qt will pick the X11 plugin: asked for, or the default on an X (not Wayland) session."""
    if platform is not None:
        return platform.split(":", 1)[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_xcb_libraries(plugin_dir: Path) -> str:
    """Empty when Qt's X11 plugin can load; else what is missing, in the loader's own words.

    Loading the plugin with the dynamic loader names the first missing library exactly; the
    loader shares the libraries with the Qt that PySide6 has already loaded, so this costs nothing
    later.
    """
    plugin = plugin_dir / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return f"PySide6 has no X11 plugin at {plugin}"
    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        return str(error).split(": ", 1)[-1]
    if ctypes.util.find_library("xcb-cursor") is None:
        return "libxcb-cursor.so.0 not found (Qt 6.5 and later needs it for X11)"
    return ""
