"""CNNClassifier under CPU contention, and one grid search run in parallel four ways.

(a) Fit time alone and beside a competing process. ``CNNClassifier.fit`` is
timed alone ("solo") and while a CPU-bound process started by this script
runs beside it ("beside": a pure-Python spin loop, one core's worth of
work, killed when the fit ends), with ``n_threads=1`` (the default) and
``n_threads=-1`` (every core the process is allotted; ``OMP_NUM_THREADS``
is set to the number of available CPUs, printed), on three kinds of
images: scikit-learn's digits (8x8), an MNIST subset (28x28) and random
3x64x64 images (random labels: only the time counts). Each ``(data,
n_threads)`` runs in a fresh interpreter, so that torch's thread pool,
once sized, does not carry over to the next configuration; inside it an
untimed small fit comes first, then the repeats alternate solo and beside.
Printed: the median times and beside/solo. With one thread a fit shares
nothing with the spinning process and should not slow down; with every core
its threads wait at each operation for the one that lost its core.

(b) One ``GridSearchCV(CNNClassifier(...), grid, cv=2, refit=False)`` of 8
fits (4 candidates x 2 folds, about 5 s each on 2 cores with one thread)
on an MNIST subset, with ``n_jobs=1``, ``n_jobs=2``, ``n_jobs=-1`` (joblib's
loky workers) and Dask (``distributed.LocalCluster(n_workers=2,
threads_per_worker=1, processes=True)`` with
``joblib.parallel_config(backend="dask")``), all with ``n_threads=1``, and
for reference ``n_jobs=1`` with ``n_threads=-1`` (one fit at a time on every
core). Printed: the median wall time, the speed-up over ``n_jobs=1`` and
whether ``best_params_`` and ``cv_results_["mean_test_score"]`` are
identical to those of ``n_jobs=1`` in every repeat. The workers are started
and have imported skneural and run a tiny fit before any timed run (an
untimed ``Parallel`` call for loky, ``client.run`` for Dask): worker start-up is excluded from
the wall times and printed on its own. Dask's workers run with its nanny's
defaults (``OMP_NUM_THREADS=1``, ``MALLOC_TRIM_THRESHOLD_=65536``, printed);
the latter made fits 1.65x slower in a worker until skneural raised glibc's
mmap and trim thresholds in Dask workers (``skneural/_core/_malloc.py``);
"mean fit s" shows the fit time of each mode.

Run: ``python benchmarks/bench_parallel.py [--quick]``, alone on the
machine. The full run takes about 7 to 8 minutes on 2 CPU cores (about
2 minutes for (a)); ``--quick`` (tiny data, 1 to 2 repeats) under a minute.
"""

from __future__ import annotations

import os

# n_threads=-1 means torch's thread count, which follows OMP_NUM_THREADS: set
# it before torch is imported, here and (inherited) in the child processes
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
os.environ.setdefault("OMP_NUM_THREADS", str(_CPUS))

import argparse
import json
import logging
import statistics
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import joblib
import numpy as np
import torch
from skorch.callbacks import Callback

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import load_mnist

from skneural import CNNClassifier

# (a): per kind of images, (samples, epochs) of the timed fit, full and quick;
# about 1.5 s per fit with one thread on 2 cores
FIT_DATA = {
    "digits": {"full": (1797, 15), "quick": (1797, 2)},
    "mnist": {"full": (2000, 2), "quick": (300, 1)},
    "random64": {"full": (256, 2), "quick": (32, 1)},
}

# (b): 4 candidates x 2 folds = 8 fits of 3,000 images x 5 epochs
SEARCH = {
    "full": dict(n_samples=6000, epochs=5, repeats=2),
    "quick": dict(n_samples=600, epochs=1, repeats=1),
}
GRID = {"lr": [1e-3, 3e-3], "batch_size": [64, 128]}
CV = 2

# a CPU-bound competitor: Python's `while True: pass`, which also ends if its
# parent dies (so that a killed benchmark leaves no spinning orphan)
BUSY_LOOP = (
    "import os\n"
    "parent = os.getppid()\n"
    "while os.getppid() == parent:\n"
    "    for _ in range(1_000_000):\n"
    "        pass\n"
)


# ----------------------------------------------------------------------
# (a) fit time solo and beside a busy process


class ThreadProbe(Callback):
    """Record the number of torch threads a fit runs with."""

    seen = None

    def on_train_begin(self, net, **kwargs):
        type(self).seen = torch.get_num_threads()


def fit_data(name, n_samples):
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)  # float64, (1797, 64): 8x8 images
        return X[:n_samples], y[:n_samples]
    if name == "mnist":
        X, y, _, _ = load_mnist()  # uint8, (60000, 28, 28)
        return X[:n_samples], y[:n_samples]
    rng = np.random.default_rng(0)
    X = rng.random((n_samples, 3, 64, 64), dtype=np.float32)
    return X, rng.integers(0, 10, n_samples)


