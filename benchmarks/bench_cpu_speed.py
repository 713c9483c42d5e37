"""CPU speed: bfloat16 and channels-last where the hardware has them, measured side by side.

Three measurements, each printing the figures it measured:

``steps``
    One training step (forward, backward, optimizer step) and one inference
    pass of each kind of network the library builds, on one torch thread,
    under float32 (torch's default memory), channels-last, bfloat16
    autocast, and both, with the allocator settings of every fit
    (:mod:`skneural._core._malloc`); the ratios to float32 are taken within
    one run.
    This is the evidence behind ``precision="auto"`` and the memory format
    (:mod:`skneural._core._hardware`).

``fits``
    Whole fits of the default estimators against the same fits by another
    revision of skneural (``--baseline REV``, e.g. the commit before this
    change): each fit runs in a fresh process importing one revision or the
    other, one torch thread, the revisions alternating seed by seed (or
    side by side on two cores with ``--jobs 2``); prints fit and predict
    time, test accuracy and the paired time ratio per case.
    ``--emulate-avx2`` runs both revisions as on a CPU without native
    bfloat16 (``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``): the
    fallback must not be slower than the baseline.

``lstm``
    The recurrent path alone: one training step and one inference pass of
    ``torch.nn.LSTM`` over batches of sequences of unequal lengths (as
    IMDB's reviews are), run padded (as :class:`skneural.nn.RecurrentNet`
    does: real steps first, the padding after) or packed
    (``pack_padded_sequence``), in float32 or bfloat16 autocast, with
    oneDNN's LSTM kernel (torch's default on CPU) or without it.

``compile``
    ``torch.compile`` of the network against eager execution, in the same
    fits (compile time included), short and long.

Cases (``--cases``): ``mnist`` and ``cifar10``, the default ``CNNClassifier()``
(12 epochs); ``fcn_acsf1``, the FCN recipe on ACSF1 (400 epochs);
``cnn1d_<set>``, the default ``CNNClassifier(spatial_dims=1)`` on a UCR set;
``lstm_arrowhead``, the LSTM in patches of 24 on ArrowHead (600 epochs);
``lstm_imdb``, the default ``LSTMClassifier`` on 10,000 IMDB reviews of
at most 200 tokens, 3 epochs (the time of the text path, not its accuracy).
The UCR sets are read from aeon (``pip install ".[series]"``), the others
from the shared datasets folder (``benchmarks/_datasets.py``).

Usage::

    python benchmarks/bench_cpu_speed.py steps
    python benchmarks/bench_cpu_speed.py fits --baseline 2db4a1b --cases mnist cifar10 --seeds 3
    python benchmarks/bench_cpu_speed.py fits --baseline 2db4a1b --cases fcn_acsf1 --jobs 2
    python benchmarks/bench_cpu_speed.py fits --baseline 2db4a1b --cases mnist --emulate-avx2
    python benchmarks/bench_cpu_speed.py lstm
    python benchmarks/bench_cpu_speed.py compile --cases mnist lstm_imdb
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
AVX2_ONLY = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
UCR_SETS = ("ArrowHead", "ACSF1", "PickupGestureWiimoteZ")
CASES = (
    "mnist",
    "cifar10",
    "fcn_acsf1",
    *(f"cnn1d_{name.lower()}" for name in UCR_SETS),
    "lstm_arrowhead",
    "lstm_imdb",
)
FCN = dict(
    spatial_dims=1,
    n_conv_layers=3,
    n_filters=(128, 256, 128),
    kernel_size=(8, 5, 3),
    pooling=None,
    batch_norm=True,
    head="gap",
    hidden_units=None,
    lr=1e-3,
)


# ----------------------------------------------------------------------
# steps


def _time(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _step(torch, model, x, y, *, bf16, channels_last, train):
    import torch.nn.functional as F

    from skneural._core._hardware import channels_last as to_layout
    from skneural._core._hardware import to_channels_last

    if channels_last:
        to_channels_last(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    precision = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()
    inputs = tuple(to_layout(t) if channels_last else t for t in x)

    def step():
        if train:
            model.train()
            optimizer.zero_grad()
            with precision:
                out = model(*inputs)
            F.cross_entropy(out.float(), y).backward()
            optimizer.step()
        else:
            model.eval()
            with torch.inference_mode(), precision:
                model(*inputs)

    return step


def steps(args):
    import torch
    import torchvision

    from skneural._core._malloc import tune_allocator
    from skneural.nn import ConvNet, RecurrentNet

    torch.set_num_threads(1)
    tune_allocator()  # as every fit does: a step's tensors stay on the heap

    def images(c, side, n):
        return (torch.randn(n, c, side, side),)

    fcn = {k: v for k, v in FCN.items() if k not in ("spatial_dims", "lr")}
    nets = [
        ("CNN 1x28x28 (MNIST) b64", lambda: ConvNet(1, 10, (28, 28)), images(1, 28, 64), True),
        ("CNN 3x32x32 (CIFAR) b64", lambda: ConvNet(3, 10, (32, 32)), images(3, 32, 64), True),
        ("CNN 1x8x8 (digits) b64", lambda: ConvNet(1, 10, (8, 8)), images(1, 8, 64), True),
        (
            "3-D CNN 1x16^3 b32",
            lambda: ConvNet(1, 10, (16, 16, 16)),
            (torch.randn(32, 1, 16, 16, 16),),
            True,
        ),
        (
            "3-D CNN 1x32^3 b16",
            lambda: ConvNet(1, 10, (32, 32, 32)),
            (torch.randn(16, 1, 32, 32, 32),),
            True,
        ),
        (
            "FCN 1x1460 (ACSF1) b10",
            lambda: ConvNet(1, 10, (1460,), **fcn),
            (torch.randn(10, 1, 1460),),
            False,
        ),
        ("1-D CNN 1x1460 b10", lambda: ConvNet(1, 10, (1460,)), (torch.randn(10, 1, 1460),), False),
        (
            "1-D CNN 1x251 (ArrowHead) b8",
            lambda: ConvNet(1, 3, (251,)),
            (torch.randn(8, 1, 251),),
            False,
        ),
        (
            "LSTM text 100 tokens b64",
            lambda: RecurrentNet(2, vocabulary_size=20000),
            (torch.randint(1, 20000, (64, 100)),),
            False,
        ),
        (
            "LSTM text 400 tokens bi max b64",
            lambda: RecurrentNet(2, vocabulary_size=20000, bidirectional=True, summary="max"),
            (torch.randint(1, 20000, (64, 400)),),
            False,
        ),
        (
            "LSTM series 251 patch 24 b8",
            lambda: RecurrentNet(3, n_features=1, patch_size=24, summary="mean"),
            (torch.randn(8, 1, 251),),
            False,
        ),
    ]
    for arch in ("resnet18", "efficientnet_b0", "mobilenet_v3_small", "convnext_tiny", "vit_b_16"):
        extra = {"image_size": 64} if arch.startswith("vit") else {}
        nets.append(
            (
                f"{arch} 3x64x64 b16",
                lambda arch=arch, extra=extra: torchvision.models.get_model(
                    arch, num_classes=10, **extra
                ),
                images(3, 64, 16),
                True,
            )
        )
    if args.only:
        nets = [net for net in nets if any(word in net[0] for word in args.only)]
    print(
        f"one torch thread, torch {torch.__version__}, CPU capability "
        f"{torch.backends.cpu.get_cpu_capability()}; median of {args.repeats} steps; "
        "ratios to float32 in torch's default memory format"
    )
    print(f"{'network':34} {'pass':5} {'fp32 ms':>8} {'CL':>6} {'bf16':>6} {'CL+bf16':>8}")
    for name, build, x, convolved in nets:
        y = torch.randint(0, 2, (x[0].shape[0],))  # every network has 2 outputs or more
        for train in (True, False):
            times = {}
            for layout in (False, True) if convolved else (False,):
                for bf16 in (False, True):
                    torch.manual_seed(0)
                    step = _step(torch, build(), x, y, bf16=bf16, channels_last=layout, train=train)
                    times[layout, bf16] = _time(step, args.repeats)
            base = times[False, False]

            def ratio(key, times=times, base=base):
                return f"{times[key] / base:.2f}" if key in times else "-"

            print(
                f"{name:34} {'train' if train else 'infer':5} {base * 1e3:8.1f} "
                f"{ratio((True, False)):>6} {ratio((False, True)):>6} {ratio((True, True)):>8}",
                flush=True,
            )


# ----------------------------------------------------------------------
# lstm: padded against packed, float32 against bfloat16, oneDNN on and off


def _lstm_step(torch, x, lengths, y, *, hidden, packed, bf16, train):
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(0)
    model = torch.nn.LSTM(x.shape[2], hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 2)
    optimizer = torch.optim.SGD([*model.parameters(), *head.parameters()], lr=0.01)
    rows = torch.arange(len(x))

    def forward():
        with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext():
            if packed:
                sequences = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                _, (last, _) = model(sequences)
                last = last[-1]
            else:  # the real steps first, the padding after: the last real output
                out, _ = model(x)
                last = out[rows, lengths - 1]
            return head(last).float()

    def step():
        if train:
            model.train()
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(forward(), y).backward()
            optimizer.step()
        else:
            model.eval()
            with torch.inference_mode():
                forward()

    return step


def lstm(args):
    import torch

    from skneural._core._malloc import tune_allocator

    torch.set_num_threads(1)
    tune_allocator()
    print(
        f"one torch thread, torch {torch.__version__}; nn.LSTM training step (forward, backward, "
        f"SGD) and inference pass, median of {args.repeats}; ratios to padded float32 with oneDNN"
    )
    columns = {
        "bf16": (True, False, True),
        "packed": (True, True, False),
        "packed bf16": (True, True, True),
        "no oneDNN": (False, False, False),
        "no oneDNN bf16": (False, False, True),
    }
    print(
        f"{'batch':36} {'pass':5} {'fp32 ms':>8} " + " ".join(f"{c:>{len(c) + 1}}" for c in columns)
    )
    shapes = [
        ("text: 64 x <=100 steps, 128 -> 128", 64, 100, 128, 128),
        ("text: 64 x <=400 steps, 128 -> 128", 64, 400, 128, 128),
        ("series: 8 x 11 patches, 24 -> 128", 8, 11, 24, 128),
    ]
    for name, n, t_max, size, hidden in shapes:
        generator = torch.Generator().manual_seed(0)
        # lengths spread as document lengths are: a long tail, the longest at t_max
        lengths = (t_max * torch.rand(n, generator=generator) ** 0.7).long().clamp(min=1)
        lengths[0] = t_max
        x = torch.randn(n, t_max, size, generator=generator)
        y = torch.randint(0, 2, (n,), generator=generator)
        for train in (True, False):
            times = {}
            for key in ((True, False, False), *columns.values()):
                mkldnn, packed, bf16 = key
                step = _lstm_step(
                    torch, x, lengths, y, hidden=hidden, packed=packed, bf16=bf16, train=train
                )
                with torch.backends.mkldnn.flags(enabled=mkldnn):
                    times[key] = _time(step, args.repeats)
            base = times[True, False, False]
            print(
                f"{name:36} {'train' if train else 'infer':5} {base * 1e3:8.1f} "
                + " ".join(f"{times[key] / base:>{len(c) + 1}.2f}" for c, key in columns.items()),
                flush=True,
            )


# ----------------------------------------------------------------------
# fits: one fit per process


def _data(case):
    sys.path.insert(0, str(HERE))
    if case in ("mnist", "cifar10"):
        from _datasets import load_cifar10, load_mnist

        return (load_mnist if case == "mnist" else load_cifar10)()
    if case == "lstm_imdb":
        import numpy as np
        from _datasets import load_imdb

        texts, y, texts_test, y_test = load_imdb()
        rng = np.random.RandomState(0)
        train, test = rng.permutation(len(texts))[:10000], rng.permutation(len(texts_test))[:5000]
        return (
            [texts[i] for i in train],
            y[train],
            [texts_test[i] for i in test],
            y_test[test],
        )
    from aeon.datasets import load_classification

    name = {n.lower(): n for n in UCR_SETS}[
        "acsf1" if case == "fcn_acsf1" else "arrowhead" if case == "lstm_arrowhead" else case[6:]
    ]
    X, y = load_classification(name, split="train")
    X_test, y_test = load_classification(name, split="test")
    return X, y, X_test, y_test


def _estimator(case, seed, callbacks=None):
    from sklearn.pipeline import make_pipeline

    from skneural import CNNClassifier, LSTMClassifier, SequenceVectorizer

    extra = {} if callbacks is None else {"callbacks": callbacks}
    if case in ("mnist", "cifar10"):
        return CNNClassifier(random_state=seed, **extra)
    if case == "fcn_acsf1":
        return CNNClassifier(**FCN, max_epochs=400, random_state=seed, **extra)
    if case.startswith("cnn1d_"):
        return CNNClassifier(spatial_dims=1, random_state=seed, **extra)
    if case == "lstm_arrowhead":
        return LSTMClassifier(patch_size=24, summary="mean", random_state=seed, **extra)
    return make_pipeline(
        SequenceVectorizer(max_len=200),
        LSTMClassifier(input_type="tokens", max_epochs=3, random_state=seed, **extra),
    )


def _compile_callback():
    """A skorch callback running the network compiled by ``torch.compile`` during training."""
    import torch
    from skorch.callbacks import Callback

    class CompileModule(Callback):
        def on_train_begin(self, net, **kwargs):
            net.module_ = torch.compile(net.module_)

        def on_train_end(self, net, **kwargs):
            net.module_ = net.module_._orig_mod

    return [("compile", CompileModule())]


def worker(case, seed, compiled):
    """Fit ``case`` with ``seed`` in this process; print a JSON line of what was measured."""
    import warnings

    import torch

    import skneural
    from skneural.exceptions import AmbiguousInputWarning

    torch.set_num_threads(1)
    warnings.simplefilter("ignore", AmbiguousInputWarning)
    X, y, X_test, y_test = _data(case)
    model = _estimator(case, seed, _compile_callback() if compiled else None)
    start = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = float((model.predict(X_test) == y_test).mean())
    predict_s = time.perf_counter() - start
    net = model[-1].net_ if hasattr(model, "steps") else model.net_
    print(
        json.dumps(
            dict(
                fit_s=fit_s,
                predict_s=predict_s,
                accuracy=accuracy,
                epochs=len(net.history),
                precision=getattr(net, "precision", "32"),
                channels_last=bool(getattr(net, "channels_last", False)),
                source=str(Path(skneural.__file__).parent.parent),
            )
        )
    )


def _export(rev, where):
    """The ``skneural`` package of git revision ``rev``, unpacked under ``where``."""
    archive = Path(where) / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", rev, "skneural"], cwd=REPO, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(where, filter="data")
    return str(where)


def _fit_in_process(case, seed, source, env, compiled=False):
    command = [sys.executable, str(Path(__file__).resolve()), "worker", case, str(seed)]
    if compiled:
        command.append("--compiled")
    environment = {**os.environ, **env, "PYTHONPATH": source, "OMP_WAIT_POLICY": "PASSIVE"}
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{case} seed {seed} failed:\n{result.stderr[-3000:]}")
    record = json.loads(result.stdout.strip().splitlines()[-1])
    if Path(record["source"]).resolve() != Path(source).resolve():
        raise RuntimeError(f"the worker imported skneural from {record['source']}, not {source}")
    return record


def _report(case, runs, labels):
    print(f"\n{case}: {len(runs[labels[0]])} seeds")
    print(
        f"{'':16} {'fit s (median)':>15} {'predict s':>10} {'accuracy (mean +- sd)':>22} "
        f"{'epochs':>7}  precision / channels-last / fit s per seed"
    )
    for label in labels:
        records = runs[label]
        accuracies = [r["accuracy"] for r in records]
        sd = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        print(
            f"{label:16} {statistics.median(r['fit_s'] for r in records):15.1f} "
            f"{statistics.median(r['predict_s'] for r in records):10.2f} "
            f"{statistics.mean(accuracies):15.4f} +- {sd:.4f} {records[0]['epochs']:7d}  "
            f"{records[0]['precision']} / {records[0]['channels_last']} / "
            + " ".join(f"{r['fit_s']:.1f}" for r in records),
            flush=True,
        )
    a, b = labels[1], labels[0]
    ratios = [x["fit_s"] / y["fit_s"] for x, y in zip(runs[a], runs[b], strict=True)]
    predict = [x["predict_s"] / y["predict_s"] for x, y in zip(runs[a], runs[b], strict=True)]
    gain = statistics.mean(r["accuracy"] for r in runs[a]) - statistics.mean(
        r["accuracy"] for r in runs[b]
    )
    print(
        f"{a} / {b}: fit time {statistics.median(ratios):.3f}x (paired, per seed "
        + " ".join(f"{r:.3f}" for r in ratios)
        + f"), predict time {statistics.median(predict):.3f}x, accuracy {gain:+.4f}"
    )


def fits(args):
    env = AVX2_ONLY if args.emulate_avx2 else {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.mode == "compile":
            labels = ("eager", "compiled")
            sources = {"eager": (str(REPO), False), "compiled": (str(REPO), True)}
        else:
            labels = (f"baseline {args.baseline}", "this checkout")
            sources = {
                labels[0]: (_export(args.baseline, tmp), False),
                labels[1]: (str(REPO), False),
            }
        print(
            f"{args.mode}: one torch thread per fit, {args.jobs} fit(s) at a time"
            + (", emulating a CPU without native bfloat16 (AVX2)" if env else "")
        )
        for case in args.cases:

            def fit(job, case=case):
                label, seed = job
                source, compiled = sources[label]
                return label, _fit_in_process(case, seed, source, env, compiled)

            # the two labels alternate seed by seed (side by side with --jobs 2)
            jobs = [(label, seed) for seed in range(args.seeds) for label in labels]
            with ThreadPoolExecutor(args.jobs) as pool:
                done = list(pool.map(fit, jobs))
            runs = {label: [r for lab, r in done if lab == label] for label in labels}
            _report(case, runs, labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("steps", help="training and inference steps per network")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--only", nargs="+", help="networks whose name holds one of these words")
    p = sub.add_parser("lstm", help="the LSTM alone: padded or packed, float32 or bfloat16")
    p.add_argument("--repeats", type=int, default=10)
    for name in ("fits", "compile"):
        p = sub.add_parser(name)
        p.add_argument("--cases", nargs="+", default=["mnist"], choices=CASES)
        p.add_argument("--seeds", type=int, default=3)
        p.add_argument("--jobs", type=int, default=1, choices=(1, 2))
        p.add_argument("--emulate-avx2", action="store_true")
        if name == "fits":
            p.add_argument("--baseline", required=True, help="git revision to compare against")
    p = sub.add_parser("worker")
    p.add_argument("case", choices=CASES)
    p.add_argument("seed", type=int)
    p.add_argument("--compiled", action="store_true")
    args = parser.parse_args()
    if args.mode == "worker":
        worker(args.case, args.seed, args.compiled)
    elif args.mode == "steps":
        steps(args)
    elif args.mode == "lstm":
        lstm(args)
    else:
        fits(args)


if __name__ == "__main__":
    main()
