"""How many of scikit-learn's estimator checks each contender passes.

Runs ``sklearn.utils.estimator_checks.check_estimator`` (all checks, none
expected to fail) on skneural's estimators, on skorch's
``NeuralNetClassifier`` / ``NeuralNetRegressor`` wrapping a small dense
network, and on scikit-learn's ``MLPClassifier`` / ``MLPRegressor``; prints
the counts and the names of the failing checks.

Run: ``python benchmarks/bench_sklearn_checks.py``.
"""

from __future__ import annotations

import warnings
from collections import Counter

import sklearn
import skorch
import torch
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.estimator_checks import check_estimator
from torch import nn

from skneural import CNNClassifier, CNNRegressor


class Dense(nn.Module):
    """The smallest reasonable network for skorch: it needs to know its input width."""

    def __init__(self, n_in=20, n_out=2):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(32), nn.ReLU(), nn.Linear(32, n_out))

    def forward(self, X):
        return self.net(X)


def contenders():
    yield "skneural CNNClassifier", CNNClassifier()
    yield "skneural CNNRegressor", CNNRegressor()
    yield (
        "skorch NeuralNetClassifier",
        skorch.NeuralNetClassifier(Dense, module__n_out=3, max_epochs=5, verbose=0),
    )
    yield (
        "skorch NeuralNetRegressor",
        skorch.NeuralNetRegressor(Dense, module__n_out=1, max_epochs=5, verbose=0),
    )
    yield "sklearn MLPClassifier", MLPClassifier(max_iter=200)
    yield "sklearn MLPRegressor", MLPRegressor(max_iter=200)


def main():
    versions = f"scikit-learn {sklearn.__version__}, skorch {skorch.__version__}"
    print(f"{versions}, torch {torch.__version__}")
    for name, estimator in contenders():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = check_estimator(estimator, on_fail=None)
        status = Counter(r["status"] for r in results)
        failed = sorted({r["check_name"] for r in results if r["status"] == "failed"})
        print(
            f"\n{name}: {len(results)} checks, {status['passed']} passed, "
            f"{status['failed']} failed, {status['skipped']} skipped"
        )
        for check in failed:
            print(f"  failed: {check}")


if __name__ == "__main__":
    main()
