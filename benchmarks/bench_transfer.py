"""Transfer learning with ResNetClassifier: accuracy from few images, and frozen-epoch cost.

Pretrained ImageNet weights cannot be downloaded here, so the benchmark makes
its own pretrained model:

1. **Pretraining.** A ResNet-18 (``ResNetClassifier(weights=None)``) trains on
   MNIST digits 0-4 (a subset of the training images, ``--pretrain-samples``)
   and its backbone is saved as a checkpoint: ``{"state_dict": ..., "mean":
   ..., "std": ...}`` (the normalization it was trained with).
2. **Few-shot fine-tuning.** Digits 5-9 with only ``--per-class`` (20) training
   images per class, drawn ``--repeats`` times with different seeds: the
   pretrained network through ``weights=path`` with ``trainable_layers`` 0
   (the new head only), 3 (``backbone_lr_factor=0.3``) and 5 (everything,
   factor 1), against the same network from random initialization (at two
   learning rates, so that it is not handicapped by one). Test accuracy on
   all MNIST test images of digits 5-9. Transfer should win clearly.
3. **Epoch time.** One epoch over a fixed set of digit 5-9 images
   (``--timing-samples``), with ``trainable_layers=0`` against full
   fine-tuning, at MNIST's 28x28 and resized to 64x64 (``input_size``); the
   fastest of epochs 2 and 3 (the first includes warm-up; the minimum is the
   least disturbed by other work on the machine).

Run: ``python benchmarks/bench_transfer.py [--quick]``; about 10 minutes on
two CPU cores (``--quick``: 2 minutes, smaller).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import load_mnist

from skneural import ResNetClassifier


def pretrain(X, y, n_samples, epochs, path):
    rng = np.random.RandomState(0)
    index = rng.choice(len(X), size=min(n_samples, len(X)), replace=False)
    clf = ResNetClassifier(max_epochs=epochs, batch_size=128, lr=2e-3, random_state=0)
    start = time.perf_counter()
    clf.fit(X[index], y[index])
    seconds = time.perf_counter() - start
    module = clf.module_
    torch.save(
        {
            "state_dict": module.network.backbone.state_dict(),
            # the normalization it was trained with, for pixels in [0, 1]
            "mean": (module.standardize.mean / 255).flatten(),
            "std": (module.standardize.std / 255).flatten(),
        },
        path,
    )
    return clf, seconds


def few_shot(X, y, per_class, seed):
    rng = np.random.RandomState(seed)
    index = np.concatenate(
        [rng.choice(np.flatnonzero(y == label), per_class, replace=False) for label in np.unique(y)]
    )
    return X[index], y[index]


def epoch_seconds(clf, X, y):
    clf.fit(X, y)
    durations = [row["duration"] for row in clf.history_]
    return float(np.min(durations[1:]))  # the least disturbed epoch after the first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-samples", type=int, default=10_000)
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timing-samples", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    args = parser.parse_args()
    if args.quick:
        args.pretrain_samples, args.repeats, args.timing_samples = 3000, 1, 512
        args.finetune_epochs = 15

    X_train, y_train, X_test, y_test = load_mnist()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
        f"CUDA {'available' if torch.cuda.is_available() else 'not available'}"
    )
    source_train, target_train = y_train < 5, y_train >= 5
    target_test = y_test >= 5

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "resnet18_digits_0-4.pth"
        pretrained, seconds = pretrain(
            X_train[source_train],
            y_train[source_train],
            args.pretrain_samples,
            args.pretrain_epochs,
            path,
        )
        source_test = y_test < 5
        print(
            f"pretraining: ResNet-18 on {args.pretrain_samples} images of digits 0-4, "
            f"{args.pretrain_epochs} epochs, {seconds:.0f} s; test accuracy on digits 0-4 "
            f"{pretrained.score(X_test[source_test], y_test[source_test]):.4f}"
        )

        configs = {
            "random init, lr=1e-3": dict(weights=None),
            "random init, lr=3e-3": dict(weights=None, lr=3e-3),
            "pretrained, head only (layers=0)": dict(weights=path, trainable_layers=0),
            "pretrained, layers=3, factor 0.3": dict(
                weights=path, trainable_layers=3, backbone_lr_factor=0.3, lr=3e-3
            ),
            "pretrained, layers=5, factor 1": dict(
                weights=path, trainable_layers=5, backbone_lr_factor=1.0
            ),
        }
        X_eval, y_eval = X_test[target_test], y_test[target_test]
        print(
            f"\nfew-shot: digits 5-9, {args.per_class} training images per class, "
            f"{args.finetune_epochs} epochs, {args.repeats} draws; test accuracy on "
            f"{len(y_eval)} test images of digits 5-9"
        )
        results = {}
        for name, params in configs.items():
            scores, times = [], []
            for seed in range(args.repeats):
                X_few, y_few = few_shot(
                    X_train[target_train], y_train[target_train], args.per_class, seed
                )
                clf = ResNetClassifier(
                    max_epochs=args.finetune_epochs, batch_size=20, random_state=seed, **params
                )
                start = time.perf_counter()
                clf.fit(X_few, y_few)
                times.append(time.perf_counter() - start)
                scores.append(clf.score(X_eval, y_eval))
            results[name] = scores
            print(
                f"  {name:34s} accuracy {np.mean(scores):.4f} +- {np.std(scores):.4f} "
                f"(draws: {', '.join(f'{s:.4f}' for s in scores)}) | fit {np.mean(times):.1f} s"
            )
        best = {
            kind: max(np.mean(s) for n, s in results.items() if n.startswith(kind))
            for kind in ("pretrained", "random")
        }
        print(
            f"  best pretrained vs best random init: accuracy {best['pretrained']:.4f} vs "
            f"{best['random']:.4f}, error rate {1 - best['pretrained']:.4f} vs "
            f"{1 - best['random']:.4f} ({(1 - best['pretrained']) / (1 - best['random']):.2f}x)"
        )

        rng = np.random.RandomState(0)
        index = rng.choice(np.flatnonzero(target_train), args.timing_samples, replace=False)
        X_time, y_time = X_train[index], y_train[index]
        print(f"\nepoch time over {args.timing_samples} images, batch 64 (fastest of epochs 2-3):")
        for input_size in (None, (64, 64)):
            seconds = {}
            for layers in (0, 5):
                clf = ResNetClassifier(
                    weights=path,
                    trainable_layers=layers,
                    input_size=input_size,
                    max_epochs=3,
                    batch_size=64,
                    random_state=0,
                )
                seconds[layers] = epoch_seconds(clf, X_time, y_time)
            size = "28x28" if input_size is None else f"{input_size[0]}x{input_size[1]}"
            print(
                f"  {size}: trainable_layers=0 {seconds[0]:.2f} s, trainable_layers=5 "
                f"{seconds[5]:.2f} s: full fine-tuning costs {seconds[5] / seconds[0]:.1f}x "
                "a frozen-backbone epoch"
            )
    if not torch.cuda.is_available():
        print("\nno CUDA device here: CPU timings only")


if __name__ == "__main__":
    main()
