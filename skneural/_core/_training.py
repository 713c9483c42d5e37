"""The training and runtime parameters every estimator shares: defaults, constraints, docs.

Every estimator has the parameters of :data:`TRAINING` and :data:`RUNTIME`
(their defaults, constraints and docs in one place; a family replaces what
it does differently with :func:`~skneural._core._params.replace`).
:mod:`skneural._core._settings` resolves their ``"auto"`` values for one
fit and turns them into the skorch net's arguments.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, Options, StrOptions
from torch.torch_version import TorchVersion

from skneural._core._hardware import PRECISIONS
from skneural._core._params import Param

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}
LR_SCHEDULES = ("constant", "cosine", "step", "plateau")
# Optimizers given ``fused=True`` on the devices where torch has that kernel:
# one kernel over all the parameters instead of a Python loop of small ops per
# tensor (on the CPU about 20x faster for ResNet-18's 11M weights, ~5% of a CNN step)
FUSED_OPTIMIZERS = ("adam", "adamw")
FUSED_DEVICES = ("cuda", "cpu") if TorchVersion(torch.__version__) >= "2.4" else ("cuda",)

# optimizer="auto", lr="auto" and weight_decay="auto", where a family offers
# them (the CNNs): the optimizer is the family's choice (its _auto_optimizer),
# lr and weight decay that optimizer's (else DEFAULT_LR and no decay)
DEFAULT_LR = 2e-3
AUTO_LR = {"sgd": 0.05}
AUTO_WEIGHT_DECAY = {"sgd": 2e-3}


@dataclass(frozen=True)
class AutoBudget:
    """What ``max_epochs="auto"`` trains, for a family (its ``_auto_budget()``).

    Attributes
    ----------
    epochs : int
        Epochs of a large training set.
    min_steps : int
        Optimizer steps that a smaller training set gets, in more epochs.
    max_epochs : int
        The most epochs, however small the training set.
    """

    epochs: int
    min_steps: int
    max_epochs: int

    def describe(self) -> str:
        """The rule in words, for the ``max_epochs`` docs."""
        return (
            f'``"auto"`` trains {self.epochs} epochs, or more on small data so that '
            f"training makes at least {self.min_steps:,} optimizer steps, at most "
            f"{self.max_epochs} epochs"
        )


AUTO_BUDGET = AutoBudget(epochs=12, min_steps=600, max_epochs=200)

# batch_size="auto": AUTO_BATCH, or a tenth of a small training set (at least
# AUTO_MIN_BATCH), so that small data gets several optimizer steps per epoch
AUTO_BATCH = 64
AUTO_MIN_BATCH = 8

_positive_int = [Interval(Integral, 1, None, closed="left")]


def max_epochs_param(budget: AutoBudget, examples: str) -> Param:
    """The ``max_epochs`` parameter of a family whose ``"auto"`` follows ``budget``.

    ``examples`` says what the rule gives for a few data sizes.
    """
    doc = (
        "Passes over the training data (fewer if early stopping ends training). "
        f"{budget.describe()}: {examples} (counting the training part only, with "
        "early stopping). ``n_iter_`` tells how many ran. ``partial_fit`` trains "
        "one epoch per call."
    )
    # indented as the other parameters' docs, which are written in the source
    doc = textwrap.fill(doc, width=78, subsequent_indent=" " * 8)
    return Param("max_epochs", "auto", [*_positive_int, StrOptions({"auto"})], 'int or "auto"', doc)


TRAINING = (
    Param(
        "optimizer",
        "adam",
        [StrOptions(set(OPTIMIZERS)), callable],
        '{"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass',
        """Optimizer. A class is called with the parameters, ``lr`` and (when
        nonzero) ``weight_decay``.""",
    ),
    Param("lr", DEFAULT_LR, [Interval(Real, 0, None, closed="neither")], "float", "Learning rate."),
    Param(
        "momentum",
        0.9,
        [Interval(Real, 0, 1, closed="both")],
        "float",
        'Momentum of ``optimizer="sgd"`` (ignored by the other optimizers).',
    ),
    Param(
        "weight_decay",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """Weight decay: L2 penalty for "sgd", "adam" and "rmsprop"; decoupled
        decay for "adamw".""",
    ),
    Param(
        "batch_size",
        "auto",
        [*_positive_int, StrOptions({"auto"})],
        'int or "auto"',
        """Samples per training batch (and per prediction batch). ``"auto"``:
        64, or a tenth of a smaller training set, at least 8 (100 samples train
        in batches of 10, 36 in batches of 8), so that small data gets several
        optimizer steps per epoch; ``partial_fit`` trains, and predictions go,
        in batches of 64.""",
    ),
    max_epochs_param(
        AUTO_BUDGET,
        "1,437 samples in batches of 64 train for 27 epochs, 60,000 for 12, 100 in "
        "batches of 10 for 60",
    ),
    Param(
        "lr_schedule",
        "cosine",
        [StrOptions(set(LR_SCHEDULES))],
        '{"cosine", "constant", "step", "plateau"}',
        """How the learning rate changes: ``"cosine"`` decays it to 0 over
        ``max_epochs`` (updated every batch), so that a fixed budget of epochs
        ends at a small rate rather than wherever a constant rate leaves the
        weights; ``"constant"`` keeps ``lr``; ``"step"`` multiplies it by
        ``lr_decay`` at 50% and at 75% of ``max_epochs``; ``"plateau"``
        multiplies it by ``lr_decay`` when the validation score (with early
        stopping) or else the training loss has not improved for
        ``max(1, n_iter_no_change // 2)`` epochs. Each ``fit`` (a ``warm_start``
        one too) starts its schedule from ``lr``; ``partial_fit`` keeps ``lr``
        constant.""",
    ),
    Param(
        "lr_decay",
        0.1,
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        'Factor of the ``"step"`` and ``"plateau"`` schedules.',
    ),
    Param(
        "early_stopping",
        False,
        ["boolean"],
        "bool",
        """Whether to hold out ``validation_fraction`` of the training data
        (stratified for classifiers, drawn with ``random_state``) and stop when
        its score has not improved by ``tol`` for ``n_iter_no_change`` epochs.
        The weights of the best epoch are restored at the end. When False, no
        data is held out: all of a cross-validation fold trains the network.
        ``partial_fit`` holds nothing out.""",
    ),
    Param(
        "validation_fraction",
        0.1,
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Share of the training data held out when ``early_stopping`` is True.",
    ),
    Param(
        "n_iter_no_change",
        5,
        _positive_int,
        "int",
        "Epochs without improvement before early stopping ends training.",
    ),
    Param(
        "tol",
        1e-4,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Smallest gain of the validation score that counts as an improvement.",
    ),
    Param(
        "scoring",
        None,
        [str, callable, None],
        "str, callable or None",
        """Validation score monitored by early stopping: None for the estimator's
        own ``score`` (accuracy, or R^2 for regressors), else a scikit-learn
        scorer name (e.g. ``"f1_macro"``, ``"neg_mean_absolute_error"``) or a
        callable ``scorer(estimator, X, y)``. A scorer that needs
        ``predict_proba`` needs ``loss="cross_entropy"``.""",
    ),
    Param(
        "clip_grad_norm",
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        "If set, gradients are rescaled so that their total norm is at most this.",
    ),
    Param(
        "normalize",
        True,
        ["boolean"],
        "bool",
        """Whether to standardize each input channel with the mean and standard
        deviation of the training data. The statistics are learned in ``fit``,
        stored in the network (``module_.standardize``) and reused by
        ``predict``.""",
    ),
)

RUNTIME = (
    Param(
        "random_state",
        None,
        ["random_state"],
        "int, RandomState instance or None",
        """Seeds weight initialization, shuffling, the validation split, dropout
        and augmentation. Two fits on CPU with the same integer give identical
        networks. The global torch RNG state is left as it was.""",
    ),
    Param(
        "device",
        "auto",
        [str, torch.device],
        "str or torch.device",
        """``"auto"`` trains on CUDA when it is available, else on the CPU; also
        ``"cpu"``, ``"cuda"``, ``"cuda:<index>"`` or ``"mps"``. On CUDA, array
        data that takes at most a quarter of the free device memory is copied
        there once per fit and batched on the device.""",
    ),
    Param(
        "precision",
        "auto",
        [StrOptions(set(PRECISIONS))],
        '{"auto", "32", "bf16-mixed", "16-mixed"}',
        """Floating-point precision of the network's forward passes, in
        Lightning's names. ``"auto"``: ``"bf16-mixed"`` where the device
        computes bfloat16 natively (CUDA from compute capability 8.0; CPUs
        with AVX512-BF16 or AMX) and the network trains faster in it, else
        ``"32"``; resolved for the device of each fit and prediction, so a
        model predicts in float32 on a machine without native bfloat16.
        ``"32"``: float32 throughout, the same numbers on every machine.
        ``"bf16-mixed"``: :func:`torch.autocast` to bfloat16 (on CUDA and
        CPUs; emulated, and slower than float32, on CPUs without native
        support). ``"16-mixed"``: float16 with a gradient scaler, CUDA only.
        Mixed precision runs the matrix products, convolutions and LSTMs in
        16 bits (several times faster where native, half the activation
        memory); weights, optimizer state and loss stay float32, so the
        accuracy is that of float32 training within noise, but the numbers
        differ, and a seeded fit repeats exactly only on the same kind of
        machine. Predictions use the same precision.""",
    ),
    Param(
        "n_threads",
        1,
        [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "int",
        """Torch threads of each fit and prediction, set for the call and
        restored afterwards. 1 (the default) keeps a fit as fast beside other
        work as alone, lets parallel searches (``n_jobs``, Dask) use the cores,
        and makes a seeded CPU fit independent of where it runs; -1 uses the
        threads this process is allotted (``OMP_NUM_THREADS``, joblib's and
        Dask's worker allotments, ``threadpoolctl`` limits, the CPUs it may
        use), 1.2x to 1.9x faster for one fit on an otherwise idle 2-core
        machine (``benchmarks/bench_parallel.py``). A CPU fit's numbers depend
        on its thread count. Image files are decoded in threads of their own:
        on the CPU, one per thread of the allotment that ``n_threads`` leaves
        free, plus one.""",
    ),
    Param(
        "verbose",
        0,
        ["verbose"],
        "int",
        "0 is silent; 1 prints a table row per epoch; 2 also shows a progress bar.",
    ),
    Param(
        "warm_start",
        False,
        ["boolean"],
        "bool",
        """Whether ``fit`` continues training the fitted network (with its
        optimizer state) instead of starting afresh.""",
    ),
    Param(
        "tensorboard_dir",
        None,
        [str, os.PathLike, None],
        "str, path or None",
        """If set, each fit writes TensorBoard event files (per-epoch losses,
        validation score and learning rate) to a run folder of its own under
        this directory. Needs ``pip install skneural[tensorboard]``.""",
    ),
    Param(
        "callbacks",
        None,
        [list, None],
        "list of skorch callbacks or (name, callback) tuples",
        """Extra skorch callbacks. They are copied at each fit; the fitted ones are
        in ``net_.callbacks_``.""",
    ),
)
