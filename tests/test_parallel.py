"""Threads, parallel searches, Dask, and the device of parallel fits."""

import os
import pickle
import signal
import threading
import time

import joblib
import pytest
import torch
from conftest import TINY
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, cross_validate
from skorch.callbacks import Callback

from skneural import CNNClassifier
from skneural._core._device import resolve_device
from skneural._core._threads import available_cpus
from skneural.utils import register_dask_backend


class RecordThreads(Callback):
    """Torch's thread count at each epoch, and the process that trained."""

    def initialize(self):
        self.threads, self.pid = [], None
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.threads.append(torch.get_num_threads())
        self.pid = os.getpid()


def recorded(estimator):
    return dict(estimator.net_.callbacks_)["threads"]


# --- the thread policy ------------------------------------------------------------


def test_one_thread_by_default_and_the_callers_setting_restored(digits):
    X, y = digits
    before = torch.get_num_threads()
    clf = CNNClassifier(callbacks=[("threads", RecordThreads())], **TINY).fit(X, y)
    assert recorded(clf).threads == [1, 1, 1]
    assert torch.get_num_threads() == before
    clf.predict(X)
    assert torch.get_num_threads() == before


def test_all_allotted_threads(digits):
    X, y = digits
    clf = CNNClassifier(n_threads=-1, callbacks=[("threads", RecordThreads())], **TINY)
    clf.fit(X, y)
    assert set(recorded(clf).threads) == {min(torch.get_num_threads(), available_cpus())}


def test_threadpoolctl_limits_are_the_allotment(digits):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, y = digits
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        clf = CNNClassifier(n_threads=-1, callbacks=[("threads", RecordThreads())], **TINY)
        with threadpoolctl.threadpool_limits(limits=1):
            allotted = torch.get_num_threads()
            clf.fit(X, y)
        assert set(recorded(clf).threads) == {allotted}
    finally:
        torch.set_num_threads(before)


def test_bad_thread_counts(digits):
    X, y = digits
    for value in (0, -2, 1.5):
        with pytest.raises(ValueError, match="'n_threads' parameter of CNNClassifier"):
            CNNClassifier(n_threads=value, **TINY).fit(X, y)


def test_fits_in_threads_restore_the_setting_once_all_are_done(digits):
    X, y = digits
    before = torch.get_num_threads()
    fits = [CNNClassifier(random_state=i, **TINY) for i in range(3)]
    workers = [threading.Thread(target=clf.fit, args=(X, y)) for clf in fits]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert torch.get_num_threads() == before
    assert all(hasattr(clf, "net_") for clf in fits)


def test_the_same_model_whatever_runs_the_fit(digits):
    X, y = digits
    alone = CNNClassifier(random_state=0, **TINY).fit(X, y)
    torch.set_num_threads(1)
    try:
        again = CNNClassifier(random_state=0, **TINY).fit(X, y)
    finally:
        torch.set_num_threads(max(1, available_cpus()))
    assert_array_equal(alone.predict_proba(X), again.predict_proba(X))


# --- parallel searches ----------------------------------------------------------


GRID = {"lr": [1e-3, 1e-2], "n_filters": [2, 4]}


def search(**kwargs):
    return GridSearchCV(CNNClassifier(random_state=0, **TINY), GRID, cv=2, **kwargs)


@pytest.fixture(scope="module")
def sequential(digits):
    X, y = digits
    return search(n_jobs=1).fit(X, y)


def assert_same_search(a, b):
    assert a.best_params_ == b.best_params_
    assert_array_equal(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])
    assert_array_equal(a.cv_results_["split0_test_score"], b.cv_results_["split0_test_score"])


def test_n_jobs_gives_the_same_search(digits, sequential):
    X, y = digits
    assert_same_search(search(n_jobs=2).fit(X, y), sequential)


def test_loky_workers_use_their_allotment(digits):
    X, y = digits
    clf = CNNClassifier(n_threads=-1, callbacks=[("threads", RecordThreads())], **TINY)
    result = cross_validate(clf, X, y, cv=2, n_jobs=2, return_estimator=True)
    pids = {recorded(est).pid for est in result["estimator"]}
    assert os.getpid() not in pids  # trained in the workers
    # loky gives each of the 2 workers cores // 2 threads (OMP_NUM_THREADS)
    expected = max(1, joblib.cpu_count() // 2)
    assert all(set(recorded(est).threads) == {expected} for est in result["estimator"])


# --- Dask ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_search_equals_the_sequential_one(digits, sequential, dask_client):
    X, y = digits
    with joblib.parallel_config(backend="dask"):
        on_dask = search().fit(X, y)
    assert_same_search(on_dask, sequential)
    # the fits ran on the workers, whose torch used the worker's one thread
    clf = CNNClassifier(n_threads=-1, callbacks=[("threads", RecordThreads())], **TINY)
    with joblib.parallel_config(backend="dask"):
        result = cross_validate(clf, X, y, cv=2, return_estimator=True)
    worker_pids = set(dask_client.run(os.getpid).values())
    assert {recorded(est).pid for est in result["estimator"]} <= worker_pids
    assert all(recorded(est).threads == [1] * TINY["max_epochs"] for est in result["estimator"])
    # the workers' allocator keeps batch tensors on the heap despite the nanny's
    # MALLOC_TRIM_THRESHOLD_ (see skneural._core._malloc)
    assert all(dask_client.run(_allocator_tuned).values())
    # a search fitted on Dask pickles back and predicts on the client
    restored = pickle.loads(pickle.dumps(on_dask))
    assert_array_equal(restored.predict(X), sequential.predict(X))


def _allocator_tuned():
    from skneural._core import _malloc

    return _malloc._tuned


def test_a_killed_dask_worker_does_not_lose_the_search(digits, sequential, dask_client):
    X, y = digits
    outcome = {}

    def run():
        # every scattered argument on every worker: a killed worker takes no
        # data with it, and its fits are rerun on the other
        with joblib.parallel_config(backend=register_dask_backend()):
            outcome["search"] = search().fit(X, y)

    worker = threading.Thread(target=run)
    worker.start()
    # wait until the workers are busy with the search's fits, then kill one
    deadline = time.time() + 60
    while time.time() < deadline and not any(dask_client.processing().values()):
        time.sleep(0.05)
    victim = next(iter(dask_client.run(os.getpid).values()))
    assert worker.is_alive()  # killed in the middle of the search
    os.kill(victim, signal.SIGKILL)
    worker.join(timeout=120)
    assert "search" in outcome, "the search did not finish"
    assert_same_search(outcome["search"], sequential)


# --- devices of parallel fits ----------------------------------------------------


def fake_cuda(monkeypatch, free_bytes):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(free_bytes))
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i: (free_bytes[i], 80 * 2**30))


def test_auto_device_takes_the_cuda_device_with_the_most_free_memory(monkeypatch):
    fake_cuda(monkeypatch, [2 * 2**30, 30 * 2**30, 10 * 2**30])
    assert resolve_device("auto") == torch.device("cuda", 1)
    fake_cuda(monkeypatch, [5 * 2**30, 5 * 2**30])
    assert resolve_device("auto") == torch.device("cuda", 0)  # ties: the lowest index


def test_a_worker_given_one_device_takes_it(monkeypatch):
    # CUDA_VISIBLE_DEVICES=3 in a worker: CUDA shows that device alone, as index 0
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    fake_cuda(monkeypatch, [1 * 2**30])
    queried = []
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i: queried.append(i))
    assert resolve_device("auto") == torch.device("cuda", 0)
    assert queried == []  # nothing to choose between
