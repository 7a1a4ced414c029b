"""Errors meant for the user: the CLI prints their message on one line and exits with code 2."""

from __future__ import annotations


class CoachError(Exception):
    """A problem with the user's input or environment, explained in one line with what to do."""

    exit_code: int = 2


class SourceError(CoachError):
    """A clip, camera or image folder that cannot be read."""


class RecordingError(CoachError):
    """A landmark recording with a bad header or a malformed line."""


class DataFileError(CoachError):
    """A technique or profile file that fails validation; the message names file, key and fix."""

    def __init__(self, path: object, key: str | None, problem: str, fix: str) -> None:
        where = f"{path}" + (f", key '{key}'" if key else "")
        super().__init__(f"{where}: {problem}. {fix}")
        self.path = path
        self.key = key
