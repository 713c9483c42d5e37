"""Which search should I use? Six hyperparameter searches of one CNNClassifier, compared.

The same search space, on the same data, for every search:

- data: a random subset of MNIST's training images (4,000 by default) to
  search on with ``cv=3`` (the same stratified folds for every search), and
  the full 10,000-image test set to score the refitted best estimator on;
- estimator: a small ``CNNClassifier`` (``n_filters=8, hidden_units=64``)
  trained for a budget of ``E`` epochs (9 by default) at a constant learning
  rate, ``random_state=0`` (every candidate starts from the same seed),
  ``n_threads=-1``: the searches run one fit at a time (``n_jobs=1``), so
  each fit gets every core (``OMP_NUM_THREADS``, printed);
- space: ``lr`` log-uniform in [1e-4, 1e-1] and ``batch_size`` in
  {32, 64, 128}. ``GridSearchCV`` gets 4 values of ``lr`` (the centres, on a
  log scale, of four equal bins of the range) times the 3 batch sizes, so
  every search evaluates ``N = 12`` candidates (trials).

The searches:

- ``grid``: ``GridSearchCV`` over those 12 points, ``E`` epochs each;
- ``random``: ``RandomizedSearchCV``, ``n_iter=N``, ``E`` epochs each;
- ``halving``: ``HalvingRandomSearchCV`` with ``n_candidates=N``,
  ``resource="max_epochs"``, ``max_resources=E``, ``factor=3`` and
  ``min_resources="exhaust"``: 12 candidates for 1 epoch, the best 4 for 3
  epochs, the best 2 for 9;
- ``bayes``: scikit-optimize's ``BayesSearchCV`` (a Gaussian process),
  ``n_iter=N``, ``E`` epochs each;
- ``optuna``: optuna-integration's ``OptunaSearchCV`` (TPE sampler),
  ``n_trials=N``, no pruning: a full ``fit`` of ``E`` epochs per fold;
- ``optuna+prune``: the same, with ``enable_pruning=True``, ``max_iter=E``
  and Optuna's ``SuccessiveHalvingPruner(min_resource=1,
  reduction_factor=3)`` (asynchronous successive halving): each trial calls
  ``partial_fit`` (one epoch) on every fold ``E`` times and, after each
  round, reports the mean CV score; at epochs 1, 3 and 9 a trial that is
  not in the top third of the trials that reached that epoch is stopped.
  (A ``MedianPruner`` with 4 startup trials pruned 6 of 12 trials and
  trained 0.59x the epochs of ``optuna`` for the same best CV score.)

Why this setup is fair:

- ``lr_schedule="constant"`` for every search, because ``partial_fit``
  trains at a constant rate: an ``E``-epoch ``fit`` then does what ``E``
  ``partial_fit`` calls do, so pruned and unpruned trials train alike, and a
  halving rung of ``k`` epochs is a plain ``k``-epoch fit. One difference
  remains: each ``partial_fit`` call draws its batch order (and dropout
  masks) from a seed of its own, derived from ``random_state`` and the
  epochs already trained, so a pruned trial does not replay the batches a
  ``fit`` would draw.
- Pruning uses ``OptunaSearchCV(enable_pruning=True)`` rather than a
  hand-written study with :class:`skneural.callbacks.OptunaPruning`, because
  it prunes on the same signal as every other search, the mean score over
  the ``cv=3`` folds; ``OptunaPruning`` prunes one fit on a held-out part of
  its own training data (``early_stopping=True``), which would shrink the
  data each fit trains on.
- The model-based samplers start with ``N // 3`` random points
  (``n_initial_points`` for scikit-optimize, ``n_startup_trials`` for TPE):
  with their defaults (10 random points each) and ``N = 12`` trials they
  would be random searches. The pruner may stop a trial after its first
  epoch, as halving stops a candidate after its first rung.
- Every search refits its best candidate on the whole subset (``refit=True``);
  the refit is part of the wall time and of the epochs.

Measured per search: the best mean CV score, the test accuracy of the
refitted best estimator, the epochs trained over every fit the search made
(its folds, rungs, pruned trials and refit: counted by a skorch callback,
``CountEpochs``, passed through ``callbacks=``), the candidates it tried, and
the wall time of ``search.fit``. Each search runs once; test accuracies closer
than twice their standard error (about 0.4 point at 95% accuracy on 10,000
images) are not told apart in the summary.

Run: ``python benchmarks/bench_search.py [--quick]``, alone on the machine
(the wall times are the point). The full run takes about 7 to 9 minutes on 2
CPU cores (about 80 us per image-epoch there); ``--quick`` (300 images, 3
epochs, 4 candidates) about 10 seconds. ``--searches grid,halving`` runs a
subset.
"""

