"""The skorch net the estimators train: skorch's loop, skneural's data path."""

from __future__ import annotations

import contextlib

import torch
from skorch import NeuralNet

from skneural._core._data import BatchIterator, resident
from skneural._core._hardware import channels_last, to_channels_last

# stands for the trained module in a pickled net's ``module`` parameter
_TRAINED_MODULE = "<module_>"


class TrainingNet(NeuralNet):
    """A :class:`skorch.NeuralNet` with skneural's batches and losses.

    - batches come from :class:`~skneural._core._data.BatchIterator` as
      ``(X, y, sample_weight)`` tensors already on the device; on a CUDA
      device, in-memory data that fits stays there for the whole fit
      (:func:`~skneural._core._data.resident`);
    - the criterion takes the sample weights;
    - ``batch_transform`` (e.g. augmentation) is applied to training batches
      only, never at validation or prediction;
    - a callback asks to stop by setting ``stop_requested_``; the loop stops
      after every callback has seen the epoch;
    - frozen parameters (``requires_grad=False``) are not given to the
      optimizer, so they get no optimizer state;
    - ``lr_groups`` puts parameters into named optimizer groups by prefix;
    - ``fused=True`` asks the optimizer for its fused kernel;
    - the epoch table (``print_log``) is printed only when ``verbose``;
    - ``precision`` runs the forward passes under :func:`torch.autocast`
      (``"bf16-mixed"``, ``"16-mixed"`` with a gradient scaler), the loss in
      float32;
    - ``channels_last`` keeps the module's weights and the image (4-D) and
      volume (5-D) batches in channels-last memory order (faster
      convolutions on CPUs and GPUs, see :mod:`skneural._core._hardware`).

    Parameters
    ----------
    batch_transform : callable or None
        Applied to each training batch's inputs before the forward pass.
    shuffle_seed : int or None
        Seeds the order of the training batches.
    lr_groups : dict or None
        ``{group name: parameter name prefix}``: the parameters whose names
        (in ``module_``) start with a prefix form an optimizer group with
        ``"name"`` set to the group name; the others form the group named
        ``"default"``.
    fused : bool
        Whether to create the optimizer with ``fused=True``.
    precision : {"32", "bf16-mixed", "16-mixed"}
        Floating-point precision of the forward passes.
    channels_last : bool
        Whether to use the channels-last memory format (``channels_last_3d``
        for volumes).
    """

    def __init__(
        self,
        *args,
        batch_transform=None,
        shuffle_seed=None,
        lr_groups=None,
        fused=False,
        precision="32",
        channels_last=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.batch_transform = batch_transform
        self.shuffle_seed = shuffle_seed
        self.lr_groups = lr_groups
        self.fused = fused
        self.precision = precision
        self.channels_last = channels_last

    def __setattr__(self, name, attr):
        if name == "batch_transform":
            # no learnable state: not a component for skorch to register,
            # move to the device or re-initialize
            object.__setattr__(self, name, attr)
        else:
            super().__setattr__(name, attr)

    def __getstate__(self):
        state = super().__getstate__()
        # ``module`` is the very module_ skorch saves with the optimizer: store it once
        if "module_" in self.__dict__ and state.get("module") is self.module_:
            state["module"] = _TRAINED_MODULE
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if isinstance(self.module, str) and self.module == _TRAINED_MODULE:
            self.module = self.module_

    def get_all_learnable_params(self):
        for name, param in super().get_all_learnable_params():
            if param.requires_grad:
                yield name, param

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        if self.fused:
            kwargs["fused"] = True
        if self.lr_groups:
            groups = {}
            for name, param in named:
                group = next(
                    (g for g, prefix in self.lr_groups.items() if name.startswith(prefix)),
                    "default",
                )
                groups.setdefault(group, []).append(param)
            args = ([{"params": params, "name": group} for group, params in groups.items()],)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def get_default_callbacks(self):
        callbacks = super().get_default_callbacks()
        return [(name, cb) for name, cb in callbacks if self.verbose or name != "print_log"]

    def get_iterator(self, dataset, training=False):
        return BatchIterator(
            resident(dataset, self.device),
            self.batch_size,
            device=self.device,
            shuffle=training,
            seed=self.shuffle_seed,
        )

    def initialize_module(self):
        super().initialize_module()
        if self.channels_last:
            to_channels_last(self.module_)
        return self

    def initialize(self):
        super().initialize()
        self.initialize_scaler()
        return self

    def initialize_scaler(self):
        """A gradient scaler for float16 (keeps small gradients from underflowing), else None."""
        if self.precision != "16-mixed":
            self.scaler_ = None
        elif getattr(self, "scaler_", None) is None:
            self.scaler_ = torch.amp.GradScaler("cuda")

    def infer(self, x, **fit_params):
        # the batch is already on the device; a tuple holds the network's arguments
        with autocast(self.precision, self.device):
            x = self.memory_format(x)
            if isinstance(x, tuple):
                return self.module_(*x, **fit_params)
            return self.module_(x, **fit_params)

    def memory_format(self, x):
        """A batch's inputs in the module's memory format (images and volumes channels last)."""
        if self.channels_last and not isinstance(x, tuple):
            return channels_last(x)
        return x

    def _set_training(self, training=True):
        # skorch walks every submodule to set its mode before every batch; a
        # mode changes only between the training and the validation pass (or
        # after a prediction), so set it only then
        if self.module_.training is not training:
            super()._set_training(training)

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        return self.criterion_(y_pred.float(), y_true, sample_weight)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y, w = batch
        if self.batch_transform is not None:
            X = self.batch_transform(X)
        y_pred = self.infer(X, **fit_params)
        loss = self.get_loss(y_pred, y, X=X, training=True, sample_weight=w)
        if self.scaler_ is None:
            loss.backward()
        else:
            self.scaler_.scale(loss).backward()
            # true gradients for the callbacks (clipping) that read them
            self.scaler_.unscale_(self.optimizer_)
        return {"loss": loss, "y_pred": y_pred}

    def _step_optimizer(self, step_fn):
        if getattr(self, "scaler_", None) is None:
            return super()._step_optimizer(step_fn)
        step_fn()
        self.scaler_.step(self.optimizer_)  # skipped when a gradient is inf or NaN
        self.scaler_.update()
        return None

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, y, w = batch
        with torch.no_grad():
            y_pred = self.infer(X, **fit_params)
            loss = self.get_loss(y_pred, y, X=X, training=False, sample_weight=w)
        return {"loss": loss, "y_pred": y_pred}

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.stop_requested_ = False

    def notify(self, method_name, **cb_kwargs):
        super().notify(method_name, **cb_kwargs)
        if method_name == "on_epoch_end" and getattr(self, "stop_requested_", False):
            # skorch's own way out of fit_loop; partial_fit catches it and
            # still runs on_train_end
            raise KeyboardInterrupt


def autocast(precision, device):
    """The autocast context of ``precision`` on ``device`` (a no-op for "32")."""
    if precision == "32":
        return contextlib.nullcontext()
    device_type = torch.device(device).type
    dtype = torch.bfloat16 if precision == "bf16-mixed" else torch.float16
    return torch.autocast(device_type, dtype=dtype)
