"""Keep glibc's allocator from mapping and unmapping torch's tensors at every step.

Torch allocates CPU tensors with ``malloc``. glibc serves a request above its
mmap threshold (128 kB at first) with a fresh ``mmap`` and returns it with
``munmap`` when freed, and it hands the free memory above the top of its
heap back to the system beyond its trim threshold. It raises both
thresholds on its own as large blocks are freed, but not far enough for a
training step, whose activations and gradients (a few MB each) are freed
and allocated again at every step: they keep being unmapped and mapped
again, and every page of them faults in anew (zeroed by the kernel). For
the default CNN on MNIST in bfloat16 that made a training step 1.5x
slower (``benchmarks/bench_cpu_speed.py``). Dask's nanny makes it worse:
it starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which turns
the growth off altogether (a fit was 1.65x slower in a Dask worker than in
a plain process, ``benchmarks/bench_parallel.py``).

So the first fit or prediction of a process on Linux with glibc sets both
thresholds to the largest values glibc grows them to by itself (``mallopt``):
blocks up to 32 MB come from the heap, and up to 64 MB of free heap is kept
for the next step. This stays for the rest of the process (glibc cannot
return to its automatic thresholds), as with ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` set in the environment; a process that holds
much memory only briefly may keep up to 64 MB more than it would have. On
other systems, or without glibc, nothing is changed.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 2**20  # glibc's largest dynamic mmap threshold on 64-bit
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD  # what glibc sets with it

_tuned = False


def tune_allocator() -> bool:
    """On Linux with glibc, keep a step's tensors on the heap; once per process.

    Returns whether the thresholds were set (now or by an earlier call).
    """
    global _tuned
    if _tuned or not sys.platform.startswith("linux"):
        return _tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    _tuned = bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
    return _tuned
