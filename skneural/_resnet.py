"""Pretrained ResNet estimators: transfer learning as a scikit-learn estimator."""

from __future__ import annotations

import os
from numbers import Integral, Real

from sklearn.utils import TransformerTags
from sklearn.utils._param_validation import Interval, StrOptions

from skneural._base import BaseNeuralClassifier, BaseNeuralRegressor
from skneural._data import n_rows
from skneural._docs import fill_doc
from skneural._images import AUGMENTATION_CONSTRAINTS, ImageInputMixin
from skneural._validation import check_shape_param
from skneural._weights import load_weights
from skneural.nn import ResNetNet
from skneural.nn._resnet import RESNET_ARCHS, check_backbone_state

# ``trainable_layers=None``: everything trains from random weights, the last
# stages (torchvision's default for fine-tuning a backbone) from pretrained ones
_DEFAULT_TRAINABLE_PRETRAINED = 3


def _with_defaults(**defaults):
    """Rewrite the defaults of shared parameter docs (``name : type, default=old``) to ours."""

    def decorate(cls):
        doc = cls.__doc__
        for name, (old, new) in defaults.items():
            before = f"\n    {name} : "
            start = doc.index(before)
            end = doc.index("\n", start + 1)
            line = doc[start:end]
            assert f"default={old}" in line, (name, line)
            doc = doc[:start] + line.replace(f"default={old}", f"default={new}") + doc[end:]
        cls.__doc__ = doc
        return cls

    return decorate


_DEFAULTS = {"lr": ("2e-3", "1e-3"), "batch_size": ("64", "32"), "max_epochs": ('"auto"', "10")}


class _ResNetMixin(ImageInputMixin):
    """A pretrained torchvision ResNet with a new head, for both tasks."""

    _resnet_parameter_constraints: dict = {
        "arch": [StrOptions(set(RESNET_ARCHS))],
        "weights": [str, os.PathLike, None],
        "trainable_layers": [Interval(Integral, 0, 5, closed="both"), None],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "backbone_lr_factor": [Interval(Real, 0, None, closed="neither")],
        "input_size": [tuple, list, None],
        "image_shape": [tuple, list, None],
        **AUGMENTATION_CONSTRAINTS,
    }
    _files_size_param = "input_size"

    def _pretrained(self):
        """The pretrained weights (from the per-process cache), or None."""
        return None if self.weights is None else load_weights(self.arch, self.weights)

    def _trainable_layers(self) -> int:
        if self.trainable_layers is not None:
            return self.trainable_layers
        return 5 if self.weights is None else _DEFAULT_TRAINABLE_PRETRAINED

    def _check_training_params(self):
        super()._check_training_params()
        if self.input_size is not None:
            check_shape_param(self.input_size, "input_size", (2,))
        pretrained = self._pretrained()  # a bad name, file or download fails here
        if pretrained is not None:
            check_backbone_state(pretrained.state_dict, self.arch)

    def _prepare_X(self, X, *, reset):
        X = super()._prepare_X(X, reset=reset)
        if reset and n_rows(X) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to train (its batch "
                f"normalization needs them); got 1 sample."
            )
        if reset and self.weights is not None and self.image_shape_[0] not in (1, 3):
            raise ValueError(
                f"Pretrained weights take images of 1 or 3 channels; X has images of shape "
                f"{self.image_shape_} (channels, height, width)."
            )
        return X

    def _standardizer(self, X, sample_weight, train_index):
        if self.weights is not None:
            return None  # the network normalizes with the weights' own statistics
        return super()._standardizer(X, sample_weight, train_index)

    def _build_network(self, n_outputs):
        pretrained = self._pretrained()
        normalize = pretrained is not None and self.normalize
        return ResNetNet(
            self.arch,
            n_outputs,
            in_channels=self.image_shape_[0],
            state_dict=None if pretrained is None else pretrained.state_dict,
            trainable_layers=self._trainable_layers(),
            hidden_units=self.hidden_units,
            dropout=self.dropout,
            input_size=None if self.input_size is None else tuple(self.input_size),
            mean=pretrained.mean if normalize else None,
            std=pretrained.std if normalize else None,
            pixel_scale=self._pixel_range if normalize else 1.0,
        )

    def _lr_groups(self):
        return {"backbone": "network.backbone."}

    def _lr_factor(self, group):
        if group == "backbone" and self.weights is not None:
            return self.backbone_lr_factor
        return 1.0

    def fit_transform(self, X, y, sample_weight=None):
        """Fit the network, then return the backbone's pooled features of X.

        Parameters
        ----------
        X : array-like or list of paths
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: the features are those of the network trained on them.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            As :meth:`transform` returns them.
        """
        return self.fit(X, y, sample_weight=sample_weight).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        return tags

    def transform(self, X):
        """The backbone's pooled features of X, to feed another model.

        Parameters
        ----------
        X : array-like or list of paths
            Inputs, as in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            The globally average-pooled output of the last residual stage:
            512 features for resnet18 and resnet34, 2048 for the others.
        """

        def features(module, x):
            if hasattr(module, "standardize"):
                x = module.standardize(x)
            return module.network.features(x)

        return self._batched(X, features)


