"""One BLAS/OpenMP thread for coach's own numpy work, so that idle BLAS threads never spin.

Why: coach's numpy work is many small operations (a 478×3 face fit, a few-point stroke fit) that
gain nothing from BLAS threads. OpenBLAS nevertheless starts one thread per core, and after each
call those threads busy-wait for more work. On a two-core machine that spinning is CPU taken from
MediaPipe (which runs its own thread pool, unaffected by these settings) and from painting: on a
replay of a real clip it was about 5 s of system time out of 14 s of CPU (issue 11).

How: the thread counts of OpenBLAS, MKL and OpenMP are read from the environment when the library
is loaded, so ``limit_blas_threads`` sets them before numpy is first imported — ``coach/__init__``
calls it, the earliest point every entry (the ``coach`` command, tests, benchmarks) passes
through. A value the user set is kept. When numpy (or SciPy) was already loaded by the program
that imports coach, the environment comes too late and threadpoolctl lowers the limit of the
BLAS libraries already in the process instead.
"""

from __future__ import annotations

import logging
import os
import sys

logger = logging.getLogger(__name__)

BLAS_THREAD_VARIABLES: tuple[str, ...] = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
"""Read by OpenBLAS (numpy's and SciPy's wheels), MKL and OpenMP when they are loaded."""
COACH_BLAS_THREADS = 1


def limit_blas_threads(threads: int = COACH_BLAS_THREADS) -> None:
    """Limit numeric libraries to ``threads`` threads unless the user chose otherwise.

    Safe to call more than once. Never raises: a limit that cannot be applied only costs speed.
    """
    for variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(variable, str(threads))
    if "numpy" not in sys.modules and "scipy" not in sys.modules:
        return  # the environment above takes effect when they load
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a stripped-down install: the environment still covers child processes
        logger.debug("threadpoolctl missing; BLAS libraries already loaded keep their thread count")
        return
    chosen = os.environ["OPENBLAS_NUM_THREADS"]
    wanted = int(chosen) if chosen.isdigit() and int(chosen) > 0 else threads
    # Applied for the rest of the process (not used as a context manager) on purpose.
    threadpool_limits(limits=wanted, user_api="blas")
