"""Writing the user's files so that they appear complete or not at all, and never over an input.

Three mechanisms, shared by every command that writes:

- ``write_text_atomically``: a file is written under a hidden temporary name in its own folder
  and renamed into place (``os.replace``) only once it is complete and on disk, so a crash, a
  kill or a full disk never leaves half a file under the final name.
- ``ReportStage``: a report folder (report.json, report.html, annotated.mp4) is built in a hidden
  sibling folder and swapped into place as a whole when the run completes. An existing report
  folder is replaced only then; until then (and if the run fails or is killed) the previous
  report stays exactly as it was. A folder that holds anything but a report is never replaced.
- ``refuse_input_overwrite``: an output that resolves to an input, or a report folder that
  contains an input, is refused before any work, with exit code 2.

File system failures (read-only, full, no permission, a file where a folder should be) become a
``OutputError``: one line naming the path, the reason and what to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from coach.errors import CoachError

logger = logging.getLogger(__name__)

REPORT_FILE_NAMES: frozenset[str] = frozenset({"report.json", "report.html", "annotated.mp4", "history.html"})
"""What a report folder may hold; a folder with anything else is not ours to replace."""
LEFTOVER_NAMES: frozenset[str] = frozenset({"report.json.tmp", "report.html.tmp", ".DS_Store", "Thumbs.db"})
"""Also replaced with the folder: older coach versions' temporary files, file browsers' caches."""
STAGE_MARK = ".coach-staging-"
OLD_MARK = ".coach-old-"


class OutputError(CoachError):
    """An output that cannot or must not be written: the message names the path and the fix."""


def describe_os_error(error: OSError) -> str:
    """A short human reason for a file system failure ('the disk is full', 'read-only file system')."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder",
        errno.ENOENT: "a folder on the way does not exist",
        errno.ENAMETOOLONG: "the name is too long",
    }
    return reasons.get(error.errno or 0, error.strerror or str(error))


def cannot_write(path: Path, error: OSError, advice: str = "choose another output location") -> OutputError:
    return OutputError(f"cannot write {path}: {describe_os_error(error)}; {advice}.")


# ----------------------------------------------------------------------------------------------
# JSON without NaN


def finite_json_value(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf) replaced by None, recursively.

    JSON has no NaN; Python's json module would write the bare word ``NaN``, which other programs
    (and browsers) refuse. A measurement that could not be made is ``null`` in our files.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json_value(item) for item in value]
    return value


def dumps_json(value: Any, **options: Any) -> str:
    """``json.dumps`` that can never emit NaN or Infinity (they become null)."""
    return json.dumps(finite_json_value(value), allow_nan=False, **options)


# ----------------------------------------------------------------------------------------------
# Single files


