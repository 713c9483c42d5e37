"""One fit's training settings: the "auto" values resolved once, and the skorch net they make.

:func:`resolve_settings` works out, once per fit, every setting that
depends on the data, the device or the family (the optimizer, learning
rate and weight decay of ``"auto"``, the batch size, the epoch budget, the
precision and the memory format) into a :class:`Settings`.
:func:`net_arguments` turns the settings and the flat parameters into the
arguments of :class:`~skneural._core._net.TrainingNet` and its callbacks,
built from skorch's own where they do the job:
:class:`skorch.callbacks.LRScheduler` over torch's schedulers,
:class:`skorch.callbacks.GradientNormClipping`,
:class:`skorch.callbacks.ProgressBar`, and an early stopping built on
skorch's :class:`~skorch.callbacks.EarlyStopping`.
"""

from __future__ import annotations

import math
from copy import deepcopy
from dataclasses import dataclass

import torch
from sklearn.metrics import get_scorer
from skorch.callbacks import Callback, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split
from torch.optim.lr_scheduler import CosineAnnealingLR, MultiStepLR, ReduceLROnPlateau

from skneural._core._callbacks import (
    EarlyStopping,
    LRScheduler,
    RecordLR,
    TensorBoardLogger,
    ValidationScore,
)
from skneural._core._data import batch_bounds
from skneural._core._hardware import CHANNELS_LAST_DEVICES, resolve_precision
from skneural._core._training import (
    AUTO_BATCH,
    AUTO_LR,
    AUTO_MIN_BATCH,
    AUTO_WEIGHT_DECAY,
    DEFAULT_LR,
    FUSED_DEVICES,
    FUSED_OPTIMIZERS,
    OPTIMIZERS,
    AutoBudget,
)


@dataclass(frozen=True)
class Settings:
    """The training settings of one fit, every ``"auto"`` resolved (:func:`resolve_settings`).

    Attributes
    ----------
    optimizer : str or type
        An :data:`~skneural._core._training.OPTIMIZERS` name or a
        ``torch.optim.Optimizer`` subclass.
    lr : float
        Learning rate (of the default optimizer group).
    weight_decay : float
        Weight decay.
    batch_size : int
        Samples per training batch.
    epochs : int
        Epochs of this fit (1 for ``partial_fit``).
    precision : str
        ``"32"``, ``"bf16-mixed"`` or ``"16-mixed"``.
    channels_last : bool
        Whether the network's weights and batches are in channels-last memory.
    """

    optimizer: str | type
    lr: float
    weight_decay: float
    batch_size: int
    epochs: int
    precision: str
    channels_last: bool


def resolve_settings(est, *, device, input_, n_train: int, incremental: bool) -> Settings:
    """The :class:`Settings` of a fit of ``est`` on ``n_train`` samples of ``input_`` on ``device``.

    ``optimizer="auto"`` is the family's choice (``est._auto_optimizer()``);
    ``lr="auto"`` and ``weight_decay="auto"`` are that optimizer's
    (:data:`AUTO_LR`, :data:`AUTO_WEIGHT_DECAY`; else :data:`DEFAULT_LR` and 0);
    ``batch_size`` and ``max_epochs`` follow the training set's size and the
    family's budget (``est._auto_budget()``), except in ``partial_fit``,
    whose "auto" does not depend on the size of each call's data;
    ``precision="auto"`` and the memory format follow the device, the input
    kind and the family (:mod:`skneural._core._hardware`).
    """
    optimizer = est._auto_optimizer() if _is_auto(est.optimizer) else est.optimizer
    lr = AUTO_LR.get(optimizer, DEFAULT_LR) if _is_auto(est.lr) else est.lr
    decay = est.weight_decay
    if _is_auto(decay):
        decay = AUTO_WEIGHT_DECAY.get(optimizer, 0.0)
    batch_size = training_batch_size(est.batch_size, AUTO_BATCH * 10 if incremental else n_train)
    epochs = 1 if incremental else n_epochs(est.max_epochs, n_train, batch_size, est._auto_budget())
    return Settings(
        optimizer=optimizer,
        lr=lr,
        weight_decay=decay,
        batch_size=batch_size,
        epochs=epochs,
        precision=resolve_precision(est.precision, device, cpu_bf16_pays=est._cpu_bf16_pays()),
        channels_last=input_.channels_last and torch.device(device).type in CHANNELS_LAST_DEVICES,
    )


def _is_auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


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


def net_arguments(
    est, settings: Settings, *, device, n_train, valid, seed, scorer, incremental, extras
):
    """The arguments of :class:`~skneural._core._net.TrainingNet` for this fit.

    The same for a new net and a warm-started one (see :func:`refresh_net`).
    ``extras`` are the family's (``batch_transform``, ``lr_groups``).
    """
    n_batches = len(batch_bounds(n_train, settings.batch_size, training=True))
    has_validation = valid is not None
    optimizer = settings.optimizer
    return dict(
        optimizer=OPTIMIZERS.get(optimizer, optimizer),
        fused=optimizer in FUSED_OPTIMIZERS and device.type in FUSED_DEVICES,
        criterion__name=est.loss,
        lr=settings.lr,
        max_epochs=settings.epochs,
        batch_size=settings.batch_size,
        train_split=predefined_split(valid) if has_validation else None,
        callbacks=_callbacks(
            est,
            epochs=settings.epochs,
            n_batches=n_batches,
            scorer=scorer,
            has_validation=has_validation,
            incremental=incremental,
        ),
        verbose=int(est.verbose),
        precision=settings.precision,
        channels_last=settings.channels_last,
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


def set_optimizer_hyperparameters(net, est, settings: Settings, lr_factors):
    """Write lr, momentum and weight decay into the optimizer's groups.

    Done on every fit, so a warm-started fit uses the current values while
    keeping the optimizer's state. ``lr_factors`` maps group names to their
    factor of ``lr``.
    """
    for group in net.optimizer_.param_groups:
        group["lr"] = group["initial_lr"] = settings.lr * lr_factors.get(group.get("name"), 1.0)
        if "weight_decay" in group:
            group["weight_decay"] = settings.weight_decay
        if settings.optimizer == "sgd":
            group["momentum"] = est.momentum
