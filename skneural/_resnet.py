"""Pretrained ResNet estimators: transfer learning as a scikit-learn estimator.

:class:`ResNetClassifier` and :class:`ResNetRegressor` are the transfer
estimators of :mod:`skneural._transfer` with ``arch`` limited to the ResNets
(and their own documentation), kept for the code written for them.
"""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from skneural._core._params import Param, declare, replace
from skneural._core._supervised import (
    CLASS_WEIGHT,
    CLASSIFIER_LOSS,
    REGRESSOR_LOSS,
    NeuralClassifier,
    NeuralRegressor,
)
from skneural._core._training import RUNTIME
from skneural._transfer import (
    ATTRIBUTES,
    INPUT_NOTES,
    NORMALIZATION_NOTES,
    TRANSFER,
    TRANSFER_TRAINING,
    _Transfer,
)
from skneural.nn import ResNetNet
from skneural.nn._resnet import RESNET_ARCHS

RESNET = replace(
    TRANSFER,
    arch=Param(
        "arch",
        "resnet18",
        [StrOptions(set(RESNET_ARCHS))],
        '{"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}',
        "The torchvision architecture.",
    ),
    trainable_layers=Param(
        "trainable_layers",
        None,
        [Interval(Integral, 0, 5, closed="both"), None],
        "int in 0..5 or None",
        """How many stages of the backbone train, counted from the output, as
        torchvision's ``trainable_backbone_layers``: 0 trains the new head
        only, 1 also ``layer4``, ..., 4 also ``layer1``, 5 everything (the stem
        ``conv1``/``bn1`` too). Frozen stages get no gradients and no
        optimizer state, their batch normalization keeps its running
        statistics, and backward does not run through them. None: 5 with
        ``weights=None``, 3 with pretrained weights.""",
    ),
    backbone_lr_factor=Param(
        "backbone_lr_factor",
        0.1,
        [Interval(Real, 0, None, closed="neither")],
        "float",
        """Learning rate of the pretrained backbone relative to ``lr`` (the new
        head's): discriminative fine-tuning. Ignored with ``weights=None``,
        where the whole network is new. 0.1 suits features learned on a large,
        related source such as ImageNet; from a small or distant source,
        0.3 to 1 adapts the backbone more (``benchmarks/bench_transfer.py``:
        from MNIST digits 0-4 to 5-9, 0.3 and 1 beat random initialization
        where 0.1 did not).""",
    ),
    input_size=Param(
        "input_size",
        None,
        [tuple, list, None],
        "tuple of int or None",
        """``(height, width)`` the images are resized to (bilinear) before the
        backbone, e.g. ``(224, 224)``; image files are decoded at this size.
        None keeps the size of the images (for files, the first one's).""",
    ),
)

_NOTES = f"""{INPUT_NOTES}
{NORMALIZATION_NOTES}
These are :class:`TransferClassifier` and :class:`TransferRegressor` with
``arch`` limited to the ResNets, kept for the code written for them.
"""


_DOCS = dict(attributes=ATTRIBUTES, notes=_NOTES)


class _ResNet(_Transfer):
    """A pretrained torchvision ResNet with a new head, for both tasks."""

    _network_class = ResNetNet


@declare(
    (*RESNET, CLASSIFIER_LOSS, *TRANSFER_TRAINING, CLASS_WEIGHT, *RUNTIME),
    see_also="""
ResNetRegressor : The same network for regression.
TransferClassifier : The same for other torchvision backbones (VGG, EfficientNet, ...).
CNNClassifier : A small convolutional network trained from scratch.
""",
    **_DOCS,
)
class ResNetClassifier(_ResNet, NeuralClassifier):
    """Pretrained ResNet classifier: transfer learning for images.

    Loads a torchvision ResNet (pretrained weights by name or from a local
    file), freezes its early stages, puts a new head sized to the classes on
    it and fine-tunes the last stages, with a smaller learning rate for the
    pretrained part than for the head. Every parameter, including how many
    stages train, is searchable by ``GridSearchCV`` and friends; the weights
    are loaded once per process, not once per fit.

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


@declare(
    (*RESNET, REGRESSOR_LOSS, *TRANSFER_TRAINING, *RUNTIME),
    see_also="""
ResNetClassifier : The same network for classification.
TransferRegressor : The same for other torchvision backbones (VGG, EfficientNet, ...).
""",
    **_DOCS,
)
class ResNetRegressor(_ResNet, NeuralRegressor):
    """Pretrained ResNet regressor: transfer learning for image targets.

    The network of :class:`ResNetClassifier` with one linear output per
    target.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import ResNetRegressor
    >>> X, y = load_digits(return_X_y=True)
    >>> reg = ResNetRegressor(max_epochs=3, random_state=0).fit(X[:100], y[:100] / 9)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