def temporary_sibling(path: Path, tag: str = "partial") -> Path:
    """A fresh hidden name beside ``path`` (same folder, so the final rename cannot cross disks)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{tag}", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~_umask())  # mkstemp's private 0600 would stick to the final file
    finally:
        os.close(handle)
    return Path(name)


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` all or nothing (temporary sibling, fsync, rename)."""
    path = Path(path)
    try:
        temporary = temporary_sibling(path)
    except OSError as error:
        raise cannot_write(path, error) from error
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise cannot_write(path, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` all or nothing."""
    return write_bytes_atomically(path, text.encode("utf-8"))


# ----------------------------------------------------------------------------------------------
# Inputs are never outputs


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_input_overwrite(output: Path, inputs: Iterable[Path], replaces_folder: bool = False) -> None:
    """Raise OutputError when writing ``output`` would overwrite (or, for a report folder that is
    replaced as a whole, delete) one of ``inputs``."""
    resolved_output = output.expanduser().resolve()
    for source in inputs:
        resolved_input = source.expanduser().resolve()
        if resolved_output == resolved_input or _same_file(output, source):
            raise OutputError(f"{output} is the input {source}; writing there would destroy it. Choose another output name.")
        if replaces_folder and resolved_output in resolved_input.parents:
            raise OutputError(
                f"the input {source} is inside the output folder {output}, which is replaced as a whole; "
                "choose another --out folder."
            )


def check_output_name(text: str, what: str = "--out") -> Path:
    """An output path typed by the user: refuse the empty string (it would mean the current folder)."""
    if not str(text).strip():
        raise OutputError(f"{what} is empty; give a file or folder name.")
    return Path(text).expanduser()


# ----------------------------------------------------------------------------------------------
# Report folders


def _exchange_paths(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _owner_pid(name: str, mark: str) -> int | None:
    try:
        return int(name.rsplit(mark, 1)[1].split(".", 1)[0])
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (the owner of a staging folder or a history session)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def remove_stale_stages(final: Path) -> None:
    """Remove hidden staging folders beside ``final`` left by runs that were killed (their
    process is gone), so they do not pile up."""
    parent = final.parent
    for mark in (STAGE_MARK, OLD_MARK):
        prefix = f".{final.name}{mark}"
        try:
            candidates = [path for path in parent.iterdir() if path.name.startswith(prefix)]
        except OSError:
            return
        for path in candidates:
            pid = _owner_pid(path.name, mark)
            if pid is not None and pid != os.getpid() and not process_alive(pid) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                logger.info("removed %s, left by an interrupted run", path)


def check_report_folder(final: Path, inputs: Iterable[Path] = ()) -> Path:
    """Refuse, before any work, a report folder that cannot be replaced as a whole: a file, a
    folder holding anything but a report, or one that contains an input."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise OutputError(f"{final} is a file, not a folder; give --out a folder name (it is created).")
    refuse_input_overwrite(final, inputs, replaces_folder=True)
    if not final.is_dir():
        return final
    try:
        foreign = sorted(entry.name for entry in final.iterdir() if entry.name not in REPORT_FILE_NAMES | LEFTOVER_NAMES)
    except OSError as error:
        raise cannot_write(final, error, "choose another --out folder") from error
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise OutputError(
            f"{final} holds files that are not a coach report ({shown}); a report folder is replaced "
            "as a whole, so give --out a new folder name."
        )
    return final


class ReportStage:
    """A report folder built aside and swapped into place as a whole.

    ``path`` is a hidden folder beside ``final`` (``.NAME.coach-staging-PID.XXXX``); write the
    report's files into it, then ``commit()``: the staged folder becomes ``final`` and a previous
    report there is removed. ``abandon()`` (also what leaving a ``with`` block by an exception
    does) removes the staged folder and leaves ``final`` untouched. A folder that would be created
    for the stage's parents is removed again when the run is abandoned.
    """

    def __init__(self, final: Path) -> None:
        self.final = Path(final)
        check_report_folder(self.final)
        self._created_parents = self._create_parents()
        remove_stale_stages(self.final)
        try:
            self.path = Path(
                tempfile.mkdtemp(prefix=f".{self.final.name}{STAGE_MARK}{os.getpid()}.", dir=self.final.parent)
            )
        except OSError as error:
            self._remove_created_parents()
            if error.errno == errno.ENOENT and self.final.parent.is_dir():  # /proc, /sys: no new folders there
                raise OutputError(
                    f"cannot write {self.final}: {self.final.parent} does not accept new folders; choose another --out folder."
                ) from error
            raise cannot_write(self.final, error, "choose another --out folder") from error
        self._done = False

    def _create_parents(self) -> list[Path]:
        missing: list[Path] = []
        parent = self.final.parent
        while not parent.exists() and parent != parent.parent:
            missing.append(parent)
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {self.final}: {parent} is a file, not a folder; choose another --out folder.")
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except OSError as error:
                for made in missing[missing.index(folder) + 1 :]:
                    made.rmdir()
                raise cannot_write(self.final, error, "choose another --out folder") from error
        return missing

    def _remove_created_parents(self) -> None:
        for folder in self._created_parents:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()

    def file(self, name: str) -> Path:
        """Where to write ``name`` now (inside the stage)."""
        return self.path / name

    def final_file(self, name: str) -> Path:
        """Where ``name`` will be once committed."""
        return self.final / name

    def commit(self) -> Path:
        """Make the staged folder the report folder; the previous report goes away only now."""
        if self._done:
            return self.final
        try:
            os.chmod(self.path, 0o755 & ~_umask())
            if self.final.is_dir():
                if _exchange_paths(self.path, self.final):
                    shutil.rmtree(self.path, ignore_errors=True)  # now holds the previous report
                else:
                    old = self.final.parent / f".{self.final.name}{OLD_MARK}{os.getpid()}"
                    os.rename(self.final, old)
                    os.rename(self.path, self.final)
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(self.path, self.final)
        except OSError as error:
            self.abandon()
            raise cannot_write(self.final, error, "choose another --out folder") from error
        self._done = True
        return self.final

    def abandon(self) -> None:
        """Forget the staged files; the report folder (if any) stays as it was."""
        if self._done:
            return
        self._done = True
        shutil.rmtree(self.path, ignore_errors=True)
        self._remove_created_parents()

    def __enter__(self) -> "ReportStage":
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            self.abandon()


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (no race with threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextlib.contextmanager
def translated_os_errors(path: Path, advice: str = "choose another output location") -> Iterator[None]:
    """Turn an OSError from writing ``path`` into the one-line OutputError."""
    try:
        yield
    except OSError as error:
        raise cannot_write(path, error, advice) from error