from __future__ import annotations

import os

# every fit uses n_threads=-1, i.e. torch's thread count, which follows
# OMP_NUM_THREADS: set it before torch is imported (the caller's value wins)
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
os.environ.setdefault("OMP_NUM_THREADS", str(_CPUS))

import argparse
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.stats import loguniform
from skorch.callbacks import Callback

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import load_mnist

from skneural import CNNClassifier

LR_RANGE = (1e-4, 1e-1)


@dataclass
class Config:
    n_train: int
    n_test: int
    epochs: int  # E, the epoch budget of one fit
    n_lrs: int  # lr values of the grid
    batch_sizes: tuple
    cv: int = 3

    @property
    def n_candidates(self):
        return self.n_lrs * len(self.batch_sizes)

    @property
    def grid_lrs(self):
        # the centres, on a log scale, of n_lrs equal bins of LR_RANGE
        edges = np.geomspace(*LR_RANGE, 2 * self.n_lrs + 1)
        return [float(f"{lr:.2g}") for lr in edges[1::2]]


FULL = Config(n_train=4000, n_test=10_000, epochs=9, n_lrs=4, batch_sizes=(32, 64, 128))
QUICK = Config(n_train=300, n_test=1000, epochs=3, n_lrs=2, batch_sizes=(64, 128))


class CountEpochs(Callback):
    """Count every epoch of every fit and ``partial_fit``, in this process.

    The estimators copy their callbacks at each fit (and a search clones the
    estimator for each candidate and fold), so the count is kept on the
    class, shared by all copies. The searches run with ``n_jobs=1``.
    """

    total = 0

    def on_epoch_end(self, net, **kwargs):
        type(self).total += 1


def make_estimator(cfg):
    return CNNClassifier(
        n_filters=8,
        hidden_units=64,
        max_epochs=cfg.epochs,
        optimizer="adam",  # the space of lr below is Adam's (the CNNs' "auto" is SGD)
        lr_schedule="constant",
        n_threads=-1,
        random_state=0,
        device="cpu",
        callbacks=[("count_epochs", CountEpochs())],
    )


def n_random_starts(cfg):
    return max(2, cfg.n_candidates // 3)


def make_grid(cfg):
    from sklearn.model_selection import GridSearchCV

    grid = {"lr": cfg.grid_lrs, "batch_size": list(cfg.batch_sizes)}
    return GridSearchCV(make_estimator(cfg), grid, cv=cfg.cv)


def make_random(cfg):
    from sklearn.model_selection import RandomizedSearchCV

    space = {"lr": loguniform(*LR_RANGE), "batch_size": list(cfg.batch_sizes)}
    return RandomizedSearchCV(
        make_estimator(cfg), space, n_iter=cfg.n_candidates, cv=cfg.cv, random_state=0
    )


def make_halving(cfg):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    space = {"lr": loguniform(*LR_RANGE), "batch_size": list(cfg.batch_sizes)}
    return HalvingRandomSearchCV(
        make_estimator(cfg),
        space,
        n_candidates=cfg.n_candidates,
        resource="max_epochs",
        max_resources=cfg.epochs,
        min_resources="exhaust",
        factor=3,
        cv=cfg.cv,
        random_state=0,
    )


def make_bayes(cfg):
    from skopt import BayesSearchCV
    from skopt.space import Categorical, Real

    space = {
        "lr": Real(*LR_RANGE, prior="log-uniform"),
        "batch_size": Categorical(list(cfg.batch_sizes)),
    }
    return BayesSearchCV(
        make_estimator(cfg),
        space,
        n_iter=cfg.n_candidates,
        cv=cfg.cv,
        random_state=0,
        optimizer_kwargs={"n_initial_points": n_random_starts(cfg)},
    )


def _optuna(cfg, prune):
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # OptunaSearchCV is experimental and says so at each construction
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    # and optuna-integration reports each trial to the deprecated optuna.terminator
    warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(n_startup_trials=n_random_starts(cfg), seed=0),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    )
    space = {
        "lr": FloatDistribution(*LR_RANGE, log=True),
        "batch_size": CategoricalDistribution(list(cfg.batch_sizes)),
    }
    return OptunaSearchCV(
        make_estimator(cfg),
        space,
        cv=cfg.cv,
        enable_pruning=prune,
        max_iter=cfg.epochs,
        n_trials=cfg.n_candidates,
        study=study,
        random_state=0,
        error_score="raise",
    )


