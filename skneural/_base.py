"""The shared estimator core.

A skneural estimator is a plain scikit-learn estimator: ``__init__`` only
stores parameters, and ``fit`` validates everything, then builds and trains a
skorch net (``net_``). The base here owns validation, device choice, seeding,
the data path, callbacks and the net; a network family adds only its
parameters, its input checks and the function that builds its ``nn.Module``.
"""

from __future__ import annotations

import os
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from contextlib import contextmanager
from copy import deepcopy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import get_scorer, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_consistent_length,
    check_is_fitted,
)
from skorch.callbacks import Callback, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split
from torch import nn
from torch.torch_version import TorchVersion

from skneural._callbacks import (
    EarlyStopping,
    LRSchedule,
    RecordLR,
    TensorBoardLogger,
    ValidationScore,
)
from skneural._data import BatchIterator, TensorData, n_rows, pad_rows
from skneural._device import resolve_device
from skneural._losses import CLASSIFICATION_LOSSES, REGRESSION_LOSSES, WeightedLoss
from skneural._net import TrainingNet
from skneural.nn import Standardize

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}
LR_SCHEDULES = ("constant", "cosine", "step", "plateau")
# Optimizers given ``fused=True`` on the devices where torch has that kernel
FUSED_OPTIMIZERS = ("adam", "adamw")
FUSED_DEVICES = ("cuda", "cpu") if TorchVersion(torch.__version__) >= "2.4" else ("cuda",)

# max_epochs="auto": this many epochs, or more on small data so that training
# makes at least AUTO_MIN_STEPS optimizer steps, but never more than AUTO_MAX_EPOCHS.
AUTO_EPOCHS = 12
AUTO_MIN_STEPS = 600
AUTO_MAX_EPOCHS = 100

# The epoch-level history keys kept in ``history_``, as skorch names them.
_HISTORY_KEYS = {
    "epoch": "epoch",
    "train_loss": "train_loss",
    "valid_loss": "valid_loss",
    "valid_score": "valid_score",
    "lr": "lr",
    "dur": "duration",
}


def _plain(value):
    """A numpy scalar as the Python number it holds."""
    return value.item() if isinstance(value, np.generic) else value


def weighted_moments(chunks, axis: int):
    """Weighted mean and standard deviation per position along ``axis``, in one pass.

    ``chunks`` yields ``(x, w)``: float64 values ``x`` and weights ``w``
    broadcastable to ``x`` (zero where a value does not count, e.g. padding),
    reduced over every axis but ``axis``. The sums are taken around the first
    chunk's mean, so one pass is as accurate as subtracting the exact mean,
    and data that is expensive to produce (decoded image files) is produced
    once. A (near-)constant position gets a std of 1, as in
    ``StandardScaler``; a position without weight gets mean 0 and std 1.
    Returns two 1-D float64 arrays of length ``x.shape[axis]``.
    """
    shift = total = total_sq = count = None
    for x, w in chunks:
        reduce_axes = tuple(i for i in range(x.ndim) if i != axis)
        w = np.broadcast_to(w, x.shape)
        weight = w.sum(axis=reduce_axes)
        if shift is None:
            shift = (x * w).sum(axis=reduce_axes) / np.where(weight > 0, weight, 1.0)
            total, total_sq, count = np.zeros_like(shift), np.zeros_like(shift), weight * 0
        expand = [1] * x.ndim
        expand[axis] = -1
        d = x - shift.reshape(expand)
        total += (d * w).sum(axis=reduce_axes)
        total_sq += (d * d * w).sum(axis=reduce_axes)
        count = count + weight
    counted = count > 0
    safe = np.where(counted, count, 1.0)
    mean_shifted = total / safe
    mean = np.where(counted, shift + mean_shifted, 0.0)
    std = np.sqrt(np.maximum(total_sq / safe - mean_shifted**2, 0.0))
    std[~counted | (std < 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean)))] = 1.0
    return mean, std