_PARAMETERS_DOC = """
    arch : {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}, \
default="resnet18"
        The torchvision architecture.
    weights : str, path or None, default=None
        Pretrained weights: None for a random initialization; a torchvision
        weight name for ``arch`` (``"DEFAULT"``, ``"IMAGENET1K_V1"``,
        ``"IMAGENET1K_V2"``, or ``"ResNet50_Weights.IMAGENET1K_V2"``), taken
        from torch's hub cache or downloaded there; or the path of a local
        checkpoint (``.pth``/``.pt``: a state dict, possibly wrapped as
        ``{"state_dict": ...}`` or ``{"model": ...}`` and with prefixed keys
        such as ``module.``; ``.safetensors`` with the safetensors package).
        Local files are read with ``torch.load(weights_only=True)``: a
        checkpoint that holds code is refused, never run. The old classifier
        (``fc``) is dropped. Weights are read once per process and reused by
        every fit (e.g. all the fits of a search).
    trainable_layers : int in 0..5 or None, default=None
        How many stages of the backbone train, counted from the output, as
        torchvision's ``trainable_backbone_layers``: 0 trains the new head
        only, 1 also ``layer4``, ..., 4 also ``layer1``, 5 everything (the stem
        ``conv1``/``bn1`` too). Frozen stages get no gradients and no
        optimizer state, their batch normalization keeps its running
        statistics, and backward does not run through them. None: 5 with
        ``weights=None``, 3 with pretrained weights.
    hidden_units : int or None, default=None
        Units of a hidden layer (ReLU, then dropout) in the new head; None
        for a single linear layer on the pooled features.
    dropout : float, default=0.0
        Dropout probability before the head's output layer.
    backbone_lr_factor : float, default=0.1
        Learning rate of the pretrained backbone relative to ``lr`` (the new
        head's): discriminative fine-tuning. Ignored with ``weights=None``,
        where the whole network is new. 0.1 suits features learned on a large,
        related source such as ImageNet; from a small or distant source,
        0.3 to 1 adapts the backbone more (``benchmarks/bench_transfer.py``:
        from MNIST digits 0-4 to 5-9, 0.3 and 1 beat random initialization
        where 0.1 did not).
    input_size : tuple of int or None, default=None
        ``(height, width)`` the images are resized to (bilinear) before the
        backbone, e.g. ``(224, 224)``; image files are decoded at this size.
        None keeps the size of the images (for files, the first one's).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of the images when
        X is flat, of shape ``(n_samples, n_features)``. If None, a flat X
        whose length is a perfect square is read as a one-channel square
        image, any other length as a one-row image.
    rotation : float, default=0.0
        Train-time augmentation: largest random rotation, in degrees.
    shift : float, default=0.0
        Train-time augmentation: largest random shift, as a fraction of the
        image's height and width.
    zoom : float, default=0.0
        Train-time augmentation: largest random zoom, relative.
    horizontal_flip : bool, default=False
        Train-time augmentation: flip each image left-right with probability 1/2.
    vertical_flip : bool, default=False
        Train-time augmentation: flip each image upside down with probability 1/2."""

_NOTES_DOC = """
    Inputs are images as for :class:`CNNClassifier`: ``(n, height, width)``,
    ``(n, channels, height, width)``, flat ``(n, features)`` (see
    ``image_shape``), or a list or array of image file paths (``str`` or
    ``pathlib.Path``), decoded per batch. Grayscale images are repeated to
    three channels inside the network.

    Normalization. With pretrained weights (and ``normalize=True``) the
    network scales pixels to [0, 1] and normalizes them with the weights' own
    mean and standard deviation (ImageNet's for torchvision's weights, and
    for local checkpoints unless they hold ``"mean"`` and ``"std"`` next to
    their ``"state_dict"``): ``uint8`` arrays and image files are read as
    0-255, arrays of any other dtype as already in [0, 1] (torchvision's
    convention). With ``weights=None`` each channel is standardized with the
    training data's statistics, as in :class:`CNNClassifier`.

    ``trainable_layers``, ``arch``, ``weights`` and the head take effect on a
    fresh fit; ``warm_start=True`` continues the fitted network as it is."""


