"""skorch callbacks behind the estimators' flat training parameters."""

from __future__ import annotations

import math
import os
import time
from copy import deepcopy
from pathlib import Path

import skorch.callbacks
import torch
from skorch.callbacks import Callback


class RecordLR(Callback):
    """Record the learning rate each epoch starts with, as ``lr``."""

    def on_epoch_begin(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


class ValidationScore(Callback):
    """Score the validation pass's outputs once per epoch, as ``valid_score``.

    The outputs come from the validation batches the net already ran, so no
    extra forward pass is made. ``score_fn(outputs, y, sample_weight)`` is a
    picklable function of numpy arrays, higher being better.
    """

    def __init__(self, score_fn):
        self.score_fn = score_fn

    def on_epoch_begin(self, net, **kwargs):
        self._outputs, self._targets, self._weights = [], [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training:
            return
        _, y, w = batch
        self._outputs.append(y_pred.detach())
        self._targets.append(y)
        self._weights.append(w)

    def on_epoch_end(self, net, **kwargs):
        if not self._outputs:
            return
        outputs = torch.cat(self._outputs).float().cpu().numpy()
        targets = torch.cat(self._targets).cpu().numpy()
        weights = None if self._weights[0] is None else torch.cat(self._weights).cpu().numpy()
        self._outputs, self._targets, self._weights = [], [], []
        net.history.record("valid_score", float(self.score_fn(outputs, targets, weights)))

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_outputs", "_targets", "_weights"):
            state.pop(key, None)
        return state


class EarlyStopping(skorch.callbacks.EarlyStopping):
    """skorch's early stopping on ``valid_score``, with scikit-learn's MLP semantics.

    Stops when ``valid_score`` has not beaten the best score so far by
    ``tol`` for ``patience`` epochs, and restores the weights of the best
    epoch when training ends (``load_best``). Two things differ from
    skorch's own: a gain below ``tol`` counts as a miss but its weights are
    still the best ones seen (as in scikit-learn's ``MLPClassifier``), and
    the stop is requested from the net rather than raised, so every other
    callback (the log table, TensorBoard, the user's) sees the last epoch first.
    """

    def __init__(self, patience: int = 5, tol: float = 1e-4):
        super().__init__(
            monitor="valid_score",
            patience=patience,
            threshold=tol,
            threshold_mode="abs",
            lower_is_better=False,
            load_best=True,
        )
        self.tol = tol

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.best_score_ = -math.inf

    def on_epoch_end(self, net, **kwargs):
        score = net.history[-1, self.monitor]
        self.misses_ = 0 if score > self.best_score_ + self.threshold else self.misses_ + 1
        if score > self.best_score_:
            self.best_score_ = score
            self.best_epoch_ = net.history[-1, "epoch"]
            self.best_model_weights_ = deepcopy(net.module_.state_dict())
        if self.misses_ >= self.patience:
            net.stop_requested_ = True

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self.best_model_weights_ = None  # a copy of the network, no longer needed

    def _sink(self, text, verbose):
        if verbose:
            print(
                f"Restored the weights of epoch {self.best_epoch_}, the best on "
                f"validation (valid_score={self.best_score_:.4f})."
            )


class TensorBoardLogger(Callback):
    """Write per-epoch losses, validation score and learning rate as TensorBoard events.

    Each fit writes to a run folder of its own under ``log_dir``, so the fits
    of a search do not overwrite or interleave with each other.
    """

    KEYS = ("train_loss", "valid_loss", "valid_score", "lr")

    def __init__(self, log_dir, run_name):
        self.log_dir = log_dir
        self.run_name = run_name

    def on_train_begin(self, net, **kwargs):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "tensorboard_dir needs the tensorboard package: pip install 'skneural[tensorboard]'"
            ) from exc
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.run_dir_ = str(
            Path(self.log_dir) / f"{self.run_name}-{stamp}-{os.getpid()}-{id(net):x}"
        )
        self._writer = SummaryWriter(log_dir=self.run_dir_)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in self.KEYS:
            if key in row:
                self._writer.add_scalar(key, row[key], global_step=row["epoch"])
        self._writer.flush()

    def on_train_end(self, net, **kwargs):
        self._writer.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_writer", None)
        return state


class LRScheduler(skorch.callbacks.LRScheduler):
    """skorch's :class:`~skorch.callbacks.LRScheduler`, pickled without its torch scheduler.

    The scheduler holds the optimizer, which skorch pickles on its own (with
    the module, through ``torch.save``): pickled here too, the optimizer's
    state would be stored twice (a fitted ResNet-18 took 224 MB instead of
    ~90). A scheduler is made afresh at the start of every fit anyway.
    """

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("lr_scheduler_", None)
        return state