def weighted_mean_std(X, axis, sample_weight=None, index=None, chunk_size=4096):
    """Mean and standard deviation of ``X`` per position along ``axis``.

    Reduced over every other axis, weighting sample ``i`` by
    ``sample_weight[i]``, over the rows ``index`` (all rows if None), in chunks
    so that a large ``uint8`` X is never converted to float64 at once (see
    :func:`weighted_moments`). Returns float64 arrays shaped to broadcast
    against ``X``.
    """
    rows = np.arange(len(X)) if index is None else np.asarray(index)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)

    def chunks():
        for start in range(0, len(rows), chunk_size):
            part = rows[start : start + chunk_size]
            w = weights[part].reshape((-1,) + (1,) * (X.ndim - 1))
            yield np.asarray(X[part], dtype=np.float64), w

    mean, std = weighted_moments(chunks(), axis)
    shape = [1] * X.ndim
    shape[axis] = X.shape[axis]
    return mean.reshape(shape), std.reshape(shape)


@contextmanager
def torch_seed(seed: int, device: torch.device):
    """Seed torch's RNGs for a fit without touching the caller's RNG state."""
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        for index in devices:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


def _softmax(outputs: np.ndarray) -> np.ndarray:
    return torch.softmax(torch.from_numpy(outputs).double(), dim=1).numpy()


def _decision(outputs: np.ndarray) -> np.ndarray:
    outputs = outputs.astype(np.float64)
    return outputs[:, 1] - outputs[:, 0] if outputs.shape[1] == 2 else outputs


