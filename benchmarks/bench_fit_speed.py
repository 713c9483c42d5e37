"""Fit time of CNNClassifier against a hand-written PyTorch loop and plain skorch.

All contenders train the same module (skneural's default network: per-channel
standardization, then the classic ConvNet) from the same initial weights, on
the same data, with the same optimizer (Adam, constant learning rate), batch
size and number of epochs, on the CPU:

- ``plain loop``: the loop one writes by hand: tensors built once, a random
  permutation per epoch, index, forward, loss, backward, step, ``loss.item()``,
  in float32 and torch's default memory format;
- ``fast loop``: the same loop written for this CPU by hand: the module and
  each batch in channels-last memory, the forward pass under bfloat16
  autocast where the CPU computes bfloat16 natively (else float32);
- ``skorch``: ``skorch.NeuralNetClassifier`` on the same float32 arrays, with
  no internal validation split (its default split would train on less data);
- ``skneural``: ``CNNClassifier.fit`` at its defaults for precision and
  memory (``precision="auto"``), on the data as a user has it (float64
  digits, uint8 MNIST), its input validation and statistics included.

Targets: skneural <= 0.5x the plain loop where the CPU computes bfloat16
natively (else <= 1.10x), <= 1.05x the fast loop, and faster than skorch.

Run: ``python benchmarks/bench_fit_speed.py [--quick] [--threads N]`` (one
torch thread by default, as ``CNNClassifier``'s ``n_threads``).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import load_mnist

from skneural import CNNClassifier
from skneural._core._hardware import native_bf16_cpu
from skneural._core._stats import weighted_mean_std
from skneural.nn import ConvNet, Standardize

LR = 1e-3


def make_data(name):
    """Return ``(X, y)`` as a user would pass them to ``fit``."""
    if name == "digits":
        X, y = load_digits(return_X_y=True)  # float64, (1797, 64)
        return X, y
    X, y, _, _ = load_mnist()  # uint8, (60000, 28, 28)
    return X, y


def make_module(X, n_classes, seed):
    """skneural's default module, built from the same seed for every contender."""
    images = X.reshape(len(X), 1, *_side(X))
    mean, std = weighted_mean_std(images, 1)
    torch.manual_seed(seed)
    return nn.Sequential(
        Standardize(
            torch.tensor(mean, dtype=torch.float32), torch.tensor(std, dtype=torch.float32)
        ),
        ConvNet(1, n_classes, _side(X)),
    )


def _side(X):
    side = round(np.sqrt(np.prod(X.shape[1:])))
    return (side, side)


def time_plain_loop(X, y, module, batch_size, epochs, seed, *, fast=False):
    start = time.perf_counter()
    X_t = torch.as_tensor(X.reshape(len(X), 1, *_side(X)), dtype=torch.float32)
    y_t = torch.as_tensor(y, dtype=torch.long)
    if fast:
        module = module.to(memory_format=torch.channels_last)
    precision = (
        torch.autocast("cpu", dtype=torch.bfloat16)
        if fast and native_bf16_cpu()
        else contextlib.nullcontext()
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=generator)
        total = 0.0
        for i in range(0, len(X_t), batch_size):
            index = order[i : i + batch_size]
            batch = X_t[index]
            if fast:
                batch = batch.contiguous(memory_format=torch.channels_last)
            optimizer.zero_grad()
            with precision:
                output = module(batch)
            loss = criterion(output.float(), y_t[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
    return time.perf_counter() - start


def time_fast_loop(X, y, module, batch_size, epochs, seed):
    return time_plain_loop(X, y, module, batch_size, epochs, seed, fast=True)


def time_skorch(X, y, module, batch_size, epochs, seed):
    from skorch import NeuralNetClassifier

    start = time.perf_counter()
    X32 = X.reshape(len(X), 1, *_side(X)).astype(np.float32)  # skorch fails on float64
    y64 = y.astype(np.int64)  # and needs labels 0..K-1
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
        device="cpu",
    )
    net.fit(X32, y64)
    return time.perf_counter() - start


def time_skneural(X, y, module, batch_size, epochs, seed):
    # `module` is not used: CNNClassifier builds the same network itself
    start = time.perf_counter()
    CNNClassifier(
        batch_size=batch_size,
        max_epochs=epochs,
        optimizer="adam",  # the other contenders' (the CNNs' "auto" is SGD for images)
        lr=LR,
        lr_schedule="constant",
        random_state=seed,
        device="cpu",
        n_threads=torch.get_num_threads(),  # the threads the other contenders use
    ).fit(X, y)
    return time.perf_counter() - start


CONTENDERS = {
    "plain loop": time_plain_loop,
    "fast loop": time_fast_loop,
    "skorch": time_skorch,
    "skneural": time_skneural,
}


def run(name, batch_size, epochs, repeats):
    X, y = make_data(name)
    n_classes = len(np.unique(y))
    times = {contender: [] for contender in CONTENDERS}
    # one untimed round first: torch's lazy initialisation, caches
    for fn in CONTENDERS.values():
        fn(X[:256], y[:256], make_module(X[:256], n_classes, 0), batch_size, 1, 0)
    for repeat in range(repeats):
        # interleaved, so that a slow spell of the machine hits all contenders alike
        for contender, fn in CONTENDERS.items():
            module = make_module(X, n_classes, seed=repeat)
            times[contender].append(fn(X, y, module, batch_size, epochs, repeat))
    medians = {c: statistics.median(t) for c, t in times.items()}
    best = {c: min(t) for c, t in times.items()}

    def paired_ratio(a, b):
        # each repeat timed all contenders back to back: the ratio within a
        # repeat cancels slow spells of the machine
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    print(
        f"\n{name}: X {X.shape} {X.dtype}, batch_size={batch_size}, epochs={epochs}, "
        f"{repeats} repeats, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"native bfloat16: {native_bf16_cpu()}"
    )
    print(f"{'':12} {'median s':>9} {'best s':>8} {'samples/s':>10} {'vs plain loop':>14}  runs")
    for contender in CONTENDERS:
        runs = " ".join(f"{t:.2f}" for t in times[contender])
        print(
            f"{contender:12} {medians[contender]:9.2f} {best[contender]:8.2f} "
            f"{len(X) * epochs / medians[contender]:10.0f} "
            f"{paired_ratio(contender, 'plain loop'):13.3f}x  {runs}"
        )
    target = "0.5" if native_bf16_cpu() else "1.10"
    print(
        f"skneural / plain loop: {paired_ratio('skneural', 'plain loop'):.3f}x "
        f"(median of paired ratios; best-of {best['skneural'] / best['plain loop']:.3f}x), "
        f"target <= {target}"
    )
    print(
        f"skneural / fast loop:  {paired_ratio('skneural', 'fast loop'):.3f}x "
        f"(best-of {best['skneural'] / best['fast loop']:.3f}x), target <= 1.05"
    )
    print(
        f"skneural / skorch:     {paired_ratio('skneural', 'skorch'):.3f}x "
        f"(best-of {best['skneural'] / best['skorch']:.3f}x), target < 1"
    )
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits only, fewer repeats")
    # batch_size="auto" trains data of 640 samples or more in batches of 64
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads of every contender (default 1)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    run("digits", args.batch_size, epochs=12, repeats=3 if args.quick else 9)
    if not args.quick:
        run("mnist", args.batch_size, epochs=1, repeats=3)


if __name__ == "__main__":
    main()