SEARCHES = {
    "grid": make_grid,
    "random": make_random,
    "halving": make_halving,
    "bayes": make_bayes,
    "optuna": lambda cfg: _optuna(cfg, prune=False),
    "optuna+prune": lambda cfg: _optuna(cfg, prune=True),
}


def candidates_tried(name, search):
    """What the search evaluated, as a short string."""
    if name == "halving":
        return "->".join(str(n) for n in search.n_candidates_)
    if name.startswith("optuna"):
        states = [t.state.name for t in search.study_.trials]
        pruned = states.count("PRUNED")
        return f"{len(states)}" + (f" ({pruned} pruned)" if pruned else "")
    return str(len(search.cv_results_["params"]))


def best_params(search):
    params = dict(search.best_params_)
    return f"lr={params['lr']:.2g} batch_size={params['batch_size']}"


def run_search(name, cfg, X, y, X_test, y_test):
    search = SEARCHES[name](cfg)
    CountEpochs.total = 0
    start = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - start
    epochs = CountEpochs.total
    return dict(
        name=name,
        cv_score=float(search.best_score_),
        test=float(search.best_estimator_.score(X_test, y_test)),
        epochs=epochs,
        tried=candidates_tried(name, search),
        wall=wall,
        refit=float(getattr(search, "refit_time_", float("nan"))),
        params=best_params(search),
    )


HEADER = (
    f"{'search':13} {'best CV':>8} {'test acc':>8} {'epochs':>7} {'tried':>14} "
    f"{'wall s':>7} {'s/epoch':>8}  best params"
)


def format_row(r):
    return (
        f"{r['name']:13} {r['cv_score']:8.4f} {r['test']:8.4f} {r['epochs']:7d} "
        f"{r['tried']:>14} {r['wall']:7.1f} {r['wall'] / r['epochs']:8.3f}  {r['params']}"
    )


