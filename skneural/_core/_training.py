"""Training configuration: the shared training parameters and the skorch net they make.

Every estimator has the parameters of :data:`TRAINING` (their defaults,
constraints and docs in one place). :func:`net_arguments` turns them into the
arguments of the skorch net and its callbacks, built from skorch's own where
they do the job: :class:`skorch.callbacks.LRScheduler` over torch's
schedulers, :class:`skorch.callbacks.GradientNormClipping`,
:class:`skorch.callbacks.ProgressBar`, and an early stopping built on
skorch's :class:`~skorch.callbacks.EarlyStopping`.
"""

from __future__ import annotations

import math
import os
import textwrap
from copy import deepcopy
from dataclasses import dataclass
from numbers import Integral, Real

import torch
from sklearn.metrics import get_scorer
from sklearn.utils._param_validation import Interval, Options, StrOptions
from skorch.callbacks import Callback, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split
from torch.optim.lr_scheduler import CosineAnnealingLR, MultiStepLR, ReduceLROnPlateau
from torch.torch_version import TorchVersion

from skneural._core._callbacks import (
    EarlyStopping,
    LRScheduler,
    RecordLR,
    TensorBoardLogger,
    ValidationScore,
)
from skneural._core._data import batch_bounds
from skneural._core._net import PRECISIONS
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
        "32",
        [StrOptions(set(PRECISIONS))],
        '{"32", "bf16-mixed", "16-mixed"}',
        """Floating-point precision of the network's forward passes, in
        Lightning's names: ``"32"`` (float32, the default), ``"bf16-mixed"``
        (:func:`torch.autocast` to bfloat16, on CUDA and on CPUs with
        bfloat16 support), ``"16-mixed"`` (float16 with a gradient scaler,
        CUDA only). Mixed precision runs the matrix products and convolutions
        in 16 bits (up to several times faster on recent GPUs, half the
        activation memory); weights, optimizer and loss stay float32.
        Predictions use the same precision. On CUDA, image networks also keep
        their weights and batches in channels-last memory order.""",
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