def _document(cls):
    cls.__doc__ = cls.__doc__.replace("%(resnet_parameters)s", _PARAMETERS_DOC.strip("\n")[4:])
    cls.__doc__ = cls.__doc__.replace("%(resnet_notes)s", _NOTES_DOC.strip("\n")[4:])
    return _with_defaults(**_DEFAULTS)(fill_doc(cls))


@_document
class ResNetClassifier(_ResNetMixin, BaseNeuralClassifier):
    """Pretrained ResNet classifier: transfer learning for images.

    Loads a torchvision ResNet (pretrained weights by name or from a local
    file), freezes its early stages, puts a new head sized to the classes on
    it and fine-tunes the last stages, with a smaller learning rate for the
    pretrained part than for the head. Every parameter, including how many
    stages train, is searchable by ``GridSearchCV`` and friends; the weights
    are loaded once per process, not once per fit.

    Parameters
    ----------
    %(resnet_parameters)s
    %(classifier_loss)s
    %(training)s
    %(class_weight)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images the network takes.
    %(fitted)s

    See Also
    --------
    ResNetRegressor : The same network for regression.
    CNNClassifier : A small convolutional network trained from scratch.

    Notes
    -----
    %(resnet_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skneural import ResNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ResNetClassifier(max_epochs=5, random_state=0)
    >>> clf.fit(X[:400], y[:400]).predict_proba(X[400:403]).shape
    (3, 10)
    >>> clf.transform(X[:2]).shape  # the backbone's pooled features
    (2, 512)
    >>> clf.score(X[400:], y[400:]) > 0.7
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralClassifier._parameter_constraints,
        **_ResNetMixin._resnet_parameter_constraints,
    }

    def __init__(
        self,
        *,
        arch="resnet18",
        weights=None,
        trainable_layers=None,
        hidden_units=None,
        dropout=0.0,
        backbone_lr_factor=0.1,
        input_size=None,
        image_shape=None,
        rotation=0.0,
        shift=0.0,
        zoom=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        loss="cross_entropy",
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=10,
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=None,
        normalize=True,
        class_weight=None,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.arch = arch
        self.weights = weights
        self.trainable_layers = trainable_layers
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.backbone_lr_factor = backbone_lr_factor
        self.input_size = input_size
        self.image_shape = image_shape
        self.rotation = rotation
        self.shift = shift
        self.zoom = zoom
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.class_weight = class_weight
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )


@_document
class ResNetRegressor(_ResNetMixin, BaseNeuralRegressor):
    """Pretrained ResNet regressor: transfer learning for image targets.

    The network of :class:`ResNetClassifier` with one linear output per
    target. Targets are standardized for training and mapped back by
    ``predict``.

    Parameters
    ----------
    %(resnet_parameters)s
    %(regressor_loss)s
    %(training)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images the network takes.
    %(fitted)s

    See Also
    --------
    ResNetClassifier : The same network for classification.

    Notes
    -----
    %(resnet_notes)s

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import ResNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(100, 8, 8).astype(np.float32)
    >>> y = 100 + 10 * X[:, :4, :4].mean(axis=(1, 2))
    >>> reg = ResNetRegressor(max_epochs=3, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **BaseNeuralRegressor._parameter_constraints,
        **_ResNetMixin._resnet_parameter_constraints,
    }

    def __init__(
        self,
        *,
        arch="resnet18",
        weights=None,
        trainable_layers=None,
        hidden_units=None,
        dropout=0.0,
        backbone_lr_factor=0.1,
        input_size=None,
        image_shape=None,
        rotation=0.0,
        shift=0.0,
        zoom=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        loss="mse",
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=10,
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=None,
        normalize=True,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.arch = arch
        self.weights = weights
        self.trainable_layers = trainable_layers
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.backbone_lr_factor = backbone_lr_factor
        self.input_size = input_size
        self.image_shape = image_shape
        self.rotation = rotation
        self.shift = shift
        self.zoom = zoom
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )
