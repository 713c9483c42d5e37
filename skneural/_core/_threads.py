"""How many threads torch uses for a fit or a prediction.

Torch's intra-op threads are process-wide and, on Linux, OpenMP threads that
spin while they wait. Measured on 2 cores (``benchmarks/bench_parallel.py``):
a second thread makes a quiet fit 1.2x to 1.9x faster (digits, MNIST,
64x64 images), but beside one other busy process the same fit runs 3x to 9x
slower than alone, and a CPU fit's numbers depend on its thread count
(a reduction split two ways rounds differently). So each fit and prediction
uses a deliberate number of threads, ``n_threads``, set for the call and
restored afterwards:

- ``n_threads=1`` (the default): one thread. A fit takes the same time beside
  other work as alone, parallel searches use the cores (``n_jobs``, Dask),
  and a seeded fit gives the same network whatever runs it.
- ``n_threads=-1``: the threads this process is allotted, as scikit-learn's
  own OpenMP estimators count them: torch's current setting, which follows
  ``OMP_NUM_THREADS`` (joblib's loky workers get ``cores // n_jobs``,
  ``joblib.parallel_config(inner_max_num_threads=k)`` sets ``k``, Dask's nanny
  sets 1) and ``threadpoolctl.threadpool_limits``, capped by the CPUs the
  process may run on. For one long fit on an otherwise idle machine.
- ``n_threads=k``: ``k`` threads.

Image files (X a list of paths) are decoded beside torch, in threads of
their own (:func:`decode_threads`): Pillow releases the GIL while it
decodes and resizes, so they run on the cores torch leaves free, and on
the training thread's core while it waits for them.

Fits running at once in threads of one process (joblib's threading backend)
share torch's setting: the first sets it and the last to finish restores it.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import torch


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_threads(n_threads: int) -> int:
    """The thread count ``n_threads`` asks for (-1: this process's allotment)."""
    if n_threads == -1:
        return max(1, min(torch.get_num_threads(), available_cpus()))
    return int(n_threads)


_lock = threading.Lock()
_active = 0  # calls inside torch_threads, in all threads of this process
_caller_setting = None  # torch's setting before the first of them


@contextmanager
def torch_threads(n: int):
    """Use ``n`` intra-op threads inside the block, then restore the caller's setting."""
    global _active, _caller_setting
    with _lock:
        if _active == 0:
            _caller_setting = torch.get_num_threads()
        _active += 1
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and torch.get_num_threads() != _caller_setting:
                torch.set_num_threads(_caller_setting)


def decode_threads(n_threads: int, device="cpu") -> int:
    """Threads that decode image files during a fit or prediction with ``n_threads``.

    On the CPU, the threads of this process's allotment (``n_threads=-1``'s
    count) that torch's ``n_threads`` leave free, plus one: 2 beside the
    default ``n_threads=1`` on 2 cores, 1 when torch has every core. The
    one more shares a core with the training thread, which waits while the
    next batch is not ready, and the decoding threads wait while they are
    ``ImageFiles.prefetch`` batches ahead. With the network on another device
    (a GPU), torch's threads only launch its work: the whole allotment.
    """
    if torch.device(device).type != "cpu":
        return resolve_threads(-1)
    return max(1, resolve_threads(-1) - resolve_threads(n_threads) + 1)
