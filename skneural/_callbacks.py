"""skorch callbacks behind the estimators' flat training parameters."""

from __future__ import annotations

import math
import os
import time
from copy import deepcopy
from pathlib import Path

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


class EarlyStopping(Callback):
    """Stop when ``valid_score`` has not improved by ``tol`` for ``patience`` epochs.

    The weights of the best epoch are restored when training ends, whether
    it stopped early or ran out of epochs. Unlike skorch's own, it lets every
    other callback (the log table, TensorBoard) see the last epoch first.
    """

    def __init__(self, patience: int, tol: float):
        self.patience = patience
        self.tol = tol

    def on_train_begin(self, net, **kwargs):
        self.best_score_ = -math.inf
        self.best_epoch_ = None
        self.misses_ = 0
        self._best_state = None

    def on_epoch_end(self, net, **kwargs):
        # as in scikit-learn's MLP: a gain below tol counts as a miss, but
        # the best weights are still the best ones seen
        score = net.history[-1, "valid_score"]
        self.misses_ = 0 if score > self.best_score_ + self.tol else self.misses_ + 1
        if score > self.best_score_:
            self.best_score_ = score
            self.best_epoch_ = net.history[-1, "epoch"]
            self._best_state = deepcopy(net.module_.state_dict())
        if self.misses_ >= self.patience:
            net.stop_requested_ = True

    def on_train_end(self, net, **kwargs):
        if self._best_state is not None and self.best_epoch_ != net.history[-1, "epoch"]:
            net.module_.load_state_dict(self._best_state)
            if net.verbose:
                print(
                    f"Restored the weights of epoch {self.best_epoch_}, the best on "
                    f"validation (valid_score={self.best_score_:.4f})."
                )
        self._best_state = None


class LRSchedule(Callback):
    """Learning-rate schedules, by name.

    - ``"cosine"``: cosine decay from ``lr`` to 0 over ``max_epochs`` (per batch);
    - ``"step"``: multiply by ``decay`` at 50% and again at 75% of ``max_epochs``;
    - ``"plateau"``: multiply by ``decay`` when ``monitor`` has not improved
      for ``patience`` epochs.
    """

    def __init__(self, policy, *, max_epochs, decay=0.1, monitor="train_loss", patience=5):
        self.policy = policy
        self.max_epochs = max_epochs
        self.decay = decay
        self.monitor = monitor
        self.patience = patience

    def on_train_begin(self, net, dataset_train=None, **kwargs):
        self.base_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]
        self.step_ = 0
        self.total_steps_ = None
        self.best_ = None
        self.misses_ = 0

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.policy == "cosine" and self.total_steps_ is None:
            batches = len(net.get_iterator(dataset_train, training=True))
            self.total_steps_ = max(1, batches * self.max_epochs)
        if self.policy == "step":
            epoch = len(net.history) - 1  # 0-based epoch of this fit
            factor = self.decay ** sum(epoch >= m * self.max_epochs for m in (0.5, 0.75))
            self._set(net, factor)

    def on_batch_end(self, net, training=False, **kwargs):
        if training and self.policy == "cosine":
            self.step_ += 1
            progress = min(self.step_ / self.total_steps_, 1.0)
            self._set(net, 0.5 * (1 + math.cos(math.pi * progress)))

    def on_epoch_end(self, net, **kwargs):
        if self.policy != "plateau":
            return
        value = net.history[-1, self.monitor]
        if self.monitor == "valid_score":
            value = -value  # lower is better below
        if self.best_ is None or value < self.best_ - 1e-4 * abs(self.best_):
            self.best_, self.misses_ = value, 0
            return
        self.misses_ += 1
        if self.misses_ >= self.patience:
            for group in net.optimizer_.param_groups:
                group["lr"] *= self.decay
            self.misses_ = 0

    def _set(self, net, factor):
        for group, base in zip(net.optimizer_.param_groups, self.base_lrs_, strict=True):
            group["lr"] = base * factor


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