@contextmanager
def busy_process():
    """A competing CPU-bound process, for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        time.sleep(0.3)  # let it start spinning
        yield proc
    finally:
        proc.kill()
        proc.wait()


def child_fit(name, n_threads, repeats, quick):
    """Run in a fresh interpreter: time the fits of one configuration, print JSON."""
    n_samples, epochs = FIT_DATA[name]["quick" if quick else "full"]
    X, y = fit_data(name, n_samples)

    def fit(X, y, epochs):
        start = time.perf_counter()
        CNNClassifier(
            max_epochs=epochs,
            n_threads=n_threads,
            random_state=0,
            device="cpu",
            callbacks=[("thread_probe", ThreadProbe())],
        ).fit(X, y)
        return time.perf_counter() - start

    fit(X[:64], y[:64], 1)  # untimed: torch's lazy initialisation, the thread pool
    times = {"solo": [], "beside": []}
    for repeat in range(repeats):
        # alternate the order, so that neither condition always runs first
        for condition in ("solo", "beside") if repeat % 2 == 0 else ("beside", "solo"):
            if condition == "solo":
                times["solo"].append(fit(X, y, epochs))
            else:
                with busy_process():
                    times["beside"].append(fit(X, y, epochs))
    print(
        json.dumps(
            dict(
                shape=list(X.shape),
                dtype=str(X.dtype),
                epochs=epochs,
                threads=ThreadProbe.seen,
                **times,
            )
        )
    )


def run_fit_contention(repeats, quick):
    print(
        f"\n(a) CNNClassifier().fit alone ('solo') and beside one busy process (a pure-Python "
        f"spin loop); a fresh interpreter per (data, n_threads), {repeats} repeats, medians; "
        f"threads: torch's thread count during the fit"
    )
    header = (
        f"{'data':9} {'X':>26} {'epochs':>6} {'n_threads':>9} {'threads':>7} "
        f"{'solo s':>7} {'beside s':>8} {'beside/solo':>11}  runs solo | beside"
    )
    print(header, flush=True)
    for name in FIT_DATA:
        for n_threads in (1, -1):
            command = [sys.executable, __file__, "--child-fit", name]
            command += ["--n-threads", str(n_threads), "--repeats", str(repeats)]
            if quick:
                command.append("--quick")
            proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                sys.exit(f"the child {command} failed:\n{proc.stderr}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            solo, beside = statistics.median(r["solo"]), statistics.median(r["beside"])
            shape = f"{tuple(r['shape'])} {r['dtype']}"
            runs = " ".join(f"{t:.2f}" for t in r["solo"])
            runs += " | " + " ".join(f"{t:.2f}" for t in r["beside"])
            print(
                f"{name:9} {shape:>26} {r['epochs']:6d} {n_threads:9d} {r['threads']:7d} "
                f"{solo:7.2f} {beside:8.2f} {beside / solo:10.2f}x  {runs}",
                flush=True,
            )


# ----------------------------------------------------------------------
# (b) one grid search, in parallel


def _warm_worker(pause=0.0):
    """Import skneural and run a tiny fit (torch's lazy initialisation), in a worker."""
    from skneural import CNNClassifier

    rng = np.random.default_rng(0)
    CNNClassifier(max_epochs=1, device="cpu").fit(rng.random((16, 8, 8)), np.arange(16) % 2)
    time.sleep(pause)  # hold this worker, so that the next task goes to another
    return os.getpid()


def _worker_env():
    return {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_")}


def warm_loky(n_jobs, pause=0.2):
    """Start joblib's loky workers for ``n_jobs`` and warm each; return (seconds, workers)."""
    n = joblib.effective_n_jobs(n_jobs)
    start = time.perf_counter()
    pids = joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(_warm_worker)(pause) for _ in range(2 * n))
    # each worker ran about two tasks: leave their pauses out
    return time.perf_counter() - start - 2 * pause, len(set(pids))


def make_search(cfg, n_jobs, n_threads=1):
    from sklearn.model_selection import GridSearchCV

    estimator = CNNClassifier(
        max_epochs=cfg["epochs"], n_threads=n_threads, random_state=0, device="cpu"
    )
    return GridSearchCV(estimator, GRID, cv=CV, n_jobs=n_jobs, refit=False)


def timed_search(cfg, X, y, n_jobs, n_threads=1):
    search = make_search(cfg, n_jobs, n_threads)
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, search


def run_search_parallel(quick):
    cfg = SEARCH["quick" if quick else "full"]
    X_all, y_all, _, _ = load_mnist()
    X, y = X_all[: cfg["n_samples"]], y_all[: cfg["n_samples"]]
    n_fits = CV * int(np.prod([len(v) for v in GRID.values()]))
    print(
        f"\n(b) GridSearchCV(CNNClassifier(max_epochs={cfg['epochs']}), {GRID}, cv={CV}, "
        f"refit=False): {n_fits} fits on {len(X)} MNIST images; {cfg['repeats']} repeats, "
        "medians; worker start-up excluded from the wall times (printed below)"
    )
    modes = {
        "n_jobs=1": dict(n_jobs=1),
        "n_jobs=2 (loky)": dict(n_jobs=2),
        f"n_jobs=-1 (loky, {joblib.effective_n_jobs(-1)} workers)": dict(n_jobs=-1),
        "n_jobs=1, n_threads=-1": dict(n_jobs=1, n_threads=-1),
    }
    startup = {}
    times = {mode: [] for mode in modes}
    searches = {mode: [] for mode in modes}
    timed_search(cfg, X[:128], y[:128], n_jobs=1)  # untimed: torch's lazy initialisation
    # one pool of loky workers per worker count (n_jobs=2 and -1 share it on 2 cores)
    for n_workers in sorted({joblib.effective_n_jobs(kw["n_jobs"]) for kw in modes.values()}):
        if n_workers > 1:
            seconds, started = warm_loky(n_workers)
            startup[f"loky, {n_workers} workers ({started} seen), each warmed"] = seconds
    for _ in range(cfg["repeats"]):
        for mode, kwargs in modes.items():
            if kwargs["n_jobs"] != 1:
                warm_loky(kwargs["n_jobs"], pause=0.05)  # the same workers: no start-up
            seconds, search = timed_search(cfg, X, y, **kwargs)
            times[mode].append(seconds)
            searches[mode].append(search)

    dask_mode = "dask (2 workers x 1 thread)"
    times[dask_mode], searches[dask_mode] = [], []
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_worker)
        dask_env = sorted({str(env) for env in client.run(_worker_env).values()})
        startup["dask LocalCluster + Client, 2 workers, each warmed"] = time.perf_counter() - start
        for _ in range(cfg["repeats"]):
            with joblib.parallel_config(backend="dask"):
                seconds, search = timed_search(cfg, X, y, n_jobs=-1)
            times[dask_mode].append(seconds)
            searches[dask_mode].append(search)

    reference = searches["n_jobs=1"][0]
    base = statistics.median(times["n_jobs=1"])
    print(
        f"{'mode':30} {'wall s':>7} {'speed-up':>8} {'mean fit s':>10} "
        f"{'same best_params_':>17} {'same mean_test_score':>20}  runs"
    )
    for mode in times:
        wall = statistics.median(times[mode])
        same_params = all(s.best_params_ == reference.best_params_ for s in searches[mode])
        same_scores = all(
            np.array_equal(
                s.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
            )
            for s in searches[mode]
        )
        mean_fit = np.mean([s.cv_results_["mean_fit_time"].mean() for s in searches[mode]])
        runs = " ".join(f"{t:.1f}" for t in times[mode])
        print(
            f"{mode:30} {wall:7.1f} {base / wall:7.2f}x {mean_fit:10.2f} "
            f"{'yes' if same_params else 'NO':>17} {'yes' if same_scores else 'NO':>20}  {runs}"
        )
    print(f"best_params_ of n_jobs=1: {reference.best_params_}")
    # Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which
    # made fits 1.65x slower before skneural/_core/_malloc.py: see "mean fit s"
    print(f"dask workers' environment: {', '.join(dask_env)}; parent's: {_worker_env()}")
    print("worker start-up (excluded above):")
    for what, seconds in startup.items():
        print(f"  {what}: {seconds:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (<1 minute)")
    parser.add_argument("--skip-a", action="store_true", help="skip (a), the contention part")
    parser.add_argument("--skip-b", action="store_true", help="skip (b), the search part")
    # the child of (a), run by this script in a fresh interpreter
    parser.add_argument("--child-fit", choices=list(FIT_DATA), help=argparse.SUPPRESS)
    parser.add_argument("--n-threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_fit:
        child_fit(args.child_fit, args.n_threads, args.repeats, args.quick)
        return
    warnings.filterwarnings("ignore", module="distributed")  # e.g. "Sending large graph"
    repeats = 2 if args.quick else 3
    print(
        f"torch {torch.__version__}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
        f"torch threads {torch.get_num_threads()}, {_CPUS} CPUs available, "
        f"joblib {joblib.__version__}; repeats: (a) {repeats}, "
        f"(b) {SEARCH['quick' if args.quick else 'full']['repeats']}"
    )
    if not args.skip_a:
        run_fit_contention(repeats, args.quick)
    if not args.skip_b:
        run_search_parallel(args.quick)


if __name__ == "__main__":
    main()
