"""Quality of the default CNNClassifier: MNIST test accuracy and digits CV accuracy.

- MNIST (the real 60,000 / 10,000 split from ``../shared/datasets/mnist``):
  test accuracy of ``CNNClassifier()`` with its defaults, and the time its fit
  took. Target >= 0.99; published: a Keras CNN of the same shape reaches
  0.9925 after 12 epochs. scikit-learn's ``MLPClassifier`` (defaults, inputs
  scaled to [0, 1]) runs on the same split for comparison.
- digits (scikit-learn's bundled 8x8 images): 5-fold cross-validated accuracy
  of ``CNNClassifier()``, target >= 0.98, on two fold layouts:
  ``cross_val_score``'s default (stratified, not shuffled: the folds follow
  the order in which the writers' samples were collected) and stratified
  shuffled folds. ``SVC()`` and ``MLPClassifier()`` run on the same folds.

Run: ``python benchmarks/bench_accuracy.py [--skip-mnist] [--skip-baselines]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import load_mnist

from skneural import CNNClassifier


def mnist(baselines):
    X_train, y_train, X_test, y_test = load_mnist()
    print(
        f"MNIST: train {X_train.shape} {X_train.dtype}, test {X_test.shape}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs"
    )
    clf = CNNClassifier(random_state=0, verbose=1)
    print(clf)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = clf.score(X_test, y_test)
    predict_seconds = time.perf_counter() - start
    print(
        f"CNNClassifier() MNIST test accuracy {accuracy:.4f} (target >= 0.99; Keras CNN 0.9925)"
        f" | fit {fit_seconds:.0f} s on {clf.net_.device} ({clf.n_iter_} epochs, "
        f"{fit_seconds / clf.n_iter_:.1f} s/epoch) | predict 10,000 in {predict_seconds:.2f} s"
    )
    if baselines:
        mlp = MLPClassifier(random_state=0)
        start = time.perf_counter()
        mlp.fit(X_train.reshape(60000, -1) / 255.0, y_train)
        seconds = time.perf_counter() - start
        mlp_accuracy = mlp.score(X_test.reshape(10000, -1) / 255.0, y_test)
        print(
            f"MLPClassifier() MNIST test accuracy {mlp_accuracy:.4f} | fit {seconds:.0f} s "
            f"({mlp.n_iter_} epochs)"
        )


def digits(baselines):
    X, y = load_digits(return_X_y=True)
    layouts = {
        "cross_val_score default (stratified, unshuffled)": 5,
        "stratified, shuffled (random_state=0)": StratifiedKFold(5, shuffle=True, random_state=0),
    }
    # X stays flat for every model; the CNN is told its 8x8 image shape
    models = {"CNNClassifier()": CNNClassifier(image_shape=(8, 8), random_state=0)}
    if baselines:
        models["SVC()"] = SVC()
        models["MLPClassifier()"] = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    print(f"\ndigits: X {X.shape}, 5-fold CV accuracy (target >= 0.98 for CNNClassifier)")
    for layout, cv in layouts.items():
        print(f"  folds: {layout}")
        for name, model in models.items():
            start = time.perf_counter()
            scores = cross_val_score(model, X, y, cv=cv)
            seconds = time.perf_counter() - start
            print(
                f"    {name:16} {scores.mean():.4f} +- {scores.std():.4f}  "
                f"folds {np.round(scores, 4).tolist()}  ({seconds:.0f} s)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()
    digits(not args.skip_baselines)
    if not args.skip_mnist:
        mnist(not args.skip_baselines)


if __name__ == "__main__":
    main()