def summarize(results, cfg, n_test):
    """A short 'which to pick when', read off the numbers."""
    by = {r["name"]: r for r in results}
    best = max(r["test"] for r in results)
    # two standard errors of an accuracy near the best on n_test images
    tol = 2 * math.sqrt(best * (1 - best) / n_test)
    close = [r for r in results if r["test"] >= best - tol]
    cheapest = min(close, key=lambda r: r["epochs"])
    fastest = min(close, key=lambda r: r["wall"])
    print(f"\nWhich to pick when (test accuracies within {100 * tol:.2f} points, two standard")
    print(f"errors on {n_test} images, count as equal; one run of each search):")
    print(f"- Best test accuracy {best:.4f}; equal to it: {', '.join(r['name'] for r in close)}.")
    print(
        f"- Cheapest of those: {cheapest['name']} ({cheapest['epochs']} epochs); fastest: "
        f"{fastest['name']} ({fastest['wall']:.0f} s)."
    )
    reference = by.get("grid") or by.get("random")
    for name, what in (("halving", "successive halving"), ("optuna+prune", "pruning")):
        if name in by and reference is not None:
            r = by[name]
            share = r["epochs"] / reference["epochs"]
            delta = 100 * (r["test"] - reference["test"])
            verdict = "as good" if abs(delta) <= 100 * tol else ("better" if delta > 0 else "worse")
            print(
                f"- {name}: {what} trained {100 * share:.0f}% of {reference['name']}'s epochs "
                f"({r['wall']:.0f} s vs {reference['wall']:.0f} s) for a test accuracy "
                f"{delta:+.2f} points ({verdict}). Pick it when fits are expensive and a "
                "few epochs already rank the candidates."
            )
    if "random" in by:
        base = by["random"]
        for name in ("bayes", "optuna"):
            if name in by:
                r = by[name]
                print(
                    f"- {name} vs random, same {cfg.n_candidates} trials: best CV "
                    f"{100 * (r['cv_score'] - base['cv_score']):+.2f} points, test "
                    f"{100 * (r['test'] - base['test']):+.2f} points, wall "
                    f"{r['wall'] / base['wall']:.2f}x. A model-based sampler needs trials to "
                    f"learn from ({n_random_starts(cfg)} of {cfg.n_candidates} were random "
                    "here); pick it when you can afford tens of trials."
                )
    if "grid" in by:
        r = by["grid"]
        print(
            f"- grid: {cfg.n_lrs} lr values x {len(cfg.batch_sizes)} batch sizes, best at "
            f"{r['params']}. Pick it to compare a few known values, or when you need every "
            "combination's score; in a continuous range random draws cover more values "
            "for the same number of fits."
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (<1 minute)")
    parser.add_argument(
        "--searches",
        default=",".join(SEARCHES),
        help=f"comma-separated subset of {','.join(SEARCHES)}",
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.searches.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SEARCHES))
    if unknown:
        parser.error(f"unknown searches {unknown}; choose from {list(SEARCHES)}")
    cfg = QUICK if args.quick else FULL

    X_all, y_all, X_test_all, y_test_all = load_mnist()
    rng = np.random.default_rng(0)
    train = np.sort(rng.choice(len(X_all), cfg.n_train, replace=False))
    test = np.sort(rng.choice(len(X_test_all), min(cfg.n_test, len(X_test_all)), replace=False))
    X, y, X_test, y_test = X_all[train], y_all[train], X_test_all[test], y_test_all[test]

    print(
        f"MNIST: {len(X)} training images searched with cv={cfg.cv}, {len(X_test)} test images; "
        f"CNNClassifier(n_filters=8, hidden_units=64, max_epochs={cfg.epochs}, "
        "optimizer='adam', lr_schedule='constant', n_threads=-1)"
    )
    print(
        f"space: lr log-uniform {LR_RANGE} (grid {cfg.grid_lrs}), batch_size "
        f"{list(cfg.batch_sizes)}; {cfg.n_candidates} candidates per search; "
        f"{n_random_starts(cfg)} random starts for bayes and optuna"
    )
    print(
        f"torch {torch.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, "
        f"torch threads {torch.get_num_threads()}, {_CPUS} CPUs available, n_jobs=1; "
        "repeats: 1 (each search runs once)"
    )
    # untimed: torch's lazy initialisation
    make_estimator(cfg).set_params(max_epochs=1, callbacks=None).fit(X[:128], y[:128])

    print()
    print(HEADER, flush=True)
    results = []
    for name in names:
        result = run_search(name, cfg, X, y, X_test, y_test)
        results.append(result)
        print(format_row(result), flush=True)
    print(
        "\nbest CV: the search's best_score_ (mean accuracy over the folds, for halving at "
        "its last rung); test acc: its refitted best_estimator_; epochs: over every fit, "
        "partial_fit and the refit; tried: candidates (halving: per rung); wall: search.fit, "
        "refit included."
    )
    summarize(results, cfg, len(X_test))


if __name__ == "__main__":
    main()
