"""coach limits numpy's BLAS to one thread (idle BLAS threads spin on the cores MediaPipe needs),
whether numpy is imported before or after coach, and keeps a thread count the user chose."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from coach.blas_threads import BLAS_THREAD_VARIABLES

pytest.importorskip("threadpoolctl")

REPORT_THREADS = """
import json, sys
from threadpoolctl import threadpool_info
print(json.dumps({"threads": [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"],
                  "env": {name: __import__("os").environ.get(name) for name in sys.argv[1:]}}))
"""


def blas_threads_after(imports: str, **environment: str) -> dict:
    """BLAS pools and environment in a fresh interpreter after ``imports`` (no BLAS settings inherited)."""
    env = {key: value for key, value in os.environ.items() if key not in BLAS_THREAD_VARIABLES}
    env.update(environment)
    completed = subprocess.run(
        [sys.executable, "-c", imports + "\n" + REPORT_THREADS, *BLAS_THREAD_VARIABLES],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_one_blas_thread_when_coach_is_imported_first() -> None:
    found = blas_threads_after("import coach, numpy, scipy.linalg")
    assert found["threads"] and set(found["threads"]) == {1}, found
    assert found["env"] == {name: "1" for name in BLAS_THREAD_VARIABLES}


def test_one_blas_thread_when_numpy_was_loaded_before_coach() -> None:
    found = blas_threads_after("import numpy, scipy.linalg, coach")
    assert found["threads"] and set(found["threads"]) == {1}, found


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores to tell a chosen count from the default")
def test_a_thread_count_the_user_chose_is_kept() -> None:
    found = blas_threads_after("import coach, numpy", OPENBLAS_NUM_THREADS="2")
    assert found["threads"] == [2], found
    assert found["env"]["OPENBLAS_NUM_THREADS"] == "2"