def training_batch_size(batch_size, n_train: int) -> int:
    """Samples per training batch: ``batch_size``, with "auto" resolved for ``n_train``."""
    if batch_size != "auto":
        return batch_size
    return min(AUTO_BATCH, max(AUTO_MIN_BATCH, n_train // 10))


def prediction_batch_size(batch_size) -> int:
    """Samples per prediction batch."""
    return AUTO_BATCH if batch_size == "auto" else batch_size


def n_epochs(max_epochs, n_train: int, batch_size: int, budget: AutoBudget) -> int:
    """Epochs of a fit: ``max_epochs``, "auto" resolved by ``budget`` for ``n_train`` samples."""
    if max_epochs != "auto":
        return max_epochs
    steps_per_epoch = -(-n_train // batch_size)
    wanted = max(budget.epochs, -(-budget.min_steps // steps_per_epoch))
    return min(budget.max_epochs, wanted)


def optimizer_settings(est) -> tuple:
    """``(optimizer, lr, weight_decay)`` of ``est``, each "auto" resolved.

    ``optimizer="auto"`` is the family's choice (``est._auto_optimizer()``);
    ``lr="auto"`` and ``weight_decay="auto"`` are that optimizer's
    (:data:`AUTO_LR`, :data:`AUTO_WEIGHT_DECAY`; else :data:`DEFAULT_LR` and 0).
    """
    optimizer = est._auto_optimizer() if _is_auto(est.optimizer) else est.optimizer
    lr = AUTO_LR.get(optimizer, DEFAULT_LR) if _is_auto(est.lr) else est.lr
    decay = est.weight_decay
    if _is_auto(decay):
        decay = AUTO_WEIGHT_DECAY.get(optimizer, 0.0)
    return optimizer, lr, decay


def _is_auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


def check_training_params(est, *, probabilities: bool):
    """The checks of the training parameters that declarative constraints cannot express."""
    # a name is looked up here: an unknown one raises a ValueError naming the valid options
    scorer = None if est.scoring is None else get_scorer(est.scoring)
    response = getattr(scorer, "_response_method", None)
    methods = {response} if isinstance(response, str) else set(response or ())
    if methods == {"predict_proba"} and not probabilities:
        raise ValueError(
            f"scoring={est.scoring!r} needs predict_proba, which {type(est).__name__} has "
            f"only with loss='cross_entropy' (loss={est.loss!r}); use loss='cross_entropy' "
            "or a scoring based on predict or decision_function."
        )
    for callback in est.callbacks or []:
        cb = callback[1] if isinstance(callback, tuple) and len(callback) == 2 else callback
        if not isinstance(cb, Callback):
            raise TypeError(
                "callbacks must be a list of skorch callbacks or (name, callback) "
                f"tuples; got {callback!r}."
            )
    if not isinstance(est.optimizer, str) and not (
        isinstance(est.optimizer, type) and issubclass(est.optimizer, torch.optim.Optimizer)
    ):
        raise TypeError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
            f"subclass; got {est.optimizer!r}."
        )


def _lr_scheduler(est, epochs: int, n_batches: int, has_validation: bool):
    """skorch's LRScheduler for ``lr_schedule`` (None for "constant"); a new schedule per fit."""
    common = dict(event_name=None, last_epoch=-1)
    if est.lr_schedule == "cosine":
        return LRScheduler(
            CosineAnnealingLR, T_max=max(1, epochs * n_batches), step_every="batch", **common
        )
    if est.lr_schedule == "step":
        milestones = [math.ceil(0.5 * epochs), math.ceil(0.75 * epochs)]
        return LRScheduler(MultiStepLR, milestones=milestones, gamma=est.lr_decay, **common)
    if est.lr_schedule == "plateau":
        monitor = "valid_score" if has_validation else "train_loss"
        return LRScheduler(
            ReduceLROnPlateau,
            monitor=monitor,
            event_name=None,
            mode="max" if has_validation else "min",
            factor=est.lr_decay,
            patience=max(1, est.n_iter_no_change // 2) - 1,
            threshold=1e-4,
            eps=0.0,
        )
    return None


def _callbacks(est, *, epochs, n_batches, scorer, has_validation, incremental):
    callbacks = []
    schedule = None if incremental else _lr_scheduler(est, epochs, n_batches, has_validation)
    if schedule is not None:
        callbacks.append(("lr_schedule", schedule))
    # after the schedule, which sets this epoch's rate as the epoch begins
    callbacks.append(("lr", RecordLR()))
    if has_validation:
        callbacks.append(("valid_score", ValidationScore(scorer)))
    if est.clip_grad_norm is not None:
        callbacks.append(("clip_grad_norm", GradientNormClipping(est.clip_grad_norm)))
    if est.tensorboard_dir is not None:
        callbacks.append(
            ("tensorboard", TensorBoardLogger(est.tensorboard_dir, type(est).__name__))
        )
    if est.verbose >= 2:
        callbacks.append(("progress_bar", ProgressBar()))
    if has_validation:
        callbacks.append(("early_stopping", EarlyStopping(est.n_iter_no_change, est.tol)))
    # copies: fitting must not change the objects held in the parameters
    callbacks.extend(deepcopy(list(est.callbacks or [])))
    return callbacks


def net_arguments(est, *, device, n_train, valid, seed, scorer, incremental, extras):
    """The arguments of :class:`~skneural._core._net.TrainingNet` for this fit.

    The same for a new net and a warm-started one (see :func:`refresh_net`).
    ``extras`` are the family's (``batch_transform``, ``lr_groups``).
    """
    # partial_fit: "auto" does not depend on the size of each call's data
    optimizer, lr, _ = optimizer_settings(est)
    batch_size = training_batch_size(est.batch_size, AUTO_BATCH * 10 if incremental else n_train)
    epochs = 1 if incremental else n_epochs(est.max_epochs, n_train, batch_size, est._auto_budget())
    n_batches = len(batch_bounds(n_train, batch_size, training=True))
    has_validation = valid is not None
    return dict(
        optimizer=OPTIMIZERS.get(optimizer, optimizer),
        fused=optimizer in FUSED_OPTIMIZERS and device.type in FUSED_DEVICES,
        criterion__name=est.loss,
        lr=lr,
        max_epochs=epochs,
        batch_size=batch_size,
        train_split=predefined_split(valid) if has_validation else None,
        callbacks=_callbacks(
            est,
            epochs=epochs,
            n_batches=n_batches,
            scorer=scorer,
            has_validation=has_validation,
            incremental=incremental,
        ),
        verbose=int(est.verbose),
        precision=est.precision,
        shuffle_seed=seed,
        **extras,
    )


def refresh_net(net, arguments):
    """Apply this fit's ``arguments`` to a warm-started net, keeping its state.

    The optimizer (and its state, e.g. Adam's moments) is kept unless its
    class changed; the criterion is rebuilt only if the loss changed.
    """
    arguments = dict(arguments)
    loss = arguments.pop("criterion__name")
    optimizer = arguments.pop("optimizer")
    net.callbacks = arguments.pop("callbacks")
    net.set_params(**arguments)
    net.initialize_callbacks()
    net.initialize_scaler()
    if net.criterion_.name != loss:
        net.criterion__name = loss
        net.initialize_criterion()
    if net.optimizer is not optimizer:
        net.optimizer = optimizer
        net.initialize_optimizer()


def set_optimizer_hyperparameters(net, est, lr_factors):
    """Write lr, momentum and weight decay into the optimizer's groups.

    Done on every fit, so a warm-started fit uses the current values while
    keeping the optimizer's state. ``lr_factors`` maps group names to their
    factor of ``lr``.
    """
    optimizer, lr, decay = optimizer_settings(est)
    for group in net.optimizer_.param_groups:
        group["lr"] = group["initial_lr"] = lr * lr_factors.get(group.get("name"), 1.0)
        if "weight_decay" in group:
            group["weight_decay"] = decay
        if optimizer == "sgd":
            group["momentum"] = est.momentum