def _labels(classes: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    return classes[outputs.argmax(axis=1)]


def _unscale(outputs: np.ndarray, mean, scale, single_output: bool) -> np.ndarray:
    """Network outputs in the units of the targets ``fit`` saw."""
    y = outputs.astype(np.float64) * scale + mean
    return y[:, 0] if single_output else y


class _KnownOutputs:
    """A fitted estimator stand-in whose outputs on the validation set are known.

    Lets any scikit-learn scorer score an epoch from the outputs the
    validation pass already computed.
    """

    def __init__(self, scorer_of, outputs):
        self.scorer_of = scorer_of
        self.outputs = outputs
        if hasattr(scorer_of, "classes"):
            self.classes_ = scorer_of.classes

    def __sklearn_tags__(self):
        return self.scorer_of._tags

    def predict(self, X):
        return self.scorer_of.decode(self.outputs)

    def predict_proba(self, X):
        return _softmax(self.outputs)

    def decision_function(self, X):
        return _decision(self.outputs)


class _OutputScorer:
    """Validation score from raw outputs: the estimator's ``score``, or ``scoring``."""

    def __init__(self, estimator, scoring):
        self.scoring = scoring
        self._tags = estimator.__sklearn_tags__()

    def __call__(self, outputs, y, sample_weight):
        y_true = self.decode_targets(y)
        if self.scoring is None:
            return self.default_score(outputs, y_true, sample_weight)
        scorer = get_scorer(self.scoring) if isinstance(self.scoring, str) else self.scoring
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(_KnownOutputs(self, outputs), np.empty((len(y_true), 0)), y_true, **kwargs)


class _ClassifierOutputScorer(_OutputScorer):
    def __init__(self, estimator, scoring):
        super().__init__(estimator, scoring)
        self.classes = estimator.classes_

    def decode(self, outputs):
        return _labels(self.classes, outputs)

    def decode_targets(self, y):
        return self.classes[y]

    def default_score(self, outputs, y_true, sample_weight):
        return np.average(self.decode(outputs) == y_true, weights=sample_weight)


class _RegressorOutputScorer(_OutputScorer):
    def __init__(self, estimator, scoring):
        super().__init__(estimator, scoring)
        self.mean, self.scale = estimator._target_mean, estimator._target_scale
        self.single_output = estimator._single_output

    def decode(self, outputs):
        return _unscale(outputs, self.mean, self.scale, self.single_output)

    decode_targets = decode

    def default_score(self, outputs, y_true, sample_weight):
        return r2_score(y_true, self.decode(outputs), sample_weight=sample_weight)


class BaseNeuralEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base class for skneural estimators. Do not use it directly.

    Subclasses define ``__init__`` (repeating every parameter with its
    default), ``_prepare_X`` and ``_build_network``; task bases below add
    targets, losses and prediction.
    """

    _parameter_constraints: dict = {
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "lr_decay": [Interval(Real, 0, 1, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "scoring": [str, callable, None],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "normalize": ["boolean"],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "tensorboard_dir": [str, os.PathLike, None],
        "callbacks": [list, None],
    }

    # Axis of X holding channels/features, standardized one by one.
    _channel_axis = 1

    @abstractmethod
    def __init__(
        self,
        *,
        loss,
        optimizer,
        lr,
        momentum,
        weight_decay,
        batch_size,
        max_epochs,
        lr_schedule,
        lr_decay,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        tol,
        scoring,
        clip_grad_norm,
        normalize,
        random_state,
        device,
        verbose,
        warm_start,
        tensorboard_dir,
        callbacks,
    ):
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.clip_grad_norm = clip_grad_norm
        self.normalize = normalize
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.tensorboard_dir = tensorboard_dir
        self.callbacks = callbacks

    # ------------------------------------------------------------------
    # What a network family provides

    @abstractmethod
    def _prepare_X(self, X, *, reset: bool) -> np.ndarray:
        """Validate X and return it in the layout the network takes."""

    @abstractmethod
    def _build_network(self, n_outputs: int) -> nn.Module:
        """Build the (untrained) network, returning raw outputs."""

    def _batch_transform(self):
        """A callable applied to training batches (augmentation), or None."""
        return None

    # ------------------------------------------------------------------
    # What a task (classification, regression) provides

    @abstractmethod
    def _prepare_y(self, y, *, reset: bool) -> np.ndarray:
        """Validate y; return the training targets before any scaling."""

    @abstractmethod
    def _n_outputs(self) -> int:
        """Width of the network's output."""

    @abstractmethod
    def _output_scorer(self):
        """A picklable ``f(outputs, y, sample_weight) -> score`` for validation."""

    def _prepare_sample_weight(self, sample_weight, X, y):
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, ensure_non_negative=True)

    def _scale_targets(self, y, sample_weight, index, *, reset):
        """The targets the network trains on (classifiers: the class codes)."""
        return y

    _stratify_split = False

    # ------------------------------------------------------------------
    # fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like
            Training inputs; see the class documentation for the shapes taken.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss; an integer weight acts like
            repeating the sample.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        device = resolve_device(self.device)
        self._check_training_params()
        continuing = self.warm_start and hasattr(self, "net_")
        X = self._prepare_X(X, reset=not continuing)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = self._prepare_y(y, reset=not continuing)
        check_consistent_length(X, y)
        sample_weight = self._prepare_sample_weight(sample_weight, X, y)

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        train_index, valid_index = self._split(y, seed)
        if sample_weight is not None:
            for part, index in (("training", train_index), ("validation", valid_index)):
                if index is not None and not np.any(sample_weight[index]):
                    raise ValueError(
                        f"The sample weights of the {part} data are all zero (early stopping "
                        f"held out validation_fraction={self.validation_fraction} of the data)."
                    )
        y = self._scale_targets(y, sample_weight, train_index, reset=not continuing)
        data = TensorData(X, y, sample_weight)
        train = data if valid_index is None else data.subset(train_index)
        valid = None if valid_index is None else data.subset(valid_index)

        with torch_seed(seed, device):
            if continuing:
                self._configure_net(self.net_, valid, seed, len(train))
            else:
                module = self._build_module(X, sample_weight, train_index)
                self.net_ = self._configure_net(
                    TrainingNet(module=module, criterion=WeightedLoss, device=str(device)),
                    valid,
                    seed,
                    len(train),
                )
                self.net_.initialize()
            self._set_optimizer_hyperparameters()
            self.net_.partial_fit(train)
        self._set_fit_attributes()
        return self

    def _check_training_params(self):
        """Checks the declarative constraints cannot express."""
        if isinstance(self.scoring, str):
            get_scorer(self.scoring)  # raises ValueError naming the valid options
        for callback in self.callbacks or []:
            cb = callback[1] if isinstance(callback, tuple) and len(callback) == 2 else callback
            if not isinstance(cb, Callback):
                raise TypeError(
                    "callbacks must be a list of skorch callbacks or (name, callback) "
                    f"tuples; got {callback!r}."
                )
        if not isinstance(self.optimizer, str) and not (
            isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer)
        ):
            raise TypeError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                f"subclass; got {self.optimizer!r}."
            )

    def _split(self, y, seed):
        """Row indices of the training and validation parts (None: no validation)."""
        if not self.early_stopping:
            return np.arange(len(y)), None
        index = np.arange(len(y))
        stratify = None
        if self._stratify_split and np.min(np.bincount(y)) >= 2:
            stratify = y
        try:
            return train_test_split(
                index,
                test_size=self.validation_fraction,
                stratify=stratify,
                random_state=seed,
            )
        except ValueError:
            if stratify is None:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} cannot split "
                    f"{len(y)} samples into non-empty training and validation sets."
                ) from None
            # too few samples per class to stratify: split at random
            return train_test_split(index, test_size=self.validation_fraction, random_state=seed)

    def _standardizer(self, X, sample_weight, train_index) -> nn.Module | None:
        """The input standardization learned from the training rows (``normalize=True``).

        Per position along ``_channel_axis``; a family whose inputs need
        other statistics (or none) overrides this.
        """
        mean, std = weighted_mean_std(X, self._channel_axis, sample_weight, train_index)
        return Standardize(
            torch.from_numpy(mean.astype(np.float32)), torch.from_numpy(std.astype(np.float32))
        )

    def _build_module(self, X, sample_weight, train_index) -> nn.Module:
        """``standardize`` (when ``normalize``) then ``network``, as an ``nn.Sequential``."""
        layers = OrderedDict()
        if self.normalize:
            standardize = self._standardizer(X, sample_weight, train_index)
            if standardize is not None:
                layers["standardize"] = standardize
        layers["network"] = self._build_network(self._n_outputs())
        return nn.Sequential(layers)

    def _n_epochs(self, n_train: int) -> int:
        """Epochs of this fit: ``max_epochs``, with "auto" resolved for ``n_train`` samples."""
        if self.max_epochs != "auto":
            return self.max_epochs
        steps_per_epoch = -(-n_train // self.batch_size)
        return min(AUTO_MAX_EPOCHS, max(AUTO_EPOCHS, -(-AUTO_MIN_STEPS // steps_per_epoch)))

    def _configure_net(self, net, valid, seed, n_train):
        """Apply the current parameters to ``net`` (new, or warm-started)."""
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        if self.optimizer in FUSED_OPTIMIZERS and torch.device(net.device).type in FUSED_DEVICES:
            # torch's fused Adam/AdamW: one kernel over all the parameters
            # instead of a Python loop of small ops per tensor (on the CPU
            # about 20x faster for ResNet-18's 11M weights, ~5% of a CNN step)
            net.optimizer__fused = True
        elif "optimizer__fused" in vars(net):
            del net.optimizer__fused
        if net.initialized_:
            # a warm start keeps the optimizer's state, unless the optimizer changed
            if net.criterion_.name != self.loss:
                net.criterion__name = self.loss
                net.initialize_criterion()
            if net.optimizer is not optimizer:
                net.optimizer = optimizer
                net.initialize_optimizer()
        net.criterion__name = self.loss
        net.optimizer = optimizer
        net.lr = self.lr
        net.max_epochs = self._n_epochs(n_train)
        net.batch_size = self.batch_size
        net.train_split = None if valid is None else predefined_split(valid)
        net.predict_nonlinearity = None
        net.verbose = int(self.verbose)
        net.batch_transform = self._batch_transform()
        net.shuffle_seed = seed
        net.lr_groups = self._lr_groups()
        net.callbacks = self._make_callbacks(net.max_epochs, has_validation=valid is not None)
        if not self.verbose:
            net.callbacks__print_log = None
        elif hasattr(net, "callbacks__print_log"):
            del net.callbacks__print_log
        if net.initialized_:
            net.initialize_callbacks()
        return net

    def _set_optimizer_hyperparameters(self):
        """Write lr, momentum and weight decay into the optimizer's groups.

        Done on every fit, so a warm-started fit uses the current values
        while keeping the optimizer's state (e.g. Adam's moments).
        """
        for group in self.net_.optimizer_.param_groups:
            group["lr"] = self.lr * self._lr_factor(group.get("name", "default"))
            if "weight_decay" in group:
                group["weight_decay"] = self.weight_decay
            if self.optimizer == "sgd":
                group["momentum"] = self.momentum

    def _lr_groups(self) -> dict | None:
        """``{group name: parameter name prefix}`` of optimizer groups (see ``TrainingNet``)."""
        return None

    def _lr_factor(self, group: str) -> float:
        """Factor of ``lr`` for the optimizer group ``group`` (``"default"``: the rest)."""
        return 1.0

    def _make_callbacks(self, n_epochs, has_validation):
        callbacks = []
        if self.lr_schedule != "constant":
            schedule = LRSchedule(
                self.lr_schedule,
                max_epochs=n_epochs,
                decay=self.lr_decay,
                monitor="valid_score" if has_validation else "train_loss",
                patience=max(1, self.n_iter_no_change // 2),
            )
            callbacks.append(("lr_schedule", schedule))
        # after the schedule, which may set this epoch's rate as it begins
        callbacks.append(("lr", RecordLR()))
        if has_validation:
            callbacks.append(("valid_score", ValidationScore(self._output_scorer())))
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        if self.tensorboard_dir is not None:
            callbacks.append(
                ("tensorboard", TensorBoardLogger(self.tensorboard_dir, type(self).__name__))
            )
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        if has_validation:
            callbacks.append(("early_stopping", EarlyStopping(self.n_iter_no_change, self.tol)))
        # copies: fitting must not change the objects held in the parameters
        callbacks.extend(deepcopy(list(self.callbacks or [])))
        return callbacks

    def _set_fit_attributes(self):
        rows = self.net_.history
        self.history_ = [
            {name: _plain(row[key]) for key, name in _HISTORY_KEYS.items() if key in row}
            for row in rows
        ]
        self.n_iter_ = len(rows)
        self.loss_curve_ = [row["train_loss"] for row in rows]
        stopper = dict(self.net_.callbacks_).get("early_stopping")
        if stopper is not None:
            self.best_validation_score_ = float(stopper.best_score_)
            self.validation_scores_ = [row.get("valid_score", np.nan) for row in rows]
        else:
            for name in ("best_validation_score_", "validation_scores_"):
                self.__dict__.pop(name, None)

    # ------------------------------------------------------------------
    # prediction

    def _forward(self, X) -> np.ndarray:
        """Raw network outputs for X, as float32 numpy, shape (n_samples, n_outputs)."""
        return self._batched(X, lambda module, x: module(*x) if isinstance(x, tuple) else module(x))

    def _batched(self, X, apply) -> np.ndarray:
        """``apply(module, X_batch)`` over X in prediction batches, as float32 numpy.

        Every batch goes through the network at the same shape (the last one
        padded with copies of its first row): kernels pick their algorithm,
        and so their float rounding, by shape, so a sample's prediction would
        otherwise depend on what it was predicted with. At most one batch of
        extra work.
        """
        check_is_fitted(self)
        X = self._prepare_X(X, reset=False)
        module = self.net_.module_
        module.eval()
        size = self.batch_size
        batches = BatchIterator(TensorData(X), size, device=self.net_.device)
        outputs = []
        with torch.inference_mode():
            for X_batch, _, _ in batches:
                n = n_rows(X_batch)
                outputs.append(apply(module, pad_rows(X_batch, size))[:n].float().cpu())
        return torch.cat(outputs).numpy()

    @property
    def module_(self) -> nn.Module:
        """The trained network: input standardization (if any), then the network."""
        check_is_fitted(self)
        return self.net_.module_


class BaseNeuralClassifier(ClassifierMixin, BaseNeuralEstimator):
    """Classification on top of :class:`BaseNeuralEstimator`."""

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES))],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _stratify_split = True

    def _prepare_y(self, y, *, reset):
        y = _check_y(y, estimator=self)
        check_classification_targets(y)
        if reset:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {classes[0]!r}."
                )
            self.classes_ = classes
        else:
            unseen = np.setdiff1d(y, self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y contains labels {unseen.tolist()} not seen in the first fit "
                    f"(classes_ = {self.classes_.tolist()}); warm_start cannot add classes."
                )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _prepare_sample_weight(self, sample_weight, X, y):
        sample_weight = super()._prepare_sample_weight(sample_weight, X, y)
        if self.class_weight is None:
            return sample_weight
        per_class = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[y]
        )
        weights = per_class[y]
        return weights if sample_weight is None else weights * sample_weight

    def _n_outputs(self):
        return len(self.classes_)

    def _output_scorer(self):
        return _ClassifierOutputScorer(self, self.scoring)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like
            Inputs, shaped as in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels, of the same kind as those ``fit`` saw.
        """
        outputs = self._forward(X)  # checks that the estimator is fitted
        return _labels(self.classes_, outputs)

    def _has_probabilities(self):
        return self.loss == "cross_entropy"

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Class probabilities (softmax of the network's outputs).

        Only with ``loss="cross_entropy"``: a hinge loss gives margins, not
        probabilities.

        Parameters
        ----------
        X : array-like
            Inputs, shaped as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; two columns for binary problems.
        """
        return _softmax(self._forward(X))

    def decision_function(self, X):
        """The network's raw scores (logits, or margins with a hinge loss).

        Parameters
        ----------
        X : array-like
            Inputs, shaped as in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary problems, the score of ``classes_[1]`` minus that of
            ``classes_[0]``, as scikit-learn's classifiers return it.
        """
        return _decision(self._forward(X))


