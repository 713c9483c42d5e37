"""Keep a Dask worker's allocator from unmapping torch's tensors after every step.

Dask's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, to hand
freed memory back to the system. Setting it turns off glibc's dynamic mmap
threshold: every allocation over 128 kB (a batch's activations and
gradients) is then mapped and unmapped at each step, and the page faults
made a fit 1.65x slower in a Dask worker than in a plain or loky process
(2 cores, MNIST; ``benchmarks/bench_parallel.py``). In a Dask worker, the
first fit raises the two thresholds back to what glibc grows them to on its
own (``mallopt``), which gives the plain process's speed; outside Dask, or
without glibc, nothing is changed.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 2**20  # glibc's largest dynamic mmap threshold on 64-bit
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD  # what glibc sets with it

_tuned = False


def in_dask_worker() -> bool:
    """Whether this code runs in a task of a Dask worker."""
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def tune_allocator_for_dask() -> bool:
    """In a Dask worker on glibc, keep large allocations on the heap; once per process.

    Returns whether the thresholds were set (now or by an earlier call).
    """
    global _tuned
    if _tuned or not sys.platform.startswith("linux") or not in_dask_worker():
        return _tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return False
    _tuned = bool(
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
    return _tuned
