"""The estimator base: one fit, one partial_fit, one prediction path for every family.

A fit reads top to bottom in :meth:`NeuralEstimator._fit`:

1. the family's input adapter validates X and learns what it needs (``input_``);
2. the task (classification or regression) validates y and learns the
   classes or the target scaling (``task_``);
3. the rows are split for early stopping, the network is built
   (``standardize`` from the input's statistics, then the family's network);
4. the training settings are resolved once (:mod:`skneural._core._settings`)
   and the skorch net (``net_``) trains with them.

Those three attributes are the whole fitted state; everything else a user
reads after ``fit`` (``history_``, ``classes_``, ``n_features_in_``, ...) is
derived from them. A family adds only ``_input_adapter`` and
``_build_network`` (see ``docs/architecture.rst``).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_consistent_length, check_is_fitted
from torch import nn

from skneural._core._data import BatchIterator, TensorData, n_rows, pad_rows, source_threads
from skneural._core._device import resolve_device, torch_seed
from skneural._core._hardware import resolve_precision
from skneural._core._history import HistoryMixin
from skneural._core._losses import WeightedLoss
from skneural._core._malloc import tune_allocator
from skneural._core._net import TrainingNet, autocast
from skneural._core._settings import (
    check_training_params,
    net_arguments,
    prediction_batch_size,
    refresh_net,
    resolve_settings,
    set_optimizer_hyperparameters,
)
from skneural._core._tasks import OutputScorer
from skneural._core._threads import decode_threads, resolve_threads, torch_threads
from skneural._core._training import AUTO_BUDGET, AutoBudget
from skneural.nn import StandardizedNetwork


def fitted(part: str, name: str, doc: str = "") -> property:
    """A read-only attribute ``name`` of the fitted ``part`` (``"input_"`` or ``"task_"``).

    Absent (``AttributeError``) before ``fit`` or where the part has none.
    """
    return property(lambda self: getattr(getattr(self, part), name), doc=doc)


class NeuralEstimator(HistoryMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of the skneural estimators. Do not use it directly.

    Subclasses declare their parameters (:func:`skneural._core._params.declare`),
    mix in :class:`NeuralClassifier` or :class:`NeuralRegressor`, and provide
    ``_input_adapter`` and ``_build_network``.
    """

    # ------------------------------------------------------------------
    # What a family provides

    @abstractmethod
    def _input_adapter(self):
        """A new, unfitted :class:`~skneural._inputs.InputAdapter` from the parameters."""

    @abstractmethod
    def _build_network(self, input_, n_outputs: int) -> nn.Module:
        """The untrained network for the fitted ``input_``, returning raw outputs."""

    def _standardizer(self, input_, data, sample_weight, index) -> nn.Module | None:
        """The input standardization (``normalize=True``): the input kind's by default."""
        return input_.standardizer(data, sample_weight, index) if self.normalize else None

    def _lr_groups(self) -> dict:
        """``{group: (parameter name prefix, factor of lr)}`` of extra optimizer groups."""
        return {}

    def _auto_optimizer(self) -> str:
        """The optimizer of ``optimizer="auto"``, for the families that offer it."""
        return "adam"

    def _auto_budget(self) -> AutoBudget:
        """What ``max_epochs="auto"`` trains (the docs of ``max_epochs`` say the same)."""
        return AUTO_BUDGET

    def _cpu_bf16_pays(self) -> bool:
        """Whether ``precision="auto"`` may take bfloat16 on a CPU that computes it natively.

        True unless the family's network trains slower in bfloat16 on CPUs
        (see :mod:`skneural._core._hardware`).
        """
        return True

    # ------------------------------------------------------------------
    # fit

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """Train on X and y: ``max_epochs`` afresh or, when continuing, on the fitted net."""
        check_training_params(self, probabilities=self._has_probabilities())
        tune_allocator()
        device = resolve_device(self.device)
        if self.precision == "16-mixed" and device.type != "cuda":
            raise ValueError(
                f'precision="16-mixed" needs a CUDA device (its gradient scaler is CUDA\'s); '
                f'training on {device}, use precision="bf16-mixed" or "32".'
            )
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)
        input_ = self.input_ if continuing else self._input_adapter()
        if continuing:
            # a continued fit augments as the parameters now say (set_params between fits)
            input_.augmentation_params = self._input_adapter().augmentation_params
        data = input_.transform(X, self) if continuing else input_.fit_transform(X, self)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        task = self.task_ if continuing else self._task()
        y = task.check(y)
        check_consistent_length(data, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, data, ensure_non_negative=True)

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if continuing and incremental:
            # each partial_fit call its own batch order and noise, still seeded
            seed = (seed + len(self.net_.history)) % np.iinfo(np.int32).max
        validate = self.early_stopping and not incremental
        train_index, valid_index = self._split(y, seed, task) if validate else (None, None)
        if continuing:
            targets = task.encode(y)
        else:
            targets = task.fit(y, classes=classes, sample_weight=sample_weight, index=train_index)
        sample_weight = task.sample_weight(sample_weight, targets)
        if sample_weight is not None:
            for part, index in (("training", train_index), ("validation", valid_index)):
                if index is not None and not np.any(sample_weight[index]):
                    raise ValueError(
                        f"The sample weights of the {part} data are all zero (early stopping "
                        f"held out validation_fraction={self.validation_fraction} of the data)."
                    )
        dataset = TensorData(data, targets, sample_weight)
        train = dataset if train_index is None else dataset.subset(train_index)
        valid = None if valid_index is None else dataset.subset(valid_index)

        groups = self._lr_groups()
        settings = resolve_settings(
            self, device=device, input_=input_, n_train=len(train), incremental=incremental
        )
        arguments = net_arguments(
            self,
            settings,
            device=device,
            n_train=len(train),
            valid=valid,
            seed=seed,
            scorer=OutputScorer(
                task, self.scoring, self.__sklearn_tags__(), self._has_probabilities()
            ),
            incremental=incremental,
            extras=dict(
                batch_transform=input_.augmentation(),
                lr_groups={group: prefix for group, (prefix, _) in groups.items()} or None,
            ),
        )
        # before torch_threads changes torch's setting
        decoders = decode_threads(self.n_threads, device)
        with (
            torch_seed(seed, device),
            torch_threads(resolve_threads(self.n_threads)),
            source_threads(data, decoders),
        ):
            if continuing:
                net = self.net_
                refresh_net(net, arguments)
            else:
                module = StandardizedNetwork(
                    self._build_network(input_, task.n_outputs),
                    self._standardizer(input_, data, sample_weight, train_index),
                )
                net = TrainingNet(
                    module=module, criterion=WeightedLoss, device=str(device), **arguments
                )
                net.initialize()
            set_optimizer_hyperparameters(
                net, self, settings, {group: factor for group, (_, factor) in groups.items()}
            )
            net.partial_fit(train)
        self.input_, self.task_, self.net_ = input_, task, net
        return self

    def _split(self, y, seed, task):
        """Row indices of the training and validation parts, stratified for classes."""
        index = np.arange(len(y))
        stratify = None
        if task.stratify and np.unique(y, return_counts=True)[1].min() >= 2:
            stratify = y
        try:
            return train_test_split(
                index, test_size=self.validation_fraction, stratify=stratify, random_state=seed
            )
        except ValueError:
            if stratify is None:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} cannot split "
                    f"{len(y)} samples into non-empty training and validation sets."
                ) from None
            # too few samples per class to stratify: split at random
            return train_test_split(index, test_size=self.validation_fraction, random_state=seed)

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
        tune_allocator()
        data = self.input_.transform(X, self)
        module = self.net_.module_
        module.eval()
        size = prediction_batch_size(self.batch_size)
        outputs = []
        net = self.net_
        decoders = decode_threads(self.n_threads, net.device)
        with (
            torch.inference_mode(),
            torch_threads(resolve_threads(self.n_threads)),
            autocast(self._prediction_precision(), net.device),
            source_threads(data, decoders),
        ):
            for X_batch, _, _ in BatchIterator(TensorData(data), size, device=net.device):
                n = n_rows(X_batch)
                X_batch = net.memory_format(pad_rows(X_batch, size))
                outputs.append(apply(module, X_batch)[:n].float().cpu())
        return torch.cat(outputs).numpy()

    def _prediction_precision(self) -> str:
        """The precision of predictions: ``precision`` resolved for this machine's device.

        ``"auto"`` is resolved again where the model predicts, so a model
        trained in bfloat16 predicts in float32 on a machine without native
        bfloat16 (a CPU without AVX512-BF16, an older GPU).
        """
        return resolve_precision(
            self.precision, self.net_.device, cpu_bf16_pays=self._cpu_bf16_pays()
        )

    # ------------------------------------------------------------------
    # what fit learned, derived from input_, task_ and net_

    n_features_in_ = fitted("input_", "n_features_in_", "Number of values per input sample.")
    feature_names_in_ = fitted("input_", "feature_names_in_", "Column names of a DataFrame X.")

    @property
    def module_(self) -> nn.Module:
        """The trained network: ``standardize`` (if any), then ``network``."""
        check_is_fitted(self)
        return self.net_.module_