class BaseNeuralRegressor(RegressorMixin, BaseNeuralEstimator):
    """Regression on top of :class:`BaseNeuralEstimator`.

    The targets are standardized for training (each output to mean 0 and
    standard deviation 1) and predictions are mapped back: an unscaled
    target, such as a price, otherwise often leaves a network predicting its
    mean.
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
    }

    def _prepare_y(self, y, *, reset):
        y = _check_y(y, multi_output=True, y_numeric=True, estimator=self)
        y2 = y.reshape(len(y), -1).astype(np.float64)
        if reset:
            self._single_output = y.ndim == 1
            self.n_outputs_ = y2.shape[1]
        elif y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} outputs, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return y2

    def _scale_targets(self, y, sample_weight, index, *, reset):
        if reset:
            mean, scale = weighted_mean_std(y, 1, sample_weight, index)
            self._target_mean, self._target_scale = mean, scale
        return ((y - self._target_mean) / self._target_scale).astype(np.float32)

    def _n_outputs(self):
        return self.n_outputs_

    def _output_scorer(self):
        return _RegressorOutputScorer(self, self.scoring)

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : array-like
            Inputs, shaped as in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            In the units of the targets ``fit`` saw.
        """
        outputs = self._forward(X)  # checks that the estimator is fitted
        return _unscale(outputs, self._target_mean, self._target_scale, self._single_output)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
